"""The emitter's like terms: ``c1*a + c2*a`` is ``(c1 + c2)*a`` and ``c1/d - c2/d`` is ``(c1 - c2)/d``.

:class:`LikeTerms` holds the method; :class:`~symgraph.ir.emitter.Emitter`
mixes it in and owns the tables it reads (the exact multiples ``c*y`` and the
exact quotients ``c/d``, the reciprocals ``1/d`` among them).

Why collect them
----------------
Reverse mode sums a node's adjoint contributions before it multiplies by the
edge below: the adjoint of log(x) in log(x) - 2*log(x) is the constant
1 - 2 = -1, and the derivative is -1/x.  Forward mode multiplies first and
sums after: the tangents of log(x) and 2*log(x) are 1/x and 2/x, and their
difference 1/x - 2/x.  Equal for x != 0; at x = 0, -inf in one order and
inf - inf = nan in the other, and the paths mode sums the products of forward
mode.  Collected as the exact coefficients add, forward mode's sum is the one
quotient (1 - 2)/x reverse mode emits, and every mode gives -inf (the limit).
Only exact coefficients (rationals) are added, so nothing rounds differently;
a sum whose coefficients cancel is the exact 0 (as ``y - y`` is already).
Like the cancellation of d*(a/d) (:mod:`~symgraph.ir.cancelling`), only
derivative values pass through the emitter, so function values keep NumPy's
semantics (log(x) - 2*log(x) itself is still inf - inf = nan at 0).
"""
from __future__ import annotations

from .folding import ONE, _fold
from .program import Ref


class LikeTerms:
    """The emitter's collection of like terms (see the module docstring)."""

    def _term(self, ref: str) -> tuple:
        """``ref`` as (c, d, how): ``c*d`` (how ``"mul"``) or ``c/d`` (how ``"div"``) with an exact c; a name
        that is neither is ``1*ref``."""
        scaled = self._scaled_temps.get(ref)
        if scaled is not None:
            return scaled[0], scaled[1], "mul"
        quotient = self._over.get(ref)
        if quotient is not None:
            return quotient[0], quotient[1], "div"
        return ONE, ref, "mul"

    def _collected(self, name: str, x: str, y: str) -> Ref | None:
        """``x + y`` or ``x - y`` (``name``) as one term when both are exact multiples of one name, or exact
        quotients over one name; else None."""
        cx, dx, how = self._term(x)
        cy, dy, how_y = self._term(y)
        if dx != dy or how != how_y:
            return None
        coefficient = _fold(name, (cx, cy))
        if coefficient is None:
            return None
        return self.op(how, coefficient, dx)

    def _note_quotient(self, target: str, c: Ref, d: Ref) -> None:
        """Record a new temporary ``target = c/d``: a reciprocal for c = 1, an exact quotient for a rational c."""
        if c is ONE:
            self._reciprocals[target] = d
        if d.__class__ is str and c.__class__ is not str and getattr(c, "is_Rational", False):
            self._over[target] = (c, d)
