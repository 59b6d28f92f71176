"""What each subcommand does: read EXPR, call the library, write the answer to ``out``.

One ``cmd_*`` function per subcommand, called by :func:`symgraph.cli.main`
with the parsed arguments; bad input the library never sees (``--at x=abc``,
``--grad`` without ``--at``) is a :class:`UsageError`, which ``main`` turns
into one line on stderr and exit status 2.
"""
from __future__ import annotations

import importlib
import json
import math
import os
import shutil
import sys
import traceback
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Sequence, TextIO

import numpy as np

from .. import ops
from ..ad.linearised import annotate_edges
from ..compare import compare
from ..cost import CostReport
from ..derive import DerivativeMap, grad, jacobian_program, labelled_by_output
from ..errors import (ConstantWrtWarning, ExpressionTooLargeError, ParseError, SymgraphError, UnusedWrtWarning,
                      closest_name, shown, shown_names)
from ..export.display import Advice, expand_note, expression_text, listing
from ..export.draw import draw
from ..export.explore import explore, text_heading
from ..export.files import write
from ..export.latex import MATRIX_LIMIT, expression_latex, function_name, hessian_latex, program_matrix_latex
from ..export.text import edge_derivatives, format_number, node_adjoints, resolve_labels, to_dot, to_mermaid
from ..frontend.coerce import unused_inputs, wrt_names
from ..frontend.parse import parse, parse_sized
from ..frontend.tokens import scan
from ..hessian import hessian, hessian_cells, hessian_program
from ..names import output_labels
from ..userfunctions import UserFunction

TEXTBOOK = "c = a + b\nd = b + 1\ne = c * d"
FORMATS = ("mermaid", "dot", "png", "svg")
SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot", ".png": "png", ".svg": "svg"}


#: how to see more of a derivative printed as its program, in options (the library's printing names Python calls)
ADVICE = Advice(every_line="--json writes every line, as its 'program'", expand="--expand prints it whole",
                compute="the program above computes it, and --at NAME=VALUE its value")
#: ... and of the expression itself (a JSON 'expression' or a heading printed as its program)
EXPRESSION_ADVICE = Advice(every_line="symgraph graph EXPR --format dot writes every node")


class UsageError(SymgraphError, ValueError):
    """A command-line argument the library never sees is wrong (``--at x=abc``, ``--grad`` without ``--at``)."""


# --------------------------------------------------------------------------- input helpers

def read_expr(text: str, stdin: TextIO | None = None) -> str:
    """EXPR as given, or read from standard input (``-``) or a file (``@path``)."""
    if text == "-":
        source = stdin or sys.stdin
        if source is None:  # started with standard input closed
            raise UsageError("'-' reads the expression from standard input, but there is none")
        if hasattr(source, "buffer"):  # the bytes, decoded as a file is (not with surrogate escapes of bad bytes)
            try:
                return source.buffer.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise UsageError("standard input is not UTF-8 text") from None
        read = source.read()
        return read[1:] if read.startswith("\ufeff") else read  # the byte order mark some editors write
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
        text = Path(name).read_text(encoding="utf-8-sig")  # without a byte order mark, if there is one
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
    if not text.strip():
        raise refused("it is empty" if not text else "it holds only white space, no expression")
    return text


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
        except ImportError as error:
            raise UsageError(f"--functions {spec}: cannot import {module_name!r}: {error}") from None
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


def parse_point(pairs: Sequence[str]) -> dict[str, float | np.ndarray]:
    """``["a=2", "b=pi/4"]`` (or ``["a=2,b=pi/4"]``) as ``{"a": 2.0, "b": 0.785...}``.

    A value is a number or a constant expression of the grammar (``pi/2``,
    ``sqrt(2)``, ``2^-10``), parsed by the same safe parser and evaluated;
    commas inside a call's parentheses belong to the call.  An indexed input
    takes a bracketed list (``x=[1, pi/2, 3]``, nested for more indices:
    ``W=[[1, 2], [3, 4]]``) as one array, or one element at a time
    (``x[0]=1``); :func:`resolve_point` checks both against the graph.
    """
    values: dict[str, float | np.ndarray] = {}
    words: list[str] = []
    for item in pairs:  # the shell splits x=[1, 2, 3] into three words: a value's open bracket joins the next
        value = words[-1].partition("=")[2] if words else ""  # (a name's, x[0=3, is a typo: it joins nothing)
        if value.count("[") + value.count("(") > value.count("]") + value.count(")"):
            words[-1] += " " + item
        else:
            words.append(item)
    for pair in (p for item in words for p in _top_level_split(item) if p.strip()):
        name, sep, text = (s.strip() for s in pair.partition("="))
        if not sep or not name:
            comma = " (commas separate NAME=VALUE pairs: a decimal is written with a point, 1.5, a list in " \
                    "brackets, x=[1, 2])" \
                if not sep and name.isdecimal() and values else ""
            raise UsageError(f"--at expects NAME=VALUE, got {shown(pair)}{comma}")
        if name.count("[") != name.count("]"):
            raise UsageError(f"--at name {name!r} has unbalanced brackets (an element is written x[0]=1)")
        if name in values:  # the last would win silently: a typo for another input, most likely
            raise UsageError(f"--at gives {name!r} twice ({name}={_shown(values[name])} and {pair.strip()})")
        values[name] = _array(name, text) if text.startswith("[") else _constant(name, text)
    return values


