"""Reading EXPR and the options that shape its graph: ``-`` and ``@FILE``, ``--functions`` and ``--size``.

Bad input the library never sees is a :class:`UsageError`, which
:func:`symgraph.cli.main` turns into one line on stderr and exit status 2.
"""
from __future__ import annotations

import importlib
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence, TextIO

from .. import ops
from ..constants import MAX_CONSTANT_DIGITS
from ..errors import ParseError, SymgraphError, shown
from ..frontend.parse import parse_sized
from ..userfunctions import UserFunction


class UsageError(SymgraphError, ValueError):
    """A command-line argument the library never sees is wrong (``--at x=abc``, ``--grad`` without ``--at``)."""


#: the most an expression file or standard input is read: a text beyond it is refused (``@/dev/zero``, an endless
#: stream, filled memory until the system killed the process; a 200,000-term sum is 1.3 MB)
MAX_TEXT_BYTES = 100_000_000
#: what is said of a text beyond that
TOO_LONG = f"holds more than {MAX_TEXT_BYTES:,} bytes: no expression is that long"


def _read_bounded(stream: Any) -> Any:
    """All of ``stream`` (bytes or text), or None when it holds more than :data:`MAX_TEXT_BYTES`."""
    data = stream.read(MAX_TEXT_BYTES + 1)
    return data if len(data) <= MAX_TEXT_BYTES else None


def read_expr(text: str, stdin: TextIO | None = None) -> str:
    """EXPR as given, or read from standard input (``-``) or a file (``@path``)."""
    if text == "-":
        source = stdin or sys.stdin
        if source is None:  # started with standard input closed
            raise UsageError("'-' reads the expression from standard input, but there is none")
        read = _read_bounded(getattr(source, "buffer", source))
        if read is None:
            raise UsageError(f"standard input {TOO_LONG}")
        if isinstance(read, bytes):  # the bytes, decoded as a file is (not with surrogate escapes of bad bytes)
            try:
                read = read.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise UsageError("standard input is not UTF-8 text") from None
        elif read.startswith("\ufeff"):  # the byte order mark some editors write
            read = read[1:]
        why = _no_expression(read)
        if why:
            raise UsageError(f"cannot read the expression from standard input: {why}")
        return read
    if text.startswith("@"):
        if not text[1:].strip():  # Path("") is the current directory
            raise UsageError("@FILE needs a file name after the '@' (symgraph grad @expr.txt)")
        return _read_file(text[1:])
    return text


def _read_file(name: str) -> str:
    """The expression in file ``name`` (``@name``); a file that cannot be read or holds no expression is a
    one-line :class:`UsageError` naming the file and what is wrong (a parse error's caret excerpt of an empty
    text named neither)."""
    def refused(why: str) -> UsageError:
        return UsageError(f"cannot read the expression file @{name}: {why}")
    try:
        with Path(name).open("rb") as file:
            text = _read_bounded(file)
        if text is not None:
            text = text.decode("utf-8-sig")  # without a byte order mark, if there is one
    except FileNotFoundError:
        raise refused("no such file") from None
    except IsADirectoryError:
        raise refused("it is a directory, not a file") from None
    except PermissionError:
        raise refused("permission denied") from None
    except UnicodeDecodeError as error:
        raise refused(f"it is not UTF-8 text (byte {error.start} is 0x{error.object[error.start]:02x})") from None
    except (OSError, ValueError) as error:  # a loop of links, a name too long or with a NUL byte, ...
        raise refused(getattr(error, "strerror", None) or str(error)) from None
    if text is None:
        raise refused(f"it {TOO_LONG}")
    why = _no_expression(text)
    if why:
        raise refused(why)
    return text


def _no_expression(text: str) -> str:
    """Why ``text`` (a file's, standard input's) holds no expression, or "" when it holds one: a parse error's caret
    excerpt of an empty text named neither where it came from nor what was wrong."""
    if not text:
        return "it is empty"
    if not text.strip():
        return "it holds only white space, no expression"
    # '#' starts a comment to the end of its line wherever it stands (the grammar has no strings)
    return "" if _COMMENT.sub("", text).strip() else "it holds only comments, no expression"


