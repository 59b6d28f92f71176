"""The computational graph: a hash-consed DAG of ops held in a ``networkx.DiGraph``.

Design choices, and why:

* **One node per distinct subexpression** (hash-consing; operands of ``add`` and
  ``mul`` are ordered in the key), so a variable or subexpression used twice is
  one node with two out-edges: parameter sharing is visible in the graph.
* **Node keys are names.** Inputs keep their own names; intermediates get the
  names a program assigned (``c = a + b``) or fresh ones ``v1, v2, ...`` that
  never clash with a name in the text.  ``g.nx`` therefore reads like the
  textbook drawing.
* **Constants are not nodes.** A literal such as the ``1`` of ``b + 1`` is kept
  in the operand list of the op that uses it; it has no derivative to carry and
  the textbook draws none.  A graph whose output is a bare constant gets one
  ``const`` node for it.  Constants are folded only when the result is small.
* **Repeated operands** (``x*x``, ``x+x``) keep one edge with a ``slots``
  attribute listing the operand positions it feeds; the edge's local derivative
  is the sum over its slots (2x for ``x*x``).  A plain ``DiGraph`` keeps every
  networkx algorithm (paths, generations, drawing) simple, and the slots keep
  both uses.
* **Nodes are created operands-first**, so node insertion order is a
  topological order; every traversal is a loop over it, never recursion, and
  10,000-deep graphs are fine.
* Each node stores its op and its operands' names, never its full expression;
  :meth:`Graph.expr` builds closed forms only on request.
"""
from __future__ import annotations

import gc
import keyword
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping, Sequence

import networkx as nx
import numpy as np
import sympy

from . import rules
from .errors import ExpressionTooLargeError, GraphError, UnsupportedOpError
from .listing import assignment

