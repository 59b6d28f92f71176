"""Residuals for least squares: ``fun`` and ``jac`` for ``scipy.optimize.least_squares`` from one compile.

:func:`residuals` takes a list of texts (one residual each) or one template
expanded per data point (``over=("k", 0, "m-1")``, the frontend's
:func:`~symgraph.frontend.parse.parse_over`), derives every residual's
gradient by the parameters in one Jacobian program
(:func:`~symgraph.derive.jacobian_program`), merges it with the residuals'
own program, and compiles the whole once
(:func:`~symgraph.backends.compile.compile_program` with ``vector=True``):
one kernel computes residuals and Jacobian together.  A template whose
copies are the first with its data elements moved is derived and compiled
once, for its first copy, and run over arrays of every copy's data
(:class:`~symgraph.backends.copies.CopiesKernel`): 10^4 residuals took 2.7 s
to derive and 2.1 s to compile copy by copy, and time grew with the copies.  The parameters come
as one vector, the other inputs are data (by position or name, an indexed
one as one array), as in ``value_and_grad(vector=True)``.

``least_squares`` calls ``fun(x)`` at every trial point and ``jac(x)`` at
the accepted ones, always right after ``fun`` at the same ``x``: so
:class:`Residuals` keeps the last point's results, and ``jac`` there costs no
second evaluation.  (A rejected trial still computes its Jacobian: one
kernel is simpler, and the Jacobian of a residual costs a small multiple of
its value.)
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .ad.modes import sweep_options
from .backends.compile import check_compile_options, compile_program
from .backends.copies import FirstCopy, copies_kernel, first_copy
from .backends.vector_forms import residual_function
from .binding import held_in_vector, held_names, positional_only_error
from .options import checked_options
from .real_values import as_array
from .derive import in_pattern_order, jacobian_program
from .errors import ArgumentError, GraphError, ParseError, counted, refusing, shown_names
from .export.display import with_graph_values
from .frontend.coerce import as_graph, held_without_elements, read_once, vector_inputs, wrt_names
from .frontend.parse import parse_over
from .ir.graph import Graph
from .ir.program import Program
from .matrices import check_entries
from .names import output_labels
from .sparse_derivative import refusing_call
from .sparsity import jacobian_sparsity


class Residuals:
    """Residuals ``r(theta; data)`` and their Jacobian, compiled together: ``.fun`` and ``.jac``.

    ``fun(theta, *data, **data)`` returns the ``(m,)`` residuals and
    ``jac(theta, *data, **data)`` the ``(m, n)`` Jacobian (row i: the gradient
    of residual i by ``wrt``, in order); calling the object returns both.
    Both share one compiled function and the last point's results (the
    same ``theta``, equal bytes, and the same data arrays holding the same
    bytes).

    Attributes
    ----------
    graph : Graph
        The residuals' graph (one output per residual).
    wrt : tuple of str
        The parameters, in the vector's order (``w`` stands for every ``w[j]``).
    data : tuple of str
        The data inputs, in their positional order.
    program : Program
        Residuals and Jacobian as one straight-line program (for a template whose
        copies are its first moved along the data, the first residual's, run over arrays).
    function : callable
        The compiled ``f(theta, *data) -> (residuals, jacobian)``.
    pattern : scipy.sparse CSR matrix or None
        With ``sparse=True``: the Jacobian's fixed structural pattern (``jac_sparsity``).
    evaluations : int
        How many times the program ran (a cached point does not count).
    """

    def __init__(self, graph: Any, wrt: Sequence[str], program: Program, function: Callable,
                 pattern: Any = None):
        self.graph = graph
        self.pattern = refusing_call(pattern) if pattern is not None else None
        self.wrt = refusing(tuple(wrt), "res.wrt")  # called as methods, these say to drop the ()
        self._held = frozenset(held_names(wrt))  # the names whose values the vector holds, for messages
        self.program = program
        self.function = function
        self.data = refusing(tuple(getattr(function, "data", ())), "res.data")
        self.evaluations = refusing(0, "res.evaluations")
        self._last: tuple | None = None
        signature = function.__signature__
        self.__signature__ = signature  # inspect.signature(res) as of fun and jac: the vector, then the data
        self._vector = tuple(signature.parameters)[:1]  # the vector's name in the signature, for messages
        #: whether the signature lets the vector come by name (no data: ``(x)``; beside data it is ``(x, /, ...)``):
        #: ``res.fun(x=theta)`` was refused as a positional-only argument while ``inspect.signature`` said ``(x)``
        self._by_name = bool(self._vector) and \
            signature.parameters[self._vector[0]].kind is not signature.parameters[self._vector[0]].POSITIONAL_ONLY

        self.__wrapped__ = function  # inspect.getsource(res), of res.fun and res.jac too: the generated code
        self.fun, self.jac = _Part(self, "fun", signature), _Part(self, "jac", signature)

    def __reduce__(self) -> tuple:
        """Pickled as what it is made of (for a cluster's workers or a process pool): ``fun`` and ``jac``
        are made again; the cached point and the count start afresh."""
        return Residuals, (self.graph, self.wrt, self.program, self.function, self.pattern)

    def __call__(self, /, *args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
        residuals, jacobian = self._evaluate("residuals", args, kwargs)
        return residuals.copy(), jacobian.copy()

    def _evaluate(self, name: str, args: tuple, kwargs: dict) -> tuple[np.ndarray, np.ndarray]:
        """The compiled function's results at the point ``args[0]`` and the data after it, reused when it is
        the last point: the same vector bytes and the same data objects holding the same bytes (a buffer
        refilled in place between two fits, the second warm-started at the first's solution, is new data).
        ``name`` is the function the user called, for the error of a call without the vector."""
        if not args:  # the vector: positional only beside data, else by name too, as the signature says
            if self._by_name and self._vector[0] in kwargs:
                kwargs = dict(kwargs)
                args = (kwargs.pop(self._vector[0]),)
            else:
                held = next((key for key in kwargs if key in self._held), None)  # fun(a=..., y=...): a is in it
                if held is not None:
                    raise held_in_vector(name, held)
                raise positional_only_error(name, self._vector, args, kwargs, tuple(self.__signature__.parameters)[1:])
        array, args = as_array("the vector", args[0]), args[1:]
        key = (array.dtype.str, array.shape, array.tobytes())
        data = (*args, *(kwargs[k] for k in sorted(kwargs)))  # keywords in one order, whatever order they came in
        last = self._last
        if (last is not None and last[0] == key and len(last[1]) == len(args) and last[2].keys() == kwargs.keys()
                and all(a is b for a, b in zip(last[1], args)) and all(kwargs[k] is last[2][k] for k in kwargs)
                and last[4] is not None and last[4] == _contents(data)):
            return last[3]
        try:
            result = self.function(array, *args, **kwargs)
        except GraphError as error:  # worded by the compiled function: named as the user called it
            said = f"{self.function.__name__}()"
            if said not in str(error) or type(error) not in (GraphError, ArgumentError):
                raise
            raise type(error)(str(error).replace(said, f"{name}()", 1)) from None
        self.evaluations = refusing(self.evaluations + 1, "res.evaluations")
        self._last = (key, args, dict(kwargs), result, _contents(data))
        return result

    @property
    def shape(self) -> tuple[int, int]:
        """The Jacobian's shape: (residuals, parameters)."""
        return refusing((len(self.graph.outputs), len(self.wrt)), "res.shape")

    def __repr__(self) -> str:
        m, n = self.shape
        data = f"; data ({shown_names(self.data)})" if self.data else ""
        return f"<Residuals: {counted(m, 'residual')} of {counted(n, 'parameter')} ({', '.join(self.wrt[:5])}{', ...' if n > 5 else ''}){data}>"


class _Part:
    """``Residuals.fun`` or ``Residuals.jac``: one of the two results of the shared evaluation.

    A class rather than a closure so that it pickles on its own, as a bound method does (a process pool
    or ``dask.distributed`` sends ``least_squares``'s ``fun`` and ``jac`` one by one): with its Residuals,
    taken again from it on loading.
    """

    def __init__(self, owner: Residuals, which: str, signature: Any):
        self.owner, self.which = owner, which
        self.__name__ = self.__qualname__ = which
        self.__signature__ = signature
        self.__wrapped__ = owner.function
        wrt = owner.wrt
        self.__doc__ = (f"The {'residuals' if which == 'fun' else 'Jacobian'} at the parameter vector theta "
                        f"({', '.join(wrt[:5])}{', ...' if len(wrt) > 5 else ''}) and the data; generated by symgraph.")

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        return self.owner._evaluate(self.which, args, kwargs)[0 if self.which == "fun" else 1].copy()

    def __reduce__(self) -> tuple:
        return getattr, (self.owner, self.which)

    def __repr__(self) -> str:
        return f"<{self.which} of {self.owner!r}>"


def _contents(values: tuple) -> tuple | None:
    """What the data ``values`` hold, to tell a refilled buffer from the data it held: each NumPy array's
    dtype, shape and bytes, each number itself; None (never reused) for anything else, such as a list."""
    out = []
    for v in values:
        if isinstance(v, np.ndarray):
            out.append((v.dtype.str, v.shape, v.tobytes()))
        elif isinstance(v, (int, float, np.number)):
            out.append(v)
        else:
            return None
    return tuple(out)


def _template_hint(f: Any, sizes: dict) -> Any:
    """``as_graph(f, **sizes)``; a text whose unbound index reads as a template says how to expand it (``over=``)."""
    try:
        return as_graph(f, **sizes)
    except ParseError as error:
        if not isinstance(f, str) or "is not a size or an index" not in error.reason:
            raise
        word = error.reason.split("'")[1]
        raise ParseError(f"{error.reason}; for one residual per {word}, give over=({word!r}, first, last)",
                         error.text, error.position) from None


@checked_options
def residuals(f: Any, wrt: Sequence[str] | str, *, over: tuple | None = None, mode: str = "auto",
              limit: int | None = None, backend: str = "numpy", sparse: bool = False, progress: Any = None, allow_unused: bool = False,
              **sizes: Any) -> Residuals:
    """Residuals and their Jacobian by the parameters ``wrt``, compiled once for ``scipy.optimize.least_squares``.

    Parameters
    ----------
    f : str, list of str, sympy expressions or Graph
        The residuals: a list of texts (one residual each), a multi-output
        graph, or with ``over`` one text template.
    wrt : list of names
        The parameters, the vector ``theta`` in this order; an indexed input's
        name stands for all its elements (``"w"``: ``w[0], w[1], ...``).
        Every other input is data.
    over : ("k", first, last) or a list of the three, optional
        Expand the template ``f`` into one residual per ``k = first, ..., last``
        (both included); ``k`` is bound in each copy as a size is, and the
        bounds are integers or text computed from the sizes (``"m-1"``).  When
        each copy is the first with its data elements moved (``y[k]``,
        ``t[k+1]``), only the first is derived and compiled, and run over
        arrays of every copy's data (``.program`` is the first residual's).
    mode : {"auto", "forward", "reverse", "paths", "elimination"}
        How the Jacobian is derived (the results are equal); ``"auto"`` picks
        forward or reverse by counting on the graph (few parameters and many
        residuals: forward).
    limit : int, optional
        The most paths ``mode="paths"`` enumerates, as for :func:`symgraph.grad`.
    backend : {"numpy", "vm", "numba"}
        As in :func:`symgraph.lambdify`.
    sparse : bool
        Derive only the Jacobian's structural nonzeros
        (:func:`symgraph.jacobian_sparsity`), and return it as a
        ``scipy.sparse`` CSR matrix of that fixed pattern (``.pattern``), as
        ``least_squares`` takes it for problems with many parameters.
    progress : None, bool or callable(done, total)
        Reports on long derivations and compilations.
    allow_unused : bool
        Say that ``wrt`` may name variables absent from the residuals (their
        Jacobian columns are 0).
    **sizes
        The text's sizes (``m=200``), as in :func:`symgraph.parse`.

    Returns
    -------
    Residuals
        ``.fun(theta, *data, **data) -> (m,) ndarray`` and
        ``.jac(theta, *data, **data) -> (m, n) ndarray`` (a CSR matrix with
        ``sparse=True``), sharing one compiled function and the last point's
        results.

    Raises
    ------
    GraphError
        When a ``wrt`` name is not an input (or two stand for one input); at a
        call, when ``theta`` is not a vector of ``n`` values or a data array's
        shape does not match its indices.
    ArgumentError
        At a call, for missing or unexpected data arguments; for a bad ``over``.
    ExpressionTooLargeError
        Without ``sparse=True``, for a Jacobian of more than a million entries.

    Examples
    --------
    >>> import numpy as np
    >>> res = residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, "m-1"), m=3)
    >>> res
    <Residuals: 3 residuals of 2 parameters (a, b); data (y, t)>
    >>> t, y = np.array([0.0, 1.0, 2.0]), np.array([2.0, 1.0, 0.5])
    >>> res.fun([2.0, np.log(2)], y, t)
    array([0., 0., 0.])
    >>> res.jac([2.0, np.log(2)], y=y, t=t)
    array([[-1.  ,  0.  ],
           [-0.5 ,  1.  ],
           [-0.25,  1.  ]])
    """
    wrt = read_once(wrt)
    if over is not None:
        _index_not_in_wrt(over, wrt)
    graph = parse_over(f, over, **sizes) if over is not None else _template_hint(f, sizes)
    names = wrt_names(graph, wrt, allow_unused)
    held = held_without_elements(graph, wrt)
    theta = vector_inputs(graph, names, "residuals()", held)
    options = sweep_options(mode, "markowitz", limit)  # the options checked before any work
    check_compile_options(backend=backend, vector=True, progress=progress)
    if not sparse:  # as sg.jacobian's: a dense one past a million entries is minutes of zeros
        check_entries(len(graph.outputs), len(names), "Jacobian", "sg.residuals(..., sparse=True)",
                      "its .jac gives scipy.sparse CSR matrices")
    pattern = jacobian_sparsity(graph, names, allow_unused=True) if sparse else None
    doc = (f"{counted(len(graph.outputs), 'residual')} and the Jacobian with respect to ({', '.join(names[:5])}"
           f"{', ...' if len(names) > 5 else ''}); generated by symgraph.")
    one = first_copy(graph, theta, held, pattern) if graph.copies is not None and graph.copies.join is None else None
    if one is not None:
        program, function = _over_copies(graph, names, theta, held, one, mode, options, backend, progress, doc,
                                         pattern)
        return Residuals(graph, names, program, function, pattern)
    jacobian, _ = jacobian_program(graph, names, mode, progress, sparse=sparse, **options)
    if pattern is not None:  # the stored entries in CSR order
        jacobian = in_pattern_order(jacobian, pattern, output_labels(graph), names)
    program = _with_residuals(graph, jacobian)
    function = compile_program(program, name="residuals", returns=(tuple(program.results)[:len(graph.outputs)],
                                                                   tuple(jacobian.results)),
                               doc=doc, vector=True, theta=theta, held=held, backend=backend, pattern=pattern,
                               progress=progress, entries=names)
    return Residuals(graph, names, program, function, pattern)


def _index_not_in_wrt(over: Any, wrt: Any) -> None:
    """An ArgumentError when ``over``'s index is also a ``wrt`` name: each copy binds the index to its number,
    so that parameter would be in no residual (a zero Jacobian column, said only as an unused-wrt warning)."""
    index = over[0] if isinstance(over, (tuple, list)) and over else None
    names = [wrt] if isinstance(wrt, str) else wrt if isinstance(wrt, (list, tuple)) else ()
    if isinstance(index, str) and any(str(name) == index for name in names):
        raise ArgumentError(f"over=: the index {index!r} is also in wrt; in each residual {index} is that "
                            f"residual's number, not a parameter: name the index or the parameter differently")


def _with_residuals(graph: Graph, jacobian: Program) -> Program:
    """One program of ``graph``'s outputs (``<residual i>``) and ``jacobian``'s results, sharing their work."""
    return with_graph_values(graph, jacobian, {f"<residual {i}>": y for i, y in enumerate(graph.outputs)})


def _over_copies(graph: Graph, names: Sequence[str], theta: Sequence[str | None], held: Sequence[str],
                 one: FirstCopy, mode: str, options: dict, backend: str, progress: Any, doc: str,
                 pattern: Any) -> tuple[Program, Callable]:
    """The first residual's program and the residuals' function evaluating it over arrays of every residual's
    data elements (:class:`~symgraph.backends.copies.CopiesKernel`), bound as the one-by-one function is."""
    jacobian, _ = jacobian_program(one.graph, names, mode, progress, **options)
    program = _with_residuals(one.graph, jacobian)
    kernel, source, data, shapes = copies_kernel(graph, one, program, theta, held, backend=backend, name="residuals",
                                                 doc=doc, progress=progress)
    function = residual_function(kernel, theta, len(graph.outputs), name="residuals", doc=doc, source=source,
                                 data=data, shapes=shapes, labels=names, pattern=pattern)
    return program, function
