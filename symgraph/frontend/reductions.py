"""Indexed inputs and reductions in the text: ``x[i+1]``, ``W[j, k]``, ``sum(expr, i, a, b)``, ``prod(...)``.

A reduction is expanded while parsing, into the graph the written-out text
gives: ``sum(t(i), i, 0, 2)`` builds ``(t(0) + t(1)) + t(2)``, node for node,
so every derivative, compiler and picture sees an ordinary graph.  Its body's
tokens are found once (the matching ``)``), and parsed once per index value
with the index bound to that integer, in time linear in the number of terms.
Indices, bounds and sizes are integer arithmetic on constants: sizes bound
by keyword (``sg.grad(text, n=1000)``, ``--size n=1000``), the indices of the
enclosing reductions and numbers; they are folded by the builder, so
``x[i+1]`` is the input ``x[4]`` at i = 3.  An index is bound only inside
its reduction and names nothing else in its text (:meth:`Reductions.index_clash`),
checked at the reduction and at every other naming, so the order they come
in does not matter.  The parser (:mod:`symgraph.frontend.parse`) mixes these methods in.

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
"""
from __future__ import annotations

import keyword

import sympy

from ..errors import GraphError, ParseError, counted, line_column, shown
from ..ops import FUNCTIONS
from .checking import CheckingBuilder
from .tokens import kind

#: the reductions and calls of definitions of one call's texts expand into at most this many terms in all (a
#: term is at least one node): counted across the texts, so reductions nested in each other (their counts
#: multiply), definitions calling each other (``f2(u) = f1(f1(u))`` doubles per level) and a template copied
#: once per residual (``over=``) are refused up front, not after minutes of expansion (:meth:`Reductions.expanding`)
MAX_TERMS = 10_000_000
#: an indexed input has at most this many entries (the product of its extents): ``x[10^9]`` would make
#: every consumer of the graph (the default wrt, evaluation, compiled code) hold a billion of them
MAX_ELEMENTS = MAX_TERMS
#: reductions and index brackets nest at most this deep
MAX_REDUCTION_NESTING = 100
#: the reductions: grammar word -> (the op that joins the terms, the value of no terms)
REDUCTIONS = {"sum": ("add", sympy.Integer(0)), "prod": ("mul", sympy.Integer(1))}


