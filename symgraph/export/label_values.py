"""The numbers a drawing writes on its edges, from what the caller gave: values, adjoints, local derivatives.

:func:`resolve_labels` turns ``at=``, ``values=``, ``adjoints=True`` and
``derivatives=True`` into mappings keyed by node and by edge, computing what
was asked for (:func:`node_adjoints`, :func:`edge_derivatives`).  Apart from
:mod:`~symgraph.export.text`, which writes those numbers on nodes and edges,
because this is where a drawing's arguments are checked and its derivatives
taken; the text exports (:mod:`~symgraph.export.mermaid_dot`) and the pictures
(:mod:`symgraph.export.draw`) all read their arguments here.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import sympy

from ..binding import named_keys
from ..ops import CONDITIONS
from ..real_values import as_array, index_axes_error, real_value
from ..errors import ArgumentError, GraphError, shown_names, shown
from ..ad.linearised import Linearised, edge_derivatives as edge_derivatives_of
from ..ad.paths import edge_values
from ..ad.reverse import reverse
from ..frontend.coerce import as_graph
from ..ir.graph import Graph
from ..names import output_labels
from ..names import drawn_symbols


def node_adjoints(graph: Any, /, **at: float) -> dict[str, float]:
    """d output / d node for every node of a single-output graph, at the point ``at``.

    The textbook's red numbers: one reverse sweep that keeps the adjoint of
    every node, intermediates included (∂g/∂p as well as ∂g/∂x).

    Examples
    --------
    >>> from symgraph.export.label_values import node_adjoints
    >>> node_adjoints("p = x + y; g = p * z", x=1, y=3, z=-3)
    {'x': -3.0, 'y': -3.0, 'p': -3.0, 'z': 4.0, 'g': 1.0}
    """
    graph = as_graph(graph)
    output = graph.output
    lin = Linearised(graph)
    result = reverse(lin, [output], graph.order)
    program = lin.emitter.program(graph.input_nodes, {node: result.derivatives.get((output, node), 0)
                                                 for node in graph.order})
    return program.evaluate(**at)


def edge_derivatives(graph: Any, /, **at: float) -> dict[tuple[str, str], float]:
    """The local derivative ∂v/∂u of every edge ``u -> v``, at the point ``at``.

    Examples
    --------
    >>> from symgraph.export.label_values import edge_derivatives
    >>> edge_derivatives("p = x + y; g = p * z", x=1, y=3, z=-3)[("p", "g")]
    -3.0
    """
    return edge_values(as_graph(graph), at)


def symbolic_edge_derivatives(graph: Graph) -> dict[tuple[str, str], Any]:
    """The local derivative of every edge as a sympy expression in node symbols (``∂e/∂c = d``), an unnamed
    output's as drawings name it (:func:`~symgraph.names.drawn_symbols`)."""
    local, renamed = edge_derivatives_of(graph), drawn_symbols(graph)
    return {edge: local[edge].xreplace(renamed) if renamed else local[edge] for edge in graph.edges()}


