"""Compiled Jacobians and Hessians: the functions a matrix's ``.lambdify()`` returns, and their shared kernel.

:class:`DenseFunction` returns ``(m, n, *batch)`` arrays; :class:`SparseFunction`
a ``scipy.sparse`` CSR matrix at a point, and its ``.data(...)``
(:class:`SparseData`) the nonzeros alone, ``(nnz, *batch)`` in the
pattern's order.  Each is a class so that it pickles with its kernel.  Apart
from the matrices (:mod:`symgraph.matrices`, :mod:`symgraph.sparse_derivative`):
the dense and the sparse forms compile through the one :func:`_compiled`.

``.lambdify(vector=True)`` takes what an optimiser passes instead: one 1-D
vector of the wrt values, then the other inputs as data (``hess(x, *args)`` of
``scipy.optimize.minimize``), as ``value_and_grad(vector=True)`` and
:func:`~symgraph.hessp` do -- the default form takes the inputs one by one in
first-appearance order, so a Hessian of ``a*x[0]^2 ...`` handed to ``minimize``
bound the point to ``a``.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
import sympy

from .backends.compile import compile_program
from .backends.runtime import is_dask, namespace_of
from .binding import signature_text
from .frontend.coerce import vector_inputs
from .errors import ArgumentError, GraphError, NotNumbersError, optional_module, refusing, shown_names
from .ir.program import Program

if TYPE_CHECKING:
    from .matrices import DerivativeMatrix
    from .sparse_derivative import SparseDerivative

#: the result label every compiled matrix adds for its zero entries (a fresh array of the batch shape)
ZERO = "0"


#: what a matrix of numbers has (a scipy.sparse matrix, an ndarray) that a matrix of closed forms lacks: asked of
#: one, the error says what gives its numbers (:func:`not_numbers`), where Python said only "no attribute"
NUMERIC_MEMBERS = frozenset({
    "toarray", "todense", "tocsr", "tocsc", "tocoo", "tolil", "todok", "tobsr", "todia", "A", "dtype", "astype",
    "getrow", "getcol", "count_nonzero", "eliminate_zeros", "sort_indices", "indices", "indptr", "ndim", "size",
    "nonzero", "dot", "multiply", "power", "sum", "mean", "max", "min", "argmax", "argmin", "diagonal", "trace",
    "transpose", "T", "H", "conj", "conjugate", "real", "imag", "reshape", "getnnz", "item", "tolist", "ravel",
    "flatten", "maximum", "minimum", "sign", "sqrt", "setdiag", "resize", "format", "has_sorted_indices"})


def user_inputs(graph: Any, program: Any) -> list[str]:
    """The names a point gives values to, as a user names them (an indexed input once, by its name), for a
    message's example call; a program's inputs when there is no graph."""
    if graph is not None:
        return [name for name, _ in graph.parameters(graph.input_nodes)]
    return list(program.inputs) if program is not None else []


def point_hint(inputs: "list[str] | tuple[str, ...]") -> str:
    """``x=..., y=...``: the inputs a point names, the first few, for a message's example call."""
    shown = [f"{name}=..." for name in list(inputs)[:3]]
    return ", ".join(shown + (["..."] if len(inputs) > 3 else []))


def not_numbers(what: str, var: str, asked: str, inputs: "list[str] | tuple[str, ...]", at_gives: str,
                also: str = "") -> NotNumbersError:
    """The error of what a matrix of numbers has (``.toarray()``, ``.dtype``), ``asked`` ("it has no .toarray") of
    ``what``, a matrix of closed forms called ``var`` in the message: its numbers at a point are ``var.at(...)``
    (``at_gives``), and at many points ``var.lambdify()``; ``also`` adds what else fits ("; S.to_sympy() ...")."""
    return NotNumbersError(f"{what} holds closed forms, not numbers: {asked}; its numbers at a point "
                           f"are {var}.at({point_hint(inputs)}) ({at_gives}), and {var}.lambdify() is a function of "
                           f"the inputs ({shown_names(inputs, 5) or 'none'}) returning them{also}")


