"""Indexed inputs bound as arrays: one array per indexed input, index axes first.

:func:`array_parameters` binds them with one check (:func:`bind_arrays`),
from a layout worked out once (:class:`ArrayLayout`), then hands a kernel
that takes arrays (the VM's ``kernel.taking``) each array whole, and any
other kernel one value per element (:func:`elements`).  Kernels may also
give every result as one array (``kernel.array``, ``kernel.point``), which
the vector forms (:mod:`.vector_forms`, built on this binding) and
:meth:`CompiledFunction.array` (a sparse Jacobian's or Hessian's ``.data``)
take as it is.  Why: a value per element cost about 5 µs of Python per
input, and a 0-d view per result, on calls with 10^5 of them.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ..errors import GraphError
from ..real_values import as_array, index_axes_error, real_value, refuse_masked
from .coercion import _NUMPY_TYPES, working_dtype
from .results import portable


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
        if _shape_of(value) is None:
            value = as_array(layout.name, value)
        refuse_masked(layout.name, value)
        if isinstance(value, np.ndarray) and value.__class__ is not np.ndarray:  # np.matrix: its elements are
            value = np.asarray(value)  # 1x1 matrices, not numbers, and would add two axes to every result
        if isinstance(value, np.ndarray) and value.dtype.kind not in "fiub":  # named as the user passed it, not
            value = real_value(layout.name, value)  # element by element; before its shape ('abc' has shape ())
        if tuple(value.shape[:len(shape)]) != shape:
            raise index_axes_error(layout.name, shape, value.shape)
        if isinstance(value, np.ndarray):
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
    shape = _shape_of(value)
    if not isinstance(shape, tuple) or not all(isinstance(n, (int, np.integer)) for n in shape):
        return None
    return tuple(int(n) for n in shape)


def _shape_of(value: Any) -> Any:
    """``value.shape``, or None when it has none or reading it raises (sympy's ``Indexed.shape`` of ``a[x]``
    raises its IndexException, which ``hasattr`` and ``getattr`` with a default pass on)."""
    try:
        return getattr(value, "shape", None)
    except Exception:
        return None


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
