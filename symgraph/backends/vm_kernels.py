"""The VM's instruction set and the compiled kernels that run it (:mod:`symgraph.backends.vm`).

A program is an int32 array of ``(op, target, x, y, z)`` register
instructions (:data:`CODES`, fused pairs: :data:`FUSED`); :func:`_run_point`
runs it at one point and :func:`_run_block` on a block of points, every
temporary a row. :func:`_kernel` compiles each kernel on first need, the
passes of :mod:`.vm_passes` too (registered by that module:
:func:`register_pass`), replacing the helpers a kernel calls, in its own
module's globals, by their compiled forms.

The kernels: compiling them cold takes 10-15 s, once per machine (numba's
cache, beside the file defining the kernel or in ``NUMBA_CACHE_DIR``;
editing that file invalidates it). A process pays numba's own start once:
importing numba 0.25-0.3 s, then its first compile or cache load sets up its
registries, 0.3-0.6 s, which import ``scipy.linalg`` when SciPy is installed
(0.25-0.35 s more unless the program already imported SciPy); each kernel
then loads in 6-16 ms, only when first needed (:func:`_kernel`: a process
evaluating single points never loads the batch kernel).
"""
from __future__ import annotations

import ctypes
import math
import sys
import threading
from typing import Any, Callable, Sequence

import numpy as np

from .peephole import SCALAR_POWERS

# --------------------------------------------------------------------------- the instruction set

#: VM op codes: the op table's rows, plus the special forms of power NumPy itself takes for a literal exponent
CODES: dict[str, int] = {name: code for code, name in enumerate((
    "add", "sub", "mul", "div", "neg", "square", "reciprocal", "copy", "pow",
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs",
    "sigmoid", "relu", "softplus", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10", "exp2", "cbrt",
    "erf", "erfc", "sign", "floor", "ceil", "round", "hypot", "atan2", "max", "min", "logaddexp", "logb",
    "heaviside", "lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not", "where", "log0", "one_minus_square",
    "sech2", "dsigmoid"))}

#: power with these literal exponents is what NumPy computes for them (``numpy.power``'s fast paths)
_POWERS = SCALAR_POWERS

ADD, SUB, MUL, DIV, NEG, SQUARE, RECIPROCAL, COPY = (CODES[n] for n in (
    "add", "sub", "mul", "div", "neg", "square", "reciprocal", "copy"))

#: Fused pairs: an arithmetic op whose value only the next instruction reads runs inside it.  The code is
#: ``FUSED + 16 * first + 2 * second + side``: ``first`` indexes :data:`FIRST` (on x, y), ``second``
#: :data:`SECOND`, whose other operand is z, on the right (side 0) or the left (side 1).
FIRST = (ADD, SUB, MUL, DIV, SQUARE, NEG)
SECOND = (ADD, SUB, MUL, DIV, NEG)
FUSED = len(CODES)


def _pair(k, x, y):  # pragma: no cover - compiled by numba
    """Op ``FIRST[k]`` (the first five of SECOND in the same order) on float64 scalars.

    The point kernel keeps its own chain of the common ops by op code: calling
    this for them (by code, through one comparison) measured 10-30% slower at
    Rosenbrock n = 1,000.
    """
    if k == 2:
        return x * y
    elif k == 0:
        return x + y
    elif k == 1:
        return x - y
    elif k == 3:
        return x / y
    elif k == 4:
        return x * x
    return -x


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
        e = np.exp(-abs(x))  # the op table's exp(min(x, 0)) / (1 + exp(-|x|)), one exp
        return (1.0 if x >= 0.0 else e) / (1.0 + e)
    elif op == 23:  # numpy.maximum(x, 0): nan propagates, a tie (-0.0) gives the second operand
        return x if (x > 0.0 or x != x) else 0.0
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
    elif op == 36:  # numpy.sign: 0.0 for both zeros (C's and numba's keep -0.0)
        return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else x))
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
    elif op == 42:  # numpy.maximum: nan propagates, a tie (0.0 and -0.0) gives the second operand
        return x if (x > y or x != x) else y
    elif op == 43:
        return x if (x < y or x != x) else y
    elif op == 44:
        return np.logaddexp(x, y)
    elif op == 45:
        return np.log(x) / np.log(y)
    elif op == 46:
        return y if x == 0.0 else (1.0 if x > 0.0 else (0.0 if x < 0.0 else x))
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
    elif op == 57:
        return np.log(x + (1.0 if x == 0.0 else 0.0))
    elif op == 58:
        return (1.0 - x) * (1.0 + x)
    elif op == 59:  # sech(x)^2, the op table's (2e/(1 + e*e))^2 with e = exp(-|x|)
        e = np.exp(-abs(x))
        s = 2.0 * e / (1.0 + e * e)
        return s * s
    else:  # sigmoid(x)*sigmoid(-x), the op table's e/(1 + e)^2
        e = np.exp(-abs(x))
        return e / ((1.0 + e) * (1.0 + e))


