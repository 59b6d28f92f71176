"""A sympy number beyond float64 converted as the text keeps one: the nodes of its short exact form.

sympy evaluates ``10**400*x`` to the Integer 10**400 times x, so a graph had only its float64 value, oo
(``x * oo`` listed, ``\\infty x`` typeset), where ``parse("10^400*x")`` keeps the power ``10 ** 400`` as
written.  Converted here to the same nodes, the two graphs agree: listed, drawn and typeset exactly
(``10^{400} x``), and their closed forms and numbers hold float64's inf alike, as every constant beyond
float64 does (:mod:`symgraph.constants`).  An integer of no short form (``10**400 + 1``, which the text
can write only as a sum) keeps its float64 value, as before.
"""
from __future__ import annotations

from typing import Any

import sympy

from ..constants import closed_constant
from ..ir.builder import GraphBuilder
from ..rationals import MAX_CONSTANT_BITS

#: the largest integer tried as a perfect power: sympy's test took 0.001 s at 33,000 bits and 0.93 s at 66,000
#: (10**20000 + 1), 4.8 s at 133,000; past this an integer of no m*10^k form keeps its float64 value, as before
MAX_POWER_BITS = 40_000


def exact_number(builder: GraphBuilder, number: sympy.Rational) -> Any:
    """``number`` as a constant while it fits :data:`~symgraph.rationals.MAX_CONSTANT_BITS` (as float64 does);
    beyond, the node of its exact form ``m * 10^k``, ``b^k`` or a quotient of those; else its float64 value."""
    p, q = int(number.p), int(number.q)
    if max(abs(p), q).bit_length() <= MAX_CONSTANT_BITS:
        return number
    top, bottom = _exact_integer(builder, abs(p)), _exact_integer(builder, q)
    if top is None or bottom is None:
        return closed_constant(number)
    value = top if q == 1 else builder.op("div", top, bottom)
    return builder.op("neg", value) if p < 0 else value


def _exact_integer(builder: GraphBuilder, n: int) -> Any:
    """The positive integer ``n``: itself when it fits, else the node of ``m * 10^k`` (``m`` fitting) or of the
    perfect power ``b^k``, as a text would write it; None for an integer of neither form."""
    if n.bit_length() <= MAX_CONSTANT_BITS:
        return sympy.Integer(n)
    zeros = sympy.multiplicity(10, n)
    rest = n // 10**zeros
    if zeros and rest.bit_length() <= MAX_CONSTANT_BITS:
        power = builder.op("pow", sympy.Integer(10), sympy.Integer(zeros))
        return power if rest == 1 else builder.op("mul", sympy.Integer(rest), power)
    root = sympy.perfect_power(n) if n.bit_length() <= MAX_POWER_BITS else None
    if root and int(root[0]).bit_length() <= MAX_CONSTANT_BITS:
        return builder.op("pow", sympy.Integer(root[0]), sympy.Integer(root[1]))
    return None
