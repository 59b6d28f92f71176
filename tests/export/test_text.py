"""Mermaid and DOT exports: structure, labels, values and adjoints."""
import re

import pytest

import symgraph as sg
from symgraph.export.text import op_label
from tests.helpers import ROOT

TEXTBOOK = "c = a + b; d = b + 1; e = c * d"


def test_mermaid_structure_of_textbook_graph():
    text = sg.to_mermaid(sg.parse(TEXTBOOK))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert '    a["a"]' in lines and '    b["b"]' in lines  # inputs are boxes
    assert '    c(("c: +"))' in lines and '    d(("d: + 1"))' in lines and '    e(("e: *"))' in lines
    edges = {tuple(re.split(r"\s*-->\s*", line.strip())) for line in lines if "-->" in line}
    assert edges == {("a", "c"), ("b", "c"), ("b", "d"), ("c", "e"), ("d", "e")}


def test_mermaid_values_and_adjoints_on_edges():
    g = sg.parse("p = x + y; g = p * z")
    values = g.evaluate(x=1, y=3, z=-3)
    adjoints = {"x": -3, "y": -3, "z": 4, "p": -3, "g": 1}
    text = sg.to_mermaid(g, values=values, adjoints=adjoints)
    assert '    x -->|"1 | grad -3"| p' in text
    assert '    p -->|"4 | grad -3"| g' in text
    assert '    z -->|"-3 | grad 4"| g' in text


def test_dot_structure_and_colours():
    g = sg.parse(TEXTBOOK)
    text = sg.to_dot(g, values=g.evaluate(a=2, b=1))
    assert text.startswith("digraph symgraph {") and text.rstrip().endswith("}")
    assert "rankdir=LR;" in text
    assert '"a" [label="a", shape=box];' in text and '"e" [label="e: *", shape=circle];' in text
    assert '"c -> e (label)" [label=<<font color="darkgreen">3</font>>, shape=plain];' in text
    assert text.count("shape=plain];") == 5 + 1  # five edges' labels and that of the one leaving the output e
    assert '"c" -> "c -> e (label)":w [arrowhead=none];' in text and '"c -> e (label)":e -> "e";' in text
    assert '"e -> e_out (label)" [label=<<font color="darkgreen">6</font>>, shape=plain];' in text


# The seed-003 drawing: g = (x+y)*z at x=1, y=3, z=-3; p = 4, g = -12; dg/dg = 1, dg/dp = z = -3,
# dg/dz = p = 4, dg/dx = dg/dy = -3.
SEED = "p = x + y; g = p * z"
SEED_ADJOINTS = {"x": -3, "y": -3, "p": -3, "z": 4, "g": 1}

SEED_MERMAID = """flowchart LR
    x["x"]
    y["y"]
    p(("p: +"))
    z["z"]
    g(("g: *"))
    x -->|"1 | grad -3"| p
    y -->|"3 | grad -3"| p
    p -->|"4 | grad -3"| g
    z -->|"-3 | grad 4"| g
    g_out[" "]
    style g_out fill:none,stroke:none
    g -->|"-12 | grad 1"| g_out"""

SEED_DOT = """digraph symgraph {
    rankdir=LR;
    node [fontname="Helvetica"];
    edge [fontname="Helvetica"];
    "x" [label="x", shape=box];
    "y" [label="y", shape=box];
    "p" [label="p: +", shape=circle];
    "z" [label="z", shape=box];
    "g" [label="g: *", shape=circle];
    "x -> p (label)" [label=<<font color="darkgreen">1</font><br/><font color="red">-3</font>>, shape=plain];
    "x" -> "x -> p (label)":w [arrowhead=none];
    "x -> p (label)":e -> "p";
    "y -> p (label)" [label=<<font color="darkgreen">3</font><br/><font color="red">-3</font>>, shape=plain];
    "y" -> "y -> p (label)":w [arrowhead=none];
    "y -> p (label)":e -> "p";
    "p -> g (label)" [label=<<font color="darkgreen">4</font><br/><font color="red">-3</font>>, shape=plain];
    "p" -> "p -> g (label)":w [arrowhead=none];
    "p -> g (label)":e -> "g";
    "z -> g (label)" [label=<<font color="darkgreen">-3</font><br/><font color="red">4</font>>, shape=plain];
    "z" -> "z -> g (label)":w [arrowhead=none];
    "z -> g (label)":e -> "g";
    "g_out" [label="", shape=none, width=0, height=0];
    "g -> g_out (label)" [label=<<font color="darkgreen">-12</font><br/><font color="red">1</font>>, shape=plain];
    "g" -> "g -> g_out (label)":w [arrowhead=none];
    "g -> g_out (label)":e -> "g_out";
    label=<<font color="black">on an edge u → v:</font><br align="left"/><font color="darkgreen">value of u</font><br align="left"/><font color="red">adjoint ∂g/∂u</font><br align="left"/>>;
    labelloc="t";
    labeljust="l";
    fontname="Helvetica";
}"""


