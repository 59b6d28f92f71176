"""Chunked evaluation: a kernel run on at most ``chunk`` points at a time.

``chunk=N`` (an option of every compiler: ``sg.lambdify``,
``Gradient.lambdify``, ``sg.value_and_grad``) wraps the kernel of any backend
in :func:`chunked_kernel`, which evaluates at most N points at a time and
writes the pieces into preallocated results, so the NumPy backend's
temporaries stay the size of one chunk however many points a call has.

The wrapper offers the array forms its kernel offers (the VM's): indexed
inputs as whole arrays (``taking``), cut into chunks along their batch axes,
and every result as one array (``array``), each chunk written into its
columns.  So ``backend="vm", chunk=k`` keeps the VM's whole-array calls
instead of passing one value per element (about 5 µs of Python each).
:func:`_pieces` is the one loop every form runs.

Examples
--------
>>> import numpy as np
>>> twice = chunked_kernel(lambda a: (np.asarray(a) * 2,), 3)
>>> twice(np.arange(7.0))
(array([ 0.,  2.,  4.,  6.,  8., 10., 12.]),)
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .runtime import one_array, portable
from ..errors import ArgumentError, shown

#: inputs chunking applies to (NumPy's own types and Python values; Dask and CuPy arrays chunk themselves)
_NUMPY_INPUTS = (np.ndarray, np.generic, list, tuple, int, float)


def _pieces(piece: Callable[[int, int], Any], points: int, shape: tuple, chunk: int, whole: bool) -> Any:
    """The results of ``piece(start, stop)`` for each chunk of the ``points`` flat points, written into
    preallocated results of batch ``shape``: a tuple of arrays, or with ``whole`` one array ``(results, *shape)``."""
    out = None
    for start in range(0, points, chunk):
        part = piece(start, start + chunk)
        if whole:
            part = part if part.__class__ is np.ndarray else one_array(part)
            if out is None:
                out = np.empty((part.shape[0], points), dtype=part.dtype)
            out[:, start:start + chunk] = part
            continue
        if out is None:
            out = [np.empty(points, dtype=p.dtype) for p in part]
        for target, values in zip(out, part):
            target[start:start + chunk] = values
    return out.reshape((out.shape[0],) + shape) if whole else tuple(o.reshape(shape) for o in out)


def checked_chunk(chunk: Any) -> int:
    """``chunk`` as an int (a NumPy integer, a size computed with NumPy, too), or an ArgumentError."""
    if not isinstance(chunk, (int, np.integer)) or isinstance(chunk, bool) or chunk < 1:
        raise ArgumentError(f"chunk must be a positive integer, got {shown(chunk)}")
    return int(chunk)


def chunked_kernel(kernel: Callable, chunk: int) -> Callable:
    """``kernel`` (positional inputs, flat results) evaluated on at most ``chunk`` points at a time.

    NumPy inputs only (Dask and CuPy arrays pass through whole: their own
    chunking applies).  0-d inputs are passed as they are, so Python numbers
    stay weak; array inputs are viewed flat (a copy only when one is
    broadcast or not contiguous), and the pieces are written into
    preallocated results.  ``array`` and ``taking`` are there when the
    kernel has them.
    """
    chunk = checked_chunk(chunk)

    def evaluate(values: Sequence[Any], whole: bool) -> Any:
        call = kernel.array if whole else kernel
        if not all(isinstance(v, _NUMPY_INPUTS) for v in values):
            return call(*values)
        try:  # a ragged nested list has no shape, and shapes may not broadcast
            values = [np.asarray(v) if isinstance(v, (list, tuple)) else v for v in values]  # a list: made one array
            shapes = [np.shape(v) for v in values]
            shape = np.broadcast_shapes(*shapes)
        except ValueError:
            return call(*values)  # the kernel names the inputs in its error
        points = math.prod(shape)
        if points <= chunk:
            return call(*values)
        flat = [v if not s else np.broadcast_to(np.asarray(v), shape).reshape(-1) for v, s in zip(values, shapes)]
        return _pieces(lambda start, stop: call(*[v if not s else v[start:stop] for v, s in zip(flat, shapes)]),
                       points, shape, chunk, whole)

    def run(*values: Any) -> tuple:
        return evaluate(values, False)

    def array(*values: Any) -> Any:
        return evaluate(values, True)

    def taking(layouts: Sequence[Any]) -> Callable:
        """The kernel's ``taking(layouts)`` a chunk at a time: each array cut along its batch axes (flattened),
        one given for every point (no batch axes, or all of length 1) passed whole."""
        direct = kernel.taking(layouts)

        def chunked(values: Sequence[Any], shape: tuple | None, whole: bool = False) -> Any:
            if shape is None or math.prod(shape) <= chunk:
                return direct(values, shape, whole)
            points, flat = math.prod(shape), []
            for v, layout in zip(values, layouts):
                a = np.asarray(v)
                k = 0 if layout is None else len(layout.shape)
                if math.prod(a.shape[k:]) == 1:
                    flat.append(None)  # the same for every point
                else:
                    wide = a.reshape(a.shape[:k] + (1,) * (len(shape) + k - a.ndim) + a.shape[k:])
                    flat.append(np.broadcast_to(wide, a.shape[:k] + shape).reshape(a.shape[:k] + (points,)))
            return _pieces(lambda start, stop: direct(
                [v if f is None else f[..., start:stop] for v, f in zip(values, flat)], (min(stop, points) - start,),
                whole), points, shape, chunk, whole)
        return chunked

    run.__name__ = getattr(kernel, "__name__", "kernel")
    run.source = getattr(kernel, "source", None)
    run.recipe = lambda: (chunked_kernel, (portable(kernel), chunk))  # pickles when the kernel does
    if hasattr(kernel, "array"):
        run.array = array
    if hasattr(kernel, "taking"):
        run.taking = taking
    return run
