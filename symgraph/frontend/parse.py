"""Text -> :class:`~symgraph.ir.graph.Graph`, by a hand-written iterative parser.

No ``eval``, ``exec``, ``sympify`` or ``parse_expr`` ever sees user text: a
scanner turns the text into tokens, and a shunting-yard loop (an explicit
operator stack, no recursion, so 10,000-deep nesting is fine) feeds them to a
:class:`~symgraph.ir.builder.GraphBuilder`; the scanner is :mod:`symgraph.frontend.tokens`.  Every problem is a
:class:`~symgraph.errors.ParseError` carrying the position and a caret excerpt.

Grammar (see the README): numbers, ``pi``, names, binary ``+ - * /``, power
``^`` or ``**`` (right-associative, tighter than unary minus: ``-x^2`` is
``-(x^2)``), unary ``+ -``, parentheses, calls of the functions in
:data:`symgraph.ops.FUNCTIONS` with the number of arguments the op table gives
them (a call frame on the stack counts its commas), conditions (comparisons,
``and``, ``or``, ``not``: the builder checks that they only go into ``where``
and each other), and programs of
``name = expr`` lines separated by newlines or ``;`` whose last line may be a
bare expression; ``#`` starts a comment that runs to the end of the line.

Speed (``benchmarks/parse_bench.py`` texts, best of 3, old and new code
interleaved on the shared 2-core machine, same graphs and messages): the
524,288-term ``x+x+...+x`` 1.33 s (1.33-1.72) -> 1.06 s (1.06-1.18); the 1 MB
expression 0.66 -> 0.56 s; the 1 MB program 0.62 -> 0.59 s; the 100,001-factor
product 0.23 -> 0.16 s; the 10^6-node ``sum(sin(x[i])*x[i+1], i, 0, n-1)``
4.7 s (4.7-7.6) -> 2.35 s (2.35-2.52).  Where the time went, and what removed it:

* the operator stack: a frame pushed and popped per operator; a *run*
  (:meth:`_Parser.expression`) applies an operator as soon as its right
  operand is read and no tighter operator follows it, the same builder
  calls in the same order;
* hash-consing keys: ``(op, x, y)`` plus the operand tuple ``(x, y)`` per
  node; the builder keeps one table per op keyed by the pair, which is also
  the node's operand tuple (1.8 k instead of 3.2 k instructions per node);
* a second search of the text for the words generated names avoid: they
  come from the scan's distinct tokens (:meth:`Tokens.words`);
* a reduction's replayed term: an index ``i+1`` is ``a + b*i`` found once,
  and the index is a sympy Integer only when the parser reads it;
* the end (:meth:`GraphBuilder.finish`): an indexed input's extent found
  once, not grown per element, element names given at once when all are
  free, one set of taken names for the namer, input labels on first use.
"""
from __future__ import annotations

import keyword
import math
import operator
import re
from itertools import islice
from typing import Any, Mapping, Sequence

import numpy as np
import sympy
from sympy.printing.latex import greek_letters_set

from ..options import checked_options, is_size
from ..errors import ArgumentError, GraphError, ParseError, closest_name, line_column, shown
from ..ir.builder import CONDITION_RESULT as _CONDITION_RESULT, GraphBuilder
from ..ir.graph import Graph, element_label, read_element_label
from ..constants import constant_key as _constant_key
from ..ops import FUNCTIONS, OPS
from ..progress import paused_gc
from .calls import Calls, Definition, arity_text
from .from_sympy import graph_from_sympy
from .reductions import MAX_ELEMENTS, MAX_TERMS, REDUCTIONS, Reductions
from .tokens import NUMBERS, PUNCTUATION, OutOfRange, kind, names_in, number, scan

_DIGITS = frozenset("0123456789.")

#: Texts longer than this are refused up front (about 40 MB of graph).
MAX_TEXT_LENGTH = 5_000_000

#: operator text -> (precedence, op, right-associative): the op table's binary operators, by both
#: spellings (``^``, ``**``); only the power is right-associative (a^b^c is a^(b^c))
_BINARY = {text: (row.precedence, row.name, row.name == "pow") for row in OPS.values()
           if row.arity == 2 and row.precedence for text in (row.symbol, row.infix)}
