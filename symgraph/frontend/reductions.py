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
in does not matter.  The parser (:mod:`symgraph.frontend.statements`) mixes these methods in.

A term of numbers and the index alone (``sum(i^2/2, i, 0, 10^7)``, ``sum(0.1*i, ...)``) is one
constant, computed at once by :mod:`symgraph.frontend.constant_reductions`, equal to its terms
folded one by one; where it cannot be, its terms are folded one by one, at most
:data:`~symgraph.frontend.constant_reductions.MAX_TERM_BY_TERM` of them (an error says why, not
a minute's wait).

A term that only its elements' indices vary in is parsed once and replayed for the other
values (:mod:`symgraph.frontend.replay`), a reduction inside it recorded with it (each of
its terms parsed while the term is recorded, unless it has more terms than the enclosing
loops will replay the record: then the record is given up and the term parsed at each
value); the limits on what a call may expand are in :mod:`symgraph.frontend.limits`.
"""
from __future__ import annotations

import keyword

import sympy

from ..constants import MAX_CONSTANT_BITS, MAX_CONSTANT_DIGITS
from ..errors import GraphError, ParseError, counted, line_column, shown
from ..ops import FUNCTIONS
from .checking import CheckingBuilder
from .constant_reductions import MAX_TERM_BY_TERM, TermByTerm, reduce_constant
from .limits import MAX_ELEMENTS, MAX_NODES, MAX_TERMS, _entries, fits
from .replay import Reparse, _Tape
from .tokens import kind

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
        sub.over_index, sub.copied_sums = self.over_index, self.copied_sums
        sub.size_reads, sub.untaken = self.size_reads, self.untaken
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
            return self._small(plain, start, what)
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
        return self._small(int(ref), start, what)

    def _small(self, value: int, start: int, what: str) -> int:
        """``value``, refused beyond :data:`~symgraph.constants.MAX_CONSTANT_BITS` bits as the constants are:
        no index or bound is that large, and Python would not even write its digits into a message."""
        if value.bit_length() > MAX_CONSTANT_BITS:
            self.fail(f"{what} is {shown(value)}, beyond {MAX_CONSTANT_BITS:,} bits", start)
        return value

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
            elif t.isdigit() and len(t) <= MAX_CONSTANT_DIGITS:  # a number token of digits only (longer: the parser refuses it)
                total += sign * int(t)
            elif isinstance(scope.get(t), sympy.Integer):  # a name (only names are keys of the scope)
                total += sign * int(scope[t])
            else:
                return None
        return total

    def indexed_name(self, k: int, values: list) -> None:
        """``x[i+1, j]`` (the name token ``k``, then ``[``): the input node of that element."""
        word = self.toks[k]
        index, close = self._plain_index(k)
        if index is None:
            close, commas = self._matching(k + 1, word)
            spans = tuple(zip([k + 2, *(c + 1 for c in commas)], [*commas, close]))
        else:
            spans = tuple((a, a + 1) for a in range(k + 2, close, 2))
        if word not in self.inputs_used:
            self.inputs_used[word] = (self.tokens, k)
            if word in self.indices:
                self.index_clash(word, "an input", (self.tokens, k))
        if self.builder.__class__ is _Tape:  # a term being recorded for replay: remember where the indices are
            self.builder.record_element(word, spans, k, self)
        values.append(self.element(word, spans, k) if index is None else self._placed(word, index, spans, k))
        self.i = close + 1  # past the ']'

    def _plain_index(self, k: int) -> tuple[tuple | None, int]:
        """The index of the element whose name is token ``k`` when each of its indices is one token, a short
        whole number or a name bound to an integer (``x[3]``, ``W[i, 2]``, most elements of a written-out
        text), and the token index of its ``]``; else ``(None, 0)``, and the parser reads the brackets.

        Why: reading ``x[3]`` through the bracket matcher and an integer parse per index was about 40% of
        parsing a written-out sum; the values are the ones :meth:`integer` gives.
        """
        toks, scope, index, j = self.toks, self.scope, [], k + 2
        while True:
            t = toks[j]
            if t.isdigit() and len(t) < 19:  # below 10^18: no index that short passes the bits' limit
                index.append(int(t))
            else:
                value = scope.get(t)
                if not isinstance(value, sympy.Integer):  # a name (only names are keys of the scope)
                    return None, 0
                value = int(value)
                if value.bit_length() > MAX_CONSTANT_BITS:  # refused by the parser, which words it
                    return None, 0
                index.append(value)
            t = toks[j + 1]
            if t == "]":
                return tuple(index), j + 1
            if t != ",":
                return None, 0
            j += 2

    def element(self, word: str, spans: tuple, k: int) -> int:
        """The input node of ``word[...]`` whose indices are the tokens in ``spans``, checked against the range."""
        index = tuple(self.integer(a, b, f"index {j + 1} of {word}[...]") for j, (a, b) in enumerate(spans))
        return self._placed(word, index, spans, k)

    def _placed(self, word: str, index: tuple, spans: tuple, k: int) -> int:
        """The input node of element ``index`` of ``word`` (its indices' tokens in ``spans``), checked against the
        range.

        In checking mode (:mod:`symgraph.frontend.checking`) the index of the
        reductions around is a stand-in for all its values: only the number of
        indices is checked, not their range.
        """
        extent = self.sizes.get(word)
        if extent is None and len(index) == 1 and 0 <= index[0] < MAX_ELEMENTS and not self.checking:
            try:  # the common element of a vector, in range: none of the checks below can refuse it
                return self.builder.indexed_input(word, index)
            except GraphError as e:
                self.fail(str(e), k)
        bounds = [a for a, _ in spans]
        if extent is not None:
            extent = extent if isinstance(extent, tuple) else (extent,)
            if len(extent) != len(index):
                self.fail(f"{word} takes {len(extent)} ind{'ex' if len(extent) == 1 else 'ices'} (its size is "
                          f"{word}={self.sizes[word]!r}), got {len(index)}", k)
        if self.untaken and not self.checking and self._not_taken(k) and (
                any(i < 0 for i in index) or not fits(index) or any(i >= n for i, n in zip(index, extent or ()))):
            index = (0,) * len(index)  # in a branch not taken, element 0 stands for one out of range (_not_taken)
        if not self.checking:
            for j, i in enumerate(index):
                if i < 0:
                    self.fail(f"index {j + 1} of {word}[...] is {i}{self._bound_now()}, out of range: indices run "
                              "from 0", bounds[j])
            if not fits(index):
                entries = _entries(index)  # of up to 1,024 bits an index: their product, counted when long
                entries = shown(entries) if entries.bit_length() > MAX_CONSTANT_BITS else f"{entries:,}"
                self.fail(f"{word}[{', '.join(map(str, index))}] makes {word} an input of {entries} "
                          f"entries (one past each index); an indexed input has at most {MAX_ELEMENTS:,}", bounds[0])
            for j, (i, n) in enumerate(zip(index, extent or ())):
                if i >= n:
                    self.fail(f"index {j + 1} of {word}[...] is {i}{self._bound_now()}, out of range: {word} has " +
                              (f"{n} entr{'y' if n == 1 else 'ies'} along axis {j} (0 to {n - 1})" if n else
                               f"no entries along axis {j} (its size is {word}={self.sizes[word]!r})"), bounds[j])
        try:
            return self.builder.indexed_input(word, index)
        except GraphError as e:
            self.fail(str(e), k)

    def _bound_now(self) -> str:
        """The values of the indices (over='s too) and integer parameters bound where an element is made, for its
        range error: ``x[i+1]`` of a sum is out of range at one term, and the position alone does not say which.
        Sizes and assigned names are left out: they have one value in the whole text."""
        bound = [f"{name} = {value}" for name, value in self.scope.items() if isinstance(value, sympy.Integer) and (
            name == self.over_index or name not in self.sizes and name not in self.declared)]
        return f" (where {', '.join(bound)})" if bound else ""

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
        builder, acc = self.builder, None
        if isinstance(builder, _Tape):  # inside a term being recorded: each term parsed, and recorded with it
            if builder.ambiguous or hi - lo + 1 > self.repeats:  # unless more terms than it saves: given up
                builder.ambiguous = True
                builder = sub.builder = builder.builder
        try:
            constant = reduce_constant(self, *body, index, lo, hi, op)
        except TermByTerm as e:
            self.fail(f"{word}() over {index} = {shown(lo)}..{shown(hi)} has {counted(hi - lo + 1, 'term')} of numbers "
                      f"that would be folded one by one ({e.why}), at most "
                      f"{MAX_TERM_BY_TERM:,} terms; a polynomial term of numbers is summed at once (sum({index}^2/2, "
                      f"{index}, 0, 10^7)), and a term of data is written with an indexed input (1/x[{index}] with "
                      f"x given as an array)", k)
        if constant is not None:  # a term of numbers and the index: its value at once, not term by term
            self.expanded[0] += hi - lo + 1
            values.append(constant)
            self.i = close + 1
            return
        replayable = hi > lo and not self.checking and not isinstance(builder, _Tape) and \
            self._replayable(body, index)
        expanded, repeats, tape = self.expanded, self.repeats, None
        made_before = builder.size()
        copied = replayable  # every term made from the first one's record
        for value in range(lo, hi + 1):
            expanded[0] += 1
            sub.repeats = repeats * (hi - value + 1)  # what a reduction in the term would run that often
            term = None
            if tape is not None and not tape.ambiguous:
                try:
                    term = tape.replay(sub, value)  # binds the index in the scope only when it parses
                except Reparse:
                    term = None
            if term is None:
                copied = copied and value == lo
                scope[index] = sympy.Integer(value)
                sub.i = 0
                recording = replayable and value == lo
                if recording:
                    tape = sub.builder = _Tape(builder, index, sub, hi, repeats, 1)
                term, _ = sub.expression()
                if recording:
                    sub.builder = builder
                    tape.finish(term)
            if builder.is_condition(term):
                self.fail(f"the term of {word}() is a condition, not a number", body[0])
            if acc is None:
                acc = first = term
                self.building(hi - lo + 1, builder.size() - made_before,
                              f"{word}() over {index} = {shown(lo)}..{shown(hi)}", k)
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
        if copied and op == "add" and tape is not None and not tape.ambiguous and acc.__class__ is int:
            moved = tape.copied_elements(lo)
            if moved is not None:
                self.copied_sums[acc] = (first, moved, hi - lo + 1)
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
        noting = getattr(self.builder, "note_expanding", None)
        if noting is not None:  # a term being recorded: its replays check it again
            noting(self, count)
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

    def building(self, terms: int, first: int, what: str, k: int) -> None:
        """Refuse, at token ``k``, a reduction of ``terms`` terms whose first made ``first`` nodes when, each
        other term making as many and one more joining it, times the enclosing reductions' repeats, it would
        build more than :data:`MAX_NODES`: before the other terms are made (they took minutes)."""
        planned = terms * self.repeats * (first + 1)
        if planned > MAX_NODES:
            repeated = f", repeated {self.repeats:,} times by the reductions around it" if self.repeats > 1 else ""
            self.fail(f"{what} would build about {planned:,} graph nodes ({counted(terms, 'term')}{repeated}, "
                      f"about {counted(first + 1, 'node')} each, as the first term shows); the limit is {MAX_NODES:,} "
                      "nodes a reduction, as building more takes minutes (a term of numbers alone is computed at "
                      "once and builds none)", k)

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
        the index appears only inside ``[...]`` (so not in the bounds of a reduction inside the term, whose
        terms are recorded with it), and the term calls no definition and has no reduction inside an index."""
        depth = 0
        for t in self.toks[body[0]:body[1]]:
            if t == "[":
                depth += 1
            elif t == "]":
                depth -= 1
            elif t == index and depth == 0 or t in REDUCTIONS and depth or t in self.definitions:
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
