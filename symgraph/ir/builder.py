"""Building a :class:`~symgraph.ir.graph.Graph`: hash-consing, small-constant folding and node names.

Every front end (the text parser, sympy conversion, several texts at once)
builds through :class:`GraphBuilder`, so every graph follows one discipline:
one node per distinct subexpression (commutative operands in the order of
:func:`constants.ordered`), constants folded only when small (:func:`constants.fold`),
and names given once, at the end, by the rules of :mod:`symgraph.names`.
"""
from __future__ import annotations

import bisect
from collections import defaultdict, deque
from operator import itemgetter
from typing import Any, Iterable, Sequence

import numpy as np
import sympy

from .. import ops
from .. import constants
from ..errors import GraphError, UnsupportedOpError
from ..names import Namer
from .graph import Graph, Group
from .input_names import IndexedInput, element_label

_constant_key = constants.constant_key
_TRUE, _FALSE = sympy.true, sympy.false
#: the built-in rows :meth:`GraphBuilder.op` builds on nodes that are no conditions without a check
#: (the arithmetic operators and functions: no condition, no where): binary op -> whether it commutes,
#: and the unary ones
_PLAIN2 = {row.name: row.commutative for row in ops.OPS.values()
           if row.arity == 2 and not row.condition and row.kinds == "vv"}
_PLAIN1 = frozenset(row.name for row in ops.OPS.values() if row.arity == 1 and not row.condition and row.kinds == "v")


