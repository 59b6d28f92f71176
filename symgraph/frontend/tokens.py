"""The scanner of the text grammar: characters -> tokens, and literals -> sympy constants.

One regular expression, run once over the whole text by ``re.findall``,
gives every token's text (:func:`scan`): blank space and comments are
skipped inside the match, so the parser reads a plain list of strings and
no per-token object is made.  That is the cost that dominated long texts (a
``Token`` and a match object per token made scanning 1.5 s of a 1 MB text;
``findall`` takes about 0.1 s).  A token's kind follows from its first
character (:func:`kind`), and positions, which only error messages need,
are found on the first request (:meth:`Tokens.pos`).

Line breaks are normalised once, here, where text enters the parser:
``\\r\\n`` (Windows) and a lone ``\\r`` (old Mac) become ``\\n``, and the
parser, its errors' line and column (:func:`symgraph.errors.line_column`)
and their caret excerpts all read that text (:attr:`Tokens.text`), so no
other place needs to know the three conventions.  A ``\\r`` used to be
blank space, which ran the lines of a ``\\r`` text into one.

Every token the pattern can produce is checked once per distinct text (a
set of the texts: a few thousand even in a long text); a character that
starts no token, or a number running into a name, is a
:class:`~symgraph.errors.ParseError` that says why (``[``: subscripts are
not supported, ``|x|``: write ``abs(x)``).
"""
from __future__ import annotations

import math
import re
import sys
import unicodedata
from typing import Iterable

import sympy

from ..constants import MAX_CONSTANT_DIGITS
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
    "{": "braces are not supported (group with parentheses: x^(2*n), not LaTeX's x^{2n})",
    "}": "braces are not supported (group with parentheses: x^(2*n), not LaTeX's x^{2n})",
    ":": "':' is not supported (no lambdas, slices or annotations)",
    "%": "'%' is not supported (no modulo)", "@": "'@' is not supported (no matrix products)",
    "&": "'&' is not supported (no bitwise operators; write 'and' between conditions)",
    "|": "'|' is not supported (no bitwise operators; write 'or' between conditions, abs(x) for |x|)",
    "~": "'~' is not supported (no bitwise operators; write 'not' before a condition)",
    "?": "'?' is not supported (write where(condition, a, b))",
    "$": "'$' is not supported (write the expression without LaTeX delimiters)",
    "`": "backquotes are not supported",
}

#: what to write for the characters text copied from papers and word processors brings
LOOKALIKES = {
    "\u2212": "'-'", "\u2013": "'-'", "\u2014": "'-'", "\u00d7": "'*'", "\u22c5": "'*'", "\u00b7": "'*'",
    "\u2217": "'*'", "\u00f7": "'/'", "\u2215": "'/'", "\u2264": "'<='", "\u2265": "'>='", "\u2260": "'!='",
    "\u00b2": "'^2'", "\u00b3": "'^3'", "\u03c0": "'pi'", "\u221a": "sqrt(...)", "\u2018": "no quotes",
    "\u2019": "no quotes", "\u201c": "no quotes", "\u201d": "no quotes", "\u2227": "'and'", "\u2228": "'or'",
    "\u00ac": "'not'", "\u2211": "sum(expr, i, a, b)", "\u220f": "prod(expr, i, a, b)", "\u200b": "",
    "\ufeff": "",
}

#: Each match: blank space and a comment (skipped), then one token (group 1): a name, a one-character
#: operator or separator, ``*`` or ``**``, a comparison, a number -- with the letter, '_' or '.'
#: that wrongly follows it, if any, so that the check below sees it --, any other character (one
#: outside the grammar), or the empty end of the text, which is the end token.  The alternatives
#: start with different characters, most frequent first; no nested repetition: linear on any text.
_SCAN = re.compile(r"[ \t]*(?:#[^\n]*)?([A-Za-z_][A-Za-z0-9_]*|[-+/^(),\[\];\n]|\*\*?|[<>=!]=?"
                   r"|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z_.]?|[\s\S]|\Z)")
