"""Functions registered from Python with their derivatives (``sg.function``, issue 16 part 4).

Every check compares against ``sympy.diff`` of the closed form with each
registered function rewritten as its explicit sympy formula (an oracle that
knows nothing of the derivative texts), and ``sympy.diff`` of the closed form
as it is (through the sympy class's ``fdiff``), at several points away from kinks.
Each test registers through the ``define`` fixture, which removes what it registered.
"""
import importlib
import importlib.util
import math
import sys
import textwrap

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph import ops
from symgraph.errors import FunctionDefinitionError, ParseError, UnsupportedOpError

MODES = ("reverse", "forward", "paths", "elimination")
A, B, C = sympy.symbols("a b c")
POINTS = [(0.5, 2.0), (-1.3, 0.7), (2.2, -0.4)]


def np_softsign(x):
    return x / (1 + np.abs(x))


def np_scaled(u, v):
    return u * np.exp(v)


#: explicit sympy formulas of the functions the tests register (the oracle)
FORMULAS = {
    "softsign": lambda x: x / (1 + sympy.Abs(x)),
    "scaled": lambda u, v: u * sympy.exp(v),
    "myexp": sympy.exp,
    "square": lambda x: x ** 2,
    "quartic": lambda x: x ** 4,
    "mix3": lambda u, v, w: u * v + sympy.sin(w),
}


@pytest.fixture
def softsign(define):
    return define("softsign", numpy=np_softsign, derivatives=["1/(1 + abs(x))^2"])


@pytest.fixture
def scaled(define):
    return define("scaled", numpy=np_scaled, derivatives=["exp(v)", "scaled(u, v)"], args=["u", "v"])


def rewritten(expr):
    """``expr`` with every registered function replaced by its explicit formula."""
    for name, row in ops.USER.items():
        expr = expr.replace(row.sympy, FORMULAS[name])
    return expr


def real(expr):
    """``expr`` in real symbols (so sympy differentiates abs as sign)."""
    return expr.xreplace({s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols})


def expected(text, wrt, at):
    """``sympy.diff`` of the rewritten closed form, and of the closed form itself (fdiff), at the point."""
    closed = real(sg.parse(text).expr())
    subs = {sympy.Symbol(k, real=True): sympy.Float(v, 30) for k, v in at.items()}
    oracle = {w: float(sympy.diff(rewritten(closed), sympy.Symbol(w, real=True)).evalf(30, subs=subs)) for w in wrt}
    through_fdiff = {w: float(sympy.diff(closed, sympy.Symbol(w, real=True)).evalf(30, subs=subs)) for w in wrt}
    assert through_fdiff == pytest.approx(oracle, rel=1e-12, abs=1e-14)
    return oracle


def closed_value(expr, at):
    subs = {sympy.Symbol(k, real=True): sympy.Float(v, 30) for k, v in at.items()}
    return float(rewritten(real(expr)).evalf(30, subs=subs))


TEXT = "softsign(a*b) + a*softsign(b)^2"


# --------------------------------------------------------------------------- every mode

@pytest.mark.parametrize("mode", MODES)
def test_every_mode_agrees_with_sympy_diff(softsign, mode):
    gradient = sg.grad(TEXT, wrt=["a", "b"], mode=mode)
    for a, b in POINTS:
        want = expected(TEXT, ["a", "b"], {"a": a, "b": b})
        assert gradient.at(a=a, b=b) == pytest.approx(want, rel=1e-12)
        closed = {w: closed_value(gradient[w], {"a": a, "b": b}) for w in ("a", "b")}
        assert closed == pytest.approx(want, rel=1e-12)


def test_jvp_vjp_jacobian_hessian_free_paths_and_compare(softsign, scaled):
    text = "scaled(softsign(a), b*a)"
    a, b = 0.8, -0.6
    want = expected(text, ["a", "b"], {"a": a, "b": b})
    jvp = sg.jvp(text, ["a", "b"], [1, 2])
    vjp = sg.vjp(text, ["a", "b"], [3])
    at = {A: a, B: b}
    assert float(rewritten(jvp["f"]).evalf(subs=at)) == pytest.approx(want["a"] + 2 * want["b"], rel=1e-12)
    assert float(rewritten(vjp["a"]).evalf(subs=at)) == pytest.approx(3 * want["a"], rel=1e-12)
    assert float(rewritten(vjp["b"]).evalf(subs=at)) == pytest.approx(3 * want["b"], rel=1e-12)
    matrix = sg.jacobian([text, "softsign(a)*b"], wrt=["a", "b"])
    assert float(rewritten(matrix[0, 1]).evalf(subs=at)) == pytest.approx(want["b"], rel=1e-12)
    report = sg.compare(text)
    assert set(report.keys()) >= {"forward", "reverse", "paths", "elimination"}
    assert report["reverse"].sweeps == 1
    assert sg.grad(text).cost is not None


# --------------------------------------------------------------------------- compiled code

def test_compiled_code_on_arrays_and_single_points(softsign):
    g = sg.grad(TEXT, wrt=["a", "b"])
    f = g.lambdify()
    vg = sg.value_and_grad(TEXT, wrt=["a", "b"])
    value = sg.lambdify(TEXT)
    a = np.array([p[0] for p in POINTS])
    b = np.array([p[1] for p in POINTS])
    da, db = f(a, b)
    v, (va, vb) = vg(a, b)
    for k, (x, y) in enumerate(POINTS):
        want = expected(TEXT, ["a", "b"], {"a": x, "b": y})
        assert (da[k], db[k]) == pytest.approx((want["a"], want["b"]), rel=1e-12)
        assert (va[k], vb[k]) == pytest.approx((want["a"], want["b"]), rel=1e-12)
        point = f(x, y)
        assert np.shape(point[0]) == () and float(point[0]) == pytest.approx(want["a"], rel=1e-12)
        f_value = closed_value(sg.parse(TEXT).expr(), {"a": x, "b": y})
        assert v[k] == pytest.approx(f_value, rel=1e-12) and float(value(x, y)) == pytest.approx(f_value, rel=1e-12)
    assert "user.softsign, v1)" in vg.source


