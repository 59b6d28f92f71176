"""Odd and hostile arguments to the public Python API: each is a symgraph error that says what was wrong in a
message of a line or two, never a raw Python exception from deep inside, and results compare as values."""
import warnings

import numpy as np
import pytest

import symgraph as sg
from symgraph.cli import parse_point

F = "x*y + sin(z)"
HUGE = 10**5000  # Python refuses to write an integer of over 4,300 digits as text: repr() raises ValueError


@pytest.mark.parametrize("call", [
    lambda v: sg.grad("x*y").at(x=v, y=1),
    lambda v: sg.grad(F, mode=v),
    lambda v: sg.hessian(F, mode=v),
    lambda v: sg.grad(F, simplify=v),
    lambda v: sg.grad(F, mode="elimination", order=v),
    lambda v: sg.grad(F, progress=v),
    lambda v: sg.grad(F, allow_unused=v),
    lambda v: sg.grad(F, wrt=v),
    lambda v: sg.lambdify(F, backend=v),
    lambda v: sg.lambdify(F, args=v),
    lambda v: sg.compare(F, order=v),
    lambda v: sg.parse("c = x*y; d = c + 1", outputs=v),
    lambda v: sg.residuals([F], ["x"], over=v),
    lambda v: sg.grad("sum(x[i]^2, i, 0, n-1)", n=v),
    lambda v: sg.draw(F, engine=v),
    lambda v: sg.draw(F, format=v),
    lambda v: sg.to_mermaid(F, values=v),
    lambda v: sg.explore(F, title=v),
    lambda v: sg.function(v, np.sin, ["cos(x)"]),
    lambda v: sg.lambdify(F)(v, v, v),
    lambda v: sg.hessian(F)[v],
    lambda v: sg.grad(F)[v],
    lambda v: sg.jvp(F, ["x"], [1]).expand(v),
    lambda v: sg.compare(F)[v],
])
def test_an_integer_of_thousands_of_digits_is_named_by_its_number_of_digits(call):
    """The messages wrote the value with repr() (or !r:.60, which cuts after writing), which raised Python's
    bare 'ValueError: Exceeds the limit (4300 digits) for integer string conversion' in place of the error."""
    with pytest.raises(sg.SymgraphError) as caught:
        call(HUGE)
    assert "(an integer of 5,001 digits)" in str(caught.value) and len(str(caught.value)) < 500


def test_the_command_lines_at_cuts_a_value_of_thousands_of_digits():
    """--at x=999...9 (5,000 digits) echoed all 5,000 digits in its one-line message."""
    with pytest.raises(Exception, match="must be finite") as caught:
        parse_point(["x=" + "9" * 5000])
    assert len(str(caught.value)) < 200


LONG = "q" * 100_000
MANY = [f"q{i}" for i in range(100_000)]


@pytest.mark.parametrize("call", [
    lambda v: sg.grad(F, mode=v),
    lambda v: sg.hessian(F, mode=v),
    lambda v: sg.grad(F, simplify=v),
    lambda v: sg.grad(F, mode="elimination", order=v),
    lambda v: sg.grad(F, progress=v),
    lambda v: sg.lambdify(F, backend=v),
    lambda v: sg.lambdify(F, chunk=v),
    lambda v: sg.lambdify(F, args=v),
    lambda v: sg.compare(F, order=v),
    lambda v: sg.residuals([F], ["x"], over=v),
    lambda v: sg.parse("c = x*y; d = c + 1", outputs=v),
    lambda v: sg.draw(F, engine=v),
    lambda v: sg.draw(F, format=v),
    lambda v: sg.function("myfun", np.sin, v),
    lambda v: sg.jvp(F, v, [1, 2, 3]),
])
@pytest.mark.parametrize("value", [LONG, MANY, [LONG]], ids=["long text", "many names", "one long name"])
def test_a_long_value_is_cut_in_the_message(call, value):
    """Each echoed the whole value: 100,000 characters of 'unknown mode ...', a list of 100,000 names
    written out in 'v has 3 component(s) but there are 100000 (q0, q1, ...)'."""
    with warnings.catch_warnings(record=True) as warned, pytest.raises(sg.SymgraphError) as caught:
        warnings.simplefilter("always")
        call(value)
    assert len(str(caught.value)) < 1000
    assert all(len(str(w.message)) < 1000 for w in warned)  # the unused-wrt warning before jvp's error too