#: a comment, from '#' to the end of its line
_COMMENT = re.compile(r"#[^\n\r]*")


def one_line(text: str) -> str:
    """A program's text on one line, to head what is printed about it: comments left out, its lines joined with
    '; ' (a line break inside brackets, which continues the line, with a space).

    Its words joined with spaces kept a comment, which then read as if it ran over every line after it
    (``c = a + b # sum d = b + 1 e = c * d``).
    """
    parts, depth = [], 0
    for line in re.split(r"\r\n|\r|\n", _COMMENT.sub("", text)):
        line = " ".join(line.split())
        if not line:
            continue
        if parts:
            parts.append(" " if depth > 0 or parts[-1].endswith(";") else "; ")
        parts.append(line)
        depth += sum(line.count(c) for c in "([") - sum(line.count(c) for c in ")]")
    return "".join(parts)


def load_functions(specs: Sequence[str]) -> list[UserFunction]:
    """The functions ``--functions MODULE[:NAME]`` names, registered; a bad spec is a :class:`UsageError`.

    Importing MODULE runs its ``symgraph.function`` calls; NAME is an
    attribute holding a handle or a list of handles.  Without NAME every
    handle the module holds at its top level counts.  Each handle is
    registered again if it was removed since.  The current directory is
    searched first, as ``python -m`` does, so a module beside the expression works.
    A module that registers nothing (``--functions sys``, a misspelt module
    that happens to exist) is an error: silently, the expression would then
    fail later on an unknown function, or run without the one meant.
    """
    found: list[UserFunction] = []
    for spec in specs:
        before = dict(ops.USER)  # what the module's import registers, handle kept or not
        module_name, colon, attribute = spec.partition(":")
        if not module_name or not all(part.isidentifier() for part in module_name.split(".")) or \
                (colon and not attribute.isidentifier()):  # "MODULE:" names no attribute: a slip, not MODULE
            raise UsageError(f"--functions takes MODULE or MODULE:NAME, got {spec!r}")
        added = os.getcwd() not in sys.path
        if added:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:  # a file name (myfuncs.py) read as the module py of a package myfuncs
            file = f"; --functions names a module: write {module_name[:-3]}" if module_name.endswith(".py") else ""
            raise UsageError(f"--functions {spec}: cannot import {module_name!r}: {error}{file}") from None
        except SystemExit as error:  # a script's top level (it exited the whole command, with its status, silently)
            raise UsageError(f"--functions {spec}: importing {module_name!r} called sys.exit({shown(error.code)})"
                             f"{_where(error)}: a module of functions must not exit when imported (a script's own "
                             "code goes under if __name__ == '__main__':)") from None
        except Exception as error:  # the module's own code failed: say which module, what and where, in one line
            raise UsageError(f"--functions {spec}: importing {module_name!r} raised {type(error).__name__}: "
                             f"{error.msg if isinstance(error, SyntaxError) else error}{_where(error)}") from None
        finally:
            if added:
                sys.path.remove(os.getcwd())
        if attribute:
            if not hasattr(module, attribute):
                raise UsageError(f"--functions {spec}: module {module_name!r} has no attribute {attribute!r}")
            value = getattr(module, attribute)
            handles = list(value) if isinstance(value, (list, tuple)) else [value]
            if not handles or not all(isinstance(h, UserFunction) for h in handles):
                raise UsageError(f"--functions {spec}: {attribute!r} is not a function registered with "
                                 "symgraph.function (nor a list of them)")
        else:
            handles = [h for v in vars(module).values()
                       for h in (v if isinstance(v, (list, tuple)) else [v]) if isinstance(h, UserFunction)]
            registered = any(before.get(name) is not row or getattr(row.numeric, "__module__", None) == module.__name__
                             for name, row in ops.USER.items())  # imported already: its callables tell
            if not handles and not registered:
                raise UsageError(f"--functions {spec}: module {module_name!r} registered no symgraph functions "
                                 "(it calls symgraph.function for none, and holds no handle of one)")
        for handle in handles:
            if not handle.registered:
                handle.register()
        found += handles
    return found


