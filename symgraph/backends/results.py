"""One result layout and the compiled function around every kernel.

Every backend is a *kernel* taking the inputs positionally and returning the
flat tuple of results; :func:`compiled_function` puts the one argument binder
(:class:`symgraph.binding.Binder`) in front of it and regroups the flat tuple
into the nested layout asked for (:func:`flat_labels`, :func:`layout_of`).  So
every compiled function has a real :func:`inspect.signature`, binds keywords
in O(1) each, and raises the same :class:`~symgraph.errors.ArgumentError` for
a wrong call.  :func:`portable` makes a kernel or a wrapper pickle as its recipe.

Examples
--------
>>> flat_labels(("v", ("a", "b")))
['v', 'a', 'b']
>>> flat_labels(("a", "b")), layout_of(("a", "b")) is None
(['a', 'b'], True)
>>> layout_of(("v", ("a", "b")))((1, 2, 3))
(1, (2, 3))
"""
from __future__ import annotations

import inspect
from itertools import repeat
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ..binding import Binder, signature_text
from ..errors import BatchTooLargeError, NotPicklableError, refusing
from .coercion import namespace_of

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
    if all(map(isinstance, layout, repeat(str))):  # a flat tuple of labels (a sparse matrix's entries): told in C,
        return list(layout)  # not a call per label: 16-20 -> 0.35 ms for a Hessian's 20,001, twice per compile
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
    whole = getattr(results, "stacked", None)  # slices of one Dask array (runtime.StackedResults): that array
    if whole is not None:
        return whole
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
    if all(map(isinstance, layout, repeat(str))):  # (told in C, as in flat_labels)
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
                      inside: Sequence[str] = (), **attributes: Any) -> Callable:
    """``kernel`` (positional inputs in ``names`` order, flat results) as a function with that signature.

    One :class:`~symgraph.binding.Binder` maps the arguments; ``layout`` (see
    :func:`flat_labels`) shapes the results.  The result's ``__wrapped__`` is
    ``kernel``, so :func:`inspect.getsource` shows generated code;
    ``attributes`` are set on it (``parallel=...``).  It pickles when the
    kernel does (see :class:`CompiledFunction`).  The last ``optional`` names may be left out (see
    :class:`~symgraph.binding.Binder`); ``inside`` names what a vector parameter holds, for messages.
    """
    return CompiledFunction(kernel, names, name, doc, source, layout, attributes, optional, tuple(inside))


class _SignatureOnFirstUse:
    """A compiled function's ``__signature__``, the binder's, made when first asked for: an
    ``inspect.Parameter`` per input took a quarter of a second at 100,000 inputs (wrt names absent from the
    function), at every compile.  On the class it is None, so ``inspect.signature(CompiledFunction)`` reads
    ``__init__`` as for any class (a ``functools.cached_property`` there was no signature: TypeError)."""

    def __get__(self, function: Any, owner: type | None = None) -> inspect.Signature | None:
        if function is None:
            return None
        signature = function.__dict__["__signature__"] = function._bind.signature  # later reads find it first
        return signature


class CopiedAsItself:
    """A compiled callable that ``copy.copy`` and ``copy.deepcopy`` give back as itself, as they give a Python
    function: nothing in it changes after it is made, and a copy would compile it again.

    Without this, ``copy`` goes through ``__reduce__``, whose arguments hold :func:`portable` stand-ins that
    only pickling turns back into the kernel: the copy raised ``TypeError: '_Portable' object is not callable``.
    """

    __slots__ = ()

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict) -> Any:
        return self


