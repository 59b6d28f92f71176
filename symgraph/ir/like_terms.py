"""The emitter's like terms: ``c1*a + c2*a`` is ``(c1 + c2)*a`` and ``a/d - b/d`` is ``(a - b)/d``.

:class:`LikeTerms` holds the methods; :class:`~symgraph.ir.emitter.Emitter`
mixes them in and owns the tables they read and write (the exact multiples ``c*y``,
and the quotients ``c/d`` and ``a/d`` over a name d, the reciprocals ``1/d`` among them).

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
Quotients of names over one denominator are summed before the division as
well (y*log(x) - 2*y*log(x): forward mode's y/x - (2*y)/x is reverse mode's
(y - 2*y)/x), which rounds as reverse mode's program does.
The graph's own rows c*y count as terms (x - 2*x is -x), and an offset
c + z collects with a like term of z: forward mode's tangent of
x*log(x) - 2*x*log(x) was (log(x) + 1) - (2*log(x) + 2), -inf - -inf = nan
at 0, and is now -1 - log(x), reverse mode's +inf.
Like the cancellation of d*(a/d) (:mod:`~symgraph.ir.cancelling`), only
derivative values pass through the emitter, so function values keep NumPy's
semantics (log(x) - 2*log(x) itself is still inf - inf = nan at 0).
"""
from __future__ import annotations

from .folding import MINUS_ONE, ONE, ZERO, _fold, is_zero
from .instruction_keys import _constant_key
from .program import Ref

#: how many terms :meth:`LikeTerms._collected_sums` reads from two sums
_TERMS = 8