def _shown(value: float | np.ndarray) -> str:
    return f"{value:g}" if np.ndim(value) == 0 else "[...]"


def _top_level_split(item: str) -> list[str]:
    """``item`` split at the commas outside parentheses and brackets."""
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(item):
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            parts.append(item[start:k])
            start = k + 1
    return parts + [item[start:]]


def _array(name: str, text: str) -> np.ndarray:
    """``--at x=[1, pi/2, 3]``: a bracketed list of constant expressions (nested lists: more axes), as an array.

    Read iteratively, bracket by bracket; every entry goes through :func:`_constant`.
    """
    if not text.endswith("]") or text.count("[") != text.count("]"):
        raise UsageError(f"--at value for {name!r} is not a bracketed list: {shown(text)} (write {name}=[1, 2, 3])")
    rows: list = []
    stack: list[list] = []
    start = depth = 0
    for k, ch in enumerate(text):
        if ch == "[" and depth == 0:
            if stack and text[start:k].strip():
                raise UsageError(f"--at value for {name!r}: {text[start:k].strip()!r} before a '[' in {shown(text)}")
            stack.append([])
            start = k + 1
        elif ch == "]" and depth == 0:
            if not stack:
                raise UsageError(f"--at value for {name!r}: unmatched ']' in {shown(text)}")
            entry = text[start:k].strip()
            if entry:
                stack[-1].append(_constant(f"{name}[...]", entry))
            elif stack[-1] and k > 0 and text[:k].rstrip().endswith(","):
                raise UsageError(f"--at value for {name!r}: an empty entry in {shown(text)}")
            done = stack.pop()
            (stack[-1] if stack else rows).append(done)
            start = k + 1
        elif ch == "," and depth == 0 and stack:
            entry = text[start:k].strip()
            if entry:
                stack[-1].append(_constant(f"{name}[...]", entry))
            elif not (stack[-1] and isinstance(stack[-1][-1], list)):
                raise UsageError(f"--at value for {name!r}: an empty entry in {shown(text)}")
            start = k + 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif not stack:
            if not ch.isspace():
                raise UsageError(f"--at value for {name!r}: {ch!r} after the closing ']' in {shown(text)}")
    if stack or len(rows) != 1:
        raise UsageError(f"--at value for {name!r}: unbalanced brackets in {shown(text)}")
    try:
        array = np.array(rows[0], dtype=np.float64)
    except ValueError:
        raise UsageError(f"--at value for {name!r}: the rows of {shown(text)} differ in length") from None
    return array  # empty only for an input of no entries (resolve_point checks the shape)


def _constant(name: str, text: str) -> float:
    """The value of ``--at NAME=TEXT``: a number, or a constant expression; finite."""
    value = _plain_number(text)
    if value is None:
        if _defines(text):  # "--at 'a=2 b=1'": two pairs in one word; said before the parser reads "2 b" as a product
            raise UsageError(f"--at value for {name!r} is not a number or a constant expression: {shown(text)} assigns "
                             f"or defines a name (one NAME=VALUE per word: --at x=1 y=2)")
        try:
            graph = parse(text)
        except SymgraphError as error:
            reason = getattr(error, "reason", str(error))
            raise UsageError(f"--at value for {name!r} is not a number or a constant expression: "
                             f"{shown(text)} ({reason})") from None
        if graph.inputs or len(graph.outputs) != 1:
            euler = " (e is a name, as in the text; Euler's number is exp(1))" if "e" in graph.inputs else ""
            raise UsageError(f"--at value for {name!r} is not a number or a constant expression: {shown(text)} uses "
                             f"{', '.join(graph.inputs) or 'several outputs'}{euler}")
        with np.errstate(all="ignore"):
            value = float(graph.evaluate()[graph.output])
    if not math.isfinite(value):
        raise UsageError(f"--at value for {name!r} must be finite, got {shown(text)}")
    return value


def _defines(text: str) -> bool:
    """Whether a value's text has an assignment's '=' (``2 b=1``, ``y=3``): a second NAME=VALUE, never a value."""
    try:
        return "=" in scan(text).texts
    except SymgraphError:  # a character the grammar refuses: the parser says which and where
        return False


