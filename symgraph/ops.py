"""THE op table: one row per operation, everything symgraph knows about it.

Each :class:`Op` row says how to build the op as a sympy expression, how to
evaluate it on NumPy arrays, how to print it as NumPy source, and its local
partial derivatives.  The partials are written once, against a tiny builder
protocol (``B.op(name, *operands)``), so the same rule produces a sympy
expression for the edge labels and an instruction in a straight-line
:class:`~symgraph.ir.program.Program` for the sweeps -- the way JAX keeps its
primitive rules apart from the interpreters that walk programs.

Partials receive the builder, the op's own result ``out`` and its operands, and
may use ``out`` (exp' = out, sqrt' = 1/(2*out)) so derivative programs reuse
values the function already computed.

Each partial is the textbook form where that form is exact in float64, and
otherwise the closest form that neither cancels nor overflows where the
derivative is a normal number (checked against mpmath in
``tests/test_numerical_edges.py`` and ``tests/test_numerics_audit3.py``):
acosh' is 1/sqrt(x - 1)/sqrt(x + 1) (two divisions: sympy's 1/(sqrt(x - 1)*sqrt(x + 1))
is as exact, but differentiated in reverse it meets sqrt(x - 1)*inf = nan at x = 1, where the
other strategies give acosh''(1) = -inf), asinh' is 1/hypot(x, 1),
atan' 1/hypot(x, 1)^2, atan2's partials x/hypot(x, y)^2 (computed as two
divisions, so neither the square overflows at 1e155 nor underflows at
1e-155), and logsumexp's the softmax weights sigmoid(a - b).  A partial is
differentiated again by every Hessian, so its own derivative must keep its
digits too: 1 - x^2 (asin', acos', atanh') is the row ``one_minus_square``,
(1 - x)*(1 + x) with the derivative -2x; atan' was 1/(1 + x^2), whose
derivative -(out/u)*2x is 0 once out/u underflows (atan''(1e100) is
-2e-300); hypot's partial is x/hypot(x, y) (:func:`~symgraph.op_partials._hypot_partial`).

tanh' and sigmoid' are rows of their own, ``sech2`` and ``dsigmoid``: one operation per tanh or
sigmoid node, computed from e = exp(-|x|) as (2e/(1 + e*e))^2 and e/(1 + e)^2, which neither cancel
nor overflow nor warn at any x.  JAX and PyTorch write tanh' = 1 - t^2 (or (1 - t)*(1 + t)) and
sigmoid' = s*(1 - s): 0 once t or s rounds to 1 (tanh'(20) is 1.7e-17, sigmoid'(40) 4.2e-18), and
1e-8 off at x = 10.  Their derivatives are products that keep their digits too: sech2' =
-2*tanh(x)*sech2(x) (tanh'' was -2t(1 - t^2), 0 from |x| = 19.1 on) and dsigmoid' =
tanh(-x/2)*dsigmoid(x) (sigmoid(-x) - sigmoid(x), which the product rule on s*sigmoid(-x) gave,
cancels near 0: sigmoid''(1e-8) was 6e-9 off, sigmoid''(1e-20) and softplus's third derivative
there 0).  Why not 1/cosh(x)^2: cosh overflows past |x| = 710 with a warning, and its derivative
is 0 * inf = nan there; 4*sigmoid(2x)*sigmoid(-2x) is exact but four operations more per node.
The rows cost fewer operations than the forms they replace (1 - t^2 two, s*sigmoid(-x) three): a
4-8-3 sigmoid MLP's gradient has 307 operations instead of 323, a 4-8-8-1 tanh MLP's 551 instead
of 567, and forward-over-reverse's dense Hessian of the 4-8-3 MLP takes 10,426 multiplications
instead of 10,570 (edge pushing 5,486 either way).

Conventions at kinks follow JAX and PyTorch: relu'(0) = 0 (``heaviside(0, 0) = 0``)
and abs'(0) = sign(0) = 0 (PyTorch's; JAX takes 1); d(x^y)/dy = x^y * log0(x) is 0 at x = 0 (``log0`` is
log with the value 0 at 0, JAX's ``log(where(x == 0, 1, x))``), so 0^y has
derivative 0 in y instead of ``0 * -inf = nan`` (and nan for y < 0, where 0^y is inf: a constant base 0 says so
with a select, so its closed form does too) (for a variable base the row ``pow_log0``, whose derivative
in x is written as d/dy of the base's partial gives it, so both orders of the mixed partial agree); and d(x^y)/dx = y*x^(y-1) is 0
at x = y = 0 (x^0 is 1 for every x) instead of ``0 * inf = nan`` (see
:func:`~symgraph.op_partials._pow_base_partial` for why the select covers that point alone).

Constants (their exact-or-float64 rule, keys and order) and building sympy
forms of these ops live beside this table in :mod:`symgraph.constants`; the
sympy forms and NumPy helpers its rows name (``sigmoid``, ``log0``, ``where``)
in :mod:`symgraph.forms`, the partial rules too long for a row's lambda in
:mod:`symgraph.op_partials`, and calling a registered function's callable
(its errors and results checked) in :mod:`symgraph.registered_calls`.  The
table itself, its derived tables and :func:`register` stay here, in one place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy
from sympy.codegen import cfunctions
from sympy.core.function import UndefinedFunction

from .errors import UnsupportedOpError
from .forms import (_np_dsigmoid, _np_fold, _np_heaviside, _np_log0, _np_one_minus_square, _np_pow_log0, _np_sech2,
                    _np_sigmoid, _sympy_log0, _sympy_where, cbrt, exp_form, log_form, np_erf, np_erfc, np_logb, roundeven,
                    sigmoid)
from .op_partials import (_hypot_partial, _log0_partial, _no_partial, _pow_base_partial, _pow_exponent_partial,
                          _pow_log0_base_partial, _softmax_weights, _tie_share)


@dataclass(frozen=True)
class Op:
    """One row of the op table.

    ``code`` is a format string over the operands' source text; NumPy calls go
    through the namespace name ``xp`` so generated code also runs on Dask or
    CuPy arrays.  An operator's row also says how it is written: ``symbol`` in
    the grammar and in drawings (``^``), ``infix`` in let-listings and Python
    (``**``; default: ``symbol``), and its ``precedence`` in the grammar (higher
    binds tighter); an infix row's ``code`` defaults to its infix form.
    ``call``: an operator the grammar also takes as a call (``pow(x, y)``);
    ``spelling``: the name the grammar calls a row by when it is another
    row's name at another arity (``log(x, b)`` is ``logb``);
    ``fold``: the grammar name under which a binary row takes two or more
    arguments as one node (``max``; ``logsumexp`` for ``logaddexp``); such a
    row has ``many``.
    ``code`` reaches scipy.special as ``special.`` (NumPy has no erf): the
    backends bind that name (to ``math`` in numba kernels); a row added by
    :func:`register` reaches its own callable as ``user.<name>``, which the
    backends bind to a namespace of the callables the program uses.
    ``kinds``: what each operand slot takes, ``v`` a number, ``c`` a
    condition (``where(c, a, b)`` is ``cvv``; default: numbers only);
    ``many``: the row also takes more operands than its arity, as ONE node
    (``max(a, b, c)``), with this rule ``many(B, out, *operands)`` giving
    every slot's partial at once (a list, one per slot: slots may share work,
    as max's count of ties); its code is the binary template nested.
    ``condition``: the result is a condition (comparisons, ``and``, ``or``,
    ``not``), which only ``where`` and the logical ops take: the parser
    and builders check both, so a condition is never a number.
    """

    name: str
    arity: int
    sympy: Callable[..., sympy.Expr]
    numeric: Callable[..., Any]
    code: str
    partials: tuple[Callable[..., Any], ...]
    commutative: bool = False
    in_grammar: bool = True
    symbol: str = ""
    infix: str = ""
    precedence: int = 0
    call: bool = False
    spelling: str = ""
    fold: str = ""
    kinds: str = ""
    condition: bool = False
    many: Callable[..., Any] | None = None

    def __post_init__(self):
        if not self.kinds:
            object.__setattr__(self, "kinds", "v" * self.arity)
        infix = self.infix or self.symbol
        object.__setattr__(self, "infix", infix)
        if not self.code and infix:
            object.__setattr__(self, "code", f"{infix}{{0}}" if self.arity == 1 else f"{{0}} {infix} {{1}}")


def _comparison(name, symbol, sym, num, commutative=False):
    return Op(name, 2, sym, num, "", (_no_partial, _no_partial), commutative=commutative, symbol=symbol,
              precedence=4, condition=True)


def _unary(name, sym, num, code, partial, in_grammar=True):
    return Op(name, 1, sym, num, code, (partial,), in_grammar=in_grammar)


_ROWS = [
    Op("add", 2, lambda x, y: x + y, np.add, "",
       (lambda B, out, x, y: 1, lambda B, out, x, y: 1), commutative=True, symbol="+", precedence=5),
    Op("sub", 2, lambda x, y: x - y, np.subtract, "",
       (lambda B, out, x, y: 1, lambda B, out, x, y: -1), symbol="-", precedence=5),
    Op("mul", 2, lambda x, y: x * y, np.multiply, "",
       (lambda B, out, x, y: y, lambda B, out, x, y: x), commutative=True, symbol="*", precedence=6),
    Op("div", 2, lambda x, y: x / y, np.true_divide, "",
       (lambda B, out, x, y: B.op("div", 1, y),
        lambda B, out, x, y: B.op("neg", B.op("div", out, y))), symbol="/", precedence=6),
    Op("pow", 2, lambda x, y: x ** y, np.power, "xp.power({0}, {1})",
       (_pow_base_partial, _pow_exponent_partial), symbol="^", infix="**",
       precedence=8, call=True),
    Op("neg", 1, lambda x: -x, np.negative, "", (lambda B, out, x: -1,), symbol="-", precedence=7),
    _unary("sin", sympy.sin, np.sin, "xp.sin({0})", lambda B, out, x: B.op("cos", x)),
    _unary("cos", sympy.cos, np.cos, "xp.cos({0})", lambda B, out, x: B.op("neg", B.op("sin", x))),
    _unary("tan", sympy.tan, np.tan, "xp.tan({0})",
           lambda B, out, x: B.op("add", 1, B.op("pow", out, 2))),
    _unary("asin", sympy.asin, np.arcsin, "xp.arcsin({0})",
           lambda B, out, x: B.op("div", 1, B.op("sqrt", B.op("one_minus_square", x)))),
    _unary("acos", sympy.acos, np.arccos, "xp.arccos({0})",
           lambda B, out, x: B.op("neg", B.op("div", 1, B.op("sqrt", B.op("one_minus_square", x))))),
    _unary("atan", sympy.atan, np.arctan, "xp.arctan({0})",  # 1/(1 + x^2), whose x^2 overflows past 1e154
           lambda B, out, x: B.op("pow", B.op("hypot", x, 1), -2)),
    _unary("sinh", sympy.sinh, np.sinh, "xp.sinh({0})", lambda B, out, x: B.op("cosh", x)),
    _unary("cosh", sympy.cosh, np.cosh, "xp.cosh({0})", lambda B, out, x: B.op("sinh", x)),
    _unary("tanh", sympy.tanh, np.tanh, "xp.tanh({0})", lambda B, out, x: B.op("sech2", x)),
    _unary("exp", sympy.exp, np.exp, "xp.exp({0})", lambda B, out, x: out),
    _unary("log", sympy.log, np.log, "xp.log({0})", lambda B, out, x: B.op("div", 1, x)),
    _unary("sqrt", sympy.sqrt, np.sqrt, "xp.sqrt({0})",
           lambda B, out, x: B.op("div", 1, B.op("mul", 2, out))),
    _unary("abs", sympy.Abs, np.abs, "xp.abs({0})", lambda B, out, x: B.op("sign", x)),
    _unary("sigmoid", sigmoid, _np_sigmoid, "xp.exp(xp.minimum({0}, 0)) / (1 + xp.exp(-xp.abs({0})))",
           lambda B, out, x: B.op("dsigmoid", x)),
    _unary("relu", lambda x: sympy.Max(0, x), lambda x: np.maximum(x, 0), "xp.maximum({0}, 0)",
           lambda B, out, x: B.op("heaviside", x, 0)),
    _unary("softplus", lambda x: log_form(1 + exp_form(x)), lambda x: np.logaddexp(0, x),
           "xp.logaddexp(0, {0})", lambda B, out, x: B.op("sigmoid", x)),
    _unary("asinh", sympy.asinh, np.arcsinh, "xp.arcsinh({0})",
           lambda B, out, x: B.op("div", 1, B.op("hypot", x, 1))),
    _unary("acosh", sympy.acosh, np.arccosh, "xp.arccosh({0})",
           lambda B, out, x: B.op("div", B.op("div", 1, B.op("sqrt", B.op("sub", x, 1))), B.op("sqrt", B.op("add", x, 1)))),
    _unary("atanh", sympy.atanh, np.arctanh, "xp.arctanh({0})",
           lambda B, out, x: B.op("div", 1, B.op("one_minus_square", x))),
    _unary("log1p", cfunctions.log1p, np.log1p, "xp.log1p({0})", lambda B, out, x: B.op("div", 1, B.op("add", x, 1))),
    _unary("expm1", cfunctions.expm1, np.expm1, "xp.expm1({0})", lambda B, out, x: B.op("exp", x)),
    # log2' and log10' are (1/log(b))/x: 1/(x*log(10)) overflowed its product past x = 7.8e307 (log10'(1e308)
    # was 0, not 4.3e-309); the constant's division first is as exact and never overflows where 1/x does not
    _unary("log2", cfunctions.log2, np.log2, "xp.log2({0})",
           lambda B, out, x: B.op("div", B.op("div", 1, B.op("log", 2)), x)),
    _unary("log10", cfunctions.log10, np.log10, "xp.log10({0})",
           lambda B, out, x: B.op("div", B.op("div", 1, B.op("log", 10)), x)),
    _unary("exp2", cfunctions.exp2, np.exp2, "xp.exp2({0})", lambda B, out, x: B.op("mul", out, B.op("log", 2))),
    _unary("cbrt", cbrt, np.cbrt, "xp.cbrt({0})", lambda B, out, x: B.op("div", 1, B.op("mul", 3, B.op("pow", out, 2)))),
    _unary("erf", sympy.erf, np_erf, "special.erf({0})",  # 2/sqrt(pi) * exp(-x^2)
           lambda B, out, x: B.op("mul", B.op("div", 2, B.op("sqrt", sympy.pi)), B.op("exp", B.op("neg", B.op("pow", x, 2))))),
    _unary("erfc", sympy.erfc, np_erfc, "special.erfc({0})",
           lambda B, out, x: B.op("mul", B.op("div", -2, B.op("sqrt", sympy.pi)), B.op("exp", B.op("neg", B.op("pow", x, 2))))),
    # piecewise constant: derivative 0 where defined (also at the jumps, as JAX)
    _unary("sign", sympy.sign, np.sign, "xp.sign({0})", lambda B, out, x: 0),
    _unary("floor", sympy.floor, np.floor, "xp.floor({0})", lambda B, out, x: 0),
    _unary("ceil", sympy.ceiling, np.ceil, "xp.ceil({0})", lambda B, out, x: 0),
    _unary("round", roundeven, np.round, "xp.round({0})", lambda B, out, x: 0),  # halves to even, as NumPy
    Op("hypot", 2, cfunctions.hypot, np.hypot, "xp.hypot({0}, {1})",
       (lambda B, out, x, y: _hypot_partial(B, out, x), lambda B, out, x, y: _hypot_partial(B, out, y))),
    Op("atan2", 2, sympy.atan2, np.arctan2, "xp.arctan2({0}, {1})",  # atan2(y, x), the angle of (x, y)
       (lambda B, out, y, x: B.op("div", B.op("div", x, B.op("hypot", x, y)), B.op("hypot", x, y)),
        lambda B, out, y, x: B.op("neg", B.op("div", B.op("div", y, B.op("hypot", x, y)), B.op("hypot", x, y))))),
    # ties split the adjoint evenly, as JAX: d max(x, y)/dx = 1, 1/2, 0 for x >, ==, < y, and
    # max(a, b, c) is one node whose tied operands share the adjoint: 1/3 each at a = b = c
    Op("max", 2, sympy.Max, _np_fold(np.maximum), "xp.maximum({0}, {1})",
       (lambda B, out, x, y: B.op("heaviside", B.op("sub", x, y), sympy.S.Half),
        lambda B, out, x, y: B.op("heaviside", B.op("sub", y, x), sympy.S.Half)), commutative=True, fold="max",
       many=_tie_share),
    Op("min", 2, sympy.Min, _np_fold(np.minimum), "xp.minimum({0}, {1})",
       (lambda B, out, x, y: B.op("heaviside", B.op("sub", y, x), sympy.S.Half),
        lambda B, out, x, y: B.op("heaviside", B.op("sub", x, y), sympy.S.Half)), commutative=True, fold="min",
       many=_tie_share),
    # log(exp(a) + exp(b)) without overflow (NumPy's logaddexp shifts by the larger argument); the
    # partials are the softmax weights exp(a)/(exp(a) + exp(b)) = sigmoid(a - b), in [0, 1] for any a, b
    # (exp(a - out) lost the digits of out's log(1 + exp(-|a - b|)) as out rounds: 1, not 1/2, at a = b = 1e16);
    # logsumexp(a, b, c) is one node (see _softmax_weights), its value NumPy's logaddexp over pairs
    Op("logaddexp", 2, lambda *xs: log_form(sympy.Add(*map(exp_form, xs))), _np_fold(np.logaddexp),
       "xp.logaddexp({0}, {1})",
       (lambda B, out, a, b: B.op("sigmoid", B.op("sub", a, b)),
        lambda B, out, a, b: B.op("sigmoid", B.op("sub", b, a))), commutative=True, in_grammar=False, fold="logsumexp",
       many=_softmax_weights),
    Op("logb", 2, lambda x, b: sympy.log(x, b), np_logb, "xp.log({0}) / xp.log({1})",  # log(x, b), log in base b
       (lambda B, out, x, b: B.op("div", B.op("div", 1, B.op("log", b)), x),  # as log10's, no overflow of x*log(b)
        lambda B, out, x, b: B.op("neg", B.op("div", out, B.op("mul", b, B.op("log", b))))), spelling="log"),
    # heaviside(x, h0): derivative 0 in x (also at the jump, as sign); its value is h0 at x = 0 alone, so
    # its partial in h0 is the select where(x == 0, 1, 0) (JAX's too), not 0, which made the derivative
    # of heaviside(x, h)*... by h silently 0 at x = 0.  Only a named h0 has an edge: relu's and max's
    # heaviside(x, 0) and heaviside(x, 1/2) build no such partial.
    Op("heaviside", 2, sympy.Heaviside, _np_heaviside, "xp.where({0} == 0, {1}, xp.sign(xp.maximum({0}, 0)))",
       (lambda B, out, x, h: 0, lambda B, out, x, h: B.op("where", B.op("eq", x, 0), 1, 0))),
    # Conditions: comparisons of numbers, and the logical ops on conditions.  They carry no
    # derivative (their partials are 0), and only where() and the logical ops take them.
    _comparison("lt", "<", sympy.StrictLessThan, np.less),
    _comparison("le", "<=", sympy.LessThan, np.less_equal),
    _comparison("gt", ">", sympy.StrictGreaterThan, np.greater),
    _comparison("ge", ">=", sympy.GreaterThan, np.greater_equal),
    _comparison("eq", "==", sympy.Eq, np.equal, commutative=True),
    _comparison("ne", "!=", sympy.Ne, np.not_equal, commutative=True),
    Op("and", 2, sympy.And, np.logical_and, "xp.logical_and({0}, {1})", (_no_partial, _no_partial),
       commutative=True, symbol="and", precedence=2, kinds="cc", condition=True),
    Op("or", 2, sympy.Or, np.logical_or, "xp.logical_or({0}, {1})", (_no_partial, _no_partial),
       commutative=True, symbol="or", precedence=1, kinds="cc", condition=True),
    Op("not", 1, sympy.Not, np.logical_not, "xp.logical_not({0})", (_no_partial,),
       symbol="not", precedence=3, kinds="c", condition=True),
    # where(c, a, b): a where c holds, else b.  Its partials are selects, where(c, 1, 0) and
    # where(c, 0, 1); the emitter turns a product with a select into a select of the product and
    # guards every later product of that adjoint or tangent (symgraph.ir.branches: nan-safe branches).
    Op("where", 3, _sympy_where, np.where, "xp.where({0}, {1}, {2})",
       (_no_partial, lambda B, out, c, a, b: B.op("where", c, 1, 0),
        lambda B, out, c, a, b: B.op("where", c, 0, 1)), kinds="cvv"),
    # Not in the grammar: d(x^y)/dy.
    _unary("log0", _sympy_log0, _np_log0, "xp.log({0} + ({0} == 0))", _log0_partial, in_grammar=False),
    # Not in the grammar: d(x^y)/dy = x^y*log0(x) for a variable base and exponent, one row whose derivative in x
    # is written as the other order of differentiation gives it (see op_partials._pow_log0_base_partial)
    Op("pow_log0", 2, lambda x, y: x ** y * _sympy_log0(x), _np_pow_log0, "xp.power({0}, {1}) * xp.log({0} + ({0} == 0))",
       (_pow_log0_base_partial, lambda B, out, x, y: B.op("mul", out, B.op("log0", x))), in_grammar=False),
    # Not in the grammar: 1 - x^2 of asin', acos' and atanh', computed as (1 - x)*(1 + x) (near |x| = 1,
    # 1 - x*x cancels the digits x*x rounded away: relative error 1e-9 at x = 0.99999999), with the
    # derivative -2x: the product rule on (1 - x)*(1 + x) is (1 - x) - (1 + x), which cancels near x = 0
    # (asin''(1e-8) off by 5e-10 and asin''(1e-20) 0 in every Hessian, where asin''(x) ~ x)
    _unary("one_minus_square", lambda x: 1 - x ** 2, _np_one_minus_square, "(1 - ({0})) * (1 + ({0}))",
           lambda B, out, x: B.op("mul", -2, x), in_grammar=False),
    # Not in the grammar: tanh' = sech(x)^2 and sigmoid' = sigmoid(x)*sigmoid(-x), each one row computed from
    # exp(-|x|) (see the module docstring), whose derivatives are products that keep their digits:
    # sech2' = -2*tanh(x)*sech2(x), dsigmoid' = tanh(-x/2)*dsigmoid(x) (sigmoid(-x) - sigmoid(x) = tanh(-x/2))
    _unary("sech2", lambda x: 1 - sympy.tanh(x, evaluate=False) ** 2, _np_sech2,  # unevaluated as tanh's rows
           "(2 * xp.exp(-xp.abs({0})) / (1 + xp.exp(-xp.abs({0})) ** 2)) ** 2",
           lambda B, out, x: B.op("mul", -2, B.op("mul", B.op("tanh", x), out)), in_grammar=False),
    _unary("dsigmoid", lambda x: sigmoid(x) * sigmoid(-x), _np_dsigmoid,
           "xp.exp(-xp.abs({0})) / (1 + xp.exp(-xp.abs({0}))) ** 2",
           lambda B, out, x: B.op("mul", B.op("tanh", B.op("mul", sympy.Rational(-1, 2), x)), out), in_grammar=False),
]

class _Table(dict):
    """The op table's dict: a missing op is :class:`UnsupportedOpError` naming it, never a KeyError.

    Why a ``__missing__`` and not a check at each reader: a graph built
    while a function was registered (:func:`register`) outlives its
    :func:`unregister`, and every layer reads rows by name (evaluation,
    sweeps, code, labels).  Lookups that find their row cost what a dict's do.
    """

    def __missing__(self, name: str) -> "Op":
        raise UnsupportedOpError(
            f"no rule for op {name!r} (a function registered with symgraph.function and then removed has none "
            f"either: register it again to use the expressions built with it); known ops: {', '.join(self)}")


#: op name -> row.
OPS: dict[str, Op] = _Table({row.name: row for row in _ROWS})
#: the functions the text grammar accepts (any arity: the row's), in documentation order: an ordered
#: set (a dict), so lookups are O(1) and :func:`register` extends it in place
FUNCTIONS: dict[str, None] = dict.fromkeys([
    row.name for row in _ROWS if row.in_grammar and (row.call or not row.symbol) and not row.spelling] + [
    row.fold for row in _ROWS if row.fold and row.fold != row.name])
#: functions the grammar writes as a composition of rows: name -> (arity, build with ``B.op``);
#: clip(x, lo, hi) is min(max(x, lo), hi), so its derivative follows min's and max's tie rule
COMPOSITES: dict[str, tuple[int, Callable[..., Any]]] = {
    "clip": (3, lambda B, x, lo, hi: B.op("min", B.op("max", x, lo), hi)),
}
FUNCTIONS.update(dict.fromkeys(COMPOSITES))
#: grammar name -> the binary row it folds over two or more arguments: "max" -> "max", "logsumexp" -> "logaddexp"
VARIADIC: dict[str, str] = {row.fold: row.name for row in _ROWS if row.fold}
#: op -> the name the grammar calls it by, where it folds under another ("logaddexp" -> "logsumexp": NumPy's
#: logaddexp takes two arguments, the node any number) or is another name's call at its arity ("logb" -> "log",
#: log(x, b)): listings and drawings write a node as the text wrote it, so a listing parses back
WRITTEN: dict[str, str] = {row.name: row.fold for row in _ROWS if row.fold and row.fold != row.name}
WRITTEN.update((row.name, row.spelling) for row in _ROWS if row.in_grammar and row.spelling)
#: (name as written, number of arguments) -> op, for calls whose row has another name: ("log", 2) -> "logb"
OVERLOADS: dict[tuple[str, int], str] = {
    (row.spelling, row.arity): row.name for row in _ROWS if row.in_grammar and row.spelling}
#: sympy function class -> op name, for the rows whose sympy constructor is a class
#: (``sympy.sin``, ``sympy.Max``, :class:`~symgraph.forms.sigmoid`): what :mod:`symgraph.frontend.from_sympy` reads
SYMPY_FUNCTIONS: dict[type, str] = {
    row.sympy: row.name for row in _ROWS if isinstance(row.sympy, type)}
#: ops whose code calls scipy.special (the backends bind ``special``)
SPECIAL = frozenset(row.name for row in _ROWS if "special." in row.code)
#: the operators, whose constant results fold() computes exactly (functions stay: sin(1) stays sin(1))
ARITHMETIC = frozenset(row.name for row in _ROWS if row.symbol and not row.condition)
#: the ops whose result is a condition (comparisons, and, or, not)
CONDITIONS = frozenset(row.name for row in _ROWS if row.condition)
#: ops whose two operands commute (see :func:`ordered`)
COMMUTATIVE = frozenset(row.name for row in _ROWS if row.commutative)


def op(name: str) -> Op:
    """Return the row for ``name``; a missing rule is a named error, not a KeyError."""
    return OPS[name]


#: rows added at run time by :func:`register` (functions registered from Python), name -> row
USER: dict[str, Op] = {}


def register(row: Op) -> None:
    """Add a function row at run time (or replace the one of that name :func:`register` added).

    Why here: the op table's derived tables are kept consistent in one
    place.  A registered row is a plain function -- no operator symbol, no
    fold, no other spelling, not commutative -- so of the derived tables
    only :data:`OPS`, :data:`FUNCTIONS` and :data:`SYMPY_FUNCTIONS` gain an
    entry; built-in rows cannot be replaced.
    """
    if (row.name in OPS or row.name in COMPOSITES) and row.name not in USER:
        raise UnsupportedOpError(f"{row.name!r} is a built-in op and cannot be redefined")
    if row.symbol or row.fold or row.spelling or row.commutative or not row.in_grammar or "special." in row.code \
            or row.condition or set(row.kinds) != {"v"}:
        raise UnsupportedOpError(f"register() takes plain function rows; {row.name!r} is not one")
    if row.name in USER:
        unregister(row.name)
    OPS[row.name] = USER[row.name] = row
    FUNCTIONS[row.name] = None
    if isinstance(row.sympy, type):
        SYMPY_FUNCTIONS[row.sympy] = row.name


def sympy_op(cls: type) -> str | None:
    """The op name of the sympy function class ``cls``, or None when it is none of the table's.

    A registered function's class from an earlier registration of a name
    registered now counts as that name (its ``_symgraph_name``), and so does
    an undefined sympy function of that name (``sympy.Function("softsign")``):
    a closed form computed before a notebook cell registering the function
    was re-run still converts, as a graph built before still evaluates --
    both hold the function's name (:func:`check_call` refuses another number
    of arguments).
    """
    name = SYMPY_FUNCTIONS.get(cls)
    if name is None:
        name = cls.__dict__.get("_symgraph_name")
        if name is None and isinstance(cls, UndefinedFunction):
            name = cls.__name__
        if name not in USER:
            return None
    return name


def check_call(name: str, count: int) -> None:
    """Refuse a node calling the registered function ``name`` with ``count`` operands when its row takes another number.

    Why: a graph holds a function's name, not its row, and registering the
    name again (a notebook cell re-run) may change its arguments; a graph
    built before would then be evaluated with the new row -- in generated
    code silently, with operands dropped (``user.f({0})`` formats any number
    of them).  Every reader of a user row's callable, code, partials or
    sympy form calls this first; rows of built-in ops never change.
    """
    row = USER.get(name)
    if row is not None and count != row.arity:
        raise UnsupportedOpError(
            f"this expression calls {name!r} with {count} argument{'s' * (count != 1)}, but {name!r} is now "
            f"registered with {row.arity}: it was registered again with other arguments after the expression "
            "was built; build the expression again (or register the old definition)")


def unregister(name: str) -> None:
    """Remove a row :func:`register` added, from every table it entered; built-in rows stay."""
    row = USER.pop(name, None)
    if row is None:
        raise UnsupportedOpError(f"{name!r} is not a registered function"
                                 + (" (it is built in)" if name in OPS else ""))
    del OPS[name]
    FUNCTIONS.pop(name, None)
    if SYMPY_FUNCTIONS.get(row.sympy) == name:
        del SYMPY_FUNCTIONS[row.sympy]
