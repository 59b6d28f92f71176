"""What the drawings write: labels of nodes and edges, in the colours every engine uses.

Inputs are boxes, operations are circles labelled with their op; an edge
``u -> v`` carries the forward value of ``u`` (green) and, when given, the
adjoint of ``u`` -- the derivative of the output with respect to ``u``, the
gradient flowing back along the edge -- (red) and the edge's local derivative
``∂v/∂u`` (blue): the textbook's green and red numbers, and a third colour so
a local derivative is never taken for a gradient.  :func:`edge_texts` and
:func:`legend` say which texts in which colours, for DOT and the matplotlib
pictures alike, so both engines write the same labels.  Each output gets one more
edge leaving the drawing, labelled with the output's value and adjoint (the
``-12`` and ``1`` of ``g = (x+y)*z`` at x=1, y=3, z=-3), so the drawings of
the textbook can be reproduced exactly.

:func:`~symgraph.export.label_values.resolve_labels` turns what a caller gave
(``at=``, ``adjoints=True``, ...) into numbers, and :func:`walk` yields every
node and edge with its labels; :func:`~symgraph.export.mermaid_dot.to_mermaid`
and :func:`~symgraph.export.mermaid_dot.to_dot` are two small formatters of
that walk, and :mod:`symgraph.export.draw` draws the same walk.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple

import numpy as np
import sympy

from ..ad.linearised import Adjacency
from ..ops import OPS, WRITTEN
from ..ir.graph import Graph
from ..ir.listing import constant_text
from ..names import drawn_captions, drawn_names, output_labels
from .display import grammar_text

#: Colours of the forward values, the adjoints (gradients) and the edges' local derivatives:
#: names both Graphviz (X11) and matplotlib know.
VALUE_COLOUR, ADJOINT_COLOUR, DERIVATIVE_COLOUR = "darkgreen", "red", "mediumblue"


def op_label(graph: Graph, node: str, constant: Callable[[Any], str] = constant_text,
             names: Mapping[str, str] | None = None) -> str:
    """What a drawing writes in a node: its name, and its op for operations (``c: +``), with its constant
    operands where the op's order matters on their side: ``- 1`` is x - 1 and ``1 -`` is 1 - x,
    ``atan2(1, ·)`` is atan2(1, x); a commutative op writes them after (``* 2`` for 2*x), and an operator on two
    constants writes them either side of it (``pi * 2``: ``* pi 2`` read as a call).

    The name is :func:`~symgraph.names.drawn_names`' (``x[3]``, ``f`` for an unnamed output); a caller
    labelling many nodes passes that mapping as ``names``.  ``constant`` writes a constant (a walk passes
    one that remembers the few it has written).
    """
    name = (drawn_names(graph) if names is None else names).get(node, node)
    op = graph.op(node)
    if op == "input":
        return name
    operands = graph.operands(node)
    if op == "const":
        return f"{name}: {constant(operands[0])}"
    row = OPS[op]
    symbol = row.symbol or WRITTEN.get(op, op)  # operators by their symbol (the op table's), functions by name
    constants = [constant(x) for x in operands if x.__class__ is not str]
    kinds = "".join("n" if x.__class__ is str else "c" for x in operands)
    if kinds == "cc" and row.symbol:  # constants alone (2*pi): written as the listing writes them, not '* pi 2'
        return f"{name}: {constants[0]} {symbol} {constants[1]}"
    if "cn" in kinds and not row.commutative:  # a constant before an operand: say where each one goes
        if row.symbol and len(operands) == 2:  # 1 - x, 2 / x, 2 ^ x, 0 < x
            return f"{name}: {constants[0]} {symbol}"
        return f"{name}: {symbol}({', '.join('·' if x.__class__ is str else constant(x) for x in operands)})"
    return f"{name}: {symbol}" + (f" {' '.join(constants)}" if constants else "")


def format_number(value: Any, digits: int = 4) -> str:
    """A number as drawings and the shell write it: integers without ``.0``, others to ``digits`` significant digits.

    A condition's value is ``true`` or ``false``; a formula (an edge's local derivative without a point) is
    written in the grammar's notation (:func:`~symgraph.export.display.grammar_text`: ``where(x > y, 1, 0)``).
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, np.ndarray) and value.ndim:  # a batch: NumPy's text broke lines and labels (and 1,000 values
        flat = value.ravel()                          # were written out in full)
        shown = [format_number(v, digits) for v in (flat if flat.size <= 4 else (*flat[:3], flat[-1]))]
        text = "[" + ", ".join(shown[:3] + ["…"] + shown[3:] if flat.size > 4 else shown) + "]"
        if value.ndim == 1:
            return text if flat.size <= 4 else f"{text} ({flat.size:,} values)"
        return f"{text} ({'×'.join(map(str, value.shape))})"
    if isinstance(value, sympy.Basic) and value.free_symbols:  # a formula: float() tried evalf first, ~1 ms each
        return grammar_text(value)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return grammar_text(value) if isinstance(value, sympy.Basic) else str(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.{digits}g}"