def _plain_number(text: str) -> float | None:
    """``text`` as a float when it is a plain number (the fast path), else None for the parser to read.

    Python's ``float`` alone also takes ``1_000`` and non-ASCII digits,
    which the grammar refuses; the parser then says why.
    """
    if not text.isascii() or "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


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
        if not all(part.isdecimal() and part.isascii() for part in parts):
            raise UsageError(f"--size {name}={text}: a size is a non-negative integer (or a tuple of them, "
                             f"{name}=(2,3)), got {shown(text)}")
        value = int(parts[0]) if len(parts) == 1 and not text.startswith("(") else tuple(map(int, parts))
        if sizes.get(name, value) != value:
            raise UsageError(f"--size {name} is given twice, as {sizes[name]} and {value}")
        sizes[name] = value
    return sizes


def parse_text(text: str | list[str], size_items: Sequence[str] | None) -> Any:
    """The graph of EXPR with the ``--size`` values bound; a size the text lacks names ``--size``."""
    sizes = parse_sizes(size_items or ())
    try:
        return parse_sized(text, sizes)  # one mapping: a size may be called outputs, mode or text
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


def resolve_point(graph: Any, point: dict[str, float | np.ndarray]) -> dict[str, float]:
    """``--at`` values as one number per input, keyed as the user names them (``x[0]``, ``b``).

    An indexed input takes one array of its index shape (``x=[1, 2, 3]``) or
    its elements one by one (``x[0]=1``); a wrong length, an unknown element
    or a missing one is a :class:`UsageError` in those terms.
    """
    resolved: dict[str, float] = {}
    plain = set(graph.inputs).difference(*(known.nodes.values() for known in graph.indexed.values()))
    given_as: dict[str, str] = {}  # element label -> the --at name that gave it (x=[...] and x[0]=... clash)

    def give(label: str, value: float, key: str) -> None:
        if label in given_as:
            raise UsageError(f"--at gives {label!r} twice (as {given_as[label]}= and as {key}=)")
        given_as[label] = key
        resolved[label] = value

    for key, value in point.items():
        base, bracket, rest = key.partition("[")
        base = base.strip()
        known = graph.indexed.get(base)
        if bracket:
            if known is None:
                raise UsageError(f"--at {key}: {base!r} is not an indexed input of the expression"
                                 + (f" (indexed inputs: {', '.join(graph.indexed)})" if graph.indexed else ""))
            parts = [p.strip() for p in rest[:-1].split(",")] if rest.endswith("]") else []
            if not parts or not all(p.isdecimal() for p in parts) or len(parts) != len(known.shape):
                raise UsageError(f"--at {key}: an element of {base} is written {base}[{', '.join('0' * len(known.shape))}]"
                                 f" ({len(known.shape)} integer ind{'ex' if len(known.shape) == 1 else 'ices'})")
            index = tuple(map(int, parts))
            if index not in known.nodes:
                raise UsageError(f"--at {key}: {base} has no such element in the expression "
                                 f"(indices up to {known.label(tuple(n - 1 for n in known.shape))})")
            if np.ndim(value):
                raise UsageError(f"--at {key} takes one number, got a list")
            give(known.label(index), float(value), key)
        elif known is not None:
            array = np.asarray(value, dtype=np.float64)
            if array.shape != known.shape:
                shown = "a number" if not array.ndim else f"{array.size} number{'s' if array.size != 1 else ''}" \
                    if array.ndim == 1 else f"shape {array.shape}"
                raise UsageError(f"--at {key}: {key} has {_extent(known.shape)} in the expression, got {shown} "
                                 f"(write {key}=[...] with {_extent(known.shape)}, or {known.label((0,) * len(known.shape))}=VALUE ...)")
            for index in known.nodes:
                give(known.label(index), float(array[index]), key)
            if not known.nodes:  # an input no element of which is read (x of size 0): still given, as an array
                resolved[key] = array
        elif key in plain:
            if np.ndim(value):
                raise UsageError(f"--at {key} takes one number, got a list ({key} is not an indexed input)")
            resolved[key] = value
        else:
            close = closest_name(key, [*plain, *graph.indexed])
            raise UsageError(f"--at {key}: {key!r} is not an input of the expression (inputs: "
                             f"{shown_names(_input_names(graph)) or 'none'}{f'; closest: {close!r}' if close else ''})")
    missing = [label for label in graph.input_labels if label not in resolved]
    missing += [name for name, known in graph.indexed.items() if not known.nodes and name not in resolved]
    if missing:
        whole = " (x=[...] gives a whole indexed input)" if graph.indexed else ""
        raise UsageError(f"--at gives no value for {shown_names(missing, 5)}: give every input{whole}")
    return resolved


def _input_names(graph: Any) -> list[str]:
    """The inputs as the user names them: an indexed input once, by its name (one of no elements too)."""
    return [name for name, _ in graph.parameters(graph.inputs)]


