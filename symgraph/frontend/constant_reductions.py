"""A reduction whose term is a constant: its value at once, not its terms parsed one index value at a time.

``sum(0.1*i, i, 0, 10^5)`` names one number, but the reductions
(:mod:`~symgraph.frontend.reductions`) parsed its term once per index value
and folded the terms one by one: about 7 us a term for ``i``, 60 us for
``0.1*i`` (sympy's Float arithmetic), so 10^7 terms, within the terms'
limit, took minutes.  Here the term is parsed once, with the index a
placeholder (:class:`_Recorder`), into a small tree of arithmetic over the
index; its value is then computed without the parser, exactly equal to
what the folds term by term (:func:`symgraph.constants.fold`) give:

* a term of exact numbers that is a polynomial in the index: the sum in
  closed form (the partial sums at ``degree + 2`` points, extended by
  Newton's forward differences), the product term by term in Python's
  integers.  Only when every value those folds would make -- each part of
  each term, each partial sum -- is bounded within
  :data:`~symgraph.rationals.MAX_CONSTANT_BITS` (past it a fold makes a
  node instead, a different result);
* a term with decimal numbers: float64 arithmetic on NumPy arrays of the
  index values, in blocks, accumulated left to right (``np.add.accumulate``,
  not ``np.sum``'s pairwise order).  sympy's 53-bit Floats round as IEEE
  doubles do, an exact part is rounded once to a double (it has at most 53
  bits here), an exact number divided by a decimal is multiplied by its
  reciprocal as sympy does, and a zero is exact zero both ways; what would
  differ -- an overflow, a subnormal or underflow (sympy's exponents are
  unbounded), a division by zero -- is left to the terms.  A power with a
  decimal is Python's float power, element by element, as the folds take it.

Anything else (a call, an input, a condition, a term not polynomial in the
index such as ``1/i`` or ``2^i``) returns None, and the reduction makes its
terms one by one as before.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy

from .. import constants
from ..ops import FUNCTIONS
from ..rationals import MAX_CONSTANT_BITS
from .index_polynomials import Poly, polynomial_sum
from .tokens import kind

#: the index's placeholder in the recorded term: a scratch node id (the parser takes ints for nodes)
_INDEX = -1
#: the arithmetic a recorded term may use
_ARITHMETIC = frozenset({"add", "sub", "mul", "div", "neg", "pow"})
#: the operator and bracket tokens a constant term may hold
_SYMBOLS = frozenset({"+", "-", "*", "/", "^", "**", "(", ")", "\n"})
#: a polynomial term of higher degree is left to the terms (its closed form costs the square of the degree)
MAX_DEGREE = 64
#: index values per block of the float64 path: a few arrays of 8 MB
_BLOCK = 1 << 20
#: float64 values at least this large (in magnitude) are normal numbers; below it, sympy's Floats and doubles differ
_TINY = np.finfo(np.float64).tiny
#: an exact part of a term with decimals is rounded once to a double when its numerator and denominator are
#: integers of at most 53 bits: then int64 arithmetic computes it exactly, and one division rounds it correctly
_DOUBLE_BITS = 53
#: terms of a decimal term folded one by one (those where a Float operation gives exact zero) at most
_MAX_SPECIAL = 10_000


class _NotConstant(Exception):
    """The term is not computed here: the reduction makes its terms one by one (the message says why)."""


_BITS = f"its values pass the {MAX_CONSTANT_BITS:,} bits of exact constants"
_DEGREE = f"its term is a polynomial in the index of degree above {MAX_DEGREE}"
_RANGE = "its values pass float64's range (overflow, or underflow below its normal numbers)"


class TermByTerm(Exception):
    """A term of numbers and the index whose reduction is not computed at once: its terms are folded one by one
    (tens of microseconds each), and the reduction refuses more than :data:`MAX_TERM_BY_TERM` of them."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


#: a reduction of a term of numbers that is not computed at once has at most this many terms: each is parsed
#: and folded (30-160 us a term measured: 1/i, i^0.5), so this many take about a second
MAX_TERM_BY_TERM = 10_000


