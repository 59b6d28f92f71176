"""The emitter's branches: ``where`` and the guards of the derivatives that flow through one.

:class:`Branches` holds the methods; :class:`~symgraph.ir.emitter.Emitter`
mixes them in and owns the tables they read and write (``guards``, the
selects, the one-sided selects, the negated conditions).  Why apart: the
emitter's arithmetic reaches this code only once a derivative is guarded, and
the rules below are one argument of their own.

How derivatives through ``where`` stay free of nan
--------------------------------------------------
``where(c, a, b)`` has the partials ``where(c, 1, 0)`` (for ``a``) and
``where(c, 0, 1)`` (for ``b``), *selects*.  The trouble they bring is the one
JAX users meet in ``where(x > 0, sqrt(x), 0)`` at x = -1: the untaken branch's
partial 1/(2*sqrt(x)) is nan, and an adjoint that is 0 there times nan is nan
(jax#1052, and the "double where" written by hand).  A symbolic emitter knows
which values flow through a branch, so it guards them, in every mode at once
(reverse, forward, path products and elimination all multiply through here):

* a product with a select is a select of the other factor, never a product:
  ``adj * where(c, 1, 0)`` is ``where(c, adj, 0)``;
* such a value is *guarded* by ``c``: it is exactly 0 wherever ``c`` is false.
  Every later product of a guarded value ``g`` with a name ``d`` is selected
  again, ``where(c, g*d, 0)``, so the nan or inf of ``d`` in the untaken
  lanes is discarded instead of multiplied by 0.  Negations and constant
  multiples keep the guard; a sum of two guarded values is guarded by
  ``c1 or c2``; nested branches guard by ``c1 and c2``;
* a tangent's two one-sided selects add up to one ``where(c, ta, tb)``.

Only derivative values are ever guarded (the emitter never re-emits the
function's own rows), so function values keep NumPy's semantics.  The rows
a where() may discard are evaluated without floating-point warnings
(:func:`symgraph.ir.interpret.branch_only`), so the result is exact and quiet:
``grad("where(x > 0, sqrt(x), 0)")`` at x = -1 is 0 in ``.at``, compiled code
and the closed form ``Piecewise((1/(2*sqrt(x)), x > 0), (0, True))``.  A
program whose results are themselves in a branch -- the local derivative on
every edge, which pictures label -- names those results ``discardable``
(:meth:`Emitter.program <symgraph.ir.emitter.Emitter.program>`), and they
are evaluated as quietly as the branch's values.
"""
from __future__ import annotations

from ..constants import as_constant, ordered
from .folding import _UNARY, FALSE, ONE, TRUE, ZERO, is_zero
from .instruction_keys import _constant_key, _make_key
from .program import Ref


