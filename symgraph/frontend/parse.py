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
"""
from __future__ import annotations

import difflib
import keyword
from typing import Sequence

import numpy as np
import sympy

from ..errors import ArgumentError, GraphError, ParseError, line_column
from ..ir.builder import GraphBuilder
from ..ir.graph import Graph
from ..constants import constant_key as _constant_key
from ..ops import FUNCTIONS, OPS
from ..progress import paused_gc
from .calls import Calls, Definition, arity_text
from .reductions import REDUCTIONS, Reductions
from .tokens import Token, names_in, number, tokenize

#: Texts longer than this are refused up front (about 40 MB of graph).
MAX_TEXT_LENGTH = 5_000_000

#: operator text -> (precedence, op): the op table's binary operators, by both spellings (``^``, ``**``)
_BINARY = {text: (row.precedence, row.name) for row in OPS.values() if row.arity == 2 and row.precedence
           for text in (row.symbol, row.infix)}
_BINARY_PREC = {name: prec for prec, name in _BINARY.values()}
#: the grammar's function names, as a set: every name token is looked up in it (the op table's own
#: ordered set, so functions registered at run time are callable at once)
_CALLABLE = FUNCTIONS
#: prefix operators' precedences: unary minus binds tighter than * and looser than ^ (-x^2 is
#: -(x^2)); ``not`` looser than comparisons and tighter than ``and`` (not x > 0 and y > 0 is
#: (not (x > 0)) and (y > 0))
_UNARY_PREC = {"neg": OPS["neg"].precedence, "pos": OPS["neg"].precedence, "not": OPS["not"].precedence}
#: the operators spelled as words (name tokens): and, or (binary), not (prefix)
_WORD_BINARY = frozenset(text for text in _BINARY if text.isalpha())


class _Parser(Calls, Reductions):
    """One pass over the tokens of one text, building into a shared builder."""

    def __init__(self, text: str, builder: GraphBuilder):
        self.text = text
        self.builder = builder
        self.tokens = tokenize(text)
        self.i = 0
        #: this text's assignments: name -> ref (each text of a list has its own scope)
        self.scope: dict[str, object] = {}
        #: names this text used as inputs -> position of the first use
        self.inputs_used: dict[str, int] = {}
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
        #: sizes bound by keyword (name -> int), and indexed inputs' declared extents
        self.sizes: dict = {}

    def error(self, message: str, pos: int):
        raise ParseError(message, self.text, pos)

    def peek(self, k: int = 0) -> Token:
        try:
            return self.tokens[self.i + k]
        except IndexError:  # past the end: the end token
            return self.tokens[-1]

    # -- statements -------------------------------------------------------
    def program(self) -> tuple[list, list, object | None]:
        """Parse every statement; return (assigned names, their refs, the bare final expression or None)."""
        names, refs, bare = [], [], None
        while True:
            while self.peek().kind == "sep":
                self.i += 1
            tok = self.peek()
            if tok.kind == "end":
                break
            if bare is not None:
                self.error("only the last line may be a bare expression; earlier lines must be 'name = expr'",
                           bare[1])
            if tok.kind == "name" and self.peek(1).text == "(" and self._is_definition():
                self.define(tok)
            elif tok.kind == "name" and self.peek(1).text == "=":
                name = self.target = self.assignment_target(tok)
                self.i += 2
                ref, stop = self.expression()
                self.result_pos = tok.pos
                self.target = None
                self.scope[name] = ref
                self.builder.assign(name, ref)
                names.append(name)
                refs.append(ref)
            else:
                start = tok.pos
                ref, stop = self.expression()
                bare = (ref, stop.pos)
                self.result_pos = start
                if stop.text == ";":
                    self.error("';' must end an assignment line ('name = expr'), not a bare expression",
                               stop.pos)
        if not names and bare is None:
            self.error("empty expression", len(self.text))
        return names, refs, None if bare is None else bare[0]

    def assignment_target(self, tok: Token) -> str:
        name = tok.text
        if name in _CALLABLE or name == "pi" or keyword.iskeyword(name) or name in REDUCTIONS:
            self.error(f"cannot assign to {name!r}: it is a reserved name", tok.pos)
        if name in self.definitions:
            self.error(f"{name!r} is a function this text defined", tok.pos)
        if name in self.sizes:
            self.error(f"{name!r} is a size bound by keyword ({name}={self.sizes[name]}); it cannot be assigned", tok.pos)
        if name in self.scope:
            self.error(f"{name!r} is assigned twice", tok.pos)
        if name in self.inputs_used:
            line, column = line_column(self.text, self.inputs_used[name])
            self.error(f"{name!r} is used as an input (line {line}, column {column}) before this line "
                       "assigns it", tok.pos)
        return name

    # -- expressions ------------------------------------------------------
    def expression(self):
        """Shunting-yard over one expression; returns (ref, the token that ended it)."""
        values: list = []
        ops: list[tuple] = []  # (kind, payload, pos): kind in bin, un, paren, call
        expect_operand = True
        depth = 0
        while True:
            tok = self.peek()
            if tok.kind == "sep" and depth and tok.text == "\n":
                self.i += 1  # a newline inside parentheses is white space
                continue
            if expect_operand:
                self.operand(tok, values, ops)
                if tok.text == "(" or (tok.kind == "op" and tok.text in "+-") or tok.kind == "name" and \
                        (tok.text in _CALLABLE or tok.text in self.definitions):
                    depth += tok.text == "(" or tok.kind == "name"
                elif not (tok.kind == "name" and tok.text == "not"):
                    expect_operand = False
                continue
            if tok.kind == "op" and tok.text in _BINARY or tok.kind == "name" and tok.text in _WORD_BINARY:
                prec, name = _BINARY[tok.text]
                right = name == "pow"  # a^b^c is a^(b^c)
                while ops and ops[-1][0] in ("bin", "un"):
                    top_prec = _UNARY_PREC[ops[-1][1]] if ops[-1][0] == "un" else _BINARY_PREC[ops[-1][1]]
                    if top_prec > prec or (top_prec == prec and not right):
                        self.reduce(values, ops)
                    else:
                        break
                ops.append(("bin", name, tok.pos))
                self.i += 1
                expect_operand = True
            elif tok.text == ")":
                while ops and ops[-1][0] in ("bin", "un"):
                    self.reduce(values, ops)
                if not ops:
                    self.error("unbalanced ')': no '(' to close", tok.pos)
                frame = ops.pop()
                if frame[0] == "call":
                    self.call(frame, values)
                depth -= 1
                self.i += 1
            elif tok.text == ",":
                while ops and ops[-1][0] in ("bin", "un"):
                    self.reduce(values, ops)
                if not ops or ops[-1][0] != "call":
                    self.error("a comma is only allowed between the arguments of a call", tok.pos)
                ops[-1][3].append(tok.pos)  # one more argument
                self.i += 1
                expect_operand = True
            elif tok.kind in ("end", "sep"):
                while ops and ops[-1][0] in ("bin", "un"):
                    self.reduce(values, ops)
                if ops:
                    kind, payload, pos = ops[-1][:3]
                    self.error(f"unclosed '(' of {payload}(" if kind == "call" else "unclosed '('", pos)
                if tok.kind == "sep" and tok.text == ";" and depth:
                    self.error("';' inside parentheses", tok.pos)
                if tok.kind == "sep":
                    self.i += 1
                return values[-1], tok
            elif tok.text == "=":
                self.error("'=' may only follow the name at the start of an assignment line", tok.pos)
            else:
                prev = self.tokens[self.i - 1]
                self.error(f"missing operator between {prev.text!r} and {tok.text!r} "
                           "(implicit multiplication is not supported; write '*')", tok.pos)

    def operand(self, tok: Token, values: list, ops: list) -> None:
        """Handle a token where an operand must start; advances past it."""
        if tok.kind == "num":
            values.append(number(tok, self.text))
        elif tok.kind == "name" and tok.text == "not":
            ops.append(("un", "not", tok.pos))
        elif tok.kind == "name" and tok.text not in _WORD_BINARY:
            self.name(tok, values, ops)
        elif tok.text in ("+", "-"):
            ops.append(("un", "neg" if tok.text == "-" else "pos", tok.pos))
        elif tok.text == "(":
            ops.append(("paren", None, tok.pos))
        elif tok.kind in ("end", "sep"):
            where = self.tokens[self.i - 1] if self.i else None
            if where is None or where.kind == "sep":
                self.error("empty expression", tok.pos)
            if where.text == "(":
                self.error("missing argument after '('", tok.pos)
            self.error(f"expression ends after {where.text!r}: an operand is missing", tok.pos)
        elif tok.text == ")":
            prev = self.tokens[self.i - 1]
            if prev.text == "," and ops and ops[-1][0] == "call":
                self.error(f"an argument is missing after ',' in {ops[-1][1]}()", tok.pos)
            if ops and ops[-1][0] == "call" and prev.text == "(":
                self.error(f"{ops[-1][1]}() takes {arity_text(ops[-1][1])}, got none", tok.pos)
            if prev.text == "(":
                self.error("empty parentheses", tok.pos)
            self.error(f"')' after {prev.text!r}: an operand is missing", tok.pos)
        elif tok.text in _BINARY:
            prev = self.tokens[self.i - 1] if self.i else None
            if prev is None or prev.kind == "sep" or prev.text in ("(", "="):
                self.error(f"operator {tok.text!r} is missing its left operand", tok.pos)
            self.error(f"operator {tok.text!r} follows operator {prev.text!r}: an operand is missing", tok.pos)
        elif tok.text == ",":
            self.error("an argument is missing before ','", tok.pos)
        else:
            self.error(f"{tok.text!r} cannot start an operand", tok.pos)
        self.i += 1

    def name(self, tok: Token, values: list, ops: list) -> None:
        word, nxt = tok.text, self.peek(1)
        if keyword.iskeyword(word):
            self.error(f"{word!r} is a Python keyword, not part of the grammar", tok.pos)
        if word in REDUCTIONS and nxt.text == "(":
            return self.reduction(tok, values)
        if nxt.text == "[":
            if word in _CALLABLE or word in self.definitions or word == "pi" or word in REDUCTIONS or \
                    word in self.scope and word not in self.sizes:
                self.error(f"{word!r} is not an indexed input: only inputs take indices", tok.pos)
            if self.integer_only:
                self.error(f"an index or a bound is computed from sizes, indices and numbers, not from {word}[...]",
                           tok.pos)
            return self.indexed_name(tok, values)
        if word in _CALLABLE or word in self.definitions:
            if nxt.text != "(":
                self.error(f"{word} is a function: call it as {word}(...)", tok.pos)
            ops.append(("call", word, tok.pos, []))  # the list collects the commas' positions
            self.i += 1  # the '(' is consumed with the name
            return
        if nxt.text == "(" and word == self.defining:
            self.error(f"{word}() calls itself: recursion is not supported", tok.pos)
        if nxt.text == "(":
            close = difflib.get_close_matches(word, FUNCTIONS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.error(f"unknown function {word!r}{hint} Known functions: {', '.join(FUNCTIONS)}. "
                       f"(To multiply write {word}*(...))", tok.pos)
        if word == "pi":
            values.append(sympy.pi)
        elif word in self.scope:
            values.append(self.scope[word])
        elif word == self.target:
            self.error(f"{word!r} is used on the right-hand side of its own assignment", tok.pos)
        elif word in self.caller_scope:
            self.error(f"the body of {self.defining}() uses {word!r}, which is assigned after the definition "
                       "(a definition sees its parameters and the names assigned before it)", tok.pos)
        elif self.integer_only:
            self.error(f"{word!r} is not a size or an index: indices and bounds are computed from sizes (bound by "
                       f"keyword, {word}=...), the indices of enclosing sums and numbers", tok.pos)
        else:
            self.inputs_used.setdefault(word, tok.pos)
            try:
                values.append(self.builder.input(word))
            except GraphError as e:
                self.error(str(e), tok.pos)

    def reduce(self, values: list, ops: list) -> None:
        kind, name, pos = ops.pop()
        if kind == "un":
            if name == "pos":
                if self.builder.is_condition(values[-1]):
                    self.error("unary '+' takes a number, not a condition", pos)
                return
            values.append(self.apply(name, (values.pop(),), pos))
            return
        right, left = values.pop(), values.pop()
        values.append(self.apply(name, (left, right), pos))

    def apply(self, name: str, args: tuple, pos: int):
        """``builder.op(name, *args)``; an operand of the wrong kind is a ParseError at ``pos``."""
        try:
            return self.builder.op(name, *args)
        except GraphError as e:
            self.error(str(e), pos)


_CONDITION_RESULT = ("the result is a condition, not a number: a function's value is a number "
                     "(where(condition, 1, 0) gives its 0/1 value)")


def parse(text: "str | Sequence[str]", outputs: Sequence[str] | None = None, **sizes: int) -> Graph:
    """Parse an expression or a program of ``name = expr`` lines into a :class:`Graph`.

    Parameters
    ----------
    text : str or list of str
        One expression or program; a list of n texts makes a graph with n
        outputs in order, even when two are the same node (shared
        subexpressions across them are one node).  Each text has its own
        scope for the names it assigns; inputs are shared by name (the rule
        is in :mod:`symgraph.names`).
    outputs : list of str, optional
        Names to use as outputs instead of the default (the final bare
        expression, else the last assigned name); repeats are kept.
    **sizes : int
        Sizes the text uses by name in reductions and indices
        (``parse("sum(x[i]^2, i, 0, n-1)", n=3)``): integer constants, never
        inputs.  A size named like an indexed input is its extent
        (``x=3``, or ``W=(2, 3)``): a larger index is a ParseError.

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
    texts = [text] if isinstance(text, str) else list(text)
    if not texts:
        raise ParseError("no expression given", "", 0)
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"parse() takes text, got {type(t).__name__}")
        if len(t) > MAX_TEXT_LENGTH:
            raise ParseError(f"text of {len(t):,} characters exceeds the limit of {MAX_TEXT_LENGTH:,}",
                             t[:100], 100)
    with paused_gc():
        return _parse(texts, outputs, _checked_sizes(sizes))


