"""errors.refusing across the public surface: every public property of every public class, called as a method
(``g.output_names()``, ``gradient.mode()``, ``report.costs()``), is a symgraph error naming the property, while
reading it gives the value as before; the few values Python lets no class hold are listed with the reason."""
import copy
import inspect
import pickle
import warnings

import pytest
import sympy

import symgraph as sg
from symgraph.errors import RefusesCall, refusing, refusing_class


def _double(u):
    return 2 * u


def _instances():
    """One of each public class (and of the results and compiled functions the API returns), by a label."""
    warnings.simplefilter("ignore")
    gradient = sg.grad("x*y + sin(x)")
    yield "Graph", sg.parse("c = a*b; d = c")
    yield "Graph (indexed)", sg.parse("sum(x[i]^2, i, 0, 2)")
    yield "Graph (from sympy)", sg.Graph.from_sympy(sympy.Symbol("x") * 3)
    yield "Gradient", gradient
    yield "Gradient (simplified again)", gradient.simplify("none")
    yield "Program", gradient.program
    yield "Program (indexed)", sg.grad("sum(x[i]^2, i, 0, 2)").program
    yield "CostReport", gradient.cost
    yield "CostReport (compare)", sg.compare("x*y")
    yield "ModeCost", sg.compare("x*y")["reverse"]
    yield "Hessian", sg.hessian("x^2*y")
    yield "Jacobian", sg.jacobian(["x*y", "x"])
    yield "sparse Hessian", sg.hessian("x^2*y", sparse=True)
    yield "sparse Jacobian", sg.jacobian(["x*y", "x"], sparse=True)
    yield "compiled gradient", gradient.lambdify()
    yield "compiled function", sg.lambdify("x*y")
    yield "value_and_grad", sg.value_and_grad("x*y")
    yield "compiled Hessian", sg.hessian("x^2*y").lambdify()
    yield "compiled sparse Hessian", sg.hessian("x^2*y", sparse=True).lambdify()
    yield "JVP", sg.jvp("x*y", ["x", "y"], [1, 0])
    yield "VJP", sg.vjp("x*y", ["x"], [1])
    yield "HVP", sg.hvp("x*y", ["x", "y"], [1, 0])
    yield "hessp", sg.hessp("x^2*y")
    yield "Residuals", sg.residuals(["x*a - y", "x + a"], wrt=["a"])
    yield "Residuals (sparse)", sg.residuals(["x*a - y", "x + a"], wrt=["a"], sparse=True)
    yield "Explorer", sg.explore("x*y", at={"x": 1, "y": 2})
    function = sg.function("double_errors_test", numpy=_double, derivatives=["2"], latex=r"\operatorname{dbl}")
    try:
        yield "UserFunction", function
    finally:
        function.remove()


#: public attributes whose value no refusing class can hold, and why (None and bools are all left alone:
#: Python lets no class derive from bool or NoneType)
EXEMPT = {
    ("UserFunction", "sympy"): "a sympy function class: called, it makes an expression (sympy's own call)",
    ("UserFunction", "row"): "the op table's row object (symgraph.ops.Op), shared by every sweep",
    ("Graph", "output"): "a node name, which programs and sweeps tell from a constant by its class (str)",
    ("ModeCost", "expanded"): "the count or the function counting it when read (expanded_ops reads it): "
                              "a value refusing a call would look callable to it",
}

#: a property that is another's value by a second name: its call names the first (g.input_labels is g.inputs)
ALIASES = {"input_labels": "inputs"}

#: what a DerivativeMatrix has from sympy's Matrix: sympy's own API, as sympy defines it
_SYMPY_MATRIX = frozenset(name for name in dir(sympy.ImmutableMatrix) if not name.startswith("_"))


def _public_values(owner):
    """(name, value) of every public attribute of ``owner`` that is no method."""
    for name in dir(owner):
        if name.startswith("_") or (isinstance(owner, sympy.MatrixBase) and name in _SYMPY_MATRIX):
            continue
        static = inspect.getattr_static(owner, name)
        if inspect.isfunction(static) or isinstance(static, (classmethod, staticmethod)):
            continue
        value = getattr(owner, name)
        if not inspect.ismethod(value):
            yield name, value


def _called(value):
    """What calling ``value`` without arguments raised (None if nothing)."""
    try:
        value()
    except Exception as error:  # noqa: BLE001 - what it raised is what is checked
        return error
    return None