#: the token texts that are neither names nor numbers: operators, separators and the end ("")
PUNCTUATION = frozenset(["**", "<=", ">=", "==", "!=", *"-+*/^(),=<>[]", "\n", ";", ""])
#: a token's kind by its first character: "num", "name", "op", "sep"; the end token "" is "end"
_KIND = {**dict.fromkeys("0123456789.", "num"),
         **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_", "name"),
         **dict.fromkeys("*<>=!-+/^(),[]", "op"), "\n": "sep", ";": "sep", "": "end"}


def kind(token: str) -> str:
    """The kind of a token text: ``"num"``, ``"name"``, ``"op"``, ``"sep"`` (newline or ``;``) or ``"end"`` ("")."""
    return _KIND[token[:1]]


class Tokens:
    """The tokens of one text, or of a stretch of another's: their texts, and their positions on request.

    ``texts`` ends with the end token ``""``.  A stretch (:meth:`slice`) has
    its own end token, placed where the stretch stops in the text.  Positions
    are offsets into :attr:`text`, the text with its line breaks normalised.
    """

    __slots__ = ("texts", "_text", "_starts", "_base", "_offset", "_distinct")

    def __init__(self, text: str, texts: list[str], distinct: set[str] | None = None):
        self.texts, self._text, self._starts, self._base, self._offset = texts, text, None, None, 0
        self._distinct = distinct  # the distinct token texts (scan finds them to check them)

    @property
    def text(self) -> str:
        """The text scanned: the one given, with ``\\r\\n`` and ``\\r`` line breaks as ``\\n``."""
        return self._text

    def words(self) -> set[str]:
        """What :func:`names_in` finds in the whole text, from the distinct tokens: the names, and the
        letters of numbers' exponents (``e5`` in ``1e5``); a text with a comment is searched itself."""
        if self._distinct is None or "#" in self._text:
            return names_in([self._text])
        words = set()
        for token in self._distinct:
            first = _KIND.get(token[:1])
            if first == "name":
                words.add(token)
            elif first == "num" and ("e" in token or "E" in token):
                words.update(_NAME.findall(token))
        return words

    def pos(self, k: int) -> int:
        """The position of token ``k`` in the text (found with the scan's own pattern, once per text)."""
        if self._base is not None:
            return self._base.pos(self._offset + min(k, len(self.texts) - 1))
        if self._starts is None:
            self._starts = [m.start(1) for m in _SCAN.finditer(self._text)]
        return self._starts[k]

    def slice(self, start: int, stop: int) -> "Tokens":
        """Tokens ``start:stop``, ended by an end token at the position of token ``stop``."""
        part = Tokens(self._text, self.texts[start:stop] + [""])
        part._base, part._offset = self, start
        return part


def scan(text: str) -> Tokens:
    """Split ``text`` into tokens; any character outside the grammar is a ParseError.

    >>> scan("a = 1\\rb = a*2").texts
    ['a', '=', '1', '\\n', 'b', '=', 'a', '*', '2', '']
    """
    if "\r" in text:  # \r\n and a lone \r are line breaks: one convention from here on
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    texts = _SCAN.findall(text)
    distinct = set(texts)
    for token in distinct.difference(PUNCTUATION):
        if not _valid(token):
            _token_error(text)
    return Tokens(text, texts, distinct)


def _valid(token: str) -> bool:
    """True for a name or a number (the tokens outside PUNCTUATION that are tokens)."""
    first = _KIND.get(token[0])
    return first == "name" or first == "num" and _NUMBER.fullmatch(token) is not None


