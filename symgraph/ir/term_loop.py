"""The reductions' fast path: every term of a recorded template made in one loop (:meth:`TermLoop.repeat`).

A sum's terms are most of a large text's graph.  The parser records one term
and its steps (:mod:`symgraph.frontend.replay`); this loop makes the other
terms' nodes exactly as :meth:`~symgraph.ir.builder.GraphBuilder.binary`,
``op`` and ``indexed_input`` would, in the same order and with the same keys.
It is mixed into :class:`~symgraph.ir.builder.GraphBuilder`, whose tables it
fills, and kept apart from the builder's one-call-per-node methods because
it is one job with its own plan of the template's steps.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..constants import constant_key as _constant_key
from .operand_kinds import _FALSE, _PLAIN1, _PLAIN2, _TRUE


class TermLoop:
    """The template loop of :class:`~symgraph.ir.builder.GraphBuilder` (mixed in; it reads the builder's tables)."""

    def repeat(self, fixed: Sequence[Any], steps: Sequence[tuple], result: int, values: range, join: str | None,
               acc: int | None) -> "int | list[int] | None":
        """``acc`` joined (``join``, left to right) with one term per index value: the nodes of ``values``'
        terms, each made by the template ``steps``; None (nothing made) when the template is not one this
        loop takes, and the caller builds the terms one call at a time.  With ``join=None``, the list of the
        terms themselves (over='s copies of a template, one output each).

        The slots are ``fixed`` (the operands the template reads from outside), then one per step:
        ``(1, op, x)`` and ``(2, op, x, y)`` on slots, ``(3, vector, a, b)`` the element ``vector[a + b*value]``
        (already in range).  Every node is made as :meth:`binary`, :meth:`op` and :meth:`indexed_input` make
        it, in the same order, with the same keys: the graph is the one the calls give, node for node.
        Why one loop: a call per builder step and per step kind cost 12-24 µs a term (a sum's terms are most
        of a large text's graph); here a step is a dict lookup, and the tables are looked up once per template.
        """
        conditions, by_key, on_nodes = self._conditions, self._by_key, self._on_nodes
        collect = join is None
        joined = _PLAIN2.get(join)
        if not collect and (joined is None or acc.__class__ is not int or acc in conditions):
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
        join_table, terms = None if collect else on_nodes[join], []
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
            if collect:
                terms.append(term)
                continue
            key = (term, acc) if joined and term < acc else (acc, term)
            node = join_table.get(key)
            if node is None:
                node = join_table[key] = len(ops_)
                append_op(join)
                append_operands(key)
            acc = node
        return terms if collect else acc
