"""The VM backend: one compiled virtual machine that runs programs as data (``backend="vm"``).

Why: researchers call a compiled gradient thousands of times at single
points.  The NumPy backend pays a Python call per instruction at each point
and ``compile()`` of a long source when the function is made; the numba
backend pays numba's type inference and LLVM for every program (seconds to
minutes).  Here, as in CasADi's ``Function``, a program becomes *data* -- an
int32 array of ``(op, target, x, y, z)`` register instructions -- and
kernels compiled once per machine (numba, ``cache=True``, one explicit
signature each) run any program: :func:`_run_point` at one point,
:func:`_run_block` on batches a block of points at a time (every register
a row of up to 256 points, sized so the register file stays in cache;
arithmetic rows are loops LLVM vectorises).

Making the data (:func:`assemble`) is the time of making a function, so
no Python code runs per instruction: the operands are numbered by a few
list passes that run in C (``zip``, ``map(dict.get, ...)``), one Python
call per *distinct* constant, and two compiled passes do the rest --
:func:`_fold`, the NumPy writer's exact constant-factor peephole over
numbers, and :func:`_allocate`, registers from liveness.  A per-instruction
Python loop (the first design: dictionaries, closures, sympy products) took
5.6 s for 10^5 instructions; a tight one still 0.5-0.7 s, a third of it the
use counts alone -- too slow for the 0.5 s target on a loaded machine.

Measured (benchmarks/evaluate.py; a shared 2-core machine, ratios from
the same run; ranges over runs under lighter and heavier load):

* making a callable (``lambdify``, derivation excluded), Rosenbrock
  gradient: n = 1,000 (10^4 instructions) 12-18 ms (was 0.5 s; NumPy
  backend 0.17-0.24 s, CasADi 1.5-2.2 ms, symengine's LLVM ``Lambdify``
  3 s); n = 10,000 (10^5 instructions) 0.22-0.32 s (was 5.6 s; NumPy
  backend 2.4-2.6 s, of which ``compile()`` of the source is about half;
  CasADi 13-20 ms; symengine times out).  One LLVM compilation per
  program -- symengine's design -- grows with the program and cannot make
  a 10^5-instruction callable in 0.5 s.
* one point, the whole ``value_and_grad(vector=True)`` call (VM, then
  symengine, CasADi, JAX): n = 10: 2.3 µs (3.8, 24, 14); n = 100: 7.4 µs
  (4.2, 35, 39); n = 1,000: 29 µs (12.5, 134, 67); n = 10,000: 0.37 ms
  (time-out, 1.5 ms, 0.09 ms); the MLP 3.3 µs (4.2, 37, 34).  The kernel
  runs 1.7-2.6 ns per instruction on a 10^4-instruction program; the call
  around it about 1.5 µs.  So the VM beats CasADi at every size by 4-11x,
  and symengine's native code up to n = 10 and on the MLP; it is 1.8x
  slower at n = 100 and 2.3x at n = 1,000.  Tried and dropped: loading
  inputs at first use and storing results at once (fewer live registers):
  slower, as the extra instructions cost more than they save, and
  reverse-mode programs keep the forward values live anyway.
* 10^4 points (10^3 at n = 10,000): Rosenbrock n = 1,000 VM 96 ms, NumPy
  150 ms, symengine 62 ms, JAX 73 ms; the MLP VM 4.0 ms, NumPy 2.9 ms
  (transcendental functions: NumPy's SIMD loops win), symengine 3.5 ms.
  The batch kernel is slower than symengine's at every size (0.4-0.9x):
  a reverse-mode program keeps thousands of values live (3,000 registers
  at n = 1,000), so a block of points is only 32 wide and its register
  file lives in L2 (block widths from 16 to 256 were measured; 1 MiB per
  block is best).  Shortening live ranges (scheduling each value just
  before its use, inputs loaded and results stored as they are needed)
  is the next step for batches.

The kernels: compiling them cold takes 10-15 s, once per machine (numba's
cache, beside this file or in ``NUMBA_CACHE_DIR``; editing this file
invalidates it).  A process pays numba's own start once: importing numba
0.25-0.3 s, then its first compile or cache load sets up its registries,
0.3-0.6 s, which import ``scipy.linalg`` when SciPy is installed (0.25-0.35
s more unless the program already imported SciPy); each kernel then loads
in 6-16 ms, only when first needed (:func:`_kernel`: a process evaluating
single points never loads the batch kernel).

Semantics: float64 values as the NumPy backend computes them (arithmetic
bitwise, with its peephole -- except that a merged constant factor
leaving [2^-1021, 2^1021] is not merged, where the NumPy writer's exact
rational product would be rounded once; transcendental functions from libm, which may
differ from NumPy's SIMD loops in the last bits), conditions as 1.0/0.0,
branches of ``where`` selected as in NumPy, so derivatives through branches
stay nan-free.  Like the numba backend it raises no NumPy
``RuntimeWarning``.  Inputs that are not float64 NumPy work -- Dask or CuPy
arrays, all-float32 inputs -- run the NumPy backend's kernel, made on first
need; a program calling a function registered from Python (``sg.function``)
is compiled by the NumPy backend (the VM cannot call Python).

Why not the default: it does not win everywhere on float64 inputs
(programs rich in transcendental functions, and the product of 1,000
inputs, evaluate large batches faster with NumPy's SIMD loops; symengine's
and JAX's native code is faster on large batches), it
drops NumPy's warnings and last-bit agreement that the NumPy backend
guarantees, and it needs numba.  So it is opt-in: ``backend="vm"`` in
``sg.lambdify``, ``Gradient.lambdify``, ``sg.value_and_grad`` (also
``vector=True``, whose one-point path hands the float64 vector straight to
the VM: :func:`symgraph.backends.runtime.vector_function`).

Examples
--------
>>> import symgraph as sg
>>> f = sg.grad("(a+b)*(b+1)", wrt=["a", "b"]).lambdify(backend="vm")  # doctest: +SKIP
>>> f([1.0, 2.0], 1.0)  # doctest: +SKIP
(array([2., 2.]), array([4., 5.]))
"""
from __future__ import annotations

