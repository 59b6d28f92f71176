"""How native code writes each VM instruction as LLVM IR, on one value or a vector of lanes (:mod:`.native`).

The arithmetic ops are LLVM instructions; the common functions are the
LLVM intrinsics or C library functions numba makes of the VM's own
``np.sin``, ``np.tanh``, ``np.power`` and so on (:data:`INTRINSICS`,
:data:`LIBRARY`); a few short formulas (``sigmoid``,
``max``, the comparisons) are the VM's own, written out (:data:`FORMULAS`);
every other op calls the VM's scalar function ``_apply``.  So native code computes every value as the VM does,
bit for bit.  Apart from :mod:`.native`, which lays out whole functions
(one point, or segments run on blocks of points) and compiles them.
"""
from __future__ import annotations

import ctypes
import os
from typing import Callable, Mapping, Sequence

#: the LLVM instruction of each arithmetic op on (x, y)
BINARY = {"add": "fadd", "sub": "fsub", "mul": "fmul", "div": "fdiv"}

#: ops written as the LLVM intrinsic numba's ``np.<name>`` becomes (intrinsic, operands), called on a
#: whole vector: the rounding ones and ``sqrt`` are single vector instructions (:data:`INSTRUCTIONS`),
#: the others become a call of the C library's function on each lane
INTRINSICS = {"sin": ("llvm.sin", 1), "cos": ("llvm.cos", 1), "exp": ("llvm.exp", 1), "log": ("llvm.log", 1),
              "log2": ("llvm.log2", 1), "log10": ("llvm.log10", 1), "exp2": ("llvm.exp2", 1),
              "pow": ("llvm.pow", 2), "sqrt": ("llvm.sqrt", 1), "abs": ("llvm.fabs", 1),
              "floor": ("llvm.floor", 1), "ceil": ("llvm.ceil", 1), "round": ("llvm.rint", 1)}
INSTRUCTIONS = frozenset({"sqrt", "abs", "floor", "ceil", "round"})

#: ops written as the C library function numba calls for ``np.<name>`` (function, operands), lane by lane
LIBRARY = {**{name: (name, 1) for name in ("tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "log1p",
                                           "expm1", "asinh", "acosh", "atanh", "erf", "erfc")},
           "atan2": ("atan2", 2), "hypot": ("hypot", 2)}

#: comparisons as LLVM's fcmp predicates, each the test of the VM's ``1.0 if x < y else 0.0`` (NaN: ``!=`` only)
COMPARISONS = {"lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge", "eq": "oeq", "ne": "une"}

#: ops of a few instructions that native code writes out as the VM's own formulas (see ``formula`` below)
FORMULAS = frozenset({"sigmoid", "dsigmoid", "sech2", "relu", "one_minus_square", "max", "min", "where",
                      "and", "or", "not", *COMPARISONS})

#: the ops native code computes itself, with no call of the VM's scalar function
WRITTEN = frozenset({*BINARY, "neg", "square", "reciprocal", "copy", *INTRINSICS, *LIBRARY, *FORMULAS})

#: the ops native code writes as a call of a function on each lane (intrinsics without a vector
#: instruction are such calls once compiled), or through ``_apply``: each costs several times an
#: arithmetic op's compile
CALLS = frozenset({*INTRINSICS.keys() - INSTRUCTIONS, *LIBRARY, "sigmoid", "dsigmoid", "sech2"})


def declarations(lanes: int) -> list[str]:
    """The module's declarations of the functions :data:`INTRINSICS` and :data:`LIBRARY` name, and ``sincos``."""
    kind, suffix = ("double", "f64") if lanes == 1 else (f"<{lanes} x double>", f"v{lanes}f64")
    return ([f"declare {kind} @{name}.{suffix}({', '.join([kind] * arity)})" for name, arity in INTRINSICS.values()]
            + [f"declare double @{name}({', '.join(['double'] * arity)})" for name, arity in LIBRARY.values()]
            + ["declare void @sincos(double, double*, double*)"])


def _glibc_sincos() -> bool:
    """True where the C library is glibc, whose ``sincos`` gives its ``sin`` and ``cos`` bit for bit.

    Asked with ``os.confstr``, which answers at once (``platform.libc_ver``
    reads the interpreter's binary: 1.5 ms of every import).
    """
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc") and hasattr(ctypes.CDLL(None), "sincos")
    except (AttributeError, OSError, ValueError):  # no such setting, or no C library to ask: sin and cos apart
        return False


#: whether a sine and a cosine of one value are computed by one call of the C library's ``sincos``
SINCOS = _glibc_sincos()

#: where ``sincos`` writes its two values (allocated once, at a function's entry)
SINCOS_OUT = ("  %sin.out = alloca double", "  %cos.out = alloca double")

#: a value :func:`sine_pairs` makes the first of a pair leave for the second: slot ``PAIRED + index``
PAIRED = 1 << 40


