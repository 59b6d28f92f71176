"""Adversarial input, fifth audit: wrong types, odd values and hostile text through the public API and the
compiled functions.  Each gives a right result or a symgraph error saying what and where, never a raw Python
exception from inside the library."""
import numpy as np
import pytest

import symgraph as sg


@pytest.mark.parametrize("returned", [2**70, 10**400])
def test_a_registered_function_returning_a_python_int_beyond_int64_or_float64(define, returned):
    """The check of a registered function's result took any Python int as a number: the interpreter then raised
    OverflowError adding 10**400 to a float, and NumPy's sin refused 2**70 with a TypeError (beyond int64)."""
    define("big", numpy=lambda u: returned, derivatives=["1"])
    if returned == 2**70:
        assert sg.parse("sin(big(x))").evaluate(x=0.5)[sg.parse("sin(big(x))").output] == np.sin(2.0**70)
        assert sg.lambdify("sin(big(x))")(0.5) == np.sin(2.0**70)
        return
    for call in (lambda: sg.parse("big(x) + x").evaluate(x=0.5), lambda: sg.lambdify("big(x) + x")(0.5)):
        with pytest.raises(sg.FunctionDefinitionError, match=r"'big' returned an int .*beyond float64's range"):
            call()


@pytest.mark.parametrize("node", [{}, ["x"], np.ones(2)])
def test_an_unhashable_node_name_is_no_node_of_the_graph(node):
    # Graph.symbol raised Python's "unhashable type" where Graph.op and Graph.operands say there is no such node
    with pytest.raises(sg.GraphError, match="no node named"):
        sg.parse("x*y").symbol(node)


@pytest.mark.parametrize("make", [lambda: sg.lambdify("x*y"), lambda: sg.grad("x*y").lambdify(), lambda: sg.value_and_grad("x*y"),
                                  lambda: sg.hessian("x^2*y").lambdify(), lambda: sg.hessian("x^2*y", sparse=True).lambdify(),
                                  lambda: sg.jacobian(["x*y", "x"]).lambdify()])
def test_a_sympy_function_application_as_a_value_is_refused_by_name(make):
    """type(f(x)).__module__ is None for sympy's undefined functions: the check for Dask inputs raised
    AttributeError "'NoneType' object has no attribute 'partition'" from every compiled function."""
    import sympy
    with pytest.raises(sg.GraphError, match="value for x must be a real number"):
        make()(sympy.Function("f")(sympy.Symbol("x")), 1.0)


@pytest.mark.parametrize("point", [dict(x="a", y=1.0, z=[1, 2, 3]), dict(x=1.0, y=1.0, z="a")])
def test_a_value_whose_shape_property_raises_is_refused_by_name(point):
    """sympy's Indexed a[x] has a ``shape`` property that raises IndexException (not AttributeError): reading the
    shape of a value to check it let that exception out of every compiled function."""
    import sympy
    point = {k: sympy.IndexedBase("a")[sympy.Symbol("x")] if v == "a" else v for k, v in point.items()}
    for f in (sg.lambdify("x*y + sum(z[i]^2, i, 0, 2)"), sg.hessian("x*y + sum(z[i]^2, i, 0, 2)").lambdify()):
        with pytest.raises(sg.GraphError, match="value for [xz] must be a real number|z takes an array"):
            f(**point)


@pytest.mark.parametrize("setting", [dict(mode="bogus"), dict(order="bogus"), dict(mat_delim=3), dict(symbol_names=None),
                                     dict(mul_symbol=3), dict(long_frac_ratio="bogus"), dict(imaginary_unit=["i"])])
@pytest.mark.parametrize("x", ["x*y^2/z", lambda: sg.grad("x*y^2/z"), lambda: sg.hessian("x*y^2"), lambda: sg.parse("x*y")])
def test_a_printer_setting_sympy_refuses_is_an_argument_error(x, setting):
    """sympy checks few settings when its printer is made and uses the rest deep inside a print: to_latex let its
    ValueError, KeyError, TypeError or AttributeError out (order="bogus" only where a sum was printed)."""
    with pytest.raises(sg.ArgumentError, match=f"refuses the settings {next(iter(setting))}="):
        sg.to_latex(x if isinstance(x, str) else x(), **setting)
    assert sg.to_latex("x*y/(1+x)", mode="equation", mul_symbol="dot") == r"\begin{equation}\frac{x \cdot y}{x + 1}\end{equation}"


@pytest.mark.parametrize("text", ["x[" + "1" * 5000 + "]", "sum(x[i], i, 0, " + "1" * 5000 + ")", "x[1 + " + "1" * 5000 + "]",
                                  "0" * 5000 + "1*x", "x[" + "0" * 5000 + "1]"], ids=["index", "bound", "sum", "zeros", "zeros index"])
def test_an_integer_literal_of_thousands_of_digits_is_read_or_refused_by_the_parser(text):
    """Python refuses to read an integer of more than 4,300 digits from text: an index, a bound, or a literal
    with leading zeros let its bare ValueError out of parse.  The digits are read only when there are few."""
    try:
        graph = sg.parse(text)
    except sg.ParseError as error:
        assert "integer literal with 5000 digits is out of range" in str(error)
    else:
        assert graph.inputs in (("x",), ("x[1]",))