class DenseFunction:
    """A compiled dense Jacobian or Hessian: ``f(*inputs) -> ndarray (m, n, *batch)``, each entry's result
    gathered from the kernel's distinct results (``_index``, row by row), the zero entries from one 0.

    A kernel that writes every result into one array (the VM) is read with
    one fancy index: a Hessian's results are not first made a view each and
    stacked again.  Other kernels' results (NumPy, Dask, CuPy) are stacked in
    their namespace, once per distinct result, and gathered with the same
    index (stacking an array per entry took 1.3 s for a dense 1,000 x 1,000
    Hessian at one point).  A class, so that the function pickles with its kernel.
    """

    def __init__(self, kernel: Callable, index: np.ndarray, shape: tuple[int, int], vector: bool = False):
        self.kernel, self._index, self._vector = kernel, index, vector  # the layout, private: no property to call
        self.shape = refusing(tuple(shape), "f.shape")  # called as methods, these say to drop the ()
        self.__name__ = self.__qualname__ = kernel.__name__
        self.__doc__ = kernel.__doc__
        self.__wrapped__ = kernel  # inspect.getsource(f) shows the generated code, as a compiled function's does
        self.__signature__ = getattr(kernel, "__signature__", None)
        self.source = refusing(getattr(kernel, "source", None), "f.source")

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        if self._vector:  # one point: the kernel's results as one 1-D float64 array
            return _point_results(self.kernel, args, kwargs)[self._index].reshape(self.shape)
        stacked = self.kernel.array(*args, **kwargs)  # in the results' namespace (NumPy, Dask, CuPy)
        if stacked.__class__ is np.ndarray:
            return stacked[self._index].reshape(self.shape + stacked.shape[1:])
        xp = namespace_of((stacked,))
        if is_dask(xp):  # gathered in each block's task: in the graph, a fancy index and a reshape took
            return _gathered_blocks(stacked, self._index, self.shape)  # 270 tasks (60 x 60 Hessian, 4 blocks)
        return xp.reshape(stacked[self._index], self.shape + tuple(stacked.shape[1:]))

    def __repr__(self) -> str:
        return f"<compiled function {self.__name__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        return DenseFunction, (self.kernel, self._index, self.shape, self._vector)


def _gathered_blocks(stacked: Any, index: np.ndarray, shape: tuple[int, int]) -> Any:
    """A Dask array of results ``(results, *batch)`` as the matrix ``(m, n, *batch)`` of ``index``'s entries,
    one task per block of points."""
    import dask.array as da
    batch = tuple(f"b{k}" for k in range(stacked.ndim - 1))
    return da.blockwise(functools.partial(_gathered, index=index, shape=shape), ("m", "n") + batch,
                        stacked.rechunk({0: -1}), ("r",) + batch, new_axes={"m": shape[0], "n": shape[1]},
                        concatenate=True, dtype=stacked.dtype)