#: why a graph's output may not be a condition (the parser and the sympy frontend say it alike)
CONDITION_RESULT = ("the result is a condition, not a number: a function's value is a number "
                    "(where(condition, 1, 0) gives its 0/1 value)")


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
        #: op name -> its nodes on nodes, keyed by operand ids: one id (unary) or their pair, which is also the
        #: node's operand tuple (the arithmetic rows on nodes that are no conditions, made by op and binary only)
        self._on_nodes: defaultdict[str, dict] = defaultdict(dict)
        self._folds: dict[tuple, tuple] = {}  # (op, id, id) -> (operand, operand, folded constant or None)
        self._inputs: dict[str, int] = {}
        self._symbols: dict[str, sympy.Symbol] = {}
        #: the nodes whose value is a condition (see :meth:`is_condition`)
        self._conditions: set[int] = set()
        #: indexed inputs by name -> their nodes keyed by index; input node -> (name, index); extents declared
        self._indexed: dict[str, dict[tuple, int]] = {}
        self._declared: dict[str, tuple[int, ...]] = {}
        self._index_of: dict[int, tuple[str, tuple]] = {}
        #: indexed inputs written only where no element is made (``sum(x[i], i, 0, n-1)`` at n = 0): their number
        #: of indices and where they first appeared (the count of nodes then), for their place among the inputs
        self._unmade: dict[str, tuple[int, int]] = {}
        #: calls of text definitions: (name, first node id, one past the last), in the order they began
        self._groups: list[list] = []
        #: True once a condition was made (folded or not): from then on every op checks its operands' kinds
        self._checking = False
        self._requests: list[tuple[int, str]] = []  # (node, name asked for), in the order asked
        self._reserved = set(reserved)
        self._inputs_below: dict[int, frozenset] = {}  # node -> the input nodes it reads (inputs_under)

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
            if name in self._indexed:
                used = self._indexed[name]
                raise GraphError(f"{name!r} is used with indices ("
                                 + (element_label(name, next(iter(used))) if used else f"{name}[...]")
                                 + ") and without: an input is either indexed or not")
            node = self._inputs[name] = self._new("input", ())
        if symbol is not None:
            known = self._symbols.setdefault(name, symbol)
            if known != symbol:
                raise UnsupportedOpError(
                    f"two different symbols are both named {name!r}: {sympy.srepr(known)} and "
                    f"{sympy.srepr(symbol)}; a graph input has one symbol, so rename one of them")
        return node

    def op(self, name: str, *operands) -> Any:
        """The node for ``name(*operands)``, or a constant when the op folds.

        Conditions (comparisons, ``and``, ``or``, ``not``) go only where a
        row's ``kinds`` takes one: anything else is a :class:`GraphError`
        saying which operand is wrong (:func:`kind_error`).

        The common case comes first: a built-in arithmetic row or function
        on one or two nodes that are no conditions (nothing to fold or
        check), hash-consed with the key :func:`constants.ordered` makes.
        """
        if len(operands) == 2:
            return self.binary(name, *operands)
        if len(operands) == 1:
            x = operands[0]
            if x.__class__ is int and name in _PLAIN1 and x not in self._conditions:
                return self._hashed(self._on_nodes[name], x, name, operands)
        return self._op(name, operands)

    def binary(self, name: str, x: Any, y: Any) -> Any:
        """:meth:`op` of two operands (the parser calls it once per binary operator of the text).

        In line for a built-in arithmetic row or function on a node and a
        node or a number (nothing to fold, nothing to check when no operand
        is a condition), keyed as :func:`constants.ordered` keys it.
        """
        commutative = _PLAIN2.get(name)
        if commutative is not None:
            conditions = self._conditions
            if x.__class__ is int:
                if y.__class__ is int:
                    if not (conditions and (x in conditions or y in conditions)):
                        key = (y, x) if commutative and y < x else (x, y)
                        table = self._on_nodes[name]  # _hashed in line: the parser's hottest row (5-10%)
                        node = table.get(key)
                        if node is None:
                            node = table[key] = len(self._ops)
                            self._ops.append(name)
                            self._operands.append(key)
                        return node
                elif y is not _TRUE and y is not _FALSE and x not in conditions:
                    key = (name, x, _constant_key(y))  # a node comes before a constant
                    return self._hashed(self._by_key, key, name, (x, y))
            elif y.__class__ is int and x is not _TRUE and x is not _FALSE and y not in conditions:
                key = (name, y, _constant_key(x)) if commutative else (name, _constant_key(x), y)
                return self._hashed(self._by_key, key, name, (y, x) if commutative else (x, y))
        return self._op(name, (x, y))

    def _hashed(self, table: dict, key: Any, name: str, operands: tuple) -> int:
        """The node ``table`` holds under ``key``, or a new row ``name(*operands)`` entered there."""
        node = table.get(key)
        if node is None:
            node = table[key] = len(self._ops)
            self._ops.append(name)
            self._operands.append(operands)
        return node

    def _op(self, name: str, operands: tuple) -> Any:
        """:meth:`op` in general: any operands, folding and checking."""
        row = op_row(name, operands)
        if self._checking or row.condition or row.name == "where":
            self._checking = self._checking or row.condition
            folded = checked_fold(row, operands, kind_error(row, [self.is_condition(x) for x in operands]))
            if folded is not None:
                return folded
        # a node id keys itself, a constant by its cheap key (a tuple); no generator per node:
        # the parser calls this once per operator of the text
        if len(operands) == 2:
            x, y = operands
            kx = x if x.__class__ is int else _constant_key(x)
            ky = y if y.__class__ is int else _constant_key(y)
            if kx.__class__ is tuple and ky.__class__ is tuple:
                folded = self._fold(name, x, y)
                if folded is not None:
                    return folded
            key = constants.ordered(name, kx, ky)
            if key[1] is not kx:
                operands = (y, x)
        elif len(operands) == 1:
            (x,) = operands
            if x.__class__ is int:
                key = (name, x)
            else:
                folded = constants.fold(name, operands)
                if folded is not None:
                    return folded
                key = (name, _constant_key(x))
        else:
            key = (name, *(x if x.__class__ is int else _constant_key(x) for x in operands))
        node = self._by_key.get(key)
        if node is None:
            node = self._by_key[key] = self._new(name, tuple(operands))
            if row.condition:
                self._conditions.add(node)
        return node

    def _fold(self, name: str, x: Any, y: Any) -> Any:
        """:func:`constants.fold` of two constants, remembered by the operands' identities (sympy
        arithmetic costs tens of microseconds; a text repeats its literals, which the parser makes
        once each).  The memo keeps the operands alive, so an identity is never reused."""
        key = (name, id(x), id(y))
        known = self._folds.get(key)
        if known is None:
            known = self._folds[key] = (x, y, constants.fold(name, (x, y)))
        return known[2]

    def indexed_input(self, name: str, index: tuple[int, ...]) -> int:
        """The input node of element ``index`` of the indexed input ``name`` (``x[3]``), created on first use.

        An indexed input's extent is found once, in :meth:`finish`, from the
        indices used (a reduction over a million elements would otherwise
        grow it a million times).
        """
        nodes = self._indexed.get(name)
        if nodes is None:
            if name in self._inputs:
                raise GraphError(f"{name!r} is used without indices and with them ({name}[...]): "
                                 "an input is either indexed or not")
            nodes = self._indexed[name] = {}
        node = nodes.get(index)
        if node is None:
            rank = self.rank(name)
            if rank is not None and rank != len(index):
                raise GraphError(f"{name} takes {rank} ind{'ex' if rank == 1 else 'ices'}"
                                 + (f" ({element_label(name, next(iter(nodes)))})" if nodes else "")
                                 + f", got {element_label(name, index)}")
            node = nodes[index] = len(self._ops)
            self._ops.append("input")
            self._operands.append(())
            self._index_of[node] = (name, index)
        return node

    def repeat(self, fixed: Sequence[Any], steps: Sequence[tuple], result: int, values: range, join: str,
               acc: int) -> int | None:
        """``acc`` joined (``join``, left to right) with one term per index value: the nodes of ``values``'
        terms, each made by the template ``steps``; None (nothing made) when the template is not one this
        loop takes, and the caller builds the terms one call at a time.

        The slots are ``fixed`` (the operands the template reads from outside), then one per step:
        ``(1, op, x)`` and ``(2, op, x, y)`` on slots, ``(3, vector, a, b)`` the element ``vector[a + b*value]``
        (already in range).  Every node is made as :meth:`binary`, :meth:`op` and :meth:`indexed_input` make
        it, in the same order, with the same keys: the graph is the one the calls give, node for node.
        Why one loop: a call per builder step and per step kind cost 12-24 µs a term (a sum's terms are most
        of a large text's graph); here a step is a dict lookup, and the tables are looked up once per template.
        """
        conditions, by_key, on_nodes = self._conditions, self._by_key, self._on_nodes
        joined = _PLAIN2.get(join)
        if joined is None or acc.__class__ is not int or acc in conditions:
            return None
        for x in fixed:
            if x.__class__ is int and x in conditions or x is _TRUE or x is _FALSE:
                return None
        base, plan = len(fixed), []
        for step in steps:
            code, name = step[0], step[1]
            if code == 3:
                nodes = self._indexed.get(name)
                if not nodes or self.rank(name) != 1:
                    return None
                plan.append((0, nodes, step[2], step[3], name))
            elif code == 1:
                if name not in _PLAIN1 or step[2] < base and fixed[step[2]].__class__ is not int:
                    return None
                plan.append((1, on_nodes[name], step[2], None, name))
            elif code == 2 and name in _PLAIN2:
                x, y = step[2], step[3]
                x_node = x >= base or fixed[x].__class__ is int
                y_node = y >= base or fixed[y].__class__ is int
                if x_node and y_node:
                    plan.append((2, on_nodes[name], x, y, name, _PLAIN2[name]))
                elif x_node:  # a node, then a constant: keyed (op, node, constant)
                    plan.append((3, name, x, _constant_key(fixed[y]), False, (x, y)))
                elif y_node:
                    commutative = _PLAIN2[name]
                    plan.append((3, name, y, _constant_key(fixed[x]), not commutative, (y, x) if commutative else (x, y)))
                else:
                    return None
            else:
                return None
        ops_, operands_, index_of = self._ops, self._operands, self._index_of
        append_op, append_operands = ops_.append, operands_.append
        slots = [*fixed, *[0] * len(steps)]
        join_table = on_nodes[join]
        for value in values:
            j = base
            for step in plan:
                kind = step[0]
                if kind == 0:  # an element: indexed_input
                    key = (step[2] + step[3] * value,)
                    node = step[1].get(key)
                    if node is None:
                        node = step[1][key] = len(ops_)
                        append_op("input")
                        append_operands(())
                        index_of[node] = (step[4], key)
                elif kind == 2:  # two nodes: binary
                    x, y = slots[step[2]], slots[step[3]]
                    key = (y, x) if step[5] and y < x else (x, y)
                    node = step[1].get(key)
                    if node is None:
                        node = step[1][key] = len(ops_)
                        append_op(step[4])
                        append_operands(key)
                elif kind == 1:  # one node: op's unary row
                    x = slots[step[2]]
                    node = step[1].get(x)
                    if node is None:
                        node = step[1][x] = len(ops_)
                        append_op(step[4])
                        append_operands((x,))
                else:  # a node and a constant: binary's keyed row
                    x = slots[step[2]]
                    key = (step[1], step[3], x) if step[4] else (step[1], x, step[3])
                    node = by_key.get(key)
                    if node is None:
                        node = by_key[key] = len(ops_)
                        append_op(step[1])
                        a, b = step[5]
                        append_operands((slots[a], slots[b]))
                slots[j] = node
                j += 1
            term = slots[result]
            key = (term, acc) if joined and term < acc else (acc, term)
            node = join_table.get(key)
            if node is None:
                node = join_table[key] = len(ops_)
                append_op(join)
                append_operands(key)
            acc = node
        return acc

    def indexed_without_elements(self, name: str, rank: int) -> None:
        """Note that the text writes the indexed input ``name`` (``rank`` indices) where no element is made: the
        term of a reduction over an empty range.  It stays an input of the function, of extent 0 along each axis
        unless declared (``sum(x[i], i, 0, n-1)`` at n = 0 takes ``x=[]``), not a name the function lost."""
        if name in self._inputs:
            raise GraphError(f"{name!r} is used without indices and with them ({name}[...]): "
                             "an input is either indexed or not")
        known = self.rank(name)
        if known is not None and known != rank:
            raise GraphError(f"{name} takes {known} ind{'ex' if known == 1 else 'ices'}, got {rank}")
        if name not in self._indexed:
            self._indexed[name] = {}
            self._unmade[name] = (rank, len(self._ops))

    def declare_extents(self, extents: dict[str, tuple[int, ...]]) -> None:
        """Give indexed inputs the extents declared for them (``x=5``), which the indices used must fit."""
        for name, shape in extents.items():
            known = self._declared.get(name)
            self._declared[name] = shape if known is None or len(known) != len(shape) else \
                tuple(map(max, known, shape))

    def _shape(self, name: str) -> tuple[int, ...]:
        """The extent of the indexed input ``name``: one past its largest index used, or as declared when larger."""
        nodes = self._indexed[name]
        # one pass per axis: zip(*nodes) would make an iterator per element, which the collector scans
        rank = self.rank(name) or 0
        shape = tuple(max(map(itemgetter(axis), nodes), default=-1) + 1 for axis in range(rank))
        declared = self._declared.get(name)
        return shape if declared is None or len(declared) != len(shape) else tuple(map(max, shape, declared))

    def begin_group(self, name: str) -> list:
        """Start recording the nodes a call of the text's function ``name`` makes; pass the result to end_group."""
        group = [name, len(self._ops), None]
        self._groups.append(group)
        return group

    def end_group(self, group: list) -> None:
        group[2] = len(self._ops)

    def inputs_under(self, refs: Iterable[Any]) -> list[int]:
        """The input nodes that ``refs`` (nodes or constants) read, in the order they were made.

        Iterative; each ref's answer is kept (nodes never change), and a later walk stops at a node
        answered before, so asking level by level up a deep cascade costs one visit per new node.
        """
        found: set[int] = set()
        for ref in refs:
            if ref.__class__ is not int:
                continue
            known = self._inputs_below.get(ref)
            if known is None:
                below: set[int] = set()
                seen: set[int] = set()
                stack = [ref]
                while stack:
                    node = stack.pop()
                    if node in seen:
                        continue
                    seen.add(node)
                    answered = self._inputs_below.get(node)
                    if answered is not None:
                        below.update(answered)
                    elif self._ops[node] == "input":
                        below.add(node)
                    else:
                        stack.extend(x for x in self._operands[node] if x.__class__ is int)
                known = self._inputs_below[ref] = frozenset(below)
            found.update(known)
        return sorted(found)

    def is_condition(self, ref: Any) -> bool:
        """True for a condition: a comparison, ``and``/``or``/``not`` node, or a folded true/false."""
        return ref in self._conditions if ref.__class__ is int else isinstance(ref, sympy.logic.boolalg.BooleanAtom)

    def const(self, value: Any) -> int:
        """A ``const`` node holding ``value`` (for an output that is a bare constant); one per value."""
        key = ("const", _constant_key(value))
        node = self._by_key.get(key)
        if node is None:
            node = self._by_key[key] = self._new("const", (value,))
        return node

    # -- names and outputs -------------------------------------------------
    def reserve(self, words: Iterable[str]) -> None:
        """Keep the generated names clear of ``words`` too (the words of a text being parsed)."""
        self._reserved.update(words)

    def is_input(self, name: str) -> bool:
        return name in self._inputs

    def is_indexed(self, name: str) -> bool:
        """True when ``name`` is used with indices (``x[0]``)."""
        return name in self._indexed

    def element(self, name: str, index: tuple[int, ...]) -> int | None:
        """The node of element ``index`` of the indexed input ``name``, if the text used it; else None."""
        return self._indexed.get(name, {}).get(index)

    def rank(self, name: str) -> int | None:
        """How many indices the elements of the indexed input ``name`` take; None before one is made."""
        nodes = self._indexed.get(name)
        return len(next(iter(nodes))) if nodes else self._unmade[name][0] if name in self._unmade else None

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
        # x[3] is the input node x_3 (fresh), addressed as x[3]; when every such name is free (the rule, but
        # for a clash such as x_1[1] and x[1, 1]) they are given at once, else one by one by the namer
        bases = [f"{name}_{index[0]}" if len(index) == 1 else f"{name}_{'_'.join(map(str, index))}"
                 for name, index in self._index_of.values()]
        taken = (self._reserved, self._inputs, self._indexed)
        if len(set(bases)) == len(bases) and not any(any(map(names_.__contains__, bases)) for names_ in taken):
            deque(map(names.__setitem__, self._index_of, bases), 0)  # in C: a million elements are named at once
        else:
            element_namer = Namer(*taken)
            for node, base in zip(self._index_of, bases):
                names[node] = element_namer.fresh(base)
        kept: dict[str, int] = {}
        wanted: dict[int, str] = {}
        for node, name in self._requests:
            if node.__class__ is not int or self._ops[node] == "input":
                continue  # an alias of an input or a constant: it names no node of its own
            wanted.setdefault(node, name)
            if names[node] is None and name not in self._inputs and name not in kept:
                kept[name] = node
                names[node] = name
        # one set of the names taken: the namer checks each of a million generated names once, not five times
        namer = Namer(self._reserved.union(self._inputs, kept, self._indexed, [names[n] for n in self._index_of]))
        for node, name in wanted.items():  # assignments that lost their name: a fresh one like it
            if names[node] is None:
                names[node] = namer.fresh(name)
        unnamed = names.count(None)
        if unnamed:  # in bulk: a million nodes are named at once, by positions NumPy finds
            table = np.empty(len(names), dtype=object)
            table[:] = names
            table[np.flatnonzero(np.equal(table, None))] = namer.take("v", unnamed)
            names = table.tolist()
        addresses: dict[str, str | None] = {name: name for name in self._inputs}
        labels = [f"{name}[{index[0]}]" if len(index) == 1 else element_label(name, index)
                  for name, index in self._index_of.values()]
        addresses.update(zip(labels, map(names.__getitem__, self._index_of)))
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
            return tuple(names[x] if x.__class__ is int else x for x in args)

        op_of = dict(zip(names, self._ops))
        # the common operands (two nodes, one node) inline: this runs once per node of the graph
        operands = op_of.copy()  # the same keys: copied, then given their values, cost less than a new dict
        operands.update(zip(names, [(names[a[0]], names[a[1]]) if len(a) == 2 and a[0].__class__ is int and
                                        a[1].__class__ is int else (names[a[0]],) if len(a) == 1 and
                                        a[0].__class__ is int else named(a) if a else a for a in self._operands]))
        groups = [Group(name, tuple(names[i] for i in range(start, end) if self._ops[i] != "input"))
                  for name, start, end in self._groups if end is not None and end > start]
        inputs = sorted([*self._inputs.values(), *self._index_of])  # node ids: the order of first appearance
        symbols = dict(self._symbols)  # an indexed input's element gets its sympy Indexed on request (Graph.symbol)
        indexed = {name: IndexedInput(name, self._shape(name), {index: names[nodes[index]] for index in sorted(nodes)},
                                      None if nodes else _next_input(inputs, self._unmade[name][1], names))
                   for name, nodes in self._indexed.items()}
        return Graph.from_ops(op_of, operands, tuple(names[i] for i in inputs), tuple(names[i] for i in out_ids),
                              addresses=addresses, symbols=symbols, groups=[g for g in groups if g.nodes],
                              indexed=indexed, output_names=output_names)