def _json_point(point: dict) -> dict:
    """The point as JSON takes it: an input of no entries as its (empty) nested list."""
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in point.items()}


def _extent(shape: tuple[int, ...]) -> str:
    return f"{shape[0]} entr{'y' if shape[0] == 1 else 'ies'}" if len(shape) == 1 else f"shape {shape}"


def _point(args: Any, graph: Any) -> dict[str, float] | None:
    """The ``--at`` point resolved against ``graph``, or None without ``--at``.

    A ``--wrt`` name the expression does not contain is a parameter of the
    derivative (its value ignored), as for ``.at()`` in Python: ``--at`` may
    give it a number, which is checked and left out of the point."""
    if not getattr(args, "at", None):
        return None
    point = parse_point(args.at)
    for name in unused_inputs(graph, [w for w in getattr(args, "wrt", None) or () if w in point]):
        if np.ndim(point.pop(name)):
            raise UsageError(f"--at {name} takes one number, got a list ({name} is not in the expression: "
                             "its derivative is 0 and its value is not used)")
    return resolve_point(graph, point)


def _graph(args) -> Any:
    return parse_text(read_expr(args.expr), getattr(args, "size", None))


def unused_wrt_warning(warning: UnusedWrtWarning) -> str:
    """The library's :class:`~symgraph.errors.UnusedWrtWarning`, worded for the shell.

    The library decides which names are absent (the derivative by them is 0,
    as in sympy and JAX); the shell names the inputs, the closest match and
    ``--allow-unused``, which says the name is meant to be absent.
    """
    unused, inputs = warning.absent, warning.inputs
    names = shown_names(list(map(repr, unused)))
    if isinstance(warning, ConstantWrtWarning):
        one = len(unused) == 1
        return (f"warning: --wrt {names} {'is' if one else 'are'} assigned a constant in the expression, not a "
                f"variable: {'its derivative is' if one else 'their derivatives are'} 0. Make "
                f"{'it an input' if one else 'them inputs'} to differentiate by {'it' if one else 'them'}, or add "
                "--allow-unused if 0 is meant.")
    hints = "".join(f"; closest to {w!r}: {warning.closest[w]!r}" for w in unused[:20] if w in warning.closest)
    one = len(unused) == 1
    return (f"warning: --wrt {names} {'is' if one else 'are'} not in the expression "
            f"(inputs: {shown_names(inputs) or 'none'}{hints}): {'its derivative is' if one else 'their derivatives are'} 0. "
            "Add --allow-unused if that is meant.")


def _json_number(value: Any) -> float | str:
    value = float(value)
    return value if math.isfinite(value) else str(value)  # JSON has no nan/inf


def _aligned(rows: list[tuple[str, str]], values: list[str] | None) -> list[str]:
    """``left = right`` lines, with ``= value`` columns aligned when values are given."""
    lines = [f"{left} = {right}" for left, right in rows]
    if values is None or not lines:
        return lines
    width = max(len(line) for line in lines)
    return [f"{line.ljust(width)}    = {value}" for line, value in zip(lines, values)]


#: entry lines ``symgraph grad``, ``jacobian`` and ``hessian`` print before one line counts the rest (--json
#: gives every entry): a closed form costs 1-4 ms to build, simplify and print, and 10,000 of them took 13-18 s
ENTRY_LINES = 100


def _more(total: int, mark: str = "#") -> list[str]:
    """The line counting the entries past :data:`ENTRY_LINES`, or none."""
    rest = total - ENTRY_LINES
    return [f"{mark} ... and {rest:,} more (--json prints every one)"] if rest > 0 else []


def _mark(args) -> str:
    """What starts a note line: ``%`` in --latex output, LaTeX's comment (a ``#`` there stops LaTeX), else ``#``."""
    return "%" if args.latex else "#"


def _expression(graph: Any, node: str | None = None, expand: bool = False) -> str:
    """An output's expression as text in bounded time (:func:`expression_text`), with the command's advice."""
    return expression_text(graph, node, expand, EXPRESSION_ADVICE)


def _no_variables(graph: Any) -> str:
    """Why a derivative has no entries, to go before "its gradient is empty": no variables, or indexed inputs
    of no elements (``--size n=0``), which the function still has (it said "0 has no variables" of
    sum(x[i]^2, i, 0, n-1) at n = 0)."""
    empty = [name for name, known in graph.indexed.items() if not known.nodes]
    if not empty:
        return f"{_expression(graph)} has no variables:"
    return f"{_expression(graph)}: {shown_names(empty)} {'has' if len(empty) == 1 else 'have'} no elements, so"


def _print_large(result: Any, labels: list[str], out: TextIO) -> None:
    """The program behind results too large to print as formulas, and how to ask for them."""

    if labels:
        print(listing(result.program, labels, advice=ADVICE), file=out)
        print(expand_note(result.program, labels, advice=ADVICE), file=out)


