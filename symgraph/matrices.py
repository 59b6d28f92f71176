"""Jacobians and Hessians that compile: a dense sympy Matrix with ``.lambdify()``, and a sparse matrix.

A :class:`DerivativeMatrix` is a sympy ``Matrix`` (its entries are the closed
forms) that keeps the program it came from, so ``.lambdify()`` compiles every
entry at once, sharing the work the entries share, into a function returning
one ndarray of shape ``(m, n, *batch)``.

A :class:`SparseDerivative` holds only the structural nonzeros: their
pattern (``scipy.sparse`` CSR, fixed), their program, and closed forms built on
request.  ``.lambdify()`` gives a function returning a CSR matrix at a point;
its ``.data(...)`` returns the nonzeros alone, ``(nnz, *batch)`` in the
pattern's order, for repeated calls and for batches, and ``.pattern`` is
that fixed pattern -- the form solvers such as IPOPT and ``trust-constr`` reuse.

``.lambdify(vector=True)`` takes what an optimiser passes instead: one 1-D
vector of the wrt values, then the other inputs as data (``hess(x, *args)`` of
``scipy.optimize.minimize``), as ``value_and_grad(vector=True)`` and
:func:`~symgraph.hessp` do -- the default form takes the inputs one by one in
first-appearance order, so a Hessian of ``a*x[0]^2 ...`` handed to ``minimize``
bound the point to ``a``.

A Hessian (``order == 2``) also keeps the graph it was taken of and its
wrt names, so that ``.latex()`` can name the function and the inputs
(:func:`symgraph.export.latex.hessian_latex`).
"""
from __future__ import annotations

from collections import Counter
from functools import partial
from itertools import chain, filterfalse
from operator import is_
from typing import Any, Callable, Sequence

import numpy as np
import sympy

from .backends.compile import compile_program
from .backends.runtime import namespace_of
from .binding import checked_options, signature_text
from .export.display import EXPAND_LIMIT, SHOW_ENTRIES, SHOW_LIMIT, SafeStrPrinter, check_size, listing
from .export.latex import hessian_latex
from .export.latex_matrices import matrix_latex
from .export.latex_printer import LatexPrinter
from .frontend.coerce import vector_inputs
from .errors import ArgumentError, EntryError, ExpressionTooLargeError, GraphError, shown
from .ir.emitter import ZERO as ZERO_REF, is_zero
from .ir.graph import Graph
from .ir.program import MAX_DEPTH, Program
from .ir.listing import count_text
from .ir.simplify import batch_level, normalise, simplify as simplify_expr
from .names import output_labels

#: a dense matrix prints as sympy prints it up to this many entries ...
PRINT_CELLS = 10_000
#: ... and this many operations in all the entries it writes (a mirrored entry is written twice).  sympy writes
#: about 30,000 products a second but only 3,000-10,000 sums (it orders each sum's terms): a 99 x 99 Hessian
#: of A[i, j] + A[j, i] entries, 9,801 operations, took 3 s
PRINT_OPS = 3_000

#: the most entries a dense Jacobian or Hessian is derived with; past it only ``sparse=True`` keeps the work in
#: proportion to the answer: the dense 3,000 x 3,000 Hessian of a sum of squares (3,000 nonzeros) took 58 s,
#: all of it labelling, deriving and storing 9 million entries (1,000 x 1,000: 3.4 s)
DENSE_ENTRIES = 1_000_000


def check_entries(rows: int, cols: int, what: str, instead: str) -> None:
    """Refuse, before deriving anything, a dense matrix of more than :data:`DENSE_ENTRIES` entries;
    ``instead`` names the sparse call (``.problem`` is the refusal alone, for the command line's own advice)."""
    if rows * cols > DENSE_ENTRIES:
        problem = (f"a dense {rows:,} x {cols:,} {what} has {rows * cols:,} entries, more than {DENSE_ENTRIES:,}")
        error = ExpressionTooLargeError(f"{problem}; {instead} derives only its structural nonzeros (its .lambdify() "
                                        "gives scipy.sparse CSR matrices; .toarray() makes one dense)")
        error.problem = problem
        raise error


#: the result label every compiled matrix adds for its zero entries (a fresh array of the batch shape)
ZERO = "0"


def _nonzero(ref: Any) -> bool:
    """True for a result that is computed (a name) or a constant other than 0."""
    return ref.__class__ is str or not is_zero(ref)


