"""What every compiled function shares at call time: one argument binder, one dtype rule, fresh names.

Every backend (NumPy code, the numba loop, chunked calls, the vector form for
optimisers) is a *kernel* that takes the inputs positionally, in one order.
:func:`compiled_function` puts the one :class:`Binder` in front of it, so

* keyword calls cost one dictionary lookup per keyword (CPython matches
  keywords to a function's parameters by a linear scan per keyword, which
  made keyword calls with thousands of inputs quadratic);
* every compiled function has a real :func:`inspect.signature`, its
  parameters named after the inputs in positional order;
* wrong calls raise the same :class:`~symgraph.errors.ArgumentError` (a
  ``TypeError`` worded as Python words it) in every backend.

:func:`positional_order` checks ``args=[...]`` (sympy's ``lambdify`` name for
the positional order), and :func:`working_dtype` is the one rule for the
floating type a call computes in.

Examples
--------
>>> bind = Binder(("a", "b"), "f")
>>> bind((1,), {"b": 2})
[1, 2]
>>> bind((1,), {"c": 2})
Traceback (most recent call last):
...
symgraph.errors.ArgumentError: f() got an unexpected keyword argument 'c'
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..errors import ArgumentError, GraphError

_MISSING = object()
_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)


class Binder:
    """Positional and keyword arguments -> the values in positional order; O(inputs) per call."""

    __slots__ = ("names", "name", "index", "count")

    def __init__(self, names: Sequence[str], name: str):
        self.names = tuple(names)
        self.name = name
        self.index = {n: i for i, n in enumerate(self.names)}
        self.count = len(self.names)

    def __call__(self, args: tuple, kwargs: dict) -> Sequence[Any]:
        if not kwargs and len(args) == self.count:
            return args
        if len(args) > self.count:
            raise ArgumentError(f"{self.name}() takes {self.count} positional argument"
                                f"{'s' if self.count != 1 else ''} but {len(args)} were given")
        values = list(args) + [_MISSING] * (self.count - len(args))
        index = self.index
        for key, value in kwargs.items():
            i = index.get(key)
            if i is None:
                raise ArgumentError(f"{self.name}() got an unexpected keyword argument {key!r}")
            if values[i] is not _MISSING:
                raise ArgumentError(f"{self.name}() got multiple values for argument {key!r}")
            values[i] = value
        if len(args) + len(kwargs) < self.count:
            missing = [repr(n) for n, v in zip(self.names, values) if v is _MISSING]
            shown = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
            raise ArgumentError(f"{self.name}() missing {len(missing)} required positional argument"
                                f"{'s' if len(missing) != 1 else ''}: {shown}")
        return values

    @property
    def signature(self) -> inspect.Signature:
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        return inspect.Signature([inspect.Parameter(n, kind) for n in self.names])


Layout = Any  # a result label (str), or a tuple of layouts


def flat_labels(layout: Layout) -> list[str]:
    """The labels of a layout in order, repeats kept (a layout nests at most as deep as the API writes it)."""
    if not isinstance(layout, tuple):
        return [layout]
    return [label for part in layout for label in flat_labels(part)]


def layout_of(layout: Layout) -> Callable[[tuple], Any] | None:
    """A function turning the flat results tuple into ``layout`` (None when the flat tuple is the layout)."""
    if not isinstance(layout, tuple):
        return lambda results: results[0]
    if all(isinstance(part, str) for part in layout):
        return None
    slices, start = [], 0
    for part in layout:
        size = len(flat_labels(part))
        slices.append((start, size, layout_of(part)))
        start += size

    def shaped(results: tuple) -> tuple:
        return tuple(results[i:i + n] if shape is None else shape(results[i:i + n]) for i, n, shape in slices)
    return shaped


def compiled_function(kernel: Callable, names: Sequence[str], *, name: str, doc: str | None = None,
                      source: str | None = None, layout: Layout | None = None, **attributes: Any) -> Callable:
    """``kernel`` (positional inputs in ``names`` order, flat results) as a function with that signature.

    One :class:`Binder` maps the arguments; ``layout`` (see
    :func:`flat_labels`) shapes the results.  The result's ``__wrapped__`` is
    ``kernel``, so :func:`inspect.getsource` shows generated code;
    ``attributes`` are set on it (``parallel=...``).
    """
    bind = Binder(names, name)
    count = bind.count
    shape = None if layout is None else layout_of(layout)

    if shape is None:
        def call(*args: Any, **kwargs: Any) -> Any:
            if kwargs or len(args) != count:
                args = bind(args, kwargs)
            return kernel(*args)
    else:
        def call(*args: Any, **kwargs: Any) -> Any:
            if kwargs or len(args) != count:
                args = bind(args, kwargs)
            return shape(kernel(*args))

    call.__module__ = getattr(kernel, "__module__", __name__)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = doc if doc is not None else kernel.__doc__
    call.__signature__ = bind.signature
    call.__wrapped__ = kernel
    call.source = source if source is not None else getattr(kernel, "source", None)
    call.inputs = bind.names
    for key, value in attributes.items():
        setattr(call, key, value)
    return call


def vector_function(kernel: Callable, names: Sequence[str], *, name: str, doc: str | None = None,
                    source: str | None = None) -> Callable:
    """``kernel`` (results: value, then the gradient) as ``f(x) -> (float, 1-D ndarray)`` for optimisers.

    ``x`` holds the inputs in ``names`` order; the gradient comes in the
    same order.  The point is handed to ``kernel`` as scalars, so it runs the
    kernel's single-point path (:func:`working_dtype` decides the dtype).
    """
    names = tuple(names)
    count = len(names)
    shown = ", ".join(names[:5]) + (", ..." if count > 5 else "")

    def point(x: Any) -> tuple[float, np.ndarray]:
        x = np.asarray(x)
        if x.ndim != 1 or x.shape[0] != count:
            raise GraphError(f"expected a 1-D vector of {count} values ({shown}), got shape {x.shape}")
        results = kernel(*(x.tolist() if x.dtype == _FLOAT64 else x.astype(working_dtype((x,)), copy=False)))
        value, grads = results[0], results[1:]
        return float(value), np.array(grads, dtype=value.dtype)

    return compiled_function(point, ("x",), name=name, doc=doc, source=source)


def chunked_kernel(kernel: Callable, chunk: int) -> Callable:
    """``kernel`` (positional inputs, flat results) evaluated on at most ``chunk`` points at a time.

    NumPy inputs only (Dask and CuPy arrays pass through whole: their own
    chunking applies).  0-d inputs are passed as they are, so Python numbers
    stay weak; array inputs are viewed flat (a copy only when one is
    broadcast or not contiguous), and the pieces are written into
    preallocated results.
    """
    if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")

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
    return evaluate


_NUMPY_INPUTS = (np.ndarray, np.generic, list, tuple, int, float)


def positional_order(inputs: Sequence[str], args: Iterable[str] | None) -> tuple[str, ...]:
    """The positional order of a compiled function: ``args`` (a permutation of ``inputs``) or ``inputs``."""
    if args is None:
        return tuple(inputs)
    if isinstance(args, str):
        args = [args]
    order = tuple(str(a) for a in args)
    known = set(inputs)
    repeated = sorted({a for a in order if order.count(a) > 1})
    missing = [n for n in inputs if n not in set(order)]
    unknown = [a for a in dict.fromkeys(order) if a not in known]
    if missing or unknown or repeated:
        parts = ([f"inputs missing from args: {', '.join(missing)}"] if missing else []) + \
                ([f"names in args that are not inputs: {', '.join(unknown)}"] if unknown else []) + \
                ([f"names given twice: {', '.join(repeated)}"] if repeated else [])
        raise GraphError(f"args must list every input once (inputs: {', '.join(inputs)}); " + "; ".join(parts))
    return order


def working_dtype(values: Sequence[Any]) -> np.dtype:
    """The floating dtype a call computes in, in every backend: float32 if every array input is float32, else float64.

    Python numbers are weak (they do not vote); every other input votes with
    its dtype, and only float32 votes for float32 (float16, integers and
    booleans count as float64).
    """
    vote = None
    for value in values:
        if isinstance(value, (int, float)):
            continue
        dt = getattr(value, "dtype", None)
        dt = np.dtype(dt) if dt is not None else np.asarray(value).dtype
        if dt != _FLOAT32:
            return _FLOAT64
        vote = _FLOAT32
    return _FLOAT64 if vote is None else vote


class Namer:
    """Fresh names for generated code, never equal to a program's own names (inputs, temporaries)."""

    def __init__(self, taken: Iterable[str]):
        self.taken = set(taken)

    def fresh(self, base: str) -> str:
        chosen, k = base, 0
        while chosen in self.taken:
            k += 1
            chosen = f"{base}_{k}" if not base.endswith("_") else f"{base}{k}"
        self.taken.add(chosen)
        return chosen