_constant_key = rules.constant_key


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a graph or program is built.

    Building allocates hundreds of thousands of small tuples and dicts and no
    reference cycles; the collector's repeated full scans of them cost a third
    of the time on large graphs.  The previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class GraphBuilder:
    """Builds a :class:`Graph` node by node with hash-consing and small-constant folding.

    The parser, :meth:`Graph.from_sympy` and multi-expression calls all build
    through this class, so every front end shares one graph discipline.
    """

    def __init__(self, reserved: Iterable[str] = ()):
        self._ops: list[str] = []
        self._operands: list[tuple] = []
        self._names: list[str | None] = []
        self._by_key: dict[tuple, int] = {}
        self._inputs: dict[str, int] = {}
        self._assigned: dict[str, Any] = {}
        self._reserved = set(reserved)

    # -- nodes ------------------------------------------------------------
    def _new(self, op_name: str, operands: tuple, name: str | None) -> int:
        self._ops.append(op_name)
        self._operands.append(operands)
        self._names.append(name)
        return len(self._ops) - 1

    def input(self, name: str) -> int:
        """The input node called ``name`` (created on first use)."""
        if name in self._assigned:
            return self.lookup(name)
        node = self._inputs.get(name)
        if node is None:
            node = self._inputs[name] = self._new("input", (), name)
        return node

    def op(self, name: str, *operands) -> Any:
        """The node for ``name(*operands)``, or a constant when the op folds."""
        row = rules.OPS.get(name) or rules.op(name)
        if len(operands) != row.arity:
            raise UnsupportedOpError(f"{name} takes {row.arity} operand(s), got {len(operands)}")
        ids = 0
        for x in operands:
            if x.__class__ is int:
                ids += 1
        if ids == len(operands):  # only node ids: the common case, keyed by the ids themselves
            if row.commutative and operands[1] < operands[0]:
                operands = operands[::-1]
            key = (name, *operands)
        else:
            if not ids:
                folded = rules.fold(name, operands)
                if folded is not None:
                    return folded
            keys = tuple((0, x) if x.__class__ is int else _constant_key(x) for x in operands)
            if row.commutative and keys[1] < keys[0]:
                keys, operands = keys[::-1], operands[::-1]
            key = (name, keys)
        node = self._by_key.get(key)
        if node is None:
            node = self._by_key[key] = self._new(name, tuple(operands), None)
        return node

    # -- names and outputs -------------------------------------------------
    def is_input(self, name: str) -> bool:
        return name in self._inputs

    def is_assigned(self, name: str) -> bool:
        return name in self._assigned

    def assign(self, name: str, ref: Any) -> None:
        """Give ``name`` to ``ref``: an unnamed op node takes it; otherwise it becomes an alias."""
        if isinstance(ref, int) and self._names[ref] is None:
            self._names[ref] = name
        self._assigned[name] = ref

    def lookup(self, name: str) -> Any:
        return self._assigned[name]

    def finish(self, outputs: Sequence[Any], output_names: Sequence[str | None] | None = None) -> "Graph":
        """Freeze into a :class:`Graph` whose outputs are ``outputs`` (node ids or constants)."""
        output_names = list(output_names or [None] * len(outputs))
        out_ids = []
        for ref, name in zip(outputs, output_names):
            if not isinstance(ref, int):  # a bare constant output gets a node of its own
                ref = self._new("const", (ref,), name if name and name not in self._inputs else None)
            out_ids.append(ref)
        taken = self._reserved | set(self._assigned) | set(self._inputs)
        taken |= {n for n in self._names if n}
        counter = 0
        names = list(self._names)
        for node, name in enumerate(names):
            if name is None:
                counter += 1
                while f"v{counter}" in taken:
                    counter += 1
                names[node] = f"v{counter}"

        def named(args: tuple) -> tuple:
            """Operands with node ids replaced by node names; constants stay."""
            if len(args) == 2:  # the common case, without a generator
                x, y = args
                return (names[x] if x.__class__ is int else x, names[y] if y.__class__ is int else y)
            return tuple(names[x] if x.__class__ is int else x for x in args)

        ops = dict(zip(names, self._ops))
        operands = dict(zip(names, map(named, self._operands)))
        return Graph.from_ops(ops, operands, tuple(self._inputs),
                              tuple(dict.fromkeys(names[i] for i in out_ids)))


