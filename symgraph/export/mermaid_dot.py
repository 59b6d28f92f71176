"""The text exports of a drawing: Mermaid's ``flowchart`` and Graphviz's DOT, two small formatters of
:func:`~symgraph.export.text.walk`.

Apart from :mod:`~symgraph.export.text`, which decides what a drawing writes
on its nodes and edges for every engine, because these only spell that walk
in two languages (ids Mermaid takes, DOT's HTML labels, the call boxes as
subgraphs); the Graphviz engine of :mod:`symgraph.export.draw` renders
:func:`dot_text`.
"""
from __future__ import annotations

import html
import textwrap
from typing import Any, Mapping

from ..options import checked_options
from ..frontend.coerce import as_graph
from ..ir.graph import Graph
from ..names import Namer
from ..progress import paused_gc
from .label_values import resolve_labels
from .text import _BARE, EdgeLabel, NodeLabel, call_boxes, edge_texts, legend, walk


#: Node ids Mermaid's flowchart grammar reads as keywords (compared in lower case), and the names of
#: JavaScript's ``Object.prototype``, which Mermaid's renderer keys plain objects with (it fails on them).
_MERMAID_KEYWORDS = {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click", "linkstyle",
                     "default", "call", "href", "direction", "interpolate", "_self", "_blank", "_parent", "_top",
                     "constructor", "__proto__", "tostring", "tolocalestring", "valueof", "hasownproperty",
                     "isprototypeof", "propertyisenumerable", "__definegetter__", "__definesetter__",
                     "__lookupgetter__", "__lookupsetter__"}


def _nested_lines(graph: Graph, node_lines: dict[str, str], open_box, close: str, indent: str = "    ",
                  boxes: Mapping[str, int | None] | None = None) -> list[str]:
    """The node lines, each call's inside its box (``open_box(k, group)`` ... ``close``), boxes nested;
    ``boxes`` places lines that are no graph node (a DOT edge's label node)."""
    innermost, parent = call_boxes(graph)
    if boxes:
        innermost = {**innermost, **boxes}
    inside: dict[int | None, list] = {None: []}
    for name, line in node_lines.items():  # a box goes where its first node would
        k = innermost.get(name)
        chain = []
        while k is not None and k not in inside:
            chain.append(k)
            k = parent[k]
        for box in reversed(chain):
            inside[parent[box]].append(("box", box))
            inside[box] = []
        inside[innermost.get(name)].append(("node", line))
    lines: list[str] = []
    stack = [(item, 0) for item in reversed(inside[None])]
    while stack:
        (kind, payload), depth = stack.pop()
        pad = indent * depth
        if kind == "node":
            lines.extend(pad + part for part in payload.split("\n"))
        elif kind == "close":
            lines.append(pad + close)
        else:
            lines.append(pad + open_box(payload, graph.groups[payload]))
            stack.append((("close", None), depth))
            stack.extend((item, depth + 1) for item in reversed(inside[payload]))
    return lines


class _MermaidKeywords:
    """The words Mermaid's flowchart grammar reserves, as a container: any capitalisation is taken."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in _MERMAID_KEYWORDS


def _mermaid_ids(graph: Graph, items: list[NodeLabel | EdgeLabel]) -> tuple[dict[str, str], Namer]:
    """A Mermaid id for every node: its name, or for a keyword (``end``) a fresh name no node has (``end_``).

    Also returns the namer, so the call boxes' ids (``call1``, ...) take
    neither a node's id nor a keyword.
    """
    names = {item.name for item in items if isinstance(item, NodeLabel)}
    namer = Namer(names, set(graph.op_of), _MermaidKeywords())
    return {name: namer.fresh(f"{name}_") if name.lower() in _MERMAID_KEYWORDS else name for name in names}, namer


def _mermaid_line(item: NodeLabel | EdgeLabel, ids: Mapping[str, str]) -> str:
    """One item of :func:`walk` in Mermaid's flowchart grammar, nodes by their ids."""
    if isinstance(item, NodeLabel):
        label = item.label.replace('"', "'")
        if item.shape == "none":
            return f'    {ids[item.name]}[" "]\n    style {ids[item.name]} fill:none,stroke:none'
        return f'    {ids[item.name]}["{label}"]' if item.shape == "box" else f'    {ids[item.name]}(("{label}"))'
    if item[2:] == _BARE:
        return f"    {ids[item.source]} --> {ids[item.target]}"
    parts = [item.value, None if item.adjoint is None else f"grad {item.adjoint}", item.derivative]
    text = " | ".join(p for p in parts if p is not None).replace('"', "'")
    arrow = f'-->|"{text}"|' if text else "-->"
    return f"    {ids[item.source]} {arrow} {ids[item.target]}"


