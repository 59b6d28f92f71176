"""The geometry of pictures: nothing sits on a label, labels match Graphviz's, sizes stay sensible."""
import re
import sys

import pytest

import symgraph as sg
from symgraph.export.layout import Box, arrange, layered_layout
from symgraph.export.label_values import resolve_labels
from symgraph.export.text import ADJOINT_COLOUR, DERIVATIVE_COLOUR, VALUE_COLOUR, EdgeLabel, NodeLabel, walk

SEED = ("p = x + y; g = p * z", {"x": 1, "y": 3, "z": -3})
TEXTBOOK = ("c = a + b; d = b + 1; e = c * d", {"a": 2, "b": 1})
# The 2-3-1 network: two inputs, three hidden units (sigmoid, sigmoid, tanh), one linear output.
NETWORK = ("""h1 = sigmoid(w11*x1 + w12*x2 + b1)
h2 = sigmoid(w21*x1 + w22*x2 + b2)
h3 = tanh(w31*x1 + w32*x2 + b3)
y = u1*h1 + u2*h2 + u3*h3 + c""",
           dict(x1=0.5, x2=-1.2, w11=0.3, w12=-0.8, w21=1.1, w22=0.4, w31=-0.6, w32=0.9,
                b1=0.1, b2=-0.2, b3=0.05, u1=0.7, u2=-1.3, u3=0.5, c=0.2))
# A 2-2-1 network's squared error with weight decay: the weights and inputs are shared between terms.
LOSS = ("""h1 = tanh(w11*x1 + w12*x2 + b1)
h2 = tanh(w21*x1 + w22*x2 + b2)
yhat = v1*h1 + v2*h2 + c
loss = (yhat - t)^2 + lam*(w11^2 + w12^2 + w21^2 + w22^2)""",
        dict(x1=0.5, x2=-1.0, w11=0.3, w12=-0.7, w21=0.9, w22=0.2, b1=0.1, b2=-0.3,
             v1=1.2, v2=-0.8, c=0.05, t=0.4, lam=0.01))
# 30 nodes: a sum of products sharing every inner factor (x1 in x0*x1 and x1*x2, ...).
SHARED = (" + ".join(f"x{i}*x{i + 1}" for i in range(10)), {f"x{i}": 0.5 * i - 2 for i in range(11)})
CASES = {"seed": SEED, "textbook": TEXTBOOK, "network": NETWORK, "loss": LOSS, "shared products": SHARED}
LABELS = ["values", "adjoints", "all three"]


def scene_of(text, at, labels="all three"):
    graph = sg.parse(text)
    asked = {"values": {}, "adjoints": {"adjoints": True}, "all three": {"adjoints": True, "derivatives": True}}
    items = list(walk(graph, *resolve_labels(graph, at=at, **asked[labels])))
    return graph, arrange(graph, [i for i in items if isinstance(i, NodeLabel)], [i for i in items if isinstance(i, EdgeLabel)])


def meet(a: Box, b: Box) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def overlaps(boxes):
    """Pairs of boxes where a label (edge label, legend, caption) or node sits on another label, node or arrowhead."""
    texts = [b for b in boxes if b.kind != "arrow"]
    arrows = [b for b in boxes if b.kind == "arrow"]
    pairs = [(a, b) for i, a in enumerate(texts) for b in texts[i + 1:] if meet(a, b)]
    return pairs + [(a, b) for a in texts if a.kind != "node" for b in arrows if meet(a, b)]


def crosses(piece, box: Box) -> bool:
    """Whether an edge's piece enters the box: a line exactly (Liang-Barsky), a curve by its control points' hull."""
    if len(piece) == 4:
        xs, ys = [p[0] for p in piece], [p[1] for p in piece]
        return meet(Box("", None, min(xs), min(ys), max(xs), max(ys)), box)
    (x0, y0), (x1, y1) = piece
    lo, hi = 0.0, 1.0
    for p, q in ((x0 - x1, x0 - box.x0), (x1 - x0, box.x1 - x0), (y0 - y1, y0 - box.y0), (y1 - y0, box.y1 - y0)):
        if p == 0:
            if q <= 0:
                return False
        elif p < 0:
            lo = max(lo, q / p)
        else:
            hi = min(hi, q / p)
    return hi - lo > 1e-9


