"""What every compiled function does at call time, whichever backend made it.

* **The helpers generated NumPy code calls**: :func:`prepare` converts a
  call's inputs (array namespace, working dtype, broadcast shape) and
  :func:`fit` turns the values computed into fresh result arrays;
  :func:`user_call` (from :mod:`symgraph.ops`, which the interpreter
  shares) calls a registered function, naming its errors and checking what it returned.  Saved
  standalone source imports them from here (and older saved modules from
  :mod:`symgraph.codegen`, which re-exports them).
* **One dtype rule**, :func:`working_dtype`, for every backend.
* **One result layout**: every backend is a *kernel* taking the inputs
  positionally and returning the flat tuple of results;
  :func:`compiled_function` puts the one argument binder
  (:class:`symgraph.binding.Binder`) in front of it and regroups the flat
  tuple into the nested layout asked for (:func:`flat_labels`,
  :func:`layout_of`).  So every compiled function has a real
  :func:`inspect.signature`, binds keywords in O(1) each, and raises the same
  :class:`~symgraph.errors.ArgumentError` for a wrong call.
* :func:`vector_function`: the ``f(x) -> (float, gradient)`` form for optimisers, and
  :func:`residual_function`: ``f(x) -> (residuals, Jacobian)`` for least squares.
* **Indexed inputs** (one array per indexed input, index axes first):
  :func:`array_parameters` binds them with one check (:func:`bind_arrays`),
  from a layout worked out once (:class:`ArrayLayout`), then hands a kernel
  that takes arrays (the VM's ``kernel.taking``) each array whole, and any
  other kernel one value per element (:func:`elements`).  Kernels may also
  give every result as one array (``kernel.array``, ``kernel.point``), which
  the vector forms and :meth:`CompiledFunction.array` (a sparse Jacobian's or
  Hessian's ``.data``) take as it is.  Why: a value per element cost about
  5 µs of Python per input, and a 0-d view per result, on calls with 10^5 of them.

Examples
--------
>>> flat_labels(("v", ("a", "b")))
['v', 'a', 'b']
>>> layout_of(("v", ("a", "b")))((1, 2, 3))
(1, (2, 3))
"""
from __future__ import annotations

import functools
import inspect
import pickle
import types
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ..binding import (Binder, as_array, free_name, index_axes_error, positional_only_error, real_value,
                       refuse_masked)
from ..binding import broadcast_shape as check_broadcast
from ..binding import signature_text
from ..errors import FunctionDefinitionError, GraphError, UserFunctionError, counted
from ..ops import user_call, user_result  # noqa: F401 - generated NumPy code imports them from here (user_result: older saved source)

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

def namespace_of(values: Sequence[Any]) -> Any:
    """The array namespace for ``values``: ``dask.array``, ``cupy`` or ``numpy``."""
    for value in values:
        if isinstance(value, _NUMPY_TYPES):
            continue
        module = type(value).__module__.partition(".")[0]
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


#: NumPy as generated code sees it at a point: NumPy's own functions, power as arrays compute it
POINT_NUMPY = types.SimpleNamespace(**{k: v for k, v in vars(np).items() if not k.startswith("_")})
POINT_NUMPY.power = _power


def prepare_point(xp: Any, names: Sequence[str], *values: float) -> tuple:
    """:func:`prepare` at a float64 point: the inputs as ``np.float64`` scalars and :data:`POINT_NUMPY`."""
    return (POINT_NUMPY, (), _FLOAT64, *np.array(values, dtype=_FLOAT64))


