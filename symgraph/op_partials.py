"""The partial-derivative rules of op-table rows too long to write as a lambda in the row.

:mod:`symgraph.ops` holds the rows; a row's ``partials`` names these.  Each
rule takes the builder ``B``, the op's result ``out`` and its operands, and
builds with ``B.op(name, *operands)`` only, so one rule gives a sympy
expression and a program's instruction alike.  Why apart from the table:
each rule carries the numerical reasoning of its form (pow at 0, hypot,
log0, max's ties, logsumexp's weights), longer than the row it serves.
"""
from __future__ import annotations


def _no_partial(B, out, *args):
    return 0


def _tie_share(B, out, *args) -> list:
    """d max(a, b, ...)/d each slot: 1/k when that operand is one of the k operands equal to the result, else 0;
    nan when the result is nan (a nan operand), as the binary rule's heaviside(nan) and nested pairs give.

    Every slot at once, since they share the count k: asked slot by slot, each slot rebuilt the sum over
    all operands, and the gradient of a max of 1,000 operands took 28 s (of 20,000, hours).
    Why the second condition: no operand equals a nan result (k = 0), which read as "not the
    maximum", 0, and hid the nan.  That share is the constant nan, not the result: the result
    depends on every operand, so the share did too, and the Hessian's pattern of max(x*y, z, w)
    was dense (its nonzeros are those of x*y).  The share stays a select ``where(..., share, 0)``,
    so the emitter guards the products of the other operands' zeros.
    """
    hits = None
    for a in args:
        hit = B.op("where", B.op("eq", a, out), 1, 0)
        hits = hit if hits is None else B.op("add", hits, hit)
    unordered = B.op("ne", out, out)
    share = B.op("where", unordered, float("nan"), B.op("div", 1, hits))
    return [B.op("where", B.op("or", B.op("eq", a, out), unordered), share, 0) for a in args]


def _pow_base_partial(B, out, x, y):
    """d(x^y)/dx = y*x^(y-1), and 0 at x = y = 0, as JAX (x^0 is 1 for every x), where the formula is 0*inf = nan.

    A constant exponent is decided here, with no select (x^2's partial stays the one product 2*x).  A
    variable one selects on exactly that point, where(x != 0 or y != 0, ..., 0): selecting on y != 0
    alone, as JAX does, also cuts the derivative of the partial in y wherever y = 0, so the Hessian's
    d2(x^y)/dxdy at y = 0 was 0 instead of 1/x.  The emitter guards that select, so later products of it
    stay 0 there too (d/da sqrt(a)^y at a = y = 0 is 0, not 0*inf).

    Inside it, y = 0 takes the form y/x, equal to y*x^(y-1) there: 0 at any x != 0, with derivatives 1/x in
    y (the Hessian's d2/dxdy) and -(y/x)/x = 0 in x.  Why: at y = 0 and x below 1e-154 the formula's
    derivative in x, y*(y-1)*x^(y-2), is 0 * inf = nan (x^-2 overflows) where d2(x^0)/dx2 is 0, and at a
    subnormal x the partial itself was 0 * x^-1 = 0 * inf.  Six more operations for a variable exponent.
    """
    partial = B.op("mul", y, B.op("pow", x, B.op("sub", y, 1)))
    if y.__class__ is not str and not getattr(y, "free_symbols", None):  # a number (or a builder's placeholder)
        return 0 if _is_zero(y) else partial
    nonzero = B.op("ne", y, 0)
    if x is y or (x.__class__ is str and x == y):  # x^x: x != 0 says it
        return B.op("where", nonzero, partial, 0)
    partial = B.op("where", nonzero, partial, B.op("div", y, x))
    return B.op("where", B.op("or", B.op("ne", x, 0), nonzero), partial, 0)


def _is_number(v) -> bool:
    """A constant operand (a number, or a builder's placeholder for one), not a name or a symbol."""
    return v.__class__ is not str and not getattr(v, "free_symbols", None)


def _pow_exponent_partial(B, out, x, y):
    """d(x^y)/dy = x^y * log0(x): 0 at x = 0 (see :func:`_log0_partial`).

    A variable base and exponent get the row ``pow_log0`` (the power computed again, one operation more than
    ``out * log0(x)``), whose derivative in x is written as the other order of differentiation gives it
    (:func:`_pow_log0_base_partial`).  Why: the product rule on ``out * log0(x)`` gives
    y*x^(y-1)*log0(x) + x^y*log0'(x), where the other order gives x^(y-1) + y*x^(y-1)*log0(x): equal for x > 0,
    but at x = 0, y = 1 the first is 0 (log0'(0) = 0; 1/x would give 0 * inf = nan) and the second 1, so the
    mixed partial d2(x^y)/dxdy depended on the order of wrt, on the Hessian strategy and on hvp's direction.
    A constant base (2^y) keeps the product with the node's own value.

    A constant base 0 is the select where(y >= 0, 0, nan), the numbers a base that is 0 at run time gives
    (0^y * log0(0) is 0 * 0 for y >= 0 and inf * 0 = nan for y < 0), written so the closed form says so
    too: it was 0^y * log0(0), which sympy reads as 0 at every y while every program gave nan for y < 0.
    Its nan is ``nan * 0^y`` (sympy's nan too), not the constant: a constant's derivative is 0, so the
    Hessian's d2(0^y)/dy2 was 0 at y < 0 where a base 0 at run time, and edge pushing, give nan; so
    every order of derivative is 0 for y >= 0 and nan below, as the power's own derivatives are.
    """
    if _is_zero(x):
        return B.op("where", B.op("ge", y, 0), 0, B.op("mul", out, float("nan")))
    if _is_number(x) or _is_number(y):
        return B.op("mul", out, B.op("log0", x))
    return B.op("pow_log0", x, y)