#: header of the int32 program array: instructions, constants, inputs, results, registers
_HEADER = 5


def _run_point(prog, io):  # pragma: no cover - compiled by numba
    """The program at one point, on ``io`` itself: the register file (constants, inputs, results, temporaries).

    Two array arguments, because numba's dispatcher checks every array
    argument on every call, which is most of a small program's time; the
    inputs are written into ``io`` before the call and the results read
    from it after, so the kernel copies nothing.
    """
    n = prog[0]
    r = _f64(io.ctypes.data)
    c = _i32(prog.ctypes.data)
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
        elif op >= FUSED:
            f = op - FUSED
            u = _pair(f >> 4, x, y)
            second = (f >> 1) & 7
            if second == 4:
                v = -u
            elif f & 1 == 0:
                v = _pair(second, u, r[c[o + 4]])
            else:
                v = _pair(second, r[c[o + 4]], u)
        else:
            v = _apply(op, x, y, r[c[o + 4]])
        r[c[o + 1]] = v
    return io.shape[0]  # keeps io alive past the last write through its pointer


#: inputs shared by every point of a batch get a row each, written once, up to this size (else rows are lent)
SHARED_BYTES = 4 << 20


def _row(op, d, x, y, b):  # pragma: no cover - compiled by numba
    """``d[:b] = op(x, y)`` for the arithmetic ops, as loops LLVM vectorises, and the common functions as loops
    of libm calls (no per-value dispatch through :func:`_apply`: a chain of ``sin`` ran 1.5-2x faster);
    False for any other op."""
    if op == 2:
        for j in range(b):
            d[j] = x[j] * y[j]
    elif op == 0:
        for j in range(b):
            d[j] = x[j] + y[j]
    elif op == 1:
        for j in range(b):
            d[j] = x[j] - y[j]
    elif op == 4:
        for j in range(b):
            d[j] = -x[j]
    elif op == 5:
        for j in range(b):
            d[j] = x[j] * x[j]
    elif op == 3:
        for j in range(b):
            d[j] = x[j] / y[j]
    elif op == 7:
        for j in range(b):
            d[j] = x[j]
    elif op == 18:
        for j in range(b):
            d[j] = np.exp(x[j])
    elif op == 19:
        for j in range(b):
            d[j] = np.log(x[j])
    elif op == 22:
        for j in range(b):
            e = np.exp(-abs(x[j]))
            d[j] = (1.0 if x[j] >= 0.0 else e) / (1.0 + e)
    elif op == 17:
        for j in range(b):
            d[j] = np.tanh(x[j])
    elif op == 9:
        for j in range(b):
            d[j] = np.sin(x[j])
    elif op == 10:
        for j in range(b):
            d[j] = np.cos(x[j])
    elif op == 20:
        for j in range(b):
            d[j] = np.sqrt(x[j])
    elif op == 6:
        for j in range(b):
            d[j] = 1.0 / x[j]
    else:
        return False
    return True