def fit_point(xp: Any, shape: tuple, dtype: np.dtype, values: Sequence[Any], copy: Sequence[int] = ()) -> tuple:
    """:func:`fit` at a point: one block of 0-d results; raises :class:`_NotFinite` for an inf or nan."""
    out = np.array([v[0] if v.__class__ is np.ndarray and v.ndim else v for v in values], dtype=_FLOAT64)
    if not np.isfinite(out).all():
        raise _NotFinite
    return tuple([out[i, ...] for i in range(len(values))])


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
    (:func:`user_result`), which is reported for the point called.  One difference remains: an inf or nan inside the
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
        except (ArithmeticError, TypeError, ValueError, UserFunctionError):  # a callable may take arrays only
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
    code = exact.__code__
    names = code.co_varnames[:code.co_argcount]

    @functools.wraps(exact)  # inspect and tracebacks still see the generated source
    def kernel(*args: Any) -> tuple:
        for a in args:
            if not isinstance(a, _NUMPY_TYPES) and type(a).__module__.partition(".")[0] == "dask":
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
    return tuple(stacked[k] for k in range(results))


class _Blocks:
    """One block's task: the kernel on NumPy blocks, its results stacked.  A class, so that it pickles (as
    the kernel's recipe) to ``dask.distributed`` workers."""

    def __init__(self, kernel: Callable):
        self.kernel = kernel

    def __call__(self, *blocks: np.ndarray) -> np.ndarray:
        return np.stack(self.kernel(*blocks))

    def __reduce__(self) -> tuple:
        return _Blocks, (portable(self.kernel),)


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
    vote and its computation together (a list was made an array twice).
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
                dt = np.dtype(dt)
            else:
                array = as_array(names[k] if names is not None else f"input {k + 1}", value)
                dt = array.dtype
                if convert:
                    values[k] = array  # type: ignore[index]
        if dt.kind not in "fiub":  # refused unless an object array holds real numbers only
            real_value(names[k] if names is not None else f"input {k + 1}", value)
        # float32 in either byte order (NumPy computes '>f4' data in float32 too)
        vote = _FLOAT32 if dt.kind == "f" and dt.itemsize == 4 and vote is not _FLOAT64 else _FLOAT64
    return _FLOAT64 if vote is None else vote


# --------------------------------------------------------------------------- results

Layout = Any  # a result label (str), a Stack, or a tuple of layouts

#: the result label of the constant 0 that an empty :class:`Stack` reads
EMPTY = "[]"


class Stack(NamedTuple):
    """Results returned as one array: the derivatives by ``x[0], x[1], ...`` as an array of ``shape + batch``.

    An input of no elements (a shape with a 0) has no derivatives to stack: its one label is a constant 0
    of the inputs' broadcast shape (:data:`EMPTY`), which gives the empty array its batch axes.
    """

    labels: tuple[str, ...]
    shape: tuple[int, ...]


def flat_labels(layout: Layout) -> list[str]:
    """The labels of a layout in order, repeats kept (a layout nests at most as deep as the API writes it)."""
    if isinstance(layout, Stack):
        return list(layout.labels)
    if not isinstance(layout, tuple):
        return [layout]
    return [label for part in layout for label in flat_labels(part)]


def _stacked(shape: tuple[int, ...]) -> Callable[[tuple], Any]:
    def stack(results: tuple) -> Any:
        xp = namespace_of(results)
        parts = [xp.asarray(r) for r in results]
        if 0 in shape:  # an input of no elements: its one result is a 0 of the batch shape (see Stack)
            return xp.zeros(shape + tuple(parts[0].shape), dtype=parts[0].dtype)
        return xp.reshape(xp.stack(parts), shape + tuple(parts[0].shape))
    return stack


def one_array(results: Sequence[Any]) -> Any:
    """The flat results as one array ``(results, *batch)`` (shapes that only broadcast together are broadcast),
    in the results' namespace: Dask results stay lazy (``np.array`` of them computed every one whole) and
    CuPy ones on the device.  A kernel's results share one namespace, so the first one tells."""
    if results and results[0].__class__ is not np.ndarray:
        xp = namespace_of(results[:1])
        if xp is not np:
            return xp.stack(xp.broadcast_arrays(*[xp.asarray(r) for r in results]))
    try:  # results of one shape (every point's, or one point's 0-d values): one C pass, 5x np.stack's speed
        return np.array(results)
    except ValueError:
        return np.stack(np.broadcast_arrays(*results))


