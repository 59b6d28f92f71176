"""The emitter's cancellations: d*(a/d) is a, and (c1*b^k1)/(c2*b^k2) is (c1/c2)*b^(k1 - k2), as sympy cancels
them in every closed form.

:class:`Cancellations` holds the methods; :class:`~symgraph.ir.emitter.Emitter`
mixes them in and owns the tables they read (the quotients ``a/d`` over a name,
the products ``b*(a/d)`` of a name and one of them, the exact multiples
``c*y`` emitted and the graph's, the negations, the integer powers ``b^k``
emitted and the graph's).  Why apart: it is one argument of its own, about
values at the corners of a domain, and the emitter's arithmetic reaches it
only for a quotient or a product with one.

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
finds (the adjoint of c in (2/c)*c is 2/c - c*((2/c)/c) = 0).

Every mode meets the same quotient one step further: a power's partial over
its base's.  d sqrt(x)^3/dx was (3*v^2)/(2*v) with v = sqrt(x), 0/0 = nan at
x = 0 in every mode, where sympy's 3*sqrt(x)/2 is 0; in x*log(x) - 2*x*log(x)
the adjoint of log(x) is x - 2*x = -x (the graph's row 2*x is a like term of
x), over log's x: -1, so the derivative is -1 - log(x), +inf at 0 (it was
nan).  A quotient of two names that are exact multiples of integer powers of
one base b, the numerator's power at least the denominator's, is the
constant ratio times b^(k1 - k2): one instruction or none.  A lower power
over a higher (b/b^2) keeps its quotient: 1/b at b = 0 is an infinity whose
sign the numbers do not decide.

Where it changes a value
------------------------
Only where the cancelled name d (or b) is 0, infinite or nan (elsewhere by an
ulp, the rounding of the division it skips): there the quotient is nan and
the cancelled form its limit, sympy's value.  Where k1 > k2 a nan b stays in
the result, so a base outside its domain (sqrt(x) at x = -1) still gives
nan.  Equal powers give the constant, as y/y is 1: d (3*sqrt(x))^2/dx is 9
at x = -1 too, sympy's derivative of its 9*x (a value the function, nan
there in NumPy, does not have).  Only derivative values pass through the
emitter, so function values keep NumPy's semantics (x*(y/x) at x = 0 is
still nan).  Deeper products, and an infinite adjoint meeting an edge whose
derivative is exactly 0 (y/y's), still give nan in one order of products
and inf in another: only symbolic limits decide those, and writing 0*inf as
0 would turn honest nans into wrong numbers.

What it costs: the tables the cancellation of powers reads (the graph's rows
c*y and y^k among them) are kept for every product, sum and quotient the
sweeps emit.  Measured in alternating processes, three rounds, best to fourth
of 15 gradients by CPU time, against the emitter without them: Rosenbrock
n = 1,000 32.4-34.2 -> 34.7-36.7 ms, the product of 1,000 inputs 5.08-5.18 ->
5.36-5.55 ms, the chain of depth 200 9.96-10.2 -> 10.7-11.3 ms, the MLP
0.64-0.66 -> 0.69-0.71 ms (6-8%); program sizes unchanged.  Kept: right
answers first.
"""
from __future__ import annotations

from sympy import Integer, Rational

from .folding import ONE, _fold, is_zero
from .instruction_keys import _constant_key
from .program import Ref

#: how many exact factors and negations :meth:`Cancellations._monomial` looks through (c1*(c2*(-y)))
_DEPTH = 4

#: how many terms of a sum :meth:`Cancellations._distributed` divides one by one (a + b - c over d)
_TERMS = 8