def _function_value(graph, point: dict[str, float]) -> list[float]:
    """The value of every output at ``point`` (JSON's ``"value"``, beside the derivatives' values)."""
    with np.errstate(all="ignore"):
        numbers = graph.evaluate(**point)
    return [numbers[y] for y in graph.outputs]


def _print_json(data: dict, out: TextIO) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False), file=out)


# --------------------------------------------------------------------------- subcommands

def cmd_grad(args, out: TextIO) -> None:
    graph = _graph(args)
    point = _point(args, graph)
    gradient = grad(graph, wrt=args.wrt, mode=args.mode, simplify=args.simplify, allow_unused=args.allow_unused)
    name = function_name(graph)
    with np.errstate(all="ignore"):
        values = gradient.at(**point) if point is not None else None
    if args.json:
        data = {"function": name, "expression": _expression(graph, expand=args.expand), "wrt": list(gradient.wrt),
                "mode": gradient.mode, "gradient": gradient.printed_forms(gradient.wrt, args.expand)}
        if args.mode == "auto":
            data["why"] = gradient.cost.verdict
        if args.latex:
            data["latex"] = gradient.latex(limit=None)  # every entry, as the rest of the data
        if point is not None:
            data["at"] = _json_point(point)
            data["value"] = _json_number(_function_value(graph, point)[0])
            data["gradient_values"] = {x: _json_number(v) for x, v in values.items()}
        data["program"] = gradient.program.listing().splitlines()
        _print_json(data, out)
        return
    if args.mode == "auto":
        print(f"{_mark(args)} {gradient.cost.verdict}" if gradient.cost.verdict
              else f"{_mark(args)} mode auto chose {gradient.mode}", file=out)
    if not gradient.wrt:  # under --latex too, as LaTeX's comment: it printed an empty line
        print(f"{_mark(args)} {_no_variables(graph)} its gradient is empty", file=out)
        return
    if args.latex:
        print(gradient.latex(expand=args.expand, limit=ENTRY_LINES), file=out)
        if values is not None:
            shown = islice(values.items(), ENTRY_LINES)
            print("\n".join(_aligned([(f"d{name}/d{x}", format_number(v, 10)) for x, v in shown], None)
                            + _more(len(values), _mark(args))), file=out)
        return
    wrt = gradient.wrt[:ENTRY_LINES]
    texts = gradient.printed_forms(wrt, args.expand)
    _print_large(gradient, [x for x in wrt if texts[x] is None], out)
    rows = [(f"d{name}/d{x}", texts[x] or f"{gradient.program.results[x]}  (above)") for x in wrt]
    shown = [format_number(values[x], 10) for x in wrt] if values is not None else None
    print("\n".join(_aligned(rows, shown) + _more(len(gradient.wrt))), file=out)


def cmd_jacobian(args, out: TextIO) -> None:
    if args.exprs.count("-") > 1:
        raise UsageError("'-' (standard input) may be given once: give the other expressions as "
                         "arguments or as @FILE, one file each")
    texts = [read_expr(e) for e in args.exprs]
    graph = parse_text(texts if len(texts) > 1 else texts[0], args.size)
    point = _point(args, graph)
    wrt = wrt_names(graph, args.wrt, args.allow_unused)
    names = output_labels(graph)  # one distinct label per function, in order, even for repeats
    cells = [[f"d{f}/d{x}" for x in wrt] for f in names]  # the entries' labels, as sg.jacobian's program has them
    every = [(i, j) for i in range(len(names)) for j in range(len(wrt))]
    program, cost = jacobian_program(graph, wrt, args.mode)
    program = labelled_by_output(graph, wrt, program, every)  # not by output node: dv1/dx, one key for two rows
    entries = DerivativeMap(graph, list(program.results), program, CostReport([cost]), cost.mode, args.simplify)
    values = None
    if point is not None:
        program, _ = jacobian_program(graph, wrt, "reverse" if args.mode == "auto" else args.mode)
        with np.errstate(all="ignore"):
            numbers = labelled_by_output(graph, wrt, program, every).evaluate(**point)
        values = [[numbers[label] for label in row] for row in cells]
    if args.json:
        forms = entries.printed_forms([label for row in cells for label in row], args.expand)
        data = {"outputs": dict(zip(names, (_expression(graph, y, args.expand) for y in graph.outputs))),
                "wrt": wrt, "mode": args.mode,
                "jacobian": [[forms[label] for label in row] for row in cells]}
        if args.latex:
            data["latex"] = _matrix_latex(entries, cells, args.expand, limit=None)  # every entry, as the data
        if values is not None:
            data["at"] = _json_point(point)
            data["value"] = [_json_number(v) for v in _function_value(graph, point)]
            data["jacobian_values"] = [[_json_number(v) for v in row] for row in values]
        data["program"] = entries.program.listing().splitlines()
        _print_json(data, out)
        return
    if len(names) > 1 and any(f not in graph.user_names for f in names):
        for f, text in zip(names, texts):  # a text that assigns its label ("c = x+1") shows it itself
            shown = " ".join(text.split())
            print(f"{_mark(args)} {shown}" if _assigns(text, f) else f"{_mark(args)} {f} = {shown}", file=out)
    if not wrt:  # under --latex too: it printed an empty pmatrix
        print(f"{_mark(args)} {', '.join(names)} {'have' if len(names) > 1 else 'has'} no variables: the Jacobian "
              "is empty", file=out)
        return
    if args.latex:
        print(_matrix_latex(entries, cells, args.expand), file=out)
        if values is not None:
            print("\n".join(f"d{f}/d{x} = {format_number(values[i][j], 10)}" for i, f in enumerate(names)
                            for j, x in enumerate(wrt)), file=out)
        return
    shown_cells = every[:ENTRY_LINES]
    labels = [cells[i][j] for i, j in shown_cells]
    closed = entries.printed_forms(labels, args.expand)
    _print_large(entries, [k for k in labels if closed[k] is None], out)
    rows = [(label, closed[label] or f"{entries.program.results[label]}  (above)") for label in labels]
    shown = [format_number(values[i][j], 10) for i, j in shown_cells] if values is not None else None
    print("\n".join(_aligned(rows, shown) + _more(len(every))), file=out)


