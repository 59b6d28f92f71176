"""Chunked evaluation: a kernel run on at most ``chunk`` points at a time.

``chunk=N`` (an option of every compiler: ``sg.lambdify``,
``Gradient.lambdify``, ``sg.value_and_grad``) wraps the kernel of any backend
in :func:`chunked_kernel`, which evaluates at most N points at a time and
writes the pieces into preallocated results, so the NumPy backend's
temporaries stay the size of one chunk however many points a call has.

Examples
--------
>>> import numpy as np
>>> twice = chunked_kernel(lambda a: (np.asarray(a) * 2,), 3)
>>> twice(np.arange(7.0))
(array([ 0.,  2.,  4.,  6.,  8., 10., 12.]),)
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .runtime import portable
from ..errors import ArgumentError

#: inputs chunking applies to (NumPy's own types and Python values; Dask and CuPy arrays chunk themselves)
_NUMPY_INPUTS = (np.ndarray, np.generic, list, tuple, int, float)


def chunked_kernel(kernel: Callable, chunk: int) -> Callable:
    """``kernel`` (positional inputs, flat results) evaluated on at most ``chunk`` points at a time.

    NumPy inputs only (Dask and CuPy arrays pass through whole: their own
    chunking applies).  0-d inputs are passed as they are, so Python numbers
    stay weak; array inputs are viewed flat (a copy only when one is
    broadcast or not contiguous), and the pieces are written into
    preallocated results.
    """
    if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 1:
        raise ArgumentError(f"chunk must be a positive integer, got {chunk!r}")

    def evaluate(*values: Any) -> tuple:
        if not all(isinstance(v, _NUMPY_INPUTS) for v in values):
            return kernel(*values)
        shapes = [np.shape(v) for v in values]
        try:
            shape = np.broadcast_shapes(*shapes)
        except ValueError:
            return kernel(*values)  # the kernel names the inputs in its error
        points = math.prod(shape)
        if points <= chunk:
            return kernel(*values)
        flat = [v if not s else np.broadcast_to(np.asarray(v), shape).reshape(-1) for v, s in zip(values, shapes)]
        out = None
        for start in range(0, points, chunk):
            piece = kernel(*[v if not s else v[start:start + chunk] for v, s in zip(flat, shapes)])
            if out is None:
                out = [np.empty(points, dtype=p.dtype) for p in piece]
            for target, part in zip(out, piece):
                target[start:start + chunk] = part
        return tuple(o.reshape(shape) for o in out)

    evaluate.__name__ = getattr(kernel, "__name__", "kernel")
    evaluate.source = getattr(kernel, "source", None)
    evaluate.recipe = lambda: (chunked_kernel, (portable(kernel), chunk))  # pickles when the kernel does
    return evaluate
