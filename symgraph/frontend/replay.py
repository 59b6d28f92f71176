"""A reduction's term recorded once and replayed for the other index values (:class:`_Tape`).

A term whose index appears only in its elements' indices is parsed once,
at the first value, while :class:`_Tape` records its builder calls; the
other terms are made from that record.  When the record is plain ops on
nodes, numbers and elements ``x[a + b*i]`` (what large sums are made of),
:meth:`GraphBuilder.repeat` makes every other term in one loop, a step a
dict lookup; else each term is replayed call by call (:meth:`_Tape.replay`).
Why one loop rather than instantiating the template for all terms at once
(a step's keys for every term by list passes): hash-consing numbers nodes
in the order the terms make them, and a term's node may already exist (an
earlier term's ``x[i+1]`` is this one's ``x[i]``; a term equal to an
earlier one is that one), so each node's identity depends on the terms
before it; the loop keeps that order by construction.  Measured on
``sum(sin(x[i])*x[i+1], i, 0, n-1)`` at n = 250,000 (10^6 nodes), CPU
seconds, best of three, old and new code alternating on a loaded 2-core
machine: the terms took 1.7-2.2 s replayed and 0.8-0.9 s in the loop;
naming and freezing the graph (:meth:`GraphBuilder.finish`, 2.0-2.6 s) is
now most of the parse.

The reductions (:mod:`symgraph.frontend.reductions`) decide when a term is
replayed, and so does :func:`~symgraph.frontend.parse.parse_over` for the
copies of an ``over=`` template (``join=None`` in :meth:`_Tape.repeat`: the
copies themselves, one output each); this module holds only the record and its replay.
"""
from __future__ import annotations

import sympy

from ..errors import GraphError
from .limits import MAX_ELEMENTS, fits


def _linear(parser, spans: tuple) -> tuple | None:
    """Each index's tokens as ``((sign, name or int), ...)`` when they are a plain sum of names and digits
    (``i+1``, ``n - 2 - i``), else None: what a replay adds up without a parser."""
    out = []
    for start, stop in spans:
        if (stop - start) % 2 == 0:
            return None
        terms, sign = [], 1
        for k in range(start, stop):
            t = parser.toks[k]
            if (k - start) % 2:
                if t != "+" and t != "-":
                    return None
                sign = 1 if t == "+" else -1
            elif t.isdigit():  # a number token of digits only
                terms.append((sign, int(t)))
            elif isinstance(parser.scope.get(t), sympy.Integer):  # a name (only names are keys of the scope)
                terms.append((sign, t))
            else:
                return None
        out.append(tuple(terms))
    return tuple(out)


