"""Dense Jacobians and Hessians that compile: :class:`DerivativeMatrix`, a sympy Matrix with ``.lambdify()``.

A :class:`DerivativeMatrix` is a sympy ``Matrix`` (its entries are the closed
forms) that keeps the program it came from, so ``.lambdify()`` compiles every
entry at once, sharing the work the entries share, into a function returning
one ndarray of shape ``(m, n, *batch)`` (:mod:`symgraph.matrix_functions`,
which also holds the ``vector=True`` form an optimiser calls).  What it computes
on its program (``.at()``) and what it refuses (no program, no numbers) is
:mod:`symgraph.matrix_program`'s.  The sparse form, only the structural
nonzeros, is :mod:`symgraph.sparse_derivative`.

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

import sympy

from .options import checked_options
from .export.display import EXPAND_LIMIT, SHOW_ENTRIES, SafeStrPrinter, check_size, listing
from .export.latex import _named, hessian_latex
from .export.latex_matrices import matrix_latex
from .export.latex_printer import LatexPrinter
from .export.notebook_latex import ALIGNED, notebook_math
from .errors import (ArgumentError, EntryError, ExpressionTooLargeError, WrtNames, refusing,
                     shown)
from .ir.folding import ZERO as ZERO_REF
from .ir.graph import Graph
from .ir.program import MAX_DEPTH, Program
from .ir.listing import count_text
from .ir.simplify import batch_level, simplify as simplify_expr
from .matrix_functions import DenseFunction, _compiled
from .matrix_program import ProgramMatrix, nonzero as _nonzero

#: a dense matrix prints as sympy prints it up to this many entries ...
PRINT_CELLS = 10_000
#: ... and this many operations in all the entries it writes (a mirrored entry is written twice).  sympy writes
#: about 30,000 products a second but only 3,000-10,000 sums (it orders each sum's terms): a 99 x 99 Hessian
#: of A[i, j] + A[j, i] entries, 9,801 operations, took 3 s
PRINT_OPS = 3_000
#: ... and in at most this many characters (sympy aligns a matrix's columns: the 100 x 100 Hessian of Rosenbrock's
#: function, all but 298 entries 0, printed 326 kB)
PRINT_CHARS = 20_000

#: the most arguments sympy may take in building a matrix's closed forms whose operations written out pass
#: EXPAND_LIMIT (:meth:`Program.built_size`): shared subexpressions are built once, so a 4-8-3 network's dense
#: Hessian (93.5 million operations written out, 35,000 arguments) builds in 0.6 s and prod(1 + x[i])'s at
#: n = 40 (49,000) in 0.7 s, where a logistic loss's 4 x 4 Hessian over 500 rows (106,000) took 3.3 s, over
#: 2,000 rows (466,000) 20 s, and prod(1 + x[i])'s at n = 80 (408,000) 4 s
BUILD_LIMIT = 60_000

#: the most entries a dense Jacobian or Hessian is derived with; past it only ``sparse=True`` keeps the work in
#: proportion to the answer: the dense 3,000 x 3,000 Hessian of a sum of squares (3,000 nonzeros) took 58 s,
#: all of it labelling, deriving and storing 9 million entries (1,000 x 1,000: 3.4 s)
DENSE_ENTRIES = 1_000_000


def check_entries(rows: int, cols: int, what: str, instead: str,
                  gives: str = "its .lambdify() gives scipy.sparse CSR matrices") -> None:
    """Refuse, before deriving anything, a dense matrix of more than :data:`DENSE_ENTRIES` entries;
    ``instead`` names the sparse call and ``gives`` what returns its matrices (``.problem`` is the refusal
    alone, for the command line's own advice)."""
    if rows * cols > DENSE_ENTRIES:
        problem = (f"a dense {rows:,} x {cols:,} {what} has {rows * cols:,} entries, more than {DENSE_ENTRIES:,}")
        error = ExpressionTooLargeError(f"{problem}; {instead} derives only its structural nonzeros ({gives}; "
                                        ".toarray() makes one dense)")
        error.problem = problem
        raise error


def _written_ops(entries: Any, most: int) -> int:
    """The operations sympy writes for ``entries`` (an entry shown twice counted twice), counted on their trees,
    iteratively, until past ``most``: for a matrix sympy derived, which has no program to count them on (``2*H`` of
    a 40 x 40 Hessian of 12*(x[0] + ... + x[39])**2 entries took sympy 3.4 s to print).  An element ``x[0]`` is no
    operation, as in a program."""
    total = 0
    for entry in entries:
        stack = [entry]
        while stack:
            node = stack.pop()
            if node.args and not isinstance(node, sympy.Indexed):
                total += 1
                if total > most:
                    return total
                stack.extend(node.args)
    return total


#: what :meth:`DerivativeMatrix.of` sets on a matrix, which a copy keeps
_KEPT = ("program", "cells", "order", "graph", "wrt", "held", "cost")


def _entry(program: Program, label: str, how: Any) -> sympy.Expr | None:
    """The closed form of the computed result ``label``, simplified as :meth:`DerivativeMatrix.of` says; None for 0."""
    entry = simplify_expr(program.closed_form(label), how, size=program.expanded_size(label),
                          prefer=program.graph_conditions())
    return entry if entry != 0 else None


class DerivativeMatrix(ProgramMatrix, sympy.MutableDenseMatrix):
    """A Jacobian or Hessian as a sympy Matrix; ``.lambdify()`` compiles it to ``(m, n, *batch)`` arrays.

    Only the matrix :meth:`of` made has a ``program``: one sympy derives from it (``2*H``, ``H.T``,
    ``H[:, 0]``) is of this class but has none, and an edit in place (``H[0, 0] = 0``, ``H.row_del(0)``)
    removes it, since the entries are no longer what the program computes; reading ``.program``,
    :meth:`lambdify` and :meth:`at` then say so (:class:`~symgraph.errors.NoProgramError`) and printing is sympy's.
    """

    program: Program  # set by of(); see the class docstring
    cells: list[list[str | None]]  # the program's result label for each entry, None for a structural 0
    #: 2 for a Hessian (whose ``graph`` and ``wrt`` :meth:`latex` names); matrices sympy derives from it are 1
    order: int = 1
    graph: Graph | None = None
    wrt: tuple[str, ...] = ()
    #: the indexed inputs without elements that wrt names: the vector form holds them (in no entry), not as data
    held: tuple[str, ...] = ()
    #: sg.jacobian's and sg.hessian's: the CostReport of the derivation, as ``gradient.cost`` (a Jacobian's
    #: ``.note`` says what mode="auto" chose and why); None for a matrix made otherwise
    cost: Any = None

    @classmethod
    @checked_options
    def of(cls, program: Program, cells: list[list[str | None]], simplify: Any = "fast", hint: str = "", *,
           order: int = 1, graph: Graph | None = None, wrt: Sequence[str] = (),
           held: Sequence[str] = ()) -> "DerivativeMatrix":
        """The matrix whose entry (i, j) is the closed form of ``program``'s result ``cells[i][j]``, simplified.

        The program's results are exactly the distinct labels of ``cells`` (``None`` marks an entry that is 0
        without one).  An entry nested deeper than sympy can handle, and entries whose operations written out
        together pass the expansion limit and which would take sympy more than :data:`BUILD_LIMIT` arguments to
        build, are refused first (``hint`` saying what to use instead); then each distinct entry is built once;
        constant entries (most of a large Hessian's are 0) are neither bounded nor simplified.  The matrix is
        made from its nonzeros, as sympy stores it: a dense 1,000 x 1,000 Hessian took 10 s through
        ``Matrix(rows)``, most of it spent comparing a million zeros.

        The entries of a matrix too large to print whole are built when first read (sympy's storage,
        :attr:`_rep`), one entry alone when it is read alone (``J[i, j]``): the Jacobian of 3,000 residuals ``y_k - a*exp(-b*t_k)`` took 2.7-3.1 s of
        CPU, nearly all in sympy building its 6,000 closed forms (each product with an ``exp`` evaluates the
        exp again), where its printed form is the program's listing; now 0.33-0.44 s with printing, and one
        entry read alone 5 ms more.  The refusals above stay eager: they are counted on the program.
        """
        results = program.results
        computed = [label for label in dict.fromkeys(chain.from_iterable(cells))
                    if label is not None and results[label].__class__ is str]
        program.measure(computed)  # every entry counted in one pass
        deep = next(((label, depth) for label in computed if (depth := program.expanded_depth(label)) > MAX_DEPTH),
                    None)
        if deep is not None:  # closed_form would refuse it, pointing to the .at() of a matrix never returned
            raise ExpressionTooLargeError(f"the closed form of entry {deep[0]!r} is nested {deep[1]} levels deep, "
                                          f"more than sympy can handle ({MAX_DEPTH}), so no sympy Matrix can hold it; "
                                          f"{hint} builds the entries nested less deep")
        total = sum(program.expanded_size(label) for label in computed)
        small = total <= EXPAND_LIMIT or program.built_size(computed) <= BUILD_LIMIT
        for label in computed if not small else ():
            check_size(program, label, EXPAND_LIMIT, hint)
        if not small:  # each entry may pass alone: n^2 entries of n operations (a product's Hessian)
            shape = f"{len(cells)} x {len(cells[0]) if cells else len(wrt)}"
            problem = (f"the {len(computed):,} distinct entries of this {shape} matrix have {count_text(total)} "
                       f"operations written out together, more than {EXPAND_LIMIT:,}")
            error = ExpressionTooLargeError(f"{problem} (sympy would take minutes to build them); {hint} builds one "
                                            "entry anyway")
            error.problem = problem
            raise error
        how = batch_level(simplify, total)
        shape = (len(cells), len(cells[0]) if cells else len(wrt))  # no outputs: 0 x len(wrt)
        matrix = object.__new__(cls)  # as sympy's _fromrep makes one, its storage left to _entries
        matrix.rows, matrix.cols = shape
        matrix.__dict__["_pending"] = partial(cls._entries, program, cells, computed, how, shape)
        matrix.program, matrix.cells = program, refusing(cells, "M.cells")
        matrix.order, matrix.graph, matrix.wrt = refusing(order, "M.order"), graph, WrtNames(wrt)
        matrix.held = refusing(tuple(held), "M.held")  # called as methods, these say to drop the ()
        if matrix._printable():  # small enough for sympy to print whole: built now, so that printing only prints
            matrix._rep  # noqa: B018 - built
        return matrix

    @classmethod
    def _entries(cls, program: Program, cells: list[list[str | None]], computed: list[str], how: Any,
                 shape: tuple[int, int]) -> Any:
        """sympy's storage of the matrix :meth:`of` made: each distinct entry built once and simplified."""
        results = program.results
        value = {}  # label, or id of a constant result -> its entry, or None for 0 (each compared with 0 once)
        for label in computed:
            value[label] = _entry(program, label, how)
        nonzero: dict[int, dict[int, sympy.Expr]] = {}
        for i, row in enumerate(cells):
            for j, label in enumerate(row):
                if label is None:
                    continue
                ref = results[label]
                if ref is ZERO_REF:  # most entries of a large matrix: no lookup of their closed form
                    continue
                key = label if ref.__class__ is str else id(ref)
                entry = value.get(key, value)
                if entry is value:
                    entry = program.closed_form(label)
                    entry = value[key] = entry if entry != 0 else None
                if entry is not None:
                    nonzero.setdefault(i, {})[j] = entry
        return cls._from_nonzeros(shape, nonzero)._rep

    @property
    def _rep(self) -> Any:
        """sympy's storage of the entries, which every sympy method reads: built on first use for the matrix
        :meth:`of` made (printing a large one, its shape and ``.lambdify()`` read the program instead)."""
        stored = self.__dict__
        rep = stored.get("_stored")
        if rep is None:
            pending = stored.pop("_pending", None)  # else a matrix pickled before, which kept sympy's own name
            rep = stored["_stored"] = pending() if pending is not None else stored.pop("_rep")
        return rep

    @_rep.setter
    def _rep(self, rep: Any) -> None:
        self.__dict__.pop("_pending", None)
        self.__dict__["_stored"] = rep

    def __getstate__(self) -> dict:
        """The attributes with the entries built (a pending build is a function of the program, not data)."""
        self._rep  # noqa: B018 - built
        return self.__dict__.copy()

    def __getitem__(self, key: Any) -> Any:
        """sympy's indexing (entries, slices, flat positions); an index out of range, or one that is no
        index (``H["x"]``: entries are by position, the names are ``.wrt``), is an
        :class:`~symgraph.errors.EntryError` saying the shape (still an IndexError), not sympy's bare
        ``Index out of range: a[5]``, TypeError, or ValueError (``H[0,]``, ``H[0, 0, 0]``: a tuple of one or
        three indices)."""
        pending = self.__dict__.get("_pending")
        if pending is not None and key.__class__ is tuple and len(key) == 2:  # one entry: built alone
            i, j = key
            if i.__class__ is int and j.__class__ is int and -self.rows <= i < self.rows and -self.cols <= j < self.cols:
                program, cells, _, how, _ = pending.args
                label = cells[i][j]
                if label is None:
                    return sympy.S.Zero
                if program.results[label].__class__ is not str:  # a constant: as _entries reads it
                    entry = program.closed_form(label)
                    return entry if entry != 0 else sympy.S.Zero
                # as a gradient's result[name]: sympy builds a shared entry at once, then takes minutes to print it
                check_size(program, label, EXPAND_LIMIT, f"matrix.tolist()[{i}][{j}]")
                entry = _entry(program, label, how)
                return sympy.S.Zero if entry is None else entry
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
        (see :func:`~symgraph.export.latex.hessian_latex`); a Jacobian's:
        ``\\frac{\\partial (f_{1}, f_{2})}{\\partial (x, y)} = \\begin{pmatrix} ... \\end{pmatrix}``
        (:func:`~symgraph.export.latex_matrices.matrix_latex`); a matrix sympy derived from either prints as a
        ``pmatrix`` (``name = \begin{pmatrix} ...`` with a name).  ``name``: the function's name (the matrix's,
        for one sympy derived); ``aligned``: an ``aligned`` environment."""
        derived = "program" not in self.__dict__
        if self.order == 2 and not derived:
            return hessian_latex(self, aligned=aligned, name=name, entries=entries, expand=expand)
        if entries:  # was read by Hessians alone, and silently not here
            raise ArgumentError("latex(entries=True) writes the entries of a Hessian sg.hessian made one line each; "
                                + ("this matrix sympy made from a Jacobian or Hessian (2*H, H.T) has no entry labels: "
                                   "latex() writes its matrix" if derived else "a Jacobian's latex() is its matrix "
                                   "(sg.jacobian(..., sparse=True).latex() writes entry lines)"))
        text = matrix_latex(self, expand=expand, aligned=aligned, name=_named(name))
        if derived:  # a bare pmatrix: name= and aligned= were silently unread for it
            if name is not None:
                text = f"{LatexPrinter({}).name(name)} {'&= ' if aligned else '= '}{text}"
            if aligned:
                begin, _, close = ALIGNED
                text = begin + text + close
        return text

    def _repr_latex_(self) -> str | None:
        if self.order == 2 and hasattr(self, "program"):
            return notebook_math(self.latex(aligned=True))
        if not self._printable():
            return None  # a notebook then shows the bounded text of __repr__
        # as latex() writes it (sympy's own LaTeX wrote relu' as theta(x, 0)), every entry whole as sympy's was:
        # _printable bounds them, and a let-listing after the matrix would run on one line in a notebook
        return notebook_math(self.latex(expand=True))

    def _printable(self) -> bool:
        """True when sympy's own printers write every entry quickly: at most :data:`PRINT_CELLS` entries and
        :data:`PRINT_OPS` operations in all the cells it writes (counted on the program, never on the entries;
        an entry shown in two cells counts twice, as sympy writes it twice), none too deep."""
        program, cells = getattr(self, "program", None), getattr(self, "cells", None)
        if program is None or cells is None:  # a matrix sympy derived from this one (2*H): its entries counted
            return self.rows * self.cols <= PRINT_CELLS and _written_ops(self, PRINT_OPS) <= PRINT_OPS
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
        return self._within(SafeStrPrinter().doprint(self)) if self._printable() else self._listing()

    def __str__(self) -> str:
        if not self._printable():
            return self._listing()
        if 0 in self.shape:
            return super().__str__()
        text = SafeStrPrinter().doprint  # sympy's str, each entry as its repr (sstr), with any term order
        return self._within("Matrix([" + ", ".join("[" + ", ".join(map(text, row)) + "]" for row in self.tolist()) + "])")

    def _within(self, text: str) -> str:
        """``text``, sympy's, unless it passes :data:`PRINT_CHARS` characters: then the :meth:`_listing`."""
        return text if len(text) <= PRINT_CHARS else self._listing()

    def _listing(self) -> str:
        """The matrix's size and its first entries' program, with how to read an entry."""
        if "program" not in self.__dict__:  # sympy made it (2*H, H.T): no program to list
            return (f"{type(self).__name__}: {self.rows}x{self.cols} matrix sympy made from a Jacobian or Hessian, "
                    "too large to print; M[i, j] is one entry's closed form; sympy.Matrix(M) prints every entry")
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
        self._check_program("compile")
        # entries whose result is the constant 0 read the one ZERO result (most of a large Hessian's)
        labels, index = self._layout()
        kernel = _compiled(self, labels, "A Jacobian or Hessian at the inputs, generated by symgraph.",
                           vector, dict(args=args, xp=xp, backend=backend, chunk=chunk, parallel=parallel,
                                        progress=progress))
        return DenseFunction(kernel, index, (self.rows, self.cols), vector)
