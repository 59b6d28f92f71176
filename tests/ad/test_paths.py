"""Path sums: counting paths in one pass, listing them with their edge derivatives, and the limit."""
import re

import pytest
import sympy

import symgraph as sg
from symgraph.ad.linearised import Linearised
from symgraph.ad.paths import PATH_LIMIT, count_all_paths, count_paths, path_totals, total_paths
from tests.ad.cases import SMALL, check_against_sympy

TWO_LAYERS = ("h1 = sin(X); h2 = cos(X); h3 = exp(X); z1 = h1*h2*h3; z2 = h1+h2+h3; "
              "z3 = sin(h1)+cos(h2)*h3; Z = z1+z2+z3")
DEEP = "; ".join(f"v{i + 1} = sin(v{i}) + cos(v{i})" for i in range(40)).replace("v0", "x")
TEXTBOOK = "c = a + b; d = b + 1; e = c * d"


@pytest.mark.parametrize("text, wrt", [(TWO_LAYERS, None), (DEEP, None), ("c = a + b; d = c*b; e = c*d", ["a", "c", "b"]),
                                       (["x*y", "sin(x*y)+x"], None)])
def test_one_pass_path_count_equals_pair_by_pair(text, wrt):
    graph = sg.parse(text)
    names = list(graph.input_nodes) if wrt is None else wrt
    lin = Linearised(graph)
    pairwise = sum(count_paths(lin, x, y) for y in graph.outputs for x in names)
    assert count_all_paths(graph, graph.outputs, names) == total_paths(lin, graph.outputs, names) == pairwise
    # and the edges along them, against the listing of every path (sg.paths), counted one by one
    if pairwise <= 2_000:
        listed = sg.paths(graph, wrt=names, limit=2_000, allow_unused=True)
        assert path_totals(lin, graph.outputs, names) == (len(listed), sum(len(p.nodes) - 1 for p in listed))


TOWER = "x" + "^x" * 2_000  # 2,000 paths (one per level x enters), 2 million edges along them


def test_a_tower_with_few_paths_but_long_ones_is_refused_at_once():
    """Only 2,000 paths, under the limit, but the edges along them grow as depth^2: counted, never walked."""
    graph = sg.parse(TOWER)
    paths, edges = path_totals(Linearised(graph), graph.outputs, ["x"])
    assert paths == 2_000 and edges == 2_000 * 2_001 // 2
    with pytest.raises(sg.PathLimitError, match=r"edges along them.*more than 20 per path"):
        sg.grad(graph, mode="paths")
    with pytest.raises(sg.PathLimitError, match="edges along them"):
        sg.paths(graph, limit=5_000)
    report = sg.compare(graph)  # every other mode runs; the path sum is counted, not enumerated
    assert report["paths"].paths == 2_000 and "counted, not enumerated" in report["paths"].note
    assert report["reverse"].sweeps == 1
    # a limit high enough for the edges enumerates them (a smaller tower: quick)
    small = sg.parse("x" + "^x" * 30)
    assert sg.grad(small, mode="paths").at(x=1.1)["x"] == pytest.approx(sg.grad(small).at(x=1.1)["x"])
    assert path_totals(Linearised(small), small.outputs, ["x"]) == (30, 465) and 465 < 20 * PATH_LIMIT


# ---------------------------------------------------------------- sg.paths (issue 14, notebook 01's listing)
def test_paths_lists_each_path_with_its_edge_derivatives_and_product():
    a, b, c, d = sympy.symbols("a b c d")
    listed = sg.paths("c = a + b; d = b + 1; e = c * d", at={"a": 2, "b": 1})
    assert [p.nodes for p in listed] == [("a", "c", "e"), ("b", "c", "e"), ("b", "d", "e")]
    assert [p.derivatives for p in listed] == [(1, d), (1, d), (1, c)]
    assert [p.product for p in listed] == [d, d, c] and [p.value for p in listed] == [2.0, 2.0, 3.0]
    assert listed[2].values == (1.0, 3.0)
    # summed per input, the products are the gradient (de/db = d + c = 5 at the point)
    assert sum(p.value for p in listed if p.nodes[0] == "b") == sg.grad(TEXTBOOK).at(a=2, b=1)["b"]


def test_paths_without_a_point_and_with_wrt():
    listed = sg.paths("x*sin(x)", wrt=["x"])
    # nodes named as the pictures name them: the unnamed output is f
    assert [p.nodes for p in listed] == [("x", "v1", "f"), ("x", "f")] and listed[1].derivatives == (sympy.Symbol("v1"),)
    assert all(p.value is None and p.values is None for p in listed)


def test_paths_refuses_above_the_limit():
    with pytest.raises(sg.PathLimitError, match="2,048 input-output paths"):
        sg.paths("; ".join(f"v{i + 1} = sin(v{i}) + cos(v{i})" for i in range(11)).replace("v0", "x"))
    assert len(sg.paths(DEEP.split("; v11")[0], limit=2**10)) == 2**10


def test_paths_count_and_limit():
    layers = "h1 = x1+x2+x3; h2 = x1*x2+x3; h3 = x1-x3+x2; z1 = h1*h2*h3; z2 = h1+h2+h3; z3 = sin(h1)+cos(h2)*h3; Z = z1+z2+z3"
    g = sg.grad(layers, wrt=["x1"], mode="paths")
    assert g.cost.paths == 9
    deep = "; ".join(f"v{i+1} = sin(v{i}) + cos(v{i})" for i in range(40)) + "; out = v40"
    with pytest.raises(sg.PathLimitError, match="paths"):
        sg.grad(deep.replace("v0", "x"), mode="paths")


@pytest.mark.parametrize("text", SMALL)
def test_path_sums_equal_sympy_diff(text):
    check_against_sympy(text, "paths")


@pytest.mark.parametrize("text, paths, multiplications", [
    ("c = a + b; d = b + 1; e = c * d", 3, 0),  # a-c-e, b-c-e, b-d-e: every product has a unit factor
    ("sin(x*y)", 2, 2),
    ("sin(sin(sin(x)))", 1, 2),
    ("x1*x2*x3*x4*x5", 5, 9),                   # one path per factor; prefixes shared along each path
])
def test_paths_and_the_products_along_them(text, paths, multiplications):
    cost = sg.grad(text, mode="paths").cost
    assert (cost.paths, cost.multiplications, cost.sweeps) == (paths, multiplications, None)



def test_paths_at_a_point_of_an_indexed_input():
    """sg.paths(f, at={"x": [1, 2]}) raised sympy's TypeError 'Cannot convert expression to float': the
    values were keyed by Symbol('x_0') while an element's derivatives are written in sympy's x[0]."""
    found = sg.paths("sum(x[i]^2, i, 0, 1)", at={"x": [1, 2]})
    assert [(p.values, p.value) for p in found] == [((2.0, 1.0), 2.0), ((4.0, 1.0), 4.0)]


@pytest.mark.parametrize("at, error, message", [
    ([2, 1], TypeError, "paths(at=...) takes a mapping"),
    ({"a": [1.0, 2.0], "b": 1}, sg.GraphError, "is one point: a takes one number"),
    ({"a": "2", "b": 1}, sg.GraphError, "a = '2' is not a number"),
])
def test_paths_at_something_other_than_one_point_is_a_named_error(at, error, message):
    """A list for at= raised Python's TypeError from evaluate(**at); an array raised sympy's TypeError."""
    with pytest.raises(error, match=re.escape(message)) as caught:
        sg.paths(TEXTBOOK, at=at)
    assert isinstance(caught.value, sg.SymgraphError)
