"""The JavaScript backend: a Program as one plain JavaScript function, for pages that recompute themselves.

The explorer page (:mod:`symgraph.export.explore`) lets its reader change
the inputs, and recomputes every value and local derivative in the browser
with the function this module writes from the same
:class:`~symgraph.ir.program.Program` the NumPy backend compiles: one
``const`` line per instruction, in program order, returning the results as
an array.  Scalars only (JavaScript numbers are float64, as NumPy's default).

Why it is written the way it is:

* **One table.**  :data:`JS` holds each op's JavaScript template, keyed by
  the op table's names (:mod:`symgraph.ops`); a test keeps it covering every
  built-in row.  A function registered from Python (:func:`symgraph.function`)
  has no JavaScript form: :func:`javascript_source` names it in an
  :class:`~symgraph.errors.UnsupportedOpError`.
* **NumPy's values.**  Where JavaScript's ``Math`` differs from NumPy the
  template calls a small helper (:data:`HELPERS`), written once and included
  only when used: ``round`` halves to even, ``pow(1, nan)`` is 1, ``max`` and
  ``min`` give the second operand on a tie and ``sign(-0)`` is 0 (signed zeros
  as NumPy's), a literal exponent NumPy takes a fast path for is that path
  (:data:`POWERS`: ``x^0.5`` is ``Math.sqrt``),
  ``logaddexp`` shifts by the larger argument, and ``erf``/``erfc`` (which
  ``Math`` lacks) use the Taylor series below 1.5 and the continued fraction
  of erfc above, accurate to a few units in the last place.  A test runs the
  generated code in a browser and compares it with NumPy on every op.
* **Names cannot clash.**  Program names are Python identifiers, which never
  contain ``$``: helpers are ``$erf``, ``$round``, ..., and a name that is a
  JavaScript reserved word or global (``new``, ``Math``, ``NaN``) gets a
  ``$`` appended.

Examples
--------
>>> import symgraph as sg
>>> print(javascript_source(sg.grad("c = a + b; d = b + 1; e = c * d").program, "grad_e"))
function grad_e(a, b) {
  const c = a + b;
  const d = b + 1;
  const t1 = c + d;
  return [d, t1];
}
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import sympy

from .. import constants, ops
from ..errors import UnsupportedOpError
from .peephole import scalar_power

#: op name -> JavaScript template over the operands' texts (as :attr:`symgraph.ops.Op.code` is for NumPy)
JS: dict[str, str] = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}", "pow": "$pow({0}, {1})",
    "neg": "-{0}",
    "sin": "Math.sin({0})", "cos": "Math.cos({0})", "tan": "Math.tan({0})",
    "asin": "Math.asin({0})", "acos": "Math.acos({0})", "atan": "Math.atan({0})",
    "sinh": "Math.sinh({0})", "cosh": "Math.cosh({0})", "tanh": "Math.tanh({0})",
    "asinh": "Math.asinh({0})", "acosh": "Math.acosh({0})", "atanh": "Math.atanh({0})",
    "exp": "Math.exp({0})", "log": "Math.log({0})", "sqrt": "Math.sqrt({0})", "abs": "Math.abs({0})",
    "sigmoid": "Math.exp(Math.min({0}, 0)) / (1 + Math.exp(-Math.abs({0})))", "relu": "$maximum({0}, 0)",
    "softplus": "$logaddexp(0, {0})", "log1p": "Math.log1p({0})", "expm1": "Math.expm1({0})",
    "log2": "Math.log2({0})", "log10": "Math.log10({0})", "exp2": "$pow(2, {0})", "cbrt": "Math.cbrt({0})",
    "erf": "$erf({0})", "erfc": "$erfc({0})",
    "sign": "$sign({0})", "floor": "Math.floor({0})", "ceil": "Math.ceil({0})", "round": "$round({0})",
    "hypot": "Math.hypot({0}, {1})", "atan2": "Math.atan2({0}, {1})",
    "max": "$maximum({0}, {1})", "min": "$minimum({0}, {1})", "logaddexp": "$logaddexp({0}, {1})",
    "logb": "Math.log({0}) / Math.log({1})",
    "heaviside": "({0} === 0 ? {1} : Math.sign($maximum({0}, 0)))",
    "lt": "{0} < {1}", "le": "{0} <= {1}", "gt": "{0} > {1}", "ge": "{0} >= {1}",
    "eq": "{0} === {1}", "ne": "{0} !== {1}",
    "and": "{0} && {1}", "or": "{0} || {1}", "not": "!{0}",
    "where": "({0} ? {1} : {2})",
    "log0": "Math.log({0} + ({0} === 0))",
    "pow_log0": "$pow({0}, {1}) * Math.log({0} + ({0} === 0))",
    "one_minus_square": "(1 - ({0})) * (1 + ({0}))",
    "sech2": "(2 * Math.exp(-Math.abs({0})) / (1 + Math.exp(-Math.abs({0})) ** 2)) ** 2",
    "dsigmoid": "Math.exp(-Math.abs({0})) / (1 + Math.exp(-Math.abs({0}))) ** 2",
}

#: ``x ** c`` for the literal exponents NumPy's power computes by another function
#: (:data:`symgraph.backends.peephole.SCALAR_POWERS`): Math.sqrt(-0) is -0, Math.pow(-0, 0.5) is 0
POWERS = {"square": "{0} * {0}", "sqrt": "Math.sqrt({0})", "reciprocal": "1 / {0}", "copy": "{0}"}

#: helper name -> its JavaScript source (where Math differs from NumPy, or has nothing)
HELPERS: dict[str, str] = {
    "$pow": """function $pow(x, y) {
  // C's pow (NumPy's): 1 to any power, and -1 to an infinite one, is 1; Math.pow gives NaN there
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}""",
    "$maximum": """function $maximum(x, y) {
  // numpy.maximum: NaN propagates, a tie (0 and -0) gives the second operand (Math.max(-0, 0) is 0 either way)
  return x !== x || y !== y ? NaN : x > y ? x : y;
}""",
    "$minimum": """function $minimum(x, y) {
  return x !== x || y !== y ? NaN : x < y ? x : y;
}""",
    "$sign": """function $sign(x) {
  // numpy.sign: 0 for both zeros (Math.sign(-0) is -0)
  return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN;
}""",
    "$round": """function $round(x) {
  // halves to even, as numpy.round
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}""",
    "$logaddexp": """function $logaddexp(x, y) {
  // log(exp(x) + exp(y)) shifted by the larger argument, as numpy.logaddexp
  if (x === y) return x + Math.LN2;
  const d = x - y;
  if (d > 0) return x + Math.log1p(Math.exp(-d));
  if (d <= 0) return y + Math.log1p(Math.exp(d));
  return d;
}""",
    "$erf": """function $erf(x) {
  // Taylor series of exp(x^2) erf(x) below 1.5, 1 - erfc (continued fraction) above
  if (x !== x || x === 0) return x;  // erf(-0) is -0
  const a = Math.abs(x);
  let r;
  if (a < 1.5) {
    const x2 = a * a;
    let acc = 0, k = 25.5;
    for (let i = 0; i < 25; i++) { acc = 2 + x2 * acc / k; k -= 1; }
    r = acc * a * Math.exp(-x2) / Math.sqrt(Math.PI);
  } else {
    r = 1 - $erfc_tail(a);
  }
  return x < 0 ? -r : r;
}""",
    "$erfc": """function $erfc(x) {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  const r = a < 1.5 ? 1 - $erf(a) : $erfc_tail(a);
  return x < 0 ? 2 - r : r;
}""",
    "$erfc_tail": """function $erfc_tail(a) {
  // erfc(a) for a >= 1.5: the continued fraction exp(-a^2)/sqrt(pi) * 1/(a + (1/2)/(a + 1/(a + ...)))
  if (a >= 30) return 0;
  const x2 = a * a;
  let p = 1, pLast = 0, q = 0.5 + x2, qLast = 1, c = 0, dc = 0.5;
  for (let i = 0; i < 50; i++) {
    c += dc; dc += 2;
    const b = dc + x2;
    let t = p; p = b * p - c * pLast; pLast = t;
    t = q; q = b * q - c * qLast; qLast = t;
  }
  return p / q * a * Math.exp(-x2) / Math.sqrt(Math.PI);
}""",
}

#: helpers that call other helpers
_NEEDS = {"$erf": ("$erfc_tail",), "$erfc": ("$erf", "$erfc_tail")}

#: JavaScript's reserved words and the globals generated code reads: a program name that is one gets a "$"
RESERVED = frozenset("""
    break case catch class const continue debugger default delete do else enum export extends false finally for
    function if import in instanceof new null return super switch this throw true try typeof var void while with
    yield let static implements interface package private protected public await arguments eval undefined NaN
    Infinity Math Number Object Array JSON globalThis window document