@checked_options
def to_mermaid(graph: Any, values: Mapping | None = None, adjoints: Mapping | bool | None = None,
               derivatives: Mapping | bool | None = None, *, at: Mapping[str, float] | None = None,
               **sizes: int) -> str:
    """A ``flowchart LR``: inputs as boxes, ops as circles, edges labelled with values/adjoints.

    An edge label reads ``value | grad adjoint | ∂v/∂u = derivative`` (the
    parts that were given).  Graph-like arguments (text, sympy) are parsed
    first.  The arguments are those of :func:`symgraph.export.draw`: ``at=`` a
    point, ``adjoints=True`` and ``derivatives=True`` computed from it (see
    :func:`resolve_labels`); values of the inputs alone label every edge.  Sizes that text with indexed sums needs
    are keywords, as :func:`symgraph.parse` takes them (``n=3``).
    A node named as a Mermaid keyword (``end``, ``style``, ...) gets an id no
    other node has (``end_``); its label keeps its name.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("p = x + y; g = p * z")
    >>> print(sg.to_mermaid(g, values=g.evaluate(x=1, y=3, z=-3),
    ...                     adjoints={"x": -3, "y": -3, "z": 4, "p": -3, "g": 1}))
    flowchart LR
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
        g -->|"-12 | grad 1"| g_out
    """
    graph = as_graph(graph, **sizes)
    with paused_gc():  # a tuple per node and edge, no cycles: the collector would walk them all again and again
        return _mermaid(graph, list(walk(graph, *resolve_labels(graph, values, adjoints, derivatives, at))))


def _mermaid(graph: Graph, items: list[NodeLabel | EdgeLabel]) -> str:
    ids, namer = _mermaid_ids(graph, items)
    if not graph.groups:
        return "\n".join(["flowchart LR", *(_mermaid_line(item, ids) for item in items)])
    nodes = {item.name: textwrap.dedent(_mermaid_line(item, ids)) for item in items if isinstance(item, NodeLabel)}

    def open_box(k, group):
        return f'subgraph {namer.fresh("call")} ["{group.name}()"]'

    body = _nested_lines(graph, nodes, open_box, "end")
    return "\n".join(["flowchart LR", *("    " + line for line in body),
                      *(_mermaid_line(item, ids) for item in items if not isinstance(item, NodeLabel))])


def _font(colour: str, text: str) -> str:
    return f'<font color="{colour}">{html.escape(text)}</font>'


def _dot_line(item: NodeLabel | EdgeLabel) -> str:
    """One item of :func:`walk` as DOT statements (:func:`_dot_edge`'s for an edge)."""
    if isinstance(item, NodeLabel):
        if item.shape == "none":
            return f'    "{item.name}" [label="", shape=none, width=0, height=0];'
        label = item.label.replace("\\", "\\\\").replace('"', '\\"')
        return f'    "{item.name}" [label="{label}", shape={item.shape}];'
    middle, lines = _dot_edge(item)
    return "\n".join(lines if middle is None else [middle[1], *lines])


def _dot_edge(item: EdgeLabel) -> tuple[tuple[str, str] | None, list[str]]:
    """An edge as ``(label node or None, edge statements)``; the label node is ``(its name, its statement)``.

    A labelled edge runs through its label, a node of its own (``u -> "u -> v (label)" -> v``), holding
    the lines of :func:`edge_texts`, each in its colour.  Graphviz routes edges around nodes, not around
    other edges' labels: a long edge crossed another's label (a -> v3 ran through the text of v2 -> v4 in
    ``c = a*b; d = sin(c); g = exp(d)*c; e = c*d + a*g + b``), and a label could sit nearer another edge
    than its own.
    """
    if item[2:] == _BARE:
        return None, [f'    "{item.source}" -> "{item.target}";']
    label = "<br/>".join([_font(colour, text) for text, colour in edge_texts(item)])
    middle = f"{item.source} -> {item.target} (label)"  # no node's name holds a space
    return (middle, f'    "{middle}" [label=<{label}>, shape=plain];'), [
        f'    "{item.source}" -> "{middle}":w [arrowhead=none];', f'    "{middle}":e -> "{item.target}";']