class CompiledFunction(CopiedAsItself):
    """What :func:`compiled_function` returns: the kernel behind one argument binder, laid out.

    A class rather than a closure so that it pickles (for ``dask.distributed``
    workers, ``multiprocessing`` pools): its pickle is the recipe that made it,
    the kernel's included (:func:`portable`), so loading builds the same
    function from the same generated source.
    """

    def __init__(self, kernel: Callable, names: Sequence[str], name: str, doc: str | None, source: str | None,
                 layout: Layout | None, attributes: dict, optional: int = 0, inside: tuple = ()):
        bind = Binder(names, name, optional=optional, inside=inside)
        self._made = (kernel, tuple(names), name, doc, source, layout, attributes, optional, inside)
        self._bind, self._count, self._kernel = bind, bind.count, kernel
        self._array = getattr(kernel, "array", kernel)
        self._shape = None if layout is None else layout_of(layout)
        #: the flat results :meth:`array` returns: all but an empty Stack's 0, which stands for no entry
        labels = flat_labels(layout) if layout is not None else []
        self._kept = [k for k, label in enumerate(labels) if label != EMPTY] if EMPTY in labels else None
        self.__module__ = getattr(kernel, "__module__", __name__)
        self.__name__ = self.__qualname__ = name
        self.__doc__ = doc if doc is not None else kernel.__doc__
        self.__wrapped__ = kernel
        # called as methods, these say to drop the () (Python said "'tuple' object is not callable")
        self.source = refusing(source if source is not None else getattr(kernel, "source", None), "f.source")
        self.inputs = refusing(bind.names, "f.inputs")
        #: how to make this function again, when it is not ``compiled_function(kernel, ...)`` (set by the vector forms)
        self.recipe: tuple | None = None
        for key, value in attributes.items():
            setattr(self, key, refusing(value, f"f.{key}"))

    __signature__ = _SignatureOnFirstUse()

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != self._count:
            args = self._bind(args, kwargs)
        try:
            out = self._kernel(*args)
        except MemoryError as error:  # NumPy's message names neither the call nor the inputs' shapes
            raise _too_large(self.__name__, self._bind.names, args, error) from error
        if self._shape is None:  # a plain tuple: Dask's slices of one stacked array come as a subclass of
            # tuple, which dask.compute(f(x)) would not walk, returning them lazy
            return tuple(out) if isinstance(out, tuple) and out.__class__ is not tuple else out
        return self._shape(out)

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
        try:
            return self._array(*args)
        except MemoryError as error:
            raise _too_large(self.__name__, self._bind.names, args, error) from error

    def __repr__(self) -> str:
        return f"<compiled function {self.__name__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        if self.recipe is not None:
            return self.recipe
        kernel, *rest = self._made
        return _compiled_again, (portable(kernel), *rest)


def _too_large(name: str, names: Sequence[str], values: Sequence[Any], error: MemoryError) -> BatchTooLargeError:
    """The error of a call whose results did not fit in memory: the shape the inputs broadcast to, how many
    points that is, and each input's shape, since the usual cause is a slip in one of them."""
    shapes = [(n, tuple(np.shape(v))) for n, v in zip(names, values)]
    said = ", ".join(f"{n} {s}" for n, s in shapes[:12]) + (f", ... ({len(shapes) - 12:,} more)" if len(shapes) > 12 else "")
    try:
        shape = np.broadcast_shapes(*(s for _, s in shapes))
    except Exception:  # indexed inputs' index axes need not broadcast: then the shapes alone are said
        made = f"the inputs ({said})"
    else:
        made = f"the inputs broadcast to shape {shape} ({int(np.prod(shape, dtype=object)):,} points; {said})"
    return BatchTooLargeError(f"{name}(): {made}, and the results do not fit in memory ({error}); check the "
                              "inputs' shapes (a column against a row broadcasts to every pair), or pass fewer "
                              "points per call")


def _compiled_again(kernel: Callable, names: Sequence[str], name: str, doc: str | None, source: str | None,
                    layout: Layout | None, attributes: dict, optional: int = 0, inside: tuple = ()) -> CompiledFunction:
    return CompiledFunction(kernel, names, name, doc, source, layout, attributes, optional, inside)


class _Portable:
    """Stands for a kernel or wrapper in a pickle: it pickles as the function's ``recipe``
    ``(callable, args)``, so loading calls ``callable(*args)`` and gets the function back (a kernel may
    give a function making its recipe, when that costs work better done only for a pickle)."""

    def __init__(self, function: Callable):
        self.function = function

    def __reduce__(self) -> tuple:
        recipe = getattr(self.function, "recipe", None)
        if recipe is None:
            raise NotPicklableError(
                f"{getattr(self.function, '__name__', 'this kernel')} cannot be pickled: it has no recipe to "
                "make it again from")
        return recipe() if callable(recipe) else recipe  # a callable recipe is made when pickled


def portable(function: Callable) -> Any:
    """``function`` as something that pickles: itself when it does (a :class:`CompiledFunction`), else a
    stand-in that pickles as its ``recipe`` (a generated kernel or a wrapper of one)."""
    return function if isinstance(function, CompiledFunction) else _Portable(function)