class Graph:
    """A computational graph: ``g.nx`` is the ``networkx.DiGraph`` (edges operand -> result).

    Node attributes: ``op`` (a row name of :mod:`symgraph.rules`, ``"input"`` or
    ``"const"``), ``operands`` (operand node names or sympy constants, in order)
    and ``symbol`` (the sympy Symbol standing for the node).  Edge attribute
    ``slots``: the operand positions the edge feeds.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("c = a + b; d = b + 1; e = c * d")
    >>> g.inputs, g.outputs
    (('a', 'b'), ('e',))
    >>> g.evaluate(a=2, b=1)["e"]
    6.0
    """

    def __init__(self, nxgraph: nx.DiGraph | None, inputs: tuple[str, ...], outputs: tuple[str, ...]):
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self._exprs: dict[str, sympy.Expr] = {}
        self._nx = nxgraph
        if nxgraph is not None:
            self._ops = {node: data["op"] for node, data in nxgraph.nodes(data=True)}
            self._operands = {node: data["operands"] for node, data in nxgraph.nodes(data=True)}

    @classmethod
    def from_ops(cls, ops: dict[str, str], operands: dict[str, tuple], inputs: tuple[str, ...],
                 outputs: tuple[str, ...]) -> "Graph":
        """A graph from its light form: node name -> op and node name -> operands, in topological order.

        The networkx view ``g.nx`` is built on first access, so parsing and the
        sweeps (which read only the light form) never pay for it.
        """
        graph = cls(None, inputs, outputs)
        graph._ops, graph._operands = ops, operands
        return graph

    @property
    def nx(self) -> nx.DiGraph:
        """The ``networkx.DiGraph`` (edges operand -> result), built once on first access."""
        if self._nx is None:
            nxg = nx.DiGraph()
            operands = self._operands
            nxg.add_nodes_from((node, {"op": op_name, "symbol": sympy.Symbol(node), "operands": operands[node]})
                               for node, op_name in self._ops.items())
            nxg.add_edges_from((u, v, {"slots": slots}) for (u, v), slots in self.edge_slots().items())
            self._nx = nxg
        return self._nx

    def edge_slots(self) -> dict[tuple[str, str], tuple[int, ...]]:
        """Every edge ``(operand, result)`` with the operand positions it feeds, in creation order."""
        edges: dict[tuple[str, str], tuple] = {}
        for v, args in self._operands.items():
            for slot, u in enumerate(args):
                if u.__class__ is str:
                    key = (u, v)
                    edges[key] = edges.get(key, ()) + (slot,)
        return edges

    # -- construction -----------------------------------------------------
    @classmethod
    def from_sympy(cls, expr_or_list: "sympy.Expr | Sequence[sympy.Expr]") -> "Graph":
        """Graph of one sympy expression or several (outputs in the given order).

        Structurally equal subtrees become one node.  Supported: Add, Mul, Pow,
        numbers, ``pi``, ``E``, symbols, the grammar's functions (``Max(0, x)`` is
        relu) and Heaviside/sign; anything else raises UnsupportedOpError.
        """
        exprs = list(expr_or_list) if isinstance(expr_or_list, (list, tuple)) else [expr_or_list]
        builder = GraphBuilder()
        from .convert import add_sympy  # sympy -> builder, kept apart from the graph itself
        outputs = [add_sympy(builder, sympy.S(e) if isinstance(e, (int, float)) else e) for e in exprs]
        return builder.finish(outputs)

    # -- structure --------------------------------------------------------
    @property
    def order(self) -> list[str]:
        """Node names in topological order (creation order, operands first)."""
        return list(self._ops)

    def op(self, node: str) -> str:
        try:
            return self._ops[node]
        except (KeyError, TypeError):
            raise self._missing(node) from None

    def operands(self, node: str) -> tuple:
        try:
            return self._operands[node]
        except (KeyError, TypeError):
            raise self._missing(node) from None

    def symbol(self, node: str) -> sympy.Symbol:
        """The sympy Symbol standing for ``node`` (made on request: sympy caches symbols by name)."""
        if node not in self._ops:
            raise self._missing(node)
        return sympy.Symbol(node)

    def _missing(self, node) -> GraphError:
        return GraphError(f"no node named {node!r}; nodes: {', '.join(list(self._ops)[:20])}")

    def ancestors(self, node: str) -> set[str]:
        """Every node ``node`` depends on (not itself), found iteratively over operands."""
        operands, seen, stack = self._operands, set(), [node]
        while stack:
            for u in operands[stack.pop()]:
                if u.__class__ is str and u not in seen:
                    seen.add(u)
                    stack.append(u)
        return seen

    @property
    def output(self) -> str:
        """The single output's name; a clear error for multi-output graphs."""
        if len(self.outputs) != 1:
            raise GraphError(f"this graph has {len(self.outputs)} outputs {self.outputs}; "
                             "use jacobian() for several outputs")
        return self.outputs[0]

    def __len__(self) -> int:
        return len(self._ops)

    def __repr__(self) -> str:
        return (f"<Graph {len(self._ops)} nodes, {len(self.edge_slots())} edges, "
                f"inputs={self.inputs}, outputs={self.outputs}>")

    def __str__(self) -> str:
        """A let-listing: one line per op node in topological order (``c = a + b``), as programs print."""
        return "\n".join(assignment(node, self.op(node), self.operands(node))
                         for node in self.order if self.op(node) != "input")

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a Graph as its picture; None (the text repr) when no renderer works."""
        from .draw import picture_or_none  # lazy: drawing is optional and heavy to import

        return picture_or_none(self)

    # -- values and expressions -------------------------------------------
    def evaluate(self, **values: Any) -> dict[str, Any]:
        """Forward pass with numbers: every node's value (floats, or arrays for array inputs).

        Domain errors follow NumPy: ``log(-1)`` is nan and ``1/0`` is inf, with
        NumPy's RuntimeWarning, never an exception.  Constants take their
        float64 value (:func:`rules.constant_value`; ``9^9^9^9`` is inf).
        """
        result = check_values(self.inputs, values)
        value_of = rules.constant_value
        for node in self.order:
            op_name = self.op(node)
            if op_name == "input":
                continue
            args = [result[x] if isinstance(x, str) else value_of(x) for x in self.operands(node)]
            result[node] = args[0] if op_name == "const" else rules.op(op_name).numeric(*args)
        return {k: (float(v) if np.ndim(v) == 0 else v) for k, v in result.items()}

    def expr(self, node: str | None = None) -> sympy.Expr:
        """The full sympy expression of ``node`` (default: the output) in the inputs, built on request.

        Built iteratively; an expression nested deeper than ``rules.MAX_DEPTH``
        raises ExpressionTooLargeError (sympy could neither build nor print it:
        ``str(graph)`` is the let-listing of any graph).  Constants follow
        :func:`rules.constant_op`: ``9^9^9^9`` is oo here, as in the numbers.
        """
        node = self.output if node is None else node
        self.op(node)
        if node not in self._exprs:
            needed = self.ancestors(node) | {node}
            depth: dict[str, int] = {}
            ops = self._ops
            for name in ops:
                if name in needed:
                    depth[name] = max((depth[a] + rules.nesting(ops[name], ops[a], slot)
                                       for slot, a in enumerate(self._operands[name]) if a.__class__ is str),
                                      default=ops[name] not in ("input", "const"))
            if depth[node] > rules.MAX_DEPTH:
                raise ExpressionTooLargeError(
                    f"the expression of {node!r} is nested {depth[node]} levels deep, more than sympy can "
                    f"handle ({rules.MAX_DEPTH}); str(graph) lists it, graph.evaluate() computes it")
            for name in self._ops:
                if name in needed and name not in self._exprs:
                    self._exprs[name] = self._build_expr(name)
        return self._exprs[node]

    def _build_expr(self, node: str) -> sympy.Expr:
        op_name = self.op(node)
        if op_name == "input":
            return self.symbol(node)
        args = tuple(self._exprs[x] if isinstance(x, str) else rules.closed_constant(x) for x in self.operands(node))
        return args[0] if op_name == "const" else rules.build_sympy(op_name, args)

    def node_expr(self, node: str) -> sympy.Expr:
        """The node's own op over its operands' symbols (``c*d``, not ``(a+b)*(b+1)``)."""
        op_name = self.op(node)
        if op_name == "input":
            return self.symbol(node)
        args = tuple(self.symbol(x) if isinstance(x, str) else rules.closed_constant(x) for x in self.operands(node))
        return args[0] if op_name == "const" else rules.build_sympy(op_name, args)


def check_values(inputs: Sequence[str], values: Mapping[str, Any]) -> dict[str, Any]:
    """Input values as float64 scalars or arrays; a GraphError names missing and unknown inputs."""
    missing = [n for n in inputs if n not in values]
    known = set(inputs)
    unknown = [n for n in values if n not in known]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing value(s) for {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown input(s) {', '.join(unknown)} (inputs: {', '.join(inputs)})")
        raise GraphError("; ".join(parts))
    return {n: np.asarray(values[n], dtype=np.float64) if np.ndim(values[n]) else np.float64(values[n])
            for n in inputs}


def is_identifier(name: str) -> bool:
    """True when ``name`` can be a node name (a Python identifier that is no keyword)."""
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name)
