"""constants.py: what closed forms hold for functions of constants."""
from __future__ import annotations

import sympy

from symgraph import constants
from symgraph.ops import op


def test_functions_of_integers_built_unevaluated_are_what_sympy_evaluates(monkeypatch):
    """The functions constant_op builds unevaluated on an integer (sympy's evaluation took 1 ms a call) give
    exactly what its evaluation gave (inf past float64, as the numbers say); below the table's start sympy
    changes them (sin(0) is 0, exp(1) E), and for exp, every negative integer stays (exp(-2))."""
    ks = [*range(-40, 45), 97, 1000, 12345, -1000, -12345]
    shortcut = {(name, k): constants.constant_op(name, (sympy.Integer(k),)) for name in constants._STAYS_FROM
                for k in ks}
    monkeypatch.setattr(constants, "_STAYS_FROM", {})
    for (name, k), built in shortcut.items():
        evaluated = constants.constant_op(name, (sympy.Integer(k),))
        assert built == evaluated or built is evaluated is sympy.nan, (name, k, built, evaluated)
    for name in ("sin", "exp", "atan"):
        function = op(name).sympy
        assert function(sympy.Integer(0 if name == "sin" else 1)).func is not function  # where the table starts
    assert constants.constant_op("exp", (sympy.Integer(-5),)) == sympy.exp(-5)
    assert sympy.sin(sympy.Integer(-1)).func is not sympy.sin  # -sin(1): negatives stay for exp alone


def test_sum_of_many_constants_is_not_asked_whether_finite():
    """2*(sin(1) + ... + sin(n)) is built as sympy builds it, and a tangent's pole is still its float64."""
    total = sympy.Add(*[sympy.sin(k) for k in range(1, 200)])
    assert constants.constant_op("mul", (sympy.Integer(2), total)) == 2 * total
    pole = constants.constant_op("tan", (sympy.pi / 2,))
    assert isinstance(pole, sympy.Float) and float(pole) > 1e16
