"""The let-listing form shared by ``str(Graph)`` and ``str(Program)``: ``t1 = c + d``, ``t2 = cos(v1)``.

One assignment per line, arithmetic infix and functions called, negative and
fractional constants in parentheses -- the form JAX and CasADi users read.
"""
from __future__ import annotations

import math
from itertools import islice
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import sympy

from ..errors import ArgumentError, shown
from ..ops import OPS, WRITTEN

#: op -> its infix symbol as Python writes it (``**``), read from the op table once (listings are hot)
_INFIX = {row.name: row.infix for row in OPS.values() if row.infix}

#: repr() of a result of many entries (values at a point, a gradient's closed forms) shows at most this many
SHOW_ENTRIES = 20


class ShortDict(dict):
    """A dict of values whose text is its first :data:`SHOW_ENTRIES` entries and a count of the rest: the
    values at a point of a graph, a program or a derivative (``g.evaluate``, ``program.evaluate``, ``.at()``)
    are one entry per node or input, and printed whole they were megabytes (``g.evaluate(x=X)`` at n = 100,000
    with 50 points each: 210 MB of text in 220 s)."""

    def __repr__(self) -> str:
        if len(self) <= SHOW_ENTRIES:
            return dict.__repr__(self)
        first = ", ".join(f"{k!r}: {v!r}" for k, v in islice(self.items(), SHOW_ENTRIES))
        return f"{{{first}, ... ({len(self) - SHOW_ENTRIES:,} more)}}"


#: ``str()`` of a program or a graph writes at most this many lines, the first and the last halves, and one
#: line counting those left out (``listing()`` writes every line: a million-node graph's is 20 MB)
PRINT_LINES = 1_000


def constant_text(value: Any) -> str:
    """A constant as the text wrote it: a float by its shortest repr (``2.5``, ``1e-300``), not sympy's 15
    digits (``2.50000000000000``); anything else as sympy writes it (``1/3``, ``pi``)."""
    return repr(float(value)) if isinstance(value, sympy.Float) else str(value)


def argument(ref: Any) -> str:
    """A name as it is; a constant short and, when it is not a plain number, in parentheses."""
    if isinstance(ref, str):
        return ref
    text = constant_text(ref)
    return f"({text})" if text.startswith("-") or not text.isalnum() else text


#: a listing cut to bounded lines writes at most this many operands of one op (``max`` of 10,000 names wrote one
#: line of 69 kB): the first ones, ``...`` and the last, and a comment counting them
PRINT_ARGS = 20


def assignment(target: str, op: str, args: tuple, names: Mapping[str, str] | None = None,
               most: int | None = None) -> str:
    """One line of the listing, e.g. ``assignment("t1", "add", ("c", "d")) == "t1 = c + d"``.

    ``names``: what to write for some operands, the elements of indexed inputs as the user wrote them
    (``x[0]``, not the node's name ``x_0``; :attr:`~symgraph.ir.graph.Graph.element_labels`).
    ``most``: write at most this many operands, the first ones, ``...`` and the last (:data:`PRINT_ARGS`).
    """
    if most is not None and len(args) > most:
        cut = assignment(target, op, (*args[:most - 1], "...", args[-1]), names)
        return f"{cut}  # {len(args):,} operands"
    if names:
        args = tuple(names.get(a, a) if a.__class__ is str else a for a in args)
    infix = _INFIX.get(op)
    if infix is not None:  # operators: a + b, a ** b, -a
        rhs = f"{argument(args[0])} {infix} {argument(args[1])}" if len(args) == 2 else f"{infix}{' ' * infix.isalpha()}{argument(args[0])}"
    elif op == "const":
        rhs = argument(args[0]).strip("()")
    else:
        rhs = f"{WRITTEN.get(op, op)}({', '.join(argument(a) for a in args)})"
    return f"{target} = {rhs}"


def count_text(count: int) -> str:
    """A count as text: ``1,234``, or ``about 10^4512`` when it is huge (the nearest power of ten).

    Never ``str()`` of a huge int: Python refuses more than 4,300 digits, and
    a path count of a long program has many more; ``math.log10`` takes any int.
    The power once came from the bit length rounded down, a power of ten too low
    for most counts: a closed form's capped size, 10^18 operations, read ``about 10^17``.
    """
    if count < 10**15:
        return f"{count:,}"
    return f"about 10^{round(math.log10(count))}"


def result_line(label: str, ref: Any, names: Mapping[str, str] | None = None) -> str:
    """The line naming a program's result: ``out[x] = t12`` (``names``: as in :func:`assignment`)."""
    if names and ref.__class__ is str:
        ref = names.get(ref, ref)
    return f"out[{label}] = {argument(ref).strip('()')}"


def check_lines(limit: Any) -> None:
    """An ArgumentError unless ``limit`` is a number of lines or None (every line): ``listing(-1)`` and
    ``listing(2.5)`` would reach islice's own error, ``listing("3")`` a comparison's."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0):
        raise ArgumentError(f"listing(): limit= takes a number of lines (or None: every line), got "
                            f"{type(limit).__name__} {shown(limit, 40)}")


def cut_listing(forwards: Iterable[str], backwards: Iterable[str], total: int, limit: int | None, whole: str,
                omitted: Callable[[int], str] | None = None, sep: str = "\n") -> str:
    """The ``total`` lines of a listing, or with ``limit`` the first and last ``limit // 2`` of them and one
    line counting the rest and saying ``whole`` (how to get every line).

    ``forwards`` and ``backwards`` make the lines from the first and from the
    last as they are read, so a cut listing makes only the lines it shows.
    ``omitted(count)`` writes the counting line in another language (LaTeX),
    and ``sep`` joins the lines.
    """
    check_lines(limit)
    if limit is None or total <= limit:
        return sep.join(forwards)
    half = limit // 2
    tail = list(islice(backwards, half))
    tail.reverse()
    note = f"# ... {total - 2 * half:,} lines omitted: {whole}" if omitted is None else omitted(total - 2 * half)
    return sep.join([*islice(forwards, half), note, *tail])


def lines_within(lines: Sequence[str], chars: int) -> int | None:
    """The ``limit`` of :func:`cut_listing` that keeps ``lines`` within about ``chars`` characters: the most
    first and last lines (two at least) whose lengths add up to at most ``chars``, or None when all of them do."""
    if sum(map(len, lines)) <= chars:
        return None
    used, half = 0, 0
    while half < len(lines) // 2:
        used += len(lines[half]) + len(lines[-1 - half])
        if used > chars:
            break
        half += 1
    return 2 * max(half, 1)