class LikeTerms:
    """The emitter's collection of like terms (see the module docstring)."""

    def _collected(self, name: str, x: str, y: str) -> Ref | None:
        """``x + y`` or ``x - y`` (``name``) as one term when both are exact multiples of one name (a name is
        1 times itself), or quotients over one name; else None."""
        terms = self._terms
        cx, dx, how = terms.get(x) or (ONE, x, "mul")
        cy, dy, how_y = terms.get(y) or (ONE, y, "mul")
        if dx != dy or how != how_y:
            return None
        if how == "div":  # a/d + b/d = (a + b)/d, the order reverse mode sums in; constants fold
            return self.op("div", self.op(name, cx, cy), dx)
        coefficient = _fold(name, (cx, cy))
        return None if coefficient is None else self.op("mul", coefficient, dx)

    def _collected_offsets(self, name: str, x: str, y: str) -> Ref | None:
        """``x + y`` or ``x - y`` when one is an offset ``c + z`` or ``c - z`` (exact c) whose name z is a like
        term of the other's: the constants added and the terms collected, ``(c1 + a) - (c2 + 2*a)`` as
        ``(c1 - c2) - a``; else None (both stay as they are)."""
        offsets = self._offsets
        cx, sx, zx = offsets.get(x) or (ZERO, 1, x)
        cy, sy, zy = offsets.get(y) or (ZERO, 1, y)
        if name == "sub":
            cy, sy = _fold("neg", (cy,)), -sy
        if sx > 0:  # cx + zx +- zy
            inner, sign = self._collected("add" if sy > 0 else "sub", zx, zy), 1
        elif sy > 0:  # cx - zx + zy
            inner, sign = self._collected("sub", zy, zx), 1
        else:  # cx - (zx + zy)
            inner, sign = self._collected("add", zx, zy), -1
        constant = None if inner is None else _fold("add", (cx, cy))
        if constant is None:
            return None
        return self.op("add" if sign > 0 else "sub", constant, inner)

    def _negated_offset(self, x: str) -> Ref:
        """``-x`` for a temporary ``x = c +- z``: ``(-c) -+ z``, one instruction instead of two."""
        c, sign, z = self._offsets[x]
        return self.op("sub" if sign > 0 else "add", _fold("neg", (c,)), z)

    def _shifted(self, y: str, c: Ref | None, sign: int, name: str, args: tuple, key: tuple) -> Ref:
        """``c + sign*y`` (the instruction ``name(*args)``): one instruction when ``y`` is itself
        ``c2 +- z`` with exact constants (``200 - ((-2) + z)`` is ``202 - z``), else emitted as given."""
        exact = c is not None and _constant_key(c)[1] == "Rational"
        if exact:
            inner = self._offsets.get(y)
            if inner is not None:
                c2, sign2, z = inner
                total = _fold("add", (c, c2) if sign > 0 else (c, _fold("neg", (c2,))))
                if total is not None:
                    return self.op("add" if sign * sign2 > 0 else "sub", total, z)
        count = len(self.instructions)
        target = self._emit(key, name, args)
        if exact and len(self.instructions) != count:
            self._offsets[target] = (c, sign, y)
        return target

    def _note_sum(self, target: str, x: str, y: str) -> str:
        """Note whether the sum or difference ``target`` of x and y holds a quotient (then its like terms are
        collected across sums: :meth:`_collected_sums`); ``target``."""
        quotients, fractional = self._quotients, self._fractional
        if x in quotients or y in quotients or x in fractional or y in fractional:
            fractional.add(target)
        return target

    def _collected_sums(self, name: str, x: str, y: str) -> Ref | None:
        """``x + y`` or ``x - y`` when one is a sum holding a quotient: its terms and the other's (exact multiples
        ``c*z`` and quotients ``c/d``, at most :data:`_TERMS`) with their like terms collected, when two met; else
        None.  ``(5*v + (3/2)/v) - ((5/4)*v + (3/4)/v)`` is ``(15/4)*v + (3/4)/v``, +inf at v = 0, where the
        sums' difference was inf - inf."""
        terms = self._flattened(x, ONE)
        other = None if terms is None else self._flattened(y, ONE if name == "add" else MINUS_ONE)
        if other is None or len(terms) + len(other) > _TERMS:
            return None
        collected: dict[tuple[str, str], Ref] = {}
        for c, z, how in terms + other:
            total = collected.get((z, how))
            total = c if total is None else _fold("add", (total, c))
            if total is None:
                return None
            collected[(z, how)] = total
        if len(collected) == len(terms) + len(other):
            return None
        result = ZERO
        for (z, how), c in collected.items():
            if not is_zero(c):
                term = self.op(how, abs(c), z)  # |c|*z or |c|/z
                result = self.op("add" if c > 0 else "sub", result, term)
        return result

    def _flattened(self, x: str, sign: Ref) -> list[tuple[Ref, str, str]] | None:
        """The terms of the sum ``sign * x`` as (exact coefficient c, name z, "mul" for c*z or "div" for c/z), or
        None past :data:`_TERMS` terms or for a coefficient that does not fold."""
        out, stack, sums, terms = [], [(x, sign)], self._sums, self._terms
        while stack:
            name, c = stack.pop()
            parts = sums.get(name)
            if parts is not None:
                if len(out) + len(stack) >= _TERMS:
                    return None
                stack.append((parts[2], c if parts[0] == "add" else _fold("neg", (c,))))
                stack.append((parts[1], c))
                continue
            term = terms.get(name)
            if term is not None and term[0].__class__ is not str:
                c, name, how = _fold("mul", (c, term[0])), term[1], term[2]
            else:
                how = "mul"
            if c is None:
                return None
            out.append((c, name, how))
        return out

    def _note_quotient(self, target: str, a: Ref, d: Ref) -> None:
        """Record a new temporary ``target = a/d``: a reciprocal for a = 1, a quotient of two names (the
        cancellation's), a term over a name d for an exact or name a."""
        if a is ONE:
            self._reciprocals[target] = d
            self._noted_factors.add(target)
        if d.__class__ is str and (a.__class__ is str or getattr(a, "is_Rational", False)):
            self._quotients[target] = (a, d)
            self._terms[target] = (a, d, "div")
            self._noted_factors.add(target)