class NodeLabel(NamedTuple):  # a tuple: ten times cheaper to make than a frozen dataclass
    """A node as every drawing shows it."""

    name: str
    label: str  # what is written in it (:func:`op_label`); empty for a sink
    shape: str  # "box" (an input), "circle" (an operation), "none" (the sink an output's edge ends in)
    terms: int = 0  # a chain of additions drawn as one node (``walk(..., fold_sums=True)``): how many terms


class EdgeLabel(NamedTuple):
    """The texts written on one edge; ``None`` where nothing was given."""

    source: str
    target: str  # a sink's name for the edge leaving an output
    value: str | None = None
    adjoint: str | None = None
    derivative: str | None = None  # the whole equation, ``∂v/∂u = 3``


def output_sink(graph: Graph, output: str) -> str:
    """A node name, not used by the graph, for the end of the edge leaving ``output``."""
    name = f"{output}_out"
    while name in graph.op_of:
        name += "_"
    return name


def walk(graph: Graph, values: Mapping | None = None, adjoints: Mapping | None = None,
         derivatives: Mapping | None = None, *, fold_sums: bool = False) -> Iterator[NodeLabel | EdgeLabel]:
    """Everything a drawing shows, in the order the text exports write it, labels resolved.

    Every node first, then every edge ``u -> v``; then, for each output with
    a value or adjoint, the sink it leaves to and the edge leaving it.  The
    one walk behind :func:`~symgraph.export.mermaid_dot.to_mermaid`,
    :func:`~symgraph.export.mermaid_dot.to_dot` and the matplotlib
    pictures of :mod:`symgraph.export.draw`, which differ only in how they
    write what it yields.

    Parameters
    ----------
    values : mapping node -> number, optional
        Forward values, e.g. ``graph.evaluate(...)``; an edge shows its source's value.
    adjoints : mapping node -> number, optional
        d output / d node; an edge shows its source's adjoint.
    derivatives : mapping (u, v) -> number or sympy expression, optional
        Local derivatives ∂v/∂u of the edges.
    fold_sums : bool
        Draw each chain of additions (an indexed sum, ``a + b + c + ...``) as
        one node ``s: Σ n terms`` with an edge from every term: what a picture
        of a big graph does (:func:`sum_chains`).  A term's edge carries its
        value and adjoint as before, and ∂s/∂term, the number of times the
        chain adds it.
    """
    def number(mapping, key):
        return format_number(mapping[key]) if mapping is not None and key in mapping else None

    written: dict[tuple, str] = {}  # a graph has few distinct constants: sympy prints each once

    def constant(x: Any) -> str:
        key = (x.__class__, x)  # by class too: 2 and 2.0 are equal numbers written differently
        text = written.get(key)
        if text is None:
            text = written[key] = constant_text(x)
        return text

    names, captions = drawn_names(graph), drawn_captions(graph)  # formulas' names; what a node writes of itself
    adjacency = Adjacency(graph)  # the light tables: no networkx graph (and no sympy symbol per node)
    into = sum_chains(graph, adjacency.succs) if fold_sums else {}
    roots = set(into.values())
    terms: dict[tuple[str, str], int] = {}  # (term, sum) -> how often the chain adds it
    for (u, v), slots in (graph.edge_slots().items() if into else ()):
        if u not in into and (v in into or v in roots):
            key = (u, into.get(v, v))
            terms[key] = terms.get(key, 0) + len(slots)
    count: dict[str, int] = {}
    for (_, v), k in terms.items():
        count[v] = count.get(v, 0) + k
    for node in graph.order:
        if node in into:
            continue
        if node in count:
            constants = "".join(f" + {x}" for x in graph.operands(node) if not isinstance(x, str))
            yield NodeLabel(node, f"{captions.get(node, node)}: Σ {count[node]} terms{constants}", "circle", count[node])
        else:
            yield NodeLabel(node, op_label(graph, node, constant, captions),
                            "box" if graph.op(node) == "input" else "circle")
    done = set()
    # every edge u -> v: sources in creation order, each one's users in creation order
    for u, v in ((u, v) for u, users in adjacency.succs.items() for v in users):
        if u in into:
            continue
        if (u, into.get(v, v)) in terms:
            v = into.get(v, v)
            if (u, v) in done:
                continue
            done.add((u, v))
            partial = None if derivatives is None else format_number(terms[u, v])
        else:
            partial = number(derivatives, (u, v))
        yield EdgeLabel(u, v, number(values, u), number(adjoints, u),
                        None if partial is None else
                        f"∂{names.get(v, v)}/∂{names.get(u, u)} = {partial}")
    for y in dict.fromkeys(graph.outputs):  # a node listed as two outputs leaves the drawing once
        value, adjoint = number(values, y), number(adjoints, y)
        if value is not None or adjoint is not None:
            sink = output_sink(graph, y)
            yield NodeLabel(sink, "", "none")
            yield EdgeLabel(y, sink, value, adjoint)