def _gathered(block: np.ndarray, index: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return block[index].reshape(shape + block.shape[1:])


def csr_of(pattern: Any, values: np.ndarray, instead: str) -> Any:
    """The CSR matrix of ``pattern`` holding ``values`` (its nonzeros in the pattern's order, one point); a batch
    of points is a GraphError that names ``instead``, the call that gives every point's nonzeros."""
    sparse = optional_module("scipy.sparse", "a CSR matrix (scipy.sparse)")
    if values.ndim != 1:
        raise GraphError(f"a CSR matrix holds one point; these inputs make a batch of shape "
                         f"{values.shape[1:]}: call {instead} for the nonzeros of every point")
    # its index arrays copied: a caller's in-place edit (eliminate_zeros) must not reach the pattern
    return sparse.csr_matrix((values, pattern.indices.copy(), pattern.indptr.copy()), shape=pattern.shape)


class SparseFunction:
    """A compiled sparse Jacobian or Hessian: ``f(*inputs)`` a CSR matrix at a point, ``f.data(*inputs)``
    the nonzeros ``(nnz, *batch)`` in ``f.pattern``'s order (a :class:`SparseData`).

    A class, so that it pickles with its kernel (for a process pool or a cluster's workers), as
    :class:`DenseFunction` does.
    """

    def __init__(self, kernel: Callable, order: np.ndarray, pattern: Any, vector: bool = False):
        self.kernel, self._order, self.pattern, self._vector = kernel, order, pattern, vector
        # as a compiled dense matrix's f.shape (its absence was Python's bare AttributeError), and the count of
        # f.data(...)'s rows; called as methods, they say to drop the ()
        self.shape = refusing(tuple(pattern.shape), "f.shape")
        self.nnz = refusing(int(pattern.nnz), "f.nnz")
        self.data = SparseData(kernel, order, vector)
        self.__name__ = self.__qualname__ = kernel.__name__
        self.__doc__ = kernel.__doc__
        self.__wrapped__ = kernel  # inspect.getsource(f) shows the generated code, as a compiled function's does
        self.__signature__ = self.data.__signature__
        self.source = refusing(getattr(kernel, "source", None), "f.source")  # called, it says to drop the ()

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        return csr_of(self.pattern, self.data(*args, **kwargs), ".data(...)")

    def __repr__(self) -> str:
        return f"<compiled function {self.__name__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        return SparseFunction, (self.kernel, self._order, self.pattern, self._vector)


class SparseData:
    """``f.data(*inputs)`` of a :class:`SparseFunction`: the nonzeros ``(nnz, *batch)`` in the pattern's order
    (the VM's result array as it is, other kernels' results stacked, then gathered by ``_order``).

    A callable of its own rather than a method, so that it carries the kernel's real signature (a method's
    was ``(*args, **kwargs)``) and pickles on its own, as every compiled function does.
    """

    def __init__(self, kernel: Callable, order: np.ndarray, vector: bool = False):
        self.kernel, self._order, self._vector = kernel, order, vector
        self.__name__, self.__qualname__ = "data", f"{kernel.__name__}.data"
        self.__doc__ = kernel.__doc__
        self.__wrapped__ = kernel
        self.__signature__ = getattr(kernel, "__signature__", None)

    def __call__(self, /, *args: Any, **kwargs: Any) -> np.ndarray:
        if self._vector:
            return _point_results(self.kernel, args, kwargs)[self._order]
        return self.kernel.array(*args, **kwargs)[self._order]

    def __repr__(self) -> str:
        return f"<compiled function {self.__qualname__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        return SparseData, (self.kernel, self._order, self._vector)


def _with_zero(program: Program, labels: Sequence[str]) -> Program:
    """The program's ``labels`` plus the constant 0 under :data:`ZERO`."""
    results = {label: program.results[label] for label in labels}
    results[ZERO] = sympy.Integer(0)
    return Program(program.inputs, program.instructions, results, program.graph, program.unused)


def _compiled(matrix: "DerivativeMatrix | SparseDerivative", labels: Sequence[str], doc: str,
              vector: bool, options: dict) -> Callable:
    """The kernel of a matrix's ``labels`` (then :data:`ZERO`): the inputs one by one, or with ``vector=True``
    the wrt vector and the data at one point (read by :func:`_point_results`).  Named ``hessian`` or
    ``jacobian``, as its messages name it (``hessian() missing 1 required positional argument``)."""
    name = "hessian" if matrix.order == 2 else "jacobian"
    program = _with_zero(matrix.program, labels)
    returns = tuple(labels) + (ZERO,)
    if not vector:
        return compile_program(program, name=name, returns=returns, doc=doc, **options)
    graph = matrix.graph
    if graph is None:
        raise GraphError("lambdify(vector=True) needs the matrix's function and wrt names; this matrix has none")
    if options.pop("args") is not None:
        raise ArgumentError("lambdify(vector=True) takes the vector in wrt order: args= does not apply")
    if options.pop("chunk") is not None:
        raise ArgumentError("lambdify(vector=True) evaluates one point: chunk= does not apply")
    theta = vector_inputs(graph, matrix.wrt, "lambdify(vector=True)", matrix.held,
                          "; lambdify() computes its empty array")
    return compile_program(program, name=name, returns=returns, doc=doc, vector=True, theta=theta,
                           held=matrix.held, entries=matrix.wrt, **options)


def _point_results(kernel: Callable, args: tuple, kwargs: dict) -> np.ndarray:
    """A vector kernel's results at one point, as one 1-D array of the working dtype (float32 for a float32
    vector and data, as ``value_and_grad(vector=True)``, ``hessp`` and ``H.lambdify()`` give; casting it to
    float64 dressed float32 values as float64 ones)."""
    return np.asarray(kernel(*args, **kwargs))