def test_many_functions_given_for_one_name_their_count_and_a_few():
    # "this graph has 100000 outputs (q0, q1, ..." wrote every output's name
    with pytest.raises(sg.GraphError, match=r"has 2,000 outputs|has 2000 outputs") as caught:
        sg.grad(MANY[:2000])
    assert "more)" in str(caught.value) and len(str(caught.value)) < 1000


NAMES = np.array(["reverse", "forward"])  # an array where one name is wanted: == gives an array, not a bool


@pytest.mark.parametrize("call", [
    lambda v: sg.grad(F, mode=v),
    lambda v: sg.jacobian([F, "x"], mode=v),
    lambda v: sg.residuals([F], ["x"], mode=v),
    lambda v: sg.grad(F, simplify=v),
    lambda v: sg.grad(F, mode="elimination", order=v),
    lambda v: sg.lambdify(F, backend=v),
    lambda v: sg.hessp(F, backend=v),
    lambda v: sg.draw(F, engine=v),
    lambda v: sg.grad(F).as_graph(v),
])
def test_an_array_given_for_a_name_of_a_choice_is_refused_by_name(call):
    """Each compared the array with its choices ("auto", the simplify levels, "numba", ...) and raised NumPy's
    bare 'The truth value of an array with more than one element is ambiguous'."""
    with pytest.raises(sg.SymgraphError, match=r"array\(\['reverse', 'forward'\]"):
        call(NAMES)


def test_to_latex_of_a_compiled_sparse_hessian_says_what_it_takes():
    # its .order (the CSR order, an array) was compared with 2 to spot a Hessian: NumPy's bare ValueError
    with pytest.raises(sg.ArgumentError, match="to_latex takes .* got SparseFunction"):
        sg.to_latex(sg.hessian(F, sparse=True).lambdify())


def test_args_of_a_zero_dimensional_array_is_an_argument_error():
    # np.array("x") is Iterable by its class, and tuple() of it raised 'iteration over a 0-d array'
    with pytest.raises(sg.ArgumentError, match="args= takes a list of the input names"):
        sg.lambdify("x", args=np.array("x"))


@pytest.mark.parametrize("timeout", [float("inf"), HUGE], ids=["inf", "5,001 digits"])
def test_a_drawing_timeout_beyond_any_clock_is_an_argument_error(timeout):
    # passed on to the Graphviz subprocess, which raised OverflowError (cannot convert float infinity to integer)
    with pytest.raises(sg.ArgumentError, match="timeout= takes a positive number"):
        sg.draw(F, timeout=timeout, format="svg", engine="graphviz")


def test_a_progress_callback_that_takes_no_done_and_total_is_refused_before_the_work():
    # it was called mid-sweep and raised "<lambda>() takes 0 positional arguments but 2 were given"
    with pytest.raises(sg.ArgumentError, match=r"progress\(done, total\)"):
        sg.grad(F, progress=lambda: None)
    seen = []
    sg.grad(F, progress=lambda done, total, *rest: seen.append(done))  # any callable taking two numbers
    assert seen


@pytest.mark.parametrize("name", ["1x", "class", "f(): pass\nimport os\ndef g", None, 3])
def test_a_program_source_name_that_is_no_identifier_is_an_argument_error(name):
    """Written as the def's name whatever it was: source(name="f(): pass\\nimport os\\ndef g") gave a module with
    the user's lines in it, source(name="class") one that does not compile."""
    with pytest.raises(sg.ArgumentError, match="a Python identifier"):
        sg.grad(F).program.source(name)
    assert sg.grad(F).program.source("g").startswith("def g(")


def test_two_cost_reports_of_the_same_derivation_are_equal():
    """A report compared its derivation seconds too, so two reports of the same counts were never equal."""
    assert sg.compare(F) == sg.compare(F) and sg.grad(F).cost == sg.grad(F).cost
    assert sg.compare(F) != sg.compare("x*y") and sg.grad(F).cost != sg.grad(F, mode="forward").cost


