"""What a text may have meant otherwise, said beside a result that stands: one :class:`ReadingWarning`.

``e^x`` differentiates by a variable ``e`` (the grammar's ``e`` is a name, as the textbook's output ``e = c*d``
is), and ``x^2*sinx`` by a variable ``sinx``: both parse, both results are right for what was written, and a
student most likely meant ``exp(x)`` and ``sin(x)``.  :func:`parse` says so once per text through Python's
warnings, so the library and the command line (which prints each as one ``symgraph: note:`` line) say the
same thing from one place; the command line said it alone before, and Python said nothing.
"""
from __future__ import annotations

import warnings
from typing import Any

from .. import ops
from ..errors import ReadingWarning, caller_level

#: said where a text raises the variable e to a power that varies: a student's e^x is meant as exp(x)
EULER_NOTE = "e is a variable here, as in the textbook's e = c*d; for the exponential write exp(x), not e^x"

#: the first three letters of every function's name: a name starting otherwise runs no function into its argument
_STARTS = frozenset(name[:3] for name in ops.FUNCTIONS if len(name) >= 3)


def reading_notes(graph: Any) -> list[str]:
    """The notes for ``graph``: ``e^x`` (e is a variable) and ``x^2*sinx`` (one name, where x is an input too:
    sin(x) was meant).  Cheap on large graphs: the rows are read only when ``e`` is an input, and a name is
    looked at only when it starts as a function's name does."""
    notes = [EULER_NOTE] if euler_power(graph) else []
    inputs = set(graph.input_nodes)
    for name in graph.input_nodes:
        if len(name) < 4 or name[:3] not in _STARTS:
            continue
        called = max((name[:k] for k in range(3, len(name)) if name[:k] in ops.FUNCTIONS and name[k:] in inputs),
                     key=len, default=None)  # sinhx is sinh of x, not sin of hx
        if called is not None:
            rest = name[len(called):]
            notes.append(f"{name} is one name here, a variable; for {called} of {rest} write {called}({rest})")
    return notes


def euler_power(graph: Any) -> bool:
    """Whether the input ``e`` is the base of a power whose exponent is not a constant (``e^x``, ``e^(2*t)``):
    the exponential as mathematics writes it, which differentiates by e too and reads Piecewise in e."""
    if "e" not in graph.input_nodes:
        return False
    return any(op == "pow" and args[0] == "e" and isinstance(args[1], str) for _, op, args in graph.rows())


def warn_readings(graph: Any) -> None:
    """One :class:`ReadingWarning` per note of :func:`reading_notes`, pointing at the caller's line."""
    for note in reading_notes(graph):
        warnings.warn(ReadingWarning(note), stacklevel=caller_level())
