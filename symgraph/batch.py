"""Batched evaluation beyond the default NumPy function: a numba loop over points, and chunks.

The default compiled function (:mod:`symgraph.codegen`) runs the program once
on whole arrays: one NumPy call per instruction, each making a temporary
array.  Two options change that trade-off for large batches:

* ``backend="numba"`` (:func:`compile_numba`) writes the program as the body
  of a loop over points and compiles it with numba: every instruction works
  on one float64 in a register, the whole program is fused into one pass, and
  the only arrays are the inputs and outputs.  It needs numba (an optional
  dependency), computes in float64 on NumPy arrays only, and pays numba's
  compile time once, when the function is made.  :func:`compile_numba`
  with ``parallel=True`` splits the points over numba's threads.  Domain behaviour follows
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

from .codegen import Generated, _assignments, build_function, literal
from .graph import check_values
from .progress import compile_reporter

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


def numba_source(program: Any, labels: Sequence[str], name: str = "kernel", parallel: bool = False) -> Generated:
    """Source of ``name(inputs, outputs)``: one loop over points, scalars in registers.

    ``inputs`` holds addresses, one per program input (in order), each of a
    contiguous float64 row of ``points`` values; ``outputs`` is the
    ``(len(labels), points)`` float64 block the results are written into.
    Addresses keep the call to two arguments however many inputs there are
    (numba's dispatch checks the type of every array argument, which dominated
    single-point calls).  The loop is ``prange`` when ``parallel``.
    """
    taken = (set(program.inputs) | {t for t, _, _ in program.instructions}
             | {"np", "inf", "nan", "prange", "carray", "_pointer", name})
    ins, outs, n, i = (_unique(base, taken) for base in ("_inputs", "_outputs", "_points", "_i"))
    src = [_unique(f"_in{j}_", taken) for j in range(len(program.inputs))]

    alias = {target: args[0] for target, op, args in program.instructions if op == "const"}

    def resolve(ref: Any) -> Any:
        return alias.get(ref, ref) if isinstance(ref, str) else ref

    def text(ref: Any) -> str:
        ref = resolve(ref)
        return ref if isinstance(ref, str) else literal(ref)

    results = [resolve(program.results[label]) for label in labels]
    body = [f"{x} = {p}[{i}]" for x, p in zip(program.inputs, src)]
    # the NumPy code's exact peephole (constant factors and negations merged into their one consumer)
    body += [f"{target} = {line}" for target, line, _ in
             _assignments(program.instructions, resolve, {r for r in results if isinstance(r, str)}, literal, "np",
                          None)]
    body += [f"{outs}[{k}, {i}] = {text(ref)}" for k, ref in enumerate(results)]
    lines = [f"def {name}({ins}, {outs}):", f"    {n} = {outs}.shape[1]"]
    # parallel: numba's prange splits arrays, not pointers (a pointer-reading prange loop runs serially)
    read = "carray(_pointer({}), {})" if parallel else "_pointer({})"
    lines += [f"    {p} = {read.format(f'{ins}[{j}]', n)}" for j, p in enumerate(src)]
    lines.append(f"    for {i} in {'prange' if parallel else 'range'}({n}):")
    lines += ["        " + line for line in body]
    return Generated(name, "\n".join(lines) + "\n", {"np": np, "inf": math.inf, "nan": math.nan})


def compile_numba(program: Any, *, name: str = "f", returns: Layout | None = None,
                  doc: str | None = None, parallel: bool = False, progress: Any = None) -> Callable:
    """Compile ``program`` with numba: a function of the inputs (positional or keyword) like the NumPy one.

    Results are float64 arrays of the inputs' broadcast shape (0-d for scalar
    inputs), laid out as ``returns`` says (a label, or a tuple of labels;
    default: the tuple of every result).  They are the rows of one block
    allocated per call (one allocation instead of one per result: a large
    block is backed by huge pages, many small ones page-fault point by point),
    so each result is a view that keeps the block alive.  Contiguous float64
    inputs of the full shape are read in place; others are broadcast into a
    copy.  ``parallel=True`` splits the points over numba's threads
    (``prange``); it pays a thread start-up on every call, so it only helps
    large batches, and it is off by default.  ``progress``: see
    :mod:`symgraph.progress` (numba's own compilation reports once, at its end).

    Raises
    ------
    ImportError
        When numba is not installed.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.grad("a*b + a", wrt=["a", "b"])
    >>> f = compile_numba(g.program, returns=g.wrt)  # doctest: +SKIP
    >>> f([1.0, 2.0], b=3.0)  # doctest: +SKIP
    (array([4., 4.]), array([1., 2.]))
    """
    try:
        import numba
    except ImportError as error:
        raise ImportError("backend='numba' needs numba: pip install numba") from error
    returns = tuple(program.results) if returns is None else returns
    labels = list(dict.fromkeys(_labels(returns)))
    size = len(program.instructions)
    report = compile_reporter(progress, size, "compiling with numba")
    try:
        generated = numba_source(program, labels, parallel=bool(parallel))
        generated.globals.update(prange=numba.prange, carray=numba.carray, _pointer=_pointer_intrinsic())
        if report is not None:
            report.advance(2 * size)
        addresses = numba.types.Array(numba.types.intp, 1, "C", readonly=True)
        signature = numba.void(addresses, numba.types.Array(numba.float64, 2, "C"))
        kernel = numba.njit(signature, error_model="numpy", nogil=True, parallel=bool(parallel),
                            cache=False)(build_function(generated))
        if report is not None:
            report.advance(size)
    finally:
        if report is not None:
            report.close()
    inputs = tuple(program.inputs)
    count = len(inputs)
    rows = len(labels)
    offsets = 8 * np.arange(count, dtype=np.intp)  # one point: the inputs are consecutive float64s
    flat_returns = isinstance(returns, tuple) and all(isinstance(r, str) for r in returns)
    row_of = {label: i for i, label in enumerate(labels)}
    order = tuple(row_of[r] for r in returns) if flat_returns else None

    def compiled(*args: Any, **kwargs: Any) -> Any:
        values = bind(inputs, args, kwargs) if args or len(kwargs) != count else kwargs
        scalars = [values.get(x) for x in inputs]
        if len(values) == count and all(type(v) in _SCALARS for v in scalars):  # one point, no arrays
            shape, held = (), np.array(scalars, dtype=np.float64)
            sources = held.ctypes.data + offsets
        else:
            values = check_values(inputs, values)
            shape = np.broadcast_shapes(*(np.shape(v) for v in values.values())) if inputs else ()
            held = [_row(values[x], shape) for x in inputs]
            sources = np.array([a.ctypes.data for a in held], dtype=np.intp)
        points = math.prod(shape)
        block = np.empty((rows, points))
        kernel(sources, block)
        block = block.reshape((rows,) + shape)
        if order is not None:
            return tuple(block[k, ...] for k in order)
        return _layout(returns, {label: block[k, ...] for k, label in enumerate(labels)})

    compiled.__name__ = compiled.__qualname__ = name
    compiled.__doc__ = doc
    compiled.source = generated.source
    compiled.parallel = bool(parallel)
    return compiled


#: Python and NumPy scalar types the one-point fast path accepts as they are
_SCALARS = frozenset({float, int, np.float64, np.float32, np.int64, np.int32})


def _row(value: np.ndarray, shape: tuple) -> np.ndarray:
    """``value`` as a contiguous float64 array of ``shape`` (itself when it already is one)."""
    if np.shape(value) == shape and isinstance(value, np.ndarray) and value.flags.c_contiguous:
        return value
    return np.ascontiguousarray(np.broadcast_to(value, shape))


_POINTER: list = []


def _pointer_intrinsic() -> Any:
    """A numba intrinsic that reads an address (an integer) as a float64 pointer; made once, on first use."""
    if not _POINTER:
        from numba import types
        from numba.extending import intrinsic

        @intrinsic
        def _pointer(typingctx: Any, address: Any) -> Any:
            pointer = types.CPointer(types.float64)

            def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
                return builder.inttoptr(args[0], context.get_value_type(pointer))
            return pointer(types.intp), codegen

        _POINTER.append(_pointer)
    return _POINTER[0]


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
