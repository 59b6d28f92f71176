"""A call's inputs as the kernels take them: the array namespace, the one dtype rule, the broadcast shape.

* :func:`prepare` converts a call's inputs (array namespace, working dtype,
  broadcast shape) and :func:`fit` turns the values computed into fresh
  result arrays: generated NumPy code calls both (saved standalone source
  imports them from :mod:`symgraph.backends.runtime`, which re-exports them).
* **One dtype rule**, :func:`working_dtype`, for every backend.
* :func:`broadcast_shape` and :func:`contiguous`: what compiled loops check and read.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..real_values import as_array, real_value, refuse_masked
from ..real_values import broadcast_shape as check_broadcast

#: Types that certainly belong to NumPy (the fast path of namespace detection).
_NUMPY_TYPES = (np.ndarray, np.generic, float, int, list, tuple)

#: Scalars that make a single point (converted together, one row each).
_SCALAR_TYPES = (float, int, np.floating, np.integer)
_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)
#: the largest Python int that converts to a float64 (the next ones round to 2**1024, an OverflowError)
_LARGEST = 2**1024 - 2**970 - 1


# --------------------------------------------------------------------------- called by generated code
# Public so that saved source can import them.

def library_of(value: Any) -> str:
    """The top-level package of ``value``'s type (``"dask"``, ``"cupy"``); ``""`` for a type without a module
    (sympy's undefined functions: ``type(f(x)).__module__`` is None)."""
    return (type(value).__module__ or "").partition(".")[0]


def namespace_of(values: Sequence[Any]) -> Any:
    """The array namespace for ``values``: ``dask.array``, ``cupy`` or ``numpy``."""
    for value in values:
        if isinstance(value, _NUMPY_TYPES):
            continue
        module = library_of(value)
        if module == "dask":
            import dask.array
            return dask.array
        if module == "cupy":
            import cupy
            return cupy
    return np


def prepare(xp: Any, names: Sequence[str], *values: Any) -> tuple:
    """Convert a call's inputs: returns ``(xp, shape, dtype, *arrays)``.

    ``xp=None`` picks the namespace from the values (:func:`namespace_of`).
    With NumPy, a 0-d input becomes an array of one point, so a single point
    runs exactly the NumPy calls an array of points runs (see :mod:`symgraph.backends.numpy`).
    """
    if (xp is None or xp is np) and all(isinstance(v, _SCALAR_TYPES) for v in values):
        dtype = working_dtype(values, names)  # a single point: one conversion for all inputs, one row each
        return (np, (), dtype, *np.array(values, dtype=dtype).reshape(len(values), 1))
    if xp is None:
        xp = namespace_of(values)
    values = list(values)
    dtype = working_dtype(values, names, convert=True)  # a list made an array once, for its vote and its values
    arrays = [xp.asarray(v, dtype=dtype) for v in values]
    shape = check_broadcast([(n, tuple(a.shape)) for n, a in zip(names, arrays)])
    if xp is np:
        arrays = [a.reshape(1) if a.ndim == 0 else a for a in arrays]
    return (xp, shape, dtype, *arrays)


def fit(xp: Any, shape: tuple, dtype: np.dtype, values: Sequence[Any], copy: Sequence[int] = ()) -> tuple:
    """The results as fresh arrays of ``shape`` and ``dtype``, in one tuple.

    Python numbers (constant derivatives) become filled arrays; smaller
    results are broadcast into fresh arrays; the results listed in ``copy``
    (inputs, repeated results) are copied so no output shares memory with an
    input or another output.  At a single NumPy point all results are
    written into one small block, one 0-d view per result.
    """
    if not shape and xp is np:
        out = np.array([v[0] if v.__class__ is np.ndarray and v.ndim else v for v in values], dtype=dtype)
        return tuple([out[i, ...] for i in range(len(values))])
    results, copy = [], set(copy)
    for i, value in enumerate(values):
        if isinstance(value, (int, float)):
            results.append(xp.full(shape, value, dtype=dtype))
            continue
        value = xp.asarray(value, dtype=dtype)
        if tuple(value.shape) != tuple(shape):
            value = xp.broadcast_to(value, shape).copy()
        elif i in copy:
            value = value.copy()
        results.append(value)
    return tuple(results)


def filled(template: tuple, places: Sequence[int], values: Sequence[Any]) -> list:
    """``template`` (a program's constant results, None where a result is computed) with ``values`` at
    ``places``: the results :func:`fit` takes, from code that writes many constants once, not per call."""
    out = list(template)
    for i, value in zip(places, values):
        out[i] = value
    return out


def broadcast_shape(arrays: Sequence[np.ndarray], names: Sequence[str]) -> tuple[int, ...]:
    """The shape the inputs ``arrays`` broadcast to; a GraphError naming each input's shape when they do not."""
    return check_broadcast([(x, a.shape) for x, a in zip(names, arrays)])


def contiguous(value: np.ndarray, shape: tuple) -> np.ndarray:
    """``value`` as a contiguous array of ``shape`` (itself when it already is one): what compiled loops read."""
    if value.shape == shape and value.flags.c_contiguous:
        return value
    return np.ascontiguousarray(np.broadcast_to(value, shape))


def working_dtype(values: Sequence[Any], names: Sequence[str] | None = None, convert: bool = False) -> np.dtype:
    """The floating dtype a call computes in, in every backend: float32 if every array input is float32, else float64.

    Python numbers are weak (they do not vote); every other input votes with
    its dtype, and only float32 votes for float32 (float16, integers and
    booleans count as float64).  A NumPy scalar votes as a 0-d array of its
    dtype does (``np.float64`` too, though it subclasses Python's float): so
    the elements of a float64 array, which an indexed input is handed on as,
    vote float64 as the array would.  An input that is no real number (a string,
    None, a complex value: NumPy would read the number in a string, make None
    nan and drop an imaginary part) is a GraphError naming it (``names``, in
    the order of ``values``), as :meth:`Graph.evaluate` refuses it.

    A list (or any value without a dtype) votes with the dtype of the array
    NumPy makes of it; with ``convert=True`` (``values`` a list) that array
    replaces it in ``values``, so a kernel converts each input once, for its
    vote and its computation together (a list was made an array twice); an
    object array of real numbers (Decimals, sympy numbers) is replaced by
    its float64 array, which every namespace takes (Dask refuses object dtype).
    """
    vote = None
    for k, value in enumerate(values):
        cls = value.__class__
        if cls is np.ndarray:  # the common input first: its dtype is a dtype already
            dt = value.dtype
        elif cls is float or cls is int or cls is bool:  # Python's own numbers only: np.float64 subclasses float
            if cls is int and not -_LARGEST <= value <= _LARGEST:  # beyond float64: refused as too large
                real_value(names[k] if names is not None else f"input {k + 1}", value)
            continue
        else:
            refuse_masked(names[k] if names is not None else f"input {k + 1}", value)
            dt = getattr(value, "dtype", None)
            if dt is not None:
                try:
                    dt = np.dtype(dt)
                except TypeError:  # a dtype NumPy does not know (pandas' nullable Float64): the array votes
                    dt = None
            if dt is None:
                array = as_array(names[k] if names is not None else f"input {k + 1}", value)
                dt = array.dtype
                if convert:
                    values[k] = array  # type: ignore[index]
        if dt.kind not in "fiub":  # refused unless an object array holds real numbers only
            converted = real_value(names[k] if names is not None else f"input {k + 1}", value)
            if convert:  # their float64 array: xp.asarray of an object array is Dask's NotImplementedError
                values[k] = converted  # type: ignore[index]
        # float32 in either byte order (NumPy computes '>f4' data in float32 too)
        vote = _FLOAT32 if dt.kind == "f" and dt.itemsize == 4 and vote is not _FLOAT64 else _FLOAT64
    return _FLOAT64 if vote is None else vote