#: the grammar's function names, as a set: every name token is looked up in it (the op table's own
#: ordered set, so functions registered at run time are callable at once)
_CALLABLE = FUNCTIONS
#: prefix operators' precedences: unary minus binds tighter than * and looser than ^ (-x^2 is
#: -(x^2)); ``not`` looser than comparisons and tighter than ``and`` (not x > 0 and y > 0 is
#: (not (x > 0)) and (y > 0))
_UNARY_PREC = {"neg": OPS["neg"].precedence, "pos": OPS["neg"].precedence, "not": OPS["not"].precedence}
#: the operators spelled as words (name tokens): and, or (binary), not (prefix)
_WORD_BINARY = frozenset(text for text in _BINARY if text.isalpha())
_KEYWORDS = frozenset(keyword.kwlist)
#: what other notations call the grammar's functions (ISO 80000-2's ln, lg, lb; NumPy's arcsin, ...): spelling
#: similarity misses them (ln is no near spelling of log) or finds the wrong one (sigma is nearest sign)
_OTHER_NAMES = {"ln": "log", "lg": "log10", "lb": "log2", "ld": "log2", "arcsin": "asin", "arccos": "acos",
                "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "arsinh": "asinh",
                "arcosh": "acosh", "artanh": "atanh", "arctan2": "atan2", "logistic": "sigmoid", "expit": "sigmoid",
                "sigma": "sigmoid", "sgn": "sign", "signum": "sign", "fabs": "abs", "absolute": "abs",
                "power": "pow", "maximum": "max", "minimum": "min", "ceiling": "ceil", "rint": "round"}
#: functions the grammar lacks, and what to write for them
_MISSING = {"mod": "x - y*floor(x/y) for mod(x, y)", "fmod": "x - y*floor(x/y) for mod(x, y)",
            "cot": "1/tan(x)", "sec": "1/cos(x)", "csc": "1/sin(x)", "coth": "1/tanh(x)"}
_PI = sympy.pi
#: the tokens that end an operand's run of operators: every pending operator is applied before them
_ENDS = frozenset([")", ",", ";", ""])
#: operator runs are applied as they are read (see :meth:`_Parser.expression`); False makes the
#: operator stack take every operator, which the tests use as the reference
_RUNS = True


def _function_hint(word: str, functions: Sequence[str]) -> str:
    """What to say after "unknown function 'word'": what to write for a function the grammar lacks, the
    function another notation's name means, or a near spelling and how to multiply (``x(y+1)``)."""
    if word in _MISSING:
        return f" (there is no {word}(): write {_MISSING[word]})"
    close = _OTHER_NAMES.get(word.casefold())
    if close is not None and word not in greek_letters_set:  # sigma(x + 1) may be sigma*(x + 1)
        return f" (did you mean {close}?)"
    close = close or closest_name(word, functions, cutoff=0.65)  # at 0.6 mod was sigmoid and square sqrt
    if close is not None and close.casefold() == word.casefold():  # Sin(x)
        return f" (did you mean {close}?)"
    multiply = f"to multiply write {word}*(...)"  # tau(x+1) may be a typo of tan or tau*(x+1)
    return f" (did you mean {close}? {multiply[0].upper()}{multiply[1:]})" if close else f" ({multiply})"


