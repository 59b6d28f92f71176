"""Numbers and conditions: which operands an op's row takes, the errors that say which is wrong, conditions folded.

An op's row (:mod:`symgraph.ops`) gives its arity and each slot's kind (a
number or a condition).  :class:`~symgraph.ir.builder.GraphBuilder` and the
front end's checking builder (:mod:`symgraph.frontend.checking`) check their
operands with these functions, so both word an error alike; the rows that
need no check (arithmetic on numbers) are listed here for the builder's fast
paths.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sympy

from .. import constants, ops
from ..constants import constant_key as _constant_key
from ..errors import GraphError, UnsupportedOpError

_TRUE, _FALSE = sympy.true, sympy.false
#: the built-in rows :meth:`GraphBuilder.op` builds on nodes that are no conditions without a check
#: (the arithmetic operators and functions: no condition, no where): binary op -> whether it commutes,
#: and the unary ones
_PLAIN2 = {row.name: row.commutative for row in ops.OPS.values()
           if row.arity == 2 and not row.condition and row.kinds == "vv"}
_PLAIN1 = frozenset(row.name for row in ops.OPS.values() if row.arity == 1 and not row.condition and row.kinds == "v")


#: why a graph's output may not be a condition (the parser and the sympy frontend say it alike)
CONDITION_RESULT = ("the result is a condition, not a number: a function's value is a number "
                    "(where(condition, 1, 0) gives its 0/1 value)")


_ORDINAL = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def op_row(name: str, operands: tuple) -> ops.Op:
    """The op table's row for ``name``, which must take this many operands (UnsupportedOpError otherwise)."""
    row = ops.OPS.get(name) or ops.op(name)
    if len(operands) != row.arity and not (row.many and len(operands) > row.arity):
        raise UnsupportedOpError(f"{name} takes {row.arity} operand(s), got {len(operands)}")
    return row


def checked_fold(row: ops.Op, operands: tuple, message: str | None) -> Any:
    """Raise the kind error ``message`` if there is one; else a condition's or a where's folded value, or None."""
    if message:
        raise GraphError(message)
    return _fold_condition(row, operands) if row.condition or row.name == "where" else None


def ordinal(slot: int) -> str:
    """'first', 'second', ... for slot 0, 1, ..."""
    return _ORDINAL[slot] if slot < len(_ORDINAL) else f"{slot + 1}th"


def kind_error(row: ops.Op, conditions: Sequence[bool]) -> str | None:
    """Why ``row`` cannot take operands that are (True) or are not (False) conditions; None when it can.

    An op of several operands (``max(a, b, c)``) checks every one: the operands past its arity are of
    the last slot's kind.
    """
    kinds = row.kinds
    for slot, got in enumerate(conditions):
        want = kinds[min(slot, len(kinds) - 1)]
        if (want == "c") == got:
            continue
        word = row.symbol or f"{row.name}()"
        if want == "c":
            what = ("the first argument of where(condition, a, b)" if row.name == "where"
                    else f"the operand of '{word}'" if row.arity == 1 else f"the {ordinal(slot)} operand of '{word}'")
            return f"{what} must be a condition such as x > 0, not a number"
        if row.condition and slot == 0 and not row.kinds.count("c"):
            # said for (x > 0) == (y > 0) too, where "do not chain" alone misled: the parentheses are not the point
            return (f"comparisons do not chain: write a < b and b {word} c, not a < b {word} c (the first operand "
                    f"of '{word}' is a condition, not a number; where(condition, 1, 0) is its 0/1 value)")
        return (f"the {ordinal(slot) if row.arity > 1 else ''}{' ' if row.arity > 1 else ''}operand of '{word}' "
                "is a condition, not a number; conditions go into where(condition, a, b), 'and', 'or' and "
                "'not' (where(condition, 1, 0) is its 0/1 value)")
    return None


def _fold_condition(row: ops.Op, operands: tuple) -> Any:
    """A comparison of two numbers, a logical op or where() with a true/false operand, folded; else None.

    Comparisons follow NumPy (``nan == nan`` is false), on the constants' float64 values.
    """
    true, false = sympy.true, sympy.false
    if row.name == "where":
        c, a, b = operands
        if c is true or c is false:
            return a if c is true else b
        same = a == b if a.__class__ is int and b.__class__ is int else (
            a.__class__ is not int and b.__class__ is not int and _constant_key(a) == _constant_key(b))
        return a if same else None
    if row.name == "not":
        (c,) = operands
        return None if c.__class__ is int else (false if c is true else true)
    if row.name in ("and", "or"):
        x, y = operands
        absorbing, neutral = (false, true) if row.name == "and" else (true, false)
        if x is absorbing or y is absorbing:
            return absorbing
        if x is neutral:
            return y
        if y is neutral:
            return x
        return x if x == y else None
    if any(x.__class__ is int for x in operands):
        return None
    with np.errstate(all="ignore"):
        return true if bool(row.numeric(*map(constants.constant_value, operands))) else false