def test_two_arguments_with_named_args(scaled):
    text = "scaled(a*b, b) + scaled(2, a)"
    for mode in MODES:
        g = sg.grad(text, wrt=["a", "b"], mode=mode)
        for a, b in POINTS:
            assert g.at(a=a, b=b) == pytest.approx(expected(text, ["a", "b"], {"a": a, "b": b}), rel=1e-12)
    da, db = sg.grad(text, wrt=["a", "b"]).lambdify()(np.array([0.5, -1.0]), 0.25)
    assert da[1] == pytest.approx(expected(text, ["a", "b"], {"a": -1.0, "b": 0.25})["a"], rel=1e-12)


def test_three_arguments(define, scaled):
    define("mix3", numpy=lambda u, v, w: u * v + np.sin(w), derivatives=["v", "u", "cos(w)"], args=["u", "v", "w"])
    text = "mix3(a*b, scaled(b, c), c^2) * mix3(1, a, b)"
    for mode in MODES:
        g = sg.grad(text, wrt=["a", "b", "c"], mode=mode)
        for a, b in POINTS:
            at = {"a": a, "b": b, "c": a - b}
            assert g.at(**at) == pytest.approx(expected(text, ["a", "b", "c"], at), rel=1e-12)
    da, db, dc = sg.grad(text, wrt=["a", "b", "c"]).lambdify()(np.array([0.5, 1.5]), 2.0, -1.0)
    assert dc[1] == pytest.approx(expected(text, ["c"], {"a": 1.5, "b": 2.0, "c": -1.0})["c"], rel=1e-12)
    assert sg.Graph.from_sympy(sg.parse(text).expr()).expr() == sg.parse(text).expr()
    assert r"\operatorname{mix3}\left(1, a, b\right)" in sg.to_latex(sg.parse(text).expr())
    with pytest.raises(ParseError, match=r"mix3\(\) takes exactly three arguments, got 2"):
        sg.parse("mix3(a, b)")
    if importlib.util.find_spec("numba"):
        f = sg.grad(text, wrt=["a", "b", "c"]).lambdify(backend="numba")
        np.testing.assert_allclose(f(1.5, 2.0, -1.0)[2], dc[1], rtol=1e-14)


def test_chained_registrations_and_self_reference(define, softsign):
    define("myexp", numpy=np.exp, derivatives=["myexp(x)"])  # exp' = exp: the node's own value
    define("square", numpy=np.square, derivatives=["2*x"])
    define("quartic", numpy=lambda x: x ** 4, derivatives=["2*square(x)*2*x"])  # calls an earlier function
    text = "quartic(a) + myexp(2*a*b) + softsign(square(b))"
    for mode in MODES:
        g = sg.grad(text, wrt=["a", "b"], mode=mode)
        for a, b in POINTS:
            assert g.at(a=a, b=b) == pytest.approx(expected(text, ["a", "b"], {"a": a, "b": b}), rel=1e-12)
    program = str(sg.grad("myexp(a)", wrt=["a"]).program)
    assert program.splitlines()[-1] == "out[a] = v1"  # the derivative is the node itself, not a second call
    assert sympy.diff(sg.parse("myexp(2*a)").expr(), A) == 2 * ops.USER["myexp"].sympy(2 * A)


def test_not_folded_and_hash_consed(softsign):
    g = sg.parse("softsign(2)")
    assert list(g.op_of.values()) == ["softsign"]
    assert str(g.expr()) == "softsign(2)" and float(g.expr().evalf()) == pytest.approx(2 / 3)
    assert sum(op == "softsign" for op in sg.parse("softsign(a) + softsign(a)*softsign(a)").op_of.values()) == 1


def test_from_sympy_round_trip(softsign, scaled):
    text = "scaled(softsign(a), b) * b"
    expr = sg.parse(text).expr()
    graph = sg.Graph.from_sympy(expr)
    assert graph.expr() == expr and {"softsign", "scaled"} <= set(graph.op_of.values())
    assert sg.grad(expr, wrt=["a", "b"]).at(a=0.3, b=1.2) == pytest.approx(
        expected(text, ["a", "b"], {"a": 0.3, "b": 1.2}), rel=1e-12)


# --------------------------------------------------------------------------- printing and pictures

def test_latex(define, softsign):
    assert sg.to_latex(sg.parse("softsign(a*b)").expr()) == r"\operatorname{softsign}\left(a b\right)"
    assert sg.to_latex(sg.parse("softsign(a)^2").expr()) == r"\operatorname{softsign}\left(a\right)^{2}"
    define("scaled", numpy=np_scaled, derivatives=["exp(v)", "scaled(u, v)"], args=["u", "v"], latex=r"\mathcal{S}")
    assert r"\mathcal{S}\left(a, b\right)" in sg.grad("scaled(a, b)", wrt=["b"]).latex()


@pytest.mark.parametrize("name", ["Symbol", "Integer", "Pow", "Add", "polylog"])
def test_a_function_named_like_a_sympy_class_prints_as_a_function(define, name):
    """sympy's printers look up a method by class name: the class of ``Symbol`` is still a function."""
    define(name, numpy=lambda x: 2 * x, derivatives=["2"])
    g = sg.grad(f"{name}(a)*a")
    assert str(g["a"]) == f"2*a + {name}(a)"
    assert repr(g) == f"Gradient({{'a': 2*a + {name}(a)}})"
    assert sympy.pretty(g["a"]) == f"2⋅a + {name}(a)"
    assert sympy.srepr(g["a"]).endswith(f"{name}(Symbol('a')))")
    assert g.latex() == rf"\frac{{\partial f}}{{\partial a}} = 2 a + \operatorname{{{name}}}\left(a\right)"