class _Parser(Calls, Reductions):
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
        #: where the text reads a size as a number (positions in the text), shared with sub-parsers: a size read
        #: nowhere else is a plain input given as a size (:meth:`check_sizes`)
        self.size_reads: set[int] = set()
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

    def check_sizes(self, index: str | None = None) -> None:
        """Refuse a size the text reads only as a number: ``parse("x + 1", x=3)`` made the input x the constant 3
        silently, where a size fixes how far an index runs or an indexed input's extent.  A size also written in an
        index, a bound or as ``x[...]`` may be read as a number too (the mean ``sum(x[i], i, 0, n-1)/n``), and so
        may ``index``, the index :func:`parse_over` binds in each copy (``a*k + b`` over k)."""
        if not self.size_reads:
            return
        words, reads = self.tokens.texts, self.size_reads
        for name, value in self.sizes.items():
            if name == index:
                continue
            places = [self.tokens.pos(k) for k, w in enumerate(words) if w == name]
            if places and all(p in reads for p in places):
                self.error(f"{name!r} is given as a size ({name}={value!r}), but the text uses it only as a number: "
                           f"{name} is a plain input, not indexed ({name}[...]), and no index or bound uses it. A "
                           f"size fixes how far an index runs or an indexed input's extent; give {name} a value "
                           f"where the function is evaluated instead", places[0])

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
                if toks[stop] == ";":
                    self.fail("';' must end an assignment line ('name = expr'), not a bare expression", stop)
        if not names and bare is None:
            if self.definitions:
                defined = ", ".join(f"{f}()" for f in self.definitions)
                self.error(f"the text only defines {defined}: add a line that computes with "
                           f"{'it' if len(self.definitions) == 1 else 'them'}, such as "
                           f"{next(iter(self.definitions))}(x)", len(self.text))
            self.error("empty expression", len(self.text))
        return names, refs, None if bare is None else bare[0]

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

    # -- expressions ------------------------------------------------------
    def expression(self):
        """Shunting-yard over one expression; returns (ref, the index of the token that ended it).

        The operator stack holds ``(precedence, kind, payload, token index)``
        frames, kind ``bin``/``un`` (precedence > 0) or ``paren``/``call``
        (precedence 0: they stop every reduction; a call frame also lists
        its commas' token indices).  The loop reads the token texts directly
        and handles the common tokens -- a number, a name that stands for a
        value, a binary operator and the reductions it triggers -- in line:
        per token it costs a few dict lookups, which keeps a long text near
        the cost of scanning it.  An operator whose right operand is at hand
        and not taken by a tighter operator after it is applied at once (a
        run: ``x+x+...+x`` never touches the stack; ``_RUNS = False`` turns
        runs off, the reference the tests compare with).  Everything else
        goes through the methods below, which also word every error.
        """
        toks, binary, scope, known, numbers = self.toks, self.builder.binary, self.scope, self.known, NUMBERS
        definitions = self.definitions
        values: list = []
        ops: list[tuple] = []
        expect_operand = True
        depth = 0
        i = self.i  # the methods called below read and advance self.i: it is synchronised around them
        while True:
            t = toks[i]
            if expect_operand:
                if t in PUNCTUATION:
                    if t == "\n" and depth:
                        i += 1  # a newline inside parentheses is white space
                        continue
                    self.operand(i, values, ops)  # '(', a prefix '+' or '-', or an operand is missing
                    i = self.i
                    depth += t == "("
                    continue
                if t[0] in _DIGITS:
                    value = NUMBERS.get(t)
                    if value is None:
                        try:
                            value = number(t)
                        except OutOfRange as e:
                            self.fail(str(e), i)
                    values.append(value)
                    i += 1
                    expect_operand = False
                    continue
                nxt = toks[i + 1]
                if nxt != "(" and nxt != "[":  # a name that stands for a value: an input seen before, or assigned
                    value = known.get(t)
                    if value is None and t in scope and t not in _CALLABLE and t not in _KEYWORDS and t != "pi" \
                            and t not in definitions:
                        value = scope[t]
                        if t in self.sizes and not self.integer_only:
                            self.size_reads.add(self.tokens.pos(i))
                    if value is not None:
                        values.append(value)
                        i += 1
                        expect_operand = False
                        continue
                if t == "not":
                    ops.append((_UNARY_PREC["not"], "un", "not", i))
                    i += 1
                elif t in _WORD_BINARY:
                    self.operand(i, values, ops)  # an operator where an operand must start
                else:
                    self.name(i, values, ops)
                    i = self.i
                    if t in _CALLABLE or t in definitions:
                        depth += 1  # a call frame (anything else was an error)
                    else:
                        expect_operand = False
                continue
            operator = _BINARY.get(t)
            if operator is not None:
                prec, name, right = operator
                while ops:
                    frame = ops[-1]
                    if frame[0] > prec or frame[0] == prec and not right:
                        ops.pop()
                        if frame[1] == "bin":  # reduce(), in line for the common case
                            y = values.pop()
                            try:
                                values[-1] = binary(frame[2], values[-1], y)
                            except GraphError as e:
                                self.fail(str(e), frame[3])
                        else:
                            self.reduce(frame, values)
                    else:
                        break
                # A run: while the next token is an operand at hand (a known name, a number read before)
                # and the token after it does not bind it tighter, the operator is applied at once; the
                # frames it would have pushed and popped are never made (the same builder calls, in the
                # same order, as the stack gives)
                value = None
                if _RUNS:
                    value = known.get(toks[i + 1])
                    if value is None:
                        value = numbers.get(toks[i + 1])
                while value is not None:
                    nxt = toks[i + 2]
                    after = _BINARY.get(nxt)
                    if nxt not in _ENDS if after is None else after[0] > prec or after[0] == prec and right:
                        break
                    try:
                        values[-1] = binary(name, values[-1], value)
                    except GraphError as e:
                        self.fail(str(e), i)
                    i += 2
                    if after is None or after[0] != prec:
                        name = None  # the loop goes on at token i, which ends the run
                        break
                    name = after[1]
                    value = known.get(toks[i + 1])
                    if value is None:
                        value = numbers.get(toks[i + 1])
                if name is None:
                    continue
                ops.append((prec, "bin", name, i))
                i += 1
                expect_operand = True
            elif t == ")":
                self.reduce_all(values, ops)
                if not ops:
                    self.fail("unbalanced ')': no '(' to close", i)
                frame = ops.pop()
                if frame[1] == "call":
                    self.call(frame, values)
                depth -= 1
                i += 1
            elif t == ",":
                self.reduce_all(values, ops)
                if not ops or ops[-1][1] != "call":
                    self.fail("a comma is only allowed between the arguments of a call" + self._decimal_comma(i), i)
                ops[-1][4].append(i)  # one more argument
                i += 1
                expect_operand = True
            elif t == "" or t == "\n" or t == ";":
                if t == "\n" and depth:
                    i += 1  # a newline inside parentheses is white space
                    continue
                self.reduce_all(values, ops)
                if ops:
                    _, frame_kind, payload, at = ops[-1][:4]
                    self.fail(f"unclosed '(' of {payload}(" if frame_kind == "call" else "unclosed '('", at)
                if t == ";" and depth:
                    self.fail("';' inside parentheses", i)
                self.i = i + 1 if t else i
                return values[-1], i
            elif t == "=":
                self.fail("'=' may only follow the name at the start of an assignment line"
                          + (" (write '==' to compare)" if depth else ""), i)  # where(x = 0, ...)
            elif depth and self.toks[i - 1] == "\n" and not self._closed_later(i):  # the break was no space
                _, frame_kind, payload, at = next(op for op in reversed(ops) if op[1] in ("paren", "call"))[:4]
                self.fail(f"unclosed '(' of {payload}(" if frame_kind == "call" else "unclosed '('", at)
            elif t == "if":  # Python's conditional expression
                self.fail("'a if condition else b' is written where(condition, a, b)", i)
            elif t in _KEYWORDS:  # 'x is y', 'x in y', 'x for ...': no product of a name with a keyword
                self.fail(f"{t!r} is a Python keyword, not part of the grammar"
                          + (" (comparisons are ==, !=, <, <=, >, >=)" if t in ("is", "in") else ""), i)
            else:
                self.fail(f"missing operator between {self._before(i, True)!r} and {t!r} "
                          "(implicit multiplication is not supported; write '*')", i)

    def operand(self, i: int, values: list, ops: list) -> None:
        """Handle the token ``i`` where an operand must start; advances past it."""
        toks = self.toks
        t = toks[i]
        if kind(t) == "num":
            try:
                values.append(number(t))
            except OutOfRange as e:
                self.fail(str(e), i)
        elif t == "not":
            ops.append((_UNARY_PREC["not"], "un", "not", i))
        elif kind(t) == "name" and t not in _WORD_BINARY:
            self.name(i, values, ops)
            return
        elif t in ("+", "-"):
            name = "neg" if t == "-" else "pos"
            ops.append((_UNARY_PREC[name], "un", name, i))
        elif t == "(":
            ops.append((0, "paren", None, i))
        elif t in ("", "\n", ";"):
            prev = self._operand_missing_after(i, ops)
            if prev is None or kind(prev) == "sep":
                self.fail("empty expression", i)
            if prev == "(":
                self.fail("missing argument after '('" if ops[-1][1] == "call" else
                          "expression ends after '(': an operand is missing", i)
            self.fail(f"expression ends after {prev!r}: an operand is missing", i)
        elif t == ")":
            prev = self._before(i, True)  # at the start of the text: the end token, ''
            if prev == "," and ops and ops[-1][1] == "call":
                self.fail(f"an argument is missing after ',' in {ops[-1][2]}()", i)
            if ops and ops[-1][1] == "call" and prev == "(":
                self.fail(f"{ops[-1][2]}() takes {arity_text(ops[-1][2])}, got none", i)
            if prev == "(":
                self.fail("empty parentheses", i)
            if not any(frame[1] in ("paren", "call") for frame in ops):  # ')' and 'x = )' as 'x)' says
                self.fail("unbalanced ')': no '(' to close", i)
            self.fail(f"')' after {prev!r}: an operand is missing", i)
        elif t in _BINARY:
            prev = self._operand_missing_after(i, ops)
            if prev is None or kind(prev) == "sep" or prev in ("(", "="):
                self.fail(f"operator {t!r} is missing its left operand", i)
            self.fail(f"operator {t!r} follows operator {prev!r}: an operand is missing", i)
        elif t == ",":
            self.fail("an argument is missing before ','", i)
        else:
            self.fail(f"{t!r} cannot start an operand", i)
        self.i = i + 1

    def _decimal_comma(self, i: int) -> str:
        """The hint for a comma between digits outside a call, as a decimal comma writes 1,5: write 1.5."""
        before, after = self.toks[i - 1] if i else "", self.toks[i + 1]
        pos = self.tokens.pos(i)
        if before.isdigit() and kind(after) == "num" and self.text[pos - 1:pos + 2].replace(",", "").isdigit():
            return f" (a decimal number is written with a point: {before}.{after})"
        return ""

    def _operand_missing_after(self, i: int, ops: list) -> str | None:
        """The token an error at operand ``i`` names as the one before it (None at the start of the text).

        Only an error asks: scanning the stack of open frames for a bracket on every operand made a run
        of 100,000 unary minuses (each one frame) take minutes.
        """
        return self._before(i, any(frame[0] == 0 for frame in ops)) if i else None

    def _closed_later(self, i: int) -> bool:
        """Whether a ')' from token ``i`` on closes the innermost '(' open before it: if not, the line breaks
        read as space inside it were meant to end a line (``b = (a + 1`` then ``c = b``)."""
        balance = 0
        for t in islice(self.toks, i, None):
            balance += (t == "(") - (t == ")")
            if balance < 0:
                return True
        return False

    def _before(self, i: int, bracketed: bool) -> str:
        """The token before token ``i`` as an error names it: inside brackets a line break is blank space, so
        the token before the breaks (``(1 +`` then a line ``)`` is ')' after '+', not after a line break)."""
        toks, j = self.toks, i - 1
        while bracketed and j > 0 and toks[j] == "\n":
            j -= 1
        return toks[j]

    def name(self, i: int, values: list, ops: list) -> None:
        """The name token ``i`` as an operand: a value, an input, a call frame, an element or a reduction."""
        toks = self.toks
        word, nxt = toks[i], toks[i + 1]
        if nxt != "(" and nxt != "[" and word not in _CALLABLE and word not in _KEYWORDS and \
                word not in self.definitions and word not in REDUCTIONS:  # a plain name, the common case
            self.i = i + 1
            if word == "pi":
                values.append(_PI)
                return
            value = self.scope.get(word)
            if value is not None:
                if word in self.sizes and not self.integer_only:
                    self.size_reads.add(self.tokens.pos(i))
                values.append(value)
                return
            if word in self.sizes:  # not in the scope: a tuple, the extents of an indexed input
                self.fail(f"{word!r} is given as extents ({word}={self.sizes[word]!r}), which only an "
                          f"indexed input has: write {word}[...] for its elements, or give {word} one integer "
                          f"to use it as a number", i)
            if word != self.target and word not in self.caller_scope and not self.integer_only:
                if word not in self.inputs_used:
                    self.inputs_used[word] = (self.tokens, i)
                    if word in self.indices:
                        self.index_clash(word, "an input", (self.tokens, i))
                try:
                    node = self.builder.input(word)
                except GraphError as e:
                    self.fail(str(e), i)
                values.append(node)
                self.known[word] = node
                return
        self.i = i
        if word in _KEYWORDS:
            greek = " (for the Greek letter write lamda, which LaTeX prints as \\lambda)" if word == "lambda" else ""
            self.fail(f"{word!r} is a Python keyword, not part of the grammar{greek}", i)
        if word in REDUCTIONS:
            if nxt == "(":
                return self.reduction(i, values)
            self.fail(f"{word!r} is a reserved word, written {word}(expr, i, a, b) for the "
                      f"{'sum' if word == 'sum' else 'product'} of expr over i = a, ..., b: it cannot name an input "
                      "or a value; choose another name", i)
        if nxt == "[":
            if word in _CALLABLE or word in self.definitions or word == "pi" or word in REDUCTIONS or \
                    word in self.scope and word not in self.sizes:
                self.fail(f"{word!r} is not an indexed input: only inputs take indices", i)
            if self.integer_only:
                self.fail(f"an index or a bound is computed from sizes, indices and numbers, not from {word}[...]", i)
            return self.indexed_name(i, values)
        if word in _CALLABLE or word in self.definitions:
            if nxt in ("^", "**"):  # sin^2(x), as mathematics writes sin(x)^2
                self.fail(f"{word} is a function: call it as {word}(...), and write a power of it as {word}(x){nxt}2", i)
            if nxt != "(":
                self.fail(f"{word} is a function: call it as {word}(...)", i)
            ops.append((0, "call", word, i, []))  # the list collects the commas' token indices
            self.i = i + 2  # the '(' is consumed with the name
            return
        if nxt == "(" and word == self.defining:
            self.fail(f"{word}() calls itself: recursion is not supported", i)
        if nxt == "(":
            later = re.compile(rf"(?:^|;)[ \t]*{word}[ \t]*\([^()=;\n]*\)[ \t]*=(?!=)", re.M)
            if later.search(self.text, self.tokens.pos(i) + len(word)):
                self.fail(f"{word}() is defined on a later line: define it before the lines that call it", i)
            self.fail(f"unknown function {word!r}{_function_hint(word, [*FUNCTIONS, *self.definitions])}. "
                      f"Known functions: {', '.join(FUNCTIONS)}.", i)
        if word == self.target:
            self.fail(f"{word!r} is used on the right-hand side of its own assignment", i)
        if word in self.caller_scope and word in self.indices and word not in self.declared:
            self.index_clash(word, f"an input of {self.defining}()", (self.tokens, i))  # called inside the reduction
        if word in self.caller_scope:
            self.fail(f"the body of {self.defining}() uses {word!r}, which is assigned after the definition "
                      "(a definition sees its parameters and the names assigned before it)", i)
        self.fail(f"{word!r} is not a size or an index: indices and bounds are computed from sizes (bound by "
                  f"keyword, {word}=...), the indices of enclosing sums and numbers", i)

    def reduce_all(self, values: list, ops: list) -> None:
        """Apply every operator on top of the stack, down to the first parenthesis or call frame."""
        while ops and ops[-1][0]:
            self.reduce(ops.pop(), values)

    def reduce(self, frame: tuple, values: list) -> None:
        """Apply the operator ``frame`` (taken off the stack) to the values on top of ``values``."""
        _, kind_, name, k = frame
        if kind_ == "un":
            if name == "pos":
                if self.builder.is_condition(values[-1]):
                    self.fail("unary '+' takes a number, not a condition", k)
                return
            values.append(self.apply(name, (values.pop(),), k))
            return
        y = values.pop()
        try:
            values[-1] = self.builder.binary(name, values[-1], y)
        except GraphError as e:
            self.fail(str(e), k)

    def apply(self, name: str, args: tuple, k: int):
        """``builder.op(name, *args)``; an operand of the wrong kind is a ParseError at token ``k``."""
        try:
            return self.builder.op(name, *args)
        except GraphError as e:
            self.fail(str(e), k)