@pytest.mark.parametrize("text, sizes", [("x[n]", {"n": 10**5000}), ("x[n]", {"pi": 10**5000}), ("x[n+n]", {"n": 2**1024 - 1}),
                                         ("x[" + ",".join(["n"] * 15) + "]", {"n": 2**1020})], ids=["size", "pi", "index", "entries"])
def test_a_size_or_an_index_beyond_1024_bits_is_a_named_error(text, sizes):
    """The messages wrote such integers' digits (Python's ValueError beyond 4,300 digits, in place of the message):
    a size or an index is now refused beyond 1,024 bits, as the text's constants are, and counts are shown short."""
    with pytest.raises(sg.SymgraphError, match="beyond 1,024 bits|reserved name|an input of \\(an integer of"):
        sg.parse(text, **sizes)


@pytest.mark.parametrize("argv", [["grad", "sum(x[i], i, 0, n-1)", "--size", "n=" + "1" * 5000],
                                  ["grad", "x[0]*y", "--at", "x[" + "1" * 5000 + "]=1", "y=1"]], ids=["size", "element"])
def test_the_command_line_refuses_a_size_or_an_index_of_thousands_of_digits(argv, capsys):
    """Both were read with int(), whose ValueError beyond 4,300 digits the command reported as an internal error."""
    from symgraph.cli import main
    assert main(argv) == 2
    assert "has 5,000 digits; a size or an index has at most 309" in capsys.readouterr().err
    assert main(["grad", "x[0]*y", "--at", "x[" + "0" * 5000 + "0]=1", "y=2"]) == 0


def test_an_unknown_keyword_of_a_compiled_function_is_shown_short():
    # the message wrote the whole keyword: 5,000 characters of it for a mistyped element label
    with pytest.raises(sg.ArgumentError, match=r"unexpected keyword argument 'x\[1111.*\.\.\.$") as caught:
        sg.lambdify("x[0]*y")(**{"x[" + "1" * 5000 + "]": 1.0, "y": 1.0})
    assert len(str(caught.value)) < 200


# --------------------------------------------------------------------------- generated hostile text
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_ATOMS = ["x", "y", "e", "pi", "2", "0.5", "0", "1e308", "9^9^9^9", "x[0]", "x[i]", "n", "-1", "(x)"]
_TOKENS = _ATOMS + ["+", "-", "*", "/", "^", "**", "(", ")", ",", "=", "==", "<", ">=", "and", "not", ";", "\n", "#c\n",
                    "[", "]", "sin", "where", "max", "sum", "prod", "f", "f(u) = u^2\n", "\u2212", "\u00d7", "1e999", "x[-1]"]


@st.composite
def _expressions(draw, depth=0):
    if depth > 3 or draw(st.booleans()):
        return draw(st.sampled_from(_ATOMS[:-3]))
    a, b = draw(_expressions(depth + 1)), draw(_expressions(depth + 1))
    return draw(st.sampled_from([f"sin({a})", f"({a} {draw(st.sampled_from('+-*/^'))} {b})", f"-{a}", f"max({a}, {b}, 1)",
                                 f"where({a} > {b}, {a}, {b})", f"sum({a}*x[i], i, 0, n-1)", f"log(abs({a}) + 1)"]))


@st.composite
def _programs(draw):
    lines = [draw(st.sampled_from(["c = {}", "f(u) = u*{}", "# {}", "d = c*{}"])).format(draw(_expressions()))
             for _ in range(draw(st.integers(0, 2)))]
    return draw(st.sampled_from(["\n", ";", "\r\n"])).join(lines + [draw(st.sampled_from(["", "f(x) + ", "c*"])) + draw(_expressions())])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(_programs(), st.lists(st.sampled_from(_TOKENS), max_size=10).map(" ".join)), st.sampled_from([{}, {"n": 2}]))
def test_generated_text_gives_results_that_print_or_symgraph_errors(text, sizes):
    """Near-valid programs and token soups through parse, every gradient mode, the Hessian and the exports:
    only symgraph errors come out, and what comes back prints."""
    try:
        graph = sg.parse(text, **sizes)
    except sg.SymgraphError:
        return
    point = {name: 0.5 for name in graph.inputs}
    for mode in ("reverse", "forward", "paths", "elimination"):
        try:
            gradient = sg.grad(graph, mode=mode)
        except sg.SymgraphError:
            continue
        str(gradient), gradient.at(**point)
    for call in (lambda: sg.hessian(graph, sparse=True).lambdify()(**point), lambda: str(sg.hessian(graph)),
                 lambda: sg.lambdify(graph)(**point), lambda: sg.to_latex(graph), lambda: sg.to_mermaid(graph),
                 lambda: str(sg.compare(graph))):
        try:
            call()
        except sg.SymgraphError:
            pass


def test_an_expression_file_or_standard_input_is_read_up_to_a_bound(tmp_path, monkeypatch, capsys):
    """@/dev/zero (or any endless stream) was read whole: memory filled until the system killed the process."""
    import io
    from symgraph.cli import inputs, main
    monkeypatch.setattr(inputs, "MAX_TEXT_BYTES", 20)
    path = tmp_path / "long.txt"
    path.write_text("+".join(["x"] * 20))
    assert main(["grad", f"@{path}"]) == 2
    assert "holds more than" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"x" * 21)))
    assert main(["grad", "-"]) == 2
    assert "standard input holds more than" in capsys.readouterr().err
    path.write_text("x*y\r\n")
    assert main(["grad", f"@{path}"]) == 0 and "df/dx = y" in capsys.readouterr().out
