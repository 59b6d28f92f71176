"""The computational graph: a hash-consed DAG of ops held in a ``networkx.DiGraph``.

Design choices, and why:

* **One node per distinct subexpression** (hash-consing; operands of ``add`` and
  ``mul`` are ordered in the key), so a variable or subexpression used twice is
  one node with two out-edges: parameter sharing is visible in the graph.
* **Node keys are names.** Inputs keep their own names; intermediates get the
  names a program assigned (``c = a + b``) or fresh ones ``v1, v2, ...`` that
  never clash with a name in the text (the rules are in :mod:`symgraph.names`;
  ``g.user_names`` tells the two kinds apart).  ``g.nx`` therefore reads like
  the textbook drawing.
* **Outputs are positions**, not a set: n functions in give n outputs, in
  order, even when two are the same node.
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

from typing import Any, Iterable, Iterator, Mapping, Sequence

import networkx as nx
import numpy as np
import sympy

from .. import ops
from ..binding import check_values
from ..errors import ExpressionTooLargeError, GraphError, UnsupportedOpError
from ..names import Namer
from .hooks import SERVICES, service
from .listing import assignment

_constant_key = ops.constant_key


class GraphBuilder:
    """Builds a :class:`Graph` node by node with hash-consing and small-constant folding.

    The parser, :meth:`Graph.from_sympy` and multi-expression calls all build
    through this class, so every front end shares one graph discipline.  The
    builder knows nodes, inputs (shared by name) and the names front ends ask
    for (:meth:`assign`); which name each node finally gets is decided once,
    in :meth:`finish`, by the rules of :mod:`symgraph.names`.
    """

    def __init__(self, reserved: Iterable[str] = ()):
        self._ops: list[str] = []
        self._operands: list[tuple] = []
        self._by_key: dict[tuple, int] = {}
        self._inputs: dict[str, int] = {}
        self._symbols: dict[str, sympy.Symbol] = {}
        self._requests: list[tuple[int, str]] = []  # (node, name asked for), in the order asked
        self._reserved = set(reserved)

    # -- nodes ------------------------------------------------------------
    def _new(self, op_name: str, operands: tuple) -> int:
        self._ops.append(op_name)
        self._operands.append(operands)
        return len(self._ops) - 1

    def input(self, name: str, symbol: sympy.Symbol | None = None) -> int:
        """The input node called ``name`` (created on first use).

        ``symbol``: the user's own sympy Symbol for it (kept with its
        assumptions); two different Symbols of one name are an error.
        """
        node = self._inputs.get(name)
        if node is None:
            node = self._inputs[name] = self._new("input", ())
        if symbol is not None:
            known = self._symbols.setdefault(name, symbol)
            if known != symbol:
                raise UnsupportedOpError(
                    f"two different symbols are both named {name!r}: {sympy.srepr(known)} and "
                    f"{sympy.srepr(symbol)}; a graph input has one symbol, so rename one of them")
        return node

    def op(self, name: str, *operands) -> Any:
        """The node for ``name(*operands)``, or a constant when the op folds."""
        row = ops.OPS.get(name) or ops.op(name)
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
                folded = ops.fold(name, operands)
                if folded is not None:
                    return folded
            keys = tuple((0, x) if x.__class__ is int else _constant_key(x) for x in operands)
            if row.commutative and keys[1] < keys[0]:
                keys, operands = keys[::-1], operands[::-1]
            key = (name, keys)
        node = self._by_key.get(key)
        if node is None:
            node = self._by_key[key] = self._new(name, tuple(operands))
        return node

    def const(self, value: Any) -> int:
        """A ``const`` node holding ``value`` (for an output that is a bare constant); one per value."""
        key = ("const", _constant_key(value))
        node = self._by_key.get(key)
        if node is None:
            node = self._by_key[key] = self._new("const", (value,))
        return node

    # -- names and outputs -------------------------------------------------
    def is_input(self, name: str) -> bool:
        return name in self._inputs

    def assign(self, name: str, ref: Any) -> None:
        """Ask for ``name`` as the name of ``ref`` (a node id or a constant).

        An op node may take the name; for an input, a constant or a node that
        already has a name, ``name`` becomes an alias: the graph still knows
        which node it stands for (:attr:`Graph.addresses`).
        """
        self._requests.append((ref, name))

    def _names(self) -> tuple[list[str], dict[str, str | None]]:
        """Every node's name, and where each user name points (see :mod:`symgraph.names` for the rules).

        Inputs keep their names; a node takes the first name asked for it
        that is no input and no other node's; the rest get fresh names that
        avoid every word of the texts (``reserved``) and every name given.
        """
        names: list[str | None] = [None] * len(self._ops)
        for name, node in self._inputs.items():
            names[node] = name
        kept: dict[str, int] = {}
        wanted: dict[int, str] = {}
        for node, name in self._requests:
            if node.__class__ is not int or self._ops[node] == "input":
                continue  # an alias of an input or a constant: it names no node of its own
            wanted.setdefault(node, name)
            if names[node] is None and name not in self._inputs and name not in kept:
                kept[name] = node
                names[node] = name
        namer = Namer(self._reserved, self._inputs, kept)
        for node, name in wanted.items():  # assignments that lost their name: a fresh one like it
            if names[node] is None:
                names[node] = namer.fresh(name)
        generated = namer.sequence("v").__next__
        names = [generated() if name is None else name for name in names]
        addresses: dict[str, str | None] = {name: name for name in self._inputs}
        for ref, name in self._requests:  # the first meaning of a name wins; inputs always keep theirs
            if name not in addresses:
                addresses[name] = names[ref] if ref.__class__ is int else None  # None: a constant
        return names, addresses

    def finish(self, outputs: Sequence[Any], output_names: Sequence[str | None] | None = None) -> "Graph":
        """Freeze into a :class:`Graph` whose outputs are ``outputs`` (node ids or constants), in order.

        Repeated outputs stay repeated: n outputs in give n outputs out.
        ``output_names`` are the names asked for outputs that are bare
        constants (each gets a ``const`` node).
        """
        output_names = list(output_names or [None] * len(outputs))
        out_ids = []
        for ref, name in zip(outputs, output_names):
            if ref.__class__ is not int:  # a bare constant output gets a node of its own
                ref = self.const(ref)
                if name:
                    self.assign(name, ref)
            out_ids.append(ref)
        names, addresses = self._names()

        def named(args: tuple) -> tuple:
            """Operands with node ids replaced by node names; constants stay."""
            if len(args) == 2:  # the common case, without a generator
                x, y = args
                return (names[x] if x.__class__ is int else x, names[y] if y.__class__ is int else y)
            return tuple(names[x] if x.__class__ is int else x for x in args)

        ops = dict(zip(names, self._ops))
        operands = dict(zip(names, map(named, self._operands)))
        return Graph.from_ops(ops, operands, tuple(self._inputs), tuple(names[i] for i in out_ids),
                              addresses=addresses, symbols=self._symbols)


class Graph:
    """A computational graph: ``g.nx`` is the ``networkx.DiGraph`` (edges operand -> result).

    Node attributes: ``op`` (a row name of :mod:`symgraph.ops`, ``"input"`` or
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

    def __init__(self, nxgraph: nx.DiGraph | None, inputs: tuple[str, ...], outputs: tuple[str, ...],
                 addresses: Mapping[str, str | None] | None = None,
                 symbols: Mapping[str, sympy.Symbol] | None = None):
        self.inputs = tuple(inputs)
        #: output node names in order; a node may appear more than once (n functions in, n outputs)
        self.outputs = tuple(outputs)
        #: every name a user can address -> the node it stands for: the inputs, the names the text
        #: assigned, and aliases (``c = x``: c -> x; ``d`` assigned the same expression as ``c``:
        #: d -> c; a name assigned a constant -> None); generated names (``v2``, a renamed ``u1``)
        #: are not among them
        self.addresses: dict[str, str | None] = dict(
            {name: name for name in self.inputs} if addresses is None else addresses)
        #: the names a user can address (the keys of ``addresses``)
        self.user_names: frozenset[str] = frozenset(self.addresses)
        self._symbols: dict[str, sympy.Symbol] = dict(symbols or {})
        self._exprs: dict[str, sympy.Expr] = {}
        self._nx = nxgraph
        if nxgraph is not None:
            self._ops = {node: data["op"] for node, data in nxgraph.nodes(data=True)}
            self._operands = {node: data["operands"] for node, data in nxgraph.nodes(data=True)}

    @classmethod
    def from_ops(cls, ops: dict[str, str], operands: dict[str, tuple], inputs: tuple[str, ...],
                 outputs: tuple[str, ...], addresses: Mapping[str, str | None] | None = None,
                 symbols: Mapping[str, sympy.Symbol] | None = None) -> "Graph":
        """A graph from its light form: node name -> op and node name -> operands, in topological order.

        ``addresses`` (user name -> node) defaults to the inputs; ``symbols`` maps input names to
        the user's own sympy Symbols (default: plain ``Symbol(name)``).  The
        networkx view ``g.nx`` is built on first access, so parsing and the
        sweeps (which read only the light form) never pay for it.
        """
        graph = cls(None, inputs, outputs, addresses, symbols)
        graph._ops, graph._operands = ops, operands
        return graph

    @property
    def nx(self) -> nx.DiGraph:
        """The ``networkx.DiGraph`` (edges operand -> result), built once on first access."""
        if self._nx is None:
            nxg = nx.DiGraph()
            operands = self._operands
            symbol = self.symbol
            nxg.add_nodes_from((node, {"op": op_name, "symbol": symbol(node), "operands": operands[node]})
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

        Structurally equal subtrees become one node; a list of n expressions
        gives n outputs, even when two are the same.  The graph keeps the
        user's own Symbols (with their assumptions): :meth:`symbol` and
        :meth:`expr` return them.  Supported: Add, Mul, Pow, numbers, ``pi``,
        ``E``, symbols, the grammar's functions (``Max(0, x)`` is relu) and
        Heaviside/sign; anything else, and two different Symbols with one
        name, raises UnsupportedOpError.
        """
        return service("from_sympy")(expr_or_list)  # the front end registers it (symgraph.ir.hooks)

    # -- structure --------------------------------------------------------
    @property
    def op_of(self) -> Mapping[str, str]:
        """Node name -> op, in topological order: the table the sweeps read (do not modify it)."""
        return self._ops

    @property
    def operands_of(self) -> Mapping[str, tuple]:
        """Node name -> operand names and constants, in topological order (do not modify it)."""
        return self._operands

    def rows(self, backwards: bool = False) -> Iterator[tuple[str, str, tuple]]:
        """Every node as ``(name, op, operands)``, inputs included, in topological order or last first.

        Zipped from the graph's own tables in C: what keeps a pass over a
        million nodes close to the cost of the loop itself.
        """
        tables = (self._ops.keys(), self._ops.values(), self._operands.values())
        return zip(*map(reversed, tables)) if backwards else zip(*tables)

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
        """The sympy Symbol standing for ``node``: the user's own for an input of :meth:`from_sympy`
        (assumptions kept), else ``Symbol(node)`` (made on request: sympy caches symbols by name)."""
        symbol = self._symbols.get(node)
        if symbol is not None:
            return symbol
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
        """One short line whatever the size: counts, and the first few inputs and outputs."""
        edges = sum(len({u for u in args if u.__class__ is str}) for args in self._operands.values())
        return f"<Graph {len(self._ops)} nodes, {edges} edges, inputs={_few(self.inputs)}, outputs={_few(self.outputs)}>"

    def __str__(self) -> str:
        """A let-listing: one line per op node in topological order (``c = a + b``), as programs print."""
        return "\n".join(assignment(node, self.op(node), self.operands(node))
                         for node in self.order if self.op(node) != "input")

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a Graph as its picture; None (the text repr) when no renderer works."""
        picture = SERVICES.get("picture")  # registered by symgraph.export.draw (symgraph.ir.hooks)
        return None if picture is None else picture(self)

    # -- values and expressions -------------------------------------------
    def evaluate(self, /, **values: Any) -> dict[str, Any]:
        """Forward pass with numbers: every node's value (floats, or arrays for array inputs).

        Domain errors follow NumPy: ``log(-1)`` is nan and ``1/0`` is inf, with
        NumPy's RuntimeWarning, never an exception.  Constants take their
        float64 value (:func:`ops.constant_value`; ``9^9^9^9`` is inf).
        """
        result = check_values(self.inputs, values)
        value_of = ops.constant_value
        for node in self.order:
            op_name = self.op(node)
            if op_name == "input":
                continue
            args = [result[x] if isinstance(x, str) else value_of(x) for x in self.operands(node)]
            result[node] = args[0] if op_name == "const" else ops.op(op_name).numeric(*args)
        return {k: (float(v) if np.ndim(v) == 0 else v) for k, v in result.items()}

    def expr(self, node: str | None = None) -> sympy.Expr:
        """The full sympy expression of ``node`` (default: the output) in the inputs, built on request.

        Built iteratively; an expression nested deeper than ``ops.MAX_DEPTH``
        raises ExpressionTooLargeError (sympy could neither build nor print it:
        ``str(graph)`` is the let-listing of any graph).  Constants follow
        :func:`ops.constant_op`: ``9^9^9^9`` is oo here, as in the numbers.
        """
        node = self.output if node is None else node
        self.op(node)
        if node not in self._exprs:
            needed = self.ancestors(node) | {node}
            depth: dict[str, int] = {}
            op_of = self._ops
            for name in op_of:
                if name in needed:
                    depth[name] = max((depth[a] + ops.nesting(op_of[name], op_of[a], slot)
                                       for slot, a in enumerate(self._operands[name]) if a.__class__ is str),
                                      default=op_of[name] not in ("input", "const"))
            if depth[node] > ops.MAX_DEPTH:
                raise ExpressionTooLargeError(
                    f"the expression of {node!r} is nested {depth[node]} levels deep, more than sympy can "
                    f"handle ({ops.MAX_DEPTH}); str(graph) lists it, graph.evaluate() computes it")
            for name in self._ops:
                if name in needed and name not in self._exprs:
                    self._exprs[name] = self._build_expr(name)
        return self._exprs[node]

    def _build_expr(self, node: str) -> sympy.Expr:
        op_name = self.op(node)
        if op_name == "input":
            return self.symbol(node)
        args = tuple(self._exprs[x] if isinstance(x, str) else ops.closed_constant(x) for x in self.operands(node))
        return args[0] if op_name == "const" else ops.build_sympy(op_name, args)

    def node_expr(self, node: str) -> sympy.Expr:
        """The node's own op over its operands' symbols (``c*d``, not ``(a+b)*(b+1)``)."""
        op_name = self.op(node)
        if op_name == "input":
            return self.symbol(node)
        args = tuple(self.symbol(x) if isinstance(x, str) else ops.closed_constant(x) for x in self.operands(node))
        return args[0] if op_name == "const" else ops.build_sympy(op_name, args)


def _few(names: tuple[str, ...], limit: int = 8) -> str:
    """``names`` as a tuple literal, cut to its first ``limit`` entries with a count of the rest."""
    if len(names) <= limit:
        return repr(names)
    return "(" + ", ".join(map(repr, names[:limit])) + f", ... {len(names) - limit:,} more)"
