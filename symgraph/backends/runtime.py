"""What every compiled function does at call time, whichever backend made it.

The entry point every backend and saved source imports from; the work is in four modules:

* :mod:`~symgraph.backends.coercion` -- a call's inputs: :func:`prepare` converts
  them (array namespace, working dtype, broadcast shape) and :func:`fit` turns the
  values computed into fresh result arrays; **one dtype rule**, :func:`working_dtype`,
  for every backend;
* :mod:`~symgraph.backends.results` -- **one result layout**: :func:`compiled_function`
  puts the one argument binder in front of a kernel and regroups its flat results
  (:func:`flat_labels`, :func:`layout_of`); :func:`portable` for pickles;
* :mod:`~symgraph.backends.arrays` -- indexed inputs bound as arrays
  (:func:`array_parameters`);
* :mod:`~symgraph.backends.vector_forms` -- the one-point vector forms (:func:`vector_function`,
  :func:`residual_function`, :func:`results_function`), built on that binding.

Here: the wrappers of generated NumPy code -- the float64 single-point path
(:func:`with_point_path`), Dask inputs run block by block
(:func:`on_dask_blocks`) and NumPy's warnings said once per call (:func:`once_per_message`) -- and :func:`user_call` (from :mod:`symgraph.registered_calls`,
which the interpreter shares), which calls a registered function, naming its
errors and checking what it returned.  Saved standalone source imports
``prepare``, ``fit`` and ``user_call`` from here (and older saved modules from
:mod:`symgraph.codegen`, which re-exports them).
"""
from __future__ import annotations

import functools
import inspect
import types
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import FunctionDefinitionError, UserFunctionError
from ..float_warnings import said_once
from ..registered_calls import user_call, user_result  # noqa: F401 - generated NumPy code imports them from here (user_result: older saved source)
# re-exported: the backends, the API and saved source import them from here; older pickles name
# _compiled_again and the vector forms' makers here
from .arrays import ArrayLayout, array_layouts, array_parameters, bind_arrays, elements  # noqa: F401
from .coercion import (_FLOAT64, _NUMPY_TYPES, broadcast_shape, contiguous, filled, fit, library_of,  # noqa: F401
                       namespace_of, prepare, working_dtype)
from .results import (EMPTY, CompiledFunction, CopiedAsItself, Layout, Stack, _compiled_again, compiled_function,  # noqa: F401
                      flat_labels, layout_of, one_array, portable)
from .vector_forms import one_vector, residual_function, results_function, vector_function  # noqa: F401

# --------------------------------------------------------------------------- the single-point path

class _NotFinite(ArithmeticError):
    """A point's result is inf or nan: redo it on arrays, for NumPy's warnings."""


def _power(x: Any, y: Any) -> Any:
    """``numpy.power`` at a point as arrays compute it.

    NumPy picks a different loop for an array exponent than for a scalar one
    (they differ in the last bit for exponents such as 2, 0.5 and -1), so a
    value that comes from the inputs (an ``np.float64`` here, an array there)
    is passed as a one-point array and a literal of the code as it is.
    """
    wrap = x.__class__ is np.float64 or y.__class__ is np.float64
    if not wrap:
        return np.power(x, y)
    x = np.array([x]) if x.__class__ is np.float64 else x
    y = np.array([y]) if y.__class__ is np.float64 else y
    return np.power(x, y)[0]


def _square(x: Any) -> Any:
    """``numpy.square`` at a point: ``x * x``, the one correctly rounded product square computes, without a
    ufunc call on a scalar (0.5 us against 0.15 us; Rosenbrock's gradient at n = 12,000 squares 36,000 times,
    most of a 23 ms point).  Anything but an ``np.float64`` (a 0-d array of a constant) goes to square itself."""
    return x * x if x.__class__ is np.float64 else np.square(x)


#: NumPy as generated code sees it at a point: NumPy's own functions, power as arrays compute it, square as a product
POINT_NUMPY = types.SimpleNamespace(**{k: v for k, v in vars(np).items() if not k.startswith("_")})
POINT_NUMPY.power = _power
POINT_NUMPY.square = _square


def prepare_point(xp: Any, names: Sequence[str], *values: float) -> tuple:
    """:func:`prepare` at a float64 point: the inputs as ``np.float64`` scalars and :data:`POINT_NUMPY`."""
    return (POINT_NUMPY, (), _FLOAT64, *np.array(values, dtype=_FLOAT64))


def fit_point(xp: Any, shape: tuple, dtype: np.dtype, values: Sequence[Any], copy: Sequence[int] = ()) -> tuple:
    """:func:`fit` at a point: one block of 0-d results; raises :class:`_NotFinite` for an inf or nan."""
    out = np.array([v[0] if v.__class__ is np.ndarray and v.ndim else v for v in values], dtype=_FLOAT64)
    if not np.isfinite(out).all():
        raise _NotFinite
    return tuple([out[i, ...] for i in range(len(values))])


def fit_block(xp: Any, shape: tuple, dtype: np.dtype, values: Sequence[Any], copy: Sequence[int] = ()) -> np.ndarray:
    """:func:`fit_point` as the one 1-D block itself, which a vector form reads whole (``kernel.point``): no 0-d
    view of each result to stack again (a 12,000-entry gradient's views and their stacking were 3 ms a point)."""
    out = np.array([v[0] if v.__class__ is np.ndarray and v.ndim else v for v in values], dtype=_FLOAT64)
    if not np.isfinite(out).all():
        raise _NotFinite
    return out