def test_mermaid_and_dot_label_the_node_with_the_name(softsign):
    g = sg.parse("softsign(a*b)")
    assert 'v2(("f: softsign"))' in sg.to_mermaid(g)  # the unnamed output is f, as grad calls it
    assert "softsign" in sg.to_dot(g)


# --------------------------------------------------------------------------- backends

def test_numba_backend(softsign):
    pytest.importorskip("numba")
    f = sg.grad(TEXT, wrt=["a", "b"]).lambdify(backend="numba")
    vg = sg.value_and_grad(TEXT, wrt=["a", "b"], backend="numba")
    reference = sg.value_and_grad(TEXT, wrt=["a", "b"])
    a = np.array([p[0] for p in POINTS])
    b = np.array([p[1] for p in POINTS])
    np.testing.assert_allclose(f(a, b), reference(a, b)[1], rtol=1e-14)
    np.testing.assert_allclose(vg(a, b)[0], reference(a, b)[0], rtol=1e-14)
    assert float(f(0.5, 2.0)[0]) == pytest.approx(expected(TEXT, ["a"], {"a": 0.5, "b": 2.0})["a"], rel=1e-12)


def test_numba_compiles_a_ufunc_or_builtin_callable(define):
    # numpy=np.exp (the README's myexp) is a ufunc, which numba calls but cannot decorate itself
    pytest.importorskip("numba")
    define("myexp", numpy=np.exp, derivatives=["myexp(x)"])
    define("myhypot", numpy=np.hypot, args=["u", "v"], derivatives=["u/myhypot(u, v)", "v/myhypot(u, v)"])
    define("mathexp", numpy=math.exp, derivatives=["mathexp(x)"])
    x, y = np.array([0.5, 1.0, -2.0]), np.array([2.0, -1.0, 0.25])
    for text in ("myexp(x*y) + myhypot(x, y)", "mathexp(x)*y"):
        hessian = sg.hessian(text, wrt=["x", "y"])
        reference = hessian.lambdify()(x, y) if "mathexp" not in text else \
            np.stack([hessian.lambdify()(a, b) for a, b in zip(x, y)], axis=-1)
        np.testing.assert_allclose(hessian.lambdify(backend="numba")(x, y), reference, rtol=1e-14)


def test_numba_names_a_function_it_cannot_compile(define):
    pytest.importorskip("numba")

    class Opaque:  # an instance method: numba has no type for the instance
        def __call__(self, x):
            return x
    define("opaque", numpy=Opaque(), derivatives=["1"])
    assert float(sg.lambdify("opaque(a)")(2.0)) == 2.0  # NumPy runs it
    with pytest.raises(UnsupportedOpError, match="cannot compile the registered function 'opaque'"):
        sg.lambdify("opaque(a)", backend="numba")