def resolve_labels(graph: Graph, values: Mapping | None = None, adjoints: Mapping | bool | None = None,
                   derivatives: Mapping | bool | None = None, at: Mapping[str, float] | None = None
                   ) -> tuple[Mapping | None, Mapping | None, Mapping | None]:
    """The (values, adjoints, derivatives) mappings an export writes, from what the caller gave.

    The one place :func:`~symgraph.export.mermaid_dot.to_mermaid`,
    :func:`~symgraph.export.mermaid_dot.to_dot` and :func:`symgraph.export.draw`
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
        name that is not in the graph, or a value that is not a number; an
        input that ``values`` and ``at`` give different numbers (one picture, one point).
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
    if point is not None:
        _whole_point(graph, point)
    if point is not None and values is not None:  # one point: a = 5 from values= beside c = a + b = 3 from at=
        given = graph.node_values(graph.input_nodes, point)
        for node in (node for node in graph.input_nodes if node in values and node in given):
            label = graph.element_labels[node] if graph.indexed else node
            mine, theirs = np.asarray(values[node], float), np.asarray(real_value(label, given[node]), float)
            if not np.array_equal(mine, theirs, equal_nan=True):
                raise GraphError(f"values= gives {label} the value "
                                 f"{shown(mine if mine.ndim else float(mine))} and at= "
                                 f"{shown(theirs if theirs.ndim else float(theirs))}: give the point once")
    if point is None and values is not None and all(name in values for name in graph.input_nodes):
        point = {name: values[name] for name in graph.input_nodes}
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


def _whole_point(graph: Graph, point: Mapping[str, Any]) -> None:
    """``at=`` gives every input: the labels are computed at one point, and the evaluation's own message
    ("missing value(s) for y") named neither ``at=`` nor the inputs there are."""
    try:
        given = graph.node_values(graph.input_nodes, point)
    except GraphError as error:  # an indexed input's elements: said there, with the inputs
        raise GraphError(f"at=: {error}") from None
    inputs = set(graph.input_nodes)
    missing = [label for node, label in zip(graph.input_nodes, graph.input_labels) if node not in given]
    unknown = [key for key in given if key not in inputs]
    if missing or unknown:
        said = ([f"is missing a value for {shown_names(missing)}"] if missing else []) + \
               ([f"names {shown_names(unknown)}, not {'an input' if len(unknown) == 1 else 'inputs'}"] if unknown else [])
        raise GraphError(f"at= {' and '.join(said)} (inputs: {shown_names(graph.input_labels)})"
                         + (": a picture's numbers are computed at one point, a value for every input" if missing else ""))


def _by_node(graph: Graph, what: str, given: Mapping) -> dict[str, Any]:
    """``values=`` or ``adjoints=`` keyed by node: a node name, a name the text assigned, an element's label
    ``x[3]``, or an indexed input's name with its array; each value a number (a condition's true/false) or an
    array of them.  A name the graph does not have is an error, not a label silently left out."""
    out, unknown = {}, []
    ops, addresses = graph.op_of, graph.addresses
    for key, value in named_keys(what + "=", given).items():  # sympy symbols as the names they print, as at() reads them
        known = graph.indexed.get(key) if isinstance(key, str) else None
        if known is not None:
            array = as_array(key, value)
            if array.shape[:len(known.shape)] != known.shape:
                raise index_axes_error(key, known.shape, array.shape)
            for index, node in known.nodes.items():
                out[node] = _label_value(what, known.label(index), array[index], False)
            continue
        node = key if key in ops else addresses.get(key) if isinstance(key, str) else None
        if node is not None:
            out[node] = _label_value(what, key, value, ops[node] in CONDITIONS)
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
        if name.__class__ is not str and getattr(name, "is_symbol", False) is True:
            name = str(name)  # a sympy Symbol or Indexed, read as _by_node reads it
        return None if not isinstance(name, str) else name if name in ops else addresses.get(name)

    out, unknown = {}, []
    for key, value in given.items():
        u, v = (node(key[0]), node(key[1])) if isinstance(key, tuple) and len(key) == 2 else (None, None)
        if (u, v) not in edges:  # (None, None) included
            unknown.append(key)
        elif isinstance(value, (sympy.Basic, str)):  # a formula, as written
            out[u, v] = value
        else:
            out[u, v] = _label_value("derivatives", f"edge {key[0]} -> {key[1]}", value, False)
    if unknown:
        example = next(iter(edges), None)
        raise GraphError(f"derivatives= names {shown_names([repr(k) for k in unknown])}, not edges of the graph: "
                         f"key each by an edge (u, v), u an operand of v"
                         + (f", such as {example!r}" if example else " (this graph has no edges)"))
    return out


def _label_value(what: str, name: str, value: Any, condition: bool) -> Any:
    """A value an edge label writes: a number, a condition's true/false, or an array of them (a batch).  A bool
    given for a number (an input x=True) is its number, 1, as at= reads it (it was written "true")."""
    if condition and isinstance(value, (bool, np.bool_)):
        return value
    try:
        return real_value(name, value)
    except GraphError as error:
        raise GraphError(f"{what}=: {error}") from None
