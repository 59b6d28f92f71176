"""The exact peephole every code writer shares: a program's instructions as assignment lines.

:func:`assignments` turns instructions into ``(target, right-hand side,
names used)`` lines, folding constant factors and negations of single-use
temporaries into their one consumer only where the result is bitwise what
the program computes (:func:`merges_exactly`).  The NumPy and numba writers
emit its lines; the VM's compiled peephole and the JavaScript writer read
its facts (:data:`FLOAT32_MAX`, :func:`scales_exactly`, :data:`SCALAR_POWERS`).
Separate from :mod:`.numpy` because the other backends share it and
need none of the NumPy writer itself.

With ``nest`` (the NumPy writer's vector forms: ``value_and_grad(vector=True)``,
``hessp``, ``residuals``) a value read once is written into the one line that
reads it, up to :data:`NEST_DEPTH` deep: ``v6 = xp.exp(v1 * ((w_0 * X_0_0) +
(w_1 * X_0_1)))`` instead of four lines.  Why: on a data fit Python's
``compile()`` of one line per value was half of the build, about 8 us a
line and a name.  Logistic regression over data at m = 20,000 rows and
k = 10 features (940,000 lines, now 128,000), CPU seconds on a shared
2-core machine: ``compile()`` 9.7-10.7 -> 6.1-6.5, the whole
``value_and_grad(vector=True)`` 19.7-21.4 -> 18.1-18.4 (writing the lines
costs 0.1-0.5 s more), its ``hessp`` 38.8 -> 34.0-34.5 (``compile()`` 15.1
-> 8.4); at m = 5,000, 4.9-5.0 -> 4.1-4.3 and 9.4 -> 7.7.  Exact by construction: the same
operations on the same operands (only the order they run in changes), so
every result is bitwise the one-line-a-value code's (``tests/backends/test_nested_lines.py``).  Not
nested: an operand a template writes twice (``sigmoid``'s, which would be
computed twice), a registered function's call (its order of calls stays),
operands of the scaled products above, and every line of a program with
``where`` (its branches' lines run with warnings off, line by line).  The
batch forms keep one line a value: their ``del`` lines free each array at
its last use.
"""
from __future__ import annotations

import keyword
import math
from typing import Any, Callable, Iterable, Sequence

import numpy as np

import sympy

from .. import ops
from ..errors import ArgumentError
from ..progress import STEP, Progress


#: the largest finite float32: a merged constant factor stays below it, so float32 work merges exactly too
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _as_float(c: Any) -> float:
    """A constant's float64 value (inf past the range, nan for what is no real number).

    A sympy Integer's is its Python int's (both correctly rounded), without sympy's conversion through
    mpmath (5 us: the peephole asks it of each constant factor and exponent, 120,000 times for
    Rosenbrock's gradient at n = 12,000)."""
    try:
        if isinstance(c, sympy.Integer):
            return float(c.p)
        return float(c)
    except OverflowError:
        return math.inf if c > 0 else -math.inf
    except TypeError:
        return math.nan


def scales_exactly(c: Any) -> bool:
    """True for +-2^k with k >= 0 (and 2^k a finite float32): scaling by it is exact, underflow included."""
    if isinstance(c, sympy.Rational):  # integers too: read numerator and denominator, build nothing
        p = abs(c.p)
        return c.q == 1 and p != 0 and p & (p - 1) == 0 and p.bit_length() <= 128
    if not isinstance(c, (sympy.Float, float, int)):
        return False
    value = abs(_as_float(c))
    return 1 <= value <= FLOAT32_MAX and math.frexp(value)[0] == 0.5