def sum_chains(graph: Graph, succs: Mapping[str, list[str]] | None = None) -> dict[str, str]:
    """The additions a picture may fold into a later one: node -> the addition that absorbs it.

    An addition is absorbed by the addition that uses it when nothing else
    uses it, it is not an output, it adds no constant (its label would be
    lost) and it is added once; chains and trees of additions -- an indexed
    sum, ``a + b + c + d`` -- so fold into their last addition.

    Examples
    --------
    >>> import symgraph as sg
    >>> sum_chains(sg.parse("s = a*b + c + d + 1"))  # v2 = v1 + c, v3 = v2 + d, s = v3 + 1
    {'v3': 's', 'v2': 's'}
    """
    outputs, slots, into = set(graph.outputs), graph.edge_slots(), {}
    succs = Adjacency(graph).succs if succs is None else succs  # ``succs``: the users, when the caller has them
    for node in reversed(graph.order):  # a node's user is settled before it
        users = succs[node]
        if graph.op(node) != "add" or node in outputs or len(users) != 1:
            continue
        (user,) = users
        if graph.op(user) == "add" and len(slots[node, user]) == 1 and all(
                isinstance(x, str) for x in graph.operands(node)):
            into[node] = into.get(user, user)
    return into


#: the texts of an edge that carries none (most edges of a big graph drawn without numbers)
_BARE = (None, None, None)


def edge_texts(edge: EdgeLabel) -> list[tuple[str, str]]:
    """The lines written on an edge, each with its colour: value, adjoint, local derivative (those given)."""
    parts = ((edge.value, VALUE_COLOUR), (edge.adjoint, ADJOINT_COLOUR), (edge.derivative, DERIVATIVE_COLOUR))
    return [(text, colour) for text, colour in parts if text is not None]


def legend(graph: Graph, edges: Iterable[EdgeLabel], folded: bool = False) -> list[tuple[str, str]]:
    """What the colours on the edges mean, for the kinds of label present: (text, colour) pairs.

    Empty when no edge carries a label and no sum is ``folded``.  The adjoint is named by the
    output (``∂g/∂u``) when the graph has one, as formulas name it (an alias ``z`` of ``y = x; z = y``
    too, never the node's own name).  ``folded``: the drawing shows a chain of additions as one ``Σ`` node,
    which the last entry says (in every engine's legend: Graphviz's once lacked it).

    Examples
    --------
    >>> import symgraph as sg
    >>> legend(sg.parse("p = x + y; g = p * z"), [EdgeLabel("x", "p", "1", "-3")])
    [('on an edge u → v:', 'black'), ('value of u', 'darkgreen'), ('adjoint ∂g/∂u', 'red')]
    """
    present = {colour for edge in edges if edge[2:] != _BARE for _, colour in edge_texts(edge)}
    sums = [(FOLDED_SUM, "black")] if folded else []
    if not present:
        return sums
    # the output as formulas call it (output_labels): d for the alias d of c = a*b; d = c, as grad's dd/da
    single = len(set(graph.outputs)) == 1
    adjoint = f"adjoint ∂{output_labels(graph)[0]}/∂u" if single else "adjoint of u"
    entries = [("value of u", VALUE_COLOUR), (adjoint, ADJOINT_COLOUR), ("local derivative ∂v/∂u", DERIVATIVE_COLOUR)]
    return [("on an edge u → v:", "black"), *(entry for entry in entries if entry[1] in present), *sums]


#: the legend's entry for a folded sum (``walk(..., fold_sums=True)``)
FOLDED_SUM = "Σ: a chain of additions drawn as one node"


def call_boxes(graph: Graph) -> tuple[dict[str, int], list[int | None]]:
    """Where drawings box the calls of text definitions (``graph.groups``).

    Returns (node -> index of the innermost call that made it, call index ->
    index of the call it is nested in or None).  Calls are listed outer first,
    so the last call holding a node is its innermost one.
    """
    innermost: dict[str, int] = {}
    parent: list[int | None] = []
    for k, group in enumerate(graph.groups):
        outer = {innermost[n] for n in group.nodes if n in innermost}
        parent.append(max(outer) if outer else None)
        for n in group.nodes:
            innermost[n] = k
    return innermost, parent