def layout_of(layout: Layout) -> Callable[[tuple], Any] | None:
    """A function turning the flat results tuple into ``layout`` (None when the flat tuple is the layout)."""
    if isinstance(layout, Stack):
        return _stacked(layout.shape)
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
                      source: str | None = None, layout: Layout | None = None, optional: int = 0,
                      **attributes: Any) -> Callable:
    """``kernel`` (positional inputs in ``names`` order, flat results) as a function with that signature.

    One :class:`~symgraph.binding.Binder` maps the arguments; ``layout`` (see
    :func:`flat_labels`) shapes the results.  The result's ``__wrapped__`` is
    ``kernel``, so :func:`inspect.getsource` shows generated code;
    ``attributes`` are set on it (``parallel=...``).  It pickles when the
    kernel does (see :class:`CompiledFunction`).  The last ``optional`` names may be left out (see
    :class:`~symgraph.binding.Binder`).
    """
    return CompiledFunction(kernel, names, name, doc, source, layout, attributes, optional)


class CompiledFunction:
    """What :func:`compiled_function` returns: the kernel behind one argument binder, laid out.

    A class rather than a closure so that it pickles (for ``dask.distributed``
    workers, ``multiprocessing`` pools): its pickle is the recipe that made it,
    the kernel's included (:func:`portable`), so loading builds the same
    function from the same generated source.
    """

    def __init__(self, kernel: Callable, names: Sequence[str], name: str, doc: str | None, source: str | None,
                 layout: Layout | None, attributes: dict, optional: int = 0):
        bind = Binder(names, name, optional=optional)
        self._made = (kernel, tuple(names), name, doc, source, layout, attributes, optional)
        self._bind, self._count, self._kernel = bind, bind.count, kernel
        self._array = getattr(kernel, "array", kernel)
        self._shape = None if layout is None else layout_of(layout)
        #: the flat results :meth:`array` returns: all but an empty Stack's 0, which stands for no entry
        labels = flat_labels(layout) if layout is not None else []
        self._kept = [k for k, label in enumerate(labels) if label != EMPTY] if EMPTY in labels else None
        self.__module__ = getattr(kernel, "__module__", __name__)
        self.__name__ = self.__qualname__ = name
        self.__doc__ = doc if doc is not None else kernel.__doc__
        self.__signature__ = bind.signature
        self.__wrapped__ = kernel
        self.source = source if source is not None else getattr(kernel, "source", None)
        self.inputs = bind.names
        #: how to make this function again, when it is not ``compiled_function(kernel, ...)`` (set by the vector forms)
        self.recipe: tuple | None = None
        for key, value in attributes.items():
            setattr(self, key, value)

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != self._count:
            args = self._bind(args, kwargs)
        if self._shape is None:
            return self._kernel(*args)
        return self._shape(self._kernel(*args))

    def array(self, /, *args: Any, **kwargs: Any) -> np.ndarray:
        """Every result in flat-label order as one array ``(results, *batch)``, whatever the layout (an input of
        no elements holds no row).

        A kernel offering ``kernel.array`` (the VM, which writes its results
        so) returns it as it is: no view per result is made and stacked again.
        """
        out = self.flat(*args, **kwargs)
        out = out if out.__class__ is np.ndarray else one_array(out)
        return out if self._kept is None else out[self._kept]

    def flat(self, /, *args: Any, **kwargs: Any) -> np.ndarray | tuple:
        """The results in flat-label order as the kernel gives them whole: one NumPy array ``(results, *batch)``
        from a kernel that writes them so (the VM on float64 NumPy inputs), else the tuple of results (any
        other kernel, and the VM's fallback for Dask or CuPy inputs, whose arrays stay in their namespace)."""
        if kwargs or len(args) != self._count:
            args = self._bind(args, kwargs)
        return self._array(*args)

    def __repr__(self) -> str:
        return f"<compiled function {self.__name__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        if self.recipe is not None:
            return self.recipe
        kernel, *rest = self._made
        return _compiled_again, (portable(kernel), *rest)