def _run_block(prog, consts, sources, steps, out, width):  # pragma: no cover - compiled by numba
    """The program on ``out.shape[1]`` points, ``width`` at a time: every slot a row of ``width`` floats.

    A slot's row is found through ``base``, a table of addresses: constants
    and temporaries are rows of a small register file; an input with one
    value per point is read where it lies (``sources[i]``, offset to the
    block) and a result is written straight into its row of ``out``.  So the
    register file holds only the temporaries that the schedule keeps live
    together (:func:`~.vm_passes._schedule`), and no input or result is copied.  An input
    given as one value for all points (``steps[i]`` 0: data shared by a batch
    of parameters) is written into a row of the file just before its first
    read, in every block, and the row is free again after its last read: so
    10^5 such inputs take a handful of rows, not 10^5 rows of the file (200
    MB at 256 points; at 64 points, one row each took 4x the time of the
    whole call with the data given per point).  Arithmetic runs as loops
    over a row (vectorised by LLVM: a target never shares a slot with an
    operand); other ops call :func:`_apply` per value.
    """
    n, nc, m, rows, slots = prog[0], prog[1], prog[2], prog[3], prog[4]
    points = out.shape[1]
    first = nc + m + rows  # the first temporary's slot
    c = _i32(prog.ctypes.data)
    count = 0
    for i in range(m):
        if steps[i] == 0:
            count += 1
    load_input = np.empty(count, dtype=np.intp)
    load_row = np.empty(count, dtype=np.intp)
    loads = np.zeros(n + 1, dtype=np.intp)  # the loads before instruction k: load_input[loads[k]:loads[k + 1]]
    pool = 0
    dedicated = count * width * 8 <= SHARED_BYTES
    if dedicated:  # a row each, written once for every block
        for i in range(m):
            if steps[i] == 0:
                load_input[pool] = i
                load_row[pool] = pool
                pool += 1
    else:  # rows lent from a first read to a last, written in every block
        opens = np.full(m, -1, dtype=np.intp)
        closes = np.full(m, -1, dtype=np.intp)
        for k in range(n):
            o = _HEADER + 5 * k
            for j in range(2, 5):
                i = c[o + j] - nc
                if 0 <= i < m and steps[i] == 0:
                    if opens[i] < 0:
                        opens[i] = k
                    closes[i] = k
        frees = np.zeros(n + 1, dtype=np.intp)
        for i in range(m):
            if opens[i] >= 0:
                loads[opens[i] + 1] += 1
                frees[closes[i] + 1] += 1
        for k in range(n):
            loads[k + 1] += loads[k]
            frees[k + 1] += frees[k]
        free_input = np.empty(frees[n], dtype=np.intp)
        filled, freed = loads[:n].copy(), frees[:n].copy()
        for i in range(m):
            if opens[i] >= 0:
                load_input[filled[opens[i]]] = i
                filled[opens[i]] += 1
                free_input[freed[closes[i]]] = i
                freed[closes[i]] += 1
        row_of = np.empty(m, dtype=np.intp)
        spare = np.empty(count + 1, dtype=np.intp)
        top = 0
        for k in range(n):
            for q in range(loads[k], loads[k + 1]):
                if top > 0:
                    top -= 1
                    r = spare[top]
                else:
                    r = pool
                    pool += 1
                load_row[q] = r
                row_of[load_input[q]] = r
            for q in range(frees[k], frees[k + 1]):
                spare[top] = row_of[free_input[q]]
                top += 1
    value = np.empty(m)
    for i in range(m):
        if steps[i] == 0:
            value[i] = _f64(sources[i])[0]
    shared = nc + slots - first  # the first row of the shared inputs' pool
    own = shared + pool + 1  # the last row: a fused pair's intermediate values
    registers = np.empty(own * width)
    home = registers.ctypes.data
    scratch = _f64(home + 8 * (own - 1) * width)
    base = np.empty(slots, dtype=np.intp)
    for i in range(nc):
        for j in range(width):
            registers[i * width + j] = consts[i]
        base[i] = home + 8 * i * width
    for t in range(first, slots):
        base[t] = home + 8 * (nc + t - first) * width
    if dedicated:  # rows of their own: written once
        for q in range(count):
            i = load_input[q]
            r = shared + load_row[q]
            for j in range(width):
                registers[r * width + j] = value[i]
            base[nc + i] = home + 8 * r * width
    results = out.ctypes.data
    for start in range(0, points, width):
        b = min(width, points - start)
        for i in range(m):
            if steps[i] != 0:
                base[nc + i] = sources[i] + 8 * start
        for q in range(rows):
            base[nc + m + q] = results + 8 * (q * points + start)
        for k in range(n):
            if loads[k] != loads[k + 1]:  # shared inputs first read here: their values into their rows
                for q in range(loads[k], loads[k + 1]):
                    i = load_input[q]
                    r = shared + load_row[q]
                    v = value[i]
                    for j in range(b):
                        registers[r * width + j] = v
                    base[nc + i] = home + 8 * r * width
            o = _HEADER + 5 * k
            op = c[o]
            d = _f64(base[c[o + 1]])
            x = _f64(base[c[o + 2]])
            y = _f64(base[c[o + 3]])
            if op >= FUSED:  # the first op into the scratch row, then the second
                f = op - FUSED
                _row(FIRST[f >> 4], scratch, x, y, b)
                z = _f64(base[c[o + 4]])
                if f & 1 == 0:
                    _row(SECOND[(f >> 1) & 7], d, scratch, z, b)
                else:
                    _row(SECOND[(f >> 1) & 7], d, z, scratch, b)
            elif not _row(op, d, x, y, b):
                z = _f64(base[c[o + 4]])
                for j in range(b):
                    d[j] = _apply(op, x[j], y[j], z[j])
    return registers.shape[0] + base.shape[0]  # keeps both alive past the last access through their pointers