class Reductions:
    """The parser's indexed names and reductions (mixed into the parser, which owns the token stream)."""

    def _matching(self, open_at: int, word: str) -> tuple[int, list[int]]:
        """The index of the bracket closing the one at ``open_at``, and the commas at its top level."""
        toks = self.toks
        k, depth, commas = open_at, 0, []
        closing = {"(": ")", "[": "]"}[toks[open_at]]
        while True:
            t = toks[k]
            if t == "" or t == ";":
                self.fail(f"unclosed '{toks[open_at]}' of {word}", open_at)
            if t in ("(", "["):
                depth += 1
            elif t in (")", "]"):
                depth -= 1
                if depth == 0:
                    if t != closing:
                        self.fail(f"'{t}' closes the '{toks[open_at]}' of {word}", k)
                    return k, commas
            elif t == "," and depth == 1:
                commas.append(k)
            k += 1

    def _sub_parser(self, start: int, stop: int, scope: dict, integer_only: bool):
        """A parser over tokens ``start:stop`` (ended there), in ``scope``; shares the builder and the text."""
        sub = object.__new__(type(self))
        sub.text, sub.builder, sub.i = self.text, self.builder, 0
        sub.tokens = self.tokens.slice(start, stop)
        sub.toks, sub.known = sub.tokens.texts, {}
        sub.scope, sub.definitions, sub.inputs_used = scope, self.definitions, self.inputs_used
        sub.declared, sub.indices = self.declared, self.indices
        sub.target, sub.defining, sub.caller_scope = self.target, self.defining, self.caller_scope
        sub.nesting, sub.integer_only, sub.sizes = self.nesting + 1, integer_only, self.sizes
        sub.over_index = self.over_index
        sub.size_reads = self.size_reads
        sub.expanded, sub.repeats, sub.checking = self.expanded, self.repeats, self.checking
        if sub.nesting > MAX_REDUCTION_NESTING:
            self.fail(f"reductions, indices and definitions nest more than {MAX_REDUCTION_NESTING} deep", start)
        return sub

    def integer(self, start: int, stop: int, what: str) -> int:
        """The integer that tokens ``start:stop`` compute from sizes, enclosing indices and numbers."""
        if stop <= start:
            self.fail(f"{what} is missing", start)
        plain = self._plain_integer(start, stop)
        if plain is not None:  # the common x[i], x[i+1], n-2: no parser needed
            return plain
        ref, _ = self._sub_parser(start, stop, self.scope, True).expression()
        if self.checking and ref.__class__ is int and ref < 0:  # from a parameter: any value may come
            return 0
        if not isinstance(ref, sympy.Integer):
            shown = self.text[self.tokens.pos(start):self.tokens.pos(stop)].strip()
            varies = ref.__class__ is int and hasattr(self.builder, "inputs_under") and self.builder.inputs_under([ref])
            said = "a value of the function's inputs, not a number known while parsing" if varies else \
                _not_integer(ref)  # f(u) = x[u]; f(y): u is the input y, no huge constant
            self.fail(f"{what} must be an integer, and {shown!r} is {said}; integers here are computed "
                      "from sizes, the indices of enclosing reductions and whole numbers", start)
        return int(ref)

    def _plain_integer(self, start: int, stop: int) -> int | None:
        """Tokens ``start:stop`` as ``a +- b +- ...`` of integer names and digits, summed left to right; else None.

        Only ``+`` and ``-`` between operands, which the grammar applies left
        to right at one precedence, so the running sum is the parser's value;
        anything else (a product, a power, a parenthesis, a unary minus, an
        unbound name) is left to the parser, which also words its errors.
        """
        if (stop - start) % 2 == 0:
            return None
        toks, scope, total, sign = self.toks, self.scope, 0, 1
        for k in range(start, stop):
            t = toks[k]
            if (k - start) % 2:
                if t == "+":
                    sign = 1
                elif t == "-":
                    sign = -1
                else:
                    return None
            elif t.isdigit():  # a number token of digits only
                total += sign * int(t)
            elif isinstance(scope.get(t), sympy.Integer):  # a name (only names are keys of the scope)
                total += sign * int(scope[t])
            else:
                return None
        return total

    def indexed_name(self, k: int, values: list) -> None:
        """``x[i+1, j]`` (the name token ``k``, then ``[``): the input node of that element."""
        word = self.toks[k]
        close, commas = self._matching(k + 1, word)
        spans = tuple(zip([k + 2, *(c + 1 for c in commas)], [*commas, close]))
        if word not in self.inputs_used:
            self.inputs_used[word] = (self.tokens, k)
            if word in self.indices:
                self.index_clash(word, "an input", (self.tokens, k))
        recording = getattr(self.builder, "record_element", None)
        if recording is not None:  # a term being recorded for replay: remember where the indices are
            recording(word, spans, k, self)
        values.append(self.element(word, spans, k))
        self.i = close + 1  # past the ']'

    def element(self, word: str, spans: tuple, k: int) -> int:
        """The input node of ``word[...]`` whose indices are the tokens in ``spans``, checked against the range.

        In checking mode (:mod:`symgraph.frontend.checking`) the index of the
        reductions around is a stand-in for all its values: only the number of
        indices is checked, not their range.
        """
        bounds = [a for a, _ in spans]
        index = tuple(self.integer(a, b, f"index {j + 1} of {word}[...]") for j, (a, b) in enumerate(spans))
        extent = self.sizes.get(word)
        if extent is not None:
            extent = extent if isinstance(extent, tuple) else (extent,)
            if len(extent) != len(index):
                self.fail(f"{word} takes {len(extent)} ind{'ex' if len(extent) == 1 else 'ices'} (its size is "
                          f"{word}={self.sizes[word]!r}), got {len(index)}", k)
        if not self.checking:
            for j, i in enumerate(index):
                if i < 0:
                    self.fail(f"index {j + 1} of {word}[...] is {i}, out of range: indices run from 0", bounds[j])
            if not fits(index):
                self.fail(f"{word}[{', '.join(map(str, index))}] makes {word} an input of {_entries(index):,} "
                          f"entries (one past each index); an indexed input has at most {MAX_ELEMENTS:,}", bounds[0])
            for j, (i, n) in enumerate(zip(index, extent or ())):
                if i >= n:
                    self.fail(f"index {j + 1} of {word}[...] is {i}, out of range: {word} has " +
                              (f"{n} entr{'y' if n == 1 else 'ies'} along axis {j} (0 to {n - 1})" if n else
                               f"no entries along axis {j} (its size is {word}={self.sizes[word]!r})"), bounds[j])
        try:
            return self.builder.indexed_input(word, index)
        except GraphError as e:
            self.fail(str(e), k)

    def reduction(self, k: int, values: list) -> None:
        """``sum(expr, i, a, b)`` or ``prod(...)`` at token ``k``: the terms for i = a, ..., b joined left to right."""
        word = self.toks[k]
        op, empty = REDUCTIONS[word]
        close, commas = self._matching(k + 1, word)
        if len(commas) != 3:
            self.fail(f"{word}(expr, i, a, b) takes four arguments: the term, the index name and its first and "
                      f"last values (both included), got {len(commas) + 1}", k)
        body, name_at = (k + 2, commas[0]), commas[0] + 1
        index = self.toks[name_at]
        if commas[1] != name_at + 1 or kind(index) != "name":
            self.fail(f"the second argument of {word}() must be the index's name, such as i", name_at)
        if index == "pi" or index in FUNCTIONS or index in REDUCTIONS or keyword.iskeyword(index):
            # pi would stay the constant in the term (sum(pi*y[pi], pi, 0, 2) multiplied by 3.14..., not by 0, 1, 2)
            self.fail(f"the index of {word}() cannot be {index!r}: it is a reserved name; choose another", name_at)
        enclosing = self.indices.get(index) if index in self.scope else None
        self.indices[index] = (word, self.tokens, name_at)  # before the check: the error points here
        if index in self.sizes:
            self.index_clash(index, self.size_said(index))
        elif enclosing is not None:
            self.index_clash(index, f"the index of an enclosing {enclosing[0]}()", enclosing[1:])
        elif index in self.declared:
            self.index_clash(index, self.declared[index][0], self.declared[index][1:])
        elif index in self.inputs_used:
            self.index_clash(index, "an input", self.inputs_used[index])
        elif index in self.scope:
            self.index_clash(index, f"a parameter of {self.defining}()")
        lo = self.integer(commas[1] + 1, commas[2], f"the first value of {index} in {word}()")
        hi = self.integer(commas[2] + 1, close, f"the last value of {index} in {word}()")
        if body[1] <= body[0]:
            self.fail(f"{word}() has no term before its first ','", k)
        term_words = self.toks[body[0]:body[1]]
        if index not in term_words:  # sum(x_i, i, 1, 3) is 3*x_i: a subscript copied from mathematics
            for at, t in enumerate(term_words, body[0]):
                if t.endswith("_" + index) and kind(t) == "name" and len(t) > len(index) + 1:
                    self.fail(f"{t!r} is one name, the same in every term: the term of {word}() does not use its "
                              f"index {index}; the element {index} of an indexed input is written "
                              f"{t[:-len(index) - 1]}[{index}]", at)
        scope = dict(self.scope)
        sub = self._sub_parser(*body, scope, self.integer_only)
        if hi < lo or self.checking and not self.integer_only:
            # no term to make (an empty range), or only checking: the term is read once, at the first value
            scope[index] = sympy.Integer(lo)
            sub.checking, sub.builder = True, CheckingBuilder.over(self.builder, declaring=hi < lo)
            term, _ = sub.expression()
            if sub.builder.is_condition(term):
                self.fail(f"the term of {word}() is a condition, not a number", body[0])
            values.append(empty if hi < lo else sub.builder.number())
            self.i = close + 1
            return
        self.expanding(hi - lo + 1, f"{word}() over {index} = {shown(lo)}..{shown(hi)} has {counted(hi - lo + 1, 'term')}", k)
        tape = _Tape(self.builder, index) if hi > lo and not self.checking and self._replayable(body, index) else None
        builder, acc = self.builder, None
        expanded, repeats = self.expanded, self.repeats
        for value in range(lo, hi + 1):
            expanded[0] += 1
            sub.repeats = repeats * (hi - value + 1)  # what a reduction in the term would run that often
            if tape is not None and value > lo and not tape.ambiguous:
                term = tape.replay(sub, value)  # binds the index in the scope only when it parses
            else:
                scope[index] = sympy.Integer(value)
                sub.i = 0
                recording = tape is not None and value == lo
                if recording:
                    sub.builder = tape
                term, _ = sub.expression()
                if recording:
                    sub.builder = builder
                    tape.finish(term)
            if builder.is_condition(term):
                self.fail(f"the term of {word}() is a condition, not a number", body[0])
            if acc is None:
                acc = term
                if tape is not None and not tape.ambiguous:  # the other terms at once, when the template allows
                    made = tape.repeat(sub, range(lo + 1, hi + 1), op, acc)
                    if made is not None:
                        expanded[0] += hi - lo
                        acc = made
                        break
            else:
                try:
                    acc = builder.binary(op, acc, term)
                except GraphError as e:
                    self.fail(str(e), k)
        values.append(empty if acc is None else acc)
        self.i = close + 1  # past the ')'

    def expanding(self, count: int, what: str, k: int) -> None:
        """Refuse, at token ``k``, ``count`` more terms (``what`` says whose) when the text's expansions would
        pass :data:`MAX_TERMS`.

        ``self.expanded[0]`` counts the terms the call's texts have expanded
        so far (shared by every parser of the call); ``self.repeats`` is how
        often the enclosing reductions, and ``over=``'s copies still to come
        (``self.expanded[1]``), will expand the stretch being parsed again,
        counting this time, so a reduction's terms times it is what the
        stretch will cost in all: ``sum(sum(x[i]*x[j], j, 0, 3999), i, 0, 3999)``
        is refused at its inner ``sum`` before any of its 16 million terms
        is made.  A reduction whose inner bound grows with the outer index
        is counted at the size it has when first met, times the remaining
        outer terms: never less than half of what it expands.
        """
        planned = count * self.repeats
        if self.expanded[0] + planned <= MAX_TERMS:
            return
        if self.repeats > 1:
            copies = self.expanded[1]
            by = (["the reductions around it"] if self.repeats > copies else []) + \
                 ([f"over= ({copies:,} copies of its template from here on)"] if copies > 1 else [])
            what += f", repeated {self.repeats:,} times by {' and '.join(by)} ({counted(planned, 'term')})"
        if planned <= MAX_TERMS:  # too many only with what came before
            what += f", after the {counted(self.expanded[0], 'term')} expanded before it"
        self.fail(f"{what}; the limit is {MAX_TERMS:,} terms per call (reductions and calls of defined functions, "
                  "in all its texts)", k)

    def index_clash(self, index: str, what: str, where: tuple | None = None):
        """Raise the ParseError for an index that also names ``what`` (at ``(Tokens, token index)``) in the text.

        An index is bound only inside its reduction, so an input (or an
        assigned name, a function, a size) of the same name elsewhere in the
        text would be two things under one name: ``i + sum(x[i], i, 0, 2)``
        reads as if the outer ``i`` took part in the sum.  Refused whichever
        comes first, at the reduction's index, so the message does not depend
        on the order; two reductions side by side may share an index.
        """
        word, tokens, at = self.indices[index]
        said = ""
        if where is not None:
            line, column = line_column(self.text, where[0].pos(where[1]))
            said = f" (line {line}, column {column})"
        raise ParseError(f"the index {index!r} of {word}() is also {what}{said}; an index is bound only inside "
                         f"its {word}(): choose another name for it", self.text, tokens.pos(at))

    def _replayable(self, body: tuple[int, int], index: str) -> bool:
        """True when the term's builder calls are the same for every index value but the elements' indices:
        the index appears only inside ``[...]``, and the term has no reduction or definition call of its own."""
        depth = 0
        for t in self.toks[body[0]:body[1]]:
            if t == "[":
                depth += 1
            elif t == "]":
                depth -= 1
            elif t == index and depth == 0 or t in REDUCTIONS or t in self.definitions:
                return False
        return True


def _not_integer(value: object) -> str:
    """What a computed index or bound that is not an integer is, in words: ``2.0`` is written as a decimal
    number (indices count elements, so the grammar takes no float there), ``i/2`` a fraction, ``y`` an input."""
    if isinstance(value, sympy.Float):
        number = float(value)
        return f"the decimal number {number!r}" + (f" (write {int(number)})" if number.is_integer() else "")
    if isinstance(value, sympy.Basic):
        return f"{value}, not an integer"
    return "a constant that is not computed while parsing (a power beyond 1,024 bits stays unevaluated)"


def _entries(index: tuple) -> int:
    """The entries an indexed input has when ``index`` is its largest element: the product of one past each."""
    count = 1
    for i in index:
        count *= i + 1
    return count


def fits(index: tuple) -> bool:
    """True when an indexed input whose largest element is ``index`` stays within :data:`MAX_ELEMENTS`."""
    return _entries(index) <= MAX_ELEMENTS


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

    def repeat(self, parser, values: range, join: str, acc: int) -> int | None:
        """``acc`` joined with the terms at ``values``, made by :meth:`GraphBuilder.repeat` in one loop; None
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