@checked_options
def parse(text: "str | Sequence[str] | sympy.Basic | Graph", /, outputs: Sequence[str] | None = None,
          **sizes: int) -> Graph:
    """Parse an expression or a program of ``name = expr`` lines into a :class:`Graph`.

    Parameters
    ----------
    text : str or list of str
        One expression or program; a list of n texts makes a graph with n
        outputs in order, even when two are the same node (shared
        subexpressions across them are one node).  Each text has its own
        scope for the names it assigns; inputs are shared by name (the rule
        is in :mod:`symgraph.names`).  A sympy expression (or list of them)
        is read as :meth:`Graph.from_sympy` reads it, and a Graph is returned
        as it is, as every call that takes text takes them.
    outputs : list of str, optional
        Names to use as outputs instead of the default (the final bare
        expression, else the last assigned name); repeats are kept.
    **sizes : int
        Sizes the text uses by name in reductions and indices
        (``parse("sum(x[i]^2, i, 0, n-1)", n=3)``): integer constants, never
        inputs.  A size named like an indexed input is its extent
        (``x=3``, or ``W=(2, 3)``): a larger index is a ParseError.  A size
        the text reads only as a number (``parse("x + 1", x=3)``) is a
        ParseError: x is a plain input there, not a size.  Any name may be a
        size but ``outputs`` (this function's keyword): :func:`parse_sized`
        takes the sizes as one mapping, as the command line's ``--size`` does.

    Raises
    ------
    ParseError
        For any malformed text, with ``.position`` and a caret excerpt.

    Examples
    --------
    >>> parse("(a+b)*(b+1)").inputs
    ('a', 'b')
    >>> parse("c = a + b; d = b + 1; e = c * d").outputs
    ('e',)
    """
    return parse_sized(text, sizes, outputs)


