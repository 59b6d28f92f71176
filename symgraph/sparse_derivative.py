"""Sparse Jacobians and Hessians: :class:`SparseDerivative`, the structural nonzeros alone.

A :class:`SparseDerivative` holds their pattern (``scipy.sparse`` CSR, fixed),
their program, and closed forms built on request.  ``.lambdify()`` gives a
function returning a CSR matrix at a point; its ``.data(...)`` returns the
nonzeros alone, ``(nnz, *batch)`` in the pattern's order, for repeated calls
and for batches, and ``.pattern`` is that fixed pattern -- the form solvers
such as IPOPT and ``trust-constr`` reuse.  Apart from the dense
:class:`~symgraph.matrices.DerivativeMatrix`: it is no sympy Matrix, and
never builds the entries it is not asked for.
"""
from __future__ import annotations

import sys
from functools import cache
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy
from sympy.core.sympify import CantSympify

from .binding import point_values
from .export.display import EXPAND_LIMIT, check_size
from .options import checked_options
from .export.latex import hessian_latex, sparse_jacobian_latex
from .export.notebook_latex import notebook_math
from .errors import ArgumentError, EntryError, RefusesCall, ResultLabels, WrtNames, refusing, shown
from .ir.graph import Graph
from .ir.program import Program
from .ir.simplify import batch_level, normalise, simplify as simplify_expr
from .matrix_functions import NUMERIC_MEMBERS, SparseFunction, _compiled, csr_of, not_numbers, point_hint, user_inputs


