"""The scanner of the text grammar: characters -> tokens, and literals -> sympy constants.

One regular expression finds every token (:func:`tokenize`); a character that
starts none is a :class:`~symgraph.errors.ParseError` that says why (``[``:
subscripts are not supported, ``|x|``: write ``abs(x)``).  The parser
(:mod:`symgraph.frontend.parse`) reads the tokens.
"""
from __future__ import annotations

import math
import re
import unicodedata
from typing import Iterable, NamedTuple

import sympy

from ..errors import ParseError

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: the message for each character that starts no token (anything else: "not part of the grammar")
EXPLANATIONS = {
    ".": "attribute access is not supported",
    "!": "'!' is not supported: there is no factorial ('!=' is the comparison 'not equal')",
    "'": "quotes are not supported (no strings, and no primes for derivatives)",
    '"': "quotes are not supported (no strings)",
    "\\": "backslashes are not supported (LaTeX commands are not part of the grammar)",
    "{": "braces are not supported", "}": "braces are not supported",
    ":": "':' is not supported (no lambdas, slices or annotations)",
    "%": "'%' is not supported (no modulo)", "@": "'@' is not supported (no matrix products)",
    "&": "'&' is not supported (no bitwise operators; write 'and' between conditions)",
    "|": "'|' is not supported (no bitwise operators; write 'or' between conditions, abs(x) for |x|)",
    "~": "'~' is not supported (no bitwise operators; write 'not' before a condition)",
    "?": "'?' is not supported (write where(condition, a, b))",
    "$": "'$' is not supported (write the expression without LaTeX delimiters)",
    "`": "backquotes are not supported",
}


class Token(NamedTuple):
    kind: str  # "num", "name", "op", "sep", "end"
    text: str
    pos: int


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "control character" if unicodedata.category(ch).startswith("C") else "?")
    return f"U+{ord(ch):04X} ({name})"


#: One pattern for every token, and a last group for any character that starts none (an error).
_TOKEN = re.compile(r"(?P<space>[ \t\r]+|#[^\n]*)|(?P<num>(?=[0-9.])" + _NUMBER.pattern + r")"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|[<>=!]=|[-+*/^(),=<>\[\]])|(?P<sep>[;\n])|(?P<bad>[\s\S])")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; any character outside the grammar is a ParseError."""
    tokens: list[Token] = []
    append, n = tokens.append, len(text)
    new = tuple.__new__  # a Token without the Python-level __new__ of named tuples (millions in long texts)
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space":
            continue
        pos = m.start()
        if kind == "num":
            end = m.end()
            if end < n:
                nxt = text[end]
                if nxt.isascii() and (nxt.isalpha() or nxt == "_"):
                    word = _NAME.match(text, end)
                    raise ParseError(f"malformed number {text[pos:word.end()]!r}: a number cannot run into a "
                                     f"name (write {text[pos:end]}*{word.group()} to multiply)", text, end)
                if nxt == ".":
                    raise ParseError("malformed number: a second decimal point", text, end)
        elif kind == "bad":
            _token_error(text, pos)
        append(new(Token, (kind, m.group(), pos)))
    append(Token("end", "", n))
    return tokens


def _token_error(text: str, pos: int):
    """Raise the ParseError for a character that starts no token."""
    ch = text[pos]
    if not ch.isascii() or not ch.isprintable():
        raise ParseError(f"character {_describe(ch)} is not allowed; expressions use plain ASCII", text, pos)
    raise ParseError(EXPLANATIONS.get(ch, f"character {ch!r} is not part of the grammar"), text, pos)


_NUMBERS: dict[str, sympy.Expr] = {}


def number(tok: Token, text: str) -> sympy.Expr:
    """The literal as a sympy constant (memoised: long sums repeat the same few literals)."""
    value = _NUMBERS.get(tok.text)
    if value is None:
        value = _make_number(tok, text)
        if len(_NUMBERS) > 4096:
            _NUMBERS.clear()
        _NUMBERS[tok.text] = value
    return value


def _make_number(tok: Token, text: str) -> sympy.Expr:
    """A decimal literal is the float64 value it reads as (as NumPy reads it: ``1e-999999`` is 0.0).

    The sympy Float is built from the Python float, never from the digits:
    that costs the same for any exponent (a string like ``1e-999999`` made
    sympy work for seconds) and gives the value evaluation uses.
    """
    if any(c in tok.text for c in ".eE"):
        value = float(tok.text)
        if not math.isfinite(value):
            raise ParseError(f"number {tok.text!r} is out of range (larger than about 1.8e308)", text, tok.pos)
        return sympy.Float(value)
    if len(tok.text.lstrip("0")) > 308:
        raise ParseError(f"integer literal with {len(tok.text)} digits is out of range", text, tok.pos)
    return sympy.Integer(tok.text)


def names_in(texts: Iterable[str]) -> set[str]:
    """Every identifier-like word in the texts (used to keep generated names clear of them)."""
    return {m.group() for t in texts for m in _NAME.finditer(t)}