def _common_box(innermost: Mapping[str, int], parent: list[int | None], u: str, v: str) -> int | None:
    """The innermost call box holding both ``u`` and ``v`` (None: the drawing itself)."""
    around, k = set(), innermost.get(u)
    while k is not None:
        around.add(k)
        k = parent[k]
    k = innermost.get(v)
    while k is not None and k not in around:
        k = parent[k]
    return k


def _dot_legend(graph: Graph, items: list) -> list[str]:
    """The legend as the graph's own label, above the drawing at its left; nothing when no edge is labelled and
    no sum is folded.

    Not a node: Graphviz ranks a text-only node with the inputs and may put it between two of them (Rosenbrock's
    picture had it between x[1] and x[2], read as part of the graph).  The graph's label sits outside the layout,
    where the matplotlib engine puts its legend.  Its attributes come last in the DOT text, so that no call box
    (a cluster, which would inherit them) repeats it.
    """
    entries = legend(graph, [item for item in items if isinstance(item, EdgeLabel)],
                     folded=any(isinstance(item, NodeLabel) and item.terms for item in items))
    if not entries:
        return []
    lines = "".join(_font(colour, text) + '<br align="left"/>' for text, colour in entries)  # lines left aligned
    return [f"    label=<{lines}>;", '    labelloc="t";', '    labeljust="l";', '    fontname="Helvetica";']


@checked_options
def to_dot(graph: Any, values: Mapping | None = None, adjoints: Mapping | bool | None = None,
           derivatives: Mapping | bool | None = None, *, at: Mapping[str, float] | None = None,
           **sizes: int) -> str:
    """Graphviz DOT, left to right; values in green, adjoints in red, local derivatives in blue.

    Takes the arguments of :func:`to_mermaid` and :func:`symgraph.export.draw`.
    When edges carry numbers, the graph's label, above the drawing, says what
    each colour means (:func:`legend`).

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("p = x + y; g = p * z")
    >>> print(sg.to_dot(g, values=g.evaluate(x=1, y=3, z=-3),
    ...                 adjoints={"x": -3, "y": -3, "z": 4, "p": -3, "g": 1}))
    digraph symgraph {
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
    }
    """
    graph = as_graph(graph, **sizes)
    with paused_gc():  # as in to_mermaid
        return dot_text(graph, list(walk(graph, *resolve_labels(graph, values, adjoints, derivatives, at))))


def dot_text(graph: Graph, items: list[NodeLabel | EdgeLabel]) -> str:
    """The DOT text of :func:`walk`'s items (:func:`to_dot`; the Graphviz engine passes folded sums)."""
    head = ["digraph symgraph {", "    rankdir=LR;", '    node [fontname="Helvetica"];', '    edge [fontname="Helvetica"];']
    key = _dot_legend(graph, items)
    if not graph.groups:
        return "\n".join([*head, *map(_dot_line, items), *key, "}"])
    nodes = {item.name: _dot_line(item)[4:] for item in items if isinstance(item, NodeLabel)}
    innermost, parent = call_boxes(graph)
    edges, boxes = [], {}
    for item in items:
        if isinstance(item, EdgeLabel):
            middle, lines = _dot_edge(item)
            if middle is not None:  # in the box holding both ends, or the edge would leave it and come back
                nodes[middle[0]] = middle[1][4:]
                boxes[middle[0]] = _common_box(innermost, parent, item.source, item.target)
            edges += lines

    def open_box(k, group):
        # the caption in the nodes' font: a cluster takes the graph's (Times), not the node and edge defaults
        return (f'subgraph "cluster_call{k + 1}" {{ label="{group.name}()"; style="rounded,dashed"; '
                'color="gray50"; fontcolor="gray40"; fontname="Helvetica";')

    body = _nested_lines(graph, nodes, open_box, "}", boxes=boxes)
    return "\n".join([*head, *("    " + line for line in body), *edges, *key, "}"])