class _Recorder:
    """The builder calls of a term parsed once with the index a placeholder: arithmetic on the index is
    recorded as scratch nodes (negative ids), arithmetic on numbers folded as the graph builder folds it."""

    def __init__(self):
        self.nodes: dict[int, tuple[str, tuple]] = {}

    def is_condition(self, ref) -> bool:
        return False

    def binary(self, name: str, x, y):
        return self.op(name, x, y)

    def op(self, name: str, *args):
        if name not in _ARITHMETIC:
            raise _NotConstant
        if not any(a.__class__ is int for a in args):
            folded = constants.fold(name, args)  # what GraphBuilder does with two numbers
            if folded is None:  # a node there (1/0, a huge constant): the terms say what it is
                raise _NotConstant
            return folded
        node = _INDEX - 1 - len(self.nodes)
        self.nodes[node] = (name, args)
        return node

    def __getattr__(self, name: str):  # input, indexed_input, ...: the gate keeps the parser from asking
        raise _NotConstant


def constant_term(parser, start: int, stop: int, index: str) -> bool:
    """True when tokens ``start:stop`` of ``parser`` may be a constant term: numbers, operators, brackets,
    ``index`` and names the scope binds to a number, nothing else."""
    scope, toks = parser.scope, parser.toks
    for k in range(start, stop):
        t = toks[k]
        if t in _SYMBOLS or t == index and toks[k + 1] not in ("(", "["):
            continue
        what = kind(t)
        if what == "num":
            continue
        if what != "name" or t == "pi" or t in FUNCTIONS or t in parser.definitions or toks[k + 1] in ("(", "["):
            return False
        if not isinstance(scope.get(t), (sympy.Rational, sympy.Float)):
            return False
    return True


def reduce_constant(parser, start: int, stop: int, index: str, lo: int, hi: int, op: str):
    """The value of the reduction ``op`` (``"add"`` or ``"mul"``) of the term at tokens ``start:stop`` over
    ``index`` = lo..hi (``hi >= lo``), or None when it is not computed here (see the module's docstring)."""
    if not constant_term(parser, start, stop, index):
        return None
    scope = dict(parser.scope)
    scope[index] = _INDEX
    sub = parser._sub_parser(start, stop, scope, parser.integer_only)
    recorder = sub.builder = _Recorder()
    try:
        term, _ = sub.expression()
    except _NotConstant:
        return None
    except Exception:  # an error of the text: the terms word it, at the value they reach it
        return None
    if term.__class__ is not int:
        term = Poly.of(term) if isinstance(term, sympy.Rational) else term
    try:
        return _Reduction(recorder.nodes, lo, hi).value(term, op)
    except _NotConstant as e:
        if hi - lo + 1 <= MAX_TERM_BY_TERM:
            return None
        raise TermByTerm(str(e) or "its term is not computed at once") from None


