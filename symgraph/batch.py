"""Batched evaluation beyond the default NumPy function: a numba loop over points, and chunks.

The default compiled function (:mod:`symgraph.codegen`) runs the program once
on whole arrays: one NumPy call per instruction, each making a temporary
array.  Two options change that trade-off for large batches:

* ``backend="numba"`` (:func:`compile_numba`) writes the program as the body
  of a loop over points and compiles it with numba: every instruction works
  on one float64 in a register, the whole program is fused into one pass, and
  the only arrays are the inputs and outputs.  It needs numba (an optional
  dependency), computes in float64 on NumPy arrays only, and pays numba's
  compile time once, when the function is made.  Domain behaviour follows
  NumPy (``log(-1)`` is nan, ``1/0`` is inf; numba's ``error_model="numpy"``),
  without NumPy's warnings.
* ``chunk=N`` (:func:`chunked`) evaluates any compiled function on at most N
  points at a time and writes the pieces into preallocated results, so the
  temporaries of the NumPy backend stay the size of one chunk.

Examples
--------
>>> import symgraph as sg
>>> f = sg.grad("(a+b)*(b+1)", wrt=["a", "b"]).lambdify(chunk=2)
>>> f([1, 2, 3], 1)
(array([2., 2., 2.]), array([4., 5., 6.]))
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from . import rules
from .codegen import Generated, build_function, literal
from .graph import check_values

Layout = Any  # a result label, or a tuple of labels


def bind(inputs: Sequence[str], args: tuple, kwargs: dict) -> dict[str, Any]:
    """Positional (in ``inputs`` order) and keyword arguments as one name -> value dict."""
    if len(args) > len(inputs):
        raise TypeError(f"takes {len(inputs)} positional argument(s) ({', '.join(inputs)}), got {len(args)}")
    values = dict(zip(inputs, args))
    for name, value in kwargs.items():
        if name in values:
            raise TypeError(f"got two values for input {name!r}")
        values[name] = value
    return values


def _unique(base: str, taken: set[str]) -> str:
    name, k = base, 0
    while name in taken:
        k += 1
        name = f"{base}{k}"
    taken.add(name)
    return name


def numba_source(program: Any, labels: Sequence[str], name: str = "kernel") -> Generated:
    """Source of ``name(*inputs, *outputs)``: one loop over points of 1-D float64 arrays.

    One array per program input (in order), then one per result in
    ``labels``; each point's instructions run on scalars, in registers.
    """
    taken = set(program.inputs) | {t for t, _, _ in program.instructions} | {"np", "inf", "nan", name}
    src = [_unique(f"_in{j}_", taken) for j in range(len(program.inputs))]
    dst = [_unique(f"_out{k}_", taken) for k in range(len(labels))]
    i = _unique("_i", taken)

    def text(ref: Any) -> str:
        return ref if isinstance(ref, str) else literal(ref)

    body = [f"{x} = {p}[{i}]" for x, p in zip(program.inputs, src)]
    for target, op, args in program.instructions:
        if op == "const":
            body.append(f"{target} = float({text(args[0])})")
        else:
            template = rules.op(op).code.replace("xp.", "np.")
            body.append(f"{target} = {template.format(*(text(a) for a in args))}")
    body += [f"{q}[{i}] = {text(program.results[label])}" for label, q in zip(labels, dst)]
    lines = [f"def {name}({', '.join(src + dst)}):", f"    for {i} in range({dst[0]}.shape[0]):"]
    lines += ["        " + line for line in body]
    return Generated(name, "\n".join(lines) + "\n", {"np": np, "inf": math.inf, "nan": math.nan})


def compile_numba(program: Any, *, name: str = "f", returns: Layout | None = None,
                  doc: str | None = None) -> Callable:
    """Compile ``program`` with numba: a function of the inputs (positional or keyword) like the NumPy one.

    Results are float64 arrays of the inputs' broadcast shape (0-d for scalar
    inputs), laid out as ``returns`` says (a label, or a tuple of labels;
    default: the tuple of every result).  Contiguous float64 inputs of the
    full shape are used in place; others are broadcast into a copy.

    Raises
    ------
    ImportError
        When numba is not installed.
    """
    try:
        import numba
    except ImportError as error:
        raise ImportError("backend='numba' needs numba: pip install numba") from error
    returns = tuple(program.results) if returns is None else returns
    labels = list(dict.fromkeys(_labels(returns)))
    generated = numba_source(program, labels)
    readable = numba.types.Array(numba.float64, 1, "C", readonly=True)
    writable = numba.types.Array(numba.float64, 1, "C")
    signature = numba.void(*[readable] * len(program.inputs), *[writable] * len(labels))
    kernel = numba.njit(signature, error_model="numpy", cache=False)(build_function(generated))
    inputs = tuple(program.inputs)

    def compiled(*args: Any, **kwargs: Any) -> Any:
        values = check_values(inputs, bind(inputs, args, kwargs))
        shape = np.broadcast_shapes(*(np.shape(v) for v in values.values())) if inputs else ()
        points = math.prod(shape)
        flat = [_read_only(np.ascontiguousarray(np.broadcast_to(values[x], shape).reshape(-1))) for x in inputs]
        out = [np.empty(points) for _ in labels]
        kernel(*flat, *out)
        return _layout(returns, {label: o.reshape(shape) for label, o in zip(labels, out)})

    compiled.__name__ = compiled.__qualname__ = name
    compiled.__doc__ = doc
    compiled.source = generated.source
    return compiled


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view (one compiled signature serves every input, writable or broadcast)."""
    view = array.view()
    view.flags.writeable = False
    return view


def _labels(layout: Layout) -> list[str]:
    if isinstance(layout, tuple):
        return [label for part in layout for label in _labels(part)]
    return [layout]


def _layout(layout: Layout, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(layout, tuple):
        return tuple(_layout(part, arrays) for part in layout)
    return arrays[layout]


def chunked(function: Callable, inputs: Sequence[str], chunk: int) -> Callable:
    """``function`` evaluated on at most ``chunk`` points at a time (NumPy inputs; others pass through).

    ``function`` returns one array or a flat tuple of arrays of the inputs'
    broadcast shape.  Scalar inputs stay scalars; array inputs are viewed
    flat (a copy only when one is broadcast or not contiguous).
    """
    if not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    inputs = tuple(inputs)

    def evaluate(*args: Any, **kwargs: Any) -> Any:
        values = bind(inputs, args, kwargs)
        if not all(isinstance(v, (np.ndarray, np.generic, list, tuple, int, float)) for v in values.values()):
            return function(**values)  # Dask, CuPy, ...: their own chunking applies
        arrays = {x: np.asarray(v) for x, v in values.items()}
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values())) if arrays else ()
        points = math.prod(shape)
        if points <= chunk:
            return function(**arrays)
        flat = {x: a if a.ndim == 0 else np.broadcast_to(a, shape).reshape(-1) for x, a in arrays.items()}
        single, out = False, None
        for start in range(0, points, chunk):
            piece = function(**{x: a if a.ndim == 0 else a[start:start + chunk] for x, a in flat.items()})
            if out is None:
                single = not isinstance(piece, tuple)
                out = [np.empty(points, dtype=p.dtype) for p in ((piece,) if single else piece)]
            for target, part in zip(out, (piece,) if single else piece):
                target[start:start + chunk] = part
        results = tuple(o.reshape(shape) for o in out)
        return results[0] if single else results

    evaluate.__name__ = evaluate.__qualname__ = getattr(function, "__name__", "f")
    evaluate.__doc__ = function.__doc__
    evaluate.source = getattr(function, "source", None)
    return evaluate