def _checked_sizes(sizes: dict) -> dict:
    """The sizes as the parser keeps them (ints, or tuples of extents), each checked to be a non-negative integer."""
    for name, value in sizes.items():
        values = value if isinstance(value, tuple) else (value,)
        if not values or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0
                                 for v in values):
            raise ArgumentError(f"size {name}={value!r} must be a non-negative integer (or a tuple of them)")
    return {k: v if isinstance(v, tuple) else int(v) for k, v in sizes.items()}


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
        raise ArgumentError(f"over= takes (index name, first, last), such as ('k', 0, 'm-1'); got {over!r}")
    index, first, last = over
    if not index.isidentifier() or keyword.iskeyword(index) or index in _CALLABLE or index in REDUCTIONS:
        raise ArgumentError(f"over=: {index!r} cannot name an index")
    if index in sizes:
        raise ArgumentError(f"over=: the index {index!r} is also given as a size ({index}={sizes[index]!r})")
    if not isinstance(text, str):
        raise TypeError(f"over= takes one text (a template), got {type(text).__name__}")
    sizes = _checked_sizes(sizes)
    lo, hi = (_bound(b, sizes, f"the {which} value of {index} in over=") for b, which in ((first, "first"), (last, "last")))
    if hi < lo:
        raise ArgumentError(f"over=: {index} runs from {lo} to {hi}, which makes no residuals")
    with paused_gc():
        return _parse([text] * (hi - lo + 1), None, sizes, [{index: v} for v in range(lo, hi + 1)])


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
    return parser.integer(0, len(parser.tokens) - 1, what)