class _Reduction:
    """The recorded term's nodes over index values lo..hi: exact polynomials, or float64 arrays per block."""

    def __init__(self, nodes: dict, lo: int, hi: int):
        self.nodes, self.lo, self.hi = nodes, lo, hi
        self.m = max(abs(lo), abs(hi))
        self.exact: dict[int, Poly] = {_INDEX: Poly([Fraction(0), Fraction(1)])}
        for node in sorted(nodes, reverse=True):  # made in that order: -2, -3, ...
            name, args = nodes[node]
            if all(a.__class__ is int and a in self.exact or isinstance(a, sympy.Rational) for a in args):
                self.exact[node] = self._exact(name, args)

    def _operand(self, a) -> Poly:
        return self.exact[a] if a.__class__ is int else Poly.of(a)

    def _exact(self, name: str, args: tuple) -> Poly:
        """The polynomial of an exact node; _NotConstant when it is none, or when a fold of it at some index
        value could pass the constants' bits (then the terms make a node there)."""
        x = self._operand(args[0])
        if name == "neg":
            out = -x
        elif name == "pow":
            e = args[1]
            if not isinstance(e, sympy.Integer) or e < 0:  # 2^i, 1/i^2: no polynomial
                raise _NotConstant("its term is not a polynomial in the index (such as 2^i or 1/i^2)")
            if len(x.c) > 1 and (len(x.c) - 1) * int(e) > MAX_DEGREE:
                raise _NotConstant(_DEGREE)
            if int(e) * max(x.bits(self.m), 1) > MAX_CONSTANT_BITS:  # fold's estimate of the power's size
                raise _NotConstant(_BITS)
            out = Poly([Fraction(1)])
            for _ in range(int(e)):
                out = out * x
        else:
            y = self._operand(args[1])
            if name == "div":
                if args[1].__class__ is int or y.c[0] == 0:
                    raise _NotConstant("its term is not a polynomial in the index (such as 1/i), or divides by zero")
                out = Poly([c / y.c[0] for c in x.c])
            elif name == "mul":
                out = x * y
            else:
                out = x + (-y if name == "sub" else y)
        if len(out.c) - 1 > MAX_DEGREE:
            raise _NotConstant(_DEGREE)
        if out.bits(self.m) > MAX_CONSTANT_BITS:
            raise _NotConstant(_BITS)
        return out

    def value(self, term, op: str):
        """The reduction's value: an exact constant, a Float, or 0 (a Float zero is sympy's exact zero)."""
        if term.__class__ is int and term not in self.exact or isinstance(term, sympy.Float):
            if self.lo == self.hi:  # one term: its fold, a Float zero included
                return self._folded(term, self.lo)
            return self._floats(term, op)
        poly = self.exact[term] if term.__class__ is int else term
        count = self.hi - self.lo + 1
        if op == "add":
            if poly.bits(self.m, count) > MAX_CONSTANT_BITS:  # a partial sum could pass the bits: a node there
                raise _NotConstant(_BITS)
            return sympy.Rational(polynomial_sum(poly, self.lo, count))
        return sympy.Rational(_product(poly, self.lo, self.hi))

    # -- the float64 path
    def _floats(self, term, op: str):
        lo, hi = self.lo, self.hi
        if not isinstance(term, sympy.Float):
            # exact operands of decimal arithmetic: N(k)/D with N and D within 53 bits, rounded once
            for node, (_, args) in self.nodes.items():
                if node not in self.exact:
                    for a in args:
                        if a.__class__ is int and a in self.exact and self.exact[a].bits(self.m) > _DOUBLE_BITS:
                            raise _NotConstant(f"an exact part of its decimal arithmetic passes {_DOUBLE_BITS} bits")
        accumulate = np.add.accumulate if op == "add" else np.multiply.accumulate
        carry, prefix, specials = None, None, 0
        zeros = exact_later = False  # a partial zero is sympy's exact zero: exact terms after it add exactly
        with np.errstate(all="ignore"):
            for start in range(lo, hi + 1, _BLOCK):
                ks = np.arange(start, min(start + _BLOCK, hi + 1), dtype=np.int64)
                terms, exact = self._block(term, ks)
                specials += len(exact)
                if specials > _MAX_SPECIAL:
                    raise _NotConstant(f"more than {_MAX_SPECIAL:,} of its terms are exact numbers among decimal ones")
                first = 0
                if carry is None:  # the terms so far are exact numbers: so is their sum (or product)
                    while first < len(terms) and first in exact:
                        value = exact[first]
                        prefix = value if prefix is None else constants.fold(op, (prefix, value))
                        if prefix is None:
                            raise _NotConstant(_BITS)
                        first += 1
                    if first == len(terms):
                        continue
                    # an exact number meeting a Float is rounded once to a double, as sympy rounds it
                    terms = terms[first:] if prefix is None else np.concatenate(([_double(prefix)], terms[first:]))
                else:
                    terms = np.concatenate(([carry], terms))
                exact_later = exact_later or any(position >= first for position in exact)
                partial = accumulate(terms)
                zeros = zeros or bool(np.any(partial == 0))
                if zeros and exact_later:
                    raise _NotConstant("a partial result is zero, exact to sympy, before exact terms")
                if op == "mul":
                    _underflow(partial[1:], partial[:-1], terms[1:])
                _checked(partial)
                carry = partial[-1]
        if carry is None:
            return prefix
        return sympy.Integer(0) if carry == 0 else sympy.Float(float(carry))

    def _block(self, term, ks: np.ndarray) -> tuple[np.ndarray, dict]:
        """The terms at index values ``ks`` as float64, each operation checked (:func:`_checked`), and the
        positions whose term is an exact number -> that number.

        A zero that a Float operation makes is sympy's exact zero, and the
        rest of that term's arithmetic is exact where its other operands are
        (``m*i - m*i + 1/3`` is exactly 1/3): such terms are folded one by
        one (:meth:`_folded`), as the terms would be.
        """
        if isinstance(term, sympy.Float):
            return np.full(len(ks), float(term)), {}
        values: dict[int, np.ndarray] = {}
        zero = np.zeros(len(ks), dtype=bool)

        def operand(a):
            if a.__class__ is not int:
                return _double(a)
            if a in values:
                return values[a]
            n, d = self.exact[a].integers()
            out = np.zeros(len(ks), dtype=np.int64)
            for c in reversed(n):  # |every Horner step| <= the bound checked at 53 bits: no int64 overflow
                out = out * ks + c
            return out.astype(np.float64) / float(d)

        for node in sorted(self.nodes, reverse=True):
            if node in self.exact:
                continue
            name, args = self.nodes[node]
            x = operand(args[0])
            if name == "neg":
                out = -x
            else:
                y = operand(args[1])
                if name == "add":
                    out = x + y
                elif name == "sub":
                    out = x - y
                elif name == "mul":
                    out = x * y
                    _underflow(out, x, y)
                elif name == "pow":
                    out = _power(np.broadcast_to(x, ks.shape), np.broadcast_to(y, ks.shape))
                else:
                    if np.any(y == 0):
                        raise _NotConstant("its term divides by zero")  # a node there
                    exact_left = args[0].__class__ is int and args[0] in self.exact or \
                        isinstance(args[0], sympy.Rational)
                    if exact_left:  # sympy's Rational / Float is the Rational times 1/Float: two roundings
                        y = 1.0 / y
                        _checked(y)
                        out = x * y
                    else:
                        out = x / y
                    _underflow(out, x, y)
            _checked(out)
            zero |= out == 0
            values[node] = out
        terms, exact = np.array(values[term], dtype=np.float64), {}
        for position in np.flatnonzero(zero)[:_MAX_SPECIAL + 1].tolist():
            value = self._folded(term, int(ks[position]))
            if isinstance(value, sympy.Float):
                terms[position] = _double(value)
            else:
                exact[position] = value
                terms[position] = _double(value)
        return terms, exact

    def _folded(self, term, k: int) -> sympy.Expr:
        """The term at index value ``k``, folded operation by operation as the terms are."""
        values = {_INDEX: sympy.Integer(k)}
        for node in sorted(self.nodes, reverse=True):
            name, args = self.nodes[node]
            value = constants.fold(name, tuple(values[a] if a.__class__ is int else a for a in args))
            if value is None:
                raise _NotConstant("a term is not a number computed exactly or in float64 (a division by zero?)")
            values[node] = value
        return values[term] if term.__class__ is int else term


