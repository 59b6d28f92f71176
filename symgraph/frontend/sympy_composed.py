"""sympy classes the op table has no row for, built of its rows from their arguments' nodes (one table)."""
from __future__ import annotations

import sympy

from ..ir.builder import GraphBuilder


def chain(builder, op_name, refs):
    """``refs`` folded left by the binary op ``op_name``."""
    acc = refs[0]
    for ref in refs[1:]:
        acc = builder.op(op_name, acc, ref)
    return acc


def _xor(builder: GraphBuilder, *refs):
    acc = refs[0]
    for b in refs[1:]:
        acc = builder.op("or", builder.op("and", acc, builder.op("not", b)), builder.op("and", builder.op("not", acc), b))
    return acc


def _mod(builder: GraphBuilder, a, b):
    """sympy's Mod(a, b), Python's a % b: the sign of b, ``a - b*floor(a/b)``."""
    return builder.op("sub", a, builder.op("mul", b, builder.op("floor", builder.op("div", a, b))))


def _reciprocal(name: str):
    return lambda builder, a: builder.op("div", sympy.Integer(1), builder.op(name, a))


def _not(builder: GraphBuilder, ref):
    return builder.op("not", ref)


class PowLog0(sympy.Function):
    """``x**y * log0(x)`` found in a product (:func:`with_pow_log0`): the row ``pow_log0`` again, d(x^y)/dy's.

    Why read it back: that row's derivative in x is the other order of differentiation's (0^(y-1) at
    x = 0, see :func:`symgraph.op_partials._pow_log0_base_partial`), where the product rule on its closed
    form x^y * Piecewise((0, x = 0), (log(x), True)) gives 0 * 0 there: the gradient of the gradient entry
    d(x^y)/dy was 0 at (0, 1) where every Hessian strategy says 1.  As relu's closed form Max(0, x) is relu.
    """
    nargs = 2


def _log0_argument(e: sympy.Basic):
    """x when ``e`` is log0(x)'s closed form ``Piecewise((0, Eq(x, 0)), (log(x), True))``, else None."""
    if len(e.args) != 2 or e.args[1][1] is not sympy.true or e.args[0][0] != 0:
        return None
    value, at = e.args[1][0], e.args[0][1]
    if type(value) is sympy.log and len(value.args) == 1 and type(at) is sympy.Eq and at.args[1] == 0 \
            and at.args[0] == value.args[0]:
        return value.args[0]
    return None


def with_pow_log0(factors: list) -> list:
    """The factors of a product with each pair ``x**y`` and ``log0(x)`` (a variable exponent y) as one
    :class:`PowLog0`; the list itself when it has none (a Piecewise factor is the only cost of the test)."""
    if len(factors) < 2 or not any(type(f) is sympy.Piecewise for f in factors):
        return factors
    for k, f in enumerate(factors):
        x = _log0_argument(f) if type(f) is sympy.Piecewise else None
        for j, power in enumerate(factors):
            if x is not None and type(power) is sympy.Pow and power.base == x and not power.exp.is_Number:
                rest = [g for i, g in enumerate(factors) if i != j and i != k]
                return with_pow_log0([*rest, PowLog0(x, power.exp)])
    return factors


#: sympy classes the op table has no row for, built of its rows (exactly, for real operands), from the nodes of
#: their arguments.  Why here and not as rows: each is a short expression of rows the sweeps already
#: differentiate, and sympy makes several on its own -- ``Abs(exp(x))`` of a Symbol with no assumptions holds
#: ``re(x)``, ``real_root(x, 3)`` holds ``im(x)``, ``log(x, 2, evaluate=False)`` keeps its base.  A graph's
#: values are real, so ``re(a)`` and ``conjugate(a)`` are ``a`` and ``im(a)`` is 0.
COMPOSED = {
    sympy.re: lambda builder, a: a,
    sympy.conjugate: lambda builder, a: a,
    sympy.im: lambda builder: sympy.Integer(0),
    sympy.log: lambda builder, a, base: builder.op("div", builder.op("log", a), builder.op("log", base)),
    sympy.Mod: _mod,
    sympy.cot: _reciprocal("tan"), sympy.sec: _reciprocal("cos"), sympy.csc: _reciprocal("sin"),
    sympy.coth: _reciprocal("tanh"), sympy.sech: _reciprocal("cosh"), sympy.csch: _reciprocal("sinh"),
    sympy.Xor: _xor,
    PowLog0: lambda builder, x, y: builder.op("pow_log0", x, y),
    sympy.Nand: lambda builder, *refs: _not(builder, chain(builder, "and", refs)),
    sympy.Nor: lambda builder, *refs: _not(builder, chain(builder, "or", refs)),
    sympy.Implies: lambda builder, a, b: builder.op("or", _not(builder, a), b),
    sympy.Equivalent: lambda builder, *refs: builder.op("or", chain(builder, "and", refs),
                                                        chain(builder, "and", [_not(builder, r) for r in refs])),
    sympy.ITE: lambda builder, c, a, b: builder.op("or", builder.op("and", c, a),
                                                   builder.op("and", _not(builder, c), b)),
}


def composed(e: sympy.Basic):
    """The :data:`COMPOSED` builder of ``e``, or None (a log of one argument is a row of its own)."""
    build = COMPOSED.get(type(e))
    if build is None or type(e) is sympy.log and len(e.args) != 2:
        return None
    return build