@pytest.mark.parametrize("labels", LABELS)
@pytest.mark.parametrize("case", CASES)
def test_no_label_sits_on_a_label_node_or_arrowhead(case, labels):
    graph, scene = scene_of(*CASES[case], labels)
    assert overlaps(scene.boxes) == []
    assert sum(b.kind == "label" for b in scene.boxes) == len(scene.edges)  # every edge is labelled
    assert sum(b.kind == "arrow" for b in scene.boxes) == len(scene.edges)
    assert sum(b.kind == "legend" for b in scene.boxes) == 1


@pytest.mark.parametrize("case", CASES)
def test_no_edge_runs_through_a_label_or_a_node_it_does_not_touch(case):
    _, scene = scene_of(*CASES[case])
    labels = [b for b in scene.boxes if b.kind in ("label", "legend")]
    nodes = [b for b in scene.boxes if b.kind == "node"]
    for edge, pieces in scene.edges:
        key = (edge.source, edge.target)
        for piece in pieces:
            assert not [b for b in labels if b.owner != key and crosses(piece, b)], edge
        for piece in pieces[1:-1]:  # the end pieces touch their own nodes' outlines
            assert not [b for b in nodes if crosses(piece, b)], edge


def test_the_overlap_count_sees_overlaps():
    _, scene = scene_of(*TEXTBOOK)
    labels = [b for b in scene.boxes if b.kind == "label"]
    moved = labels[1]._replace(x0=labels[0].x0, x1=labels[0].x1, y0=labels[0].y0, y1=labels[0].y1)
    assert overlaps([*scene.boxes, moved]) == [(labels[0], moved)]
    arrow = next(b for b in scene.boxes if b.kind == "arrow")
    assert overlaps([labels[0]._replace(x0=arrow.x0, y0=arrow.y0, x1=arrow.x1 + 0.1, y1=arrow.y1 + 0.1), arrow])
    diagonal = [(0.0, 0.0), (1.0, 1.0)]
    assert crosses(diagonal, Box("label", None, 0.4, 0.4, 0.6, 0.6))
    assert not crosses(diagonal, Box("label", None, 0.6, 0.0, 1.0, 0.3))


@pytest.mark.parametrize("case", ["network", "loss"])
def test_drawn_text_lies_inside_the_layouts_boxes(case):
    """The layout's text widths are estimates: the renderer's own extents must fit in the boxes."""
    draw_module = sys.modules["symgraph.export.draw"]
    _, scene = scene_of(*CASES[case])
    fig = draw_module._figure(scene, 100)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [b for b in scene.boxes if b.kind != "arrow"]

    def inside(x0, y0, x1, y1):
        return any(b.x0 - 1e-3 <= x0 and x1 <= b.x1 + 1e-3 and b.y0 - 1e-3 <= y0 and y1 <= b.y1 + 1e-3
                   for b in boxes)

    assert len(ax.texts) == len(scene.texts)
    for artist in ax.texts:  # SVG: text artists
        (x0, y0), (x1, y1) = ax.transData.inverted().transform(artist.get_window_extent(renderer).get_points())
        assert inside(x0, y0, x1, y1), artist.get_text()
    outlines = draw_module._figure(scene, 100, text_as_paths=True).axes[0].collections[-1].get_paths()
    assert len(outlines) == len(scene.texts)
    for path, text in zip(outlines, scene.texts):  # PNG: the glyphs' outlines
        extent = path.get_extents()
        assert inside(extent.x0, extent.y0, extent.x1, extent.y1), text.text


def test_values_adjoints_and_derivatives_have_their_own_colours_and_a_legend():
    assert len({VALUE_COLOUR, ADJOINT_COLOUR, DERIVATIVE_COLOUR}) == 3
    graph, scene = scene_of(*TEXTBOOK)
    legend = [t for t in scene.texts if t.align == "left"]
    assert [(t.text, t.colour) for t in legend] == [
        ("on an edge u → v:", "black"), ("value of u", VALUE_COLOUR), ("adjoint ∂e/∂u", ADJOINT_COLOUR),
        ("local derivative ∂v/∂u", DERIVATIVE_COLOUR)]
    coloured = {(t.text, t.colour) for t in scene.texts}
    assert ("∂e/∂c = 2", DERIVATIVE_COLOUR) in coloured and ("5", ADJOINT_COLOUR) in coloured
    assert ("3", VALUE_COLOUR) in coloured
    _, values_only = scene_of(*TEXTBOOK, "values")
    assert [t.text for t in values_only.texts if t.align == "left"] == ["on an edge u → v:", "value of u"]
    _, bare = scene_of(TEXTBOOK[0], None, "values")
    assert not [b for b in bare.boxes if b.kind in ("legend", "label")]  # nothing to explain


