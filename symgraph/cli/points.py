"""Reading ``--at``: the point's values (numbers, constant expressions, bracketed lists) checked against the graph."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..errors import SymgraphError, closest_name, shown, shown_names
from ..frontend.coerce import unused_inputs
from ..frontend.parse import parse
from ..frontend.tokens import scan
from .inputs import UsageError, _top_level_split, whole_number


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
    words: list[list[str]] = []
    unclosed = 0  # brackets and parentheses the value of the last word leaves open
    for item in pairs:  # the shell splits x=[1, 2, 3] into three words: a value's open bracket joins the next
        if unclosed > 0:  # (a name's, x[0=3, is a typo: it joins nothing); counted per word, once
            words[-1].append(item)
        else:
            words.append([item])
            item = item.partition("=")[2]
            unclosed = 0
        unclosed += item.count("[") + item.count("(") - item.count("]") - item.count(")")
    for pair in (p for parts in words for p in _top_level_split(" ".join(parts)) if p.strip()):
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


def _array(name: str, text: str) -> np.ndarray:
    """``--at x=[1, pi/2, 3]``: a bracketed list of constant expressions (nested lists: more axes), as an array.

    Read iteratively, bracket by bracket; every entry goes through :func:`_constant`.
    """
    if not text.endswith("]") or text.count("[") != text.count("]"):
        raise UsageError(f"--at value for {name!r} is not a bracketed list: {shown(text)} (write {name}=[1, 2, 3])")
    rows: list = []
    stack: list[list] = []
    start = depth = deepest = 0
    previous = ""  # the last character before this one that is not blank space
    for k, ch in enumerate(text):
        if ch == "[" and depth == 0:
            if stack and text[start:k].strip():
                raise UsageError(f"--at value for {name!r}: {text[start:k].strip()!r} before a '[' in {shown(text)}")
            stack.append([])
            deepest = max(deepest, len(stack))
            start = k + 1
        elif ch == "]" and depth == 0:
            if not stack:
                raise UsageError(f"--at value for {name!r}: unmatched ']' in {shown(text)}")
            entry = text[start:k].strip()
            if entry:
                stack[-1].append(_constant(_entry_label(name, stack), entry))
            elif stack[-1] and previous == ",":
                raise UsageError(f"--at value for {name!r}: an empty entry in {shown(text)}")
            done = stack.pop()
            (stack[-1] if stack else rows).append(done)
            start = k + 1
        elif ch == "," and depth == 0 and stack:
            entry = text[start:k].strip()
            if entry:
                stack[-1].append(_constant(_entry_label(name, stack), entry))
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
        if not ch.isspace():
            previous = ch
    if stack or len(rows) != 1:
        raise UsageError(f"--at value for {name!r}: unbalanced brackets in {shown(text)}")
    if _too_many_axes(deepest):  # NumPy refuses it, with the ValueError ragged rows raise too
        raise UsageError(f"--at value for {name!r}: {shown(text)} nests lists {deepest} deep, more axes than a NumPy "
                         f"array has: give its elements one by one ({name}[0, 0, ...]=VALUE)")
    try:
        array = np.array(rows[0], dtype=np.float64)
    except ValueError:
        raise UsageError(f"--at value for {name!r}: the rows of {shown(text)} differ in length") from None
    return array  # empty only for an input of no entries (resolve_point checks the shape)


def _entry_label(name: str, stack: list[list]) -> str:
    """The label of the entry a bracketed list is reading (``x[1, 2]``): each open list holds the entries and rows
    before it, so their counts are its index."""
    return f"{name}[{', '.join(str(len(row)) for row in stack)}]"


def _too_many_axes(axes: int) -> bool:
    """Whether an array of ``axes`` axes is beyond NumPy's limit (64 since NumPy 2, 32 before): asked of NumPy,
    on an empty array, so no version's limit is written here."""
    if axes <= 32:
        return False
    try:
        np.empty((0,) * axes)
    except ValueError:
        return True
    return False


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
        if graph.input_nodes or len(graph.outputs) != 1:
            euler = " (e is a name, as in the text; Euler's number is exp(1))" if "e" in graph.input_nodes else ""
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

    Python's ``float`` alone also takes ``1_000`` and non-ASCII digits, and
    reads ``1e-400`` (nonzero, below float64's smallest) as 0, which the
    grammar refuses; the parser then says why.
    """
    if not text.isascii() or "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return None if value == 0 and any(c in "123456789" for c in text.lower().partition("e")[0]) else value


def resolve_point(graph: Any, point: dict[str, float | np.ndarray]) -> dict[str, float]:
    """``--at`` values as one number per input, keyed as the user names them (``x[0]``, ``b``).

    An indexed input takes one array of its index shape (``x=[1, 2, 3]``) or
    its elements one by one (``x[0]=1``; one within the extent that the expression never reads is taken and not
    used, as by the array); a wrong length, an element beyond the extent, one given twice or a missing one is a
    :class:`UsageError` in those terms.
    """
    resolved: dict[str, float] = {}
    plain = set(graph.input_nodes).difference(*(known.nodes.values() for known in graph.indexed.values()))
    given_as: dict[str, str] = {}  # element label -> the --at name that gave it (x=[...] and x[0]=... clash)
    whole: set[str] = set()  # the indexed inputs given as one array (x=[...])

    def claim(label: str, key: str, base: str | None = None) -> None:
        first = given_as.get(label, base if base in whole else None)
        if first is not None:
            raise UsageError(f"--at gives {label!r} twice (as {first}= and as {key}=)")
        given_as[label] = key

    def give(label: str, value: float, key: str) -> None:
        claim(label, key)
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
            if not all(p.isdecimal() and p.isascii() for p in parts) or len(parts) != len(known.shape) or not parts:
                raise UsageError(f"--at {key}: an element of {base} is written {base}[{', '.join('0' * len(known.shape))}]"
                                 f" ({len(known.shape)} integer ind{'ex' if len(known.shape) == 1 else 'ices'})")
            index = tuple(whole_number(part, f"--at {base}[...]") for part in parts)
            if any(i >= n for i, n in zip(index, known.shape)):
                raise UsageError(f"--at {key}: {base} has no such element "
                                 f"(indices up to {known.label(tuple(n - 1 for n in known.shape))})")
            if np.ndim(value):
                raise UsageError(f"--at {key} takes one number, got a list")
            if index in known.nodes:
                give(known.label(index), float(value), key)
            else:  # within the extent (x=[...] holds it), read by no node: taken, and not used
                claim(known.label(index), key, base)
        elif known is not None:
            array = np.asarray(value, dtype=np.float64)
            if array.shape != known.shape:
                shown = "a number" if not array.ndim else f"{array.size} number{'s' if array.size != 1 else ''}" \
                    if array.ndim == 1 else f"shape {array.shape}"
                raise UsageError(f"--at {key}: {key} has {_extent(known.shape)} in the expression, got {shown} "
                                 f"(write {key}=[...] with {_extent(known.shape)}, or {known.label((0,) * len(known.shape))}=VALUE ...)")
            clash = next((label for label in given_as if label.startswith(key + "[")), None)
            if clash is not None:
                raise UsageError(f"--at gives {clash!r} twice (as {given_as[clash]}= and as {key}=)")
            whole.add(key)
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
    return [name for name, _ in graph.parameters(graph.input_nodes)]


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
