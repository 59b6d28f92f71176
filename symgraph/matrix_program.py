"""A dense Jacobian's or Hessian's tie to its program: :class:`ProgramMatrix`, mixed into
:class:`~symgraph.matrices.DerivativeMatrix` before sympy's Matrix.

What the matrix computes on its program (``M.at(...)``), and what it refuses, with symgraph's errors: the
program of a matrix sympy derived from it (``2*H``, ``H.T``) or that was edited in place, which has none
(:class:`~symgraph.errors.NoProgramError`), and what a matrix of numbers has that one of closed forms lacks
(``H.toarray()``, ``np.asarray(H, dtype=float)``: :class:`~symgraph.errors.NotNumbersError`).  Apart from
:mod:`symgraph.matrices`, which builds and prints the matrix.
"""
from __future__ import annotations

from itertools import chain, repeat
from typing import Any, Mapping

import numpy as np

from .binding import point_values
from .errors import GraphError, NoProgramError, NotNumbersError
from .ir.folding import is_zero
from .matrix_functions import NUMERIC_MEMBERS, ZERO, _with_zero, not_numbers, user_inputs


def nonzero(ref: Any) -> bool:
    """True for a result that is computed (a name) or a constant other than 0."""
    return ref.__class__ is str or not is_zero(ref)


#: what only the matrix :meth:`DerivativeMatrix.of` made has: read of another, a NoProgramError says why
PROGRAM_MEMBERS = frozenset({"program", "cells"})


class ProgramMatrix:
    """The program-reading and refusing part of a dense derivative matrix (``rows``, ``cols``, and when it has
    one, ``program`` and ``cells``)."""

    def at(self, /, *point: Mapping[str, float], **values: float) -> np.ndarray:
        """Every entry's value at a point, or at arrays of points: an ndarray ``(m, n, *batch)``, evaluated on
        the program as ``gradient.at`` is (the inputs' values by keyword, ``M.at(x=1.0)``, or as one mapping).

        Examples
        --------
        >>> import symgraph as sg
        >>> sg.hessian("x^2*y + y^3").at(x=1.0, y=2.0)
        array([[ 4.,  2.],
               [ 2., 12.]])
        """
        self._check_program("evaluate")
        labels, index = self._layout()
        got = _with_zero(self.program, labels).evaluate(point_values("at", point, values))
        values = np.array([got[label] for label in labels] + [got[ZERO]], dtype=np.float64)
        return values[index].reshape(self.rows, self.cols, *values.shape[1:])

    def _layout(self) -> tuple[list[str], np.ndarray]:
        """``(labels, index)``: the distinct labels of the entries computed or a constant other than 0, and for
        each entry, row by row, its position among them (``len(labels)`` for a 0): what :meth:`at` and
        ``.lambdify()`` evaluate, and how they gather it into the matrix.  ``.at()`` of a dense 1,000 x 1,000
        Hessian evaluated and converted the 500,500 results of the program's entries, most of them the one
        constant 0, and filled the million cells one by one: 1.7-2.0 s, now as ``.lambdify()`` does."""
        # the program's results are the distinct labels of the cells (DerivativeMatrix.of), so these are read
        # there, and the cells' million labels are looked up in C, not walked in Python
        labels = [label for label, ref in self.program.results.items() if nonzero(ref)]
        where = {label: k for k, label in enumerate(labels)}
        cells = chain.from_iterable(self.cells)
        index = np.fromiter(map(where.get, cells, repeat(len(labels))), dtype=np.intp, count=self.rows * self.cols)
        return labels, index

    def __getattr__(self, name: str) -> Any:
        """Only for names no attribute has: what a matrix of numbers has (``H.toarray()``, ``H.dtype``) and a sympy
        Matrix has not is a NotNumbersError naming ``H.at(...)``, and the program of a matrix without one
        (``(2*H).program``) a NoProgramError saying why; both AttributeErrors, so ``hasattr`` stays False."""
        if name in NUMERIC_MEMBERS:
            raise self._no_numbers(f"it has no .{name}")
        if name in PROGRAM_MEMBERS:  # Python's bare AttributeError said neither why nor what to do instead
            self._check_program(f"read (M.{name})")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __array__(self, dtype: Any = object, copy: Any = None) -> np.ndarray:
        """sympy's array of the entries; one of numbers (``np.asarray(H, dtype=float)``) of entries that are not
        numbers names ``H.at(...)``, where sympy said only "Cannot convert expression to float"."""
        try:
            return super().__array__(dtype, copy)
        except TypeError:
            if dtype is object or np.dtype(dtype).kind == "O":
                raise
            raise self._no_numbers(f"np.asarray(M, dtype={np.dtype(dtype)}) makes no array of it") from None

    def _no_numbers(self, asked: str) -> NotNumbersError:
        """The NotNumbersError for ``asked``: ``M.at(...)`` gives the numbers, or, without a program, why not."""
        try:
            self._check_program(f"give numbers ({asked})")
        except GraphError as error:  # an AttributeError still, so that hasattr(2*H, "toarray") is False
            return NotNumbersError(str(error))
        inputs = user_inputs(self.__dict__.get("graph"), self.__dict__.get("program"))
        return not_numbers(f"a {self.rows}x{self.cols} {type(self).__name__}", "M", asked, inputs, "an ndarray")

    def _check_program(self, what: str) -> None:
        """A NoProgramError (a GraphError) for a matrix without a program (sympy made it, or it was edited):
        nothing to ``what``.  Read in ``__dict__``: ``hasattr`` would ask :meth:`__getattr__`, which asks here."""
        if "program" not in self.__dict__:
            raise NoProgramError(f"this {self.rows}x{self.cols} matrix has no program to {what}: sympy made it from a "
                             "Jacobian or Hessian (2*H, H.T, H[:, 0]) or it was edited in place (H[0, 0] = ..., "
                             "H.row_del(0)), so its entries are not the ones derived; sg.lambdify(list(M)) "
                             "compiles its entries (one array each, row by row)")