def _describe(ch: str) -> str:
    if "\udc80" <= ch <= "\udcff":  # a byte that is not UTF-8, as Python passes it on (the command line's words)
        return f"U+{ord(ch):04X} (the byte 0x{ord(ch) - 0xDC00:02X}, which is not UTF-8 text)"
    name = unicodedata.name(ch, "control character" if unicodedata.category(ch).startswith("C") else "?")
    return f"U+{ord(ch):04X} ({name})"


def _token_error(text: str):
    """Raise the ParseError for the first token that is not one: a number running into a name or a
    second decimal point, or a character that starts no token."""
    previous = ""  # the token before this one
    for m in _SCAN.finditer(text):
        token, pos = m.group(1), m.start(1)
        if token in PUNCTUATION or _valid(token):
            previous = token
            continue
        if token == ".":
            _dot_error(text, pos, previous)
        if _KIND.get(token[0]) == "num" and len(token) > 1:  # a number, then a letter, '_' or '.'
            end = pos + len(token) - 1
            if text[end] == ".":
                raise ParseError("malformed number: a second decimal point", text, end)
            word = _NAME.match(text, end)
            written = text[pos:word.end()]
            if text[end] == "_" and word.group()[1:2].isdigit():
                raise ParseError(f"malformed number {written!r}: numbers have no digit separators "
                                 f"(write {written.replace('_', '')})", text, end)
            sign = text[word.end():word.end() + 1]
            if word.group() in ("e", "E") and sign in ("+", "-"):  # 1e+2 scans as one number: here no digits follow
                raise ParseError(f"malformed number '{written}{sign}': its exponent has no digits (as in "
                                 f"{written}{sign}3; for the name {word.group()} write {text[pos:end]}*{word.group()})", text, end)
            prefix, digits = word.group()[:1], word.group()[1:]
            if text[pos:end] == "0" and prefix in "xXoObB" and digits and all(c in _HEX for c in digits):
                raise ParseError(f"malformed number {written!r}: numbers are decimal (no 0x, 0o, 0b prefixes)",
                                 text, end)
            product = f"{text[pos:end]}*{word.group()}"
            advice = (f"write /({product}) to divide by {product}; /{product} divides by {text[pos:end]}, then "
                      f"multiplies by {word.group()}" if previous == "/" else f"write {product} to multiply")
            raise ParseError(f"malformed number {written!r}: a number cannot run into a name ({advice})", text, end)
        ch = text[pos]  # a character that starts no token
        if not ch.isascii() or not ch.isprintable():
            hint = LOOKALIKES.get(ch)
            if hint is None and unicodedata.category(ch) == "Zs":
                hint = "a space"
            advice = "" if hint is None else f" (write {hint})" if hint else " (delete it: it is invisible)"
            raise ParseError(f"character {_describe(ch)} is not allowed; expressions use plain ASCII{advice}",
                             text, pos)
        raise ParseError(EXPLANATIONS.get(ch, f"character {ch!r} is not part of the grammar"), text, pos)