def parse_sized(text: "str | Sequence[str]", sizes: "Mapping[str, int | tuple[int, ...]]",
                outputs: Sequence[str] | None = None) -> Graph:
    """:func:`parse` with the sizes as one mapping, so that a size may have any name (``outputs``, ``mode``)."""
    sizes = dict(sizes)
    if isinstance(text, Graph) or _is_sympy(text):  # every call that takes text takes these too
        if outputs is not None or sizes:
            raise ArgumentError(f"outputs= and sizes apply to text; got a {type(text).__name__}")
        return text if isinstance(text, Graph) else graph_from_sympy(text)
    if isinstance(text, str):
        texts = [text]
    elif isinstance(text, (list, tuple)):
        texts = list(text)
    else:
        raise ArgumentError(f"parse() takes text, a list of texts, a sympy expression (or list) or a Graph, "
                            f"got {type(text).__name__} {shown(text)}")
    if not texts:
        raise ParseError("no expression given", "", 0)
    if isinstance(outputs, str):
        outputs = [outputs]  # one name, not its letters
    elif outputs is not None:
        if not isinstance(outputs, (list, tuple)) or not all(isinstance(o, str) for o in outputs):
            raise ArgumentError(f"outputs= takes a list of names, got {shown(outputs)}")
        if not outputs:  # a graph of no outputs: every call on it failed later, worded as "0 outputs ()"
            raise ArgumentError("outputs= names no output: give at least one name, or leave it out for the "
                                "text's result")
    for t in texts:
        if not isinstance(t, str):
            raise ArgumentError(f"parse() takes text, got {type(t).__name__}")
        if len(t) > MAX_TEXT_LENGTH:
            raise ParseError(f"text of {len(t):,} characters exceeds the limit of {MAX_TEXT_LENGTH:,}",
                             t[:100], 100)
    with paused_gc():
        return _parse(texts, outputs, _checked_sizes(sizes))