import math
from itertools import chain
from typing import Any, Callable, Sequence

import numpy as np

from ..constants import as_constant, constant_key, constant_value
from ..errors import GraphError, UnsupportedOpError
from .numpy import _is_power_of_two
from .runtime import broadcast_shape, contiguous, portable, working_dtype

# --------------------------------------------------------------------------- the instruction set

#: VM op codes: the op table's rows, plus the special forms of power NumPy itself takes for a literal exponent
CODES: dict[str, int] = {name: code for code, name in enumerate((
    "add", "sub", "mul", "div", "neg", "square", "reciprocal", "copy", "pow",
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs",
    "sigmoid", "relu", "softplus", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10", "exp2", "cbrt",
    "erf", "erfc", "sign", "floor", "ceil", "round", "hypot", "atan2", "max", "min", "logaddexp", "logb",
    "heaviside", "lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not", "where", "log0"))}

#: power with these literal exponents is what NumPy computes for them (``numpy.power``'s fast paths)
_POWERS = {2.0: "square", 0.5: "sqrt", -1.0: "reciprocal", 1.0: "copy"}

ADD, SUB, MUL, DIV, NEG, SQUARE, RECIPROCAL, COPY = (CODES[n] for n in (
    "add", "sub", "mul", "div", "neg", "square", "reciprocal", "copy"))


