"""The one-point vector forms of a kernel, for optimisers and least squares: the vector ``x`` and the data bound once.

* :func:`vector_function`: the ``f(x) -> (float, gradient)`` form for optimisers,
  :func:`residual_function`: ``f(x) -> (residuals, Jacobian)`` for least squares,
  and :func:`results_function`, all results at one point.
* A float64 ``x`` goes to a kernel's array forms when it has them
  (``kernel.point``, ``kernel.taking``: :func:`_point_function`), so no
  element is a Python object; data inputs are bound as arrays
  (:func:`~.arrays.bind_arrays`).

Separate from :mod:`.arrays` (indexed inputs bound as arrays, which these
forms build on) because a vector form is its own calling convention: one
point, the vector first, one checked vector (:func:`one_vector`).
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np

from ..binding import Binder, free_name, held_in_vector, held_names, positional_only_error, signature_text
from ..real_values import as_array, real_value
from ..errors import ArgumentError, GraphError, NotPicklableError, counted, optional_module
from .arrays import ArrayLayout, array_layouts, bind_arrays, elements
from .coercion import _FLOAT64, working_dtype
from .results import CopiedAsItself, compiled_function, portable


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
        sparse = optional_module("scipy.sparse", "a sparse Jacobian (a scipy.sparse matrix)")
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


def one_vector(x: Any, count: int, shown: str, what: str = "the vector", whose: str | None = None) -> np.ndarray:
    """``x`` as a 1-D array of ``count`` real numbers (its dtype kept); an ArgumentError (a GraphError too, as it
    was) saying what it is instead: a slip in the argument, as ``hvp``'s seeds of the wrong number are.

    The check of every vector a compiled function takes (``value_and_grad(vector=True)``,
    residuals, ``hessp``): ``shown`` names the entries, and ``whose`` (such as ``value_and_grad()'s vector x``)
    the vector in a message on its shape, which said only "the vector must be ..." of whichever function it was.
    """
    x = as_array(what, x)
    if x.dtype.kind not in "fiub":
        real_value(what, x)  # raises for strings, None and complex numbers, whatever their shape
    if x.ndim != 1 or x.shape[0] != count:
        raise ArgumentError(f"{whose or what} must be a 1-D vector of {counted(count, 'value')} ({shown}), "
                         f"got shape {x.shape}")
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


def _batched(name: str, names: Sequence[str], values: Sequence[Any],
             layouts: Sequence[ArrayLayout | None]) -> str | None:
    """The message for data with batch axes given to a one-point function: each such input, its shape and
    the shape it takes (None when no input has them)."""
    wrong = []
    for n, value, layout in zip(names, values, layouts):
        index = () if layout is None else layout.shape
        shape = tuple(np.shape(value))
        if len(shape) > len(index):
            wrong.append(f"{n} has shape {shape}, expected {index}" + (" (its indices)" if index else " (a number)"))
    if not wrong:
        return None
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
    vector = "x" if not data else free_name([n for n, _ in data], ("x", "theta", "x_", "theta_"))
    whose = f"{name}()'s vector {vector}"
    read = np.array([k for k, n in enumerate(names) if n is not None], dtype=np.intp) if unread else None

    def values_of(x: Any) -> Sequence[Any]:
        """The vector's entries as the kernel's inputs: Python floats for a float64 vector alone (the fastest
        point), NumPy scalars of its dtype beside data, so that the vector votes in the dtype rule as an array
        (a float64 vector with float32 data computes in float64; Python floats would not vote)."""
        x = one_vector(x, count, shown, whose=whose)
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
        point.__wrapped__ = kernel  # inspect.getsource(f) goes on to the generated code, not this wrapper
        return compiled_function(point, ("x",), name=name, doc=doc, source=source,  # f(x=1, y=2) names y's place
                                 inside=[n for n in held_names(labels or names) if n != "x"])

    layouts = array_layouts(data, shapes or {})
    bind = Binder(tuple(n for n, _ in data), name, leading=1,  # the vector comes first
                  inside=held_names(labels or names))
    kind = inspect.Parameter
    taking = getattr(kernel, "taking", None)
    direct = None
    if taking is not None:
        kept = np.arange(count, dtype=np.intp) if read is None else read
        whole = ArrayLayout(vector, (count,), tuple((k,) for k in kept.tolist()), (kept,))
        direct = taking([whole, *layouts])

    def point_with_data(x: Any, /, *args: Any, **kwargs: Any) -> Any:
        values, batch = bind_arrays(bind(args, kwargs), layouts, bind.names)
        # () at one point; None when some value is not NumPy's (an array-like: its axes as np.shape reads them)
        if batch or batch is None:
            batched = _batched(name, bind.names, values, layouts)
            if batched is not None:
                raise GraphError(batched)
        if direct is not None and x.__class__ is np.ndarray and x.dtype == _FLOAT64 and x.shape == (count,):
            return shape(direct([x, *values], batch, whole=True))
        return shape(kernel(*values_of(x), *elements(values, layouts)))

    signature = inspect.Signature(
        [kind(vector, kind.POSITIONAL_ONLY), *(kind(n, kind.POSITIONAL_OR_KEYWORD) for n in bind.names)])
    point_with_data.__wrapped__ = kernel
    return _WithData(point_with_data, name, doc, source, bind.names, signature, bind.inside)


class _WithData(CopiedAsItself):
    """A vector function that also takes data inputs (:func:`vector_function`): a class, so that it
    pickles (as the recipe its maker sets), and copies as itself (:class:`~.results.CopiedAsItself`)."""

    def __init__(self, call: Callable, name: str, doc: str | None, source: str | None, data: tuple,
                 signature: inspect.Signature, inside: frozenset = frozenset()):
        self._call, self._inside = call, inside
        self.__name__ = self.__qualname__ = name
        self.__doc__ = doc
        self.__wrapped__ = call  # and on to the kernel: inspect.getsource(f) shows the generated code
        self.source = source
        self.data = data
        self.__signature__ = signature
        self.recipe: tuple | None = None

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        if args:  # the vector, positional only
            return self._call(*args, **kwargs)
        names = tuple(self.__signature__.parameters)
        held = next((key for key in kwargs if key in self._inside), None)  # fn(w=..., t=...): w is in the vector
        if held is not None:
            raise held_in_vector(self.__name__, held)
        raise positional_only_error(self.__name__, names[:1], args, kwargs, names[1:])

    def __repr__(self) -> str:
        return f"<compiled function {self.__name__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        if self.recipe is None:
            raise NotPicklableError(f"{self.__name__} cannot be pickled")
        return self.recipe
