"""The emitter's cancellations: d*(a/d) is a, as sympy cancels it in every closed form.

:class:`Cancellations` holds the method; :class:`~symgraph.ir.emitter.Emitter`
mixes it in and owns the tables it reads (the quotients ``a/d`` of two names,
the products ``b*(a/d)`` of a name and one of them, the exact multiples
``c*y``).  Why apart: it is one argument of its own, about values at the
corners of a domain, and the emitter's arithmetic reaches it only for a
product with a quotient.

Why cancel
----------
The sweeps meet d*(a/d) where an edge's derivative divides by the value
another edge multiplies by.  sqrt's partial is 1/(2*sqrt(x)), so forward
mode's tangent of sqrt(x)*exp(sqrt(x)) was t + sqrt(x)*(t*exp(sqrt(x))) with
t = 1/(2*sqrt(x)): at x = 0, inf + 0*inf = nan, where reverse mode, summing
before it divides, gave inf (the limit), and the closed forms too.  Cancelled,
the product is exp(sqrt(x))/2 and every mode gives inf.  A forward tangent
multiplied by an edge between the division and the product is ``b*(a/d)``,
cancelled one level deep, so forward mode finds the exact zeros reverse mode
finds (the adjoint of c in (2/c)*c is 2/c - c*((2/c)/c) = 0).  It changes a
value only where d is 0, infinite or nan (elsewhere by an ulp, the rounding
of the division it skips): there d*(a/d) is nan and a its limit.  Only
derivative values pass through the emitter, so function values keep NumPy's
semantics (x*(y/x) at x = 0 is still nan).  Deeper products, and an infinite
adjoint meeting an edge whose derivative is exactly 0 (y/y's), still give nan
in one order of products and inf in another: only symbolic limits decide
those, and writing 0*inf as 0 would turn honest nans into wrong numbers.
"""
from __future__ import annotations

from .program import Ref


class Cancellations:
    """The emitter's cancellation of d*(a/d) (see the module docstring)."""

    def _cancelled(self, x: str, y: str) -> Ref | None:
        """``x * y`` when one is a temporary ``a/d`` and the other is d (then ``a``) or d is the temporary
        ``c*other`` (then ``a/c``), else None; one that is ``b*(a/d)`` gives ``b*a`` (``b*(a/c)``)."""
        for q, other in ((y, x), (x, y)):
            factor = None
            quotient = self._quotients.get(q)
            if quotient is None:
                product = self._scaled_quotients.get(q)
                if product is None:
                    continue
                factor, quotient = product[0], self._quotients[product[1]]
            a, d = quotient
            if d == other:
                return a if factor is None else self.op("mul", factor, a)
            scaled = self._scaled_temps.get(d)
            if scaled is not None and scaled[1] == other:
                a = self.op("div", a, scaled[0])
                return a if factor is None else self.op("mul", factor, a)
        return None