def _apply(op, x, y, z):  # pragma: no cover - compiled by numba (tests run it through the kernels)
    """One op on float64 scalars, as the NumPy backend computes it (conditions are 1.0 and 0.0)."""
    if op == 0:
        return x + y
    elif op == 1:
        return x - y
    elif op == 2:
        return x * y
    elif op == 3:
        return x / y
    elif op == 4:
        return -x
    elif op == 5:
        return x * x
    elif op == 6:
        return 1.0 / x
    elif op == 7:
        return x
    elif op == 8:
        return np.power(x, y)
    elif op == 9:
        return np.sin(x)
    elif op == 10:
        return np.cos(x)
    elif op == 11:
        return np.tan(x)
    elif op == 12:
        return np.arcsin(x)
    elif op == 13:
        return np.arccos(x)
    elif op == 14:
        return np.arctan(x)
    elif op == 15:
        return np.sinh(x)
    elif op == 16:
        return np.cosh(x)
    elif op == 17:
        return np.tanh(x)
    elif op == 18:
        return np.exp(x)
    elif op == 19:
        return np.log(x)
    elif op == 20:
        return np.sqrt(x)
    elif op == 21:
        return np.abs(x)
    elif op == 22:
        return 0.5 + 0.5 * np.tanh(0.5 * x)
    elif op == 23:
        return x if (x >= 0.0 or x != x) else 0.0
    elif op == 24:
        return np.logaddexp(0.0, x)
    elif op == 25:
        return np.arcsinh(x)
    elif op == 26:
        return np.arccosh(x)
    elif op == 27:
        return np.arctanh(x)
    elif op == 28:
        return np.log1p(x)
    elif op == 29:
        return np.expm1(x)
    elif op == 30:
        return np.log2(x)
    elif op == 31:
        return np.log10(x)
    elif op == 32:
        return np.exp2(x)
    elif op == 33:
        return np.cbrt(x)
    elif op == 34:
        return math.erf(x)
    elif op == 35:
        return math.erfc(x)
    elif op == 36:
        return np.sign(x)
    elif op == 37:
        return np.floor(x)
    elif op == 38:
        return np.ceil(x)
    elif op == 39:
        return np.rint(x)
    elif op == 40:
        return np.hypot(x, y)
    elif op == 41:
        return np.arctan2(x, y)
    elif op == 42:
        return x if (x >= y or x != x) else y
    elif op == 43:
        return x if (x <= y or x != x) else y
    elif op == 44:
        return np.logaddexp(x, y)
    elif op == 45:
        return np.log(x) / np.log(y)
    elif op == 46:
        return np.sign(x if (x >= 0.0 or x != x) else 0.0) + y * (1.0 if x == 0.0 else 0.0)
    elif op == 47:
        return 1.0 if x < y else 0.0
    elif op == 48:
        return 1.0 if x <= y else 0.0
    elif op == 49:
        return 1.0 if x > y else 0.0
    elif op == 50:
        return 1.0 if x >= y else 0.0
    elif op == 51:
        return 1.0 if x == y else 0.0
    elif op == 52:
        return 1.0 if x != y else 0.0
    elif op == 53:
        return 1.0 if (x != 0.0 and y != 0.0) else 0.0
    elif op == 54:
        return 1.0 if (x != 0.0 or y != 0.0) else 0.0
    elif op == 55:
        return 1.0 if x == 0.0 else 0.0
    elif op == 56:
        return y if x != 0.0 else z
    else:
        return np.log(x + (1.0 if x == 0.0 else 0.0))


#: header of the int32 program array: instructions, constants, inputs, results, registers
_HEADER = 5


def _run_point(prog, io):  # pragma: no cover - compiled by numba
    """The program at one point.  ``io`` holds the constants, the inputs and (written here) the results.

    Two array arguments, because numba's dispatcher checks every array
    argument on every call, which is most of a small program's time.
    """
    n, nc, m, rows = prog[0], prog[1], prog[2], prog[3]
    registers = np.empty(prog[4])
    r = _f64(registers.ctypes.data)
    c = _i32(prog.ctypes.data)
    for i in range(nc + m):
        r[i] = io[i]
    for k in range(n):
        o = _HEADER + 5 * k
        op = c[o]
        x = r[c[o + 2]]
        y = r[c[o + 3]]
        if op == 2:
            v = x * y
        elif op == 0:
            v = x + y
        elif op == 1:
            v = x - y
        elif op == 4:
            v = -x
        elif op == 5:
            v = x * x
        else:
            v = _apply(op, x, y, r[c[o + 4]])
        r[c[o + 1]] = v
    res = _HEADER + 5 * n
    for q in range(rows):
        io[nc + m + q] = r[c[res + q]]
    return registers.shape[0]  # keeps the register file alive past the last read through its pointer


def _run_block(prog, io, sources, steps, out, width):  # pragma: no cover - compiled by numba
    """The program on ``out.shape[1]`` points, ``width`` at a time: every register a row of ``width`` floats.

    ``io`` holds the constants; ``sources[i]`` is the address of input i's
    float64 values, ``steps[i]`` 1 for one value per point or 0 for one value
    for all.  Arithmetic runs as loops over a row (vectorised by LLVM: a
    target never shares a register with an operand); other ops call
    :func:`_apply` per value.
    """
    n, nc, m, rows = prog[0], prog[1], prog[2], prog[3]
    points = out.shape[1]
    registers = np.empty(prog[4] * width)
    r = _f64(registers.ctypes.data)  # raw pointers: no negative-index checks, so the loops vectorise
    c = _i32(prog.ctypes.data)
    for i in range(nc):
        for j in range(width):
            r[i * width + j] = io[i]
    res = _HEADER + 5 * n
    for start in range(0, points, width):
        b = min(width, points - start)
        for i in range(m):
            p = _f64(sources[i])
            base = (nc + i) * width
            if steps[i] == 0:
                v = p[0]
                for j in range(b):
                    r[base + j] = v
            else:
                for j in range(b):
                    r[base + j] = p[start + j]
        for k in range(n):
            o = _HEADER + 5 * k
            op = c[o]
            d = c[o + 1] * width
            x = c[o + 2] * width
            y = c[o + 3] * width
            if op == 2:
                for j in range(b):
                    r[d + j] = r[x + j] * r[y + j]
            elif op == 0:
                for j in range(b):
                    r[d + j] = r[x + j] + r[y + j]
            elif op == 1:
                for j in range(b):
                    r[d + j] = r[x + j] - r[y + j]
            elif op == 4:
                for j in range(b):
                    r[d + j] = -r[x + j]
            elif op == 5:
                for j in range(b):
                    r[d + j] = r[x + j] * r[x + j]
            elif op == 3:
                for j in range(b):
                    r[d + j] = r[x + j] / r[y + j]
            else:
                z = c[o + 4] * width
                for j in range(b):
                    r[d + j] = _apply(op, r[x + j], r[y + j], r[z + j])
        for q in range(rows):
            s = c[res + q] * width
            for j in range(b):
                out[q, start + j] = r[s + j]
    return registers.shape[0]  # keeps the register file alive past the last read through its pointer


