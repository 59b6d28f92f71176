"""The emitter's cancellations: d*(a/d) is a, and (c1*b^k1)/(c2*b^k2) is (c1/c2)*b^(k1 - k2), as sympy cancels
them in every closed form.

:class:`Cancellations` holds the methods; :class:`~symgraph.ir.emitter.Emitter`
mixes them in and owns the tables they read (the quotients ``a/d`` over a name,
the products ``b*(a/d)`` of a name and one of them, the exact multiples
``c*y`` emitted and the graph's, the negations, the powers ``b^k`` with an
exact exponent emitted and the graph's, the sums of two names).  Why apart: it is one argument of its own, about
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
one base b is the constant ratio times b^(k1 - k2): one instruction or none;
a lower power over a higher is (c1/c2)/b^(k2 - k1).  The exponents are exact
rationals (y^(3/2); a negative one is no monomial, see below), and a square root's base a counts as two
powers of v = sqrt(a): a^2/v^3 is v, x/v is v.

Second order
------------
The Hessian's strategies differentiate a program that divides, so they meet
the same quotients in forms a first derivative does not make; each form is
now brought to one a rule above reads, in the emitter, for every strategy:

* a sum over a monomial.  Reverse sweeps over a gradient sum an adjoint
  before they multiply by an edge: in x*sqrt(x)^3 by reverse-over-forward
  the adjoint of v is (3/2)*x + 3*v^2, divided by sqrt's 2*v (0/0 at x = 0,
  where d2/dx2 = (15/4)*v is 0).  A quotient of a sum (or an exact multiple
  of one) is the sum of its terms' quotients when every term cancels.
* quotients kept in one form, an exact coefficient over a plain power:
  edge pushing multiplies partials and second partials, and its weights of
  sqrt(x)^3*y were 3*(y/(2v)) and (2/(2v))*((3/4)*y), inf - inf at 0 where
  sympy's 3y/(4v) is +inf.  Now x/(c*b^k) is ((1/c)*x)/b^k, a constant times
  a/d and a name times c/d are (c*a)/d and (c*b)/d, x/c is the multiple
  (1/c)*x, (a/d)/c is (a/c)/d, c/(d*e) one quotient of d's and e's powers,
  and y^(-1/2) is 1/y^(1/2): quotients over one power are like terms
  (:mod:`~symgraph.ir.like_terms`), collected across sums that hold one.

Before, d2(x*sqrt(x)^3)/dx2 at 0 was nan by reverse-over-forward,
reverse-over-reverse and edge pushing, x^2*sqrt(x)'s and sqrt(x)^3*y's (+inf)
by edge pushing; now every strategy, ``hvp`` and ``sparse=True`` give sympy's
values (tests/test_hessian_corners12.py).

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

A lower power over a higher gives the infinity of the zero's sign at b = 0
(1/b, as a partial 1/x already does in every strategy), where b/b^2 was nan:
d2(x*log(x))/dx2 is +inf at 0 by edge pushing as by the others.  Where the
two-sided limit has no sign (1/x at x = 0 of a function defined on both
sides) sympy says zoo; the numbers say IEEE's 1/(+0).

Not cancelled, and why
----------------------
* Float constants: only exact ones (rationals) are coefficients and
  exponents, as everywhere in the emitter (0.1 is not 1/10), so (y^1.5)^2's
  d2/dy2 at 0 multiplies 2*y^1.5 = 0 by 0.75*y^-0.5 = inf (nan) where
  (y^(3/2))^2's is 0.
* A negative power h^-3 is no monomial (an exact negative fraction y^(-1/2)
  is emitted as 1/y^(1/2)): (-2*h^-3)*(x/h) merged as x/h^4 overflowed past
  h = 1e77 (atan'' at 1e100, -2e-300, was 0).
* A name over a product of two powers, (a/d)/e, is not merged into a/(d*e):
  d*e underflows where the two divisions do not (d2(x^y)/dx2 at y = 0 is
  (0/x)/x = 0 at x = 1e-200, and 0/x^2 = 0/0).  An exact numerator is merged
  (c/d^2 overflows exactly where (c/d)/d does).
* Bases that are not one name's powers: y^2/sqrt(x*y) (d2 sqrt(x*y)^3/dx2 at
  y = 0) holds no power of y alone; exp(log(x)) is x only symbolically, so
  d2(x*exp(log(x)))/dx2 at 0 meets log's 1/x = inf times exp's 0; and
  6x*log(x) + 5x (x^3*log(x)) is 0*(-inf) in its own form.  These stay nan.

What it costs: the tables the cancellation of powers reads (the graph's rows
c*y and y^k among them) are kept for every product, sum and quotient the
sweeps emit.  Measured in alternating processes, three rounds, best to fourth
of 15 gradients by CPU time, against the emitter without them: Rosenbrock
n = 1,000 32.4-34.2 -> 34.7-36.7 ms, the product of 1,000 inputs 5.08-5.18 ->
5.36-5.55 ms, the chain of depth 200 9.96-10.2 -> 10.7-11.3 ms, the MLP
0.64-0.66 -> 0.69-0.71 ms (6-8%); program sizes unchanged.  Kept: right
answers first.  The second order's forms cost nothing where no quotient is
emitted (Rosenbrock's sparse Hessian and gradient at n = 1,000 make the same
function calls, 719,046 and 214,033); the MLP's sparse Hessian makes 6% more
(260,565 -> 276,201: sums noted, 106 sums tried against a quotient's
denominator), 53-65 -> 58-70 ms side by side on a loaded machine, program
sizes unchanged.  Gradients pay where quotients are emitted: the chain
(v^2/(1 + v^2) at every level) of depth 10 0.61-0.62 -> 0.76-0.79 ms and of
depth 200 11.0-11.6 -> 14.2-14.8 ms (25-30%), the MLP 0.70-0.71 -> 0.72-0.79
ms, Rosenbrock within the noise (old and new processes alternating, best to
fourth of 15); the time is the quotient forms' lookups.  Counted since: a
chain gradient of depth 200 asks :meth:`~Cancellations._monomial` 1,197
times about 797 names (each denominator three times, each temporary once),
and tries to divide a sum term by term 199 times, failing at its first term
(``_distributed``: 2 ms of 15-16, measured by making it return None).  Made
cheaper, outputs unchanged: ``_monomial`` remembered per name (what it reads
of a name is noted when the name is made), the graph's tables bound once on
the emitter (``graph.op_of`` is a property: a call per read), and, beside
this module, the emitter's seed computed once per graph
(:func:`~symgraph.ir.instruction_keys.seed`) and recipes replayed without a
list or a placeholder call per node.  Bytecode per gradient 1.39 M -> 1.25 M
(chain, depth 200), 101 k -> 93 k (MLP), 4.27 M -> 3.68 M (Rosenbrock n =
1,000); time, old and new processes alternating, three rounds, best to
fourth of 15 by CPU time on a loaded machine: the chain of depth 200
15.8-19.6 -> 14.9-16.5 ms, of depth 10 1.01-1.13 -> 0.93-1.11 ms, the MLP
1.12-1.63 -> 1.00-1.22 ms, Rosenbrock 44.3-49.9 -> 39.3-47.6 ms, the
product 6.42-7.94 -> 5.92-7.78 ms; a graph's first derivation (cache
missed) within the noise of before; sparse Hessians (two rounds, best to
fourth of 5) of the MLP 81.7-99.6 -> 69.3-70.6 ms, of Rosenbrock at n =
1,000 210-241 -> 184-218 ms.  Then one set of the names a product rewrites
(the emitter's ``_noted_factors``) tested before its four tables: bytecode
of the MLP's sparse Hessian 5.52 M -> 5.18 M, of the chain's gradient
1.25 M -> 1.24 M.  Left as they are: the walk of a sum to
its first term (a few lookups: the first term's ``_ratio`` is the cost, and
its lookups of three names that are mostly plain are what a memo cannot
save, each name being asked once).
"""
from __future__ import annotations