#: what :meth:`DerivativeMatrix.of` sets on a matrix, which a copy keeps
_KEPT = ("program", "cells", "order", "graph", "wrt", "held", "cost")


class DerivativeMatrix(sympy.MutableDenseMatrix):
    """A Jacobian or Hessian as a sympy Matrix; ``.lambdify()`` compiles it to ``(m, n, *batch)`` arrays.

    Only the matrix :meth:`of` made has a ``program``: one sympy derives from it (``2*H``, ``H.T``,
    ``H[:, 0]``) is of this class but has none, and an edit in place (``H[0, 0] = 0``, ``H.row_del(0)``)
    removes it, since the entries are no longer what the program computes; :meth:`lambdify` then says so
    and printing is sympy's.
    """

    program: Program  # set by of(); see the class docstring
    cells: list[list[str | None]]  # the program's result label for each entry, None for a structural 0
    #: 2 for a Hessian (whose ``graph`` and ``wrt`` :meth:`latex` names); matrices sympy derives from it are 1
    order: int = 1
    graph: Graph | None = None
    wrt: tuple[str, ...] = ()
    #: the indexed inputs without elements that wrt names: the vector form holds them (in no entry), not as data
    held: tuple[str, ...] = ()
    #: sg.jacobian's: the CostReport of the derivation, as ``gradient.cost`` (its ``.note`` says what
    #: mode="auto" chose and why); None for a matrix made otherwise
    cost: Any = None

    @classmethod
    @checked_options
    def of(cls, program: Program, cells: list[list[str | None]], simplify: Any = "fast", hint: str = "", *,
           order: int = 1, graph: Graph | None = None, wrt: Sequence[str] = (),
           held: Sequence[str] = ()) -> "DerivativeMatrix":
        """The matrix whose entry (i, j) is the closed form of ``program``'s result ``cells[i][j]``, simplified.

        The program's results are exactly the distinct labels of ``cells`` (``None`` marks an entry that is 0
        without one).  Every computed entry's size is checked first (:func:`check_size`, ``hint`` saying
        what to use instead), then each distinct entry is built once; constant entries (most of a large
        Hessian's are 0) are neither bounded nor simplified.  The matrix is made from its nonzeros, as
        sympy stores it: a dense 1,000 x 1,000 Hessian took 10 s through ``Matrix(rows)``, most of it
        spent comparing a million zeros.
        """
        results = program.results
        computed = [label for label in dict.fromkeys(chain.from_iterable(cells))
                    if label is not None and results[label].__class__ is str]
        program.measure(computed)  # every entry counted in one pass
        for label in computed:
            check_size(program, label, EXPAND_LIMIT, hint)
        total = sum(program.expanded_size(label) for label in computed)
        if total > EXPAND_LIMIT:  # each entry may pass alone: n^2 entries of n operations (a product's Hessian)
            shape = f"{len(cells)} x {len(cells[0]) if cells else len(wrt)}"
            problem = (f"the {len(computed):,} distinct entries of this {shape} matrix have {count_text(total)} "
                       f"operations written out together, more than {EXPAND_LIMIT:,}")
            error = ExpressionTooLargeError(f"{problem} (sympy would take minutes to build them); {hint} builds one "
                                            "entry anyway")
            error.problem = problem
            raise error
        how = batch_level(simplify, total)
        value = {}  # label, or id of a constant result -> its entry, or None for 0 (each compared with 0 once)
        for label in computed:
            entry = simplify_expr(program.closed_form(label), how, size=program.expanded_size(label))
            value[label] = entry if entry != 0 else None
        nonzero: dict[int, dict[int, sympy.Expr]] = {}
        for i, row in enumerate(cells):
            for j, label in enumerate(row):
                if label is None:
                    continue
                ref = results[label]
                key = label if ref.__class__ is str else id(ref)
                entry = value.get(key, value)
                if entry is value:
                    entry = program.closed_form(label)
                    entry = value[key] = entry if entry != 0 else None
                if entry is not None:
                    nonzero.setdefault(i, {})[j] = entry
        shape = (len(cells), len(cells[0]) if cells else len(wrt))  # no outputs: 0 x len(wrt)
        matrix = cls._from_nonzeros(shape, nonzero)
        matrix.program, matrix.cells = program, cells
        matrix.order, matrix.graph, matrix.wrt, matrix.held = order, graph, tuple(wrt), tuple(held)
        return matrix

    def __getitem__(self, key: Any) -> Any:
        """sympy's indexing (entries, slices, flat positions); an index out of range, or one that is no
        index (``H["x"]``: entries are by position, the names are ``.wrt``), is an
        :class:`~symgraph.errors.EntryError` saying the shape (still an IndexError), not sympy's bare
        ``Index out of range: a[5]``, TypeError, or ValueError (``H[0,]``, ``H[0, 0, 0]``: a tuple of one or
        three indices)."""
        try:
            return super().__getitem__(key)
        except (IndexError, TypeError, ValueError):
            m, n = self.shape
            raise EntryError(f"a {m}x{n} matrix has entries M[i, j] with -{m} <= i < {m} and -{n} <= j < {n} "
                             f"(or M[k] with -{m * n} <= k < {m * n}), got M[{shown(key, 40)}]") from None

    @classmethod
    def _from_nonzeros(cls, shape: tuple[int, int], nonzero: dict[int, dict[int, sympy.Expr]]) -> "DerivativeMatrix":
        """The matrix of these nonzero entries, stored as sympy stores any Matrix (its domain chosen as
        sympy's own constructor chooses it: ZZ or QQ for numbers only, else EXRAW)."""
        types = {type(entry) for row in nonzero.values() for entry in row.values()}
        if sum(map(len, nonzero.values())) < shape[0] * shape[1]:
            types.add(type(sympy.S.Zero))
        try:
            return cls._fromrep(cls._dod_to_DomainMatrix(*shape, nonzero, types))
        except AttributeError:  # a sympy without these (private) constructors: the public one
            rows, cols = shape
            return cls(rows, cols, lambda i, j: nonzero.get(i, {}).get(j, sympy.S.Zero))

    def __setitem__(self, key: Any, value: Any) -> None:
        """sympy's assignment, which also drops the program: every edit in place (``row_swap``, ``row_op``,
        ``copyin_matrix``, ...) is made of these or replaces sympy's storage (``row_del``, ``fill``)."""
        self.__dict__.pop("program", None)
        super().__setitem__(key, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_rep":  # sympy's storage replaced: the entries are not the program's any more
            self.__dict__.pop("program", None)
        super().__setattr__(name, value)

    @checked_options
    def copy(self) -> "DerivativeMatrix":
        """A copy with the same entries, so with the same program (an edit of one leaves the other's)."""
        copied = super().copy()
        copied.__dict__.update((k, v) for k, v in self.__dict__.items() if k in _KEPT)  # not sympy's own storage
        return copied

    @checked_options
    def simplify(self, **kwargs: Any) -> None:
        """sympy's in-place simplification, which keeps every entry's value, so the program stays."""
        kept = {k: self.__dict__[k] for k in ("program",) if k in self.__dict__}
        super().simplify(**kwargs)
        self.__dict__.update(kept)

    @checked_options
    def latex(self, aligned: bool = False, name: str | None = None, entries: bool = False,
              expand: bool = False) -> str:
        """A Hessian's LaTeX: ``\\nabla^2 f = \\begin{pmatrix} ... \\end{pmatrix}``, and with ``entries=True``
        one ``\\frac{\\partial^2 f}{\\partial x \\partial y} = ...`` line per entry on and above the diagonal
        (see :func:`~symgraph.export.latex.hessian_latex`); any other matrix prints as a ``pmatrix``."""
        if self.order == 2 and hasattr(self, "program"):
            return hessian_latex(self, aligned=aligned, name=name, entries=entries, expand=expand)
        return matrix_latex(self, expand=expand)

    def _repr_latex_(self) -> str | None:
        if self.order == 2 and hasattr(self, "program"):
            return "$\\displaystyle " + self.latex(aligned=True) + "$"
        if not self._printable():
            return None  # a notebook then shows the bounded text of __repr__
        return super()._repr_latex_()

    def _printable(self) -> bool:
        """True when sympy's own printers write every entry quickly: at most :data:`PRINT_CELLS` entries and
        :data:`PRINT_OPS` operations in all the cells it writes (counted on the program, never on the entries;
        an entry shown in two cells counts twice, as sympy writes it twice), none too deep."""
        program, cells = getattr(self, "program", None), getattr(self, "cells", None)
        if program is None or cells is None:  # a matrix sympy derived from this one: sympy prints it
            return True
        if self.rows * self.cols > PRINT_CELLS:
            return False
        written = Counter(label for row in cells for label in row if label is not None)  # label -> cells showing it
        program.measure(list(written))  # counted in one pass
        total = 0
        for label, times in written.items():
            total += times * program.expanded_size(label, PRINT_OPS + 1)
            if total > PRINT_OPS or program.expanded_depth(label) > MAX_DEPTH:
                return False
        return True

    def __repr__(self) -> str:
        """sympy's ``Matrix([...])`` when it prints quickly, else the size and the program's let-listing.

        Printing never blocks: a Jacobian or Hessian of thousands of entries, or
        of entries with thousands of operations each, would take sympy minutes.
        """
        return SafeStrPrinter().doprint(self) if self._printable() else self._listing()

    def __str__(self) -> str:
        if not self._printable():
            return self._listing()
        if 0 in self.shape:
            return super().__str__()
        text = SafeStrPrinter().doprint  # sympy's str, each entry as its repr (sstr), with any term order
        return "Matrix([" + ", ".join("[" + ", ".join(map(text, row)) + "]" for row in self.tolist()) + "])"

    def _listing(self) -> str:
        """The matrix's size and its first entries' program, with how to read an entry."""
        results = self.program.results
        # counted over the program's results, which are the distinct cells (see of()), sympy's 0 skipped in C;
        # a 1,000 x 1,000 Hessian's million cells are not walked: 1.1 s -> 0.02 s
        others = filterfalse(partial(is_, ZERO_REF), results.values())
        count = sum(map(_nonzero, others))
        first: dict[str, None] = {}
        for label in chain.from_iterable(self.cells):
            if len(first) == SHOW_ENTRIES:
                break
            if label is not None and label not in first and _nonzero(results[label]):
                first[label] = None
        what = "Hessian" if self.order == 2 else "matrix"
        head = (f"{type(self).__name__}: {self.rows}x{self.cols} {what}, {count:,} distinct nonzero "
                f"entr{'y' if count == 1 else 'ies'}, too large to print; the program of the first:")
        return (head + "\n" + listing(self.program, list(first))
                + "\n# M[i, j] is one entry's closed form; M.lambdify() computes them all; "
                  "sympy.Matrix(M) prints every entry")

    @checked_options
    def lambdify(self, xp: Any = None, *, args: Sequence[str] | None = None, backend: str = "numpy",
                 chunk: int | None = None, parallel: bool = False, progress: Any = None,
                 vector: bool = False) -> Callable:
        """Every entry in one compiled function: ``f(*inputs) -> ndarray (m, n, *batch)``.

        The options are those of :meth:`Gradient.lambdify` (``args`` fixes the
        positional order; an indexed input is one array).  With ``vector=True``:
        ``f(x, *data) -> ndarray (m, n)`` at one point, ``x`` the 1-D vector of
        the wrt values in their order and the other inputs data, as
        ``scipy.optimize.minimize(..., hess=f, args=data)`` calls it; computed
        in NumPy, so ``xp=`` (Dask, CuPy: for arrays of points) is an
        ArgumentError there.

        Examples
        --------
        >>> import symgraph as sg
        >>> hess = sg.hessian("a*x^2*y + y^3", wrt=["x", "y"]).lambdify(vector=True)
        >>> hess([1.0, 2.0], 3.0)
        array([[12.,  6.],
               [ 6., 12.]])
        """
        if not hasattr(self, "program"):
            raise GraphError(f"this {self.rows}x{self.cols} matrix has no program to compile: sympy made it from a "
                             "Jacobian or Hessian (2*H, H.T, H[:, 0]) or it was edited in place (H[0, 0] = ..., "
                             "H.row_del(0)), so its entries are not the ones derived; sg.lambdify(list(M)) "
                             "compiles its entries (one array each, row by row)")
        results = self.program.results
        # entries whose result is the constant 0 read the one ZERO result (most of a large Hessian's)
        labels = [label for label in dict.fromkeys(label for row in self.cells for label in row if label is not None)
                  if _nonzero(results[label])]
        kernel = _compiled(self, labels, "matrix", "A Jacobian or Hessian at the inputs, generated by symgraph.",
                           vector, dict(args=args, xp=xp, backend=backend, chunk=chunk, parallel=parallel,
                                        progress=progress))
        where = {label: k for k, label in enumerate(labels)}
        zero = len(labels)
        grid = [[zero if label is None else where.get(label, zero) for label in row] for row in self.cells]
        return DenseFunction(kernel, np.array(grid, dtype=np.intp).reshape(-1), (self.rows, self.cols), vector)


class DenseFunction:
    """A compiled dense Jacobian or Hessian: ``f(*inputs) -> ndarray (m, n, *batch)``, each entry's result
    gathered from the kernel's distinct results (``index``, row by row), the zero entries from one 0.

    A kernel that writes every result into one array (the VM) is read with
    one fancy index: a Hessian's results are not first made a view each and
    stacked again.  Other kernels' results (NumPy, Dask, CuPy) are stacked in
    their namespace, once per distinct result, and gathered with the same
    index (stacking an array per entry took 1.3 s for a dense 1,000 x 1,000
    Hessian at one point).  A class, so that the function pickles with its kernel.
    """

    def __init__(self, kernel: Callable, index: np.ndarray, shape: tuple[int, int], vector: bool = False):
        self.kernel, self.index, self.shape, self.vector = kernel, index, shape, vector
        self.__name__ = self.__qualname__ = "matrix"
        self.__doc__ = kernel.__doc__
        self.__signature__ = getattr(kernel, "__signature__", None)
        self.source = getattr(kernel, "source", None)

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        if self.vector:  # one point: the kernel's results as one 1-D float64 array
            return _point_results(self.kernel, args, kwargs)[self.index].reshape(self.shape)
        stacked = self.kernel.array(*args, **kwargs)  # in the results' namespace (NumPy, Dask, CuPy)
        if stacked.__class__ is np.ndarray:
            return stacked[self.index].reshape(self.shape + stacked.shape[1:])
        xp = namespace_of((stacked,))
        return xp.reshape(stacked[self.index], self.shape + tuple(stacked.shape[1:]))

    def __repr__(self) -> str:
        return f"<compiled function {self.__name__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        return DenseFunction, (self.kernel, self.index, self.shape, self.vector)


class SparseDerivative:
    """The structural nonzeros of a Jacobian or Hessian: ``pattern``, ``program`` and closed forms on request.

    ``labels[k]`` is the program's result for the k-th stored entry of
    ``pattern`` (CSR order); entries a Hessian mirrors share one label.
    """

    def __init__(self, pattern: Any, program: Program, labels: Sequence[str | None], names: Sequence[str], *,
                 order: int = 1, graph: Graph | None = None, held: Sequence[str] = ()):
        self.pattern = pattern
        self.program = program
        self.labels = list(labels)
        self.wrt = tuple(names)
        self.shape = pattern.shape
        self.order = order  # 2 for a Hessian
        self.graph = graph  # the function's graph, which latex() names
        self.held = tuple(held)  # as DerivativeMatrix.held

    @checked_options
    def latex(self, aligned: bool = False, name: str | None = None, expand: bool = False) -> str:
        """A Hessian's size and structural nonzeros on and above the diagonal, one
        ``\\frac{\\partial^2 f}{\\partial x \\partial y} = ...`` line each, bounded
        (see :func:`~symgraph.export.latex.hessian_latex`)."""
        if self.order == 2:
            return hessian_latex(self, aligned=aligned, name=name, expand=expand)
        return self._jacobian_latex(aligned)

    def _jacobian_latex(self, aligned: bool, shown: int = 36) -> str:
        """A sparse Jacobian's nonzeros, one ``\\frac{\\partial f}{\\partial x} = ...`` line each (at most ``shown``)."""
        printer = LatexPrinter({})
        printer.graph = self.graph
        outputs = output_labels(self.graph) if self.graph is not None else ()
        rows, cols = self.pattern.nonzero()
        sep = " &= " if aligned else " = "
        lines = [rf"{self.shape[0]} \times {self.shape[1]} \text{{ Jacobian, {self.nnz:,} structural nonzeros}}"]
        for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist())):
            if k == shown:
                lines.append(rf"\text{{... and {len(rows) - shown:,} more}}")
                break
            label = self.labels[k]
            small = label is not None and self.program.expanded_size(label) <= SHOW_LIMIT
            entry = printer.doprint(self.program.closed_form(label)) if small else rf"\text{{{label}}}"
            f = outputs[i] if i < len(outputs) else f"f_{{{i}}}"
            lines.append(printer.partial(f, self.wrt[j]) + sep + entry)
        return ("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}") if aligned else "\n".join(lines)

    def _repr_latex_(self) -> str | None:
        return "$\\displaystyle " + self.latex(aligned=True) + "$"

    @property
    def nnz(self) -> int:
        return int(self.pattern.nnz)

    def __repr__(self) -> str:
        return f"<SparseDerivative {self.shape[0]}x{self.shape[1]}, {self.nnz:,} structural nonzeros>"

    def __getitem__(self, key: tuple[int, int]) -> sympy.Expr:
        """The closed form of entry ``(i, j)`` (0 outside the pattern), built on request; negative indices count
        from the end, as in a sympy Matrix."""
        i, j = self._index(key)
        row = self.pattern.indices[self.pattern.indptr[i]:self.pattern.indptr[i + 1]]
        hits = np.nonzero(row == j)[0]
        if not len(hits):
            return sympy.Integer(0)
        label = self.labels[self.pattern.indptr[i] + hits[0]]
        return sympy.Integer(0) if label is None else self.program.closed_form(label)

    def __iter__(self):
        """Refused with a clear error (``in`` too): without it, Python iterated ``S[0], S[1], ...``, whose first
        refusal ended the loop, so ``list(S)`` was ``[]`` and ``expr in S`` False for any entry."""
        raise self._not_iterable()

    def __contains__(self, item: object) -> bool:
        raise self._not_iterable()  # Python would word __iter__'s refusal as its own TypeError

    def _not_iterable(self) -> ArgumentError:
        return ArgumentError(f"a {self.shape[0]}x{self.shape[1]} SparseDerivative is not iterable: read one entry as "
                             "S[i, j], every nonzero's closed form with S.to_sympy(), its positions with S.pattern, "
                             "its numbers with S.lambdify()")

    def _index(self, key: Any) -> tuple[int, int]:
        """``key`` as an in-range ``(row, column)``; an EntryError (a KeyError and IndexError too) saying the shape."""
        m, n = self.shape
        if (isinstance(key, tuple) and len(key) == 2
                and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in key)):
            i, j = (int(k) for k in key)
            if -m <= i < m and -n <= j < n:
                return i % m, j % n
        raise EntryError(f"a {m}x{n} SparseDerivative has entries S[i, j] with integers -{m} <= i < {m} "
                         f"and -{n} <= j < {n}, got S[{', '.join(shown(k, 40) for k in key) if isinstance(key, tuple) else shown(key, 40)}]")

    @checked_options
    def to_sympy(self) -> sympy.SparseMatrix:
        """Every structural nonzero's closed form, as a sympy SparseMatrix (builds them all)."""
        entries = {}
        for i in range(self.shape[0]):
            for k in range(self.pattern.indptr[i], self.pattern.indptr[i + 1]):
                label = self.labels[k]
                if label is not None:
                    entries[(i, int(self.pattern.indices[k]))] = self.program.closed_form(label)
        return sympy.SparseMatrix(self.shape[0], self.shape[1], entries)

    @checked_options
    def lambdify(self, xp: Any = None, *, args: Sequence[str] | None = None, backend: str = "numpy",
                 chunk: int | None = None, parallel: bool = False, progress: Any = None,
                 vector: bool = False) -> Callable:
        """``f(*inputs)``: a ``scipy.sparse`` CSR matrix at a point; ``f.data(*inputs)``: the nonzeros,
        ``(nnz, *batch)`` in ``f.pattern``'s order (for repeated calls and batches).

        With ``vector=True``, ``f(x, *data)`` and ``f.data(x, *data)`` take the 1-D
        vector of the wrt values and then the other inputs as data, at one point:
        ``scipy.optimize.minimize(..., hess=f, args=data)``.
        """
        distinct = list(dict.fromkeys(label for label in self.labels if label is not None))
        kernel = _compiled(self, distinct, "sparse_matrix",
                           "The structural nonzeros of a Jacobian or Hessian, generated by symgraph.", vector,
                           dict(args=args, xp=xp, backend=backend, chunk=chunk, parallel=parallel, progress=progress))
        where = {label: k for k, label in enumerate(distinct)}
        order = np.array([len(distinct) if label is None else where[label] for label in self.labels], dtype=np.int64)
        return SparseFunction(kernel, order, self.pattern, vector)


