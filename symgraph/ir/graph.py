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

Graphs are built by :class:`~symgraph.ir.builder.GraphBuilder`; evaluation
and closed forms are the row walks of :mod:`symgraph.ir.interpret`.  A
graph's methods over those walks (:meth:`Graph.evaluate`, :meth:`Graph.expr`)
are in :mod:`~symgraph.ir.graph_values`, and those that read its inputs under
the user's names (indexed inputs, parameters, points) in
:mod:`~symgraph.ir.input_names`; :class:`Graph` mixes both in.
"""
from __future__ import annotations

from functools import cached_property
from operator import countOf
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, NamedTuple, Sequence

import sympy

from .. import ops
from ..options import checked_options, label_list
from ..errors import (ArgumentError, GraphError, GraphInputNodes, GraphOrder, GraphOutputs, counted, not_a_method,
                      refusing, refusing_class, shown_names, shown)
from ..names import Namer, output_labels
from .graph_values import GraphValues
from .hooks import SERVICES, service
from .input_names import IndexedInput, InputNames
from .listing import PRINT_ARGS, PRINT_LINES, assignment, check_lines, cut_listing

if TYPE_CHECKING:  # networkx is imported with the first view (Graph.nx): a third of importing symgraph
    import networkx as nx


class Group(NamedTuple):
    """One call of a function the text defined: its name and the nodes the call's expansion made."""

    name: str
    nodes: tuple[str, ...]


class Copies(NamedTuple):
    """How the parser made a graph from copies of one template, each the first with its elements moved.

    ``first`` is the first copy's node; ``elements`` maps each element it reads, by label, to its index along
    each axis as ``(a, b)``: ``a + b*j`` in copy j; ``count`` copies.  ``join`` is None when the copies are
    the outputs (``over=``), ``"add"`` when the output is their sum.  What lets one copy's program run over
    arrays of every copy's data (:mod:`symgraph.backends.copies`).
    """

    first: str
    elements: Mapping[str, tuple]
    count: int
    join: str | None

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise not_a_method("g.copies", "how the parser made the graph")