def _where(error: BaseException) -> str:
    """`` (at FILE, line N)``: the innermost line of the user's code an exception came from, or nothing.

    Frames of the import machinery and of symgraph itself are skipped: a
    ``sg.function`` call the module makes is named at that call."""
    if isinstance(error, SyntaxError) and error.filename:
        return f" (at {error.filename}, line {error.lineno})"
    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith("<frozen") and not os.path.abspath(f.filename).startswith(ours)]
    return f" (at {frames[-1].filename}, line {frames[-1].lineno})" if frames else ""


def _top_level_split(item: str) -> list[str]:
    """``item`` split at the commas outside parentheses and brackets."""
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(item):
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            parts.append(item[start:k])
            start = k + 1
    return parts + [item[start:]]


def whole_number(text: str, what: str) -> int:
    """``text``, ASCII digits, as an int; a UsageError beyond MAX_CONSTANT_DIGITS (1,024 bits), which no size or index
    reaches and Python refuses to read beyond 4,300 (its bare ValueError)."""
    digits = text.lstrip("0")
    if len(digits) > MAX_CONSTANT_DIGITS:
        raise UsageError(f"{what}: {shown(text)} has {len(digits):,} digits; a size or an index has at most "
                         f"{MAX_CONSTANT_DIGITS}")
    return int(digits or "0")


def parse_sizes(items: Sequence[str]) -> dict[str, int | tuple[int, ...]]:
    """``--size n=1000 m=4`` (or ``n=1000,m=4``; ``W=(2,3)`` gives an indexed input's extent) as a dict.

    A size is a non-negative integer written in digits: it fixes how many
    terms a reduction has and how far an index runs, so nothing is evaluated.
    """
    sizes: dict[str, int | tuple[int, ...]] = {}
    for pair in (p for item in items for p in _top_level_split(item) if p.strip()):
        name, sep, text = (s.strip() for s in pair.partition("="))
        if not sep or not name.isidentifier():
            raise UsageError(f"--size expects NAME=INTEGER (such as n=1000), got {shown(pair)}")
        parts = text[1:-1].split(",") if text.startswith("(") and text.endswith(")") else [text]
        parts = [part.strip() for part in parts]
        if len(parts) > 1 and not parts[-1]:  # (3,): a tuple of one, as Python writes it
            parts.pop()
        if not all(part.isdecimal() and part.isascii() for part in parts):
            raise UsageError(f"--size {name}={text}: a size is a non-negative integer (or a tuple of them, "
                             f"{name}=(2,3)), got {shown(text)}")
        numbers = [whole_number(part, f"--size {name}") for part in parts]
        value = numbers[0] if len(parts) == 1 and not text.startswith("(") else tuple(numbers)
        if sizes.get(name, value) != value:
            raise UsageError(f"--size {name} is given twice, as {sizes[name]} and {value}")
        sizes[name] = value
    return sizes


def parse_text(text: str | list[str], size_items: Sequence[str] | None) -> Any:
    """The graph of EXPR with the ``--size`` values bound; a size the text lacks names ``--size``."""
    sizes = parse_sizes(size_items or ())
    try:
        graph = parse_sized(text, sizes)  # one mapping: a size may be called outputs, mode or text
    except ParseError as error:
        if "is given as a size (" in error.reason:  # a plain input given with --size: say it in the command's words
            word = error.reason.split("'")[1]
            reason = error.reason.replace(f"given as a size ({word}=", f"given as a size (--size {word}=").replace(
                "where the function is evaluated instead", f"with --at {word}=... instead")
            raise ParseError(reason, error.text, error.position) from None
        if "is not a size or an index" not in error.reason:
            raise
        word = error.reason.split("'")[1]
        keyword = f"bound by keyword, {word}=..."
        reason = (error.reason.replace(keyword, f"--size {word}=INTEGER") if keyword in error.reason
                  else f"{error.reason}; give it with --size {word}=INTEGER")
        raise ParseError(reason, error.text, error.position) from None
    return graph  # what the text may have meant otherwise is a ReadingWarning of parse's, printed by main


def _graph(args) -> Any:
    return parse_text(read_expr(args.expr), getattr(args, "size", None))
