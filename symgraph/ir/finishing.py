"""The end of a build: indexed inputs' extents, every node's name and the frozen :class:`~symgraph.ir.graph.Graph`.

Names are asked for while building (:meth:`Finishing.assign`) and given
once, in :meth:`Finishing.finish`, by the rules of :mod:`symgraph.names`.
Mixed into :class:`~symgraph.ir.builder.GraphBuilder`, whose node tables it
reads; apart from making nodes because it runs once per graph, at the end,
and touches no hash-consing table.
"""
from __future__ import annotations

import bisect
from collections import deque
from operator import itemgetter
from typing import Any, Iterable, Sequence

import numpy as np

from ..names import Namer
from .graph import Graph, Group
from .input_names import IndexedInput, element_label


class Finishing:
    """The names and the end of :class:`~symgraph.ir.builder.GraphBuilder` (mixed in; it reads the builder's tables)."""

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

    def reserve(self, words: Iterable[str]) -> None:
        """Keep the generated names clear of ``words`` too (the words of a text being parsed)."""
        self._reserved.update(words)

    def assign(self, name: str, ref: Any) -> None:
        """Ask for ``name`` as the name of ``ref`` (a node id or a constant).

        An op node may take the name; for an input, a constant or a node that
        already has a name, ``name`` becomes an alias: the graph still knows
        which node it stands for (:attr:`Graph.addresses`).
        """
        self._requests.append((ref, name))

    def _unread(self, outputs: Sequence[int]) -> set[int]:
        """The nodes no output reads and no name was asked for, inputs apart: what a fold left behind.

        ``where(1 > 0, x, sqrt(y))`` builds ``sqrt(y)`` before its condition
        folds, and sympy's ``real_root(x, 3)`` holds a branch ``x**(1/3)``
        that ``Eq(im(x), 0)`` rules out; kept, such a node was computed by
        every evaluation (nan, with a warning, at y < 0).  A named line of a
        text stays, read or not, as the text's own.  One backward pass: an
        operand is made before the node that reads it.
        """
        ops, rows = self._ops, self._operands
        live = bytearray(len(ops))
        for node in outputs:
            live[node] = 1
        for node, _ in self._requests:
            if node.__class__ is int:
                live[node] = 1
        for node in range(len(ops) - 1, -1, -1):
            if live[node]:
                for x in rows[node]:
                    if x.__class__ is int:
                        live[x] = 1
        return {node for node in range(len(ops)) if not live[node] and ops[node] != "input"}

    def _names(self, dead: set[int] = frozenset()) -> tuple[list[str], dict[str, str | None]]:
        """Every node's name, and where each user name points (see :mod:`symgraph.names` for the rules).

        Inputs keep their names; a node takes the first name asked for it
        that is no input and no other node's; the rest get fresh names that
        avoid every word of the texts (``reserved``) and every name given.
        ``dead`` nodes (:meth:`_unread`) get none: they are left out of the graph.
        """
        names: list[str | None] = [None] * len(self._ops)
        for node in dead:
            names[node] = ""
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
        dead = self._unread(out_ids) if self._dropped else set()
        names, addresses = self._names(dead)
        self.node_names = names  # node id -> its name in the graph, for a caller that kept ids (the parser's copies)
        ops, operand_rows = self._ops, self._operands
        if dead:
            kept = [node for node in range(len(ops)) if node not in dead]
            ops, operand_rows = [ops[node] for node in kept], [operand_rows[node] for node in kept]

        def named(args: tuple) -> tuple:
            """Operands with node ids replaced by node names; constants stay.

            A node and a constant (``x^2``, ``100*v``, ``1 - x``: 5,000 of Rosenbrock's 9,000 rows
            at n = 1,000) are read without a generator: parsing it took 10.6-11.2 ms, now 8.5-9.3 ms
            (137-141 -> 122-129 ms at n = 10,000).
            """
            if len(args) == 2:
                x, y = args
                return names[x] if x.__class__ is int else x, names[y] if y.__class__ is int else y
            return tuple(names[x] if x.__class__ is int else x for x in args)

        node_names = [names[node] for node in kept] if dead else names
        op_of = dict(zip(node_names, ops))
        # the common operands (two nodes, one node) inline: this runs once per node of the graph
        operands = op_of.copy()  # the same keys: copied, then given their values, cost less than a new dict
        operands.update(zip(node_names, [(names[a[0]], names[a[1]]) if len(a) == 2 and a[0].__class__ is int and
                                             a[1].__class__ is int else (names[a[0]],) if len(a) == 1 and
                                             a[0].__class__ is int else named(a) if a else a for a in operand_rows]))
        groups = [Group(name, tuple(names[i] for i in range(start, end) if self._ops[i] != "input" and i not in dead))
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