class SparseFunction:
    """A compiled sparse Jacobian or Hessian: ``f(*inputs)`` a CSR matrix at a point, ``f.data(*inputs)``
    the nonzeros ``(nnz, *batch)`` in ``f.pattern``'s order (a :class:`SparseData`).

    A class, so that it pickles with its kernel (for a process pool or a cluster's workers), as
    :class:`DenseFunction` does.
    """

    def __init__(self, kernel: Callable, order: np.ndarray, pattern: Any, vector: bool = False):
        self.kernel, self.order, self.pattern, self.vector = kernel, order, pattern, vector
        self.data = SparseData(kernel, order, vector)
        self.__name__ = self.__qualname__ = "sparse_matrix"
        self.__doc__ = kernel.__doc__
        self.__signature__ = self.data.__signature__
        self.source = getattr(kernel, "source", None)

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        from scipy import sparse
        values = self.data(*args, **kwargs)
        if values.ndim != 1:
            raise GraphError(f"a CSR matrix holds one point; these inputs make a batch of shape "
                             f"{values.shape[1:]}: call .data(...) for the nonzeros of every point")
        pattern = self.pattern  # its index arrays copied: a caller's in-place edit (eliminate_zeros) must not reach it
        return sparse.csr_matrix((values, pattern.indices.copy(), pattern.indptr.copy()), shape=pattern.shape)

    def __repr__(self) -> str:
        return f"<compiled function {self.__name__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        return SparseFunction, (self.kernel, self.order, self.pattern, self.vector)