def _compiled_again(kernel: Callable, names: Sequence[str], name: str, doc: str | None, source: str | None,
                    layout: Layout | None, attributes: dict, optional: int = 0) -> CompiledFunction:
    return CompiledFunction(kernel, names, name, doc, source, layout, attributes, optional)


class _Portable:
    """Stands for a kernel or wrapper in a pickle: it pickles as the function's ``recipe``
    ``(callable, args)``, so loading calls ``callable(*args)`` and gets the function back (a kernel may
    give a function making its recipe, when that costs work better done only for a pickle)."""

    def __init__(self, function: Callable):
        self.function = function

    def __reduce__(self) -> tuple:
        recipe = getattr(self.function, "recipe", None)
        if recipe is None:
            raise pickle.PicklingError(
                f"{getattr(self.function, '__name__', 'this kernel')} cannot be pickled: only functions of the "
                "NumPy and VM backends pickle (numba kernels do not: compile them again where they run)")
        return recipe() if callable(recipe) else recipe  # a callable recipe is made when pickled


def portable(function: Callable) -> Any:
    """``function`` as something that pickles: itself when it does (a :class:`CompiledFunction`), else a
    stand-in that pickles as its ``recipe`` (a generated kernel or a wrapper of one)."""
    return function if isinstance(function, CompiledFunction) else _Portable(function)


class ArrayLayout(NamedTuple):
    """Where an indexed parameter's elements lie in its array: worked out once, when a function is compiled.

    ``indices[k]`` is the index of the kernel's k-th input of this parameter
    (the elements the program reads, in input order); ``columns`` holds the
    same as one integer array per index axis, a fancy index that gathers
    every element at once.
    """

    name: str
    shape: tuple[int, ...]  # the index extents: the array's first axes
    indices: tuple[tuple[int, ...], ...]
    columns: tuple[np.ndarray, ...]


def array_layouts(params: Sequence[tuple[str, Any]], shapes: dict) -> list[ArrayLayout | None]:
    """One entry per parameter of :meth:`Graph.parameters`' list: None for a plain input, else its
    :class:`ArrayLayout`."""
    layouts: list[ArrayLayout | None] = []
    for name, elements in params:
        if elements is None:
            layouts.append(None)
            continue
        shape = tuple(shapes[name])
        indices = tuple(index for index, _ in elements)
        table = np.array(indices, dtype=np.intp).reshape(len(indices), len(shape))
        layouts.append(ArrayLayout(name, shape, indices, tuple(np.ascontiguousarray(table.T))))
    return layouts


def bind_arrays(values: Sequence[Any], layouts: Sequence[ArrayLayout | None],
                names: Sequence[str]) -> tuple[list, tuple | None]:
    """The parameters' values, each indexed one an array checked against its index extents, and the batch shape.

    The one check of every path (each element passed on, or whole arrays
    handed to a kernel that takes them): an array whose first axes are not
    its indices' extents is a GraphError.  The batch shape is what the plain
    values and the indexed arrays' trailing axes broadcast to (None when some
    value is not NumPy's, a Dask or CuPy array, which runs in its own
    namespace); a GraphError names each parameter (``names``) when they do not
    broadcast, the known shapes of Dask and CuPy arrays included (their
    namespace's error named the kernel's inputs, one per element).
    """
    out, batch, numpy_only = [], [], True
    for name, value, layout in zip(names, values, layouts):
        if layout is None:
            if value.__class__ is float or value.__class__ is int:
                batch.append(())
            elif isinstance(value, _NUMPY_TYPES):
                refuse_masked(name, value)
                if isinstance(value, (list, tuple)):  # made an array once, here, and passed on as one (a ragged
                    value = as_array(name, value)     # nested list named: np.shape raised NumPy's ValueError)
                batch.append(np.shape(value))
            else:
                numpy_only = False
                batch.append(_known_shape(value))
            out.append(value)
            continue
        shape = layout.shape
        if not hasattr(value, "shape"):
            value = as_array(layout.name, value)
        refuse_masked(layout.name, value)
        if isinstance(value, np.ndarray) and value.__class__ is not np.ndarray:  # np.matrix: its elements are
            value = np.asarray(value)  # 1x1 matrices, not numbers, and would add two axes to every result
        if tuple(value.shape[:len(shape)]) != shape:
            raise index_axes_error(layout.name, shape, value.shape)
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "fiub":  # named as the user passed it, not element by element
                value = real_value(layout.name, value)
            batch.append(value.shape[len(shape):])
        else:
            numpy_only = False
            known = _known_shape(value)
            batch.append(None if known is None else known[len(shape):])
        out.append(value)
    try:  # Dask and CuPy arrays' shapes are checked too: their namespace would name the kernel's inputs, not the user's
        common = np.broadcast_shapes(*[b for b in batch if b is not None])
    except ValueError:
        shapes = ", ".join(f"{name} {b}" if layout is None else f"{name} {tuple(v.shape)} (batch axes {b})"
                           for name, v, layout, b in zip(names, out, layouts, batch) if b is not None)
        raise GraphError(f"input shapes do not broadcast together: {shapes}") from None
    return out, common if numpy_only else None