def test_standalone_source_imports_the_callable(define, tmp_path, monkeypatch):
    (tmp_path / "ufmod_standalone.py").write_text(textwrap.dedent("""
        import numpy as np

        def softsign(x):
            return x / (1 + np.abs(x))

        class Holder:
            @staticmethod
            def scaled(u, v):
                return u * np.exp(v)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("ufmod_standalone")
    define("softsign", numpy=module.softsign, derivatives=["1/(1 + abs(x))^2"])
    define("scaled", numpy=module.Holder.scaled, derivatives=["exp(v)", "scaled(u, v)"], args=["u", "v"])
    program = sg.grad("scaled(softsign(a), b) + softsign(a)*b", wrt=["a", "b"]).program
    source = program.source(standalone=True)
    assert "from ufmod_standalone import softsign as" in source and "Holder" in source
    namespace = {}
    exec(compile(source, "standalone", "exec"), namespace)  # the test runs the generated module
    values = program.evaluate(a=0.4, b=1.5)
    np.testing.assert_allclose(namespace["f"](0.4, 1.5), [values[w] for w in ("a", "b")], rtol=1e-14)
    sys.modules.pop("ufmod_standalone", None)


def test_standalone_source_says_why_a_lambda_cannot_be_imported(define):
    define("lam", numpy=lambda x: x * np.exp(x), derivatives=["lam(x)/x + exp(x)"])
    program = sg.grad("lam(a)", wrt=["a"]).program
    assert "user.lam, a)" in program.source()  # the function itself works
    with pytest.raises(UnsupportedOpError, match="'lam'.*lambda"):
        program.source(standalone=True)


# --------------------------------------------------------------------------- wrong results

#: callables that break the contract (real numbers of the arguments' shape) -> what the error says they
#: returned at a point and on a batch of 3 (None: right at a point)
WRONG = {
    "list": (lambda x: [x, x], r"a list \(", r"a list \("),
    "string": (lambda x: "abc", r"a str \('abc'\)", r"a str \('abc'\)"),
    "one int": (lambda x: 1, None, r"an int \(1\)"),
    "batch sum": (np.sum, None, r"a number of shape \(\) and dtype float64"),
    "stacked": (lambda x: np.stack([x, x]), r"an array of shape \(2,\) and dtype float64",
                r"an array of shape \(2, 3\) and dtype float64"),
    "complex": (lambda x: x + 1j, r"a number of shape \(\) and dtype complex128",
                r"an array of shape \(3,\) and dtype complex128"),
}
BATCH = np.array([0.5, -1.0, 2.0])


def _evaluators(text):
    """Every way a program computes on a batch: the interpreter, NumPy code, the VM's NumPy fallback."""
    return {
        "graph": lambda: sg.parse(text).evaluate(a=BATCH),
        "program": lambda: sg.grad(text, wrt=["a"]).program.evaluate(a=BATCH),
        "numpy": lambda: sg.lambdify(text)(BATCH),
        "vm": lambda: sg.lambdify(text, backend="vm")(BATCH),
        "gradient": lambda: sg.grad(text, wrt=["a"]).lambdify()(BATCH),
    }


@pytest.mark.parametrize("kind", [k for k in WRONG if WRONG[k][1]])
def test_a_wrong_result_at_a_point_is_a_clear_error(define, kind):
    function, said, _ = WRONG[kind]
    define("bad", numpy=function, derivatives=["1"])
    calls = {".at": lambda: sg.grad("bad(a)*a", wrt=["a"]).at(a=2.0),
             "point": lambda: sg.lambdify("bad(a)*a")(2.0),
             "constant": lambda: sg.parse("bad(2)*a").expr(),  # the number a closed form's constant takes
             "evalf": lambda: ops.USER["bad"].sympy(2).evalf()}
    for where, call in calls.items():
        with pytest.raises(FunctionDefinitionError, match="registered function 'bad' returned " + said
                           + r".* where one real number \(its arguments are single numbers\) was expected"):
            call()


@pytest.mark.parametrize("kind", list(WRONG))
def test_a_wrong_result_on_a_batch_is_a_clear_error(define, kind):
    function, _, said = WRONG[kind]
    define("bad", numpy=function, derivatives=["1"])
    for where, call in _evaluators("bad(a)*a + 1").items():
        with pytest.raises(FunctionDefinitionError, match="registered function 'bad' returned " + said
                           + r".* where real numbers in an array of shape \(3,\) \(its arguments' broadcast shape\)"):
            call()


def test_standalone_source_checks_the_result(define, tmp_path, monkeypatch):
    (tmp_path / "ufmod_wrong.py").write_text("import numpy as np\n\ndef total(x):\n    return np.sum(x)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("ufmod_wrong")
    define("total", numpy=module.total, derivatives=["1"])
    namespace = {}
    exec(compile(sg.grad("total(a)*a", wrt=["a"]).program.source(standalone=True), "standalone", "exec"), namespace)
    with pytest.raises(FunctionDefinitionError, match=r"'total' returned a number of shape \(\)"):
        namespace["f"](BATCH)
    sys.modules.pop("ufmod_wrong", None)


def test_numba_checks_the_type_of_the_compiled_result(define):
    pytest.importorskip("numba")
    define("pair", numpy=lambda x: (x, x), derivatives=["1"])
    with pytest.raises(FunctionDefinitionError, match=r"'pair' returned UniTuple\(float64 x 2\) \(numba's type"):
        sg.lambdify("pair(a) + a", backend="numba")

    def always_raises(x):
        raise ValueError("boom")
    define("boom", numpy=always_raises, derivatives=["1"])
    with pytest.raises(FunctionDefinitionError, match=r"'boom' returned nothing numba can type \(its compiled code "
                                                      r"raises on every path, or returns None\)"):
        sg.lambdify("boom(a) + a", backend="numba")


def test_results_of_the_arguments_shape_are_taken(define):
    """Numbers of the arguments' broadcast shape pass: Python and NumPy scalars, ints, bools, broadcast arguments."""
    define("one", numpy=lambda x: 1.0 if np.ndim(x) == 0 else np.ones_like(x), derivatives=["0"])
    define("count", numpy=lambda x: (x > 0).astype(np.int64), derivatives=["0"])
    define("wide", numpy=lambda u, v: u + v, derivatives=["1", "1"], args=["u", "v"])
    text = "one(a) + count(a) + wide(a, b) + one(2)"
    want = [2.0 + (x > 0) + x + 3.0 for x in BATCH]
    for backend in ("numpy", "vm"):
        np.testing.assert_allclose(sg.lambdify(text, backend=backend)(BATCH, 3.0), want)
        assert float(sg.lambdify(text, backend=backend)(0.5, 3.0)) == want[0]
    graph = sg.parse(text)
    np.testing.assert_allclose(graph.evaluate(a=BATCH, b=3.0)[graph.output], want)
    assert sg.grad(text, wrt=["a", "b"]).at(a=0.5, b=3.0) == {"a": 1.0, "b": 1.0}


# --------------------------------------------------------------------------- registry

def test_reregistering_replaces_and_remove_unregisters(define):
    first = define("twice", numpy=lambda x: 2 * x, derivatives=["2"])
    second = define("twice", numpy=lambda x: 3 * x, derivatives=["3"])  # a notebook cell run again
    assert not first.registered and second.registered
    assert sg.grad("twice(a)").at(a=1.0) == {"a": 3.0}
    first.remove()  # replaced: removing the old handle leaves the new one
    assert second.registered
    second.remove()
    with pytest.raises(ParseError, match="unknown function 'twice'"):
        sg.parse("twice(a)")
    assert "twice" not in ops.FUNCTIONS and "twice" not in ops.OPS
    first.register()
    assert sg.grad("twice(a)").at(a=1.0) == {"a": 2.0}


def test_failed_registration_leaves_the_table_as_it_was(define):
    define("twice", numpy=lambda x: 2 * x, derivatives=["2"])
    row = ops.USER["twice"]
    with pytest.raises(ParseError):
        sg.function("twice", numpy=lambda x: 3 * x, derivatives=["3 + y"])
    assert ops.USER["twice"] is row and ops.OPS["twice"] is row
    with pytest.raises(ParseError):
        sg.function("fresh_name", numpy=np.sin, derivatives=["cos(x"])
    assert "fresh_name" not in ops.OPS and "fresh_name" not in ops.FUNCTIONS


# --------------------------------------------------------------------------- misuse

def test_wrong_arity_at_a_call_site(softsign, scaled):
    with pytest.raises(ParseError, match=r"softsign\(\) takes exactly one argument, got 2") as info:
        sg.parse("a + softsign(a, b)")
    assert info.value.position == 14
    with pytest.raises(ParseError, match=r"scaled\(\) takes exactly two arguments, got 1"):
        sg.grad("scaled(a)")


def test_derivative_errors_say_which_derivative_and_where(define):
    with pytest.raises(ParseError, match=r"derivative 2 of f2\(u, v\) \(d/dv\) uses 'w'") as info:
        define("f2", numpy=np_scaled, derivatives=["exp(v)", "u*exp(w)"], args=["u", "v"])
    assert info.value.text == "u*exp(w)" and info.value.position == 6
    # the default argument is x: a derivative written in another name says how to name the arguments
    with pytest.raises(ParseError, match=r"uses 'u', which is not an argument \(x\) nor a function; name the "
                                         r"arguments with args=\[\.\.\.\] \(now \['x'\]\)"):
        define("f1", numpy=np.sin, derivatives=["cos(u)"])
    with pytest.raises(ParseError, match=r"derivative 1 of f1\(x\) \(d/dx\): unknown function 'cosh2'"):
        define("f1", numpy=np.sin, derivatives=["cosh2(x)"])
    with pytest.raises(ParseError, match=r"derivative 1 of f1\(x\) \(d/dx\): .*operand is missing") as info:
        define("f1", numpy=np.sin, derivatives=["cos(x) +"])
    assert info.value.position == 8


def test_a_derivative_naming_an_indexed_element_is_a_parse_error(define):
    # x[1] is an input node named x_1: it is neither a KeyError-like crash nor the argument x_1
    with pytest.raises(ParseError, match=r"derivative 1 of f1\(x\) \(d/dx\) uses 'x\[0\]', which is an indexed "
                                         r"element") as info:
        define("f1", numpy=np.sin, derivatives=["1 + x[0]"])
    assert info.value.position == 4
    with pytest.raises(ParseError, match=r"d/dy\) uses 'x\[1\]'") as info:
        define("f2", numpy=np_scaled, derivatives=["y", "y*x[1]"], args=["x_1", "y"])
    assert info.value.position == 2
    assert "f1" not in ops.OPS and "f2" not in ops.OPS


def test_a_derivative_with_carriage_returns_reports_its_line(define):
    with pytest.raises(ParseError, match=r"uses 'w'.*\(at line 2, column 7\)") as info:
        define("f2", numpy=np_scaled, derivatives=["exp(v)", "t = u\rt*exp(w)"], args=["u", "v"])
    assert (info.value.line, info.value.column) == (2, 7)


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="soft sign"), "must be an identifier"),
    (dict(name="2f"), "must be an identifier"),
    (dict(name=3), "must be an identifier"),
    # a leading __ or a non-ASCII letter was refused as 'not an identifier (letters, digits, _)', which both are
    (dict(name="__init__"), r"must be an identifier \(ASCII letters, digits and _, not starting with a digit or with "
                            r"__\), got '__init__'"),
    (dict(name="\u03b1"), r"must be an identifier \(ASCII letters"),
    (dict(name="lambda"), "'lambda': it is a Python keyword"),
    (dict(name="sin"), "'sin': it is a built-in function"),
    (dict(name="logsumexp"), "'logsumexp': it is a built-in function"),
    (dict(name="add"), "'add': it is a built-in function"),
    (dict(name="log0"), "'log0': it is a built-in function"),
    (dict(name="pi"), "'pi': it is a word of the grammar"),
    (dict(name="where"), "'where': it is a word of the grammar"),
    (dict(name="sum"), "'sum': it is a word of the grammar"),
    (dict(name="and"), "'and': it is a word of the grammar"),
    (dict(name="input"), "'input': it is a word of the grammar"),
    (dict(numpy="np.sin"), "must be a callable"),
    (dict(derivatives=["1", "2"]), r"1 argument \(x\) but 2 derivatives"),
    (dict(derivatives=[]), r"1 argument \(x\) but 0 derivatives"),
    (dict(derivatives="1"), "must be a list of texts"),
    (dict(args=["u", "v"], derivatives=["1"]), r"2 arguments \(u, v\) but 1 derivative"),
    (dict(args=["u", "u"], derivatives=["1", "1"]), "names an argument twice"),
    (dict(args=["sin"]), "'sin' of g\\(\\) is the name of a function"),
    (dict(args="x"), "must be a non-empty list"),
    (dict(latex=3), "latex= of g\\(\\) must be LaTeX text"),
    (dict(name="clip"), "'clip': it is a word of the grammar"),
    # a callable that cannot take one value per argument used to be accepted and fail at the first evaluation
    (dict(numpy=lambda x, y: x + y), r"cannot be called with 1 argument \(x\): its signature is <lambda>\(x, y\)"),
    (dict(numpy=np.add), r"cannot be called with 1 argument \(x\): its signature is add\(nin=2\)"),
    (dict(numpy=np.sin, args=["u", "v"], derivatives=["1", "1"]), r"cannot be called with 2 arguments \(u, v\)"),
])
def test_misuse_is_a_clear_error(kwargs, message):
    call = dict(name="g", numpy=np.sin, derivatives=["cos(x)"])
    call.update(kwargs)
    with pytest.raises(FunctionDefinitionError, match=message):
        sg.function(**call)
    assert set(ops.USER) == set()


