"""NumPy's floating-point warnings said once per message per call, at the caller's line.

Why: evaluation runs many rows (an interpreted program, generated NumPy code writing a reduction's
terms one line each), and Python shows a warning once per line of its source.  So one overflowing point of
a fit over 5,000 data rows printed thousands of ``overflow encountered in exp``, while the interpreter's
single line (``env[target] = function(*vals)``) said ``invalid value encountered in log`` once per process
and never again: a later ``H.at(...)`` at another bad point gave its nan silently.  Inside
:class:`said_once`, what ``numpy.errstate`` sets to "warn" is collected instead, and said on leaving, once
per message, at the first line outside symgraph; "raise", "ignore", "print" and a caller's own
"call"/"log" handler are left as they are.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .errors import caller_level


class _Messages:
    """The floating-point warnings of one call, in order and each once: NumPy's ``errstate`` "log" mode
    writes each of them here (``write``) instead of warning."""

    def __init__(self) -> None:
        self.seen: dict[str, None] = {}

    def write(self, text: str) -> None:
        self.seen[text] = None


class said_once:
    """Context manager: the floating-point warnings raised inside, each message once, at the caller's line.

    A class rather than a generator, so the frames between the warning and the user's line are symgraph's
    own (:func:`~symgraph.errors.caller_level` skips them), not :mod:`contextlib`'s.
    """

    __slots__ = ("_log", "_state")

    def __enter__(self) -> "said_once":
        modes = np.geterr()
        states = modes.values()
        self._log = self._state = None
        if "warn" in states and "call" not in states and "log" not in states:
            self._log = _Messages()
            self._state = np.errstate(call=self._log, **{k: "log" for k, v in modes.items() if v == "warn"})
            self._state.__enter__()
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if self._state is None:
            return
        self._state.__exit__(kind, error, trace)
        if kind is None:
            for text in self._log.seen:  # "Warning: overflow encountered in exp\n", NumPy's own words
                warnings.warn(text.removeprefix("Warning: ").strip(), RuntimeWarning, stacklevel=caller_level())