_HEX = frozenset("0123456789abcdefABCDEF")
#: a '.' and an exponent: a number without digits (``.e5``, ``.E-3``)
_DIGITLESS = re.compile(r"\.[eE][+-]?\d+")
#: a '.' (or a ')' or ']'), blank space, then a name: the name after an attribute access' dot
_ATTRIBUTE = re.compile(r"[ \t]*[A-Za-z_]")
#: a name called: the attribute a module's function is (``sin(`` of ``math.sin(x)``)
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*[ \t]*\(")


def _dot_error(text: str, pos: int, previous: str):
    """Raise the ParseError for a '.' outside a number (a number takes its own: ``.5``, ``5.``, ``1.e5``).

    After a name or a closing bracket and before a name it is attribute access
    (``x.real``, ``np.sin(x)``); before an exponent it is a number without
    digits (``.e5``); anywhere else a stray '.' (``.``, ``..5``, ``x..5``).
    """
    attribute = _ATTRIBUTE.match(text, pos + 1)
    if (_KIND.get(previous[:1]) == "name" or previous in (")", "]")) and attribute:
        word = _NAME.match(text, attribute.end() - 1).group()  # math.sin(x), np.pi: written by its own name
        meant = f"{word}(...)" if _CALL.match(text, attribute.end() - 1) else {"pi": "pi", "e": "exp(1)"}.get(word)
        hint = f" (write {meant}, without '{previous}.')" if meant and _KIND.get(previous[:1]) == "name" else ""
        raise ParseError(EXPLANATIONS["."] + hint, text, pos)
    digitless = _DIGITLESS.match(text, pos)
    if digitless:
        raise ParseError(f"malformed number {digitless.group()!r}: it has no digits (a number needs a digit "
                         f"before or after its '.', as in 1{digitless.group()})", text, pos)
    raise ParseError("stray '.': a decimal point belongs in a number, with a digit before or after it "
                     "(as in 0.5, .5 or 5.)", text, pos)


class OutOfRange(Exception):
    """A literal float64 cannot hold: the parser reports it as a ParseError at the literal."""


#: the largest float64 as an exact integer: an integer literal beyond it would evaluate to inf
_LARGEST = int(sys.float_info.max)

#: literal text -> its constant (the memo of :func:`number`)
NUMBERS: dict[str, sympy.Expr] = {}


def number(token: str) -> sympy.Expr:
    """The literal as a sympy constant (memoised: long sums repeat the same few literals; the parser
    reads :data:`NUMBERS` itself first)."""
    value = NUMBERS.get(token)
    if value is None:
        value = _make_number(token)
        if len(NUMBERS) > 4096:
            NUMBERS.clear()
        NUMBERS[token] = value
    return value


def _make_number(token: str) -> sympy.Expr:
    """A decimal literal is the float64 value it reads as, and a literal float64 cannot hold is refused.

    Refused both ways alike: ``1e400`` (it would be inf) and ``1e-400`` (a nonzero
    number that would be 0; it read as 0.0 silently while ``1e400`` was an
    error).  Why refuse rather than read both as NumPy does (inf and 0): the
    text names a finite nonzero number and the graph would compute with
    another one, without a word -- ``1/1e-400`` is inf, ``log(1e-400)`` is
    -inf and ``x*1e-400`` has derivative 0.  Write ``0`` for zero, and scale
    the model for numbers beyond float64.  Subnormal literals (``1e-310``,
    down to about 4.9e-324) are float64 numbers and read as NumPy reads them;
    an integer literal is exact up to the largest float64 (about 1.8e308).

    The sympy Float is built from the Python float, never from the digits:
    that costs the same for any exponent (a string like ``1e-999999`` made
    sympy work for seconds) and gives the value evaluation uses.
    """
    if any(c in token for c in ".eE"):
        value = float(token)
        if not math.isfinite(value):
            raise OutOfRange(f"number {token!r} is out of range: float64 holds magnitudes up to about 1.8e308")
        if value == 0.0 and any(c in "123456789" for c in token.split("e")[0].split("E")[0]):
            raise OutOfRange(f"number {token!r} is out of range: it is not 0, but float64 holds nonzero magnitudes "
                             "down to about 4.9e-324 only (write 0 for zero)")
        return sympy.Float(value)
    digits = token.lstrip("0")
    if len(digits) > MAX_CONSTANT_DIGITS or len(digits) == MAX_CONSTANT_DIGITS and int(digits) > _LARGEST:
        raise OutOfRange(f"integer literal with {len(digits)} digits is out of range: float64 holds magnitudes "
                         "up to about 1.8e308")
    return sympy.Integer(int(digits or "0"))  # not the token: Python refuses to read 4,300 digits, zeros too


def names_in(texts: Iterable[str]) -> set[str]:
    """Every identifier-like word in the texts (used to keep generated names clear of them)."""
    words: set[str] = set()
    for t in texts:
        words.update(_NAME.findall(t))
    return words