def test_the_op_table_keeps_built_in_rows():
    with pytest.raises(UnsupportedOpError, match="'sin' is a built-in op"):
        ops.register(ops.OPS["sin"])
    with pytest.raises(UnsupportedOpError, match="'sin' is not a registered function \\(it is built in\\)"):
        ops.unregister("sin")
    assert ops.OPS["sin"].name == "sin" and "sin" in ops.FUNCTIONS


def test_an_expression_outliving_its_removed_function_is_a_clear_error(define):
    handle = define("sq", numpy=lambda x: x * x, derivatives=["2*x"])
    graph = sg.parse("sq(a) + a")
    handle.remove()
    for use in (lambda: graph.evaluate(a=2.0), lambda: sg.grad(graph), lambda: sg.hessian(graph),
                lambda: sg.lambdify(graph), lambda: sg.to_mermaid(graph)):
        with pytest.raises(UnsupportedOpError, match="no rule for op 'sq' .*register it again"):
            use()
    handle.register()
    assert graph.evaluate(a=2.0)[graph.outputs[0]] == 6.0


def test_registering_again_with_other_arguments_refuses_expressions_built_before(define):
    define("sq", numpy=lambda x, y: x * y, args=["x", "y"], derivatives=["y", "x"])
    graph = sg.parse("sq(a, b) + a")
    define("sq", numpy=lambda x: x * x, derivatives=["2*x"])  # the cell re-run with one argument
    uses = [lambda: graph.evaluate(a=2.0, b=3.0), lambda: sg.grad(graph), lambda: sg.hessian(graph, mode="edge-pushing"),
            lambda: sg.grad(graph, mode="forward", simplify=False)["a"], lambda: sg.lambdify(graph),
            lambda: sg.lambdify(graph, backend="vm")]
    for use in uses:  # generated code used to call user.sq(a) and drop b: 6 instead of 8, without a word
        with pytest.raises(UnsupportedOpError, match="calls 'sq' with 2 arguments, but 'sq' is now registered with 1"):
            use()
    assert float(sg.lambdify("sq(a) + a")(2.0)) == 6.0