def _data_pointers(objects, field):  # pragma: no cover - compiled by numba
    """Each array object's data pointer, read ``field`` bytes into the object, in place of its address."""
    for i in range(objects.shape[0]):
        objects[i] = _iptr(objects[i] + field)[0]


def _data_field() -> int:
    """Where a NumPy array object keeps its data pointer, in bytes from its start; 0 where it is not found.

    ``ndarray.ctypes.data`` costs 2.2 µs an array (it builds a ctypes
    helper): 156 µs of the 216 µs a batch call of the 71-input MLP's
    gradient took on one point.  NumPy's own ``PyArray_DATA`` reads a fixed
    field of the object (compiled into every extension, so stable ABI), and
    CPython's ``id`` is the object's address: one compiled pass reads every
    input's pointer.  The offset is checked on arrays whose pointers are
    known, so an interpreter with another layout falls back to ``ctypes``.
    """
    if _FIELD:
        return _FIELD[0]
    probes = [np.empty(3), np.empty((4, 2))[:, 1], np.arange(5.0)[2:]]
    field = 0
    if sys.implementation.name == "cpython":
        for offset in range(8, 64, 8):
            if all(ctypes.c_ssize_t.from_address(id(a) + offset).value == a.ctypes.data for a in probes):
                field = offset
                break
    _FIELD.append(field)
    return field


_FIELD: list[int] = []