def _assigns(text: str, name: str) -> bool:
    """Whether ``text`` has a line ``name = ...``."""
    tokens = scan(text).texts
    return any(t == name and tokens[k + 1] == "=" for k, t in enumerate(tokens[:-1]))


def _matrix_latex(entries: Any, cells: list[list[str]], expand: bool, limit: int | None = MATRIX_LIMIT) -> str:
    """The Jacobian of the entries labelled ``cells`` as a LaTeX matrix, cut beyond ``limit`` rows or columns;
    only the entries shown are built, and one too large to print is its program's result name, defined by
    the assignments after the matrix."""
    return program_matrix_latex(entries.program, cells, lambda i, j: partial(entries.expand, cells[i][j], limit=None),
                                expand, limit)


#: a Hessian's values at --at also print as a grid up to this many rows
HESSIAN_GRID = 10


class _DenseHessian:
    """A dense Hessian as LaTeX reads it (:func:`~symgraph.export.latex.hessian_latex`): its program, the
    result label of every cell, and an entry's closed form built only when asked for (``H[i, j]``)."""

    order = 2

    def __init__(self, graph: Any, names: Sequence[str], entries: DerivativeMap):
        self.graph, self.program, self.wrt = graph, entries.program, tuple(names)
        self.cells = hessian_cells(names)
        self._entries = entries

    def __getitem__(self, key: tuple[int, int]) -> Any:
        i, j = key
        return self._entries.expand(self.cells[i][j], limit=None)

    def latex(self, expand: bool = False) -> str:
        return hessian_latex(self, expand=expand)


