"""One expression of the text, by shunting-yard: operators, parentheses, call arguments and line ends.

:meth:`Expressions.expression` is the parser's hot loop: it reads the token
texts directly and handles the common tokens (a number, a known name, a
binary operator and the operators it applies) in line; the token where any
other operand starts goes to :mod:`~symgraph.frontend.operands`.  The
operator tables below are the grammar's, read from the op table; the
operands and statements read them too.  The parser
(:mod:`symgraph.frontend.statements`) mixes these methods in.
"""
from __future__ import annotations

import keyword
from itertools import islice

import sympy

from ..errors import GraphError
from ..ops import FUNCTIONS, OPS
from .tokens import NUMBERS, PUNCTUATION, OutOfRange, kind, number

_DIGITS = frozenset("0123456789.")

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
#: the tokens that end an operand's run of operators: every pending operator is applied before them
_ENDS = frozenset([")", ",", ";", ""])
#: operator runs are applied as they are read (see :meth:`Expressions.expression`); False makes the
#: operator stack take every operator, which the tests use as the reference
_RUNS = True


class Expressions:
    """The parser's expressions: the operator stack and its runs (mixed into the parser, which owns the tokens)."""

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
                    if self.untaken and frame[2] == "where":
                        self.untaken[:] = [span for span in self.untaken if span[0] <= self.tokens.pos(frame[3])]
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
                if ops[-1][2] == "where" and len(ops[-1][4]) < 3:
                    self._branch_not_taken(i, ops[-1], values)
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
                self.reversed_comparison(i)
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

    def _branch_not_taken(self, i: int, frame: tuple, values: list) -> None:
        """Mark the where() argument starting at token ``i`` (its second or third) as not taken when its
        condition, a number while parsing (``i == 0`` of an index), picks the other: its elements may then be
        out of range (:meth:`_not_taken`) until the where() closes."""
        condition = values[-len(frame[4])]
        if condition is not (sympy.false if len(frame[4]) == 1 else sympy.true):
            return
        stop, depth, toks = i, 0, self.toks
        while depth or toks[stop] not in (",", ")", "", ";"):
            depth += (toks[stop] in ("(", "[")) - (toks[stop] in (")", "]"))
            stop += 1
        self.untaken.append((self.tokens.pos(i), self.tokens.pos(stop)))

    def _not_taken(self, k: int) -> bool:
        """Whether token ``k`` is in a where() argument its condition, a number while parsing, does not take
        (``where(i == 0, x[i], x[i] - x[i-1])`` at i = 0, a boundary case written with where()).  There an element
        out of range stands as element 0, whose node the select drops with the branch's others, where x[-1] was a
        ParseError; the branch's inputs stay the function's inputs, as before."""
        at = self.tokens.pos(k)
        return any(a <= at < b for a, b in self.untaken)

    def _decimal_comma(self, i: int) -> str:
        """The hint for a comma between digits outside a call, as a decimal comma writes 1,5: write 1.5."""
        before, after = self.toks[i - 1] if i else "", self.toks[i + 1]
        pos = self.tokens.pos(i)
        if before.isdigit() and kind(after) == "num" and self.text[pos - 1:pos + 2].replace(",", "").isdigit():
            return f" (a decimal number is written with a point: {before}.{after})"
        return ""

    def _closed_later(self, i: int) -> bool:
        """Whether a ')' from token ``i`` on closes the innermost '(' open before it: if not, the line breaks
        read as space inside it were meant to end a line (``b = (a + 1`` then ``c = b``)."""
        balance = 0
        for t in islice(self.toks, i, None):
            balance += (t == "(") - (t == ")")
            if balance < 0:
                return True
        return False

    def reversed_comparison(self, i: int) -> None:
        """Refuse ``=>`` or ``=<`` written at token ``i`` (its '=') as the comparison it misspells."""
        t = self.toks[i + 1] if i + 1 < len(self.toks) else ""
        if t in ("<", ">") and self.tokens.pos(i + 1) == self.tokens.pos(i) + 1:
            self.fail(f"'={t}' is not an operator: did you mean '{t}='?", i)

    def _before(self, i: int, bracketed: bool) -> str:
        """The token before token ``i`` as an error names it: inside brackets a line break is blank space, so
        the token before the breaks (``(1 +`` then a line ``)`` is ')' after '+', not after a line break)."""
        toks, j = self.toks, i - 1
        while bracketed and j > 0 and toks[j] == "\n":
            j -= 1
        return toks[j]

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