class Cancellations:
    """The emitter's cancellations of d*(a/d) and of powers of one base (see the module docstring)."""

    def _cancelled(self, x: str, y: str) -> Ref | None:
        """``x * y`` when one is a temporary ``a/d`` and the other is a power of d's base at least d's (then
        ``a`` times their ratio, :meth:`_ratio`), else None; one that is ``b*(a/d)`` gives ``b*a*ratio``."""
        for q, other in ((y, x), (x, y)):
            factor = None
            quotient = self._quotients.get(q)
            if quotient is None:
                product = self._scaled_quotients.get(q)
                if product is None:
                    continue
                factor, quotient = product[0], self._quotients[product[1]]
            a, d = quotient
            ratio = (ONE, ONE, ONE) if d == other else self._ratio(other, d) if self._monomials(other, d) else None
            if ratio is not None:
                a = self._times(a, *ratio)
                return a if factor is None else self.op("mul", factor, a)
        return None

    def _rewritten_product(self, a: Ref, b: str) -> Ref | None:
        """``a * b`` when the temporary ``b`` is ``-y`` (then ``-(a*y)``) or ``1/y`` (then ``a/y``), or ``c2/y`` and
        ``a`` an exact constant (then ``(a*c2)/y``, a like term of ``c3/y``: :mod:`~symgraph.ir.like_terms`), else
        None."""
        inner = self._negated_temps.get(b)
        if inner is not None:
            return self.op("neg", self.op("mul", a, inner))
        denominator = self._reciprocals.get(b)
        if denominator is not None:
            return self.op("div", a, denominator)
        term = self._terms.get(b)
        if term is not None and term[2] == "div" and a.__class__ is not str:
            numerator = _fold("mul", (a, term[0])) if term[0].__class__ is not str else self.op("mul", a, term[0])
            if numerator is not None:
                return self.op("div", numerator, term[1])
        return None

    def _lifted(self, x: str, y: str) -> Ref | None:
        """``x * y`` when one is a quotient ``c/d`` of an exact c: ``(c*other)/d``, a like term of the quotients over
        d (:mod:`~symgraph.ir.like_terms`), else None."""
        quotients = self._quotients
        for q, other in ((y, x), (x, y)):
            quotient = quotients.get(q)
            if quotient is not None and quotient[0].__class__ is not str:
                return self.op("div", self.op("mul", quotient[0], other), quotient[1])
        return None

    def _over_constant(self, x: str, c: Ref, key: tuple) -> Ref:
        """``x / c`` for a constant c (not 0 or +-1): ``(c2/c)*y`` when x is an exact multiple ``c2*y``, ``(a/c)/d``
        when x is a quotient ``a/d``; else emitted, and an exact c noted as the multiple ``(1/c)*x`` (a like term, a monomial of the cancellations)."""
        exact = _constant_key(c)[1] == "Rational" and not is_zero(c)
        if exact and x in self._scaled_temps:
            factor, inner = self._scaled_temps[x]
            ratio = _fold("div", (factor, c))
            if ratio is not None:
                return self.op("mul", ratio, inner)
        if exact and x in self._quotients:  # (a/d)/c is (a/c)/d: the quotient over d stays a like term
            a, d = self._quotients[x]
            return self.op("div", self.op("div", a, c), d)
        count = len(self.instructions)
        target = self._plain(key, "div", (x, c))
        inverse = _fold("div", (ONE, c)) if exact and len(self.instructions) != count else None
        if inverse is not None:
            self._terms[target] = (inverse, x, "mul")
            self._scaled_temps[target] = (inverse, x)
        return target

    def _quotient(self, x: str, y: str) -> Ref:
        """``x/y`` for two names: 1 for y/y, the ratio of two powers of one base cancelled (:meth:`_ratio`), else
        emitted (and noted: :meth:`~symgraph.ir.like_terms.LikeTerms._note_quotient`)."""
        if x == y:
            return ONE
        terms, negations, powers = self._terms, self._negations, self._powers  # _monomials(x, y), inlined
        if x in terms or y in terms or x in negations or y in negations or x in powers or y in powers:
            ratio = self._ratio(x, y)  # (f*c1*b^k1)/(c2*b^k2) is f*(c1/c2)*b^(k1 - k2)
            if ratio is not None:
                return self._times(ONE, *ratio)
        if x in self._sums:
            distributed = self._distributed(x, y)
            if distributed is not None:
                return distributed
        target = self._plain(("div", x, y), "div", (x, y))
        self._note_quotient(target, x, y)
        return target

    def _distributed(self, x: str, y: str) -> Ref | None:
        """``x/y`` for a sum x of names: the sum of its terms' quotients when every one cancels (y/y, or
        :meth:`_ratio`), as ``(a*b^2 + c*b)/b`` is ``a*b + c``; else None."""
        terms, stack = [], [(x, 1)]
        while stack:
            name, sign = stack.pop()
            parts = self._sums.get(name) if name.__class__ is str else None
            if parts is None:
                terms.append((name, sign))
            elif len(terms) + len(stack) >= _TERMS:
                return None
            else:
                stack.append((parts[1], sign))
                stack.append((parts[2], sign if parts[0] == "add" else -sign))
        ratios = []
        for name, sign in terms:
            ratio = (ONE, ONE, ONE) if name == y else self._ratio(name, y) if name.__class__ is str else None
            if ratio is None:
                return None
            ratios.append((ratio, sign))
        total = None
        for ratio, sign in reversed(ratios):  # the terms left to right
            term = self._times(ONE, *ratio)
            total = (term if sign > 0 else self.negate(term)) if total is None else self.op(
                "add" if sign > 0 else "sub", total, term)
        return total

    def _ratio(self, x: str, y: str) -> tuple[Rational, Ref, Ref] | None:
        """``x/y`` as (an exact constant r, a name or 1 p, a name or 1 f) when y is c2*b^k2 and x is c1*b^k1 or
        a product f*(c1*b^k1) of two names, with k1 >= k2: r is c1/c2 and p is b^(k1 - k2); also when y is
        c2*sqrt(a) and x's base is a: p is a^(k1 - 1)*sqrt(a), still nan where a < 0; else None."""
        c2, b, k2 = self._monomial(y)
        root = None
        if k2 == 1 and self.graph.op_of.get(b) == "sqrt":
            root = self.graph.operands_of[b][0]
        c1, b1, k1 = self._monomial(x)
        cofactor = ONE
        if b1 != b and b1 != root:
            factors = self._products.get(b1) if k1 == 1 else None  # c0*(f*g): the product's own constant kept
            if factors is None:
                if k1 != 1 or self.graph.op_of.get(b1) != "mul":
                    return None
                factors = self.graph.operands_of[b1]
            c0, (p, q) = c1, factors
            for factor, other in ((p, q), (q, p)):
                if factor.__class__ is str and other.__class__ is str:
                    c1, b1, k1 = self._monomial(factor)
                    if b1 == b or b1 == root:
                        c1 = _fold("mul", (c0, c1))
                        cofactor = other
                        break
            else:
                return None
            if c1 is None:
                return None
        if b1 == b and k1 < k2:
            return None
        ratio = _fold("div", (c1, c2))
        if ratio is None or not isinstance(ratio, Rational):
            return None
        if b1 != b:  # a^k1 / sqrt(a): a^(k1 - 1) * sqrt(a)
            return ratio, b if k1 == 1 else self.op("mul", self._power(root, k1 - 1), b), cofactor
        return ratio, self._power(b, k1 - k2), cofactor

    def _power(self, b: str, k: int) -> Ref:
        """``b^k`` for an integer k >= 0: 1, b, or the emitted power."""
        return ONE if k == 0 else b if k == 1 else self.op("pow", b, k)

    def _times(self, a: Ref, ratio: Rational, power: Ref, cofactor: Ref = ONE) -> Ref:
        """``a * cofactor * power * ratio``; a ratio 1/q or -1/q is a division by q (-q), as ``a/q`` rounds."""
        for factor in (cofactor, power):
            if factor is not ONE:
                a = self.op("mul", a, factor)
        if ratio.p in (1, -1) and ratio.q != 1:
            return self.op("div", a, Integer(ratio.p * ratio.q))
        return self.op("mul", ratio, a)

    def _monomials(self, x: str, y: str) -> bool:
        """Whether one of two distinct names is a multiple, negation or power (else x/y cancels nothing but a
        product's factor over a plain name, which the sweeps' d*(a/d) finds)."""
        terms, negations, powers = self._terms, self._negations, self._powers
        return x in terms or y in terms or x in negations or y in negations or x in powers or y in powers

    def _monomial(self, name: str) -> tuple[Rational, str, int]:
        """``name`` as ``c * b^k``: an exact constant c (from the exact multiples ``c*y`` emitted or the graph's,
        and negations), a name b and an integer k >= 1 (a power ``b^k`` of the graph or emitted); a name that
        is none of these is ``1 * name^1``."""
        c = ONE
        for _ in range(_DEPTH):
            term = self._terms.get(name)  # the emitter's exact multiples c*y and the graph's
            if term is not None and term[2] == "mul":
                factor, inner = term[0], term[1]
            elif (inner := self._negations.get(name)) is not None and inner.__class__ is str:
                factor = -ONE
            else:
                power = self._powers.get(name)
                return (c, name, 1) if power is None else (c, power[0], power[1])
            folded = _fold("mul", (c, factor))
            if folded is None:
                return c, name, 1
            c, name = folded, inner
        return c, name, 1