class SparseDerivative(CantSympify):
    """The structural nonzeros of a Jacobian or Hessian: ``pattern``, ``program`` and closed forms on request.

    ``labels[k]`` is the program's result for the k-th stored entry of
    ``pattern`` (CSR order); entries a Hessian mirrors share one label.
    ``cost`` is the derivation's :class:`~symgraph.cost.CostReport`, as a dense matrix's.
    No sympy object (``CantSympify``): sympy converts the other operand of a comparison first (``M == S``,
    ``sympy.Integer(3) == S``), and its conversion reached ``float(S)``, whose NotNumbersError escaped ``==``.
    """

    _how = "fast"  # how entries are simplified (sg.hessian's and sg.jacobian's simplify=), as a dense matrix's

    def __init__(self, pattern: Any, program: Program, labels: Sequence[str | None], names: Sequence[str], *,
                 order: int = 1, graph: Graph | None = None, held: Sequence[str] = (), cost: Any = None,
                 simplify: Any = True):
        self._how = normalise(simplify)
        self.pattern = refusing_call(pattern)  # called as a method, it says to drop the ()
        self.program = program
        self.labels = ResultLabels(labels)
        self.wrt = WrtNames(names)  # called as a method, it says to drop the ()
        self.shape = refusing(tuple(pattern.shape), "S.shape")  # called as methods, these say to drop the ()
        self.order = refusing(order, "S.order")  # 2 for a Hessian
        self.graph = graph  # the function's graph, which latex() names
        self.held = refusing(tuple(held), "S.held")  # as DerivativeMatrix.held
        self.cost = cost

    @checked_options
    def latex(self, aligned: bool = False, name: str | None = None, expand: bool = False) -> str:
        """A Hessian's size and structural nonzeros on and above the diagonal, one
        ``\\frac{\\partial^2 f}{\\partial x \\partial y} = ...`` line each, bounded
        (see :func:`~symgraph.export.latex.hessian_latex`); a Jacobian's, one ``\\frac{\\partial f}{\\partial x} = ...``
        line per nonzero (:func:`~symgraph.export.latex.sparse_jacobian_latex`; ``name`` names a Hessian's function only)."""
        if self.order == 2:
            return hessian_latex(self, aligned=aligned, name=name, expand=expand)
        return sparse_jacobian_latex(self, aligned=aligned, expand=expand)

    def _repr_latex_(self) -> str | None:
        return notebook_math(self.latex(aligned=True))

    @property
    def nnz(self) -> int:
        return refusing(int(self.pattern.nnz), "S.nnz")  # called as a method, it says to drop the ()

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
        if label is None:
            return sympy.Integer(0)
        # as a dense matrix's entry: past EXPAND_LIMIT operations sympy takes seconds to minutes to build it
        check_size(self.program, label, EXPAND_LIMIT, f"S.program.closed_form({label!r})")
        return self._form(label)

    def _form(self, label: str) -> sympy.Expr:
        """The closed form of the result ``label``, simplified as :meth:`_simplified` says, whatever its size
        (what ``latex(expand=True)`` prints)."""
        return self._simplified(label, self.program.closed_form(label))

    def _simplified(self, label: str, form: sympy.Expr) -> sympy.Expr:
        """``form``, the closed form of ``label``, simplified as a dense matrix's entries are: ``simplify=``, or
        not at all when the entries have more than ``BATCH_LIMIT`` operations together (the level of all of them,
        so that ``S[i, j]`` is ``S.to_sympy()[i, j]``).  The sparse entries were never simplified, whatever
        ``simplify=`` said, so ``sg.hessian(f)[i, j]`` and ``sg.hessian(f, sparse=True)[i, j]`` printed two ways."""
        program = self.program
        if "_level" not in self.__dict__:
            labels = list(dict.fromkeys(label for label in self.labels if label is not None))
            program.measure(labels)  # one pass for all of them
            self.__dict__["_level"] = batch_level(self._how, sum(map(program.expanded_size, labels)))
        how = self.__dict__["_level"]
        return form if how == "none" else simplify_expr(form, how, size=program.expanded_size(label),
                                                        prefer=program.graph_conditions())

    def __iter__(self):
        """Refused with a clear error (``in`` too): without it, Python iterated ``S[0], S[1], ...``, whose first
        refusal ended the loop, so ``list(S)`` was ``[]`` and ``expr in S`` False for any entry."""
        raise self._not_iterable()

    def __contains__(self, item: object) -> bool:
        raise self._not_iterable()  # Python would word __iter__'s refusal as its own TypeError

    def __len__(self) -> int:
        """Refused as iteration is, naming ``S.shape`` and ``S.nnz`` (a length is ambiguous, as for scipy's
        matrices; Python's own TypeError said only that there is none)."""
        raise ArgumentError(f"a {self.shape[0]}x{self.shape[1]} SparseDerivative has no len(): its shape is S.shape, "
                            "its number of structural nonzeros S.nnz")

    def __bool__(self) -> bool:
        return True  # as before __len__ was defined: a result is true, whatever its entries

    def __getattr__(self, name: str) -> Any:
        """Only for names no attribute has: what a scipy.sparse matrix (``S.toarray()``, ``S.T``) or a sympy
        Matrix (``S.subs(...)``) has is a :class:`~symgraph.errors.NotNumbersError` saying which call gives it
        (still an AttributeError: ``hasattr(S, "toarray")`` is False, as before)."""
        if name in NUMERIC_MEMBERS or name in _SYMPY_MEMBERS:
            raise not_numbers(f"a {self.shape[0]}x{self.shape[1]} SparseDerivative", "S", f"it has no .{name}",
                              self._inputs(),
                              "a scipy.sparse CSR matrix", "; S.to_sympy() is the sympy SparseMatrix of its closed forms"
                              + (f" (S.to_sympy().{name})" if name in _SYMPY_MEMBERS else ""))
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _inputs(self) -> list[str]:
        """The names a point gives values to, for messages (the function's inputs as a user names them)."""
        return user_inputs(self.__dict__.get("graph"), self.__dict__.get("program"))

    def _no_arithmetic(self, written: str) -> Any:
        """An ArgumentError for arithmetic ``written`` with ``{}`` for the result: the two forms that take it."""
        at = f"S.at({point_hint(self._inputs())})"
        raise ArgumentError(f"a {self.shape[0]}x{self.shape[1]} SparseDerivative holds closed forms and takes no "
                            f"arithmetic ({written.format('S')}): {written.format('S.to_sympy()')} is sympy's "
                            f"SparseMatrix arithmetic, and {written.format(at)} scipy's on the CSR matrix at a point")

    # Python's own refusal named neither what the result holds nor the two forms that take arithmetic
    __add__ = __radd__ = lambda self, other: self._no_arithmetic("{} + ...")
    __sub__ = __rsub__ = lambda self, other: self._no_arithmetic("{} - ...")
    __mul__ = __rmul__ = lambda self, other: self._no_arithmetic("{} * ...")
    __truediv__ = __rtruediv__ = lambda self, other: self._no_arithmetic("{} / ...")
    __matmul__ = __rmatmul__ = lambda self, other: self._no_arithmetic("{} @ ...")
    __pow__ = __rpow__ = lambda self, other, *modulo: self._no_arithmetic("{} ** ...")
    __neg__ = lambda self: self._no_arithmetic("-{}")
    __pos__ = lambda self: self._no_arithmetic("+{}")
    __abs__ = lambda self: self._no_arithmetic("abs({})")
    __array_ufunc__ = None  # NumPy's operators (ndarray + S) defer to the ones above

    def _no_number(self, written: str) -> Any:
        """A NotNumbersError for ``written`` (``float({})``): Python said only "float() argument must be a string
        or a real number, not 'SparseDerivative'", naming neither the entry nor the point that gives a number."""
        raise not_numbers(f"a {self.shape[0]}x{self.shape[1]} SparseDerivative", "S",
                          f"{written.format('S')} makes no number of it", self._inputs(), "a scipy.sparse CSR matrix",
                          f"; one entry's number is {written.format('S.at(...)[i, j]')}, its closed form S[i, j]")

    __float__ = lambda self: self._no_number("float({})")
    __int__ = lambda self: self._no_number("int({})")
    __complex__ = lambda self: self._no_number("complex({})")
    __round__ = lambda self, *digits: self._no_number("round({})")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """Refused: NumPy made a 0-d object array holding S, which no NumPy function reads as a matrix.

        But for scipy.sparse's operators (``csr == S``, ``csr @ S``, ``csr / S``), which read that 0-d object
        array as "not an array" and return NotImplemented, so that Python asks S's own reflected method:
        ``csr == S`` is ``S == csr`` (False), where the refusal escaped as the answer to a comparison.  Its
        methods and constructors (``csr.multiply(S)``, ``csr_matrix(S)``) return no NotImplemented to Python,
        so they keep the refusal."""
        caller = sys._getframe(1)
        if (caller.f_code.co_name in _SCIPY_OPERATORS
                and caller.f_globals.get("__name__", "").startswith("scipy.sparse.")):
            held = np.empty((), dtype=object)
            held[()] = self
            return held
        raise not_numbers(f"a {self.shape[0]}x{self.shape[1]} SparseDerivative", "S", "np.asarray(S) makes no array of it",
                          self._inputs(), "a scipy.sparse CSR matrix: .toarray() makes it dense",
                          "; np.array(S.to_sympy()) is an array of its closed forms")

    def __eq__(self, other: object) -> bool:
        """Results of the same kind, wrt names, pattern and entries are equal, as dense matrices and gradients
        are: two derivations of one function compared unequal (identity), where their dense forms compared equal.
        Unhashable, as those are."""
        if not isinstance(other, SparseDerivative):  # not NotImplemented: scipy's reflected == asks np.asarray(S)
            return False
        mine, theirs = self.pattern, other.pattern
        return self is other or (
            self.shape == other.shape and self.order == other.order and self.wrt == other.wrt
            and np.array_equal(mine.indptr, theirs.indptr) and np.array_equal(mine.indices, theirs.indices)
            and self.to_sympy() == other.to_sympy())

    __hash__ = None  # type: ignore[assignment]

    def _no_order(self, other: object) -> Any:
        """An ArgumentError for ``S < ...`` (or ``csr < S``, reflected): Python's own TypeError named neither
        what S holds nor what compares."""
        raise ArgumentError(f"a {self.shape[0]}x{self.shape[1]} SparseDerivative holds closed forms and has no order "
                            f"(<, <=, >, >=): compare the CSR matrix at a point, S.at({point_hint(self._inputs())}), "
                            "or the closed forms of S.to_sympy()")

    __lt__ = __le__ = __gt__ = __ge__ = _no_order

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
        """Every structural nonzero's closed form, as a sympy SparseMatrix (builds them all, together: those
        alike up to their inputs once, :meth:`Program.closed_forms`)."""
        labels = list(dict.fromkeys(label for label in self.labels if label is not None))
        for label in labels:
            check_size(self.program, label, EXPAND_LIMIT, f"S.program.closed_form({label!r})")
        forms = {label: self._simplified(label, form) for label, form in self.program.closed_forms(labels).items()}
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.pattern.indptr)).tolist()
        entries = {(i, j): forms[label] for i, j, label in zip(rows, self.pattern.indices.tolist(), self.labels)
                   if label is not None}
        return sympy.SparseMatrix(self.shape[0], self.shape[1], entries)

    def at(self, /, *point: Mapping[str, float], **values: float) -> Any:
        """The matrix at one point as a ``scipy.sparse`` CSR matrix, evaluated on the program as
        ``gradient.at`` is: the inputs' values by keyword, ``S.at(x=1.0)``, or as one mapping.

        Arrays of points are an error naming ``S.lambdify().data``, which gives every point's nonzeros.

        Examples
        --------
        >>> import symgraph as sg
        >>> sg.hessian("x^2*y + y^3", sparse=True).at(x=1.0, y=2.0).toarray()
        array([[ 4.,  2.],
               [ 2., 12.]])
        """
        got = self.program.evaluate(point_values("at", point, values))
        data = np.zeros((len(self.labels), *np.shape(next(iter(got.values()), 0.0))))
        for k, label in enumerate(self.labels):
            if label is not None:
                data[k] = got[label]
        return csr_of(self.pattern, data, "S.lambdify().data(...)")

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
        kernel = _compiled(self, distinct,
                           "The structural nonzeros of a Jacobian or Hessian, generated by symgraph.", vector,
                           dict(args=args, xp=xp, backend=backend, chunk=chunk, parallel=parallel, progress=progress))
        where = {label: k for k, label in enumerate(distinct)}
        order = np.array([len(distinct) if label is None else where[label] for label in self.labels], dtype=np.int64)
        return SparseFunction(kernel, order, self.pattern, vector)