class Branches:
    """The emitter's ``where`` and guarded arithmetic (mixed into :class:`~symgraph.ir.emitter.Emitter`)."""

    def where(self, c: str, a: Ref, b: Ref) -> Ref:
        """``where(c, a, b)``: a ref, with the guard and select facts later products use."""
        a = a if a.__class__ is str else as_constant(a)
        b = b if b.__class__ is str else as_constant(b)
        if c is TRUE or c is FALSE:  # a condition on constants, folded
            return a if c is TRUE else b
        if (a == b) if a.__class__ is b.__class__ is str else (
                a.__class__ is not str and b.__class__ is not str and _constant_key(a) == _constant_key(b)):
            return a
        zero_b, zero_a = is_zero(b), is_zero(a)
        if zero_b and a.__class__ is str and self.guards.get(a) == c:
            return a  # already 0 wherever c is false
        target = self._emit(_make_key("where", (c, a, b)), "where", (c, a, b))
        if zero_b or zero_a:
            inner = a if zero_b else b
            guard = self._both(c if zero_b else self._not(c), self.guards.get(inner) if inner.__class__ is str else None)
            self.guards.setdefault(target, guard)
            self._one_sided.setdefault(target, (c, a, b))
            if inner is ONE:
                self._selects.setdefault(target, (c, zero_b))
        return target

    def _guarded(self, name: str, x: Ref, y: Ref = _UNARY) -> Ref:
        """``name(x, y)`` for a product, quotient, negation, sum or difference with a guarded operand.

        A guarded value g is exactly 0 wherever its condition is false, but its
        partner in a product may be nan or inf there (the untaken branch's
        sqrt(-1), 1/0): the product is selected, ``where(cond, g*d, 0)``, never
        ``0*nan``.  A product with a select is the select of the other factor.
        """
        guards, selects = self.guards, self._selects
        gx = guards.get(x) if x.__class__ is str else None
        gy = guards.get(y) if y.__class__ is str else None
        if name == "mul":
            for s, other in ((x, y), (y, x)):
                if s.__class__ is str and s in selects:
                    c, first = selects[s]
                    return self.where(c, other, ZERO) if first else self.where(c, ZERO, other)
        if (name == "add" or name == "sub") and x in self._one_sided and y in self._one_sided:
            merged = self._merged(name, x, y)  # a tangent of where(c, a, b), or where(c, a, -b)
            if merged is not None:
                if merged.__class__ is str and gx is not None and gy is not None:  # 0 where both parts are
                    guards.setdefault(merged, self._either(gx, gy))
                return merged
        result = self._op(name, x, y) if y is _UNARY or not (x.__class__ is str and y.__class__ is str) \
            else self._op2(name, x, y)
        if result.__class__ is not str:
            return result
        if name == "add" or name == "sub":
            if gx is not None and gy is not None:
                guards.setdefault(result, self._either(gx, gy))
            return result
        if name == "neg":
            guards.setdefault(result, gx)
            return result
        if name == "div":
            if gx is None:
                return result  # only a guarded numerator keeps the quotient 0
            gy = None
        guard = self._both(gx, gy)
        if x.__class__ is str and (y is _UNARY or y.__class__ is str) or _absorbs_no_zero(name, y if gx else x):
            return self.where(guard, result, ZERO)  # two names: the partner may be nan; or a constant 1/0, 0*inf
        guards.setdefault(result, guard)  # a finite constant times 0 is 0, as 0 over a nonzero one
        return result

    def _merged(self, name: str, x: str, y: str) -> Ref | None:
        """``x + y`` (or ``x - y``) of two one-sided selects on one condition as one ``where``, else None.

        The sum keeps its parts' guards (the caller adds ``gx or gy``): a guarded adjoint that gathers a
        shared node's uses through nested branches (``where(x > 2, where(x > 1, x, u), u)``) lost its guard
        here, and its 0 times the untaken ``u``'s nan partial gave nan where the function is x.
        """
        (c, a, b), (c2, a2, b2) = self._one_sided[x], self._one_sided[y]
        if c != c2:
            return None
        if is_zero(b) and is_zero(a2):
            return self.where(c, a, b2 if name == "add" else self.negate(b2))
        if is_zero(a) and is_zero(b2):
            return self.where(c, a2 if name == "add" else self.negate(a2), b)
        return None

    def _both(self, g: str | None, h: str | None) -> str | None:
        if g is None or h is None or g == h:
            return h if g is None else g
        return self._emit(ordered("and", g, h), "and", (g, h))

    def _either(self, g: str, h: str) -> str:
        return g if g == h else self._emit(ordered("or", g, h), "or", (g, h))

    def _not(self, c: str) -> str:
        inner = self._negated_conditions.get(c)
        if inner is not None:
            return inner
        target = self._emit(("not", c), "not", (c,))
        self._negated_conditions.setdefault(target, c)
        return target


def _absorbs_no_zero(name: str, constant) -> bool:
    """True when a guarded 0 combined with the constant operand ``constant`` is not 0: a division by 0 (the
    partial 1/0 of x/0, which reverse mode writes as adjoint/0: 0/0 in an untaken branch), or an infinity or nan."""
    value = float(constant)
    return value != value or value in (_INF, -_INF) or (name == "div" and value == 0)


_INF = float("inf")