def with_point_path(exact: Callable, fast: Callable) -> Callable:
    """``exact`` (NumPy on arrays), with float64 points run first by ``fast`` on NumPy scalars.

    ``fast`` is the same generated code with :func:`prepare_point` and
    :func:`fit_point`.  NumPy's scalars do the same IEEE arithmetic as its
    arrays, its functions called on a scalar run the loop an array runs, and
    :func:`_power` passes power the kinds of operands arrays would: so a point
    is bitwise what a one-point array gives (a property test checks every op
    of the table), several times faster than one-point arrays.  A result that
    is inf or nan is redone on arrays, for NumPy's warnings; so is anything
    the fast path refuses, except a registered function's wrong result
    (:func:`user_result`), which is reported for the point called, and its
    callable's exception, which is reported for the number it got when the
    one-point array raises the same kind (else the array's).  One difference remains: an inf or nan inside the
    program that a later operation makes finite again (``1/(1e200*1e200)``)
    gives the same value without NumPy's warning.
    """
    @functools.wraps(exact)  # inspect and tracebacks still see the generated source
    def kernel(*args: Any) -> tuple:
        for a in args:
            if not isinstance(a, float):  # float32, ints, arrays: the exact path
                return exact(*args)
        try:
            with np.errstate(all="ignore"):
                return fast(*args)
        except FunctionDefinitionError:  # a registered function's wrong result: said of the point called
            raise
        except UserFunctionError as error:  # a callable may take arrays only: tried on a one-point array
            at_point = error
        except (ArithmeticError, TypeError, ValueError):
            return exact(*args)
        try:
            return exact(*args)
        except UserFunctionError as again:  # refused the value itself: said of the number given, not the retry
            if type(again.original) is type(at_point.original):
                raise at_point from at_point.original
            raise
    return kernel


def once_per_message(exact: Callable) -> Callable:
    """``exact`` (generated NumPy code) with NumPy's floating-point warnings said once per message per call,
    at the caller's line (:class:`~symgraph.float_warnings.said_once`: generated code writes a reduction's
    terms one line each, and Python would show a warning once per line)."""
    @functools.wraps(exact)  # inspect and tracebacks still see the generated source
    def kernel(*args: Any) -> tuple:
        with said_once():
            return exact(*args)
    return kernel


def is_dask(xp: Any) -> bool:
    """True when the array namespace ``xp`` is ``dask.array`` (without importing Dask)."""
    return getattr(xp, "__name__", None) == "dask.array"


def on_dask_blocks(exact: Callable, results: int, always: bool = False) -> Callable:
    """``exact`` (generated NumPy code: positional inputs, ``results`` flat results), run block by block
    on Dask inputs (``always``: on every call, NumPy inputs made Dask arrays, for ``xp=dask.array``).

    Why: called on Dask arrays, generated code would build a lazy graph of
    ``dask.array`` calls, which run at ``compute()``, outside the
    ``numpy.errstate`` the code sets for the values a ``where()`` may discard
    -- so NumPy's warnings for them leaked there -- and would hand a
    registered function's callable Dask arrays where it is promised NumPy
    ones.  Instead one Dask task per block runs the same NumPy code on that
    block's NumPy arrays, so values, warnings and errors are what NumPy
    inputs give, and the results are lazy Dask arrays (one per result,
    slices of one stacked array) chunked as the inputs broadcast.  Other
    inputs take one ``isinstance`` check per input.
    """
    code = inspect.unwrap(exact).__code__  # the generated function's, under wrappers such as once_per_message
    names = code.co_varnames[:code.co_argcount]

    @functools.wraps(exact)  # inspect and tracebacks still see the generated source
    def kernel(*args: Any) -> tuple:
        for a in args:
            if not isinstance(a, _NUMPY_TYPES) and library_of(a) == "dask":
                return _blockwise(_Blocks(kernel), names, results, args)
        return exact(*args)

    @functools.wraps(exact)
    def blocks(*args: Any) -> tuple:
        return _blockwise(_Blocks(kernel), names, results, args)  # each block's task: NumPy code on NumPy blocks
    return blocks if always else kernel


def _blockwise(run: Callable, names: Sequence[str], results: int, values: Sequence[Any]) -> tuple:
    """The lazy results of ``run`` on the blocks of ``values`` (checked and converted as :func:`prepare` does)."""
    import dask.array as da
    _, shape, dtype, *arrays = prepare(da, names, *values)
    index = tuple(f"i{k}" for k in range(len(shape)))
    pairs = [item for a in arrays for item in (a, index[len(index) - a.ndim:])]
    stacked = da.blockwise(run, ("r",) + index, *pairs, new_axes={"r": results}, dtype=dtype,
                           meta=np.empty((0,) * (len(shape) + 1), dtype=dtype))  # meta: no call on empty blocks
    return StackedResults(stacked, results)


class StackedResults(tuple):
    """Lazy results that are the slices of one stacked Dask array, which ``stacked`` keeps: a caller wanting
    them as one array (a Jacobian's or Hessian's entries) takes it as it is, where stacking the slices again
    made a task per result (a 60 x 60 Hessian over 2,000 points: 6 s to compute)."""

    def __new__(cls, stacked: Any, results: int) -> "StackedResults":
        out = super().__new__(cls, (stacked[k] for k in range(results)))
        out.stacked = stacked
        return out

    def __reduce__(self) -> tuple:
        return tuple, (tuple(self),)  # pickled as the plain tuple of results it is


class _Blocks(CopiedAsItself):
    """One block's task: the kernel on NumPy blocks, its results stacked.  A class, so that it pickles (as
    the kernel's recipe) to ``dask.distributed`` workers, and copies as itself (:class:`~.results.CopiedAsItself`)."""

    def __init__(self, kernel: Callable):
        self.kernel = kernel

    def __call__(self, *blocks: np.ndarray) -> np.ndarray:
        return np.stack(self.kernel(*blocks))

    def __reduce__(self) -> tuple:
        return _Blocks, (portable(self.kernel),)
