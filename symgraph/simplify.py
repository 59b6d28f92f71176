"""Bounded simplification: cheap canonical steps that cannot stall on big results.

``"fast"`` (the default, also ``True``) keeps sympy's automatic canonical form
(like terms collected, constants folded) and, for results whose expanded tree
has at most :data:`FAST_LIMIT` operations, tries ``factor_terms`` and
``cancel`` and keeps the shortest candidate (ties keep the earlier one).  Its
cost is bounded by the size gate, so big graphs pay nothing.  ``"full"`` runs
``sympy.simplify`` (unbounded: your choice); ``"none"`` / ``False`` returns the
raw closed form.
"""
from __future__ import annotations

import sympy

#: results larger than this (expanded tree operations) skip the fast candidates
FAST_LIMIT = 150

MODES = ("fast", "full", "none")


def normalise(how) -> str:
    """Map the user-facing ``simplify=`` values (True/False/str) to one of MODES."""
    if how is True or how is None:
        return "fast"
    if how is False:
        return "none"
    if how in MODES:
        return how
    raise ValueError(f"simplify must be True, False or one of {MODES}, got {how!r}")


def simplify(expr: sympy.Expr, how="fast", size: int | None = None) -> sympy.Expr:
    """Simplify ``expr`` per ``how``; ``size`` is its expanded size if already known (saves a count)."""
    how = normalise(how)
    if how == "none" or expr.is_number and expr.is_Atom:
        return expr
    if how == "full":
        return sympy.simplify(expr)
    if size is None:
        size = sympy.count_ops(expr)
    if size > FAST_LIMIT:
        return expr
    best, best_cost = expr, sympy.count_ops(expr)
    for step in (sympy.factor_terms, sympy.cancel):
        try:
            candidate = step(expr)
        except (sympy.PolynomialError, TypeError, ValueError):
            continue
        cost = sympy.count_ops(candidate)
        if cost < best_cost:
            best, best_cost = candidate, cost
    return best