def _next_input(inputs: Sequence[int], made_at: int, names: list[str]) -> str | None:
    """The name of the first input node made at or after node count ``made_at`` (None: none was)."""
    k = bisect.bisect_left(inputs, made_at)
    return names[inputs[k]] if k < len(inputs) else None


_ORDINAL = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def op_row(name: str, operands: tuple) -> ops.Op:
    """The op table's row for ``name``, which must take this many operands (UnsupportedOpError otherwise)."""
    row = ops.OPS.get(name) or ops.op(name)
    if len(operands) != row.arity and not (row.many and len(operands) > row.arity):
        raise UnsupportedOpError(f"{name} takes {row.arity} operand(s), got {len(operands)}")
    return row


def checked_fold(row: ops.Op, operands: tuple, message: str | None) -> Any:
    """Raise the kind error ``message`` if there is one; else a condition's or a where's folded value, or None."""
    if message:
        raise GraphError(message)
    return _fold_condition(row, operands) if row.condition or row.name == "where" else None


def ordinal(slot: int) -> str:
    """'first', 'second', ... for slot 0, 1, ..."""
    return _ORDINAL[slot] if slot < len(_ORDINAL) else f"{slot + 1}th"


def kind_error(row: ops.Op, conditions: Sequence[bool]) -> str | None:
    """Why ``row`` cannot take operands that are (True) or are not (False) conditions; None when it can.

    An op of several operands (``max(a, b, c)``) checks every one: the operands past its arity are of
    the last slot's kind.
    """
    kinds = row.kinds
    for slot, got in enumerate(conditions):
        want = kinds[min(slot, len(kinds) - 1)]
        if (want == "c") == got:
            continue
        word = row.symbol or f"{row.name}()"
        if want == "c":
            what = ("the first argument of where(condition, a, b)" if row.name == "where"
                    else f"the operand of '{word}'" if row.arity == 1 else f"the {ordinal(slot)} operand of '{word}'")
            return f"{what} must be a condition such as x > 0, not a number"
        if row.condition and slot == 0 and not row.kinds.count("c"):
            return f"comparisons do not chain: write a < b and b {word} c, not a < b {word} c"
        return (f"the {ordinal(slot) if row.arity > 1 else ''}{' ' if row.arity > 1 else ''}operand of '{word}' "
                "is a condition, not a number; conditions go into where(condition, a, b), 'and', 'or' and "
                "'not' (where(condition, 1, 0) is its 0/1 value)")
    return None


def _fold_condition(row: ops.Op, operands: tuple) -> Any:
    """A comparison of two numbers, a logical op or where() with a true/false operand, folded; else None.

    Comparisons follow NumPy (``nan == nan`` is false), on the constants' float64 values.
    """
    true, false = sympy.true, sympy.false
    if row.name == "where":
        c, a, b = operands
        if c is true or c is false:
            return a if c is true else b
        same = a == b if a.__class__ is int and b.__class__ is int else (
            a.__class__ is not int and b.__class__ is not int and _constant_key(a) == _constant_key(b))
        return a if same else None
    if row.name == "not":
        (c,) = operands
        return None if c.__class__ is int else (false if c is true else true)
    if row.name in ("and", "or"):
        x, y = operands
        absorbing, neutral = (false, true) if row.name == "and" else (true, false)
        if x is absorbing or y is absorbing:
            return absorbing
        if x is neutral:
            return y
        if y is neutral:
            return x
        return x if x == y else None
    if any(x.__class__ is int for x in operands):
        return None
    with np.errstate(all="ignore"):
        return true if bool(row.numeric(*map(constants.constant_value, operands))) else false