class _Tape:
    """The builder calls of one term, recorded while it is parsed, replayed for the next index values.

    Parsing a term is most of a reduction's cost; when only its elements'
    indices change with the index (:meth:`Reductions._replayable`), the term
    is parsed once and its calls -- ops on earlier results, fixed operands and
    elements whose index tokens are evaluated again -- run once per value,
    so the graph is the one re-parsing gives, node for node.  An index that
    is a plain sum of names and digits (``i+1``, ``n-1-i``) is ``a + b*i``
    with ``a`` and ``b`` found once (the other names are sizes and enclosing
    indices, fixed while this reduction runs); any other index is evaluated
    by the parser, with the index bound in its scope.
    """

    def __init__(self, builder, index: str):
        self.builder, self.index = builder, index
        self.steps: list[tuple] = []  # ("op", name, args) or ("element", name, spans, token index, sums)
        self.made: dict[int, int] = {}  # node id -> the step that made it (its latest)
        self.pending: tuple | None = None
        self.result: tuple | None = None
        self.signatures: dict[int, tuple] = {}  # step -> what it computes (equal signatures make equal nodes)
        self.ambiguous = False
        self.plan: tuple | None = None  # (fixed operands, steps in slots, the result's slot), made on first replay

    # -- the builder protocol the parser uses while recording
    def op(self, name: str, *args):
        ref = self.builder.op(name, *args)
        made = self.made
        spec = tuple(("t", made[a]) if a.__class__ is int and a in made else ("v", a) for a in args)
        self.steps.append(("op", name, spec))
        self._made(ref, ("op", name, spec))
        return ref

    def binary(self, name: str, x, y):
        return self.op(name, x, y)

    def _made(self, ref, signature: tuple) -> None:
        """Remember which step made node ``ref``; two different steps making one node (``x[2*i]`` and
        ``x[i]`` at i = 0) could not be told apart at other values: then the term is not replayed."""
        if ref.__class__ is not int:
            return
        known = self.made.get(ref)
        if known is not None and self.signatures[known] != signature:
            self.ambiguous = True
        self.made[ref] = len(self.steps) - 1
        self.signatures[len(self.steps) - 1] = signature

    def record_element(self, word: str, spans: tuple, k: int, parser=None) -> None:
        texts = tuple(tuple(parser.toks[a:b]) for a, b in spans)
        self.pending = ("element", word, spans, k, _linear(parser, spans)), ("element", word, texts)

    def indexed_input(self, word: str, index: tuple):
        ref = self.builder.indexed_input(word, index)
        step, signature = self.pending
        self.steps.append(step)
        self._made(ref, signature)
        return ref

    def __getattr__(self, name: str):  # input, is_condition, ...: the builder's own
        return getattr(self.builder, name)

    def finish(self, term) -> None:
        self.result = ("t", self.made[term]) if term.__class__ is int and term in self.made else ("v", term)

    # -- replay
    def _plan(self, parser) -> tuple:
        """The steps over slots of one list: the fixed operands first, then each step's result.

        A step is ``(1, op, x)`` or ``(2, op, x, y)`` (an op of one or two operands), ``(0, op, slots)``
        (more), ``(3, name, a, b, step)`` for the element ``a + b*value`` of a vector, ``(4, name, ((a, b),
        ...), step)`` for an element whose index along each axis is ``a + b*value``, or ``(5, step)``
        for an element the parser evaluates.
        """
        scope, sizes = parser.scope, parser.sizes
        fixed = [a for step in self.steps if step[0] == "op" for kind, a in step[2] if kind == "v"]
        count, steps = len(fixed), []
        next_fixed = iter(range(count)).__next__
        for step in self.steps:
            if step[0] == "op":
                slots = tuple(count + a if kind == "t" else next_fixed() for kind, a in step[2])
                steps.append((len(slots), step[1], *slots) if len(slots) <= 2 else (0, step[1], slots))
            elif step[4] is not None and step[1] not in sizes:
                axes = tuple((sum(sign * (term if term.__class__ is int else int(scope[term]))
                                  for sign, term in terms if term != self.index),
                              sum(sign for sign, term in terms if term == self.index)) for terms in step[4])
                steps.append((3, step[1], *axes[0], step) if len(axes) == 1 else (4, step[1], axes, step))
            else:
                steps.append((5, step))
        kind, ref = self.result
        return fixed, steps, (count + ref if kind == "t" else None)

    def replay(self, parser, value: int) -> object:
        """The term at index ``value``: every recorded call again, elements at their new index."""
        if self.plan is None:
            self.plan = self._plan(parser)
        fixed, steps, result = self.plan
        builder, values = self.builder, list(fixed)
        append = values.append
        for step in steps:
            code = step[0]
            if code == 2:
                try:
                    append(builder.binary(step[1], values[step[2]], values[step[3]]))
                except GraphError as e:
                    parser.fail(str(e), 0)
            elif code == 3:  # an element of a vector
                k = step[2] + step[3] * value
                if 0 <= k < MAX_ELEMENTS:
                    append(builder.indexed_input(step[1], (k,)))
                else:
                    append(self._parsed(parser, step[4], value))  # the parser words the error
            elif code == 1:
                try:
                    append(builder.op(step[1], values[step[2]]))
                except GraphError as e:
                    parser.fail(str(e), 0)
            elif code == 4:
                index = tuple([a + b * value for a, b in step[2]])
                append(builder.indexed_input(step[1], index) if min(index) >= 0 and fits(index) else
                       self._parsed(parser, step[3], value))
            elif code == 0:
                try:
                    append(builder.op(step[1], *[values[a] for a in step[2]]))
                except GraphError as e:
                    parser.fail(str(e), 0)
            else:
                append(self._parsed(parser, step[1], value))
        return self.result[1] if result is None else values[result]

    def repeat(self, parser, values: range, join: str | None, acc: int | None) -> "int | list | None":
        """``acc`` joined with the terms at ``values`` (``join=None``: the list of the terms), made by
        :meth:`GraphBuilder.repeat` in one loop; None
        when the template has a step that loop does not take (an op of three operands, an element of a
        declared or many-axis input, or one the parser evaluates), or an element out of range: then each
        term is replayed (:meth:`replay`), which words the error."""
        if self.plan is None:
            self.plan = self._plan(parser)
        fixed, steps, result = self.plan
        repeat = getattr(self.builder, "repeat", None)
        if result is None or repeat is None or not values:
            return None
        for step in steps:
            if step[0] == 3:
                first, last = step[2] + step[3] * values[0], step[2] + step[3] * values[-1]
                if not (0 <= min(first, last) and max(first, last) < MAX_ELEMENTS):
                    return None
            elif step[0] not in (1, 2):
                return None
        return repeat(fixed, [step[:4] for step in steps], result, values, join, acc)

    def _parsed(self, parser, step: tuple, value: int):
        """The element of the recorded ``step`` at index ``value``, its indices evaluated by the parser."""
        parser.scope[self.index] = sympy.Integer(value)
        return parser.element(step[1], step[2], step[3])