def cmd_hessian(args, out: TextIO) -> None:
    """The entries on and above the diagonal (or the structural nonzeros with --sparse), bounded."""
    graph = _graph(args)
    point = _point(args, graph)
    if args.sparse:
        matrix = hessian(graph, args.wrt, mode=args.mode, simplify=args.simplify, sparse=True,
                         allow_unused=args.allow_unused)
        program, names, pattern = matrix.program, list(matrix.wrt), matrix.pattern
        pairs = [(i, int(pattern.indices[k]), matrix.labels[k]) for i in range(len(names))
                 for k in range(pattern.indptr[i], pattern.indptr[i + 1]) if pattern.indices[k] >= i]
    else:  # the program, not sg.hessian's sympy Matrix, which builds every entry first and refuses large ones
        program, names, _, _ = hessian_program(graph, args.wrt, mode=args.mode, allow_unused=args.allow_unused)
    entries = DerivativeMap(graph, list(program.results), program, CostReport([]), args.mode, args.simplify)
    if not args.sparse:
        matrix = _DenseHessian(graph, names, entries)
        pairs = [(i, j, matrix.cells[i][j]) for i in range(len(names)) for j in range(i, len(names))]
    name = function_name(graph)
    n = len(names)

    def closed(chosen: list[tuple], expand: bool) -> list[str | None]:
        """Entries ``(i, j, label)`` as text, printed as a gradient's are (:meth:`DerivativeMap.printed_forms`:
        simplified together or not at all, built within a budget); None for one too large to print unless
        --expand."""
        texts = entries.printed_forms(list(dict.fromkeys(label for _, _, label in chosen if label)), expand)
        return [texts[label] if label else "0" for _, _, label in chosen]

    values = None
    if point is not None:
        with np.errstate(all="ignore"):
            numbers = program.evaluate(**point)
        values = {label: numbers[label] for _, _, label in pairs if label is not None}
    entry = lambda i, j: f"d2{name}/d{names[i]}^2" if i == j else f"d2{name}/d{names[i]}d{names[j]}"  # noqa: E731
    if args.json:
        data = {"function": name, "expression": _expression(graph, expand=args.expand), "wrt": names,
                "mode": args.mode, "sparse": args.sparse, "shape": [n, n]}
        if args.sparse:
            data["nnz"] = matrix.nnz
        data["hessian"] = [{"row": i, "col": j, "entry": text}
                           for (i, j, _), text in zip(pairs, closed(pairs, args.expand))]
        if args.latex:
            data["latex"] = matrix.latex(expand=args.expand)
        if point is not None:
            data["at"] = _json_point(point)
            data["value"] = _json_number(_function_value(graph, point)[0])
            data["hessian_values"] = [_json_number(values[label]) if label is not None else 0.0
                                      for _, _, label in pairs]
        data["program"] = program.listing().splitlines()
        _print_json(data, out)
        return
    if not n:
        print(f"{_mark(args)} {_no_variables(graph)} its Hessian is empty", file=out)
        return
    shown = pairs[:ENTRY_LINES]
    more = (_more(len(pairs), _mark(args)) or [None])[0]
    if args.latex:
        print(matrix.latex(expand=args.expand), file=out)
        if values is not None:
            lines = [f"{entry(i, j)} = {format_number(values[label], 10) if label else '0'}" for i, j, label in shown]
            print("\n".join(lines + ([more] if more else [])), file=out)
        return
    if args.sparse:
        print(f"# {n}x{n} sparse Hessian of {name}: {matrix.nnz:,} structural nonzero"
              f"{'' if matrix.nnz == 1 else 's'}, {len(pairs):,} on and above the diagonal", file=out)
    else:
        print(f"# {n}x{n} Hessian of {name}" + (f" (symmetric): the {len(pairs):,} entries on and above the diagonal"
                                                  if n > 1 else ": one entry"), file=out)
    texts = closed(shown, args.expand)
    large = [label for (_, _, label), text in zip(shown, texts) if text is None]
    if large:
        large = list(dict.fromkeys(large))
        print(listing(program, large, advice=ADVICE), file=out)
        print(expand_note(program, large, advice=ADVICE), file=out)
    rows = [(entry(i, j), text or f"{program.results[label]}  (above)") for (i, j, label), text in zip(shown, texts)]
    numbers_shown = [format_number(values[label], 10) if label else "0" for _, _, label in shown] \
        if values is not None else None
    lines = _aligned(rows, numbers_shown) + ([more] if more else [])
    if lines:  # a sparse Hessian without nonzeros has only its heading
        print("\n".join(lines), file=out)
    if values is not None and not args.sparse and n <= HESSIAN_GRID:
        full = {(i, j): values[label] if label else 0.0 for i, j, label in pairs}
        grid = [[format_number(full[min(i, j), max(i, j)], 10) for j in range(n)] for i in range(n)]
        width = max(len(v) for row in grid for v in row)
        print(f"# at the point, {name}'s Hessian:", file=out)
        for row in grid:
            print("  " + "  ".join(v.rjust(width) for v in row), file=out)


def cmd_compare(args, out: TextIO) -> None:
    graph = _graph(args)
    report = compare(graph, wrt=args.wrt, allow_unused=args.allow_unused, order=args.order)
    if args.json:  # the report's own dict, as sg.compare(f).to_dict() gives it; the verdict is the table's
        _print_json(report.to_dict(), out)
    else:
        print(report, file=out)


def cmd_graph(args, out: TextIO) -> None:
    graph = _graph(args)
    fmt = _output_format(args.format, args.output)
    point = _point(args, graph)
    if args.grad and point is None:
        raise UsageError("--grad needs a point: add --at NAME=VALUE ...")
    if fmt == "png" and args.output is None:  # before the drawing, which takes a while
        raise UsageError("a PNG picture needs an output file: add -o FILE.png")
    if fmt in ("png", "svg") and args.engine == "graphviz" and shutil.which("dot") is None:
        raise UsageError("Graphviz's 'dot' program is not installed: use --engine matplotlib (or install Graphviz)")
    with np.errstate(all="ignore"):
        values, adjoints, derivatives = resolve_labels(graph, None, args.grad or None, args.derivatives or None,
                                                       point)
    if fmt in ("mermaid", "dot"):
        text = (to_mermaid if fmt == "mermaid" else to_dot)(graph, values, adjoints, derivatives) + "\n"
        if args.output:
            write(args.output, text)
        else:
            out.write(text)
        return
    data = draw(graph, values, adjoints, format=fmt, derivatives=derivatives, engine=args.engine)
    if args.output:
        write(args.output, data)
    else:
        out.write(data.decode("utf-8"))