def _known_shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a Dask or CuPy array (or any value with a ``shape`` of integers); None when it has none or
    Dask does not know it yet (nan extents)."""
    shape = getattr(value, "shape", None)
    if not isinstance(shape, tuple) or not all(isinstance(n, (int, np.integer)) for n in shape):
        return None
    return tuple(int(n) for n in shape)


def elements(values: Sequence[Any], layouts: Sequence[ArrayLayout | None]) -> list:
    """One value per kernel input: a plain value as it is, an indexed array as its elements ``array[index]``."""
    flat: list = []
    for value, layout in zip(values, layouts):
        if layout is None:
            flat.append(value)
        else:
            flat.extend(value[index] for index in layout.indices)
    return flat


def array_parameters(kernel: Callable, params: Sequence[tuple[str, Any]], shapes: dict) -> Callable:
    """``kernel`` (one input per element) as a function of the user's parameters: an indexed input is one array.

    ``params`` is :meth:`Graph.parameters`' list: ``(name, None)`` passes a value
    on, ``(x, [(index, node), ...])`` takes an array whose first axes are the
    index axes, of extents ``shapes[x]`` (batch axes after them).  A kernel
    offering ``taking(layouts)`` (the VM's) is handed each array once, with
    its :class:`ArrayLayout`; any other is passed ``x[index]`` for each
    element (:func:`elements`).  Both paths bind through :func:`bind_arrays`.
    ``call.array(...)`` returns every result as one array ``(results, *batch)``
    when the kernel offers that form (else its flat tuple).
    """
    layouts = array_layouts(params, shapes)
    names = [name for name, _ in params]
    taking = getattr(kernel, "taking", None)
    direct = taking(layouts) if taking is not None else None
    whole = getattr(kernel, "array", kernel)
    if any(layout is not None and not layout.indices for layout in layouts):
        # an input of no elements passes the kernel no value, yet its batch axes and its dtype's vote are the
        # call's: x of shape (0, 4) and a scalar b gave 0-d results from NumPy (and from the VM on float32),
        # (4,) from the VM, and a float32 x with a Python b float64 results
        def results(values: Sequence[Any], at_once: bool) -> Any:
            bound, batch = bind_arrays(values, layouts, names)
            if direct is not None:
                out = direct(bound, batch, whole=at_once)
            else:
                out = (whole if at_once else kernel)(*elements(bound, layouts))
            if batch is None:
                return out
            dtype = working_dtype(bound)
            if out.__class__ is np.ndarray:  # the whole form (results, *batch): the batch axes line up after the first
                out = out.reshape(out.shape[:1] + (1,) * (len(batch) + 1 - out.ndim) + out.shape[1:])
                return _broadcast(out, out.shape[:1] + batch, dtype)
            return tuple(_broadcast(r, batch, dtype) for r in out)

        def call(*values: Any) -> tuple:
            return results(values, False)

        def array(*values: Any) -> Any:
            return results(values, True)
    elif direct is not None:
        def call(*values: Any) -> tuple:
            return direct(*bind_arrays(values, layouts, names))

        def array(*values: Any) -> Any:
            return direct(*bind_arrays(values, layouts, names), whole=True)
    else:
        def call(*values: Any) -> tuple:
            return kernel(*elements(bind_arrays(values, layouts, names)[0], layouts))

        def array(*values: Any) -> Any:
            return whole(*elements(bind_arrays(values, layouts, names)[0], layouts))
    functools.update_wrapper(call, kernel, updated=())  # not the kernel's attributes: they take one input per element
    if getattr(kernel, "source", None) is not None:
        call.source = kernel.source
    call.array = array
    call.recipe = (array_parameters, (portable(kernel), params, shapes))
    return call


def _broadcast(result: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """``result`` as a fresh array of ``shape`` and ``dtype`` (as a kernel's results are), itself when it is one."""
    result = np.asarray(result)
    if result.shape == shape and result.dtype == dtype:
        return result
    return np.array(np.broadcast_to(result, np.broadcast_shapes(result.shape, shape)), dtype=dtype)


def vector_function(kernel: Callable, names: Sequence[str], *, name: str, doc: str | None = None,
                    source: str | None = None, data: Sequence[tuple[str, Any]] = (),
                    shapes: dict | None = None, labels: Sequence[str] | None = None) -> Callable:
    """``kernel`` (results: value, then the gradient) as ``f(x, **data) -> (float, 1-D ndarray)`` for optimisers.

    ``x`` holds the values of ``names`` (the kernel's first inputs), and the
    gradient comes in the same order.  The kernel's other inputs are the
    ``data`` parameters (:meth:`Graph.parameters`' list, an indexed input as one
    array of ``shapes[x]``), passed after ``x`` by position (``scipy.optimize.minimize(
    f, x0, jac=True, args=(...))``) or by name (``functools.partial(f, X=...)``).
    A point is handed to ``kernel`` as scalars, so it runs the kernel's
    single-point path (:func:`working_dtype` decides the dtype), or whole to a
    kernel that takes arrays (see :func:`_point_function`).
    """
    def value_and_gradient(results: tuple | np.ndarray) -> tuple[float, np.ndarray]:
        out = _one_point(results, name)
        return float(out[0]), out[1:]
    function = _point_function(kernel, names, value_and_gradient, name=name, doc=doc, source=source, data=data,
                               shapes=shapes, labels=labels)
    function.recipe = (functools.partial(vector_function, name=name, doc=doc, source=source, data=data, shapes=shapes,
                                         labels=labels), (portable(kernel), names))
    return function


def residual_function(kernel: Callable, names: Sequence[str], count: int, *, name: str, doc: str | None = None,
                      source: str | None = None, data: Sequence[tuple[str, Any]] = (),
                      shapes: dict | None = None, labels: Sequence[str] | None = None,
                      pattern: Any = None) -> Callable:
    """``kernel`` (results: ``count`` residuals, then their Jacobian row by row) as
    ``f(x, **data) -> ((count,) ndarray, (count, len(x)) ndarray)``.

    The form ``scipy.optimize.least_squares`` needs, from one kernel: ``x``
    and the data are bound as in :func:`vector_function`.  With a
    ``scipy.sparse`` ``pattern``, the kernel's Jacobian results are its
    stored entries in CSR order, and the Jacobian comes back as a CSR matrix
    of that fixed pattern.
    """
    n = len(names)
    if pattern is not None:
        from scipy import sparse
        indices, indptr = pattern.indices, pattern.indptr

        def jacobian_of(values: np.ndarray) -> Any:
            return sparse.csr_matrix((values, indices.copy(), indptr.copy()), shape=(count, n))
    else:
        def jacobian_of(values: np.ndarray) -> Any:
            return values.reshape(count, n)

    def residuals_and_jacobian(results: tuple | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = _one_point(results, name)
        return out[:count], jacobian_of(out[count:])
    function = _point_function(kernel, names, residuals_and_jacobian, name=name, doc=doc, source=source, data=data,
                               shapes=shapes, labels=labels)
    function.recipe = (functools.partial(residual_function, name=name, doc=doc, source=source, data=data,
                                         shapes=shapes, labels=labels, pattern=pattern),
                       (portable(kernel), names, count))
    return function


def results_function(kernel: Callable, names: Sequence[str], *, name: str, doc: str | None = None,
                     source: str | None = None, data: Sequence[tuple[str, Any]] = (),
                     shapes: dict | None = None, labels: Sequence[str] | None = None) -> Callable:
    """``kernel`` as ``f(x, *data, **data) -> 1-D ndarray`` of all its results at one point.

    The vector form of a Jacobian or Hessian (``M.lambdify(vector=True)``): ``x``
    and the data are bound as in :func:`vector_function`; the caller gathers the
    entries from the results.
    """
    function = _point_function(kernel, names, functools.partial(_one_point, name=name), name=name, doc=doc,
                               source=source, data=data, shapes=shapes, labels=labels)
    function.recipe = (functools.partial(results_function, name=name, doc=doc, source=source, data=data,
                                         shapes=shapes, labels=labels), (portable(kernel), names))
    return function


def one_vector(x: Any, count: int, shown: str, what: str = "the vector") -> np.ndarray:
    """``x`` as a 1-D array of ``count`` real numbers (its dtype kept); a GraphError saying what it is instead.

    The check of every vector a compiled function takes (``value_and_grad(vector=True)``,
    residuals, ``hessp``): ``shown`` names the entries.
    """
    x = as_array(what, x)
    if x.ndim != 1 or x.shape[0] != count:
        raise GraphError(f"{what} must be a 1-D vector of {counted(count, 'value')} ({shown}), got shape {x.shape}")
    if x.dtype.kind not in "fiub":
        real_value(what, x)  # raises for strings, None and complex numbers
    return x


def _one_point(results: tuple | np.ndarray, name: str) -> np.ndarray:
    """A vector function's results as one fresh 1-D vector: the array a kernel's array form returns as it is,
    a flat tuple stacked (in its dtype); a GraphError when data with batch axes made a batch."""
    if results.__class__ is not np.ndarray:
        results = np.array(results, dtype=np.result_type(*results[:1]) if results else _FLOAT64)
    if results.ndim != 1:
        raise GraphError(f"{name} evaluates one point: pass each data input as an array of its index shape "
                         f"(no batch axes), got results of shape {results.shape[1:]}")
    return results


def _batched(name: str, names: Sequence[str], values: Sequence[Any], layouts: Sequence[ArrayLayout | None]) -> str:
    """The message for data with batch axes given to a one-point function: each such input, its shape and
    the shape it takes."""
    wrong = []
    for n, value, layout in zip(names, values, layouts):
        index = () if layout is None else layout.shape
        shape = tuple(np.shape(value))
        if len(shape) > len(index):
            wrong.append(f"{n} has shape {shape}, expected {index}" + (" (its indices)" if index else " (a number)"))
    return (f"{name} evaluates one point: each data input is one number, or an indexed one an array of its "
            f"indices' extents, without batch axes; " + "; ".join(wrong))


def _point_function(kernel: Callable, names: Sequence[str], shape: Callable[[tuple], Any], *, name: str,
                    doc: str | None, source: str | None, data: Sequence[tuple[str, Any]],
                    shapes: dict | None, labels: Sequence[str] | None) -> Callable:
    """``f(x, *data, **data) -> shape(kernel results)``: the vector ``x`` of ``names`` and the data, bound once.

    ``labels`` are the vector entries' names for messages (default ``names``); the vector parameter is
    called ``x`` in the signature, or ``theta`` when a data input is called ``x``.  A float64 ``x`` goes
    to a kernel's array forms when it has them: without data ``kernel.point`` (the entries inputs read),
    with data ``kernel.taking``, handed ``x`` and each data array whole (one more :class:`ArrayLayout`
    for ``x``: the entries inputs read), so no element is a Python object.
    """
    names = tuple(names)
    count = len(names)
    shown = ", ".join(map(str, (labels or names)[:5])) + (", ..." if count > 5 else "")
    unread = [k for k, n in enumerate(names) if n is None]  # vector entries no input reads: dropped
    read = np.array([k for k, n in enumerate(names) if n is not None], dtype=np.intp) if unread else None

    def values_of(x: Any) -> Sequence[Any]:
        """The vector's entries as the kernel's inputs: Python floats for a float64 vector alone (the fastest
        point), NumPy scalars of its dtype beside data, so that the vector votes in the dtype rule as an array
        (a float64 vector with float32 data computes in float64; Python floats would not vote)."""
        x = one_vector(x, count, shown)
        if read is not None:
            x = x[read]
        if x.dtype == _FLOAT64:
            return list(x) if data else x.tolist()
        return x.astype(working_dtype((x,), ("the vector",)), copy=False)

    if not data:
        at = getattr(kernel, "point", None)  # a backend's one-point path taking the float64 vector itself
        if at is not None:
            def point(x: Any) -> Any:
                if x.__class__ is np.ndarray and x.dtype == _FLOAT64 and x.shape == (count,):
                    return shape(at(x if read is None else x[read]))
                return shape(kernel(*values_of(x)))
        else:
            def point(x: Any) -> Any:
                return shape(kernel(*values_of(x)))
        return compiled_function(point, ("x",), name=name, doc=doc, source=source)

    layouts = array_layouts(data, shapes or {})
    bind = Binder(tuple(n for n, _ in data), name, leading=1)  # the vector comes first
    kind = inspect.Parameter
    vector = free_name(bind.names, ("x", "theta", "x_", "theta_"))
    taking = getattr(kernel, "taking", None)
    direct = None
    if taking is not None:
        kept = np.arange(count, dtype=np.intp) if read is None else read
        whole = ArrayLayout(vector, (count,), tuple((k,) for k in kept.tolist()), (kept,))
        direct = taking([whole, *layouts])

    def point_with_data(x: Any, /, *args: Any, **kwargs: Any) -> Any:
        values, batch = bind_arrays(bind(args, kwargs), layouts, bind.names)
        if batch:  # () at one point; None when some value is not NumPy's (then _one_point checks the results)
            raise GraphError(_batched(name, bind.names, values, layouts))
        if direct is not None and x.__class__ is np.ndarray and x.dtype == _FLOAT64 and x.shape == (count,):
            return shape(direct([x, *values], batch, whole=True))
        return shape(kernel(*values_of(x), *elements(values, layouts)))

    signature = inspect.Signature(
        [kind(vector, kind.POSITIONAL_ONLY), *(kind(n, kind.POSITIONAL_OR_KEYWORD) for n in bind.names)])
    return _WithData(point_with_data, name, doc, source, bind.names, signature)


class _WithData:
    """A vector function that also takes data inputs (:func:`vector_function`): a class, so that it
    pickles (as the recipe its maker sets)."""

    def __init__(self, call: Callable, name: str, doc: str | None, source: str | None, data: tuple,
                 signature: inspect.Signature):
        self._call = call
        self.__name__ = self.__qualname__ = name
        self.__doc__ = doc
        self.source = source
        self.data = data
        self.__signature__ = signature
        self.recipe: tuple | None = None

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        if args:  # the vector, positional only
            return self._call(*args, **kwargs)
        raise positional_only_error(self.__name__, tuple(self.__signature__.parameters)[:1], args, kwargs)

    def __repr__(self) -> str:
        return f"<compiled function {self.__name__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        if self.recipe is None:
            raise pickle.PicklingError(f"{self.__name__} cannot be pickled")
        return self.recipe