def _is_sympy(f: object) -> bool:
    """A sympy expression or Matrix, or a non-empty list of sympy expressions (numbers among them)."""
    if isinstance(f, (sympy.Basic, sympy.MatrixBase)):
        return True
    return (isinstance(f, (list, tuple)) and any(isinstance(x, sympy.Basic) for x in f)
            and all(isinstance(x, (sympy.Basic, int, float)) and not isinstance(x, bool) for x in f))


def _checked_sizes(sizes: dict) -> dict:
    """The sizes as the parser keeps them (ints, or tuples of extents), each checked to be a non-negative integer."""
    for name, value in sizes.items():
        if name == "pi":  # the text's pi stays the constant: pi=3 would bound sum(..., 0, pi) but not scale pi*x
            raise ArgumentError(f"a size cannot be named 'pi' (pi={value!r}): it is a reserved name (the constant)")
        values = value if isinstance(value, tuple) else (value,)
        if not values or not all(_is_count(v) for v in values):
            if not is_size(value):
                # not a size at all: most likely a keyword this function does not take (sg.jvp(..., mode=...),
                # sg.lambdify(..., vector=True))
                raise ArgumentError(f"unexpected keyword argument {name}={value!r}: a keyword beyond the documented "
                                    f"options is the size of an indexed input (such as n=1000) and must be a "
                                    f"non-negative integer (or a tuple of them)")
            raise ArgumentError(f"size {name}={shown(value)} must be a non-negative integer (or a tuple of them)")
    return {k: tuple(map(operator.index, v)) if isinstance(v, tuple) else operator.index(v)
            for k, v in sizes.items()}  # NumPy and sympy integers too