_COMPILED: dict[str, Callable] = {}


def _pointers(numba: Any) -> tuple[Callable, Callable]:
    """Numba intrinsics reading an address (an integer) as a float64 and an int32 pointer."""
    from numba import types
    from numba.extending import intrinsic

    def pointer_to(kind: Any) -> Callable:
        @intrinsic
        def pointer(typingctx: Any, address: Any) -> Any:
            target = types.CPointer(kind)

            def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
                return builder.inttoptr(args[0], context.get_value_type(target))
            return target(types.intp), codegen
        return pointer
    return pointer_to(types.float64), pointer_to(types.int32)


def _signatures() -> dict[str, Any]:
    """One explicit signature per kernel: numba compiles (or loads from its cache) exactly one specialisation."""
    from numba import types as t
    program, floats, addresses = t.int32[::1], t.float64[::1], t.intp[::1]
    return {"apply": t.float64(t.int32, t.float64, t.float64, t.float64),
            "point": t.intp(program, floats),
            "block": t.intp(program, floats, addresses, addresses, t.float64[:, ::1], t.intp),
            "allocate": t.int32[::1](program, t.intp, t.intp, t.intp, program),
            "fold": t.Tuple((program, floats, program, t.intp, t.intp))(
                program, addresses, addresses, floats, t.boolean[::1], t.boolean[::1], addresses, t.intp)}


def _kernel(name: str) -> Callable:
    """The compiled kernel ``name`` ("point", "block" or "allocate"), compiled on first need in a process.

    Each is compiled once per machine and loaded from numba's cache
    (beside this file, or in ``NUMBA_CACHE_DIR``) afterwards; loading only
    the kernels a process uses keeps its first call short.
    """
    kernel = _COMPILED.get(name)
    if kernel is None:
        try:
            import numba
        except ImportError as error:
            raise ImportError("backend='vm' needs numba: pip install numba") from error
        signatures = _signatures()
        options = dict(error_model="numpy", nogil=True, cache=True, boundscheck=False)
        if name in ("point", "block") and "apply" not in _COMPILED:
            globals()["_f64"], globals()["_i32"] = _pointers(numba)
            _COMPILED["apply"] = globals()["_apply"] = numba.njit(signatures["apply"], **options)(_apply)
        if name == "fold" and "materialise" not in _COMPILED:  # helpers: compiled for their callers' types
            globals()["_put"] = numba.njit(**options)(_put)
            _COMPILED["materialise"] = globals()["_materialise"] = numba.njit(**options)(_materialise)
        python = {"point": _run_point, "block": _run_block, "allocate": _allocate, "fold": _fold}[name]
        kernel = _COMPILED[name] = numba.njit(signatures[name], **options)(python)
    return kernel


def kernels() -> tuple[Callable, ...]:
    """Every kernel ``(fold, allocate, point, block)``, compiled or loaded from numba's cache (a warm-up)."""
    return tuple(_kernel(name) for name in ("fold", "allocate", "point", "block"))


# --------------------------------------------------------------------------- programs as data

class Assembled:
    """A program as VM data: the int32 program array, the constants, and the registers it needs."""

    def __init__(self, prog: np.ndarray, consts: np.ndarray, inputs: int, results: int, registers: int,
                 instructions: int):
        self.prog, self.consts, self.inputs, self.results = prog, consts, inputs, results
        self.registers, self.instructions = registers, instructions