def merges_exactly(k: Any, c: Any) -> bool:
    """True when ``k * (c * v)`` equals ``(k*c) * v`` bit for bit for every float64 and float32 ``v``.

    Why so narrow: moving a constant across a product is exact only away
    from overflow and underflow.  A factor +-1 is always safe (a negation is
    exact).  Otherwise the inner factor ``c`` must be +-2^j with j >= 0 (no
    bit is lost when it scales ``v``, subnormals included) and ``|k| >= 1``
    with ``k*c`` finite in float32: then ``c*v`` overflows only where ``(k*c)*v``
    does too.  ``2 * (0.5*v)`` is not ``v`` for a subnormal ``v``, and
    ``0.1 * (2*v)`` is not ``0.2*v`` for ``v = 1e308``.
    """
    kv, cv = _as_float(k), _as_float(c)
    if abs(kv) == 1 or abs(cv) == 1:
        return True
    return scales_exactly(c) and 1 <= abs(kv) and abs(kv * cv) <= FLOAT32_MAX


#: ``numpy.power(x, c)`` for a scalar ``c`` of this table runs another function of ``x`` (NumPy's fast paths),
#: whose values differ from C's ``pow`` at the edges: sqrt(-0.0) is -0.0 and sqrt(-inf) nan where pow gives
#: 0.0 and inf.  Every backend writes these: NumPy code calls the function itself
#: (:func:`.numpy._numpy_powers`), numba, the VM and JavaScript their own forms of it.
SCALAR_POWERS = {2.0: "square", 0.5: "sqrt", -1.0: "reciprocal", 1.0: "copy"}


def scalar_power(exponent: Any) -> str | None:
    """The :data:`SCALAR_POWERS` name NumPy computes ``x ** exponent`` by for a constant exponent, or None."""
    return None if exponent.__class__ is str else SCALAR_POWERS.get(_as_float(exponent))


#: how deep :func:`assignments` nests values read once into their reader's line (its ``nest``)
NEST_DEPTH = 8

def _slots(template: str, operands: int) -> tuple[bool | None, ...]:
    """Per operand of ``template``: None when it is written other than once (a value read there is given its
    own line, not computed twice), True when it stands alone as a call's argument (a text there needs no
    parentheses), else False."""
    out = []
    for position in range(operands):
        slot = f"{{{position}}}"
        if template.count(slot) != 1:
            out.append(None)
        else:
            out.append(any(f"{a}{slot}{b}" in template for a in ("(", ", ") for b in (")", ",")))
    return tuple(out)


#: the most operands joined in one line of generated code: Python's compiler recurses once per nested
#: call or operator, and fails ("too many nested parentheses" past 200, RecursionError some thousands deep)
JOIN_LIMIT = 64


def check_names(inputs: Iterable[Any], instructions: Sequence[tuple], results: Iterable[Any]) -> None:
    """Refuse a program whose names are no Python identifiers (or are keywords): a code writer writes each name
    as it is, so a hand-made ``sg.Program`` naming a value ``'a = 0; __import__("os")...; b'`` was code the
    generated function would run.  Every name of a derived program is an identifier; the writers call this first."""
    names = set(inputs)
    for target, op, args in instructions:
        names.add(target)
        if op != "const":
            names.update(a for a in args if a.__class__ is str)
    names.update(r for r in results if r.__class__ is str)
    bad = sorted(repr(n) for n in names if not (n.__class__ is str and n.isidentifier() and not keyword.iskeyword(n)))
    if bad:
        raise ArgumentError(f"a program's names become code, so each must be a Python identifier that is no keyword; "
                            f"these are not: {', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}")


