"""The constants of emitted code: the exact ones the emitter's rewrites test for, and its memoised folds.

0, 1 and -1 (sympy's singletons) make a product or sum free; true and false
decide a condition.  :func:`_fold` folds the operands that are all constants
(:func:`constants.fold`, or a comparison and a logical op on true/false),
memoised by the constants' identities: the sweeps fold the same few over and
over.  Why apart from :mod:`~symgraph.ir.emitter`: every sweep of
:mod:`symgraph.ad` tests refs against these constants without an emitter.
"""
from __future__ import annotations

from typing import Any

import sympy

from .. import constants
from ..ops import CONDITIONS
from .program import Ref

ZERO, ONE, MINUS_ONE = sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1)
TRUE, FALSE = sympy.true, sympy.false

_UNITS = {id(ZERO): 0, id(ONE): 1, id(MINUS_ONE): -1}


def _unit_value(ref: Ref) -> int | None:
    """0, 1 or -1 when ``ref`` is that exact constant (sympy's singletons), else None.

    Only exact constants make an operation free: a Float 1.0 is not sympy's
    One (sympy >= 1.13 does not even call them equal) and is kept.
    """
    return _UNITS.get(id(ref))


#: 0, 1 or -1 for those exact constants, else None (what :meth:`Emitter._scaled` takes as ``unit``)
unit_value = _unit_value


def is_zero(ref: Ref) -> bool:
    """True for the exact constant 0 (or a rule's Python 0), whose products vanish and sums are free."""
    if ref is ZERO:
        return True
    cls = ref.__class__
    return (cls is int or cls is float) and ref == 0


def is_unit(ref: Ref) -> bool:
    """True for the exact constants +1 and -1 (or a rule's Python +-1), whose products are free."""
    if ref is ONE or ref is MINUS_ONE:
        return True
    cls = ref.__class__
    return (cls is int or cls is float) and (ref == 1 or ref == -1)


#: (op, id of each constant) -> (the constants, the folded result or None)
_FOLDED: dict[tuple, tuple] = {}


def _fold(name: str, args: tuple) -> Any:
    """:func:`constants.fold`, memoised: sweeps fold the same few constants (2-1, 1/2, ...) over and over.

    Keyed by the constants' identities (sympy caches small integers, so the
    usual ones hit; sympy's own hashing is slow, and it hashes Float(2.0)
    like Integer(2)); each entry holds its constants, so their ids stay theirs.
    """
    key = (name, *map(id, args))
    hit = _FOLDED.get(key)
    if hit is not None:
        return hit[1]
    if len(_FOLDED) > 4096:
        _FOLDED.clear()
    result = constants.fold(name, args) if name not in CONDITIONS else _fold_condition(name, args)
    _FOLDED[key] = (args, result)
    return result


def _fold_condition(name: str, args: tuple) -> Any:
    """A comparison of two constants (NumPy's answer, :func:`constants.constant_op`), or ``and``, ``or``,
    ``not`` with a true/false operand, folded to true, false or the other operand; else None.

    As the graph builder folds them in text.  Why here too: a rule that selects
    on its operands (pow's base partial, ``where(x != 0 or y != 0, ...)``) is
    replayed on constant operands by edge pushing's templates, and ``2 != 0``
    left unfolded emitted a comparison, an ``or`` and a ``where`` at every
    ``x^2`` of a Hessian.
    """
    if name == "not":
        return (FALSE if args[0] is TRUE else TRUE) if args[0] is TRUE or args[0] is FALSE else None
    if name == "and" or name == "or":
        absorbing, neutral = (FALSE, TRUE) if name == "and" else (TRUE, FALSE)
        x, y = args
        return absorbing if x is absorbing or y is absorbing else y if x is neutral else x if y is neutral else None
    if any(a.__class__ is str or a is TRUE or a is FALSE for a in args):
        return None
    return constants.constant_op(name, args)


#: the default second operand of Emitter.op: marks a one-operand op (here, below the emitter and its
#: branches, which both take it)
_UNARY = object()