#: scipy.sparse's operator implementations that take a 0-d object array for "not an array" and return NotImplemented
_SCIPY_OPERATORS = frozenset({"_comparison", "_matmul_dispatch", "_divide"})

#: what a sympy Matrix has that a SparseDerivative lacks: asked of one, the error names ``S.to_sympy()``
_SYMPY_MEMBERS = frozenset({"subs", "evalf", "n", "diff", "simplify", "applyfunc", "free_symbols", "rows", "cols",
                            "jacobian", "doit", "expand", "xreplace", "is_symmetric", "det", "inv", "todok",
                            "row", "col", "tolist", "equals", "rank", "eigenvals", "norm"})


class _Pattern(RefusesCall):
    """Mixed into a result's CSR pattern (:func:`refusing_call`): ``S.pattern()`` says to drop the ()."""

    __slots__ = ()
    read_as = "result.pattern"

    def held(self) -> str:
        return f"the {self.shape[0]}x{self.shape[1]} scipy.sparse CSR matrix of the structural nonzeros"

    def __reduce__(self) -> tuple:  # the class is made on first use: pickled as the plain matrix and remade
        return refusing_call, (self.value_class()((self.data, self.indices, self.indptr), shape=self.shape),)


@cache
def _pattern_class(base: type) -> type:
    """``base`` (scipy's CSR matrix class) with :class:`_Pattern` mixed in, made once: scipy is imported only
    by the calls that make a pattern."""
    return type(base.__name__, (_Pattern, base), {"__slots__": (), "__module__": __name__})


def refusing_call(pattern: Any) -> Any:
    """``pattern`` (a CSR matrix) sharing its arrays, as a class whose call says it is a property (:class:`_Pattern`)."""
    if isinstance(pattern, _Pattern):
        return pattern
    return _pattern_class(type(pattern))((pattern.data, pattern.indices, pattern.indptr), shape=pattern.shape)
