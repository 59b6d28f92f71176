"""What the drawings write, and the text exports: labels of nodes and edges, Mermaid and DOT.

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

:func:`resolve_labels` turns what a caller gave (``at=``, ``adjoints=True``,
...) into numbers, and :func:`walk` yields every node and edge with its
labels; :func:`to_mermaid` and :func:`to_dot` are two small formatters of
that walk, and :mod:`symgraph.export.draw` draws the same walk.
"""
from __future__ import annotations

import html
import textwrap
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple

import numpy as np
import sympy

from ..binding import named_keys
from ..options import checked_options
from ..real_values import as_array, index_axes_error, real_value
from ..errors import ArgumentError, GraphError, shown_names, shown
from ..ad.linearised import Adjacency, Linearised, edge_derivatives as edge_derivatives_of
from ..ad.reverse import reverse
from ..ops import OPS
from ..frontend.coerce import as_graph
from ..ir.graph import Graph
from ..ir.interpret import branch_only
from ..ir.listing import constant_text
from ..names import Namer, drawn_names, output_labels
from ..progress import paused_gc

#: Colours of the forward values, the adjoints (gradients) and the edges' local derivatives:
#: names both Graphviz (X11) and matplotlib know.
VALUE_COLOUR, ADJOINT_COLOUR, DERIVATIVE_COLOUR = "darkgreen", "red", "mediumblue"

#: Node ids Mermaid's flowchart grammar reads as keywords (compared in lower case), and the names of
#: JavaScript's ``Object.prototype``, which Mermaid's renderer keys plain objects with (it fails on them).
_MERMAID_KEYWORDS = {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click", "linkstyle",
                     "default", "call", "href", "direction", "interpolate", "_self", "_blank", "_parent", "_top",
                     "constructor", "__proto__", "tostring", "tolocalestring", "valueof", "hasownproperty",
                     "isprototypeof", "propertyisenumerable", "__definegetter__", "__definesetter__",
                     "__lookupgetter__", "__lookupsetter__"}


