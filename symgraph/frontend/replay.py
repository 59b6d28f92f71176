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
from ..ir.input_names import element_label
from .limits import MAX_ELEMENTS, MAX_TERMS, fits


class Reparse(Exception):
    """A recorded term that cannot be made from its record at this index value: the caller parses that term,
    which makes the same nodes up to where the record stopped and words any error as parsing always did."""


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
    elements whose indices are evaluated again -- run once per value, so the
    graph is the one re-parsing gives, node for node.  An index that is a
    plain sum of names and digits (``i+1``, ``n-1-i``) is ``a + b*i`` with
    ``a`` and ``b`` found while recording (the other names are sizes and
    enclosing indices, fixed while this reduction runs); any other index of
    the term's own elements is evaluated by the parser, with the index bound
    in its scope.

    A reduction inside the term (``sum(log(1 + exp(-y[i]*sum(w[j]*X[i, j],
    j, 0, k-1))), i, 0, m-1)``) is expanded while the term is recorded, each
    of its terms parsed, so the record holds every call the term makes,
    theirs included: its elements' indices are ``a + b*i`` with its own
    index's value in ``a``, and the term's expansions and their checks
    against the budget (:meth:`Reductions.expanding`) are recorded and made
    again at each value.  Before, such a term was parsed again at every
    value, its inner reduction with it (about 40% of a 20,000-row logistic
    fit's parse).  Where the record cannot stand for another value -- an
    element out of range there, a check the budget refuses there -- the
    replay raises :class:`Reparse` and the caller parses that term.

    ``last``, ``scale`` and ``lead`` say how the enclosing loop counts: the
    term at value ``v`` is expanded ``scale * (last - v + 1)`` times from
    here on (its parser's ``repeats``), and the loop adds ``lead`` terms to
    the budget before each term (1 for a reduction, 0 for ``over=``'s copies).
    """

    def __init__(self, builder, index: str, parser, last: int, scale: int, lead: int):
        self.builder, self.index, self.parser = builder, index, parser
        self.last, self.scale, self.lead = last, scale, lead
        self.steps: list[tuple] = []  # ("op", name, args) or ("element", name, spans, token index, axes, nested)
        self.made: dict[int, int] = {}  # node id -> the step that made it (its latest)
        self.pending: tuple | None = None
        self.result: tuple | None = None
        #: step -> what it computes, numbered (equal numbers make equal nodes at every value): an element's
        #: name and indices, an op's name and its operands' numbers or values
        self.signatures: dict[int, int] = {}
        self.numbers: dict[tuple, int] = {}
        #: nodes the term may read by name (its scope's): a step making one could not be told from the name
        self.named = {v for v in parser.scope.values() if v.__class__ is int}
        #: True when the record cannot stand for other values: the term is parsed at each of them
        self.ambiguous = False
        self.plan: tuple | None = None  # (fixed operands, steps in slots, the result's slot), made on first replay
        self.inside: tuple | None = None  # (the first value replayed, the plan's steps placing elements unchecked)
        #: the budget: the terms expanded when recording began, the parser's repeats then, the checks of the
        #: term's reductions as (terms expanded before it in the term, its terms, its repeats over the term's), and
        #: the terms the whole term expanded
        self.start, self.repeats = parser.expanded[0], parser.repeats
        #: the builder's nodes when recording began: an element the term reads that is older is read outside it too
        self.made_before = builder.size()
        self.checks: list[tuple[int, int, int]] = []
        self.grown = 0

    # -- the builder protocol the parser uses while recording
    def op(self, name: str, *args):
        ref = self.builder.op(name, *args)
        made = self.made
        spec = tuple(("t", made[a]) if a.__class__ is int and a in made else ("v", a) for a in args)
        self.steps.append(("op", name, spec))
        signatures = self.signatures
        self._made(ref, ("op", name, tuple((kind, signatures[a]) if kind == "t" else ("v", a) for kind, a in spec)))
        return ref

    def binary(self, name: str, x, y):
        return self.op(name, x, y)

    def _made(self, ref, signature: tuple) -> None:
        """Remember which step made node ``ref``; two different steps making one node (``x[2*i]`` and
        ``x[i]`` at i = 0), or a step making a node the term also reads by name (``c = x[0]*2`` read in
        ``c + x[i]*2`` at i = 0), could not be told apart at other values: then the term is not replayed."""
        number = self.numbers.setdefault(signature, len(self.numbers))
        self.signatures[len(self.steps) - 1] = number
        if ref.__class__ is not int:
            return
        known = self.made.get(ref)
        if known is not None and self.signatures[known] != number or ref in self.named:
            self.ambiguous = True
        self.made[ref] = len(self.steps) - 1

    def record_element(self, word: str, spans: tuple, k: int, parser) -> None:
        """Note the element ``word[...]`` (index tokens ``spans`` of ``parser``) the next call makes: its
        indices as ``(a, b)`` pairs, ``a + b*value``, when they are plain sums (else evaluated at each value)."""
        terms, nested = _linear(parser, spans), parser is not self.parser
        if terms is None:
            axes, signature = None, ("element", word, tuple(tuple(parser.toks[a:b]) for a, b in spans))
            self.ambiguous = self.ambiguous or nested  # a nested reduction's parser is gone at replay
        else:
            scope, index = parser.scope, self.index
            axes = tuple((sum(sign * (term if term.__class__ is int else int(scope[term]))
                              for sign, term in axis if term != index),
                          sum(sign for sign, term in axis if term == index)) for axis in terms)
            signature = ("element", word, axes)
        self.pending = ("element", word, spans, k, axes, nested), signature

    def indexed_input(self, word: str, index: tuple):
        ref = self.builder.indexed_input(word, index)
        step, signature = self.pending
        self.steps.append(step)
        self._made(ref, signature)
        return ref

    def note_expanding(self, parser, count: int) -> None:
        """Note that a reduction of the term checks ``count`` terms against the budget (``parser``: where it is)."""
        self.checks.append((parser.expanded[0] - self.start, count, parser.repeats // self.repeats))

    def __getattr__(self, name: str):  # input, is_condition, ...: the builder's own
        return getattr(self.builder, name)

    def finish(self, term) -> None:
        self.result = ("t", self.made[term]) if term.__class__ is int and term in self.made else ("v", term)
        self.grown = self.parser.expanded[0] - self.start

    def copied_elements(self, value: int) -> dict[str, tuple] | None:
        """Each element the term reads, by its label at index ``value`` -> its index along each axis as
        ``(a, b)``: ``a + b*j`` in the term at ``value + j``; None when the parser evaluates some element's
        index (``x[k^2]``) or an element is read outside the term too (``c = y[0]*2; sum(c*y[i], ...)``:
        moving ``y[0]`` would move ``c``'s).  The copies of over='s template made from this record are the first
        with its elements moved so: one program over arrays of them (:mod:`symgraph.backends.copies`)."""
        steps = self.steps
        if any(node < self.made_before and steps[k][0] == "element" for node, k in self.made.items()):
            return None
        out = {}
        for step in steps:
            if step[0] == "element":
                if step[4] is None:
                    return None
                axes = tuple((a + b * value, b) for a, b in step[4])
                out[element_label(step[1], tuple(a for a, _ in axes))] = axes
        return out

    # -- replay
    def _plan(self, parser) -> tuple:
        """The steps over slots of one list: the fixed operands first, then each step's result.

        A step is ``(1, op, x)`` or ``(2, op, x, y)`` (an op of one or two operands), ``(0, op, slots)``
        (more), ``(3, name, a, b, step)`` for the element ``a + b*value`` of a vector, ``(4, name, ((a, b),
        ...), step)`` for an element whose index along each axis is ``a + b*value``, ``(6, name, ((a, b),
        ...), extents, step)`` for one of an input whose extents are given, or ``(5, step)`` for an element
        the parser evaluates (and, made by :meth:`_inside`, ``7`` and ``8`` for elements known to be in range).
        """
        sizes = parser.sizes
        fixed = [a for step in self.steps if step[0] == "op" for kind, a in step[2] if kind == "v"]
        count, steps = len(fixed), []
        next_fixed = iter(range(count)).__next__
        for step in self.steps:
            if step[0] == "op":
                slots = tuple(count + a if kind == "t" else next_fixed() for kind, a in step[2])
                steps.append((len(slots), step[1], *slots) if len(slots) <= 2 else (0, step[1], slots))
                continue
            word, axes = step[1], step[4]
            extent = sizes.get(word)
            if axes is None:
                steps.append((5, step))
            elif extent is not None:
                steps.append((6, word, axes, extent if isinstance(extent, tuple) else (extent,), step))
            elif len(axes) == 1:
                steps.append((3, word, *axes[0], step))
            else:
                steps.append((4, word, axes, step))
        kind, ref = self.result
        return fixed, steps, (count + ref if kind == "t" else None)

    def _inside(self, first: int) -> list:
        """The plan's steps with every element that is in range at each value from ``first`` to the last placed
        without checks: ``(7, name, a, b)`` of a vector, ``(8, name, a0, b0, a1, b1)`` of a matrix.  An index is
        ``a + b*value`` along each axis, so its least and greatest values are at the two ends, and the entries
        an element implies are at most the product of each axis' greatest index plus one."""
        steps = []
        for step in self.plan[1]:
            code = step[0]
            if code in (3, 4, 6):
                axes = ((step[2], step[3]),) if code == 3 else step[2]
                extent = step[3] if code == 6 else (MAX_ELEMENTS,) * len(axes)
                ends = [(a + b * first, a + b * self.last) for a, b in axes]
                if all(0 <= min(e) and max(e) < n for e, n in zip(ends, extent)) and fits([max(e) for e in ends]):
                    if len(axes) == 1:
                        step = (7, step[1], *axes[0])
                    elif len(axes) == 2:
                        step = (8, step[1], *axes[0], *axes[1])
            steps.append(step)
        return steps

    def _fits(self, expanded: int, repeats: int) -> bool:
        """True when every budget check of the term passes with ``expanded`` terms before it, itself expanded
        ``repeats`` times from here on."""
        return all(expanded + before + count * factor * repeats <= MAX_TERMS for before, count, factor in self.checks)

    def replay(self, parser, value: int) -> object:
        """The term at index ``value``: every recorded call again, elements at their new index; :class:`Reparse`
        when the record cannot make it."""
        if self.plan is None:
            self.plan = self._plan(parser)
        if self.inside is None:  # the replays come in increasing order: from this value to the last
            self.inside = value, self._inside(value)
        budget = parser.expanded
        start = budget[0]
        if self.checks and not self._fits(start, self.scale * (self.last - value + 1)):
            raise Reparse
        fixed, steps, result = self.plan
        if value >= self.inside[0]:
            steps = self.inside[1]
        builder, values = self.builder, list(fixed)
        append = values.append
        try:
            for step in steps:
                code = step[0]
                if code == 2:
                    try:
                        append(builder.binary(step[1], values[step[2]], values[step[3]]))
                    except GraphError as e:
                        parser.fail(str(e), 0)
                elif code == 8:  # an element of a matrix, in range
                    append(builder.indexed_input(step[1], (step[2] + step[3] * value, step[4] + step[5] * value)))
                elif code == 7:  # an element of a vector, in range
                    append(builder.indexed_input(step[1], (step[2] + step[3] * value,)))
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
                elif code == 6:
                    index = tuple([a + b * value for a, b in step[2]])
                    inside = all(0 <= i < n for i, n in zip(index, step[3])) and fits(index)
                    append(builder.indexed_input(step[1], index) if inside else self._parsed(parser, step[4], value))
                elif code == 0:
                    try:
                        append(builder.op(step[1], *[values[a] for a in step[2]]))
                    except GraphError as e:
                        parser.fail(str(e), 0)
                else:
                    append(self._parsed(parser, step[1], value))
        except Reparse:
            budget[0] = start
            raise
        budget[0] = start + self.grown
        return self.result[1] if result is None else values[result]

    def repeat(self, parser, values: range, join: str | None, acc: int | None) -> "int | list | None":
        """``acc`` joined with the terms at ``values`` (``join=None``: the list of the terms), made by
        :meth:`GraphBuilder.repeat` in one loop; None
        when the template has a step that loop does not take (an op of three operands, an element of a
        declared or many-axis input, or one the parser evaluates), an element out of range, or a budget check
        that fails at some value: then each term is replayed (:meth:`replay`), which words the error."""
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
        budget = parser.expanded
        if self.checks:  # each check is linear in the value: it passes at every value when it does at both ends
            each = self.lead + self.grown
            ends = ((budget[0] + self.lead, values[0]), (budget[0] + (len(values) - 1) * each + self.lead, values[-1]))
            if not all(self._fits(expanded, self.scale * (self.last - v + 1)) for expanded, v in ends):
                return None
        made = repeat(fixed, [step[:4] for step in steps], result, values, join, acc)
        if made is not None:
            budget[0] += len(values) * self.grown
        return made

    def _parsed(self, parser, step: tuple, value: int):
        """The element of the recorded ``step`` at index ``value``, its indices evaluated by the parser; an
        element of a reduction inside the term is made by parsing the term (:class:`Reparse`)."""
        if step[5]:
            raise Reparse
        parser.scope[self.index] = sympy.Integer(value)
        return parser.element(step[1], step[2], step[3])


def replayable(parser, index: str) -> bool:
    """True when over='s template (read by ``parser``, its first copy) makes the same builder calls in every copy
    but its elements' indices: ``index`` appears only inside ``[...]`` (a reduction in the template is recorded
    with it), and the text has no definition (which :func:`~symgraph.frontend.parse._parse` also checks after the
    copy, with the text's being one bare expression)."""
    return parser._replayable((0, len(parser.toks)), index) and "=" not in parser.toks


def replayed(tape: _Tape, parser, index: str, value: int):
    """The copy of over='s template at ``index = value``, replayed from ``tape``: the builder calls parsing the
    copy makes, in the same order (so the same nodes), its elements' indices evaluated again; an element the
    replay cannot place is evaluated by ``parser`` (the first copy's) with the index bound, so its error is
    the one parsing that copy raises (:class:`Reparse` when the copy must be parsed: an element of a
    reduction in it out of range, or a check of the budget failing at this copy)."""
    parser.sizes[index] = value  # as that copy's parser binds it, for the words of an error
    parser.scope[index] = sympy.Integer(value)
    return tape.replay(parser, value)