def test_edge_pushing_uses_the_derivatives_of_the_current_registration(define):
    for derivative, second in (("2*x", 2.0), ("3*x^2", 12.0), ("cos(x)", -math.sin(2.0))):
        define("f", numpy=np.sin, derivatives=[derivative])  # registered again each time
        for mode in ("edge-pushing", "forward-over-reverse"):
            hessian = sg.hessian("f(a)*b", wrt=["a", "b"], mode=mode).lambdify()(2.0, 3.0)
            assert hessian[0, 0] == pytest.approx(3.0 * second, rel=1e-15), (derivative, mode)


def test_callables_that_take_the_arguments_are_accepted(define):
    """The registration-time count check takes defaults, ``*args``, ufuncs by ``nin`` and callables without a signature."""
    define("d1", numpy=lambda x, scale=2.0: scale * x, derivatives=["2"])
    define("d2", numpy=lambda *values: values[0] * values[1], args=["u", "v"], derivatives=["v", "u"])
    define("d3", numpy=np.hypot, args=["u", "v"], derivatives=["u/d3(u, v)", "v/d3(u, v)"])
    define("d4", numpy=np.vectorize(lambda x: 3.0 * x), derivatives=["3"])
    assert float(sg.lambdify("d1(a) + d2(a, b) + d3(a, b) + d4(a)")(3.0, 4.0)) == 6.0 + 12.0 + 5.0 + 9.0


# --------------------------------------------------------------------------- errors in the user's callable

def np_picky(x):
    if np.any(np.asarray(x) > 5):
        raise ValueError("picky() takes values up to 5")
    return 2 * x


def py_reciprocal(x):
    return 1 / float(x)  # Python's division: ZeroDivisionError at 0


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_an_exception_in_the_callable_names_the_function_and_its_arguments(define, backend):
    """A ValueError raised by the user's callable used to reach the caller as it was, with nothing saying that
    it came from the registered function, nor on what: now a UserFunctionError names both, the original chained."""
    define("picky", numpy=np_picky, derivatives=["2"])
    calls = {
        "evaluate": (lambda: sg.parse("picky(a) + 1").evaluate(a=10.0), r"picky\(10\.0\)"),
        ".at": (lambda: sg.grad("picky(a)*a").at(a=10.0), r"picky\(10\.0\)"),
        "point": (lambda: sg.lambdify("picky(a)*a", backend=backend)(10.0), r"picky\(10\.0\)"),
        "batch": (lambda: sg.lambdify("picky(a)*a", backend=backend)(np.array([1.0, 10.0])),
                  r"picky\(<array of shape \(2,\)>\)"),
        "gradient": (lambda: sg.grad("picky(a)*a").lambdify(backend=backend)(np.array([1.0, 10.0])),
                     r"picky\(<array of shape \(2,\)>\)"),
        "evalf": (lambda: ops.USER["picky"].sympy(10).evalf(), r"picky\(10\.0\)"),
        "constant": (lambda: sg.parse("picky(10)*a").expr(), r"picky\(10\.0\)"),
    }
    for where, (call, shown) in calls.items():
        with pytest.raises(sg.UserFunctionError, match=rf"registered function 'picky' raised ValueError when called "
                                                       rf"as {shown}: picky\(\) takes values up to 5") as info:
            call()
        assert isinstance(info.value.__cause__, ValueError) and info.value.original is info.value.__cause__, where
        assert info.value.function == "picky"
    assert float(sg.lambdify("picky(a)*a", backend=backend)(2.0)) == 8.0  # values it takes still work


def scalar_picky(x):
    """np_picky written for one number at a time, as numba compiles it."""
    if x > 5:
        raise ValueError("picky() takes values up to 5")
    return 2 * x