def test_seed_003_mermaid_exactly():
    g = sg.parse(SEED)
    assert sg.to_mermaid(g, values=g.evaluate(x=1, y=3, z=-3), adjoints=SEED_ADJOINTS) == SEED_MERMAID


def test_seed_003_dot_exactly():
    g = sg.parse(SEED)
    assert sg.to_dot(g, values=g.evaluate(x=1, y=3, z=-3), adjoints=SEED_ADJOINTS) == SEED_DOT


def test_seed_003_with_computed_adjoints():
    """The engine's own adjoints give the same drawing as the textbook numbers."""
    from symgraph.export.label_values import node_adjoints

    g = sg.parse(SEED)
    adjoints = node_adjoints(g, x=1, y=3, z=-3)
    assert adjoints == {"x": -3.0, "y": -3.0, "p": -3.0, "z": 4.0, "g": 1.0}
    assert sg.to_mermaid(g, values=g.evaluate(x=1, y=3, z=-3), adjoints=adjoints) == SEED_MERMAID
    assert sg.to_dot(g, values=g.evaluate(x=1, y=3, z=-3), adjoints=adjoints) == SEED_DOT


def test_edge_derivatives_on_labels():
    from symgraph.export.label_values import edge_derivatives, symbolic_edge_derivatives

    g = sg.parse(TEXTBOOK)
    symbolic = symbolic_edge_derivatives(g)
    assert {k: str(v) for k, v in symbolic.items()} == {
        ("a", "c"): "1", ("b", "c"): "1", ("b", "d"): "1", ("c", "e"): "d", ("d", "e"): "c"}
    text = sg.to_mermaid(g, derivatives=symbolic)
    assert '    c -->|"∂e/∂c = d"| e' in text
    numbers = edge_derivatives(g, a=2, b=1)
    assert numbers[("c", "e")] == 2.0 and numbers[("d", "e")] == 3.0
    dot = sg.to_dot(g, derivatives=numbers)
    assert '"d -> e (label)" [label=<<font color="mediumblue">∂e/∂d = 3</font>>, shape=plain];' in dot  # not red: not an adjoint
    assert 'local derivative ∂v/∂u' in dot and "adjoint" not in dot  # the legend names what is there



def test_edge_labels_come_from_the_graph_not_from_an_edited_networkx_view():
    """Was: after g.nx.add_edge("a", "e") the edge derivatives at a point held ('a', 'e'): nan, and after
    g.nx.remove_edge("c", "e") (or relabel_nodes(g.nx, ..., copy=False)) to_mermaid(g, derivatives=True)
    raised networkx's KeyError: the labels walked the user's view instead of the graph."""
    import networkx as nx
    from symgraph.export.label_values import edge_derivatives, symbolic_edge_derivatives

    clean = sg.parse(TEXTBOOK)
    assert clean.edges() == list(clean.nx.edges)  # the view's order
    expected_numbers = edge_derivatives(clean, a=2, b=1)
    expected_symbols = symbolic_edge_derivatives(clean)
    expected_text = sg.to_mermaid(clean, derivatives=True)
    added, removed, relabelled = (sg.parse(TEXTBOOK) for _ in range(3))
    added.nx.add_edge("a", "e")
    removed.nx.remove_edge("c", "e")
    nx.relabel_nodes(relabelled.nx, {"c": "C"}, copy=False)
    for g in (added, removed, relabelled):
        assert edge_derivatives(g, a=2, b=1) == expected_numbers
        assert symbolic_edge_derivatives(g) == expected_symbols
        assert sg.to_mermaid(g, derivatives=True) == expected_text

def test_plain_graph_has_no_output_edge_and_text_is_accepted():
    text = sg.to_mermaid("(x+y)*z")
    assert "_out" not in text and text.count("-->") == 4
    assert "_out" not in sg.to_dot("(x+y)*z") and "label=<" not in sg.to_dot("(x+y)*z")