def data_addresses(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The data pointers of ``arrays`` (NumPy arrays, kept alive by the caller) as an intp vector."""
    field = _data_field()
    if not field:
        return np.array([a.ctypes.data for a in arrays], dtype=np.intp)
    addresses = np.fromiter(map(id, arrays), dtype=np.intp, count=len(arrays))
    _kernel("pointers")(addresses, field)
    return addresses


_COMPILED: dict[str, Callable] = {}
_COMPILE_LOCK = threading.Lock()  # held while a kernel is compiled: it replaces its helpers' globals by their compiled forms


def _run_native(address, io):  # pragma: no cover - compiled by numba
    """The native function at ``address`` (:mod:`symgraph.backends.native`) on the register file ``io``."""
    _call_native(address, io.ctypes.data)
    return io.shape[0]  # keeps io alive past the call


def _native_caller() -> Callable:
    """A numba intrinsic calling ``void f(double*)`` at an address with an address."""
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def call(typingctx: Any, address: Any, data: Any) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            pointer = ir.DoubleType().as_pointer()
            function = builder.inttoptr(args[0], ir.FunctionType(ir.VoidType(), [pointer]).as_pointer())
            builder.call(function, [builder.inttoptr(args[1], pointer)])
            return context.get_dummy_value()
        return types.void(types.intp, types.intp), codegen
    return call


def _pointers(numba: Any) -> tuple[Callable, Callable]:
    """Numba intrinsics reading an address (an integer) as a float64, an int32 and an intp pointer."""
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
    return pointer_to(types.float64), pointer_to(types.int32), pointer_to(types.intp)


def _signatures() -> dict[str, Any]:
    """One explicit signature per kernel: numba compiles (or loads from its cache) exactly one specialisation."""
    from numba import types as t
    program, floats, addresses = t.int32[::1], t.float64[::1], t.intp[::1]
    return {"apply": t.float64(t.int32, t.float64, t.float64, t.float64),
            "point": t.intp(program, floats),
            "block": t.intp(program, floats, addresses, addresses, t.float64[:, ::1], t.intp),
            "pointers": t.void(addresses, t.intp),
            "native": t.intp(t.intp, floats),
            "schedule": t.int64[::1](program, t.intp, t.intp, program, t.boolean),
            "fuse": program(program, t.int64[::1], t.intp, t.intp, program),
            "allocate": t.int32[::1](program, t.intp, t.intp, t.intp, program),
            "fold": t.Tuple((program, floats, program, t.intp, t.intp))(
                program, addresses, addresses, floats, t.boolean[::1], t.boolean[::1], addresses, t.intp)}


#: the compiled passes that make VM code, by kernel name: the Python function and the names of the helpers it
#: calls (in its own module).  :mod:`.vm_passes` registers them (:func:`register_pass`), so imports point one way.
_PASSES: dict[str, tuple[Callable, tuple[str, ...]]] = {}


def register_pass(name: str, function: Callable, helpers: tuple[str, ...] = ()) -> None:
    """Make ``function`` the kernel ``name`` of :func:`_kernel`; ``helpers`` name the functions of its module it calls,
    which :func:`_kernel` replaces there by their compiled forms before compiling it."""
    _PASSES[name] = (function, helpers)


def _kernel(name: str) -> Callable:
    """The compiled kernel ``name`` ("point", "block", "allocate", ...), compiled on first need in a process.

    Each is compiled once per machine and loaded from numba's cache
    (beside the file defining it, or in ``NUMBA_CACHE_DIR``) afterwards;
    loading only the kernels a process uses keeps its first call short.
    """
    kernel = _COMPILED.get(name)
    if kernel is not None:
        return kernel
    try:
        import numba
    except ImportError as error:
        raise ImportError("backend='vm' needs numba: pip install numba") from error
    with _COMPILE_LOCK:  # threads making their first VM functions at once: one compiles, the others wait for it
        kernel = _COMPILED.get(name)
        if kernel is not None:
            return kernel
        signatures = _signatures()
        options = dict(error_model="numpy", nogil=True, cache=True, boundscheck=False)
        if name in ("point", "block", "pointers") and "apply" not in _COMPILED:
            globals()["_f64"], globals()["_i32"], globals()["_iptr"] = _pointers(numba)
            _COMPILED["apply"] = globals()["_apply"] = numba.njit(signatures["apply"], **options)(_apply)
            globals()["_pair"] = numba.njit(inline="always", **options)(_pair)  # helpers: compiled for their callers' types
            globals()["_row"] = numba.njit(**options)(_row)
        python, helpers = _PASSES.get(name, (None, ()))
        scope = getattr(python, "__globals__", {})  # a pass reads its helpers from its own module's globals
        for helper in helpers:  # helpers: compiled for their callers' types
            if not hasattr(scope[helper], "py_func"):
                scope[helper] = numba.njit(**options)(scope[helper])
        if name == "native" and "_call_native" not in globals():
            globals()["_call_native"] = _native_caller()
        if name == "apply_c":  # the scalar ops as a C function, for native code to call
            _COMPILED[name] = numba.cfunc(signatures["apply"], cache=True, error_model="numpy",
                                          boundscheck=False)(getattr(_apply, "py_func", _apply))
            return _COMPILED[name]
        if python is None:
            python = {"point": _run_point, "block": _run_block, "pointers": _data_pointers, "native": _run_native}[name]
        kernel = _COMPILED[name] = numba.njit(signatures[name], **options)(python)
    return kernel