def assemble(program: Any, order: Sequence[str], labels: Sequence[str]) -> Assembled:
    """``program`` as VM code: operands numbered in bulk (Python), then two compiled passes.

    Values are numbered: inputs ``0 .. m-1`` in ``order``, instruction i's
    target ``m + i``, constants ``-1, -2, ...``.  :func:`_fold` applies the
    NumPy writer's exact peephole over those numbers; :func:`_allocate`
    assigns registers from liveness: the constants first (never reused),
    then the inputs, then temporaries; a register is free again after the
    last use of its value (results live to the end); a target never shares a
    register with its own operands, so the batch kernel's loops vectorise.
    The Python side is a few list passes that run in C, and one Python call
    per distinct constant -- no per-instruction Python code.
    """
    instructions = program.instructions
    n, m = len(instructions), len(order)
    targets, names, operands = zip(*instructions) if instructions else ((), (), ())
    number = dict(zip(order, range(m)))
    number.update(zip(targets, range(m, m + n)))
    unknown = set(names) - _OPCODES.keys()
    if unknown:
        raise UnsupportedOpError(f"backend='vm' has no instruction for op {sorted(unknown)[0]!r}")
    flat = list(chain.from_iterable(operands))
    refs = [as_constant(program.results[label]) for label in labels]
    found = [a for a in flat if a.__class__ is not str] + [r for r in refs if r.__class__ is not str]
    values: list[float] = []
    exact: list[bool] = []
    by_key: dict[Any, int] = {}
    by_id: dict[int, int] = {}
    for key_id, value in dict(zip(map(id, found), found)).items():  # one call per distinct constant object
        key = constant_key(as_constant(value))
        k = by_key.get(key)
        if k is None:
            k = by_key[key] = -1 - len(values)
            values.append(float(constant_value(value)))
            exact.append(_is_power_of_two(as_constant(value)))
        by_id[key_id] = k
    if len(number) != m + n:  # a name assigned twice: number each operand by the definition before it
        flat = _sequential(instructions, order, by_id.get)
    else:
        # constants join the names' table (equal constants share a slot: their float64 values are equal too)
        number.update((value, by_id[id(value)]) for value in dict(zip(map(id, found), found)).values())
        flat = list(map(number.get, flat))
        if None in flat:
            _sequential(instructions, order, by_id.get)  # raises the error naming the instruction and the name
    get = number.get
    results = []
    for r in refs:
        found = get(r) if r.__class__ is str else by_id[id(r)]
        if found is None:
            raise GraphError(f"result {r!r} is neither an input nor computed by the program")
        results.append(found)
    keep = np.zeros(m + n, dtype=np.bool_)
    keep[[r for r in results if r >= 0]] = True
    starts = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.fromiter(map(len, operands), dtype=np.intp, count=n), out=starts[1:])
    code, consts, results_, count, error = _kernel("fold")(
        np.fromiter(map(_OPCODES.__getitem__, names), dtype=np.int32, count=n), starts,
        np.array(flat, dtype=np.intp), np.array(values, dtype=np.float64), np.array(exact, dtype=np.bool_),
        keep, np.array(results, dtype=np.intp), m)
    if error >= 0:
        target, _, args = instructions[error]
        later = next(a for a in args if a.__class__ is str and get(a, -1) >= m + error)
        raise GraphError(f"instruction {target!r} reads {later!r}, which no input or earlier instruction defines")
    prog = _kernel("allocate")(code, count, consts.shape[0], m, results_)
    return Assembled(prog, consts, m, len(results), int(prog[4]), int(prog[0]))


def _sequential(instructions: Sequence[tuple], order: Sequence[str], constant: Callable) -> list:
    """Operand numbers when a name is assigned more than once: each reads the definition before it."""
    number = {name: i for i, name in enumerate(order)}
    flat = []
    for i, (target, _, args) in enumerate(instructions, len(order)):
        for a in args:
            found = number.get(a) if a.__class__ is str else constant(id(a))
            if found is None:
                raise GraphError(f"instruction {target!r} reads {a!r}, which no input or earlier instruction defines")
            flat.append(found)
        number[target] = i
    return flat


#: op name -> VM op code, with the const pseudo-instruction (a name for a constant) as -1
_OPCODES = {**CODES, "const": -1}
_NEG, _MUL, _POW = CODES["neg"], CODES["mul"], CODES["pow"]
_WHERE = CODES["where"]
_POWER_VALUES = (2.0, 0.5, -1.0, 1.0)  # :data:`_POWERS` as two tuples numba indexes
_POWER_CODES = tuple(CODES[_POWERS[v]] for v in _POWER_VALUES)


def _put(code, w, op, t, x, y, z):  # pragma: no cover - compiled by numba
    """Write one instruction at ``code[w:w+5]``; returns the next position."""
    code[w] = op
    code[w + 1] = t
    code[w + 2] = x
    code[w + 3] = y
    code[w + 4] = z
    return w + 5


