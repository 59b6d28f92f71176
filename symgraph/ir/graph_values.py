"""A graph's values and closed forms: evaluation with numbers, and sympy expressions of its nodes.

:class:`GraphValues` holds the graph's methods over the row walks of
:mod:`symgraph.ir.interpret` -- every node's value (:class:`NodeValues`),
a node's symbol and its closed form in the inputs --, mixed into
:class:`~symgraph.ir.graph.Graph`, which owns the tables they read.  Why
apart: building and walking the graph never evaluates it.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any, Iterable, Mapping

import numpy as np
import sympy

from .. import constants
from ..binding import check_values, point_values
from ..options import checked_options, label_list
from ..errors import ExpressionTooLargeError, GraphError, no_entry, shown_names
from ..names import output_labels
from . import interpret
from .listing import ShortDict


class NodeValues(ShortDict):
    """Node name -> value, :meth:`Graph.evaluate`'s result, which also answers to the names the user wrote
    (``x[0]`` for the node ``x_0``): the keys are node names, as ``g.nx`` has them, but a user who passed
    ``x=[...]`` reads ``values["x[0]"]`` as ``.at()`` spells it."""

    def __init__(self, values: Mapping[str, Any], addresses: Mapping[str, str | None]):
        super().__init__(values)
        self._addresses = addresses

    def _node(self, key: Any) -> Any:
        node = self._addresses.get(key) if isinstance(key, str) else None
        return node if node is not None and dict.__contains__(self, node) else None

    def __missing__(self, key: Any) -> Any:
        node = self._node(key)
        if node is None:  # an EntryError (a KeyError too) naming the nodes, as .at()'s values name their entries
            raise no_entry("node", key, list(self))
        return self[node]

    def __contains__(self, key: Any) -> bool:
        return dict.__contains__(self, key) or self._node(key) is not None

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def __reduce__(self):  # pickles as the plain dict it prints as
        return dict, (dict(self),)


class GraphValues:
    """The graph's values and closed forms (mixed into :class:`~symgraph.ir.graph.Graph`)."""

    @checked_options
    def symbol(self, node: str) -> sympy.Symbol:
        """The sympy Symbol standing for ``node``: the user's own for an input of :meth:`from_sympy`
        (assumptions kept), else ``Symbol(node)`` (made on request: sympy caches symbols by name)."""
        try:
            symbol = self._symbols.get(node)
        except TypeError:  # unhashable: no node's name
            raise self._missing(node) from None
        if symbol is not None:
            return symbol
        if node not in self._ops:
            raise self._missing(node)
        element = self._elements.get(node) if self.indexed else None
        if element is not None:  # x[3]: sympy's Indexed, which prints x[3] and x_{3}
            symbol = self._symbols[node] = sympy.IndexedBase(element[0])[element[1]]
            return symbol
        return sympy.Symbol(node)

    @checked_options
    def given_symbols(self, nodes: Iterable[str]) -> dict[str, sympy.Symbol]:
        """The sympy symbols given for ``nodes`` (the user's own, or made so far), for a graph built from this one;
        a str is one node (:func:`~symgraph.options.label_list`)."""
        return {x: self._symbols[x] for x in label_list("Graph.given_symbols()", nodes, "node name")
                if x in self._symbols}

    def evaluate(self, /, *point: Mapping[str, Any], **values: Any) -> dict[str, Any]:
        """Forward pass with numbers: every node's value (floats, or arrays for array inputs); the input values
        by keyword or as one mapping (``evaluate({"x[0]": 1.0, ...})``).  Keyed by node name, and read by the
        user's names too (``values["x[0]"]``: :class:`NodeValues`).

        Values are computed in float64 whatever the inputs' dtype (compiled functions keep float32).
        Domain errors follow NumPy: ``log(-1)`` is nan and ``1/0`` is inf, with
        NumPy's RuntimeWarning, never an exception.  Constants take their
        float64 value (:func:`constants.constant_value`; ``9^9^9^9`` is inf).
        """
        values = point_values("evaluate", point, values)
        result = interpret.numbers(self.rows(), check_values(self.input_nodes, self.node_values(self.input_nodes, values),
                                                             self.element_labels),
                                   self.outputs)
        return NodeValues({k: v if np.ndim(v) else bool(v) if isinstance(v, (bool, np.bool_)) else float(v)
                           for k, v in result.items()}, self.addresses)  # conditions stay true/false

    @cached_property
    def _shapes(self) -> dict[str, tuple[int, int]]:
        """node -> (operations, depth) of its closed form in the inputs (:func:`interpret.shapes`)."""
        return interpret.shapes(self.rows())

    def _row(self, node: str) -> tuple[str, tuple]:
        return self._ops[node], self._operands[node]

    @checked_options
    def expr(self, node: str | None = None, limit: int | None = interpret.EXPAND_LIMIT) -> sympy.Expr:
        """The full sympy expression of ``node`` (default: the output) in the inputs, built on request.

        Built iteratively, and sized first on the graph (:func:`interpret.shapes`): a closed form of more than
        ``limit`` tree operations (default :data:`~symgraph.ir.interpret.EXPAND_LIMIT`, as ``result[name]``)
        raises ExpressionTooLargeError, since a shared DAG's tree is exponential in its nodes (40 nested
        squares are 2^40 operations written out) and sympy would build or print it for hours;
        ``limit=None`` builds any size.  An expression nested deeper than ``constants.MAX_DEPTH``
        raises it whatever the limit (sympy could neither build nor print it).  ``str(graph)`` is the
        let-listing of any graph.  Constants follow :func:`constants.constant_op`: ``9^9^9^9`` is oo
        here, as in the numbers.
        """
        interpret.check_limit(limit)
        if node is None and len(self.outputs) > 1:  # "use jacobian()", as a derivative says, is no way here
            labels = output_labels(self)
            raise GraphError(f"this graph has {len(labels)} outputs ({shown_names(labels)}); name the one wanted: "
                             f"graph.expr({labels[0]!r})")
        asked = (output_labels(self)[0] if self.outputs else None) if node is None else node
        node = self.output if node is None else self._node_of(node)
        # the name the user asked by (x[3], the output f), not its node's (x_3, v40), which no listing shows
        label = str(asked) if isinstance(asked, (str, sympy.Basic)) else node
        size, depth = self._shapes[node][:2]  # counted once per graph; the gate holds for a form built before
        interpret.check_size(label, size, limit, f"graph.expr({label!r}, limit=None)",
                             "str(graph) lists it, graph.evaluate() computes it")
        if node not in self._exprs:
            if depth > constants.MAX_DEPTH:
                raise ExpressionTooLargeError(
                    f"the expression of {label!r} is nested {depth} levels deep, more than sympy can "
                    f"handle ({constants.MAX_DEPTH}); str(graph) lists it, graph.evaluate() computes it")
            interpret.forms(interpret.needed([node], self._row, self._exprs), self._exprs, self.symbol, {node})
        return self._exprs[node]

    @checked_options
    def node_expr(self, node: str) -> sympy.Expr:
        """The node's own op over its operands' symbols (``c*d``, not ``(a+b)*(b+1)``)."""
        node = self._node_of(node)
        return interpret.forms([(node, self.op(node), self.operands(node))], {}, self.symbol)[node]

    def _node_of(self, key: Any) -> str:
        """The node ``key`` names: a node, a name the user gave it (an element ``x[0]``, whose node is ``x_0``; an
        alias ``c`` of ``c = a``), an output's label (``f2``: :func:`~symgraph.names.output_labels`), or the sympy symbol standing for it (``g.nx.nodes[n]["symbol"]``); else a
        GraphError listing the nodes (it said "no node named c" for the Symbol c of node c)."""
        name = str(key) if isinstance(key, (sympy.Symbol, sympy.Indexed)) else key
        if name.__class__ is str and name in self._ops and isinstance(key, sympy.Basic) and self.symbol(name) != key:
            raise GraphError(f"{key} is another sympy symbol than the graph's {name} (a Symbol of other assumptions "
                             f"is another variable to sympy); pass the name {name!r}")
        if name.__class__ is str and name not in self._ops and self.addresses.get(name) is not None:
            name = self.addresses[name]
        if name.__class__ is str and name not in self._ops and self.outputs:  # an output's label: f, f2 (never a name
            labels = output_labels(self)  # of the graph's), as the repr, listings and results call it
            if name in labels:
                return self.outputs[labels.index(name)]
        self.op(name)
        return name