def test_dot_legend_is_no_node_so_a_node_may_be_named_legend():
    dot = sg.to_dot("legend = x + y; f = legend * 2", at={"x": 1, "y": 2})
    assert '"legend" [label="legend: +", shape=circle];' in dot and "shape=plaintext" not in dot
    assert dot.splitlines()[-5].startswith("    label=<") and dot.count("label=<<font color=\"black\">") == 1


def test_mermaid_keyword_node_names_are_escaped():
    text = sg.to_mermaid("end = a + b; f = end * 2")
    assert '    end_(("end: +"))' in text and "    a --> end_" in text and "    end_ --> f" in text


def _mermaid_ids(text: str) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """(node ids declared, edges as id pairs, subgraph ids) of a flowchart written by to_mermaid."""
    nodes, edges, boxes = [], [], []
    for line in text.splitlines()[1:]:
        line = line.strip()
        if line.startswith("subgraph "):
            boxes.append(line.split()[1])
        elif "-->" in line:
            edges.append((line.split()[0], line.split()[-1]))
        elif line != "end" and not line.startswith("style "):
            nodes.append(re.match(r"[A-Za-z_][A-Za-z0-9_]*", line).group())
    return nodes, edges, boxes


def test_mermaid_ids_are_distinct_and_never_keywords():
    """Was: `end` became `end_`, the id of another node named `end_` (two nodes drawn as one); `call`
    boxed a definition's nodes (`subgraph call [...]`, a keyword: Mermaid refused the whole chart); and
    `interpolate`, `_self`, `constructor`, `toString`, ... were kept, which Mermaid cannot parse or render."""
    from symgraph.export.mermaid_dot import _MERMAID_KEYWORDS
    names = ["end", "end_", "End", "call", "interpolate", "_self", "_top", "constructor", "__proto__",
             "toString", "valueOf", "hasOwnProperty", "style", "graph_"]
    text = "f(u) = u^2 + 1; " + "s = " + " + ".join(f"f({n})*{k + 2}" for k, n in enumerate(names))
    for mermaid in (sg.to_mermaid(text), sg.to_mermaid(text, at={n: 1 for n in names}, adjoints=True)):
        nodes, edges, boxes = _mermaid_ids(mermaid)
        assert len(set(nodes)) == len(nodes) == len(sg.parse(text).nx) + ("s_out" in nodes)
        assert len(set(boxes)) == len(boxes) == len(names)
        assert not {i.lower() for i in nodes + boxes} & _MERMAID_KEYWORDS
        assert not set(nodes) & set(boxes) and {u for e in edges for u in e} <= set(nodes)
        for n in names:  # each keeps its name as its label
            assert f'["{n}"]' in mermaid


def test_labels_are_escaped_in_dot():
    g = sg.parse("y = x + 1")
    dot = sg.to_dot(g, derivatives={("x", "y"): "a<b & c"})
    assert "a&lt;b &amp; c" in dot


# ---------------------------------------------------------------- the arguments of draw (issue 14, item 14)
SEED = "p = x + y; g = p * z"
AT = {"x": 1, "y": 3, "z": -3}


def test_text_exports_take_at_and_adjoints_true_as_draw_does():
    """Was: adjoints=True raised TypeError and at= was refused."""
    for export in (sg.to_mermaid, sg.to_dot):
        by_point = export(SEED, at=AT, adjoints=True)
        g = sg.parse(SEED)
        by_hand = export(g, values=g.evaluate(**AT), adjoints={"x": -3, "y": -3, "z": 4, "p": -3, "g": 1})
        assert by_point == by_hand
    assert '    p -->|"4 | grad -3"| g' in sg.to_mermaid(SEED, at=AT, adjoints=True)


def test_input_values_alone_label_the_inner_edges():
    text = sg.to_mermaid(SEED, values=AT)
    assert '    p -->|"4"| g' in text and '    g -->|"-12"| g_out' in text
    dot = sg.to_dot(SEED, values=AT, adjoints=True)  # the inputs' values are the point
    assert '"p -> g (label)" [label=<<font color="darkgreen">4</font><br/><font color="red">-3</font>>, shape=plain];' in dot


def test_text_exports_take_derivatives_true():
    assert '    p -->|"4 | ∂g/∂p = -3"| g' in sg.to_mermaid(SEED, at=AT, derivatives=True)
    assert '    p -->|"∂g/∂p = z"| g' in sg.to_mermaid(SEED, derivatives=True)  # formulas without a point