class SparseData:
    """``f.data(*inputs)`` of a :class:`SparseFunction`: the nonzeros ``(nnz, *batch)`` in the pattern's order
    (the VM's result array as it is, other kernels' results stacked, then gathered by ``order``).

    A callable of its own rather than a method, so that it carries the kernel's real signature (a method's
    was ``(*args, **kwargs)``) and pickles on its own, as every compiled function does.
    """

    def __init__(self, kernel: Callable, order: np.ndarray, vector: bool = False):
        self.kernel, self.order, self.vector = kernel, order, vector
        self.__name__, self.__qualname__ = "data", "sparse_matrix.data"
        self.__doc__ = kernel.__doc__
        self.__signature__ = getattr(kernel, "__signature__", None)

    def __call__(self, /, *args: Any, **kwargs: Any) -> np.ndarray:
        if self.vector:
            return _point_results(self.kernel, args, kwargs)[self.order]
        return self.kernel.array(*args, **kwargs)[self.order]

    def __repr__(self) -> str:
        return f"<compiled function {self.__qualname__}{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        return SparseData, (self.kernel, self.order, self.vector)


def _with_zero(program: Program, labels: Sequence[str]) -> Program:
    """The program's ``labels`` plus the constant 0 under :data:`ZERO`."""
    results = {label: program.results[label] for label in labels}
    results[ZERO] = sympy.Integer(0)
    return Program(program.inputs, program.instructions, results, program.graph, program.unused)


