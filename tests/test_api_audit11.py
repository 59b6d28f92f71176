"""The public surface as a researcher uses it: properties called as methods say so, closed forms too large to build
are named as the user names them, numbers too large for a float64 are refused alike everywhere."""
import pickle

import numpy as np
import pytest

import symgraph as sg


def _says_property(value, read_as):
    dotted = read_as.replace(".", "[.]")
    with pytest.raises(sg.ArgumentError, match=rf"^{dotted} is a property .*not a method: write {dotted}, without \(\)"):
        value()


@pytest.mark.parametrize("read, read_as", [
    (lambda: sg.parse("c = a + b; e = c*b").order, "g.order"),
    (lambda: sg.parse("c = a + b; e = c*b").input_nodes, "g.input_nodes"),
    (lambda: sg.hessian("x^2*y", sparse=True).pattern, "result.pattern"),
    (lambda: sg.jacobian(["x*y", "x"], sparse=True).pattern, "result.pattern"),
    (lambda: sg.hessian("x^2*y", sparse=True).lambdify().pattern, "result.pattern"),
    (lambda: sg.hessian("x^2*y", sparse=True).labels, "result.labels")])
def test_a_list_array_or_matrix_property_called_as_a_method_says_so(read, read_as):
    _says_property(read(), read_as)


def test_the_refusing_values_stay_what_they_were():
    g = sg.parse("c = a + b; e = c*b")
    assert g.order == ["a", "b", "c", "e"] and isinstance(g.order, list) and g.order[1:] == ["b", "c", "e"]
    assert g.input_nodes == ("a", "b") and isinstance(g.input_nodes, tuple)
    S = sg.hessian("x^2*y + sin(y)", sparse=True)
    import scipy.sparse
    assert scipy.sparse.issparse(S.pattern) and S.pattern.format == "csr" and S.pattern.nnz == 4
    again = pickle.loads(pickle.dumps(S))
    assert (again.pattern != S.pattern).nnz == 0
    _says_property(again.pattern, "result.pattern")
    assert again.at(x=1.0, y=2.0).toarray().tolist() == S.at(x=1.0, y=2.0).toarray().tolist()
    f = pickle.loads(pickle.dumps(S.lambdify()))
    assert np.allclose(f(x=1.0, y=2.0).toarray(), [[4.0, 2.0], [2.0, -np.sin(2.0)]])
    assert list(S.labels) == ["d2/dx^2", "d2/dx dy", "d2/dx dy", "d2/dy^2"]


HUGE = 10**400


@pytest.mark.parametrize("call", [
    lambda: sg.jvp("x*y", ["x", "y"], [HUGE, 1]), lambda: sg.jvp("x*y", ["x", "y"], [-HUGE, 1]),
    lambda: sg.vjp("x*y", ["x"], [HUGE]), lambda: sg.hvp("x*x*y", ["x", "y"], [HUGE, 1]),
    lambda: sg.hvp("x*x*y", ["x", "y"], np.array([HUGE, 1], dtype=object)),
    lambda: sg.jvp("x*y", ["x", "y"], {"x": 1, "y": HUGE}),
    lambda: sg.jvp("x*y", ["x", "y"], [__import__("fractions").Fraction(HUGE, 3), 1]),
    lambda: sg.jvp("x*y", ["x", "y"], [__import__("sympy").Integer(HUGE), 1]),
    lambda: sg.jvp("x*y", ["x", "y"], [__import__("sympy").Float("1e400"), 1]),
    lambda: sg.hessp("x*x*y", ["x", "y"])([1.0, 2.0], [1, HUGE]),
    lambda: sg.hessp("x*x*y", ["x", "y"])([HUGE, 2.0], [1, 1]),
    lambda: sg.grad("x*y").at(x=HUGE, y=1.0), lambda: sg.hvp("x*x*y", ["x", "y"], [1, 1]).at(x=HUGE, y=1),
    lambda: sg.grad("x*y").lambdify()(HUGE, 1.0), lambda: sg.hessian("x*x*y").lambdify()(HUGE, 1),
    lambda: sg.hessian("x*x*y", sparse=True).at(x=HUGE, y=1), lambda: sg.parse("x*y").evaluate(x=HUGE, y=1),
    lambda: sg.value_and_grad("x*x*y", vector=True)([HUGE, 1])])
def test_a_number_too_large_for_a_float64_is_refused_alike_everywhere(call):
    """A seed of 10**400 was sympy's oo without a word (x + oo*y), where .at() and compiled calls refused it."""
    with pytest.raises(sg.GraphError, match="too large for a float64"):
        call()


def test_infinite_seeds_stay_refused_and_large_finite_ones_stay_exact():
    with pytest.raises(sg.ArgumentError, match="must be finite, got inf"):
        sg.jvp("x*y", ["x", "y"], [float("inf"), 1])
    assert sg.jvp("x*y", ["x", "y"], [10**300, 1])["f"] == 10**300 * __import__("sympy").Symbol("y") + \
        __import__("sympy").Symbol("x")