def test_adjoints_true_without_a_point_is_a_named_error():
    import pytest

    with pytest.raises(sg.GraphError, match="adjoints=True needs a point"):
        sg.to_dot(SEED, adjoints=True)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(values=True), TypeError, "values= takes a mapping"),
    (dict(values=[1, 3, -3]), TypeError, "values= takes a mapping"),
    (dict(at=[1, 3, -3]), TypeError, "at= takes a mapping"),
    (dict(at=AT, adjoints=3), TypeError, "adjoints= takes True"),
    (dict(derivatives="yes"), TypeError, "derivatives= takes True"),
    (dict(at=AT, adjoints={"x": "a lot"}), sg.GraphError, "adjoints=: value for x must be a real number"),
    (dict(values={"q": 1.0}), sg.GraphError, "values= names 'q', not in the graph"),
])
def test_export_arguments_of_the_wrong_kind_are_named_errors(kwargs, error, message):
    """values=True, at=[...] or adjoints=3 raised Python's TypeError from inside the resolver ('bool is not
    iterable'); values=[...] was silently ignored and adjoints={'x': 'a lot'} was written on the edge."""
    for export in (sg.to_mermaid, sg.to_dot):
        with pytest.raises(error, match=re.escape(message)) as caught:
            export(SEED, **kwargs)
        assert isinstance(caught.value, sg.SymgraphError)


def test_values_by_element_label_label_the_edges():
    """values={'x[0]': 1, ...} (the user's names of an indexed input's elements, as at= takes them) labelled
    nothing: the resolver looked them up by node name only. x=[...] gives the whole input, as in at=."""
    text = "sum(x[i]^2, i, 0, 2)"
    by_label = sg.to_mermaid(text, values={"x[0]": 1, "x[1]": 2, "x[2]": 3})
    assert by_label == sg.to_mermaid(text, at={"x": [1, 2, 3]}) == sg.to_mermaid(text, values={"x": [1, 2, 3]})
    assert '-->|"14"| v5_out' in by_label


def test_adjoints_true_on_several_outputs_says_what_to_draw():
    """adjoints=True on a graph of two outputs said 'use jacobian() for several outputs', advice for
    derivatives, not for a drawing."""
    with pytest.raises(sg.GraphError, match="one output, and this graph has 2 .*pass adjoints=") as caught:
        sg.to_mermaid(["a*b", "a+b"], at={"a": 1, "b": 2}, adjoints=True)
    assert "jacobian" not in str(caught.value)


def test_draw_and_the_text_exports_share_one_resolver():
    import importlib

    draw, printing = importlib.import_module("symgraph.export.draw"), importlib.import_module("symgraph.export.label_values")
    assert draw.resolve_labels is printing.resolve_labels
    assert not hasattr(draw, "_numbers")


# -- printing papercuts of issue 14 (results' text) -----------------------------
def test_huge_float_constant_prints_as_infinity_not_300_zeros():
    assert repr(sg.grad("1e308*10*x")) == "Gradient({'x': oo})"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_division_by_zero_prints_as_numpy_says():
    g = sg.grad("x/0")
    assert repr(g) == "Gradient({'x': oo})" and g.at(x=1.0)["x"] == float("inf")
    assert "zoo" not in repr(sg.grad("y*(x/0)"))


def test_floats_print_short():
    assert repr(sg.grad(".5*x")) == "Gradient({'x': 0.5})"
    assert repr(sg.grad("0.1*x^2", wrt=["x"])) == "Gradient({'x': 0.2*x})"


def test_many_entries_print_the_first_ones():
    g = sg.grad(" + ".join(f"x{i}^2" for i in range(50)))
    text = repr(g)
    assert text.startswith("Gradient({'x0': 2*x0, ") and text.endswith("... (30 more)})")


def test_readme_shows_the_matrix_as_sympy_prints_it():
    readme = (ROOT / "README.md").read_text()
    assert repr(sg.jacobian(["x*y", "x+y"], wrt=["x", "y"])) in readme


# ---------------------------------------------------------------- calls of text definitions are boxed
CALLS = "f(u) = u*sigmoid(u)\ng(v) = f(v) + f(2*v)\ny = g(x) + f(x*x)"