def _double(number: sympy.Expr) -> float:
    """A number as sympy rounds it for a Float operation (an exact one correctly rounded)."""
    if isinstance(number, sympy.Float):
        if number._prec != _DOUBLE_BITS:
            raise _NotConstant("its decimals are not float64 numbers")
        return float(number)
    try:
        return float(Fraction(int(number.p), int(number.q)))
    except OverflowError:
        raise _NotConstant(_RANGE) from None


def _power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x ** y`` by Python's float power, as the folds compute a power with a decimal (NumPy's own power
    need not round as the C library's does); _NotConstant where a fold makes a node."""
    if np.any((x == 0) & (y < 0)):
        raise _NotConstant("its term divides by zero")
    try:
        out = np.array(list(map(pow, x.tolist(), y.tolist())))
    except (OverflowError, ZeroDivisionError):
        raise _NotConstant(_RANGE) from None
    if out.dtype != np.float64:  # complex: a negative base
        raise _NotConstant("a power of a negative number to a fraction is not a real number")
    return out


def _checked(values: np.ndarray) -> None:
    """_NotConstant unless every value is finite and zero or normal: sympy's Floats have no overflow,
    subnormals or infinities, so there the two arithmetics part."""
    magnitude = np.abs(values)
    if not np.all(np.isfinite(magnitude)) or np.any((magnitude < _TINY) & (magnitude != 0)):
        raise _NotConstant(_RANGE)


def _underflow(out: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """_NotConstant where a product (or quotient) of nonzero numbers is zero in float64: sympy keeps it."""
    if np.any((out == 0) & (x != 0) & (y != 0)):
        raise _NotConstant(_RANGE)


def _product(poly: Poly, lo: int, hi: int) -> Fraction:
    """The exact product of ``poly`` over lo..hi, as the folds make it, term by term; _NotConstant when a
    partial product passes the constants' bits (a node there).  Zero stays zero."""
    if len(poly.c) == 1:  # one number c: c^count, whose size grows with the count (or stays, for 0 and +-1)
        c, count = poly.c[0], hi - lo + 1
        if max(abs(c.numerator), c.denominator) > 1 and count > MAX_CONSTANT_BITS:
            raise _NotConstant(_BITS)
        value = c ** count
        if max(abs(value.numerator).bit_length(), value.denominator.bit_length()) > MAX_CONSTANT_BITS:
            raise _NotConstant(_BITS)
        return value
    value = None
    for k in range(lo, hi + 1):
        term = poly.at(k)
        value = term if value is None else value * term
        if max(abs(value.numerator).bit_length(), value.denominator.bit_length()) > MAX_CONSTANT_BITS:
            raise _NotConstant("a partial product passes the bits of exact constants")
        if value == 0:
            break
    return value
