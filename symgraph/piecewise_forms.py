"""Sympy forms of ops on a ``Piecewise`` operand (a ``where``'s closed form): built branch by branch where sympy
would build something the numbers never compute.

:func:`symgraph.constants.build_sympy` builds every op's sympy form; the two
cases here are the ones a ``Piecewise`` operand makes special:

* a nan branch (:func:`nan_branches_lifted`): sympy can neither print nor
  simplify a sum holding it beside another ``Piecewise``, so it is lifted out;
* a power of it (:func:`power_branches`): sympy distributes ``Piecewise**s``
  over the branches itself, each a power of its own, and a constant branch got
  sympy's value, not float64's: ``1/where(x > 2, 0, y)`` was
  ``Piecewise((zoo, x > 2), (1/y, True))``, complex infinity where the numbers
  give inf (a ``Min`` or ``Max`` of it raised ``ValueError: The argument 'zoo' is
  not comparable``, so ``sg.grad`` failed), and ``sqrt(where(x > 2, -4, y))``
  held ``2*I`` where they give nan.
"""
from __future__ import annotations

from typing import Any

import sympy

from .forms import piecewise

#: the arithmetic ops whose result is nan when an operand is nan, in sympy as in the numbers
NAN_LIFTED = frozenset({"add", "sub", "mul", "div", "neg"})
#: the most operands with a nan branch whose branches are lifted out of one operation (each nests one level)
_MOST_LIFTED = 8
#: ops whose sympy form is a power of one operand (op -> that operand's slot): x^y of x, x/y of y (x*y^-1), sqrt,
#: and d(x^y)/dy = x^y*log0(x) of x
POWERS = {"pow": 0, "div": 1, "sqrt": 0, "pow_log0": 0}


def _has_nan_branch(value: Any) -> bool:
    return isinstance(value, sympy.Piecewise) and any(branch is sympy.nan for branch, _ in value.args)


def nan_branches_lifted(name: str, args: tuple, build: Any) -> sympy.Expr | None:
    """``op(Piecewise((nan, c), (v, True)), a)`` as ``Piecewise((nan, c), (op(v, a), True))`` (``build(name,
    operands)`` makes each branch), or None when no operand is a Piecewise with a nan branch.

    Why: sympy can neither print nor simplify a sum holding such a Piecewise beside another Piecewise (its
    term ordering compares the nan with a number: ``TypeError: Invalid NaN comparison``), and the gradient of
    ``Piecewise((x, x > 0))`` -- nan where no condition holds -- is exactly that sum, so ``str(g["x"])`` raised.
    The nan branch outside the operation is the same function: nan plus or times anything is nan, both ways.
    Past :data:`_MOST_LIFTED` such operands the operation is built as it is (the nesting would grow with them).
    """
    lifted = [k for k, a in enumerate(args) if _has_nan_branch(a)]
    if not lifted or len(lifted) > _MOST_LIFTED:
        return None
    k = lifted[0]
    pieces = []
    for value, condition in args[k].args:
        value = value if value is sympy.nan else build(name, (*args[:k], value, *args[k + 1:]))
        if condition is sympy.true and isinstance(value, sympy.Piecewise):
            pieces.extend(value.args)  # the last piece a select: its pieces in its place, one select
        else:
            pieces.append((value, condition))
    return sympy.Piecewise(*pieces)


def power_branches(name: str, args: tuple, build: Any) -> sympy.Expr:
    """Op ``name`` of :data:`POWERS` on ``args``, whose powered operand is a Piecewise, as sympy distributes it
    (``Piecewise((e1, c1), ...)**s`` is ``Piecewise((e1**s, c1), ...)``, ``x/P`` is ``x*P**-1``) but each branch's
    power made by ``build(name, operands)`` (:func:`symgraph.constants.build_sympy`), so a constant branch is what
    the numbers compute: 0^-1 is oo and (-4)^(1/2) nan, where sympy's are zoo and 2*I."""
    if name == "div":
        return args[0] * power_branches("pow", (args[1], sympy.S.NegativeOne), build)
    rest = args[1:]
    return piecewise((build(name, (value, *rest)), condition) for value, condition in args[0].args)
