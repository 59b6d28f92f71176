"""The parser of one text: what its parse keeps, and its statements (``name = expr`` lines, a bare last line).

:class:`_Parser` holds the state of one text's parse (its scope, the inputs
it used, the sizes, the budget its call shares) and reads its lines; the
expressions (:mod:`~symgraph.frontend.expressions`), operands
(:mod:`~symgraph.frontend.operands`), calls (:mod:`~symgraph.frontend.calls`)
and reductions (:mod:`~symgraph.frontend.reductions`) are mixed into it.
The calls that parse text (:mod:`symgraph.frontend.parse`) make one parser
per text.
"""
from __future__ import annotations

import warnings

from ..errors import ParseError, ReadingWarning, caller_level, line_column, shown
from ..ir.builder import GraphBuilder
from .calls import Calls, Definition
from .expressions import _CALLABLE, _KEYWORDS, Expressions
from .operands import Operands
from .reductions import REDUCTIONS, Reductions
from .tokens import kind, scan


def names_read_none(names: list, tokens: list) -> bool:
    """Whether none of ``names`` is among ``tokens`` (the texts of a line's tokens)."""
    return set(names).isdisjoint(tokens)


class _Parser(Expressions, Operands, Calls, Reductions):
    """One pass over the tokens of one text, building into a shared builder.

    The parser reads token texts (``self.toks``, a list of strings) and
    refers to a token by its index; its position in the text is looked up
    only for an error (:meth:`fail`).
    """

    def __init__(self, text: str, builder: GraphBuilder):
        self.builder = builder
        self.tokens = scan(text)
        self.text = self.tokens.text  # line breaks normalised: every error's line and column read this text
        self.toks = self.tokens.texts
        self.i = 0
        #: this text's assignments: name -> ref (each text of a list has its own scope)
        self.scope: dict[str, object] = {}
        #: names this text used as inputs -> where first used: (the Tokens, token index)
        self.inputs_used: dict[str, tuple] = {}
        #: names this text assigns or defines -> (what it is, the Tokens, token index); and the index names
        #: of its reductions -> (the reduction's word, the Tokens, token index of the latest binding).  An
        #: index may name no other thing in its text, whichever comes first (Reductions.index_clash)
        self.declared: dict[str, tuple] = {}
        self.indices: dict[str, tuple] = {}
        #: names this parser resolved to inputs, and the names its statements assigned -> their refs: what
        #: such a name stands for never changes here (assigning it again, or after using it as an input,
        #: is an error), so its next use is one lookup.  Sub-parsers start their own (a reduction's
        #: index changes value)
        self.known: dict[str, object] = {}
        #: the name the statement being parsed assigns (its right-hand side may not use it)
        self.target: str | None = None
        #: functions this text defined (``f(u) = u*sigmoid(u)``), visible from the next line on
        self.definitions: dict[str, Definition] = {}
        #: how many definitions are being expanded inside each other here
        self.nesting = 0
        #: in a definition's body: its name, and the names the calling text has assigned by now
        self.defining: str | None = None
        self.caller_scope: dict = {}
        #: in an index or a bound: only sizes, indices and numbers
        self.integer_only = False
        #: checking text that makes no term (:mod:`symgraph.frontend.checking`): the builder is a CheckingBuilder
        self.checking = False
        #: sizes bound by keyword (name -> int), and indexed inputs' declared extents
        self.sizes: dict = {}
        #: the size :func:`parse_over` binds in each copy of its template (its over= index), or None
        self.over_index: str | None = None
        #: the sums this parser made whose every term is its first with elements moved: the sum's node -> (the
        #: first term's node, its elements' moves as :meth:`_Tape.copied_elements` gives them, the terms)
        self.copied_sums: dict[int, tuple] = {}
        #: where the text reads a size as a number (positions in the text), shared with sub-parsers: a size read
        #: nowhere else is a plain input given as a size (:meth:`sizes_only_read`)
        self.size_reads: set[int] = set()
        #: the spans (text positions) of where() arguments its condition, a number while parsing, does not take, while
        #: that where() is read (shared with sub-parsers): an element there may be out of range (:meth:`_placed`)
        self.untaken: list[tuple[int, int]] = []
        #: the budget of one call (Reductions.expanding): [the terms its texts' reductions and definition calls
        #: have expanded so far, how many copies of this text over= parses from here on (1 without over=)], one
        #: list shared by the call's parsers and their sub-parsers; and how often the enclosing reductions and
        #: over= will parse this stretch again, counting this time
        self.expanded = [0, 1]
        self.repeats = 1

    def error(self, message: str, pos: int):
        raise ParseError(message, self.text, pos)

    def fail(self, message: str, k: int):
        """Raise the ParseError ``message`` at token ``k``."""
        raise ParseError(message, self.text, self.tokens.pos(k))

    def peek(self, k: int = 0) -> str:
        try:
            return self.toks[self.i + k]
        except IndexError:  # past the end: the end token
            return ""

    def sizes_only_read(self, exempt: "set[str] | frozenset[str]" = frozenset()) -> dict[str, int]:
        """The sizes this text reads only as a number, each with its first place: ``parse("x + 1", x=3)`` made the
        input x the constant 3 silently, where a size fixes how far an index runs or an indexed input's extent.  A
        size also written in an index, a bound or as ``x[...]`` (in this text or, :func:`size_read_error`, another
        text of the call) may be read as a number too (the mean ``sum(x[i], i, 0, n-1)/n``), and so may the
        ``exempt`` names: the index :func:`parse_over` binds in each copy (``a*k + b`` over k) and the sizes its
        bounds read (``m`` of ``over=("k", 0, "m-1")`` in ``(y[k] - a*t[k])/sqrt(m)``)."""
        if not self.size_reads:
            return {}
        words, reads, found = self.tokens.texts, self.size_reads, {}
        for name in self.sizes:
            if name in exempt:
                continue
            places = [self.tokens.pos(k) for k, w in enumerate(words) if w == name]
            if places and all(p in reads for p in places):
                found[name] = places[0]
        return found

    def size_said(self, name: str) -> str:
        """What the size ``name`` is, in words for an error: bound by keyword, or the over= index, which the
        user bound by ``over=`` (one copy of the template per value), not by keyword."""
        if name == self.over_index:
            return f"the index of over= (each copy of the template binds it; {name}={self.sizes[name]!r} in this one)"
        return f"a size bound by keyword ({name}={self.sizes[name]!r})"

    # -- statements -------------------------------------------------------
    def program(self) -> tuple[list, list, object | None]:
        """Parse every statement; return (assigned names, their refs, the bare final expression or None)."""
        names, refs, bare = [], [], None
        toks = self.toks
        while True:
            while self.peek() == "\n":  # blank lines; a ';' ends the statement before it, and only that
                self.i += 1
            if self.peek() == ";":
                self.fail("';' must end an assignment line ('name = expr'); this one ends no line (remove it)",
                          self.i)
            t, k = self.peek(), self.i
            if t == "":
                break
            if bare is not None:
                self.fail("only the last line may be a bare expression; earlier lines must be 'name = expr'",
                          bare[1])
            if kind(t) == "name" and self.peek(1) == "(" and self._is_definition():
                self.define(k)
                self.i += self.peek() == ";"  # a definition stops at its ';', an expression moves past it
            elif kind(t) == "name" and self.peek(1) == "=":
                name = self.target = self.assignment_target(k)
                self.declared.setdefault(name, ("a name this text assigns", self.tokens, k))
                self.i += 2
                ref, stop = self.expression()
                self.result_at = k
                self.target = None
                self.scope[name] = self.known[name] = ref
                self.builder.assign(name, ref)
                names.append(name)
                refs.append(ref)
            else:
                ref, stop = self.expression()
                bare = (ref, stop)
                self.result_at = k
                if t in ("+", "-") and names and toks[k - 1] == "\n" and names_read_none(names, toks[k:stop]):
                    self.note_continuation(k, names)
                if toks[stop] == ";":
                    self.fail("';' must end an assignment line ('name = expr'), not a bare expression", stop)
        if not names and bare is None:
            if self.definitions:
                defined = ", ".join(f"{f}()" for f in self.definitions)
                self.error(f"the text only defines {defined}: add a line that computes with "
                           f"{'it' if len(self.definitions) == 1 else 'them'}, such as "
                           f"{next(iter(self.definitions))}(x)", len(self.text))
            self.error("empty expression", len(self.text))
        if bare is not None and bare[1] == self.result_at + 1 and toks[self.result_at] in names:
            # the last line names an assigned value: the output keeps that name (x = 2; x is x, not a
            # generated name, as it is when x = a*b)
            names.append(toks[self.result_at])
            refs.append(bare[0])
            bare = None
        return names, refs, None if bare is None else bare[0]

    def note_continuation(self, k: int, names: list) -> None:
        """A :class:`ReadingWarning` for a last line that starts with a sign and reads none of the names the lines
        above assign: ``c = a*b`` then ``  + d`` is a program whose output is ``+d`` (a line break ends a line, and
        a bare last line is the output), where the continuation of c's formula was most likely meant."""
        j = k - 1
        while self.toks[j] == "\n":
            j -= 1
        line, above = (line_column(self.text, self.tokens.pos(at))[0] for at in (k, j))
        assigned = ", ".join(dict.fromkeys(names))
        warnings.warn(ReadingWarning(
            f"line {line} starts with {self.toks[k]!r}: a line break ends a line, so line {line} is the output on "
            f"its own and does not use {assigned} (assigned above); to go on with line {above}'s expression, put "
            "it in parentheses"), stacklevel=caller_level())

    def assignment_target(self, k: int) -> str:
        name = self.toks[k]
        if name in _CALLABLE or name == "pi" or name in _KEYWORDS or name in REDUCTIONS:
            self.fail(f"cannot assign to {name!r}: it is a reserved name", k)
        if name in self.definitions:
            self.fail(f"{name!r} is a function this text defined", k)
        if name in self.sizes:
            self.fail(f"{name!r} is {self.size_said(name)}; it cannot be assigned", k)
        if name in self.scope:
            self.fail(f"{name!r} is assigned twice", k)
        if name in self.indices:
            self.index_clash(name, "a name this text assigns", (self.tokens, k))
        if name in self.inputs_used:
            tokens, at = self.inputs_used[name]
            line, column = line_column(self.text, tokens.pos(at))
            self.fail(f"{name!r} is used as an input (line {line}, column {column}) before this line "
                      "assigns it", k)
        return name