def cmd_explore(args, out: TextIO) -> None:
    """The explorer page, written to -o FILE (or standard output)."""
    graph = _graph(args)
    point = _point(args, graph)
    title = text_heading(args.expr) if not args.expr.startswith(("@", "-")) else None
    try:
        page = explore(graph, at=point, wrt=args.wrt, title=title, allow_unused=args.allow_unused)
    except ExpressionTooLargeError as error:  # the library's advice names Python calls
        raise UsageError(f"{error.problem}: symgraph compare gives the counts and symgraph grad the "
                         "derivatives") from None
    if args.output is not None:
        path = _output_path(args.output)
        if path.is_dir():
            raise UsageError(f"-o {args.output} is a directory: name a file in it, e.g. {path / 'page.html'}")
        page.save(path)
    else:
        out.write(page.html)


def _output_path(output: str) -> Path:
    """``-o FILE`` as a path; an empty name (``-o ""``, which Path reads as the current directory) is refused."""
    if not output.strip():
        raise UsageError("-o needs a file name, got an empty one")
    return Path(output)


def _output_format(format: str | None, output: str | None) -> str:
    """--format, else the format of -o's suffix, else mermaid; a known suffix must agree with --format."""
    if output is None:
        return format or "mermaid"
    path = _output_path(output)
    if path.is_dir():
        raise UsageError(f"-o {output} is a directory: name a file in it, e.g. {path / 'graph.svg'}")
    suffix = path.suffix.lower()
    implied = SUFFIXES.get(suffix)
    if format is None:
        if implied is None:
            raise UsageError(f"cannot tell the format from {suffix or 'a name without suffix'!r}: "
                             f"add --format {'|'.join(FORMATS)}")
        return implied
    if implied is not None and implied != format:
        raise UsageError(f"--format {format} disagrees with -o {output} (a {suffix} file holds {implied}): "
                         f"change one of them")
    return format


def cmd_latex(args, out: TextIO) -> None:
    graph = _graph(args)
    if args.wrt is None:
        if args.aligned:
            raise UsageError("--aligned lines up the partial derivatives: it needs --wrt NAME ...")
        print(expression_latex(graph, expand=args.expand), file=out)
        return
    gradient = grad(graph, wrt=args.wrt, simplify=args.simplify, allow_unused=args.allow_unused)
    print(gradient.latex(aligned=args.aligned, expand=args.expand, limit=ENTRY_LINES), file=out)


def cmd_demo(args, out: TextIO) -> None:
    demo(out)


def demo(out: TextIO | None = None) -> None:
    """The textbook graph e = (a+b)*(b+1): program, values, edge derivatives, gradient, cost table."""

    out = out or sys.stdout
    g = annotate_edges(parse(TEXTBOOK))
    at = {"a": 2, "b": 1}
    print("The textbook graph e = (a+b)*(b+1), as a program:", file=out)
    for node in g.order:
        if g.op(node) != "input":
            print(f"  {node} = {g.node_expr(node)}", file=out)
    values = g.evaluate(**at)
    print("\nForward values at a=2, b=1:", file=out)
    for node in g.order:
        print(f"  {node} = {values[node]:g}", file=out)
    print("\nLocal derivative on each edge (d child / d parent), and its value at a=2, b=1:", file=out)
    numbers = edge_derivatives(g, **at)
    for u, v, data in g.nx.edges(data=True):
        print(f"  d{v}/d{u} = {data['derivative']}    = {numbers[u, v]:g}", file=out)
    print("\nAdjoints (de/dnode), one reverse sweep from e back to the inputs:", file=out)
    adjoints = node_adjoints(g, **at)
    for node in reversed(g.order):
        print(f"  de/d{node} = {adjoints[node]:g}", file=out)
    gradient = grad(g, wrt=["a", "b"])
    point = gradient.at(**at)
    print("\nGradient by reverse mode (one sweep):", file=out)
    rows = [(f"de/d{name}", str(expr)) for name, expr in gradient.items()]
    for line in _aligned(rows, [f"{point[name]:g} at a=2, b=1" for name in gradient.wrt]):
        print("  " + line, file=out)
    print("\nDerivative program (shared values named once):", file=out)
    print("  " + str(gradient.program).replace("\n", "\n  "), file=out)
    print("\nWhat each mode costs on this graph:", file=out)
    print("  " + str(compare(g)).replace("\n", "\n  "), file=out)
    print("\nDraw it: symgraph graph \"c = a + b; d = b + 1; e = c * d\" --at a=2 b=1 --grad "
          "--format png -o textbook.png", file=out)
    print("Step through every mode in a browser: symgraph explore \"c = a + b; d = b + 1; e = c * d\" "
          "--at a=2 b=1 -o textbook.html", file=out)