@pytest.mark.parametrize("parallel", [False, True])
def test_numba_names_an_exception_in_the_callable(define, parallel):
    """backend="numba" used to let the callable's ValueError reach the caller as it was (and with
    parallel=True numba dropped it: the call returned unwritten memory as results).  Now it raises the
    UserFunctionError every other backend raises, naming the first point that failed."""
    pytest.importorskip("numba")
    define("picky", numpy=scalar_picky, derivatives=["2"])
    f = sg.lambdify("picky(a)*a", backend="numba", parallel=parallel)
    g = sg.grad("picky(a)*b", wrt=["a", "b"]).lambdify(backend="numba", parallel=parallel)
    vg = sg.value_and_grad("picky(a)*a", wrt=["a"], vector=True, backend="numba")
    batch = np.linspace(0.0, 12.0, 10_001)  # the first value above 5 is 5.0004
    calls = {"point": (lambda: f(10.0), r"picky\(10\.0\)"), "batch": (lambda: f(batch), r"picky\(5\.0004\)"),
             "gradient": (lambda: g(batch, 2.0), r"picky\(5\.0004\)"), "vector": (lambda: vg(np.array([7.0])), r"picky\(7\.0\)")}
    for where, (call, shown) in calls.items():
        with pytest.raises(sg.UserFunctionError, match=rf"registered function 'picky' raised ValueError when called "
                                                       rf"as {shown}: picky\(\) takes values up to 5") as info:
            call()
        assert isinstance(info.value.__cause__, ValueError) and info.value.function == "picky", where
    assert float(f(2.0)) == 8.0
    np.testing.assert_array_equal(g(batch[:4000], 2.0)[1], 2 * batch[:4000])  # values it takes still work


def test_a_python_error_in_the_callable_is_named_too(define):
    """ZeroDivisionError from plain Python arithmetic in the callable, at a constant and at a point."""
    define("recip", numpy=py_reciprocal, derivatives=["-1/x^2"])
    for call in (lambda: sg.parse("recip(a)").evaluate(a=0.0), lambda: sg.parse("recip(0)*a").expr(),
                 lambda: sg.grad("recip(a)*b").at(a=0.0, b=1.0)):
        with pytest.raises(sg.UserFunctionError, match=r"'recip' raised ZeroDivisionError when called as recip\(0\.0\)"):
            call()


def test_a_callable_for_arrays_only_still_runs_at_a_point(define):
    """The one-point fast path calls the callable on NumPy scalars; one that takes arrays only (item assignment)
    is run on a one-point array instead, as before, not reported as failing."""
    def clipped(x):
        y = np.array(x, dtype=float, ndmin=1)
        y[y > 1] = 1.0
        return y if np.ndim(x) else y[0]
    define("clipped", numpy=lambda x: np.minimum(x, 1.0) if np.ndim(x) == 0 else clipped(x), derivatives=["1"])
    define("arrays_only", numpy=lambda x: x.reshape(x.shape), derivatives=["1"])
    f = sg.lambdify("arrays_only(a) + clipped(a)")
    assert float(f(3.0)) == 4.0
    np.testing.assert_array_equal(f(np.array([0.5, 3.0])), [1.0, 4.0])


