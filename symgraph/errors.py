"""Named exceptions, so callers can catch exactly what went wrong.

Every error symgraph raises on purpose derives from :class:`SymgraphError`; the
ones caused by bad arguments also derive from :class:`ValueError`, so code that
already catches ``ValueError`` keeps working.
"""
from __future__ import annotations


class SymgraphError(Exception):
    """Base class of every symgraph error."""


class ParseError(SymgraphError, ValueError):
    """Malformed expression text.

    Attributes
    ----------
    position : int
        0-based character offset of the problem in the text.
    reason : str
        The one-line description, without the caret excerpt.
    text : str
        The text that was parsed.
    """

    def __init__(self, reason: str, text: str, position: int):
        self.reason = reason
        self.text = text
        self.position = max(0, min(position, len(text)))
        super().__init__(f"{reason} (at position {self.position})\n{caret_excerpt(text, self.position)}")


def caret_excerpt(text: str, position: int, width: int = 60) -> str:
    """Return the line holding ``position`` (cut to ``width`` columns) and a caret under it."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    end = len(text) if end < 0 else end
    line, column = text[start:end], position - start
    if len(line) > width:
        lo = max(0, min(column - width // 2, len(line) - width))
        line = ("..." if lo else "") + line[lo:lo + width] + ("..." if lo + width < len(line) else "")
        column = column - lo + (3 if lo else 0)
    printable = "".join(ch if ch.isprintable() and ord(ch) < 0x2000 or ch == " " else "?" for ch in line)
    return f"  {printable}\n  {' ' * column}^"


class UnsupportedOpError(SymgraphError, ValueError):
    """A sympy expression or op that symgraph has no rule for."""


class PathLimitError(SymgraphError, ValueError):
    """Path enumeration refused because the graph has too many input-output paths."""


class GraphError(SymgraphError, ValueError):
    """A request that does not fit the graph (unknown name, several outputs where one is needed, ...)."""


class RenderError(SymgraphError, RuntimeError):
    """A picture could not be rendered (unknown format or engine, Graphviz missing or failing)."""


class ExpressionTooLargeError(SymgraphError, ValueError):
    """A closed form too deep (or too large) to build as a sympy expression; the program has it."""