def _is_zero(v) -> bool:
    """A constant operand equal to 0 (an int, a float, a sympy number), not a name or a symbol.

    Read off its value (a number's truth): sympy's ``is_zero`` ran its fact deduction, 0.17 ms on each new
    Integer, and ``sum(x^i*y^(i+1), i, 1, n)`` has one at every term (0.5 ms a term in all with its recipes).
    """
    return _is_number(v) and not v


#: a constant operand equal to 0, as the rules above decide it (edge pushing keeps such a constant in its templates)
is_zero_number = _is_zero


def _pow_log0_base_partial(B, out, x, y):
    """d(x^y * log0(x))/dx, as d/dy of :func:`_pow_base_partial`'s select gives it: x^(y-1) + y*x^(y-1)*log0(x)
    where y != 0, 1/x where y = 0 (d/dy of y/x), 0 at x = y = 0.

    The same operations on the same operands as that order, so both orders of a mixed partial of x^y give
    the same number everywhere, also at x = 0: 1 at (0, 1) under log0's convention (the limit from x > 0 is
    -inf, where 1 + log(x) diverges), nan at (0, y) for 0 < y < 1 (inf * 0), 0 at (0, 0).
    """
    shifted = B.op("sub", y, 1)
    power = B.op("pow", x, shifted)
    nonzero = B.op("ne", y, 0)
    inner = B.op("where", nonzero, B.op("add", power, B.op("mul", y, B.op("pow_log0", x, shifted))), B.op("div", 1, x))
    return B.op("where", B.op("or", B.op("ne", x, 0), nonzero), inner, 0)


def _hypot_partial(B, out, x):
    """d hypot(x, y)/dx = x/hypot(x, y): the node's value reused, one division (JAX's and PyTorch's form).

    Why not sign(x)/hypot(1, y/x), kept for a while because it stays right where hypot itself overflows
    (x = y = 1.7e308) or rounds to a subnormal: its own derivative, which every Hessian takes, meets
    y/x = inf at x = 0 and 0 * inf there, so d2 hypot(x, y)/dx2 at x = 0 was nan (1/|y|), and inf for
    |x| < 1e-154 |y| (x = 1e-160, y = 0.5: 2).  x/out is exact to an ulp wherever hypot's value is a
    normal number; where that value overflows or is subnormal it is as far off as the value (0 at
    x = y = 1.7e308, 1 at x = y = 5e-324).  It is nan at x = y = 0, where hypot has no derivative (as PyTorch's
    x/out; JAX 0.10 selects 0.5 there), and at an infinite x (inf/inf).
    Kept knowingly: d2/dx2 = (1 - p^2)/out cancels where |y| << |x| (an absolute error below 1e-16/out).
    """
    return B.op("div", x, out)


def _log0_partial(B, out, x):
    """d log0(x)/dx = 1/x, and 0 at x = 0, where log0 is the constant 0 (JAX's log(where(x == 0, 1, x)) too).

    Why not 1/x everywhere: log0 is d(u^y)/dy's factor, and its derivative meets the power there, u^y/u
    for u = 0: 0 * inf = nan.  d2((x*y)^y)/dy2 at x = 0 (where (x*y)^y is 0 for every y > 0) was nan from
    forward-over-reverse and the other nested modes, 0 from edge pushing, which differentiates the
    other partial (the base's) in y there.
    """
    return B.op("where", B.op("ne", x, 0), B.op("div", 1, x), 0)


def _softmax_weights(B, out, *args) -> list:
    """d logsumexp(a, b, c, ...)/d each slot: the softmax weights exp(x - out)/sum(exp(y - out)).

    Shifted by the node's own value, every exponential is at most 1 and one is at least 1/n; normalised by
    their sum, whatever digits ``out`` lost as it rounded cancel (the weights hold for any shift).  One
    node, not nested pairs: the pairs' partials, products of sigmoids of differences with the inner pair's
    value, lost that value's log(2) once it rounds (0.25, 0.25, 0.5 for 1/3 each at a = b = c = 1e16; 2 %
    off at 1e15).  The shift by max(a, b, c) was measured too: as exact, but its second derivatives carry
    max's tie shares, which cancel only in the algebra (a 5-operand Hessian entry printed 30 Piecewise).
    """
    shifted = [B.op("exp", B.op("sub", a, out)) for a in args]
    total = shifted[0]
    for term in shifted[1:]:
        total = B.op("add", total, term)
    return [B.op("div", term, total) for term in shifted]