def test_standalone_source_names_the_callables_errors(define, tmp_path, monkeypatch):
    (tmp_path / "ufmod_picky.py").write_text("def picky(x):\n    raise ValueError('never')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("ufmod_picky")
    define("picky", numpy=module.picky, derivatives=["1"])
    namespace = {}
    exec(compile(sg.grad("picky(a)*a", wrt=["a"]).program.source(standalone=True), "standalone", "exec"), namespace)
    with pytest.raises(sg.UserFunctionError, match=r"'picky' raised ValueError .*: never"):
        namespace["f"](BATCH)
    sys.modules.pop("ufmod_picky", None)


# --------------------------------------------------------------------------- Dask inputs

SEEN = []


def np_recorded(x):
    """softsign that records what it was called on."""
    SEEN.append(type(x))
    return x / (1 + np.abs(x))


def test_on_dask_inputs_the_callable_gets_numpy_blocks_at_compute(define):
    """numpy= computes on NumPy arrays; on Dask inputs it used to be handed the Dask arrays when the function was
    called (a callable using np.asarray computed the whole input there and then).  Now each block's task calls it
    on that block's NumPy arrays, at compute(); its errors are named there, and the lazy result pickles."""
    import pickle
    da = pytest.importorskip("dask.array")
    define("recorded", numpy=np_recorded, derivatives=["1/(1 + abs(x))^2"])
    define("picky", numpy=np_picky, derivatives=["2"])
    SEEN.clear()
    x = np.array([-1.0, 0.5, 2.0, 4.0])
    f = sg.value_and_grad("recorded(a)*b", wrt=["a", "b"])
    value, (da_a, da_b) = f(da.from_array(x, chunks=2), 3.0)
    assert SEEN == []  # nothing computed yet
    want = f(x, 3.0)
    again = pickle.loads(pickle.dumps(value))  # the tasks pickle, as dask.distributed sends them
    np.testing.assert_array_equal(again.compute(scheduler="sync"), want[0])
    np.testing.assert_array_equal(da_a.compute(scheduler="sync"), want[1][0])
    assert SEEN and set(SEEN) == {np.ndarray}
    lazy = sg.lambdify("picky(a)")(da.from_array(np.array([1.0, 10.0]), chunks=1))
    with pytest.raises(sg.UserFunctionError, match=r"'picky' raised ValueError when called as picky\(array\(\[10\.0\]\)\)"):
        lazy.compute(scheduler="sync")  # a block of one value: an array, as the callable got it


def test_the_command_line_names_an_error_of_the_callable(define, tmp_path, monkeypatch, capsys):
    """symgraph grad ... --functions MODULE --at a=10, where the module's callable raises: the command used to
    call it "internal error ... please report it" with exit status 0; now one line names the function and the
    call, with status 2, as for any other bad input."""
    from symgraph.cli import main
    (tmp_path / "cli_picky.py").write_text(textwrap.dedent('''
        import symgraph as sg

        def np_picky(x):
            if x > 5:
                raise ValueError("picky() takes values up to 5")
            return 2 * x

        picky = sg.function("picky", numpy=np_picky, derivatives=["2"])
    '''))
    monkeypatch.chdir(tmp_path)
    try:
        status = main(["grad", "picky(a)*a", "--functions", "cli_picky", "--at", "a=10"])
    finally:
        sys.modules.pop("cli_picky", None)
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert "registered function 'picky' raised ValueError when called as picky(10.0): picky() takes values up to 5" in err


def test_a_result_evaluates_the_function_it_was_derived_with_after_the_name_is_registered_again(define):
    """A gradient whose derivative calls ``ff`` itself, then ``ff`` registered again (a cell edited and re-run):
    .at() evaluated the old derivative with the new callable (2*sin(0.5) for d(2*exp(x))/dx); it now calls the
    rows it was derived with, as its compiled function does, and a new derivation takes the new ones."""
    define("ff", np.exp, ["ff(x)"])
    g = sg.grad("ff(x)*2")
    compiled = g.lambdify()
    define("ff", np.sin, ["cos(x)"])
    old = 2 * math.exp(0.5)
    assert g.at(x=0.5)["x"] == pytest.approx(old)
    assert g.program.evaluate(x=0.5)["x"] == pytest.approx(old)
    assert float(compiled(0.5)[0]) == pytest.approx(old)
    assert sg.grad("ff(x)*2").at(x=0.5)["x"] == pytest.approx(2 * math.cos(0.5))


def test_a_printed_result_calling_a_registered_function_pickles(define):
    """Its closed forms hold the function's sympy class, which pickles by a name no module has: printing a
    gradient, then pickling it, failed.  The closed forms are a cache, left out and rebuilt."""
    import pickle
    define("ff", np.exp, ["ff(x)"])
    g = sg.grad("ff(x)*y")
    shown = repr(g)
    loaded = pickle.loads(pickle.dumps(g))
    assert repr(loaded) == shown and loaded.at(x=0.5, y=2.0) == g.at(x=0.5, y=2.0)


def test_a_closed_form_and_a_jacobian_calling_a_registered_function_pickle(define):
    """A closed form holds the function's sympy class, which pickle looked up by a name no module has:
    ``pickle.dumps(g["x"])`` and ``pickle.dumps(sg.jacobian(...))`` raised "Can't pickle ff: attribute lookup ff on
    symgraph.userfunctions failed".  The class pickles as the registration (as the handle does), and loading it in
    the process that registered it keeps that registration: ``handle.remove()`` still removes it."""
    import copy
    import pickle

    import sympy
    handle = define("ff", np.tanh, ["1 - ff(x)^2"])
    entry = sg.grad("ff(x)*y")["x"]
    loaded = pickle.loads(pickle.dumps(entry))
    assert loaded == entry and sympy.diff(loaded, "y") == sympy.diff(entry, "y")
    jacobian = sg.jacobian(["ff(x)*y", "x"])
    assert pickle.loads(pickle.dumps(jacobian)) == jacobian
    for again in (pickle.loads(pickle.dumps(handle)), copy.deepcopy(handle), copy.copy(handle)):
        assert again is handle and handle.registered
    handle.remove()
    with pytest.raises(sg.ParseError, match="unknown function 'ff'"):
        sg.parse("ff(x)")


def test_a_pickled_closed_form_registers_its_function_where_it_is_loaded(define):
    import pickle
    import subprocess
    import sys

    define("ff", np.tanh, ["1 - ff(x)^2"])
    data = pickle.dumps(sg.grad("ff(x)*y")["y"])
    code = ("import pickle, sys; e = pickle.loads(sys.stdin.buffer.read()); "
            "import symgraph as sg; print(float(e.subs('x', 0.5).evalf()), sg.grad('ff(x)').at(x=0.0)['x'])")
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True).stdout.split()
    assert float(out[0]) == pytest.approx(np.tanh(0.5)) and float(out[1]) == 1.0


def test_a_closed_form_of_a_lambda_names_why_it_does_not_pickle(define):
    """As its handle does (it said "Can't pickle ff: attribute lookup ff on symgraph.userfunctions failed")."""
    import pickle
    define("ff", lambda x: np.tanh(x), ["1 - ff(x)^2"])
    with pytest.raises(sg.UnsupportedOpError, match="cannot pickle the registered function 'ff'.*lambda"):
        pickle.dumps(sg.grad("ff(x)*y")["y"])


@pytest.mark.parametrize("k, arguments, said", [
    (1, ["x"], "k= takes the index of an argument of ff\\(x\\), 0, got 1"),
    (-1, ["x"], "got -1"), (True, ["x"], "got True"), ("0", ["x"], "got '0'"),
    (0, ["x", "y"], "takes a list of 1 expression, one per argument of ff\\(x\\), got 2"), (0, [], "got 0"), (0, 3, "got int 3"),
])
def test_a_derivative_form_asked_of_no_argument_says_so(define, k, arguments, said):
    """``handle.derivative_form(1, [x])`` of a function of one argument raised IndexError from a list inside, a
    wrong number of arguments sympy's TypeError, and ``k=-1`` gave the last derivative as Python indexes lists."""
    import sympy
    handle = define("ff", np.tanh, ["1 - ff(x)^2"])
    with pytest.raises(sg.ArgumentError, match=said):
        handle.derivative_form(k, [sympy.Symbol(a) for a in arguments] if isinstance(arguments, list) else arguments)
    assert handle.derivative_form(0, [sympy.Symbol("x")]) == 1 - handle.sympy(sympy.Symbol("x")) ** 2