def test_a_large_entry_of_an_array_is_named_by_its_index():
    with pytest.raises(sg.GraphError, match=r"value for x is too large for a float64: its entry \[0, 1\] is "
                                            r"\(an integer of 401 digits\)"):
        sg.grad("x*y").at(x=np.array([[1, HUGE]], dtype=object), y=1.0)


def _doubling(levels=30):
    """A from_sympy graph whose output, unnamed, is sin(u) + cos(u) nested ``levels`` times: 2^levels operations."""
    import sympy
    x, y = sympy.symbols("x y")
    u = x
    for _ in range(levels):
        u = sympy.sin(u) + sympy.cos(u)
    return u, x * y


def test_graph_expr_names_what_the_user_asked_for():
    """Graph.expr's size error named the output's node (v90), which the user never wrote: the repr, the listings and
    the results call it f (f1, f2 of several), and graph.expr takes that label."""
    deep, small = _doubling()
    one = sg.Graph.from_sympy(deep)
    with pytest.raises(sg.ExpressionTooLargeError, match=r"^the closed form of 'f' has .* graph\.expr\('f', limit=None\)"):
        one.expr()
    two = sg.Graph.from_sympy([deep, small])
    with pytest.raises(sg.GraphError, match=r"this graph has 2 outputs \(f1, f2\); name the one wanted: graph\.expr\('f1'\)"):
        two.expr()
    with pytest.raises(sg.ExpressionTooLargeError, match=r"^the closed form of 'f1' has .* graph\.expr\('f1', limit=None\)"):
        two.expr("f1")
    assert two.expr("f2") == two.expr(two.outputs[1]) == small
    text = "; ".join(["u0 = x[0]*x[1]"] + [f"u{k + 1} = sin(u{k}) + cos(u{k})*x[{k % 2}]" for k in range(30)])
    with pytest.raises(sg.ExpressionTooLargeError, match=r"^the closed form of 'u30' "):
        sg.parse(text).expr()
    assert str(sg.parse(text).expr("x[1]")) == "x[1]"


@pytest.mark.parametrize("order", [1, 2])
def test_compare_counts_what_its_table_shows_so_printing_only_formats(order):
    report = sg.compare("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", order=order, n=6)
    assert all(not callable(cost.expanded) for cost in report.values())  # counted: nothing left for printing
    assert "?" not in str(report) and str(report) == str(report)
    if order == 1:  # the figure counted now is the one a derivation's report counts when read
        lazy = sg.grad("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", mode="reverse", n=6).cost
        assert callable(lazy["reverse"].expanded) and lazy.expanded_ops == report["reverse"].expanded_ops > 0


def test_a_misspelt_figure_of_a_report_names_the_one_meant():
    """report.sweep raised AttributeError('sweep'), the bare name; hasattr stays False for any other name."""
    cost = sg.grad("x*y").cost
    with pytest.raises(AttributeError, match=r"^'CostReport' object has no attribute 'sweep' \(did you mean 'sweeps'\?\)$"):
        cost.sweep  # noqa: B018
    assert not hasattr(cost, "zzz") and not hasattr(cost, "_repr_latex_") and cost.sweeps == 1
    assert pickle.loads(pickle.dumps(cost)).sweeps == 1


def test_sparse_results_compare_by_value_as_dense_ones_do():
    a = sg.hessian("x^2*y + sin(y)", sparse=True)
    assert a == sg.hessian("x^2*y + sin(y)", sparse=True, mode="edge-pushing")
    assert sg.hessian("x^2*y + sin(y)") == sg.hessian("x^2*y + sin(y)", mode="edge-pushing")  # as the dense ones
    assert a != sg.hessian("x^2*y + cos(y)", sparse=True) and a != sg.hessian("x^2*y + sin(y)", wrt=["y", "x"], sparse=True)
    assert a != sg.jacobian(["x*y", "x"], sparse=True) and a != 1
    assert sg.jacobian(["x*y", "x"], sparse=True) == sg.jacobian(["x*y", "x"], sparse=True, mode="forward")
    with pytest.raises(TypeError):
        hash(a)


def test_a_program_indexed_says_how_to_read_its_results():
    """program['x'] raised "'Program' object is not subscriptable", naming neither the labels nor the way in."""
    program = sg.grad("x*y").program
    with pytest.raises(sg.ArgumentError, match=r"a Program is not indexed \(program\['x'\]\): program.closed_form"
                                               r"\(label\) is a result's formula.*\(labels: x, y\)") as info:
        program["x"]
    assert isinstance(info.value, TypeError)
    with pytest.raises(TypeError, match="not indexed"):
        list(program)
    assert program.closed_form("x") == sg.grad("x*y")["x"] and len(program) == 0


def test_a_point_past_float64_says_so_where_a_word_is_not_a_number():
    """explore(at={'x': 10**400}) said the integer 'is not a number'; a value NumPy would make inf is named."""
    with pytest.raises(sg.GraphError, match=r"explore\(at=\.\.\.\): value for x is too large for a float64"):
        sg.explore("x^2", at={"x": 10**400})
    with pytest.raises(sg.GraphError, match=r"explore\(at=\.\.\.\): x = 'a' is not a number"):
        sg.explore("x^2", at={"x": "a"})