def op_label(graph: Graph, node: str, constant: Callable[[Any], str] = constant_text,
             names: Mapping[str, str] | None = None) -> str:
    """What a drawing writes in a node: its name, and its op for operations (``c: +``), with its constant
    operands where the op's order matters on their side: ``- 1`` is x - 1 and ``1 -`` is 1 - x,
    ``atan2(1, ·)`` is atan2(1, x); a commutative op writes them after (``* 2`` for 2*x).

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
    symbol = row.symbol or op  # operators by their symbol (the op table's), functions by name
    constants = [constant(x) for x in operands if x.__class__ is not str]
    kinds = "".join("n" if x.__class__ is str else "c" for x in operands)
    if "cn" in kinds and not row.commutative:  # a constant before an operand: say where each one goes
        if row.symbol and len(operands) == 2:  # 1 - x, 2 / x, 2 ^ x, 0 < x
            return f"{name}: {constants[0]} {symbol}"
        return f"{name}: {symbol}({', '.join('·' if x.__class__ is str else constant(x) for x in operands)})"
    return f"{name}: {symbol}" + (f" {' '.join(constants)}" if constants else "")


def format_number(value: Any, digits: int = 4) -> str:
    """A number as drawings and the shell write it: integers without ``.0``, others to ``digits`` significant digits.

    A condition's value is ``true`` or ``false``.
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)  # a symbolic label (an edge derivative such as ``d``)
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
    one walk behind :func:`to_mermaid`, :func:`to_dot` and the matplotlib
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

    names = drawn_names(graph)
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
            yield NodeLabel(node, f"{names.get(node, node)}: Σ {count[node]} terms{constants}", "circle", count[node])
        else:
            yield NodeLabel(node, op_label(graph, node, constant, names),
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


def legend(graph: Graph, edges: Iterable[EdgeLabel]) -> list[tuple[str, str]]:
    """What the colours on the edges mean, for the kinds of label present: (text, colour) pairs.

    Empty when no edge carries a label.  The adjoint is named by the
    output (``∂g/∂u``) when the graph has one.

    Examples
    --------
    >>> import symgraph as sg
    >>> legend(sg.parse("p = x + y; g = p * z"), [EdgeLabel("x", "p", "1", "-3")])
    [('on an edge u → v:', 'black'), ('value of u', 'darkgreen'), ('adjoint ∂g/∂u', 'red')]
    """
    present = {colour for edge in edges if edge[2:] != _BARE for _, colour in edge_texts(edge)}
    if not present:
        return []
    output = graph.outputs[0] if len(set(graph.outputs)) == 1 else None
    adjoint = "adjoint of u" if output is None else f"adjoint ∂{drawn_names(graph).get(output, output)}/∂u"
    entries = [("value of u", VALUE_COLOUR), (adjoint, ADJOINT_COLOUR), ("local derivative ∂v/∂u", DERIVATIVE_COLOUR)]
    return [("on an edge u → v:", "black"), *(entry for entry in entries if entry[1] in present)]


def node_adjoints(graph: Any, /, **at: float) -> dict[str, float]:
    """d output / d node for every node of a single-output graph, at the point ``at``.

    The textbook's red numbers: one reverse sweep that keeps the adjoint of
    every node, intermediates included (∂g/∂p as well as ∂g/∂x).

    Examples
    --------
    >>> from symgraph.export.text import node_adjoints
    >>> node_adjoints("p = x + y; g = p * z", x=1, y=3, z=-3)
    {'x': -3.0, 'y': -3.0, 'p': -3.0, 'z': 4.0, 'g': 1.0}
    """
    graph = as_graph(graph)
    output = graph.output
    lin = Linearised(graph)
    result = reverse(lin, [output], graph.order)
    program = lin.emitter.program(graph.inputs, {node: result.derivatives.get((output, node), 0)
                                                 for node in graph.order})
    return program.evaluate(**at)


def edge_derivatives(graph: Any, /, **at: float) -> dict[tuple[str, str], float]:
    """The local derivative ∂v/∂u of every edge ``u -> v``, at the point ``at``.

    Examples
    --------
    >>> from symgraph.export.text import edge_derivatives
    >>> edge_derivatives("p = x + y; g = p * z", x=1, y=3, z=-3)[("p", "g")]
    -3.0
    """
    graph = as_graph(graph)
    lin = Linearised(graph)
    edges = graph.edges()
    # an edge into a node a where() may discard is discarded with it: its nan is as quiet as the node's value
    branch = branch_only(list(graph.rows()), graph.outputs)
    program = lin.emitter.program(graph.inputs, {f"{i}": lin.local(u, v) for i, (u, v) in enumerate(edges)},
                                  discardable=[f"{i}" for i, (_, v) in enumerate(edges) if v in branch])
    values = program.evaluate(**at)
    return {edge: values[f"{i}"] for i, edge in enumerate(edges)}


def symbolic_edge_derivatives(graph: Graph) -> dict[tuple[str, str], Any]:
    """The local derivative of every edge as a sympy expression in node symbols (``∂e/∂c = d``)."""
    local = edge_derivatives_of(graph)
    return {edge: local[edge] for edge in graph.edges()}


def resolve_labels(graph: Graph, values: Mapping | None = None, adjoints: Mapping | bool | None = None,
                   derivatives: Mapping | bool | None = None, at: Mapping[str, float] | None = None
                   ) -> tuple[Mapping | None, Mapping | None, Mapping | None]:
    """The (values, adjoints, derivatives) mappings an export writes, from what the caller gave.

    The one place :func:`to_mermaid`, :func:`to_dot` and :func:`symgraph.export.draw`
    read their arguments.  The point is ``at``, else the inputs' entries of
    ``values`` when every input has one; from it come the values of the
    nodes not given (inner edges are labelled too), ``adjoints=True`` (every
    node's d output / d node) and ``derivatives=True`` (numbers; sympy
    expressions in node symbols when there is no point).  ``values`` and
    ``adjoints`` are keyed by node names or by the user's names, as ``at`` is
    (an element ``x[3]``, or ``x`` with the array of an indexed input).

    Raises
    ------
    ArgumentError
        An argument of the wrong kind (``values=True``, ``at=[1, 2]``).
    GraphError
        ``adjoints=True`` without a point or on a graph of several outputs; a
        name that is not in the graph, or a value that is not a number.
    """
    for what, given in (("values", values), ("at", at)):
        if given is not None and not isinstance(given, Mapping):
            raise ArgumentError(f"{what}= takes a mapping of names to numbers ({what}={{'x': 1.0, ...}}), got "
                                f"{type(given).__name__} {shown(given)}")
    for what, given in (("adjoints", adjoints), ("derivatives", derivatives)):
        if given is not None and not isinstance(given, (bool, Mapping)):
            raise ArgumentError(f"{what}= takes True (computed at the point), False or a mapping "
                                f"{'of names' if what == 'adjoints' else 'of edges (u, v)'} to numbers, got "
                                f"{type(given).__name__} {shown(given)}")
    values = _by_node(graph, "values", values) if values is not None else None
    adjoints = _by_node(graph, "adjoints", adjoints) if isinstance(adjoints, Mapping) else adjoints
    derivatives = _by_edge(graph, derivatives) if isinstance(derivatives, Mapping) else derivatives
    point = named_keys("at=", at) if at is not None else None  # {x: 1.0} with sympy symbols too
    if point is not None and not all(isinstance(name, str) for name in point):  # ** below takes text names only
        raise GraphError(f"at= names {shown_names([repr(k) for k in point if not isinstance(k, str)])}, not "
                         f"inputs of the graph (inputs: {shown_names(graph.input_labels)})")
    if point is None and values is not None and all(name in values for name in graph.inputs):
        point = {name: values[name] for name in graph.inputs}
    if point is not None and (values is None or any(node not in values for node in graph.order)):
        values = {**graph.evaluate(**point), **(values or {})}
    if adjoints is True:
        if point is None:
            raise GraphError("adjoints=True needs a point: pass at={...} or values for every input "
                             f"({', '.join(graph.inputs)})")
        if len(graph.outputs) != 1:
            raise GraphError(f"adjoints=True labels d output / d node for one output, and this graph has "
                             f"{len(graph.outputs)} ({shown_names(output_labels(graph))}): draw one output's "
                             "graph, or pass adjoints={node: number, ...}")
        adjoints = node_adjoints(graph, **point)
    if derivatives is True:
        derivatives = edge_derivatives(graph, **point) if point is not None else symbolic_edge_derivatives(graph)
    return values or None, adjoints or None, derivatives or None


def _by_node(graph: Graph, what: str, given: Mapping) -> dict[str, Any]:
    """``values=`` or ``adjoints=`` keyed by node: a node name, a name the text assigned, an element's label
    ``x[3]``, or an indexed input's name with its array; each value a number (a condition's true/false) or an
    array of them.  A name the graph does not have is an error, not a label silently left out."""
    out, unknown = {}, []
    ops, addresses = graph.op_of, graph.addresses
    for key, value in given.items():
        known = graph.indexed.get(key) if isinstance(key, str) else None
        if known is not None:
            array = as_array(key, value)
            if array.shape[:len(known.shape)] != known.shape:
                raise index_axes_error(key, known.shape, array.shape)
            for index, node in known.nodes.items():
                out[node] = _label_value(what, known.label(index), array[index])
            continue
        node = key if key in ops else addresses.get(key) if isinstance(key, str) else None
        if node is not None:
            out[node] = _label_value(what, key, value)
        elif not (isinstance(key, str) and key in addresses):  # a name assigned a constant has no node to label
            unknown.append(key)
    if unknown:
        raise GraphError(f"{what}= names {shown_names([repr(k) for k in unknown])}, not in the graph (nodes: "
                         f"{shown_names(graph.input_labels + tuple(n for n in graph.order if ops[n] != 'input'))})")
    return out


def _by_edge(graph: Graph, given: Mapping) -> dict[tuple[str, str], Any]:
    """``derivatives=`` keyed by edge ``(u, v)``, each end named as :func:`_by_node` names nodes; each value a
    number, an array of them, or a formula (a sympy expression or text).  A key that is no edge of the graph (``"a"``, ``("a", "e")``
    past c) is an error, as a name is in ``values=``: a label silently left out reads as a missing derivative."""
    ops, addresses, edges = graph.op_of, graph.addresses, graph.edge_slots()

    def node(name: Any) -> str | None:
        return None if not isinstance(name, str) else name if name in ops else addresses.get(name)

    out, unknown = {}, []
    for key, value in given.items():
        u, v = (node(key[0]), node(key[1])) if isinstance(key, tuple) and len(key) == 2 else (None, None)
        if (u, v) not in edges:  # (None, None) included
            unknown.append(key)
        elif isinstance(value, (sympy.Basic, str)):  # a formula, as written
            out[u, v] = value
        else:
            out[u, v] = _label_value("derivatives", f"edge {key[0]} -> {key[1]}", value)
    if unknown:
        example = next(iter(edges), None)
        raise GraphError(f"derivatives= names {shown_names([repr(k) for k in unknown])}, not edges of the graph: "
                         f"key each by an edge (u, v), u an operand of v"
                         + (f", such as {example!r}" if example else " (this graph has no edges)"))
    return out


def _label_value(what: str, name: str, value: Any) -> Any:
    """A value an edge label writes: a number, a condition's true/false, or an array of them (a batch)."""
    if isinstance(value, (bool, np.bool_)):
        return value
    try:
        return real_value(name, value)
    except GraphError as error:
        raise GraphError(f"{what}=: {error}") from None


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


def _nested_lines(graph: Graph, node_lines: dict[str, str], open_box, close: str, indent: str = "    ") -> list[str]:
    """The node lines, each call's inside its box (``open_box(k, group)`` ... ``close``), boxes nested."""
    innermost, parent = call_boxes(graph)
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
    """One item of :func:`walk` as a DOT statement: the lines of :func:`edge_texts`, each in its colour."""
    if isinstance(item, NodeLabel):
        if item.shape == "none":
            return f'    "{item.name}" [label="", shape=none, width=0, height=0];'
        label = item.label.replace("\\", "\\\\").replace('"', '\\"')
        return f'    "{item.name}" [label="{label}", shape={item.shape}];'
    if item[2:] == _BARE:
        return f'    "{item.source}" -> "{item.target}";'
    label = "<br/>".join([_font(colour, text) for text, colour in edge_texts(item)])
    return f'    "{item.source}" -> "{item.target}" [label=<{label}>];'


def _dot_legend(graph: Graph, items: list) -> list[str]:
    """The legend as a text-only node, placed first (leftmost) by Graphviz; nothing when no edge is labelled."""
    entries = legend(graph, [item for item in items if isinstance(item, EdgeLabel)])
    if not entries:
        return []
    name = Namer(set(graph.op_of) | {item.name for item in items if isinstance(item, NodeLabel)}).fresh("legend")
    lines = "".join(_font(colour, text) + '<br align="left"/>' for text, colour in entries)  # lines left aligned
    return [f'    "{name}" [label=<{lines}>, shape=plaintext];']


@checked_options
def to_dot(graph: Any, values: Mapping | None = None, adjoints: Mapping | bool | None = None,
           derivatives: Mapping | bool | None = None, *, at: Mapping[str, float] | None = None,
           **sizes: int) -> str:
    """Graphviz DOT, left to right; values in green, adjoints in red, local derivatives in blue.

    Takes the arguments of :func:`to_mermaid` and :func:`symgraph.export.draw`.
    When edges carry numbers, a text-only ``legend`` node says what each
    colour means (:func:`legend`).

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
        "legend" [label=<<font color="black">on an edge u → v:</font><br align="left"/><font color="darkgreen">value of u</font><br align="left"/><font color="red">adjoint ∂g/∂u</font><br align="left"/>>, shape=plaintext];
        "x" [label="x", shape=box];
        "y" [label="y", shape=box];
        "p" [label="p: +", shape=circle];
        "z" [label="z", shape=box];
        "g" [label="g: *", shape=circle];
        "x" -> "p" [label=<<font color="darkgreen">1</font><br/><font color="red">-3</font>>];
        "y" -> "p" [label=<<font color="darkgreen">3</font><br/><font color="red">-3</font>>];
        "p" -> "g" [label=<<font color="darkgreen">4</font><br/><font color="red">-3</font>>];
        "z" -> "g" [label=<<font color="darkgreen">-3</font><br/><font color="red">4</font>>];
        "g_out" [label="", shape=none, width=0, height=0];
        "g" -> "g_out" [label=<<font color="darkgreen">-12</font><br/><font color="red">1</font>>];
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
        return "\n".join([*head, *key, *map(_dot_line, items), "}"])
    nodes = {item.name: _dot_line(item)[4:] for item in items if isinstance(item, NodeLabel)}

    def open_box(k, group):
        return (f'subgraph "cluster_call{k + 1}" {{ label="{group.name}()"; style="rounded,dashed"; '
                'color="gray50"; fontcolor="gray40";')

    body = _nested_lines(graph, nodes, open_box, "}")
    return "\n".join([*head, *key, *("    " + line for line in body),
                      *(_dot_line(item) for item in items if not isinstance(item, NodeLabel)), "}"])