def dot_labels(dot: str):
    """(text, colour) of every coloured line, and the nodes' labels, in DOT text."""
    import html

    lines = {(html.unescape(text), colour) for colour, text in re.findall(r'<font color="([^"]+)">([^<]*)</font>', dot)}
    nodes = set(re.findall(r'\[label="([^"]*)", shape=(?:box|circle)\]', dot))
    return lines, nodes


@pytest.mark.parametrize("case", CASES)
def test_graphviz_gets_the_labels_the_picture_shows(case):
    text, at = CASES[case]
    _, scene = scene_of(text, at)
    lines, nodes = dot_labels(sg.to_dot(text, at=at, adjoints=True, derivatives=True))
    assert lines == {(t.text, t.colour) for t in scene.texts if t.size != 12}
    assert nodes == {t.text for t in scene.texts if t.size == 12}
    assert len(lines) > 5


def test_layered_layout_keeps_its_contract():
    graph = sg.parse(NETWORK[0])
    pos, bends = layered_layout(graph)
    assert set(pos) == set(graph.order) and set(bends) == set(graph.nx.edges)
    for u, v in graph.nx.edges:
        xs = [pos[u][0], *(p[0] for p in bends[u, v]), pos[v][0]]
        assert xs == sorted(xs) and xs[0] < xs[-1]  # every edge runs left to right


def test_layout_of_a_deep_chain_is_iterative():
    graph = sg.parse("v1 = sin(x)\n" + "\n".join(f"v{i} = sin(v{i - 1})" for i in range(2, 3001)))
    pos, _ = layered_layout(graph)
    assert pos["x"][0] < pos["v1"][0] < pos["v3000"][0]


# ---------------------------------------------------------------- big graphs: folded sums, limits
def products(n):
    return " + ".join(f"x{i}*x{i + 1}" for i in range(n))


def test_walk_folds_chains_of_additions_into_one_node():
    from symgraph.export.text import sum_chains

    graph = sg.parse("y = x + x + z*x + (a+b)+(c+d)")
    assert set(sum_chains(graph)) == {"v1", "v3", "v4", "v5", "v6"} and set(sum_chains(graph).values()) == {"y"}
    values = graph.evaluate(x=1, z=2, a=3, b=4, c=5, d=6)
    items = list(walk(graph, values, {n: 1.0 for n in graph.order}, {}, fold_sums=True))
    nodes = {i.name: i for i in items if isinstance(i, NodeLabel)}
    edges = {(i.source, i.target): i for i in items if isinstance(i, EdgeLabel)}
    assert set(nodes) == {"x", "z", "v2", "a", "b", "c", "d", "y", "y_out"}
    assert nodes["y"].terms == 7 and nodes["y"].label == "y: Σ 7 terms"
    assert edges["x", "y"] == EdgeLabel("x", "y", "1", "1", "∂y/∂x = 2")  # x + x: added twice
    assert edges["v2", "y"].value == "2" and edges["v2", "y"].derivative == "∂y/∂v2 = 1"
    assert len(edges) == 6 + 2 + 1  # six terms, the product's operands, the output's edge


def test_sums_keep_what_they_cannot_fold():
    from symgraph.export.text import sum_chains

    assert sum_chains(sg.parse("s = a*b + c + d + 1")) == {"v3": "s", "v2": "s"}  # s adds 1: its label says so
    assert sum_chains(sg.parse("u = a + b; s = u + c; t = u * s")) == {}  # u is used twice
    assert sum_chains(sg.parse("u = a + 2; s = u + c")) == {}  # u adds a constant
    assert sum_chains(sg.parse("u = a + b + 2; s = u * c")) == {"v1": "u"}  # the last addition may
    assert sum_chains(sg.parse("u = a + b; s = u + u")) == {}  # u is added twice
    folded = [i for i in walk(sg.parse("s = a*b + c + d + 1"), fold_sums=True) if isinstance(i, NodeLabel)]
    assert folded[-1].label == "s: Σ 3 terms + 1"