def assignments(instructions: list, resolve: Callable | None, keep: set, lit: Callable, ns: str,
                 constant: Callable[[str], str], report: Progress | None = None,
                 special: str = "special", user: str = "user", check: str | None = None,
                 powers: dict[str, str] | None = None, nest: int = 0) -> list[tuple[str, str, list[str]]]:
    """``(target, right-hand side, names used)`` per emitted line, after an exact peephole.

    The peephole folds constant factors and negations of single-use
    temporaries into their one consumer: ``t1 = 2 * v; t2 = 100 * t1; t3 = -t2``
    becomes ``t3 = -200 * v``.  It only combines factors when
    :func:`merges_exactly` says the result is bitwise what the program
    computes for every value, overflow and underflow included, in fewer
    array operations.  An op on constants alone is evaluated at call time,
    its first operand written by ``constant`` (a 0-d array of the working
    dtype in NumPy code, a float64 in the numba kernel).  ``resolve`` maps an
    operand to what it stands for (None: every operand stands for itself).
    ``check`` names the function a registered function is called through
    (:func:`symgraph.registered_calls.user_call`, which names its errors and checks its
    result; None: called directly, as numba checks the compiled callable's type once).
    ``powers`` maps the :data:`SCALAR_POWERS` names to templates (None: ``xp.power``,
    whose fast paths on arrays are those functions).
    ``nest`` > 0 writes a value read once into its one consumer's line, nested
    at most ``nest`` deep (:data:`NEST_DEPTH`; see the module docstring); a
    nested line's names may then repeat (its callers write no ``del`` lines).
    """
    uses: dict[str, int] = {}
    for _, op, args in instructions:
        if op != "const":
            for a in args:
                ref = a if resolve is None else resolve(a)
                if ref.__class__ is str:
                    uses[ref] = uses.get(ref, 0) + 1
    pending: dict[str, tuple[Any, str, list[str]]] = {}  # target -> (coefficient, base text, names)
    lines: list[tuple[str, str, list[str]]] = []
    emit = lines.append
    templates: dict[str, str] = {}  # op -> its code with the namespaces' names, made once per op
    texts_of: dict[int, tuple[Any, str]] = {}  # id of a constant -> (the constant, kept alive; its text)
    one = sympy.Integer(1)
    table = ops.OPS
    coefficient_texts: dict[tuple, str] = {}

    def text_of(value: Any) -> str:
        """``lit(value)``, once per constant object (the programs repeat a few constants many times)."""
        found = texts_of.get(id(value))
        if found is None:
            found = texts_of[id(value)] = (value, lit(value))
        return found[1]

    nested: dict[str, tuple[str, list[str], int]] = {}  # target -> (text, names, depth): written into its reader
    slots_of: dict[tuple, tuple] = {}  # (template, operands) -> :func:`_slots`

    def settle(ref: Any) -> None:
        """Give a nested value its own line, before the line that reads it by name."""
        if ref.__class__ is str and ref in nested:
            text, names, _ = nested.pop(ref)
            emit((ref, text, names))

    def scaled(ref: str) -> tuple[Any, str, list[str]]:
        settle(ref)
        return pending.pop(ref) if ref in pending else (one, ref, [ref])

    def materialise(coefficient: Any, base: str, names: list[str]) -> str:
        """Python text of ``coefficient * base``, keeping ``base``'s own association."""
        compound = not base.isidentifier()
        inner = f"({base})" if compound else base
        if coefficient == 1:
            return base
        if coefficient == -1:
            return f"-{inner}"
        key = (coefficient.__class__, coefficient)  # the class too: 2 and 2.0 are equal but written differently
        text = coefficient_texts.get(key)
        if text is None:
            text = coefficient_texts[key] = lit(coefficient)
        return f"{text} * {inner}"

    for done, (target, op, args) in enumerate(instructions, 1):
        if report is not None and not done & (STEP - 1):
            report.advance(STEP)
        if op == "const":
            continue
        refs = list(args) if resolve is None else [resolve(a) for a in args]
        result = None  # (coefficient, base, names) when the value is a scaled product
        if op == "neg" and refs[0].__class__ is str:
            c, base, names = scaled(refs[0])
            result = (-c, base, names)
        elif op == "mul" and len(refs) == 2:
            r0, r1 = refs
            if (r0.__class__ is str) != (r1.__class__ is str):
                k, ref = (r1, r0) if r0.__class__ is str else (r0, r1)
                settle(ref)
                c, base, names = pending.get(ref, (one, ref, [ref]))
                if ref in pending and not merges_exactly(k, c):
                    emit((ref, materialise(*pending.pop(ref)), names))  # inexact to merge: compute it
                    c, base, names = one, ref, [ref]
                pending.pop(ref, None)
                result = (k * c, base, names)
            elif r0.__class__ is str and (r0 in pending or r1 in pending):
                settle(r0)
                settle(r1)
                (c1, b1, n1), (c2, b2, n2) = (pending.get(r, (one, r, [r])) for r in refs)
                # -a * b is -(a*b); (2a)*b is not 2(a*b) where a*b underflows; at most JOIN_LIMIT factors a line
                if abs(c1) == 1 and abs(c2) == 1 and b1.count(" * ") + b2.count(" * ") < JOIN_LIMIT:
                    for r in refs:
                        pending.pop(r, None)
                    right = b2 if b2.isidentifier() else f"({b2})"
                    result = (c1 * c2, f"{b1} * {right}", list(dict.fromkeys(n1 + n2)))
        if result is None:
            names = [r for r in refs if r.__class__ is str]
            if len(names) > 1:
                names = list(dict.fromkeys(names))
            if pending:
                for r in names:
                    if r in pending:  # an operand of another op: compute it now
                        emit((r, materialise(*pending[r]), pending.pop(r)[2]))
            texts = [r if r.__class__ is str else text_of(r) for r in refs]
            if not names:  # evaluate at call time, with NumPy's rules
                texts[0] = constant(texts[0])
            elif op == "where" and not any(r.__class__ is str for r in refs[1:]):  # where(c, 1, 0): the dtype
                texts[1] = constant(texts[1])
            template = templates.get(op)
            power = scalar_power(refs[1]) if powers is not None and op == "pow" else None
            if power is not None:
                template = powers[power]
            elif template is None:
                template = templates[op] = (ops.op(op).code.replace("xp.", f"{ns}.").replace("special.", f"{special}.")
                                            .replace("user.", f"{user}."))
            depth = 0
            if nested:
                simple = len(texts) <= table[op].arity and op not in ops.USER
                for position, r in enumerate(refs):
                    if r.__class__ is str and r in nested:
                        key = (template, len(refs))
                        slots = slots_of.get(key) or slots_of.setdefault(key, _slots(*key))
                        if simple and slots[position] is not None:
                            text, used, inner = nested.pop(r)
                            texts[position] = text if slots[position] else f"({text})"
                            names = names + used  # a name may now repeat: deduplicating them all was a
                            names.remove(r)       # third of the time nesting added to this loop
                            if inner > depth:
                                depth = inner
                        else:
                            settle(r)
            if len(texts) > table[op].arity:  # max(a, b, c): nested, JOIN_LIMIT operands a line
                text, start = template.format(*texts[:2]), 0
                for k, more in enumerate(texts[2:], 2):
                    if not k % JOIN_LIMIT:  # the fold so far is assigned to the target, which the next line reads
                        emit((target, text, list(dict.fromkeys(r for r in refs[start:k] if r.__class__ is str))))
                        text, start = target, k
                    text = template.format(text, more)
                if start:
                    names = list(dict.fromkeys(r for r in refs[start:] if r.__class__ is str))
            else:
                text = template.format(*texts)
            if check is not None and op in ops.USER:  # called through the check: check('f', user.f, x)
                text = f"{check}({op!r}, {user}.{op}, {', '.join(texts)})"
            if depth < nest and uses.get(target, 0) == 1 and target not in keep and op not in ops.USER \
                    and len(texts) <= table[op].arity:
                nested[target] = (text, names, depth + 1)
            else:
                emit((target, text, names))
        elif uses.get(target, 0) == 1 and target not in keep:
            pending[target] = result
        else:
            emit((target, materialise(*result), result[2]))
    for ref in list(nested):  # read by no line (only by a constant's row): computed all the same
        settle(ref)
    if report is not None:
        report.advance(len(instructions) % STEP)
    return lines