def _is_count(value: Any) -> bool:
    """True for a non-negative integer of any kind that says it is one (``__index__``: int, NumPy's and sympy's
    integers), not a bool: a size computed with sympy (``sympy.Integer(3)``) is 3, not a refused "3"."""
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        return operator.index(value) >= 0
    except TypeError:
        return False


def parse_over(text: str, over: tuple, **sizes: int) -> Graph:
    """One output per value of an index: ``text`` parsed once for each ``k = first, ..., last``.

    ``over=("k", first, last)`` (both included) binds ``k`` in each copy as a
    size is bound (``parse(text, k=value)``), so ``(y[k] - a*exp(-b*t[k]))``
    over ``("k", 0, "m-1")`` with ``m=200`` is the graph of the 200 texts
    ``parse([...])`` would build from the written-out copies, one output each,
    in order.  The bounds are integers or text computed from the sizes
    (``"m-1"``), as the bounds of ``sum()`` are.  This is how
    :func:`symgraph.fitting.residuals` writes one residual per data point.

    Raises
    ------
    ArgumentError
        When ``over`` is not ``(name, first, last)`` or its name is also a size.
    ParseError
        For a bound that is not an integer computed from the sizes, or for the text.

    Examples
    --------
    >>> g = parse_over("x[k] - x[k+1]", ("k", 0, "n-2"), n=3)
    >>> len(g.outputs), g.input_labels
    (2, ('x[0]', 'x[1]', 'x[2]'))
    """
    if not (isinstance(over, tuple) and len(over) == 3 and isinstance(over[0], str)):
        raise ArgumentError(f"over= takes (index name, first, last), such as ('k', 0, 'm-1'); got {shown(over)}")
    index, first, last = over
    if not index.isidentifier() or keyword.iskeyword(index) or index in _CALLABLE or index in REDUCTIONS:
        raise ArgumentError(f"over=: {index!r} cannot name an index")
    if index == "pi":  # as for sum(): pi would stay the constant in the text (y[pi] - a*pi took a*3.14...)
        raise ArgumentError("over=: the index cannot be 'pi': it is a reserved name (the constant); choose another")
    if index in sizes:
        raise ArgumentError(f"over=: the index {index!r} is also given as a size ({index}={sizes[index]!r})")
    if not isinstance(text, str):
        raise ArgumentError(f"over= takes one text (a template), got {type(text).__name__}")
    sizes = _checked_sizes(sizes)
    lo, hi = (_bound(b, sizes, f"the {which} value of {index} in over=") for b, which in ((first, "first"), (last, "last")))
    if hi < lo:
        raise ArgumentError(f"over=: {index} runs from {lo} to {hi}, which makes no residuals")
    if hi - lo + 1 > MAX_TERMS:  # each copy is at least one term: more than a call may expand, before any is made
        raise ArgumentError(f"over=: {index} runs from {lo} to {hi}, which makes {hi - lo + 1:,} residuals; the "
                            f"limit is {MAX_TERMS:,} terms per call")
    with paused_gc():
        return _parse([text] * (hi - lo + 1), None, sizes, (index, lo))