def test_every_public_property_called_as_a_method_names_itself():
    checked, refused, wrong = 0, [], []
    for label, owner in _instances():
        kind = type(owner).__name__ if label not in ("ModeCost", "UserFunction") else label
        for name, value in _public_values(owner):
            if value is None or value is True or value is False or (kind, name) in EXEMPT:
                continue
            error = _called(value)
            checked += 1
            if not isinstance(error, sg.SymgraphError):
                wrong.append(f"{label}.{name}: {type(error).__name__}: {error}")
                continue
            if isinstance(value, RefusesCall):  # a property's value: the message names it and how to read it
                assert value.read_as.endswith(f".{ALIASES.get(name, name)}"), (label, name, value.read_as)
                assert f"{value.read_as} is a property" in str(error), (label, name)
                assert f"write {value.read_as}, without ()" in str(error)
                plain = value.value_class()
                if plain in (str, int, float, tuple, list, dict, frozenset):  # read, it is the value it was
                    assert value == plain(value) and repr(value) == repr(plain(value))
                refused.append(f"{label}.{name}")
            else:  # a result of its own (a Graph, a Program, a compiled function): its own call's symgraph error
                assert callable(value), (label, name)
    assert not wrong, "\n".join(wrong)
    assert checked > 100 and len(refused) > 80  # the walk reached the attributes, not an empty list


@pytest.mark.parametrize("read, read_as", [
    (lambda: sg.parse("x*y").output_names, "g.output_names"), (lambda: sg.parse("x*y").addresses, "g.addresses"),
    (lambda: sg.parse("x*y").nx, "g.nx"), (lambda: sg.parse("x*y").op_of, "g.op_of"),
    (lambda: sg.grad("x*y").mode, "result.mode"),
    (lambda: sg.grad("x*y").cost.costs, "report.costs"), (lambda: sg.compare("x*y").verdict, "report.verdict"),
    (lambda: sg.compare("x*y")["forward"].sweeps, "cost.sweeps"),
    (lambda: sg.grad("x*y").cost.sweeps, "cost.sweeps")])
def test_the_reported_properties_say_so(read, read_as):
    value = read()
    dotted = read_as.replace(".", "[.]")
    with pytest.raises(sg.ArgumentError, match=rf"^{dotted} is a property \(.*\), not a method: write {dotted}, without"):
        value()


def test_the_networkx_view_stays_a_digraph_and_pickles():
    import networkx as nx
    g = sg.parse("c = a*b; e = c + a")
    view = g.nx
    assert isinstance(view, nx.DiGraph) and sorted(view.nodes) == ["a", "b", "c", "e"]
    assert nx.is_directed_acyclic_graph(view) and list(nx.topological_sort(view))[-1] == "e"
    with pytest.raises(sg.ArgumentError, match=r"g[.]nx is a property \(a networkx DiGraph\)"):
        view()
    again = pickle.loads(pickle.dumps(view))
    assert isinstance(again, nx.DiGraph) and set(again.edges) == set(view.edges)
    with pytest.raises(sg.ArgumentError, match=r"g[.]nx is a property"):
        again()
    loaded = pickle.loads(pickle.dumps(g))
    assert loaded == g and loaded.op_of == g.op_of and loaded.addresses == g.addresses
    with pytest.raises(sg.ArgumentError, match=r"g[.]op_of is a property"):
        loaded.op_of()


def test_the_counters_and_reassigned_values_keep_refusing():
    res = sg.residuals(["x*a - y", "x + a"], wrt=["a"])
    res.fun([1.0], 2.0, 3.0)
    res.fun([2.0], 2.0, 3.0)
    assert res.evaluations == 2
    with pytest.raises(sg.ArgumentError, match=r"res[.]evaluations is a property \(the int 2\)"):
        res.evaluations()
    full = sg.grad("x*y").simplify("full")
    assert full.simplification == "full"
    with pytest.raises(sg.ArgumentError, match=r"result[.]simplification is a property"):
        full.simplification()
    report = copy.deepcopy(sg.compare("x*y"))
    assert "wins" in report.verdict or report.verdict
    with pytest.raises(sg.ArgumentError, match=r"report[.]verdict is a property"):
        report.verdict()


def test_a_refusing_value_passed_back_is_taken_as_the_value():
    g = sg.parse("x*y + z")
    report = sg.grad(g, wrt=g.inputs).cost
    assert sg.grad(g, wrt=list(g.addresses)[:2]).wrt == ("x", "y")
    assert report.n_inputs == 3 and report.n_inputs + 1 == 4 and type(report.n_inputs + 1) is int
    count = refusing(3, "report.n_inputs")
    from symgraph.options import is_size
    assert is_size(count) and is_size((count, 2))  # callable() is true of it, and it is still a size


def test_the_sparse_result_says_it_holds_no_number():
    S = sg.hessian("x^2*y", sparse=True)
    for convert, written in ((float, "float"), (int, "int"), (complex, "complex"), (round, "round")):
        with pytest.raises(sg.NotNumbersError, match=rf"{written}\(S\) makes no number of it; its numbers at a point "
                                                     rf"are S[.]at\(x=[.][.][.], y=[.][.][.]\)"):
            convert(S)
    assert bool(S) and float(S.at(x=1.0, y=2.0)[0, 0]) == 4.0


def test_a_class_of_another_library_is_described_not_printed():
    import networkx as nx
    graph = refusing_class(nx.DiGraph, "g.nx")()
    graph.add_edges_from((k, k + 1) for k in range(100))
    with pytest.raises(sg.ArgumentError) as caught:
        graph()
    assert "(a networkx DiGraph)" in str(caught.value) and len(str(caught.value)) < 120