from sympy import Integer, Rational

from .folding import ONE, ZERO, _fold, is_zero
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
            return self.negate(self.op("mul", a, inner))
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
        if x in self._sums or x in self._scaled_temps:
            distributed = self._distributed(x, y)
            if distributed is not None:
                return distributed
        rewritten = self._over_monomial(x, y)
        if rewritten is not None:
            return rewritten
        target = self._plain(("div", x, y), "div", (x, y))
        self._note_quotient(target, x, y)
        return target

    def _distributed(self, x: str, y: str) -> Ref | None:
        """``x/y`` for a sum x of names (or an exact multiple of one): the sum of its terms' quotients when every
        one cancels (y/y, or :meth:`_ratio`), as ``(a*b^2 + c*b)/b`` is ``a*b + c``; else None, at the first term
        that does not cancel (most sums' first: the MLP's Hessian tries 106 and divides none)."""
        quotients, stack, count = [], [(x, ONE)], 0
        sums, scaled = self._sums, self._scaled_temps
        while stack:
            name, coefficient = stack.pop()
            parts = sums.get(name)
            if parts is None and name in scaled and scaled[name][1] in sums:  # c*(a + b)
                factor, inner = scaled[name]
                coefficient, parts = _fold("mul", (coefficient, factor)), sums[inner]
            if coefficient is None:
                return None
            if parts is not None:
                count += 1
                if count >= _TERMS:
                    return None
                stack.append((parts[2], coefficient if parts[0] == "add" else _fold("neg", (coefficient,))))
                stack.append((parts[1], coefficient))
                continue
            ratio = (ONE, ONE, ONE) if name == y else self._ratio(name, y) if name.__class__ is str else None
            factor = None if ratio is None else _fold("mul", (coefficient, ratio[0]))
            if factor is None or not isinstance(factor, Rational):
                return None
            quotients.append((factor, ratio[1], ratio[2]))
        total = ZERO
        for factor, power, cofactor in quotients:  # the terms left to right
            term = self._times(ONE, abs(factor), power, cofactor)
            total = self.op("add" if factor.p > 0 else "sub", total, term)
        return total

    def _over_monomial(self, x: Ref, y: str) -> Ref | None:
        """``x/y`` with its denominator a power ``b^k`` of one name: ``(a/d)/y`` is ``a/(d*y)`` when d and y are
        exact multiples of powers of one base, and ``x/(c*b^k)`` is ``((1/c)*x)/b^k``, so that quotients over one
        denominator are like terms (:mod:`~symgraph.ir.like_terms`); None when y is a plain power already."""
        c2, b, k2 = self._monomial(y)
        if k2 < 0:
            return None
        quotient, merged = self._quotients.get(x) if x.__class__ is str else None, False
        if quotient is None and x.__class__ is str and self._graph_ops.get(x) == "div":  # a graph's (a gradient's)
            quotient = self._graph_operands[x]
            quotient = quotient if quotient[1].__class__ is str else None
        if quotient is not None and quotient[0].__class__ is not str:  # c/(d*y): a name over d*y could underflow
            c1, b1, k1 = self._monomial(quotient[1])
            c = _fold("mul", (c1, c2)) if b1 == b else None
            if c is not None:
                x, c2, k2, merged = quotient[0], c, k1 + k2, True
        if c2 is ONE:
            return self.op("div", x, self._power(b, k2)) if merged else None
        inverse = _fold("div", (ONE, c2))
        if inverse is None or not isinstance(inverse, Rational):
            return None
        return self.op("div", self.op("mul", inverse, x), self._power(b, k2))

    def _ratio(self, x: str, y: str) -> tuple[Rational, Ref, Ref] | None:
        """``x/y`` as (an exact constant r, a ref p, a name or 1 f) when y is c2*b^k2 and x is c1*b^k1 or a product
        f*(c1*b^k1) of two names: r is c1/c2 and p is b^(k1 - k2), or 1/b^(k2 - k1) where that infinity at b = 0
        has one sign (b is a square root, or k2 - k1 is even); also when one base is sqrt(a) and the other a,
        counted as two powers of sqrt(a) (an even power of it written a^k); else None."""
        c2, b, k2 = self._monomial(y)
        op_of, operands_of = self._graph_ops, self._graph_operands
        root = operands_of[b][0] if op_of.get(b) == "sqrt" else None
        c1, b1, k1 = self._monomial(x)
        cofactor = ONE
        if b1 != b and b1 != root and not (op_of.get(b1) == "sqrt" and operands_of[b1][0] == b):
            factors = self._products.get(b1) if k1 == 1 else None  # c0*(f*g): the product's own constant kept
            if factors is None:
                if k1 != 1 or op_of.get(b1) != "mul":
                    return None
                factors = operands_of[b1]
            c0, (p, q) = c1, factors
            for factor, other in ((p, q), (q, p)):
                if factor.__class__ is str and other.__class__ is str:
                    c1, b1, k1 = self._monomial(factor)
                    if b1 == b or b1 == root or op_of.get(b1) == "sqrt" and operands_of[b1][0] == b:
                        c1 = _fold("mul", (c0, c1))
                        cofactor = other
                        break
            else:
                return None
            if c1 is None:
                return None
        ratio = _fold("div", (c1, c2))
        if ratio is None or not isinstance(ratio, Rational):
            return None
        if b1 == b:
            v, e, a = b, k1 - k2, None
        elif b1 == root:  # a^k1 / sqrt(a)^k2: sqrt(a)^(2*k1 - k2)
            v, e, a = b, 2 * k1 - k2, root
        else:  # sqrt(a)^k1 / a^k2
            v, e, a = b1, k1 - 2 * k2, b
        if e < 0:  # 1/v^-e: at v = 0 the infinity of the zero's sign, as a partial 1/v is (see the docstring)
            return ratio, self.op("div", ONE, self._power(v, -e)), cofactor
        if a is None or e < 2 or getattr(e, "q", 1) != 1:
            return ratio, self._power(v, e), cofactor
        e = int(e)
        power = self._power(a, e // 2)  # an even power of sqrt(a) is a power of a, as sympy writes it
        return ratio, power if e % 2 == 0 else self.op("mul", power, v), cofactor

    def _power(self, b: str, k: int | Rational) -> Ref:
        """``b^k`` for an exact k >= 0: 1, b, or the emitted power."""
        return ONE if k == 0 else b if k == 1 else self.op("pow", b, k)

    def _exact_power(self, x: str, c: Ref) -> Ref:
        """``x^c`` for a constant c (not 0 or 1): an exact negative fraction c is ``1/x^-c``, a quotient the cancellations
        see (the d2/dy2 of (y^(3/2))^2 multiplied 2*y^(3/2) = 0 by (3/4)*y^(-1/2) = inf at y = 0); an exact
        power is noted as a monomial of its base (:meth:`_monomial`)."""
        exact = _constant_key(c)[1] == "Rational"
        if exact and c.p < 0 and c.q != 1:  # an integer's stays: 2x/h^4 overflowed where (-2*h^-3)*(x/h) did not (atan'')
            return self.op("div", ONE, self.op("pow", x, _fold("neg", (c,))))
        target = self._plain(("pow", x, _constant_key(c)), "pow", (x, c))
        if exact and c.p > 0:  # a negative power is no monomial: (-2*h^-3)*(x/h) as x/h^4 overflowed past h = 1e77
            self._powers.setdefault(target, (x, int(c) if c.__class__ is Integer else c))
        return target

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
        is none of these is ``1 * name^1``.

        Remembered per name (:attr:`_monomials_of`): what it reads of a name (its row c*y, -y or b^k) is noted
        when the name is made and never changes, so the answer cannot either; the chain's quotients ask
        for each denominator three times."""
        known = self._monomials_of.get(name)
        if known is not None:
            return known
        start, c = name, ONE
        if name in self._terms or name in self._negations:
            for _ in range(_DEPTH):
                term = self._terms.get(name)  # the emitter's exact multiples c*y and the graph's
                if term is not None and term[2] == "mul":
                    factor, inner = term[0], term[1]
                elif (inner := self._negations.get(name)) is not None and inner.__class__ is str:
                    factor = -ONE
                else:
                    break
                folded = _fold("mul", (c, factor))
                if folded is None:  # a product too large to fold: no power looked for
                    self._monomials_of[start] = known = (c, name, 1)
                    return known
                c, name = folded, inner
            else:  # past _DEPTH: no power looked for either
                self._monomials_of[start] = known = (c, name, 1)
                return known
        power = self._powers.get(name)
        if power is None and self._graph_ops.get(name) == "pow":  # the graph's y^(3/2)
            b, k = self._graph_operands[name]
            if b.__class__ is str and k.__class__ is not str and _constant_key(k)[1] == "Rational" and k.p > 0:
                power = (b, int(k) if k.__class__ is Integer else k)
        self._monomials_of[start] = known = (c, name, 1) if power is None else (c, power[0], power[1])
        return known
