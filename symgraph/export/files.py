"""Writing a result to a file: the one place pictures, pages and the command line write one.

A file that cannot be written (a missing folder, no permission, a full disk)
is an :class:`~symgraph.errors.OutputError`: a symgraph error, as every
other failure of a call is, and still the ``OSError`` Python gives (its
``errno``, ``strerror`` and ``filename`` kept), so ``except OSError`` and
``except sg.SymgraphError`` both catch it.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import ArgumentError, OutputError, shown


#: what a file of each suffix holds, as viewers open it by its name (the command line's -o names the format so)
SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot", ".png": "png", ".svg": "svg",
            ".html": "html", ".htm": "html"}


def write(path: "str | os.PathLike[str]", data: "str | bytes", format: str | None = None) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path``; the path, as a :class:`~pathlib.Path`.

    A ``path`` that is no file name (a number, None, ``""``) is an ArgumentError, not Path's TypeError; so is
    one whose suffix says it holds another ``format`` than the data's (an HTML page written to ``e.png``).
    """
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise ArgumentError(f"path= takes a file name (text or a Path), got {type(path).__name__} {shown(path)}")
    if "\0" in str(path):  # no file system takes one: open() would raise a bare ValueError
        raise ArgumentError(f"path= {shown(str(path), 80)} holds a NUL character (\\0), which no file name can")
    path = Path(path)
    implied = SUFFIXES.get(path.suffix.lower())
    if format is not None and implied not in (None, format):
        raise ArgumentError(f"cannot write {format} to {shown(str(path), 80)}: a {path.suffix} file holds {implied}; "
                            f"name the file {path.with_suffix('').name or 'page'}{_suffix_of(format)}")
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as error:
        reason = error.strerror or str(error)
        if isinstance(error, FileNotFoundError) and not path.parent.is_dir():
            reason = f"the folder {str(path.parent)!r} does not exist"
        raise OutputError(error.errno, reason, str(path)) from None
    return path


def _suffix_of(format: str) -> str:
    """The first suffix :data:`SUFFIXES` gives ``format``."""
    return next(suffix for suffix, held in SUFFIXES.items() if held == format)