def _bound(bound: "int | str", sizes: dict, what: str) -> int:
    """An integer bound, given as a number or as text computed from the sizes (``"m-1"``)."""
    if isinstance(bound, (int, np.integer)) and not isinstance(bound, bool):
        return int(bound)
    if not isinstance(bound, str):
        raise ArgumentError(f"{what} must be an integer or text such as 'm-1', got {bound!r}")
    parser = _Parser(bound, GraphBuilder(names_in([bound])))
    parser.sizes = sizes
    parser.scope.update((k, sympy.Integer(v)) for k, v in sizes.items() if not isinstance(v, tuple))
    parser.integer_only = True
    return parser.integer(0, len(parser.toks) - 1, what)


def _parse(texts: list[str], outputs: Sequence[str] | None, sizes: dict,
           over: tuple[str, int] | None = None) -> Graph:
    """The graph of ``texts`` (one output each), their expansions counted against one budget.

    ``over=(k, first)`` binds the size ``k = first + position`` in each text
    (the copies of :func:`parse_over`'s template); a reduction in the first
    copy is counted as often as the copies still to come will expand it, so
    a template too large in all is refused before its first copy expands.
    """
    builder = GraphBuilder()
    results, names_out, scopes = [], [], []
    budget = [0, 1]
    each = over is not None
    for position, t in enumerate(texts):
        try:
            parser = _Parser(t, builder)
            builder.reserve(parser.tokens.words())
            parser.expanded = budget
            if each:
                budget[1] = parser.repeats = len(texts) - position
            parser.sizes = sizes if not each else {**sizes, over[0]: over[1] + position}
            parser.over_index = over[0] if each else None
            parser.scope.update((k, sympy.Integer(v)) for k, v in parser.sizes.items() if not isinstance(v, tuple))
            names, refs, bare = parser.program()
            parser.check_sizes(over[0] if each else None)
            if outputs is None and builder.is_condition(refs[-1] if bare is None else bare):
                parser.fail(_CONDITION_RESULT, parser.result_at)
        except ParseError as error:  # the caret shows one text: say which of them it is
            if len(texts) == 1 or each:
                raise
            raise ParseError(f"in expression {position + 1} of {len(texts)}: {error.reason}", error.text,
                             error.position) from None
        scopes.append(parser.scope)
        if bare is not None:
            results.append(bare)
            names_out.append(None)
        elif outputs is None:
            results.append(refs[-1])
            names_out.append(names[-1])
    if outputs is not None:
        results, names_out = [], []
        for name in outputs:
            results.append(_output(name, scopes, builder, texts))
            names_out.append(name)
    extents = {k: v if isinstance(v, tuple) else (v,) for k, v in sizes.items()}
    for name, shape in extents.items():
        if builder.is_indexed(name) and math.prod(shape) > MAX_ELEMENTS:
            raise ArgumentError(f"size {name}={shown(sizes[name])} makes {name} an input of {math.prod(shape):,} entries; "
                                f"an indexed input has at most {MAX_ELEMENTS:,}")
    builder.declare_extents(extents)
    return builder.finish(results, names_out)


def _output(name: str, scopes: list[dict], builder: GraphBuilder, texts: list[str]):
    """The ref an ``outputs=[...]`` name stands for: an input, or a name one text assigned."""
    found = [scope[name] for scope in scopes if name in scope]
    if builder.is_input(name):
        found.append(builder.input(name))
    element = read_element_label(name)  # an element of an indexed input, x[0], as wrt names it
    if element is not None and builder.element(*element) is not None:
        found.append(builder.element(*element))
    distinct = {ref if ref.__class__ is int else _constant_key(ref) for ref in found}
    if not found and builder.is_indexed(name):
        raise ParseError(f"output {shown(name)} is an indexed input: name one of its elements, such as "
                         f"{element_label(name, (0,) * builder.rank(name))}", texts[-1], 0)
    if not found:
        raise ParseError(f"output {shown(name)} is not a name in the text", texts[-1], 0)
    if builder.is_condition(found[0]):
        raise ParseError(f"output {shown(name)}: {_CONDITION_RESULT}", texts[-1], 0)
    if len(distinct) > 1:
        raise ParseError(f"output {shown(name)} is ambiguous: it names different things in different texts",
                         texts[-1], 0)
    return found[0]