def _parse(texts: list[str], outputs: Sequence[str] | None, sizes: dict,
           each: Sequence[dict] | None = None) -> Graph:
    """The graph of ``texts`` (one output each); ``each[k]``, when given, adds sizes that text ``k`` alone sees."""
    builder = GraphBuilder(names_in(texts))
    results, names_out, scopes = [], [], []
    for position, t in enumerate(texts):
        parser = _Parser(t, builder)
        parser.sizes = sizes if each is None else {**sizes, **each[position]}
        parser.scope.update((k, sympy.Integer(v)) for k, v in parser.sizes.items() if not isinstance(v, tuple))
        names, refs, bare = parser.program()
        scopes.append(parser.scope)
        if outputs is None and builder.is_condition(refs[-1] if bare is None else bare):
            parser.error(_CONDITION_RESULT, parser.result_pos)
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
    builder.declare_extents({k: v if isinstance(v, tuple) else (v,) for k, v in sizes.items()})
    return builder.finish(results, names_out)


def _output(name: str, scopes: list[dict], builder: GraphBuilder, texts: list[str]):
    """The ref an ``outputs=[...]`` name stands for: an input, or a name one text assigned."""
    found = [scope[name] for scope in scopes if name in scope]
    if builder.is_input(name):
        found.append(builder.input(name))
    distinct = {ref if ref.__class__ is int else _constant_key(ref) for ref in found}
    if not found:
        raise ParseError(f"output {name!r} is not a name in the text", texts[-1], 0)
    if builder.is_condition(found[0]):
        raise ParseError(f"output {name!r}: {_CONDITION_RESULT}", texts[-1], 0)
    if len(distinct) > 1:
        raise ParseError(f"output {name!r} is ambiguous: it names different things in different texts",
                         texts[-1], 0)
    return found[0]