def test_graph_remembers_the_nodes_each_call_made():
    graph = sg.parse(CALLS)
    assert [group.name for group in graph.groups] == ["g", "f", "f", "f"]
    outer, first, second, last = graph.groups
    assert set(first.nodes) < set(outer.nodes) and set(second.nodes) < set(outer.nodes)
    assert not set(last.nodes) & set(outer.nodes)
    assert {graph.op(n) for n in last.nodes} == {"sigmoid", "mul"}
    assert "y" not in outer.nodes and "x" not in outer.nodes  # the caller's nodes and inputs are not the call's
    assert sg.parse("f(u) = u; y = f(x) + 1").groups == ()  # a call that makes no node has no box


def test_mermaid_and_dot_nest_the_calls():
    mermaid = sg.to_mermaid(CALLS).splitlines()
    opens = [k for k, line in enumerate(mermaid) if "subgraph" in line]
    assert len(opens) == 4 and sum(line.strip() == "end" for line in mermaid) == 4
    assert mermaid[opens[1]].startswith("        subgraph") and '["f()"]' in mermaid[opens[1]]  # nested in g()
    dot = sg.to_dot(CALLS)
    assert dot.count('subgraph "cluster_call') == 4 and 'label="g()"' in dot
    # each caption in the nodes' font (was: Graphviz's default, Times, beside Helvetica nodes and labels)
    assert dot.count('fontname="Helvetica";') == 4
    assert "subgraph" not in sg.to_mermaid("x*sigmoid(x)")  # nothing to box: the plain form


def test_matplotlib_draws_the_boxes():
    pytest.importorskip("matplotlib")
    png = sg.draw(CALLS, at={"x": 0.5}, adjoints=True, engine="matplotlib")
    plain = sg.draw("y = x*sigmoid(x) + 2*x*sigmoid(2*x) + x*x*sigmoid(x*x)", at={"x": 0.5}, engine="matplotlib")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png != plain


def test_derivative_labels_name_indexed_inputs_as_their_boxes_do():
    text = sg.to_mermaid("s = sum(x[i]^2, i, 0, 1)", derivatives=True)
    assert '    x_0["x[0]"]' in text and "∂v1/∂x[0] = 2*x[0]" in text


def test_constants_in_node_labels_are_written_as_the_text_wrote_them():
    """Float constants were written with sympy's 15 digits: ``v1: * 2.50000000000000``, ``1.00000000000000e-300``."""
    g = sg.parse("2.5*x + 1e-300*y + 0.1*z + 2*w")
    labels = [op_label(g, node) for node in g.order if g.op(node) != "input"]
    assert labels == ["v1: * 2.5", "v2: * 1e-300", "v3: +", "v4: * 0.1", "v5: +", "v6: * 2", "f: +"]
    assert '(("v1: * 2.5"))' in sg.to_mermaid(g) and '"v2" [label="v2: * 1e-300"' in sg.to_dot(g)


def test_a_constant_before_its_operand_is_written_on_its_side():
    """Was: 1 - x and x - 1 were both drawn ``- 1`` (so Rosenbrock's (1 - x[i])^2 read as (x[i] - 1)^2), 2/x and x/2
    both ``/ 2``, 2^x and x^2 both ``^ 2``, atan2(1, x) and atan2(x, 1) both ``atan2 1``."""
    g = sg.parse("(1 - x) + (x - 1) + 2/x + x/2 + 2^x + x^2 + where(0 < x, 1, x) + atan2(1, x) + atan2(x, 1) + 2*x")
    labels = [op_label(g, node).split(": ", 1)[1] for node in g.order if g.op(node) not in ("input", "add")]
    assert labels == ["1 -", "- 1", "2 /", "/ 2", "2 ^", "^ 2", "0 <", "where(·, 1, ·)", "atan2(1, ·)", "atan2 1",
                      "* 2"]
    assert '(("v1: 1 -"))' in sg.to_mermaid(g) and '"v2" [label="v2: - 1"' in sg.to_dot(g)


ROSENBROCK_WRITTEN_OUT = "+".join(f"100*(x{i + 1}-x{i}^2)^2+(1-x{i})^2" for i in range(1, 300))


