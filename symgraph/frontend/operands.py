"""The token where an operand starts: a value, an input, a call, an element, a reduction, a prefix or a '('.

Where it starts none, the error says which operand is missing.  The
expression loop (:mod:`~symgraph.frontend.expressions`) handles the common
operands (numbers, names known by now) in line and hands every other one
here, with the wording of its errors: "unknown function" names what another
notation's name means, a function the grammar lacks or a near spelling.  The
parser (:mod:`symgraph.frontend.statements`) mixes these methods in.
"""
from __future__ import annotations

import re
from typing import Sequence

import sympy
from sympy.printing.latex import greek_letters_set

from ..errors import GraphError, closest_name, shown
from ..ops import FUNCTIONS
from .calls import arity_text
from .expressions import _BINARY, _CALLABLE, _KEYWORDS, _UNARY_PREC, _WORD_BINARY
from .reductions import REDUCTIONS
from .tokens import OutOfRange, kind, number

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


class Operands:
    """The parser's operands and their errors (mixed into the parser, which owns the tokens)."""

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
            self.fail(f"expression ends after {prev!r}: an operand is missing{self._continued(i)}", i)
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
            if prev == "=":
                self.reversed_comparison(i - 1)  # x => 0, read as x = (> 0)
            if prev is None or kind(prev) == "sep" or prev in ("(", "="):
                self.fail(f"operator {t!r} is missing its left operand", i)
            if prev == t == "/":  # Python's x // 2
                self.fail("'//' is not supported (no integer division: write floor(x/y))", i - 1)
            self.fail(f"operator {t!r} follows operator {prev!r}: an operand is missing", i)
        elif t == ",":
            self.fail("an argument is missing before ','", i)
        elif t == "=" and self.toks[i - 1] in ("+", "-", "*", "/", "^", "**"):  # Python's x += 1
            self.fail(f"'{self.toks[i - 1]}=' is not supported (no augmented assignment: a name is assigned once; "
                      f"assign a new one, y = x {self.toks[i - 1]} ...)", i - 1)
        else:
            self.fail(f"{t!r} cannot start an operand", i)
        self.i = i + 1

    def _continued(self, i: int) -> str:
        """A hint when the text goes on after the line break at token ``i``: ``c = x +`` then `` 1`` on the next
        line read as a line ending in '+' (a line break ends a line; inside brackets it is blank space)."""
        toks, j = self.toks, i
        while toks[j] == "\n":
            j += 1
        if j == i or toks[j] == "":
            return ""
        return "; a line break ends the line: an expression goes on to the next line only inside parentheses"

    def _operand_missing_after(self, i: int, ops: list) -> str | None:
        """The token an error at operand ``i`` names as the one before it (None at the start of the text).

        Only an error asks: scanning the stack of open frames for a bracket on every operand made a run
        of 100,000 unary minuses (each one frame) take minutes.
        """
        return self._before(i, any(frame[0] == 0 for frame in ops)) if i else None

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
                self.fail(f"{word!r} is given as extents ({word}={shown(self.sizes[word])}), which only an "
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
        close = closest_name(word, self.sizes)  # a size given under another spelling (N=3 for n)
        hint = f" (did you mean the size {close}={self.sizes[close]!r}?)" if close is not None else ""
        self.fail(f"{word!r} is not a size or an index: indices and bounds are computed from sizes (bound by "
                  f"keyword, {word}=...), the indices of enclosing sums and numbers{hint}", i)