def test_graphs_of_the_same_text_are_equal_and_hash_alike():
    """Equality was identity: sg.parse(t) == sg.parse(t) was False."""
    import pickle
    import sympy
    text = "c = a + b; e = c*(b + 1)"
    g = sg.parse(text)
    assert g == sg.parse(text) and hash(g) == hash(sg.parse(text)) and len({g, sg.parse(text)}) == 1
    assert pickle.loads(pickle.dumps(g)) == g
    assert sg.parse(sympy.Symbol("x")**2) == sg.parse("x^2")
    assert sg.parse("sum(x[i], i, 0, n-1)", n=3) == sg.parse("sum(x[i], i, 0, n-1)", n=3)
    # a different node name, input order, size or assumption is a different graph
    assert g != sg.parse("(a + b)*(b + 1)") and sg.parse("x*y") != sg.parse("y*x")
    assert sg.parse("sum(x[i], i, 0, n-1)", n=3) != sg.parse("sum(x[i], i, 0, n-1)", n=4)
    assert sg.parse(sympy.Symbol("x", positive=True)**2) != sg.parse("x^2") and g != text


@pytest.mark.parametrize("number, text", [(10**5000, "10^5000"), (-10**5000, "-10^5000"), (10**400, "10^400")],
                         ids=["5,001 digits", "minus", "401 digits"])
def test_a_sympy_integer_beyond_the_constant_limit_is_the_texts_exact_power(number, text):
    """The graph kept it as one integer, so printing the graph (its listing, Mermaid, the explorer's title,
    LaTeX) raised Python's bare ValueError on over 4,300 digits, and wrote 401 digits of 10**400.  It was then
    its float64 value, oo, where the text's 10^400 is kept as written: the two graphs disagreed.  It is now
    the text's power, listed, drawn and typeset exactly, whose closed forms and numbers take float64's inf."""
    import sympy
    x = sympy.Symbol("x")
    g = sg.parse(sympy.Integer(number) * x**2)
    sign = "-" if number < 0 else ""
    power = text.lstrip("-").replace("^", " ** ")
    assert g.listing().splitlines()[0] == f"v1 = {power}" and "oo" not in g.listing()
    assert g.evaluate(x=1.0)[g.output] == float(f"{sign}inf")
    assert power.replace(" ** ", " ^ ") in sg.to_mermaid(g) and str(sg.grad(g)) == f"Gradient({{'x': {sign}oo*x}})"
    exponent = text.lstrip("-").partition("^")[2]
    assert sg.to_latex(sympy.Integer(number) * x).replace(" ", "") == f"{sign}10^{{{exponent}}}x"
    assert sg.to_latex(sympy.Integer(number) * x) == sg.to_latex(f"{text}*x")
    assert sg.to_latex(number).replace(" ", "") == f"{sign}10^{{{exponent}}}"
    assert sg.parse(sympy.Rational(1, abs(number)) * x).listing().endswith(f"x / v1")


@pytest.mark.parametrize("call", [
    lambda label: sg.grad("sum(x[i]^2, i, 0, n-1)", [label], n=3),
    lambda label: sg.parse("sum(x[i]^2, i, 0, n-1)", n=3, outputs=[label]),
])
def test_an_element_index_of_thousands_of_digits_is_a_graph_error(call):
    # reading the label's index with int() raised Python's bare "Exceeds the limit (4300 digits)" ValueError
    with pytest.raises(sg.GraphError, match="has an index of 5,000 characters"):
        call("x[" + "9" * 5000 + "]")


@pytest.mark.parametrize("read", [
    lambda program, label: program.closed_form(label),
    lambda program, label: program.closed_forms([label]),
    lambda program, label: program.expanded_size(label),
    lambda program, label: program.expanded_depth(label),
    lambda program, label: program.measure([label]),
])
@pytest.mark.parametrize("label", ["X", None, ["x"]], ids=["misspelt", "None", "a list"])
def test_a_program_read_by_a_label_it_has_not_names_its_results(read, label):
    """program.closed_form(label), which the too-large message points to, raised the results dict's bare
    KeyError (TypeError for a list)."""
    with pytest.raises(sg.EntryError, match=r"no result .*; results: x, y"):
        read(sg.grad("x*y").program, label)


def test_a_graphs_ancestors_of_a_node_it_has_not_is_a_graph_error():
    # the operands dict raised a bare KeyError
    with pytest.raises(sg.GraphError, match="no node named 'q'; nodes: x, y"):
        sg.parse("x*y").ancestors("q")