@pytest.mark.parametrize("export", [sg.to_mermaid, sg.to_dot])
def test_text_exports_of_a_large_graph_write_from_the_graphs_own_tables(export, monkeypatch):
    """Writing Rosenbrock with 100,000 terms (900,000 nodes) took 40 s: the exports built the networkx view
    (a sympy Symbol per node) to list the edges, printed every constant with sympy once per use, and the
    collector walked the walk's tuples over and over.  Now the edges come from the operand tables, each
    distinct constant is printed once, and the collector is paused while the text is written."""
    import gc
    import symgraph.export.text as text
    from symgraph.ir.graph import Graph
    g = sg.parse(ROSENBROCK_WRITTEN_OUT)
    printed, collections = [], []
    constant_text = text.constant_text
    monkeypatch.setattr(text, "constant_text", lambda x: printed.append(x) or constant_text(x))
    monkeypatch.setattr(Graph, "nx", property(lambda self: pytest.fail("the export built the networkx view")))
    monkeypatch.setattr(gc, "callbacks", [lambda phase, info: phase == "start" and collections.append(info)])
    got = export(g)
    edges = [line for line in got.splitlines() if "->" in line]  # Mermaid's --> and DOT's ->
    assert len(edges) == len(g.edge_slots()) and len(got.splitlines()) > len(g.op_of) + len(edges)
    assert len(printed) == len({(type(x), x) for x in printed}) == 3  # 100, 2 and 1, each once
    assert len(collections) <= 1  # at most the one settling collection at the end


def test_derivatives_mapping_names_edges_of_the_graph():
    """A derivatives= key that is no edge (a node name, an edge past a node, a misspelt end) was silently left
    out, so the picture read as if that edge had no derivative; values= and adjoints= refuse unknown names."""
    for key in ("a", ("a", "e"), ("a", "cc"), ("a", "c", "e")):
        with pytest.raises(sg.GraphError, match=r"derivatives= names .*not edges of the graph.*such as \('a', 'c'\)"):
            sg.to_mermaid("c = a + b; e = c * 2", derivatives={key: 1})
    with pytest.raises(sg.GraphError, match=r"derivatives=: value for edge a -> c must be a real number"):
        sg.to_dot("c = a + b; e = c * 2", derivatives={("a", "c"): None})
    assert '    x_0 -->|"∂v1/∂x[0] = 4"| v1' in sg.to_mermaid("sum(x[i]^2, i, 0, 1)", derivatives={("x[0]", "v1"): 4})
    assert '    c -->|"∂e/∂c = 2"| e' in sg.to_mermaid("c = a + b; e = c * 2", derivatives={("c", "e"): 2})


@pytest.mark.parametrize("text, at", [
    ("where(x > 0, sqrt(x), 0)", {"x": -1.0}),
    ("where(x > 0, log(x)*y, y)", {"x": -1.0, "y": 2.0}),  # the edge y -> log(x)*y is log(-1)
    ("where(x > 0, where(x > 5, sqrt(x - 5), x), 1/x)", {"x": 2.0}),  # the inner untaken branch
])
def test_edge_labels_of_an_untaken_branch_are_computed_quietly(text, at):
    """derivatives=True labelled the edges into sqrt(x) of where(x > 0, sqrt(x), 0) at x = -1 with NumPy's
    'invalid value encountered in sqrt', though the node values there were quiet: the edge program was
    evaluated as if every label were a result, when an edge into a branch a where() may discard is discarded
    with it."""
    import math
    import warnings
    from symgraph.export.label_values import edge_derivatives
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = edge_derivatives(text, **at)
        for export in (sg.to_mermaid, sg.to_dot):
            assert export(text, at=at, derivatives=True, adjoints=True)
        sg.draw(text, at=at, derivatives=True, adjoints=True, format="svg")
    assert any(math.isnan(value) for value in labels.values())  # the untaken branch's label: nan, as its value


def test_edge_labels_outside_a_branch_keep_numpy_s_warning():
    from symgraph.export.label_values import edge_derivatives
    with pytest.warns(RuntimeWarning, match="invalid value"):
        edge_derivatives("sqrt(x) + where(x > 0, 1, 2)", x=-1.0)


def test_labels_keyed_by_sympy_symbols_are_read_as_their_names():
    """values= and derivatives= take sympy Symbol keys as at= does (it said "names x, not in the graph (nodes: x, ...)")."""
    import sympy
    x, y = sympy.symbols("x y")
    by_symbol = sg.to_mermaid("x*y", values={x: 1.0, "y": 2.0})
    assert by_symbol == sg.to_mermaid("x*y", values={"x": 1.0, "y": 2.0})
    assert sg.to_dot("x*y", derivatives={(x, "v1"): 3.0}) == sg.to_dot("x*y", derivatives={("x", "v1"): 3.0})
    with pytest.raises(sg.GraphError, match="'z', not in the graph"):
        sg.to_mermaid("x*y", values={sympy.Symbol("z"): 1.0})