def _materialise(code, w, added, extra, alias, t, c, b, nc0):  # pragma: no cover - compiled by numba
    """Compute ``t = c * b`` (an alias when c is 1, a negation when -1); returns the next positions."""
    if c == 1.0:
        alias[t] = b
        return w, extra
    alias[t] = t
    if c == -1.0:
        return _put(code, w, _NEG, t, b, b, b), extra
    added[extra] = c
    q = -nc0 - extra - 1
    return _put(code, w, _MUL, t, q, b, q), extra + 1
_SMALLEST, _LARGEST = 2.0 ** -1021, 2.0 ** 1021


def _fold(ops_, starts, args, consts, exact, keep, results, m):  # pragma: no cover - compiled by numba
    """The numbered instructions after the NumPy writer's exact peephole (:func:`symgraph.backends.numpy.assignments`).

    A constant factor or negation of a single-use temporary merges into its
    one consumer when one factor is +-2^k (``t1 = 2*v; t2 = 100*t1`` becomes
    ``t2 = 200*v``), so values are bitwise what the program computes.
    Coefficients are float64: a product with a +-2^k factor is exact unless
    it leaves [2^-1021, 2^1021], where the merge is declined (the program's
    own two products are computed instead).  Returns ``(code, constants,
    results, values, error)``: int32 ``(op, target, x, y, z)`` rows (a
    missing operand repeats ``x``), the constants (new coefficients added,
    equal values merged), the results' numbers, the count of value numbers,
    and -1 or the index of an instruction reading a later one.
    """
    n = ops_.shape[0]
    nc0 = consts.shape[0]
    values = m + n + args.shape[0]  # room for the intermediate values of max(a, b, c)
    uses = np.zeros(values, dtype=np.int32)
    for j in range(args.shape[0]):
        if args[j] >= 0:
            uses[args[j]] += 1
    alias = np.arange(values)  # a value's number after aliasing (a constant's name: the constant)
    pending = np.zeros(values, dtype=np.bool_)
    coefficient = np.empty(values)
    power = np.zeros(values, dtype=np.bool_)  # the coefficient is +-2^k
    base_of = np.empty(values, dtype=np.intp)
    code = np.empty(5 * (n + 2 * args.shape[0] + 1), dtype=np.int32)
    added = np.empty(n + args.shape[0] + 1)
    extra = 0
    w = 0
    fresh = m + n
    for i in range(n):
        op = ops_[i]
        t = m + i
        s, e = starts[i], starts[i + 1]
        for j in range(s, e):
            if args[j] >= t:
                return code[:0], consts, results.astype(np.int32), 0, i
        if op == -1:
            alias[t] = args[s]
            continue
        scaled = False
        c, base, pw = 1.0, 0, True
        if op == _NEG and args[s] >= 0 and (pending[args[s]] or alias[args[s]] >= 0):
            a = args[s]
            if pending[a]:
                pending[a] = False
                c, base, pw = -coefficient[a], base_of[a], power[a]
            else:
                c, base, pw = -1.0, alias[a], True
            scaled = True
        elif op == _MUL and e - s == 2:
            a0, a1 = args[s], args[s + 1]
            name0 = a0 >= 0 and (pending[a0] or alias[a0] >= 0)
            name1 = a1 >= 0 and (pending[a1] or alias[a1] >= 0)
            if name0 != name1:
                k, ref = (a1, a0) if name0 else (a0, a1)
                if k >= 0:
                    k = alias[k]
                kv = consts[-1 - k] if -1 - k < nc0 else added[-1 - k - nc0]
                kp = exact[-1 - k] if -1 - k < nc0 else False
                c, base, pw = kv, alias[ref], kp
                if pending[ref]:
                    pending[ref] = False
                    pc, pb, pp = coefficient[ref], base_of[ref], power[ref]
                    product = kv * pc
                    if kv == 0.0 or pc == 0.0:
                        product = 0.0  # an exact zero has no sign
                    finite = math.isfinite(kv) and math.isfinite(pc)
                    fits = product == 0.0 or not finite or _SMALLEST <= abs(product) <= _LARGEST
                    if (kp or pp) and fits:
                        c, base, pw = product, pb, kp and pp
                    else:  # inexact to merge: compute the pending value
                        w, extra = _materialise(code, w, added, extra, alias, ref, pc, pb, nc0)
                        base = alias[ref]
                scaled = True
        if scaled:
            if uses[t] == 1 and not keep[t]:
                pending[t], coefficient[t], base_of[t], power[t] = True, c, base, pw
            else:
                w, extra = _materialise(code, w, added, extra, alias, t, c, base, nc0)
            continue
        for j in range(s, e):  # operands of another op: compute pending values now
            a = args[j]
            if a >= 0 and pending[a]:
                pending[a] = False
                w, extra = _materialise(code, w, added, extra, alias, a, coefficient[a], base_of[a], nc0)
        x = args[s] if args[s] < 0 else alias[args[s]]
        if e - s == 1:
            w = _put(code, w, op, t, x, x, x)
            continue
        y = args[s + 1] if args[s + 1] < 0 else alias[args[s + 1]]
        if e - s == 2 or op == _WHERE:  # binary, or where(c, a, b)
            if op == _POW and y < 0:
                v = consts[-1 - y] if -1 - y < nc0 else added[-1 - y - nc0]
                for p in range(4):
                    if v == _POWER_VALUES[p]:
                        op = _POWER_CODES[p]
                        break
            z = x
            if e - s == 3:
                z = args[s + 2] if args[s + 2] < 0 else alias[args[s + 2]]
            w = _put(code, w, op, t, x, y, z)
            continue
        for j in range(s + 1, e):  # max(a, b, c): the binary op folded left
            y = args[j] if args[j] < 0 else alias[args[j]]
            d = t if j == e - 1 else fresh
            if j < e - 1:
                fresh += 1
            w = _put(code, w, op, d, x, y, x)
            x = d
    out = np.empty(results.shape[0], dtype=np.intp)
    for q in range(results.shape[0]):
        out[q] = results[q] if results[q] < 0 else alias[results[q]]
    # constants: equal float64 values (bit for bit) share one register
    every = np.concatenate((consts, added[:extra]))
    bits = every.view(np.int64)
    order = np.argsort(bits, kind="mergesort")
    renumber = np.empty(every.shape[0], dtype=np.intp)
    unique = np.empty(every.shape[0])
    u = -1
    for p in range(every.shape[0]):
        if p == 0 or bits[order[p]] != bits[order[p - 1]]:
            u += 1
            unique[u] = every[order[p]]
        renumber[order[p]] = -1 - u
    body = code[:w]
    for r in range(0, w, 5):
        for j in range(2, 5):
            if body[r + j] < 0:
                body[r + j] = renumber[-1 - body[r + j]]
    for q in range(out.shape[0]):
        if out[q] < 0:
            out[q] = renumber[-1 - out[q]]
    return body, unique[:u + 1], out.astype(np.int32), fresh, -1