class Graph(InputNames, GraphValues):
    """A computational graph: ``g.nx`` is the ``networkx.DiGraph`` (edges operand -> result).

    Node attributes: ``name`` (the node's name as the user reads it: the key,
    or an element's label ``x[0]`` for the node ``x_0``), ``op`` (a row name of
    :mod:`symgraph.ops`, ``"input"`` or ``"const"``), ``operands`` (operand node
    names or sympy constants, in order) and ``symbol`` (the sympy Symbol
    standing for the node).  Edge attribute
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

    def __init__(self, op_of: dict[str, str], operands: dict[str, tuple], inputs: tuple[str, ...],
                 outputs: tuple[str, ...], addresses: Mapping[str, str | None] | None = None,
                 symbols: Mapping[str, sympy.Symbol] | None = None, groups: Sequence[Group] = (),
                 indexed: Mapping[str, IndexedInput] | None = None,
                 output_names: Sequence[str | None] | None = None, swept_conditions: Iterable[str] = ()):
        """A graph from its light form: node name -> op and node name -> operands, in topological order.

        ``addresses`` (user name -> node) defaults to the inputs; ``symbols`` maps input names to
        the user's own sympy Symbols (default: plain ``Symbol(name)``); ``output_names``, the name
        each output was asked by (an alias, ``d`` of ``c = a*b; d = c``) or None.  The
        networkx view ``g.nx`` is built on first access, so parsing and the
        sweeps (which read only the light form) never pay for it.
        """
        # every public attribute below refuses a call naming itself (g.op_of() said "'dict' object is not
        # callable"): the tables are taken as that class once, here (a copy only of a table built elsewhere)
        self._ops, self._operands = _as(op_of, "g.op_of"), _as(operands, "g.operands_of")
        #: the input nodes in order of first appearance, as ``g.nx`` keys them (an element's node ``x_0``);
        #: what users read is :attr:`inputs`
        self.input_nodes: tuple[str, ...] = GraphInputNodes(inputs)  # called as a method, it says to drop the ()
        #: output node names in order; a node may appear more than once (n functions in, n outputs)
        self.outputs = GraphOutputs(outputs)  # called as a method (g.outputs()), it says to drop the ()
        #: every name a user can address -> the node it stands for: the inputs, the names the text
        #: assigned, and aliases (``c = x``: c -> x; ``d`` assigned the same expression as ``c``:
        #: d -> c; a name assigned a constant -> None); generated names (``v2``, a renamed ``u1``)
        #: are not among them
        self.addresses: dict[str, str | None] = refusing_class(dict, "g.addresses")(
            {name: name for name in self.input_nodes} if addresses is None else addresses)
        #: the names a user can address (the keys of ``addresses``)
        self.user_names: frozenset[str] = refusing_class(frozenset, "g.user_names")(self.addresses)
        #: per output, the user name it was asked by when that is not its node's (``d`` of ``c = a*b; d = c``,
        #: whose output node is ``c``), else None: what formulas and tables call the output (names.output_labels)
        self.output_names: tuple[str | None, ...] = refusing_class(tuple, "g.output_names")(
            name if name != node and name in self.addresses and self.addresses[name] == node else None
            for node, name in zip(self.outputs, output_names or (None,) * len(self.outputs)))
        self._symbols: dict[str, sympy.Symbol] = dict(symbols or {})
        #: the calls of functions the text defined (``f(u) = ...``), each with the nodes its expansion made,
        #: outer calls before the calls inside them: drawings can box them
        self.groups: tuple[Group, ...] = refusing_class(tuple, "g.groups")(groups)
        #: indexed inputs by name (``x`` for ``x[0]``, ``x[1]``, ...): each element is an input node whose
        #: user name (an address) is its label ``x[0]``
        self.indexed: dict[str, IndexedInput] = refusing_class(dict, "g.indexed")(indexed or {})
        #: the condition nodes a sweep made, not the text (a program's guard of an untaken branch, ``not v1``,
        #: in :meth:`Program.as_graph <symgraph.ir.program.Program.as_graph>`): a select's closed form puts the
        #: text's own conditions first (:meth:`Program.graph_conditions <symgraph.ir.program.Program.graph_conditions>`)
        self.swept_conditions: frozenset[str] = refusing_class(frozenset, "g.swept_conditions")(swept_conditions)
        self._exprs: dict[str, sympy.Expr] = {}
        self._nx: nx.DiGraph | None = None
        #: set by the parser for a graph made of copies of one template (:class:`Copies`), else None
        self.copies: Copies | None = None
        #: set by the parser: names that several texts give different meanings (each text has its own
        #: assigned names, and ``addresses`` keeps the first's), which wrt= and outputs= refuse as ambiguous
        self.ambiguous: frozenset[str] = refusing(frozenset(), "g.ambiguous")

    @classmethod
    @checked_options
    def from_ops(cls, op_of: dict[str, str], operands: dict[str, tuple], inputs: tuple[str, ...],
                 outputs: tuple[str, ...], addresses: Mapping[str, str | None] | None = None,
                 symbols: Mapping[str, sympy.Symbol] | None = None, groups: Sequence[Group] = (),
                 indexed: Mapping[str, IndexedInput] | None = None,
                 output_names: Sequence[str | None] | None = None, swept_conditions: Iterable[str] = ()) -> "Graph":
        """The constructor, by the name that says what it takes (a graph's light form)."""
        return cls(op_of, operands, inputs, outputs, addresses, symbols, groups, indexed, output_names,
                   swept_conditions)

    @checked_options
    def renamed_apart(self, names: Iterable[str]) -> "Graph":
        """This graph, or a copy whose generated node names (``v1``, ...) are none of ``names``.

        A caller that brings names of its own into one program with the graph's
        nodes (the seed names of a directional derivative) moves the graph's
        invented names out of their way: the user's names are kept, so user
        names and generated names never meet.  Inputs and the names the text
        assigned keep their spelling.  A str is one name (:func:`~symgraph.options.label_list`).
        """
        wanted = set(label_list("Graph.renamed_apart()", names, "node name"))
        clash = {n for n in wanted if n in self._ops and n not in self.user_names and self._ops[n] != "input"}
        if not clash:
            return self
        namer = Namer(self._ops, self.user_names, wanted)
        new = {old: namer.fresh(old) for old in self._ops if old in clash}

        def renamed(args: tuple) -> tuple:
            return tuple(new.get(a, a) if a.__class__ is str else a for a in args)

        renamed_graph = Graph(
            {new.get(v, v): op for v, op in self._ops.items()},
            {new.get(v, v): renamed(args) for v, args in self._operands.items()},
            self.input_nodes, renamed(self.outputs),
            {name: new.get(node, node) if node is not None else None for name, node in self.addresses.items()},
            self._symbols, [Group(g.name, renamed(g.nodes)) for g in self.groups], self.indexed, self.output_names,
            renamed(tuple(self.swept_conditions)))
        renamed_graph.ambiguous = self.ambiguous
        return renamed_graph

    @property
    def nx(self) -> nx.DiGraph:
        """The ``networkx.DiGraph`` (edges operand -> result), built once on first access."""
        if self._nx is None:
            import networkx  # on the first view: parsing, deriving and compiling never need it
            nxg = refusing_class(networkx.DiGraph, "g.nx")()  # called as a method, it says to drop the ()
            operands = self._operands
            symbol = self.symbol
            label = self.element_labels or {}
            nxg.add_nodes_from((node, {"name": label.get(node, node), "op": op_name, "symbol": symbol(node),
                                       "operands": operands[node]})
                               for node, op_name in self._ops.items())
            nxg.add_edges_from((u, v, {"slots": slots}) for (u, v), slots in self.edge_slots().items())
            self._nx = nxg
        return self._nx

    @checked_options
    def edge_slots(self) -> dict[tuple[str, str], tuple[int, ...]]:
        """Every edge ``(operand, result)`` with the operand positions it feeds, in creation order."""
        edges: dict[tuple[str, str], tuple] = {}
        for v, args in self._operands.items():
            for slot, u in enumerate(args):
                if u.__class__ is str:
                    key = (u, v)
                    edges[key] = edges.get(key, ()) + (slot,)
        return edges

    @checked_options
    def edges(self) -> list[tuple[str, str]]:
        """Every edge ``(operand, result)`` in the order ``g.nx`` lists them (by operand in node order, then by
        result), read from the graph's own tables: what drawings and edge labels walk, so that a user's edit
        of the view (``g.nx.add_edge``, ``remove_edge``, relabelling) never reaches a result."""
        place = {node: k for k, node in enumerate(self._ops)}
        return sorted(self.edge_slots(), key=lambda edge: place[edge[0]])  # stable: by result within an operand

    # -- construction -----------------------------------------------------
    @classmethod
    @checked_options
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

    @checked_options
    def rows(self, backwards: bool = False) -> Iterator[tuple[str, str, tuple]]:
        """Every node as ``(name, op, operands)``, inputs included, in topological order or last first.

        Zipped from the graph's own tables in C: what keeps a pass over a
        million nodes close to the cost of the loop itself.
        """
        tables = (self._ops.keys(), self._ops.values(), self._operands.values())
        return zip(*map(reversed, tables)) if backwards else zip(*tables)

    @property
    def order(self) -> list[str]:
        """Node names in topological order (creation order, operands first); called as a method
        (``g.order()``), it says to drop the ()."""
        return GraphOrder(self._ops)

    @checked_options
    def op(self, node: str) -> str:
        """The op of ``node`` (``"input"``, ``"const"``, ``"add"``, ...); a GraphError for a name not in the graph."""
        try:
            return self._ops[node]
        except (KeyError, TypeError):
            raise self._missing(node) from None

    @checked_options
    def operands(self, node: str) -> tuple:
        """The operands of ``node``: node names and constants, in order; a GraphError for a name not in the graph."""
        try:
            return self._operands[node]
        except (KeyError, TypeError):
            raise self._missing(node) from None

    def _missing(self, node) -> GraphError:
        return GraphError(f"no node named {shown(node)}; nodes: {', '.join(list(self._ops)[:20])}")

    @checked_options
    def ancestors(self, node: str) -> set[str]:
        """Every node ``node`` depends on (not itself), found iteratively over operands."""
        operands, seen, stack = self._operands, set(), [node]
        self.operands(node)  # a GraphError naming the nodes for one the graph has not
        while stack:
            for u in operands[stack.pop()]:
                if u.__class__ is str and u not in seen:
                    seen.add(u)
                    stack.append(u)
        return seen

    @property
    def output(self) -> str:
        """The single output's name; a clear error for multi-output graphs."""
        if not self.outputs:  # grad([]): no function was given, and jacobian() is no way out
            raise GraphError("this graph has no output: give a function (an empty list of functions has none)")
        if len(self.outputs) != 1:
            raise GraphError(f"this graph has {len(self.outputs)} outputs ({shown_names(output_labels(self))}); "
                             "use jacobian() for several outputs")  # named as results name them, not by node
        return self.outputs[0]  # a node name, plain: names are told from constants by their class

    def __len__(self) -> int:
        return len(self._ops)

    def __iter__(self):
        """Refused with a clear error (``in`` too): a Graph has a length (its nodes), so ``for n in g`` and ``"c" in
        g`` looked meant, and Python refused them with its own TypeError naming no way to do it."""
        raise ArgumentError("a Graph is not iterable: its nodes are g.order (or g.nx.nodes, networkx's view), its "
                            "inputs g.inputs, its outputs g.outputs, the names a user gave g.addresses")

    def __contains__(self, item: object) -> bool:
        return self.__iter__()

    def __call__(self, *args: object, **kwargs: object) -> None:
        """Refused, saying how to compute it: ``g(x=1)``, and a result's ``.graph()`` called as a method (``gradient.graph()``,
        ``program.graph()``), raised "'Graph' object is not callable"."""
        raise ArgumentError("a Graph is not callable (nor is a result's .graph a method): g.evaluate(x=...) gives "
                            "every node's value at a point, sg.lambdify(g) compiles it to a function of its inputs")

    def __eq__(self, other: object) -> bool:
        """Graphs of the same nodes (ops and operands), inputs, outputs and names are equal, as two parses of
        one text are: a graph is a value, like the expression it stands for (equality was identity)."""
        if not isinstance(other, Graph):
            return NotImplemented
        return self is other or (
            self.input_nodes == other.input_nodes and self.outputs == other.outputs and self.output_names == other.output_names
            and self._ops == other._ops and self._operands == other._operands and self.addresses == other.addresses
            and self.groups == other.groups and self.indexed == other.indexed
            and all(self.symbol(x) == other.symbol(x) for x in self.input_nodes))  # the user's own, or Symbol(x)

    def __hash__(self) -> int:  # equal graphs have these alike; cheap whatever the size
        return hash((self.input_nodes, self.outputs, len(self._ops)))

    def __repr__(self) -> str:
        """One short line whatever the size: counts, and the first few inputs and outputs, by the names the rest of
        the library prints (``x[0]``, not the node ``x_0``; ``f`` for an unnamed output, not ``v3``)."""
        return (f"<Graph {counted(len(self._ops), 'node')}, {counted(self.edge_count, 'edge')}, "
                f"inputs={_few(self.input_labels)}, outputs={_few(output_labels(self))}>")

    @cached_property
    def called_names(self) -> frozenset[str]:
        """The functions the graph calls by a name an output label must not take: those its text defined
        (``f(u) = u^2``) and registered ones (:func:`symgraph.function`), so ``f(y)^2`` is labelled ``g``."""
        return refusing_class(frozenset, "g.called_names")({group.name for group in self.groups}
                                                           | (set(self._ops.values()) & ops.USER.keys()))

    @cached_property
    def edge_count(self) -> int:
        """The number of edges (distinct operand -> result pairs), counted without making them (a set per
        node took 1.4 s of a repr at 900,000 nodes)."""
        count = 0
        for args in self._operands.values():
            if len(args) == 2:  # the usual node, without a set
                x, y = args
                count += (x.__class__ is str) + (y.__class__ is str and y != x)
            elif len(args) == 1:
                count += args[0].__class__ is str
            elif args:
                count += len({u for u in args if u.__class__ is str})
        return refusing(count, "g.edge_count")

    def __str__(self) -> str:
        """The let-listing (:meth:`listing`), cut to its first and last lines beyond :data:`PRINT_LINES`."""
        return self.listing(PRINT_LINES)

    @checked_options
    def listing(self, limit: int | None = None) -> str:
        """A let-listing: one line per op node in topological order (``c = a + b``), as programs print.

        Every line, or with ``limit`` the first and last ``limit // 2`` and one
        counting the rest, each op's operands cut to :data:`~symgraph.ir.listing.PRINT_ARGS`.  A graph of inputs alone (``parse("x")``) says so,
        rather than printing nothing.
        """
        total = len(self._ops) - countOf(self._ops.values(), "input")
        names = self.element_labels  # x[0], as the user wrote it, not its node's name x_0
        if not total:
            check_lines(limit)
            outputs = [names[y] for y in self.outputs] if names else self.outputs
            if not outputs:  # Program.as_graph([]): printed "the output is , an input"
                return f"# no operations and no outputs (inputs: {shown_names(self.input_labels) or 'none'})"
            return f"# no operations: the output{'s are' if len(outputs) > 1 else ' is'} " \
                   f"{shown_names(outputs)}, {'inputs' if len(outputs) > 1 else 'an input'}"
        most = None if limit is None else PRINT_ARGS  # a cut listing cuts long lines too
        forwards, backwards = ((assignment(*row, names, most) for row in self.rows(last_first) if row[1] != "input")
                               for last_first in (False, True))
        return cut_listing(forwards, backwards, total, limit, "graph.listing() writes every line")

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a Graph as its picture; None (the text repr) when no renderer works."""
        picture = SERVICES.get("picture")  # registered by symgraph.export.draw (symgraph.ir.hooks)
        return None if picture is None else picture(self)


def _as(table: dict, read_as: str) -> dict:
    """``table`` as the class of :func:`~symgraph.errors.refusing_class` for ``read_as``: itself when it is one."""
    kind = refusing_class(dict, read_as)
    return table if table.__class__ is kind else kind(table)


def _few(names: tuple[str, ...], limit: int = 8) -> str:
    """``names`` as a tuple literal, cut to its first ``limit`` entries with a count of the rest."""
    if len(names) <= limit:
        return repr(names)
    return "(" + ", ".join(map(repr, names[:limit])) + f", ... {len(names) - limit:,} more)"
