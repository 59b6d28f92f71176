"""THE compile entry point: a Program as a function, on any backend (:func:`compile_program`).

Every compiler of the API (``sg.lambdify``, ``Gradient.lambdify``,
``sg.value_and_grad``) comes here, so each takes the same options.  A backend
makes a *kernel* (inputs positionally, the flat tuple of results):
:func:`~symgraph.backends.numpy.numpy_kernel` or
:func:`~symgraph.backends.vm.vm_kernel` or
:func:`~symgraph.backends.numba.numba_kernel`; ``chunk=N`` wraps it in
:func:`~symgraph.backends.chunk.chunked_kernel`; then
:mod:`symgraph.backends.runtime` puts the one argument binder in front and
lays the results out, the same way for every backend.

Examples
--------
>>> import symgraph as sg
>>> g = sg.grad("a*b + a", wrt=["a", "b"])
>>> f = compile_program(g.program, returns=("a", "b"), args=["b", "a"])
>>> f(3.0, a=[1.0, 2.0])
(array([4., 4.]), array([1., 2.]))
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import sympy

from ..binding import positional_order
from ..errors import ArgumentError, GraphError, closest_name, shown
from ..progress import check_progress, paused_gc
from .chunk import checked_chunk, chunked_kernel
from .numba import numba_kernel
from .numpy import numpy_kernel
from .registered import used_functions
from .vm import NumpyFallback, vm_kernel
from .runtime import (EMPTY, Layout, array_parameters, compiled_function, flat_labels, residual_function, results_function,
                      vector_function)

#: the backends ``backend=`` names
BACKENDS = ("numpy", "vm", "numba")


def compile_program(program: Any, *, name: str = "f", returns: Layout | None = None, doc: str | None = None,
                    args: Sequence[str] | None = None, vector: bool = False, theta: Sequence[str] | None = None,
                    backend: str = "numpy", pattern: Any = None,
                    chunk: int | None = None, parallel: bool = False, xp: Any = None,
                    progress: Any = None, entries: Sequence[str] | None = None,
                    held: Sequence[str] = ()) -> Callable:
    """``program`` as a function, on any backend, with one argument binder.

    Parameters
    ----------
    program : Program
        What to compute.
    name, doc : str
        The function's name and docstring.
    returns : result label or nested tuple of labels, optional
        What to return: a label returns that result, a tuple a tuple (nested
        as given; a label may repeat).  Default: the tuple of every result.
    args : list of str, optional
        The positional order: a permutation of ``program.inputs`` (default:
        ``program.inputs``; see :func:`symgraph.binding.positional_order`).
    vector : bool
        Take one 1-D vector of the ``theta`` inputs (default: every input),
        then the other inputs as data (by position or name, an indexed one as
        one array); ``returns`` must be ``(value_label, (grad_labels...))``
        and the function returns ``(float, 1-D ndarray)``, or
        ``((residual_labels...), (jacobian_labels...))`` (the Jacobian row by
        row) and it returns ``((m,) ndarray, (m, n) ndarray)``, or a flat tuple
        of labels and it returns their values as one 1-D float ndarray (a
        matrix's entries, ``DerivativeMatrix.lambdify(vector=True)``).
    pattern : scipy.sparse matrix, optional
        With ``vector=True`` and residuals: the Jacobian's fixed structural
        pattern; the Jacobian labels are its stored entries in CSR order and
        the function returns the Jacobian as a CSR matrix of that pattern.
    theta : list of input nodes, optional
        With ``vector=True``: the inputs the vector holds, in its order.
    entries : list of str, optional
        With ``vector=True``: the user's names of the vector's entries, for
        messages (a flat ``returns`` or residuals; an entry no input reads has
        no other name).
    held : list of str, optional
        With ``vector=True``: the indexed inputs without elements that the
        vector holds (in no entry), which are therefore no data parameter
        (:func:`symgraph.frontend.coerce.held_without_elements`).
    backend : {"numpy", "vm", "numba"}
        Generated NumPy code (:mod:`symgraph.backends.numpy`), the program as
        data for one compiled virtual machine (:mod:`symgraph.backends.vm`; needs
        numba, no compile wait per function, fast single points; a function
        called at single points thousands of times then compiles itself to
        native code, :mod:`symgraph.backends.native`, and so does one whose
        batches have held enough points, :mod:`symgraph.backends.vm_batch`), or one
        compiled loop over points (:mod:`symgraph.backends.numba`; needs numba).
    chunk : int, optional
        Evaluate at most ``chunk`` points at a time (:mod:`symgraph.backends.chunk`).
    parallel : bool
        Spread the points over numba's threads (``backend="numba"`` only).
    xp : module, optional
        The NumPy backend's array namespace (default: chosen per call).  Not
        with ``vector=True`` (an :class:`ArgumentError`): a vector form
        computes one point in NumPy for an optimiser, which passes NumPy
        vectors and needs NumPy numbers back.
    progress : None, bool or callable(done, total)
        See :mod:`symgraph.progress`.
    """
    check_compile_options(backend=backend, chunk=chunk, parallel=parallel, xp=xp, vector=vector, progress=progress)
    with paused_gc():  # every backend builds many small objects and no cycles: see paused_gc
        return _compiled(program, name=name, returns=returns, doc=doc, args=args, vector=vector, theta=theta,
                         backend=backend, pattern=pattern, chunk=chunk, parallel=parallel, xp=xp, progress=progress,
                         entries=entries, held=held)


def check_compile_options(*, backend: Any = "numpy", chunk: Any = None, parallel: Any = False, xp: Any = None,
                          vector: bool = False, progress: Any = None) -> None:
    """The options of a compile checked on their own, before any work: an :class:`ArgumentError` or
    :class:`GraphError` naming the one that cannot be.

    Why one function, called first by :func:`compile_program` and by the API calls that derive before they
    compile (``sg.lambdify``, ``sg.value_and_grad``, ``sg.hessp``, ``sg.residuals``): these options need
    no program, and checked after the derivation a typo such as ``chunk=0`` or ``backend="nmuba"`` was
    reported only after it (22 s for ``value_and_grad`` of Rosenbrock at n = 30,000).
    """
    if xp is not None and not (isinstance(getattr(xp, "__name__", None), str) and callable(getattr(xp, "asarray", None))):
        meant = ""  # lambdify's first parameter is xp: g.lambdify(["x", "y"]) or g.lambdify("numba") meant another
        if isinstance(xp, (list, tuple)) and xp and all(isinstance(a, str) for a in xp):
            meant = f"; the inputs' positional order is the keyword args= (args={shown(list(xp))})"
        elif isinstance(xp, str) and xp in BACKENDS[1:]:  # "numpy" means the module, as the message says
            meant = f"; a backend is the keyword backend= (backend={xp!r})"
        raise ArgumentError(f"xp= takes an array namespace, the module itself (xp=numpy, dask.array or cupy), got "
                            f"{type(xp).__name__} {shown(xp)}{meant}")
    check_progress(progress)  # here too: the VM reports nothing, and an empty program has nothing to report
    if vector:
        if chunk is not None:
            raise ArgumentError("vector=True evaluates one point: chunk= does not apply")
        if parallel:  # numba's threads split points; one point was compiled in parallel for nothing
            raise ArgumentError("vector=True evaluates one point: parallel= does not apply (it splits the points "
                                "of a batch over numba's threads)")
        if xp is not None and xp is not np:
            raise ArgumentError(
                f"vector=True evaluates one point for an optimiser, in NumPy: xp={xp.__name__} does not apply "
                "(scipy.optimize passes a NumPy vector and reads NumPy numbers back, and a point's work is too "
                "small to split into tasks); for arrays of points in Dask or CuPy, compile without vector=True")
    if not isinstance(backend, str) or backend not in BACKENDS:  # an array compared is no bool
        raise ArgumentError(f"unknown backend {shown(backend)}{_backend_hint(backend)}; choose 'numpy', 'vm' or "
                            "'numba'")
    if backend == "numba" and xp is not None and xp is not np:
        raise ArgumentError("backend='numba' takes no xp= (it runs Dask and CuPy inputs through the NumPy "
                            "backend's code, block by block); xp= applies to backend='numpy' and 'vm'")
    if parallel and backend != "numba":
        raise ArgumentError("parallel=True needs backend='numba'")
    if chunk is not None:
        checked_chunk(chunk)


def _backend_hint(backend: Any) -> str:
    """What an unknown ``backend=`` most likely meant: an array library is ``xp=``, a misspelling its backend."""
    if not isinstance(backend, str):
        return ""
    if backend.strip().lower() in ("dask", "dask.array", "cupy"):
        module = "dask.array" if backend.strip().lower().startswith("dask") else "cupy"
        return f" (an array library is the keyword xp=: xp={module}, with backend='numpy' or 'vm')"
    meant = closest_name(backend.strip(), BACKENDS)
    return f" (did you mean {meant!r}?)" if meant is not None else ""


def _compiled(program: Any, *, name: str, returns: Layout | None, doc: str | None, args: Sequence[str] | None,
              vector: bool, theta: Sequence[str] | None, backend: str, pattern: Any, chunk: int | None,
              parallel: bool, xp: Any, progress: Any, entries: Sequence[str] | None,
              held: Sequence[str]) -> Callable:
    """:func:`compile_program`'s work, with the garbage collector paused."""
    returns = tuple(program.results) if returns is None else returns
    labels = flat_labels(returns)
    graph = getattr(program, "graph", None)
    if EMPTY in labels and EMPTY not in program.results:  # the 0 an empty Stack reads (see Stack)
        program = type(program)(program.inputs, program.instructions, {**program.results, EMPTY: sympy.Integer(0)},
                                graph, program.unused, program.discardable)
    unused = frozenset(getattr(program, "unused", ()))  # a set: 100,000 unused wrt names were a quadratic scan
    if unused and vector:  # a wrt name the function never reads is a vector entry (None in theta), not data
        program = type(program)([x for x in program.inputs if x not in unused], program.instructions,
                                program.results, graph)
        unused = frozenset()
    elif unused and args is not None:  # args need not list them: they come last, and may be left out
        args = [args] if isinstance(args, str) else args
        if isinstance(args, (list, tuple)):
            listed = set(args)
            args = [*args, *(u for u in program.unused if u not in listed)]
    params = graph.parameters(program.inputs) if graph is not None and graph.indexed else []
    arrays = any(elements is not None for _, elements in params)  # an indexed input is one array parameter
    data: list = []
    if vector:
        theta = tuple(program.inputs if theta is None else theta)  # None: a vector entry no input reads
        vector_inputs = set(theta)
        rest = [x for x in program.inputs if x not in vector_inputs]
        data = graph.parameters(rest, held) if graph is not None else [(x, None) for x in rest]
        order = tuple(t for t in theta if t is not None) + _expanded(data)
    elif arrays:
        by_name = dict(params)
        user_order = positional_order(list(by_name), args)
        order = _expanded([(name, by_name[name]) for name in user_order])
    else:
        order = positional_order(program.inputs, args)
    optional = 0  # the trailing run of names a call may leave out (by parameter: an array is one)
    named = user_order if arrays and not vector else order
    while optional < len(named) and named[len(named) - 1 - optional] in unused:
        optional += 1
    flat = isinstance(returns, tuple) and all(isinstance(label, str) for label in returns)
    if vector:
        if not (flat or isinstance(returns, tuple) and len(returns) == 2 and isinstance(returns[0], (str, tuple))
                and isinstance(returns[1], tuple)):
            raise GraphError("vector=True needs returns=(value_label, (grad_labels...)), "
                             "((residual_labels...), (jacobian_labels...)) or (labels...)")
    # a vector form runs at one point only, on scalars: no del lines (see generate's free=)
    kernel, source = backend_kernel(program, order, labels, backend=backend, name=name, doc=doc, parallel=parallel,
                                    xp=xp, progress=progress, free=not vector)
    if chunk is not None:
        kernel = chunked_kernel(kernel, chunk)
    shapes = {name: known.shape for name, known in graph.indexed.items()} if graph is not None else {}
    if vector and flat:
        return results_function(kernel, theta, name=name, doc=doc, source=source, data=data, shapes=shapes,
                                labels=entries)
    if vector and isinstance(returns[0], tuple):
        return residual_function(kernel, theta, len(returns[0]), name=name, doc=doc, source=source, data=data,
                                 shapes=shapes, labels=entries, pattern=pattern)
    if vector:
        return vector_function(kernel, theta, name=name, doc=doc, source=source, data=data, shapes=shapes,
                               labels=flat_labels(returns[1]))
    if arrays:  # (``order`` stays the kernel's: the VM's fallback reads it when first needed)
        kernel = array_parameters(kernel, [(name, by_name[name]) for name in user_order], shapes)
    return compiled_function(kernel, tuple(user_order) if arrays else order, name=name, doc=doc, source=source,
                             layout=returns, optional=optional, backend=backend,
                             parallel=bool(parallel))



def backend_kernel(program: Any, order: Sequence[str], labels: Sequence[str], *, backend: str, name: str,
                   doc: str | None = None, parallel: Any = False, xp: Any = None, progress: Any = None,
                   free: bool = True) -> tuple[Callable, str]:
    """``(kernel, source)``: ``backend``'s kernel of ``program``, inputs in ``order``, the flat results ``labels``
    (the VM's and numba's with the NumPy backend's as their fallback; ``free`` as in the NumPy backend's)."""
    if backend == "numba":
        return numba_kernel(program, order, labels, name=name, parallel=bool(parallel), progress=progress,
                            fallback=NumpyFallback(program, order, labels, name=name, doc=doc))
    if backend == "vm" and not used_functions(program.instructions) and (xp is None or xp is np):
        return vm_kernel(program, order, labels, name=name,
                         fallback=NumpyFallback(program, order, labels, name=name, doc=doc, xp=xp))
    return numpy_kernel(program, order, labels, name=name, doc=doc, xp=xp, progress=progress, free=free)


def _expanded(params: Sequence[tuple[str, Any]]) -> tuple[str, ...]:
    """The input nodes of :meth:`Graph.parameters`' list, in order (an indexed input's elements in index order)."""
    return tuple(node for name, elements in params
                 for node in ((name,) if elements is None else (n for _, n in elements)))