def sine_pairs(body: list, codes: Mapping[str, int]) -> dict[int, int]:
    """Instruction index -> the pair's pseudo slot, for each ``sin`` and ``cos`` of one value (the other of
    the pair anywhere later, before the value's slot is written again); empty without :data:`SINCOS`.

    A gradient takes the sine of a value on its way forward and the cosine
    on its way back: one call of ``sincos`` took 10.8 ns against 16.7 for
    the two.  The first of a pair computes both and leaves the other
    value in the pseudo slot; the second reads it from there.
    """
    if not SINCOS:
        return {}
    sin, cos = codes["sin"], codes["cos"]
    written: dict[int, int] = {}  # slot -> the index of its last write
    waiting: dict[tuple, tuple[int, int]] = {}  # (slot, its write) -> (index, op) of an unpaired sin or cos
    pairs: dict[int, int] = {}
    for k, (op, target, x, _, _) in enumerate(body):
        if op == sin or op == cos:
            key = (x, written.get(x, -1))
            other = waiting.get(key)
            if other is not None and other[1] != op:
                del waiting[key]
                pairs[other[0]] = pairs[k] = PAIRED + other[0]
            elif other is None:
                waiting[key] = (k, op)
        written[target] = k
    return pairs


def splat(value: str, lanes: int) -> str:
    """The constant ``value`` as a vector of ``lanes`` doubles (a plain double for one lane)."""
    return value if lanes == 1 else "<" + ", ".join([f"double {value}"] * lanes) + ">"