def _allocate(code, values, nc, m, results):  # pragma: no cover - compiled by numba
    """The VM program array of numbered ``code`` (see :func:`_numbered`): registers from liveness."""
    n = code.shape[0] // 5
    last = np.full(values, -1, dtype=np.int64)
    for k in range(n):
        for j in range(2, 5):
            v = code[5 * k + j]
            if v >= 0:
                last[v] = k
    for v in results:
        if v >= 0:
            last[v] = n
    reg = np.empty(values, dtype=np.int32)
    free = np.empty(values + 1, dtype=np.int32)
    top = 0
    for i in range(m - 1, -1, -1):
        reg[i] = nc + i
        if last[i] < 0:
            free[top] = nc + i
            top += 1
    registers = nc + m
    prog = np.empty(_HEADER + 5 * n + results.shape[0], dtype=np.int32)
    for k in range(n):
        o = 5 * k
        if top > 0:
            top -= 1
            d = free[top]
        else:
            d = registers
            registers += 1
        prog[_HEADER + o] = code[o]
        prog[_HEADER + o + 1] = d
        for j in range(2, 5):
            v = code[o + j]
            prog[_HEADER + o + j] = reg[v] if v >= 0 else -1 - v
        for j in range(2, 5):
            v = code[o + j]
            if v >= 0 and last[v] == k:
                free[top] = reg[v]
                top += 1
                last[v] = -2  # freed once: an operand read twice is one register
        t = code[o + 1]
        reg[t] = d
        if last[t] < 0:
            free[top] = d  # a value nothing reads
            top += 1
    res = _HEADER + 5 * n
    for q in range(results.shape[0]):
        v = results[q]
        prog[res + q] = reg[v] if v >= 0 else -1 - v
    prog[0], prog[1], prog[2], prog[3], prog[4] = n, nc, m, results.shape[0], registers
    return prog


# --------------------------------------------------------------------------- the kernel behind compiled functions

#: a batch runs this many points at a time when the registers allow: the register file stays in cache
BLOCK_BYTES = 1 << 20
MIN_WIDTH, MAX_WIDTH = 16, 256

