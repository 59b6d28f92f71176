"""Constants and sympy forms of ops: exact while small, float64 beyond, never a huge evaluation.

Constants: exact constants stay exact while they fit :data:`MAX_CONSTANT_BITS`;
a constant subexpression beyond that (or not finite: ``1/0``, ``0*oo``) is
given its float64 value, in closed forms as in the numbers, so ``3^1000*x/3^999``
is nan both ways and ``9^9^9^9`` is oo (:func:`constant_op` owns that rule,
:func:`constant_value` the float64 of a constant).  Graphs and their listings
keep showing the constant as written.  :func:`as_constant` is the one
normaliser of rule-made numbers, :func:`ordered` the one order of commutative
operands, and :func:`build_sympy` builds an op of the table as a sympy
expression without evaluating a huge constant or stalling on deep nesting.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Any, Sequence

import numpy as np
import sympy

from .forms import exp_form, log_form
from .ops import ARITHMETIC, COMMUTATIVE, CONDITIONS, OPS, USER, check_call, op
from .piecewise_forms import NAN_LIFTED, POWERS, nan_branches_lifted, power_branches
from .rationals import EXACT_ARITHMETIC, MAX_CONSTANT_BITS, exact
from .registered_calls import user_call

_Integer, _Float = sympy.Integer, sympy.Float
_FINITE = (sympy.Add, sympy.Mul)

#: the decimal digits of the largest such integer (309, as of float64's largest magnitude): longer digit
#: strings are refused before Python, which reads at most 4,300, is asked to read them
MAX_CONSTANT_DIGITS = len(str(2 ** MAX_CONSTANT_BITS))


# --------------------------------------------------------------------------- constants

def is_number(value: Any) -> bool:
    """True for the literal constants symgraph folds: sympy Integer, Rational and Float (finite).

    By class, not by sympy's assumptions (``is_finite`` on a new number
    runs its fact deduction: most of the cost of folding a constant).
    """
    if isinstance(value, sympy.Rational):
        return True
    return isinstance(value, sympy.Float) and math.isfinite(value)


#: Python ints that rules return, as sympy constants (made once, not per instruction)
_SMALL_INTS = {k: sympy.Integer(k) for k in range(-2, 11)}


def as_constant(value: Any) -> Any:
    """THE constant normaliser: a Python number as a sympy constant (ints exact, floats as Float).

    Names and sympy constants pass through, so builders call it on any operand.
    The class tests come first: the emitter calls this once per operand a rule returns.
    """
    cls = value.__class__
    if cls is str:
        return value
    if cls is int:
        small = _SMALL_INTS.get(value)
        return small if small is not None else sympy.Integer(value)
    if cls is float:
        return sympy.Float(value)
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, int):
        return sympy.Integer(int(value))
    if isinstance(value, float):
        return sympy.Float(float(value))
    return value


def ordered(name: str, x: Any, y: Any) -> tuple:
    """THE hash-consing key ``(name, x, y)`` of a two-operand op, a commutative op's operands sorted.

    ``x`` and ``y`` are operand keys: a node's id or name stands for itself, a
    constant for its :func:`constant_key` (a tuple).  Keys of one kind
    compare; a node comes before a constant.  So ``x*y`` and ``y*x``, ``2*x``
    and ``x*2``, are one node (graph builder) or one instruction (emitter).
    """
    if name in COMMUTATIVE:
        if x.__class__ is y.__class__:
            if y < x:
                return (name, y, x)
        elif x.__class__ is tuple:
            return (name, y, x)
    return (name, x, y)


def constant_key(value: sympy.Expr) -> tuple:
    """A cheap hashable, sortable key for a constant (printing sympy numbers is slow)."""
    cls = value.__class__
    if cls is _Integer:  # the common literals first, by class (builders key every constant operand)
        return (1, "Rational", value.p, 1)
    if cls is _Float:
        return (1, "Float", float(value), 0)
    if isinstance(value, sympy.Rational):
        return (1, "Rational", value.p, value.q)
    if isinstance(value, sympy.Float):
        return (1, "Float", float(value), 0)
    return (1, type(value).__name__, str(value), 0)


def _bits(value: sympy.Number) -> int:
    if isinstance(value, sympy.Float):
        return 0
    return max(abs(value.p).bit_length(), abs(value.q).bit_length())


def _sign(value: sympy.Number) -> int:
    """-1, 0 or 1 for a finite number, read off its value (sympy's ``is_zero`` runs its fact deduction)."""
    number = value.p if isinstance(value, sympy.Rational) else float(value)
    return (number > 0) - (number < 0)


def fold(name: str, args: tuple) -> sympy.Number | None:
    """Fold an op on numeric constants, or return None when the result would not be small.

    Only arithmetic is folded; the guard makes ``9^9^9^9`` cost nothing: a power
    is estimated from the operands' bit lengths before it is computed.
    """
    if name in EXACT_ARITHMETIC and isinstance(args[0], sympy.Rational) and isinstance(args[-1], sympy.Rational):
        return exact(name, args)  # (one or two operands: the first and the last are all of them)
    if name not in ARITHMETIC or not all(is_number(a) for a in args):
        return None
    if any(_bits(a) > MAX_CONSTANT_BITS for a in args):
        return None
    if name == "div" and _sign(args[1]) == 0:
        return None
    if name == "pow":
        base, exponent = args
        if _sign(base) == 0 and _sign(exponent) < 0:
            return None
        if isinstance(exponent, sympy.Integer) and not isinstance(base, sympy.Float):
            estimate = abs(int(exponent)) * max(_bits(base), 1)
            if estimate > MAX_CONSTANT_BITS:
                return None
            # a rational to an integer power, in Python's integers: sympy's Pow took 190 us a term (its
            # assumptions), so sum(x[i]*i^2, i, 0, n-1) parsed at 80 us an index instead of 5
            e, p, q = int(exponent), base.p, base.q
            if e < 0:  # base is not 0 here
                e, p, q = -e, q, p
            return sympy.Rational(p ** e, q ** e)
        elif isinstance(base, sympy.Float) or isinstance(exponent, sympy.Float):
            try:
                value = float(base) ** float(exponent)
            except (OverflowError, ZeroDivisionError):
                return None
            if isinstance(value, complex) or not math.isfinite(value):
                return None
            return sympy.Float(value)
        else:
            return None  # a rational power such as 2**(1/2) stays symbolic
    result = OPS[name].sympy(*args)
    if not is_number(result) or _bits(result) > MAX_CONSTANT_BITS:
        return None
    if isinstance(result, sympy.Float) and not math.isfinite(float(result)):
        return None
    return result


#: sympy expressions nested deeper than this are never built: sympy's constructors, printers
#: and most of its functions recurse, a few Python frames per level, and reach Python's limit
#: near 150-200 levels (a 200-deep sin chain cannot be printed; 120 leaves room for the caller's own frames).  Programs and listings have no limit.
MAX_DEPTH = 120

#: ops sympy merges into one node with their operands of the same kind (Add, Mul)
_FLATTENED = {"add": "Add", "sub": "Add", "mul": "Mul", "div": "Mul", "neg": "Mul"}


def nesting(op_name: str, operand_op: str | None, slot: int) -> int:
    """Levels the sympy tree of ``op_name`` adds above an operand computed by ``operand_op``.

    0 when sympy flattens the operand into the same node (``(a*b)*c`` is one
    Mul), else 1; a divisor sits one level lower, inside ``Pow(y, -1)``.
    Used to estimate closed forms' depth on the graph or program before any
    sympy expression is built.
    """
    if op_name == "div" and slot == 1:
        return 2 if _FLATTENED.get(operand_op) == "Mul" else 1
    kind = _FLATTENED.get(op_name)
    return 0 if kind is not None and kind == _FLATTENED.get(operand_op) else 1


def constant_value(value: Any) -> np.float64:
    """The float64 value of a constant, as NumPy would hold it; never raises.

    An exact integer or rational beyond float64's range is +-inf (Python's
    ``float()`` raises OverflowError there), a tiny one 0.0.
    """
    value = as_constant(value)
    if isinstance(value, sympy.Rational):
        try:
            return np.float64(int(value.p) / int(value.q))
        except OverflowError:
            return np.float64(math.inf if value.p > 0 else -math.inf)
    try:
        return np.float64(float(value))
    except (OverflowError, TypeError, ValueError):
        return np.float64(math.nan)  # a complex or otherwise non-real constant: NumPy's nan


def as_sympy_value(value: float) -> sympy.Expr:
    """A float64 as a sympy constant: Float when finite, else oo, -oo or nan."""
    if math.isnan(value):
        return sympy.nan
    if math.isinf(value):
        return sympy.oo if value > 0 else -sympy.oo
    return sympy.Float(float(value))


def closed_constant(value: Any) -> sympy.Expr:
    """A constant as closed forms hold it: exact while it fits MAX_CONSTANT_BITS, else its float64 value.

    Floats beyond float64's range become +-oo, as the numbers do, and nonzero ones below it 0 (sympy's
    ``Float("1e-400")`` was kept, so ``x*Float("1e-400")`` had derivative 1e-400 in closed form and 0 in numbers).
    """
    value = as_constant(value)
    if isinstance(value, sympy.Float) or isinstance(value, sympy.Rational) and _bits(value) > MAX_CONSTANT_BITS:
        number = constant_value(value)
        kept = isinstance(value, sympy.Float) and math.isfinite(number) and (number != 0 or value.is_zero)
        return value if kept else as_sympy_value(number)
    return value


def _is_constant(value: Any) -> bool:
    """True for a constant atom (numbers, oo, nan, pi)."""
    return isinstance(value, (sympy.Number, sympy.NumberSymbol))


def is_exact_constant(value: Any) -> bool:
    """True for a constant: an atom or an expression of them (``sqrt(2)``, ``2*pi``, ``exp(10)``).

    These go through :func:`constant_op` too: sympy would otherwise expand
    ``sqrt(2)^100000`` to a 50,000-bit integer that cannot even be printed,
    where the numbers say inf.  A user function's call (``softsign(2)``) is
    not a number to sympy and stays as written.
    """
    return _is_constant(value) or value.__class__ is not sympy.Symbol and getattr(value, "is_number", False)


#: function -> (low, below): sympy leaves it as it is on an integer from low on or under below (sin(0) is 0, sin(-1) -sin(1)):
#: built unevaluated there, as evaluating took 0.5-1 ms (sum(sin(i), i, 0, 1000) 0.9 s, sum(exp(-i), i, 0, 3000) 1.5 s)
_STAYS_FROM = {**dict.fromkeys(("sin", "cos", "tan", "sinh", "cosh", "tanh", "erf", "erfc"), (1, -math.inf)),
               **dict.fromkeys(("log", "atan", "asinh", "acosh"), (2, -math.inf)), "exp": (2, 0)}


def constant_op(name: str, args: tuple) -> sympy.Expr:
    """THE value of op ``name`` on constants, for closed forms: what the numbers say, exact when small.

    The rule (README, Conventions): arithmetic on exact constants stays exact
    while the result fits MAX_CONSTANT_BITS (:func:`fold`); beyond that, and
    whenever an operand or the result is not finite (``1/0``, ``0*oo``,
    ``exp(1000)``, ``sqrt(-1)``, ``1^nan``), the result is the float64 value NumPy
    computes, as sympy's oo, -oo, nan or a Float; a condition on constants is
    NumPy's answer, true or false (``sqrt(2)^2 == 2`` is false, as ``where``
    picks in the numbers).  Other functions of finite
    constants stay symbolic (``sin(1)``, ``sqrt(2)``), but for an exact 0 that
    float64 misses (``tan(pi)``, ``cos(pi/2)``: about 1e-16, as pi is rounded),
    which takes the float64 value: ``y/tan(pi)`` divides by it in the closed
    form as in the numbers.  So a closed form and
    the numbers (``.at``, ``lambdify``, ``Graph.evaluate``) agree, and
    ``9^9^9^9`` costs nothing.
    """
    args = tuple(closed_constant(a) for a in args)
    folded = fold(name, args)
    if folded is not None:
        return folded
    with np.errstate(all="ignore"):
        values = tuple(map(constant_value, args))
        number = user_call(name, OPS[name].numeric, *values) if name in USER else OPS[name].numeric(*values)
    if name in CONDITIONS:  # what where() picks is what the numbers pick: sqrt(2)^2 == 2 is false, 1 > nan too
        return sympy.true if number else sympy.false
    if not math.isfinite(number) or any(isinstance(a, sympy.Float) for a in args):
        return as_sympy_value(number)
    if not all(map(math.isfinite, values)):  # 1/oo stays 0 and atan(oo) pi/2, but 1^nan is 1 and
        result = op(name).sympy(*args)      # sigmoid(-oo) 0 in the numbers, where sympy says nan or keeps it
        try:
            return result if float(result) == number else as_sympy_value(number)
        except (TypeError, ValueError):
            return as_sympy_value(number)
    rational = all(isinstance(a, sympy.Rational) for a in args)
    if rational and name in ARITHMETIC and not (name == "pow" and not isinstance(args[1], sympy.Integer)):
        return as_sympy_value(number)  # exact, but beyond MAX_CONSTANT_BITS
    if name == "pow" and isinstance(args[1], sympy.Integer) and abs(args[1].p) > MAX_CONSTANT_BITS:
        return as_sympy_value(number)  # sqrt(2)^5000: sympy would expand it to 2^2500 exactly
    first, (low, below) = args[0], _STAYS_FROM.get(name, (math.inf, -math.inf))
    if first.__class__ is _Integer and (first.p >= low or first.p < below):  # sin(k), exp(-k): as sympy leaves them
        return op(name).sympy(first, evaluate=False)
    result = op(name).sympy(*args)  # exact and finite: sin(1), sqrt(2), 2**(1/2), 2*pi
    if isinstance(result, sympy.Rational) and _bits(result) > MAX_CONSTANT_BITS or result.__class__ not in _FINITE and (
            result.is_finite is False):  # (a sum or product of finite operands is finite: not asked, per term of a long one)
        return as_sympy_value(number)  # sqrt(2)^2050 = 2^1025; tan(pi/2) is zoo to sympy, 1.6e16 in float64
    if result is sympy.S.Zero and number != 0 or result is sympy.nan:
        # an exact 0 the numbers miss (tan(pi) is -1.2e-16 in float64: y/tan(pi) was oo*y in closed form, -1.6e16 at
        # y = 2 in every backend) or sympy's nan where they have a number (atan2(0, 0) is 0 in NumPy and C): theirs
        return as_sympy_value(number)
    return result


#: sympy functions whose automatic evaluation re-examines nested arguments, exponentially in
#: depth (a 7-deep ``tanh(x + tanh(x + ...))`` took 1.3 s, 10-deep 47 s): applied unevaluated
#: to non-constant arguments (constant ones still evaluate, through constant_op)
_UNEVALUATED = {"tanh": sympy.tanh, "sinh": sympy.sinh, "cosh": sympy.cosh}
#: sympy functions whose evaluation asks assumptions of the whole argument tree, built with their useful forms
#: kept and the queries skipped (:func:`symgraph.forms.exp_form`)
_QUERYLESS = {"exp": exp_form, "log": log_form}


#: a max or min of at most this many operands is built by sympy, which simplifies it (``max(x, x + 1)`` is
#: ``x + 1``) by comparing every pair of operands: 8 symbols take milliseconds, 100 took 15 s
EVALUATED_EXTREMUM = 8


def _extremum(name: str, args: tuple) -> sympy.Expr:
    """``max`` or ``min`` of non-constant ``args`` without sympy's evaluation, which compares every pair of
    arguments (a ``Max`` of 100 symbols took 15 s to build, so printing ``grad("max(x0, ..., x99)")`` hung):
    the constants folded to one and repeats dropped, as that evaluation would."""
    numbers = [a for a in args if is_exact_constant(a)]
    rest = list(dict.fromkeys(a for a in args if not is_exact_constant(a)))
    if numbers:
        rest.append(constant_op(name, tuple(numbers)) if len(numbers) > 1 else numbers[0])
    return rest[0] if len(rest) == 1 else op(name).sympy(*rest, evaluate=False)


#: what an op gives when one operand is nan and another a variable, as NumPy computes it: sympy's Max and Min
#: refuse a nan ("not comparable") and its comparisons raise "Invalid NaN comparison"
_ON_NAN = {"max": sympy.nan, "min": sympy.nan, "lt": sympy.false, "le": sympy.false, "gt": sympy.false,
           "ge": sympy.false, "eq": sympy.false, "ne": sympy.true}


def joined_sympy(name: str, args: Sequence[Any]) -> sympy.Expr:
    """The sum (``name`` "add") or product ("mul") of the closed forms ``args`` at once, as a chain of them is
    joined (:func:`symgraph.ir.interpret.forms`); a nan branch lifted out as :func:`build_sympy` does."""
    lifted = nan_branches_lifted(name, tuple(args), joined_sympy)
    if lifted is not None:
        return lifted
    join = sympy.Add if name == "add" else sympy.Mul
    try:
        return join(*args)
    except AssertionError:  # as build_sympy's
        return join(*args, evaluate=False)


#: the arithmetic ops built unevaluated (:func:`build_sympy`'s fallback)
_AS_WRITTEN = {"add": lambda x, y: sympy.Add(x, y, evaluate=False), "mul": lambda x, y: sympy.Mul(x, y, evaluate=False),
               "sub": lambda x, y: sympy.Add(x, sympy.Mul(-1, y, evaluate=False), evaluate=False),
               "div": lambda x, y: sympy.Mul(x, sympy.Pow(y, -1, evaluate=False), evaluate=False),
               "pow": lambda x, y: sympy.Pow(x, y, evaluate=False), "neg": lambda x: sympy.Mul(-1, x, evaluate=False)}


def build_sympy(name: str, args: tuple) -> sympy.Expr:
    """Op ``name`` as a sympy expression (:func:`_built`), or as written where sympy's evaluation fails over a select
    that :func:`symgraph.forms.piecewise` kept as written (its condition compares a value sympy calls non-real or
    nan, x < log(-1/2), atan2(0, 0) <= y): sympy refolds it, and its fold asserts no condition holds a select, or
    compares the nan; that was a raw AssertionError or TypeError from ``g["x"]`` and the function's ``expr()``."""
    try:
        return _built(name, args)
    except (AssertionError, TypeError):
        written = _AS_WRITTEN.get(name)
        if written is None and isinstance(op(name).sympy, sympy.FunctionClass):
            written = partial(op(name).sympy, evaluate=False)
        if written is None or not any(isinstance(a, sympy.Basic) and a.has(sympy.Piecewise) for a in args):
            raise
        return written(*args)


def _built(name: str, args: tuple) -> sympy.Expr:
    """Build op ``name`` as a sympy expression; constant operands go through :func:`constant_op`.

    A nan operand beside variables (``min(0*log(a - a), y)``: sympy makes a - a zero, and 0*log(0) is
    nan as in the numbers) gives NumPy's answer for the ops sympy refuses it to (:data:`_ON_NAN`), and so does
    a comparison with a value sympy proves non-real (``log(min(-1, x))``, nan in the numbers).
    """
    if name in USER:
        check_call(name, len(args))
    if name in _ON_NAN and any(a is sympy.nan for a in args):
        return _ON_NAN[name]
    if name in NAN_LIFTED:
        lifted = nan_branches_lifted(name, args, build_sympy)
        if lifted is not None:
            return lifted
    slot = POWERS.get(name)
    if slot is not None and isinstance(args[slot], sympy.Piecewise):  # sympy distributes a power over the branches
        return power_branches(name, args, build_sympy)
    if name == "div" and _is_constant(args[1]) and not args[1] and not _is_constant(args[0]):  # a number's
        # truth is its value: its is_zero ran sympy's fact deduction, 0.1-0.2 ms on each new Integer
        return args[0] * sympy.oo  # x/0 is x*(1/0) = x*inf in float64 (nan at x = 0); sympy would say zoo
    if name == "logb" and _is_constant(args[0]) != _is_constant(args[1]):
        # log(x, b) is log(x)/log(b) in float64, each log of a constant what the numbers say: log(x, 1) is
        # log(x)/0 (x/0's rule) and log(0, y) -oo/log(y), where sympy's are zoo and zoo/log(y), which lost
        # x or y's sign and which Min and Max refuse
        return build_sympy("div", (build_sympy("log", (args[0],)), build_sympy("log", (args[1],))))
    for a in args:
        if not is_exact_constant(a):
            slow = _UNEVALUATED.get(name)
            if slow is not None:
                return slow(*args, evaluate=False)
            if name in _QUERYLESS:
                return _QUERYLESS[name](*args)
            if name in ("max", "min") and len(args) > EVALUATED_EXTREMUM:
                return _extremum(name, args)
            if len(args) == 1 and a.__class__ is sympy.Symbol:
                return _of_symbol(op(name).sympy, a)
            try:
                return op(name).sympy(*args)
            except TypeError:  # "Invalid comparison of non-real": a nan in the numbers
                if name not in CONDITIONS or name not in _ON_NAN:
                    raise
                return _ON_NAN[name]
    return constant_op(name, args)


#: (sympy function, a Symbol's assumptions) -> True when sympy's evaluation of the function of such a symbol
#: leaves the call as it is (cos(s) is cos(s)), False when it rewrites it (re(s) of a real s is s)
_SYMBOL_CALLS: dict[tuple, bool] = {}


def _of_symbol(function: Any, symbol: sympy.Symbol) -> sympy.Expr:
    """``function(symbol)``, evaluated as sympy evaluates it, built unevaluated once that is known to change nothing.

    What sympy's evaluation makes of a function of one plain Symbol depends on the function and the symbol's
    assumptions, never on its name, so the first call of each pair is evaluated and says whether the others may
    skip it: that evaluation tries to take a factor of I, a multiple of pi and a minus sign out of the symbol
    (0.2 ms for cos(s), against 45 us unevaluated), and the edge derivatives of a 10,000-deep ``sin(sin(...x))``,
    10,000 cosines of node symbols, took 2.4 s of ``sg.paths``' 2.6.  Only sympy's own function classes.
    """
    if not (isinstance(function, sympy.FunctionClass) and function.__module__.startswith("sympy.")):
        return function(symbol)
    key = (function, tuple(sorted(symbol.assumptions0.items())))
    stays = _SYMBOL_CALLS.get(key)
    if stays:
        return function(symbol, evaluate=False)
    built = function(symbol)
    if stays is None:
        _SYMBOL_CALLS[key] = built.func is function and built.args == (symbol,)
    return built


class SympyBuilder:
    """Builder for the partial rules that returns sympy expressions (edge labels)."""

    @staticmethod
    def op(name: str, *args):
        return build_sympy(name, tuple(map(as_constant, args)))