def straight_line(body: list, codes: Mapping[str, int], fused: int, first: Sequence[int],
                   second: Sequence[int], apply_address: int, lanes: int, load: Callable[[int], str],
                   emit: Callable[[str], None], pairs: Mapping[int, int] = {}, start: int = 0
                   ) -> Callable[[int], str]:
    """Emit the instructions ``body`` (``(op, target, x, y, z)`` rows) as SSA values of ``lanes`` doubles each;
    returns ``read``, a slot's last value.

    ``load(slot)`` writes a slot's first read and names its value.  Each op
    is written as the module docstring says (the VM's scalar function, for
    the ops of none of its tables, is called on each lane).  ``pairs``
    (:func:`sine_pairs`, by index from ``start``, the body's first) are
    sines and cosines computed together.
    """
    names = {code: name for name, code in codes.items()}
    kind, suffix = ("double", "f64") if lanes == 1 else (f"<{lanes} x double>", f"v{lanes}f64")
    one = splat("1.0", lanes)
    defined: dict[int, str] = {}  # slot -> the SSA name holding its current value
    count = 0

    def read(slot: int) -> str:
        name = defined.get(slot)
        if name is None:
            name = defined[slot] = load(slot)
        return name

    def fresh() -> str:
        nonlocal count
        count += 1
        return f"%v{count}"

    def arithmetic(op: str, x: str, y: str) -> str:
        if op == "copy":
            return x
        if op not in BINARY and op not in ("neg", "square", "reciprocal"):
            return ""
        value = fresh()
        if op in BINARY:
            emit(f"  {value} = {BINARY[op]} {kind} {x}, {y}")
        elif op == "neg":
            emit(f"  {value} = fneg {kind} {x}")
        elif op == "square":
            emit(f"  {value} = fmul {kind} {x}, {x}")
        else:
            emit(f"  {value} = fdiv {kind} {one}, {x}")
        return value

    truth, zero, two = f"<{lanes} x i1>" if lanes > 1 else "i1", splat("0.0", lanes), splat("2.0", lanes)

    def let(text: str) -> str:
        value = fresh()
        emit(f"  {value} = {text}")
        return value

    def formula(op: str, x: str, y: str, z: str) -> str:
        """The VM's own formula of ``op`` (:func:`~.vm_instructions._apply`), written out; "" for other ops."""
        if op in COMPARISONS:  # 1.0 if x < y else 0.0
            test = let(f"fcmp {COMPARISONS[op]} {kind} {x}, {y}")
        elif op == "not":  # 1.0 if x == 0 else 0.0
            test = let(f"fcmp oeq {kind} {x}, {zero}")
        elif op in ("and", "or"):  # 1.0 if x != 0 and (or) y != 0 else 0.0
            x_true, y_true = let(f"fcmp une {kind} {x}, {zero}"), let(f"fcmp une {kind} {y}, {zero}")
            test = let(f"{op} {truth} {x_true}, {y_true}")
        elif op in ("max", "min", "relu"):  # x if x > y (x < y) or x is nan, else y; relu: y = 0
            y = zero if op == "relu" else y
            ordered = let(f"fcmp {'olt' if op == 'min' else 'ogt'} {kind} {x}, {y}")
            test = let(f"or {truth} {ordered}, {let(f'fcmp uno {kind} {x}, {x}')}")
            return let(f"select {truth} {test}, {kind} {x}, {kind} {y}")
        elif op == "where":  # y if x != 0 else z
            return let(f"select {truth} {let(f'fcmp une {kind} {x}, {zero}')}, {kind} {y}, {kind} {z}")
        elif op == "one_minus_square":  # (1 - x) * (1 + x)
            return let(f"fmul {kind} {let(f'fsub {kind} {one}, {x}')}, {let(f'fadd {kind} {one}, {x}')}")
        elif op in ("sigmoid", "dsigmoid", "sech2"):  # of e = exp(-|x|)
            minus = let(f"fneg {kind} {let(f'call {kind} @llvm.fabs.{suffix}({kind} {x})')}")
            e = let(f"call {kind} @llvm.exp.{suffix}({kind} {minus})")
            if op == "sech2":  # (2e / (1 + e*e))^2
                ratio = let(f"fdiv {kind} {let(f'fmul {kind} {two}, {e}')}, "
                            f"{let(f'fadd {kind} {one}, ' + let(f'fmul {kind} {e}, {e}'))}")
                return let(f"fmul {kind} {ratio}, {ratio}")
            one_plus = let(f"fadd {kind} {one}, {e}")
            if op == "dsigmoid":  # e / ((1 + e) * (1 + e))
                return let(f"fdiv {kind} {e}, {let(f'fmul {kind} {one_plus}, {one_plus}')}")
            positive = let(f"fcmp oge {kind} {x}, {zero}")  # sigmoid: (1 if x >= 0 else e) / (1 + e)
            return let(f"fdiv {kind} {let(f'select {truth} {positive}, {kind} {one}, {kind} {e}')}, {one_plus}")
        else:
            return ""
        return let(f"select {truth} {test}, {kind} {one}, {kind} {zero}")

    apply = f"inttoptr (i64 {apply_address} to double (i32, double, double, double)*)"

    def lane_by_lane(function: str, operands: Sequence[str], leading: str = "") -> str:
        """``function`` (a scalar C function) called on each lane of ``operands`` in turn."""
        if lanes == 1:
            value = fresh()
            emit(f"  {value} = call double {function}({leading}{', '.join(f'double {x}' for x in operands)})")
            return value
        vector = "undef"
        for lane in range(lanes):
            parts = []
            for operand in operands:
                part = fresh()
                emit(f"  {part} = extractelement {kind} {operand}, i32 {lane}")
                parts.append(f"double {part}")
            value, vector_then = fresh(), fresh()
            emit(f"  {value} = call double {function}({leading}{', '.join(parts)})")
            emit(f"  {vector_then} = insertelement {kind} {vector}, double {value}, i32 {lane}")
            vector = vector_then
        return vector

    def call(op: int, x: str, y: str, z: str) -> str:
        name = names[op]
        if name in INTRINSICS:
            function, arity = INTRINSICS[name]
            return let(f"call {kind} @{function}.{suffix}({', '.join(f'{kind} {a}' for a in (x, y)[:arity])})")
        if name in LIBRARY:
            function, arity = LIBRARY[name]
            return lane_by_lane(f"@{function}", [x, y][:arity])
        return lane_by_lane(apply, [x, y, z], f"i32 {op}, ")

    def sincos(x: str) -> tuple[str, str]:
        """The sine and the cosine of each lane of ``x``, by one call of the C library's ``sincos`` per lane."""
        sines, cosines = "undef", "undef"
        for lane in range(lanes):
            if lanes == 1:
                part = x
            else:
                part = fresh()
                emit(f"  {part} = extractelement {kind} {x}, i32 {lane}")
            emit(f"  call void @sincos(double {part}, double* %sin.out, double* %cos.out)")
            s, c = fresh(), fresh()
            emit(f"  {s} = load double, double* %sin.out")
            emit(f"  {c} = load double, double* %cos.out")
            if lanes == 1:
                return s, c
            sines_then, cosines_then = fresh(), fresh()
            emit(f"  {sines_then} = insertelement {kind} {sines}, double {s}, i32 {lane}")
            emit(f"  {cosines_then} = insertelement {kind} {cosines}, double {c}, i32 {lane}")
            sines, cosines = sines_then, cosines_then
        return sines, cosines

    sine = codes["sin"]
    for index, (op, target, x, y, z) in enumerate(body, start):
        pseudo = pairs.get(index)
        if pseudo is not None:
            if pseudo == PAIRED + index:  # the first of a pair: both values, the other left in the pseudo slot
                s, c = sincos(read(x))
                defined[target], defined[pseudo] = (s, c) if op == sine else (c, s)
            else:
                defined[target] = read(pseudo)
            continue
        vx, vy = read(x), read(y)
        if op >= fused:
            f = op - fused
            u = arithmetic(names[first[f >> 4]], vx, vy)
            after = names[second[(f >> 1) & 7]]
            value = arithmetic(after, u, u) if after == "neg" else \
                arithmetic(after, u, read(z)) if f & 1 == 0 else arithmetic(after, read(z), u)
        else:
            value = arithmetic(names[op], vx, vy)
            if not value:
                vz = read(z)
                value = formula(names[op], vx, vy, vz) or call(op, vx, vy, vz)
        defined[target] = value
    return read