#: inputs the VM reads (NumPy's own types and Python values); anything else goes to the NumPy backend
_NUMPY_INPUTS = (np.ndarray, np.generic, float, int, list, tuple)
_FLOAT64 = np.dtype(np.float64)


def width_for(registers: int) -> int:
    """Points per block: a power of two from :data:`MIN_WIDTH` to :data:`MAX_WIDTH` whose registers fit :data:`BLOCK_BYTES`."""
    width = MIN_WIDTH
    while width < MAX_WIDTH and 2 * width * registers * 8 <= BLOCK_BYTES:
        width *= 2
    return width


def vm_kernel(program: Any, order: Sequence[str], labels: Sequence[str], *, name: str = "f",
              fallback: Callable[[], Callable]) -> tuple[Callable, str]:
    """``(kernel, listing)``: ``kernel(*inputs in order)`` -> the flat tuple of ``labels``' results, run by the VM.

    Float64 work on NumPy inputs runs on the VM; anything else (Dask or CuPy
    arrays, all-float32 inputs) runs the NumPy backend's kernel, which
    ``fallback()`` makes on first need.  ``kernel.point(x)`` evaluates one
    point given as a float64 vector of every input, returning the 1-D array of results.
    """
    code = assemble(program, order, labels)
    nc = len(code.consts)
    template = np.concatenate([code.consts, np.zeros(code.inputs + code.results)])
    listing = (f"# symgraph VM program: {code.instructions} instructions, {code.registers} registers "
               f"({nc} constants, {code.inputs} inputs), {code.results} results, "
               f"{width_for(code.registers)} points per block\n")
    return _runner(code.prog, template, nc, code.inputs, code.results, width_for(code.registers), tuple(order),
                   name, fallback), listing


def _runner(prog: np.ndarray, template: np.ndarray, first: int, m: int, rows: int, width: int,
            order: tuple, name: str, fallback: Callable[[], Callable]) -> Callable:
    """The kernel of :func:`vm_kernel` from its assembled program: what a pickle of it carries (the
    arrays, and the NumPy backend's kernel for the inputs the VM does not take, made when pickled)."""
    point = _kernel("point")
    stop = first + m
    keys = [(k, Ellipsis) for k in range(rows)]
    numpy_kernel: list = []

    def other(*values: Any) -> tuple:
        if not numpy_kernel:
            numpy_kernel.append(fallback())
        return numpy_kernel[0](*values)

    def at_point(x: np.ndarray) -> np.ndarray:
        io = template.copy()
        io[first:stop] = x
        point(prog, io)
        return io[stop:]

    def run(*values: Any) -> tuple:
        for v in values:
            if v.__class__ is not float and v.__class__ is not np.float64:
                break
        else:  # one point of Python floats or NumPy float64 scalars (an indexed input's elements): kept short
            io = template.copy()
            io[first:stop] = values
            point(prog, io)
            return tuple(map(io[stop:].__getitem__, keys))
        for v in values:
            if not isinstance(v, _NUMPY_INPUTS):
                return other(*values)
        if working_dtype(values) != _FLOAT64:
            return other(*values)
        arrays = [np.asarray(v, dtype=np.float64) for v in values]
        shape = broadcast_shape(arrays, order)
        if not shape:
            io = template.copy()
            io[first:stop] = arrays
            point(prog, io)
            return tuple(map(io[stop:].__getitem__, keys))
        points = math.prod(shape)
        held, steps = [], np.empty(m, dtype=np.intp)
        for i, a in enumerate(arrays):
            if a.size == 1:
                a, steps[i] = np.ascontiguousarray(a), 0
            else:
                a, steps[i] = contiguous(a, shape), 1
            held.append(a)
        sources = np.array([a.ctypes.data for a in held], dtype=np.intp)
        out = np.empty((rows, points))
        if points:
            _kernel("block")(prog, template, sources, steps, out, width)
        out = out.reshape((rows,) + shape)
        return tuple(map(out.__getitem__, keys))

    def recipe() -> tuple:
        if not numpy_kernel:
            numpy_kernel.append(fallback())
        return _runner, (prog, template, first, m, rows, width, order, name, _Given(portable(numpy_kernel[0])))

    run.__name__ = name
    run.point = at_point
    run.recipe = recipe
    return run


class _Given:
    """A fallback that is already made (an unpickled NumPy kernel): calling it returns it."""

    def __init__(self, kernel: Callable):
        self.kernel = kernel

    def __call__(self) -> Callable:
        return self.kernel