""".split())


def js_name(name: str) -> str:
    """A program name as a JavaScript identifier: itself, or with ``$`` appended when JavaScript reserves it."""
    return name + "$" if name in RESERVED else name


def js_literal(value: Any) -> str:
    """A constant as JavaScript source: exact integers as integers, others as float64, negatives in parentheses."""
    value = constants.as_constant(value)
    if isinstance(value, sympy.Integer) and abs(int(value)) < 2 ** 53:
        text = str(int(value))
    elif isinstance(value, sympy.logic.boolalg.BooleanAtom):
        text = "true" if value else "false"
    else:
        number = float(constants.constant_value(value))
        text = "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity") if math.isinf(number) \
            else repr(number)
    return f"({text})" if text.startswith("-") else text


def javascript_source(program: Any, name: str = "f", params: Sequence[str] | None = None,
                      returns: Sequence[str] | None = None) -> str:
    """JavaScript source of ``function name(inputs...)`` returning the array of ``returns``' results.

    Parameters
    ----------
    program : Program
        Its instructions become ``const`` lines, in order.
    name : str
        The function's name (a JavaScript identifier).
    params : sequence of str, optional
        The parameters in positional order (default: ``program.inputs``).
    returns : sequence of result labels, optional
        The results returned, in order (default: every result).

    The helpers the body calls are written before the function, so the text
    is a complete script.  A registered Python function raises
    :class:`~symgraph.errors.UnsupportedOpError`.
    """
    params = list(program.inputs if params is None else params)
    labels = list(program.results if returns is None else returns)
    used: dict[str, None] = {}
    lines = []
    constant = {}  # const instructions: target -> the constant (a literal exponent may come through one)
    for target, op, args in program.instructions:
        if op == "const":
            constant[target] = args[0]
            lines.append(f"  const {js_name(target)} = {js_literal(args[0])};")
            continue
        template = JS.get(op)
        if template is None:
            raise UnsupportedOpError(f"{op!r} has no JavaScript form (a function registered from Python runs "
                                     "only in Python): the page cannot recompute it")
        texts = [js_name(a) if isinstance(a, str) else js_literal(a) for a in args]
        fast = op == "pow" and scalar_power(constant.get(args[1], args[1]))
        if fast:  # NumPy's fast paths for a literal exponent
            template = POWERS[fast]
        if len(texts) > ops.OPS[op].arity:  # max(a, b, c): the binary template nested
            text = template.format(*texts[:2])
            for more in texts[2:]:
                text = template.format(text, more)
        else:
            text = template.format(*texts)
        for helper in HELPERS:
            if helper + "(" in text:
                used[helper] = None
                used.update(dict.fromkeys(_NEEDS.get(helper, ())))
        lines.append(f"  const {js_name(target)} = {text};")
    results = []
    for label in labels:
        ref = program.results[label]
        results.append(js_name(ref) if isinstance(ref, str) else js_literal(ref))
    head = [HELPERS[h] for h in HELPERS if h in used]
    body = [f"function {name}({', '.join(js_name(p) for p in params)}) {{", *lines,
            f"  return [{', '.join(results)}];", "}"]
    return "\n".join(head + body)