def _compiled(matrix: "DerivativeMatrix | SparseDerivative", labels: Sequence[str], name: str, doc: str,
              vector: bool, options: dict) -> Callable:
    """The kernel of a matrix's ``labels`` (then :data:`ZERO`): the inputs one by one, or with ``vector=True``
    the wrt vector and the data at one point (read by :func:`_point_results`)."""
    program = _with_zero(matrix.program, labels)
    returns = tuple(labels) + (ZERO,)
    if not vector:
        return compile_program(program, name=name, returns=returns, doc=doc, **options)
    graph = matrix.graph
    if graph is None or not (matrix.wrt or matrix.held):
        raise GraphError("lambdify(vector=True) needs the matrix's function and wrt names; this matrix has none")
    if options.pop("args") is not None:
        raise ArgumentError("lambdify(vector=True) takes the vector in wrt order: args= does not apply")
    if options.pop("chunk") is not None:
        raise ArgumentError("lambdify(vector=True) evaluates one point: chunk= does not apply")
    theta = vector_inputs(graph, matrix.wrt, "lambdify(vector=True)")
    return compile_program(program, name=name, returns=returns, doc=doc, vector=True, theta=theta,
                           held=matrix.held, entries=matrix.wrt, **options)


def _point_results(kernel: Callable, args: tuple, kwargs: dict) -> np.ndarray:
    """A vector kernel's results at one point, as one 1-D array of the working dtype (float32 for a float32
    vector and data, as ``value_and_grad(vector=True)``, ``hessp`` and ``H.lambdify()`` give; casting it to
    float64 dressed float32 values as float64 ones)."""
    return np.asarray(kernel(*args, **kwargs))