def test_a_folded_sum_is_a_bar_its_terms_meet_level():
    draw_module = sys.modules["symgraph.export.draw"]
    graph = sg.parse(products(40))
    at = {x: 0.1 * k for k, x in enumerate(graph.inputs)}
    scene = draw_module.picture(graph, *resolve_labels(graph, at=at, adjoints=True, derivatives=True))
    bars = [(node, centre, shape) for node, centre, shape in scene.nodes if shape[0] == "bar"]
    assert len(bars) == 1 and bars[0][0].terms == 40
    _, (x, _), (_, hw, _) = bars[0]
    tips = [points[-1][-1] for edge, points in scene.edges if edge.target == bars[0][0].name]
    assert len(tips) == 40 and all(abs(tip[0] - (x - hw)) < 1e-9 for tip in tips)
    assert overlaps(scene.boxes) == []
    assert "Σ: a chain of additions drawn as one node" in {t.text for t in scene.texts}


def test_a_200_node_graph_is_laid_out_within_the_size_limit():
    draw_module = sys.modules["symgraph.export.draw"]
    units = [f"h{j} = tanh(" + " + ".join(f"w{j}_{i}*x{i}" for i in range(4)) + f" + b{j})" for j in range(12)]
    graph = sg.parse("\n".join(units) + "\ny = " + " + ".join(f"u{j}*h{j}" for j in range(12)))
    assert len(graph) > 200
    scene = draw_module.picture(graph, *resolve_labels(graph, at={x: 0.1 for x in graph.inputs}, adjoints=True))
    assert max(scene.size) <= draw_module.MAX_PIXELS / draw_module.MIN_DPI
    assert overlaps(scene.boxes) == []


def test_pictures_too_big_to_read_are_refused_with_what_to_do(monkeypatch):
    draw_module = sys.modules["symgraph.export.draw"]
    with pytest.raises(sg.RenderError, match=r"300-node graph would be \d+ x \d+ inches with its sums folded.*to_dot"):
        sg.draw(products(100), engine="matplotlib")
    monkeypatch.setattr(draw_module, "arrange", lambda *a: pytest.fail("laid out a graph over the node limit"))
    chain = "v1 = sin(x)\n" + "\n".join(f"v{i} = sin(v{i - 1})" for i in range(2, draw_module.MAX_NODES + 1))
    with pytest.raises(sg.RenderError, match=f"pictures are limited to {draw_module.MAX_NODES}.*to_dot/to_mermaid"):
        sg.draw(chain, engine="matplotlib")


@pytest.mark.parametrize("text, at", [
    ("f(u) = u*sigmoid(u)\ng(v) = f(v) + f(2*v)\ny = g(x) + f(x*x)", {"x": 0.5}),
    ("neuron(a, b, w1, w2, c) = tanh(w1*a + w2*b + c)\nh1 = neuron(x1, x2, 0.5, -1, 0.1)\n"
     "h2 = neuron(x1, x2, 1, 2, 0)\ny = neuron(h1, h2, 1, 1, 0)", {"x1": 1, "x2": 2}),
])
def test_no_edge_runs_through_a_calls_caption(text, at):
    """Was: each caption sat at its outline's top left corner, where an edge entering the call from the left
    (x -> v2 above; x1 -> v5, into the second neuron) ran through the text."""
    _, scene = scene_of(text, at)
    captions = [b for b in scene.boxes if b.kind == "caption"]
    assert len(captions) == len(scene.calls)
    assert [(edge, c.owner) for edge, pieces in scene.edges for piece in pieces for c in captions
            if crosses(piece, c)] == []
    assert overlaps(scene.boxes) == []


def test_calls_are_outlined_apart_with_their_captions_clear():
    """Was: one rectangle around each call's nodes, overlapping other calls and taking in their nodes."""
    text = "f(u) = u*sigmoid(u)\ng(v) = f(v) + f(2*v)\ny = g(x) + f(x*x)"
    graph, scene = scene_of(text, {"x": 0.5})
    assert [name for _, name in scene.calls] == ["g", "f", "f", "f"]
    assert overlaps(scene.boxes) == []  # captions included
    nodes = {b.owner: b for b in scene.boxes if b.kind == "node"}

    def inside(box, outline):  # the box's centre, by ray casting
        x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        hits = 0
        for (x0, y0), (x1, y1) in zip(outline, outline[1:] + outline[:1]):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                hits += 1
        return hits % 2 == 1

    for (outline, _), group in zip(scene.calls, graph.groups):
        assert {n for n, box in nodes.items() if inside(box, outline)} == set(group.nodes)
