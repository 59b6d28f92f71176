"""The VM backend: one compiled virtual machine that runs programs as data (``backend="vm"``).

Why: researchers call a compiled gradient thousands of times at single
points.  The NumPy backend pays a Python call per instruction at each point
and ``compile()`` of a long source when the function is made; the numba
backend pays numba's type inference and LLVM for every program (seconds to
minutes).  Here, as in CasADi's ``Function``, a program becomes *data* -- an
int32 array of ``(op, target, x, y, z)`` register instructions -- and
kernels compiled once per machine (numba, ``cache=True``, one explicit
signature each) run any program: :func:`_run_point` at one point,
:func:`_run_block` on batches a block of points at a time (every
temporary a row of up to 256 points; arithmetic rows are loops LLVM
vectorises).

Making the data (:func:`assemble`) is the time of making a function, so
no Python code runs per instruction: the operands are numbered by a few
list passes that run in C (``zip``, ``map(dict.get, ...)``), one Python
call per *distinct* constant, and compiled passes do the rest --
:func:`_fold`, the NumPy writer's exact constant-factor peephole over
numbers; :func:`_schedule`, an order for batches; :func:`_fuse`, pairs of
arithmetic ops as one instruction; :func:`_allocate`, slots from
liveness.  A per-instruction Python loop (the first design: dictionaries,
closures, sympy products) took 5.6 s for 10^5 instructions; a tight one
still 0.5-0.7 s, a third of it the use counts alone -- too slow for the
0.5 s target on a loaded machine.

Two orders, because one point and a batch want different things.  At one
point the registers fit in the L1 cache whatever their number, and the
program's own order (the forward sweep, then the backward one) puts
independent instructions side by side, which the processor overlaps; the
depth-first order of :func:`_schedule` chains each value into its
consumer and was 5-20% slower there.  A batch keeps a row of points per
live value, so there the count of live values decides: a reverse-mode
gradient in its own order keeps every forward value for the backward
sweep (2,000 rows at Rosenbrock n = 1,000, so blocks were 32 points wide
and the register file lived in L2), while walked depth-first from the
results each value is computed just before its use and the same gradient
needs 8 rows at any n.  Inputs and results are not rows of the register
file at all: a batch reads each input where it lies and writes each
result into its row of the output, so nothing is copied in or out (one
point likewise runs on the vector it is handed).  An input shared by
every point (one data set, a batch of parameters) is a row of the file,
written once when the rows fit :data:`SHARED_BYTES`; past that, a row
lent from its first read to its last and written in every block, so
10^5 shared data inputs take a few rows instead of 200 MB.  An indexed
input arrives as one array with its elements' indices worked out once
(:func:`_runner`): its address table is NumPy arithmetic, and one point
is one gather, with no Python work per element.  Fusing an op into the
next instruction when only that instruction reads its value takes
Rosenbrock's gradient from 8,991 to 5,994 instructions; it is 5-10%
faster on batches (no row written and read back) and about even at one
point, where the two dispatches it saves are cheap next to the loads.
A value beside its gradient sums every term, so a plain walk from the
results holds each term's forward values until the sum is reached; the
walk that also runs every instruction as soon as its operands are
computed (``eager``), starting from the results computed last, grows the
sum term by term: Rosenbrock's value and gradient keep 11 rows instead of
2,004.  :func:`assemble` tries the program's own order and three walks
and keeps the one with the fewest live values (where nothing helps, as
in the product of n inputs, whose prefix products are all live, batches
run the program's own order).  No order helps when two results sum the
same terms in opposite orders: the value of ``sum((y[i] - a*x[i] -
b*x[i+1]*x[i])^2, ...)`` adds its terms first to last while the reverse
sweep accumulates d/da and d/db last to first, so once the value has taken
k terms and the gradient the other n - k, every term's residual waits for
one of them -- 5,003 rows at n = 5,000, 16 points per block, in any
topological order.  So when even the best walk leaves blocks narrower
than :data:`MAX_WIDTH`, :func:`apart` walks the results in groups (label
order; a result joins the group before it while their walk together keeps
blocks full width), each group computing its own copy of what it reads:
recomputing a residual from its inputs costs instructions but no rows,
since inputs are read where they lie.  There the value and the gradient
each recompute the residuals: 49,990 instructions instead of 34,994, 6
rows, 256 points per block.  The copies are kept when their estimated
time is lower (:func:`batch_cost`: instructions times one plus
:data:`DISPATCH_POINTS` over the width, fitted on this case), so below n =
3,000, where the single program's blocks are 64 points wide or more, it
stays; Rosenbrock, the MLP and the product (whose copies would
exceed what any width repays) keep their programs.

Measured (benchmarks/evaluate.py; a shared 2-core machine, ratios from
the same run; ranges over runs under lighter and heavier load):

* making a callable (``lambdify``, derivation excluded), Rosenbrock
  gradient: n = 1,000 (10^4 instructions) 12-18 ms (was 0.5 s; NumPy
  backend 0.17-0.24 s, CasADi 1.5-2.2 ms, symengine's LLVM ``Lambdify``
  3 s); n = 10,000 (10^5 instructions) 0.20-0.32 s (was 5.6 s; NumPy
  backend 2.4-2.6 s, of which ``compile()`` of the source is about half;
  CasADi 13-20 ms; symengine times out).  One LLVM compilation per
  program -- symengine's design -- grows with the program and cannot make
  a 10^5-instruction callable in 0.5 s.
* one point, the whole ``value_and_grad(vector=True)`` call, every tool
  computing the value and the gradient (VM, then symengine, CasADi, JAX):
  n = 10: 4.5 µs (6.6, 37, 19); n = 100: 8.0 µs (7.9, 56, 73); n = 1,000:
  26-33 µs (13.4, 218, 60); n = 10,000: 0.36 ms (time-out, 1.3 ms, JAX's
  array code 0.07 ms); the MLP 4.3 µs (3.9, 28, 81).  The kernel runs
  1.5-2.7 ns per instruction; the call around it 1.5-3 µs.  So the VM
  beats CasADi at every size by 4-8x and is within 1.1x of symengine's
  native code up to n = 100 and on the MLP, 2-2.4x slower at n = 1,000.
  Neither the fused pairs nor the batch order change a point's time
  measurably (a 10^4-instruction program is bound by its loads, not by
  dispatch), so one point keeps the program's own order.
* 10^4 points, the gradient alone (VM, then symengine's LLVM ``Lambdify``
  and the NumPy backend, same run): Rosenbrock n = 10: 0.31 ms (0.27,
  0.70); n = 100: 4.1 ms (3.6, 18); n = 1,000: 58 ms (70, 166; before the
  schedule the VM took 1.5x symengine's time here); 10^3 points at n =
  10,000: 0.10 s (time-out, 0.22 s); the MLP 2.9 ms (3.2, 3.0); the
  product of 1,000 inputs 55 ms (symengine does not finish deriving it,
  NumPy 58 ms).  So batches beat symengine's native code from n = 1,000
  up and on the MLP, and trail it by 1.1-1.15x on small programs, whose
  straight-line native code keeps every value of a point in the
  processor's registers.
* indexed inputs (benchmarks/indexed.py ``--vm``, against the code that
  passed one value per element, in the same run): the least-squares loss
  at n = 50,000 (10^5 data inputs), its gradient on 64 points 8.7-10 ms
  with data per point (was 0.27-0.49 s; JAX 75-100 ms) and 14 ms with the
  data shared by the points (was 0.36-0.42 s; JAX 26-37 ms);
  ``value_and_grad(vector=True)`` at one point 1.0 ms (was 26 ms, of which
  the kernel is 0.8 ms now; JAX 0.4 ms); 50,000 residuals with their
  Jacobian 0.73 ms (was 59 ms); the sparse Rosenbrock Hessian at n =
  10,000 as a CSR matrix 0.29-0.38 ms (was 4.9-9.3 ms: a 0-d view per
  result, stacked again; CasADi 1.1 ms).
* a value beside a gradient summing the other way (benchmarks/indexed.py
  ``--vm --against`` the single program, same run), 256 points: at n =
  5,000, 11-12 ms with the data shared by the points (was 19-24 ms) and
  6.8-7.5 ms with data per point (was 35-39 ms); at n = 3,000, 4.2-5.5 ms
  (was 5.9-6.9) and 2.6-3.2 ms (was 9.9-12).  Building it costs 0.15 s
  instead of 0.1 s at n = 5,000 (the trial walks of :func:`apart`).  The
  dense 71 x 71 Hessian of the MLP on 1,024 points, gathered from the
  result array (:class:`symgraph.matrices.DenseFunction`): 16-22 ms (was
  27-32 ms, a view per result stacked again).

The kernels: compiling them cold takes 10-15 s, once per machine (numba's
cache, beside this file or in ``NUMBA_CACHE_DIR``; editing this file
invalidates it).  A process pays numba's own start once: importing numba
0.25-0.3 s, then its first compile or cache load sets up its registries,
0.3-0.6 s, which import ``scipy.linalg`` when SciPy is installed (0.25-0.35
s more unless the program already imported SciPy); each kernel then loads
in 6-16 ms, only when first needed (:func:`_kernel`: a process evaluating
single points never loads the batch kernel).

Semantics: float64 values as the NumPy backend computes them (arithmetic
bitwise, with the same exact peephole; ``max``, ``min``, ``sign`` and
powers with a literal exponent as NumPy's, signed zeros included;
transcendental functions from libm, which may
differ from NumPy's SIMD loops in the last bits), conditions as 1.0/0.0,
branches of ``where`` selected as in NumPy, so derivatives through branches
stay nan-free.  Like the numba backend it raises no NumPy
``RuntimeWarning``.  Inputs that are not float64 NumPy work -- Dask or CuPy
arrays, all-float32 inputs -- run the NumPy backend's kernel, made on first
need; a program calling a function registered from Python (``sg.function``)
is compiled by the NumPy backend (the VM cannot call Python).

Why not the default: it does not win everywhere on float64 inputs
(programs rich in transcendental functions, such as the MLP, run about
as fast with NumPy's SIMD loops on large batches: 3.0 ms against the
VM's 2.9 ms at 10^4 points, and faster on some runs), a process pays
about 1 s to import numba and load the kernels, it
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

import ctypes
import importlib
import math
import sys
import threading
import warnings
from itertools import chain
from operator import itemgetter
from typing import Any, Callable, Sequence

import numpy as np

from ..constants import as_constant, constant_key, constant_value
from ..errors import GraphError, UnsupportedOpError
from ..ir.program import Program
from .numpy import FLOAT32_MAX, SCALAR_POWERS, numpy_kernel, scales_exactly
from .native import break_even_calls, compile_native, write_ir
from .runtime import broadcast_shape, contiguous, elements, portable, working_dtype

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
    together (:func:`_schedule`), and no input or result is copied.  An input
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


def _kernel(name: str) -> Callable:
    """The compiled kernel ``name`` ("point", "block" or "allocate"), compiled on first need in a process.

    Each is compiled once per machine and loaded from numba's cache
    (beside this file, or in ``NUMBA_CACHE_DIR``) afterwards; loading only
    the kernels a process uses keeps its first call short.
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
        if name == "fold" and "materialise" not in _COMPILED:  # helpers: compiled for their callers' types
            globals()["_put"] = numba.njit(**options)(_put)
            _COMPILED["materialise"] = globals()["_materialise"] = numba.njit(**options)(_materialise)
        if name == "native" and "_call_native" not in globals():
            globals()["_call_native"] = _native_caller()
        if name == "apply_c":  # the scalar ops as a C function, for native code to call
            _COMPILED[name] = numba.cfunc(signatures["apply"], cache=True, error_model="numpy",
                                          boundscheck=False)(getattr(_apply, "py_func", _apply))
            return _COMPILED[name]
        python = {"point": _run_point, "block": _run_block, "pointers": _data_pointers, "native": _run_native,
                  "schedule": _schedule, "fuse": _fuse,
                  "allocate": _allocate, "fold": _fold}[name]
        kernel = _COMPILED[name] = numba.njit(signatures[name], **options)(python)
    return kernel


def kernels() -> tuple[Callable, ...]:
    """Every kernel ``(fold, allocate, point, block)``, compiled or loaded from numba's cache (a warm-up)."""
    return tuple(_kernel(name) for name in ("fold", "schedule", "fuse", "allocate", "point", "block"))


# --------------------------------------------------------------------------- programs as data

class Assembled:
    """A program as VM data: the int32 program arrays for one point and for batches, and the constants.

    One point runs the program's own order: neighbouring instructions are
    mostly independent, so the processor overlaps them.  A batch runs the
    order of :func:`_schedule`, which keeps few values live: ``registers``
    counts the rows a batch keeps of its own (constants and temporaries);
    inputs and results are read and written where they lie.
    """

    def __init__(self, prog: np.ndarray, block: np.ndarray, consts: np.ndarray, inputs: int, results: int):
        self.prog, self.block, self.consts, self.inputs, self.results = prog, block, consts, inputs, results
        self.slots, self.instructions = int(prog[4]), int(prog[0])
        self.registers = int(block[4]) - inputs - results
        self.batch_instructions = int(block[0])  # more than ``instructions`` when groups recompute (:func:`apart`)


def assemble(program: Any, order: Sequence[str], labels: Sequence[str]) -> Assembled:
    """``program`` as VM code: the numbered instructions (:func:`numbered`) in the two orders of :class:`Assembled`.

    Each order is fused (:func:`_fuse`) and given slots (:func:`_allocate`);
    the batch order is whichever of the program's own and the walks of
    :func:`walks` keeps the fewest values live -- or, when even that leaves
    blocks narrower than :data:`MAX_WIDTH`, the results walked in groups
    that each compute their own values (:func:`apart`), if its estimated
    time (:func:`batch_cost`) is lower.
    """
    code, consts, results, count = numbered(program, order, labels)
    m, nc = len(order), consts.shape[0]
    fuse, allocate = _kernel("fuse"), _kernel("allocate")
    point = allocate(fuse(code, np.arange(code.shape[0] // 5, dtype=np.int64), count, m, results),
                     count, nc, m, results)
    block = _fewest_registers(code, count, nc, m, results, point)
    width = width_for(_registers(block))
    if width < MAX_WIDTH:  # copies past this many instructions would be slower even at the widest blocks
        budget = code.shape[0] // 5 * (1.0 + DISPATCH_POINTS / width) / (1.0 + DISPATCH_POINTS / MAX_WIDTH)
        split = apart(code, count, nc, m, results, budget)
        if split is not None:
            other = _fewest_registers(*split[:2], nc, m, split[2])
            block = other if batch_cost(other) < batch_cost(block) else block
    return Assembled(point, block, consts, m, len(results))


def _registers(prog: np.ndarray) -> int:
    """The rows a batch keeps of its own: constants and temporaries (inputs and results lie outside the file)."""
    return int(prog[4] - prog[2] - prog[3])


def _fewest_registers(code: np.ndarray, count: int, nc: int, m: int, results: np.ndarray,
                      best: np.ndarray | None = None) -> np.ndarray:
    """The program of whichever walk of :func:`walks` (or ``best``, a program already made) keeps the fewest values live."""
    fuse, allocate = _kernel("fuse"), _kernel("allocate")
    for walk in walks(code, count, m, results):
        scheduled = allocate(fuse(code, walk, count, m, results), count, nc, m, results)
        best = scheduled if best is None or scheduled[4] < best[4] else best
    return best


#: a batch instruction's dispatch costs about the arithmetic of this many points (see :func:`batch_cost`)
DISPATCH_POINTS = 32


def batch_cost(prog: np.ndarray) -> float:
    """A batch program's estimated time per point, in units of one instruction's arithmetic on one point.

    Each instruction costs its arithmetic on every point plus one dispatch
    per block: ``instructions * (1 + DISPATCH_POINTS / width)``.  Fitted to
    a value beside its gradient (:func:`apart`), 10^3 points with shared
    data: 35,000 instructions 16 points wide took 64 ms, 50,000 instructions
    256 wide 30 ms (1.8 and 0.6 ns per instruction and point).  At n =
    2,000, where it calls the two even (14,000 instructions 64 wide against
    20,000 256 wide), they measured 11 and 13 ms with shared data, 22 and
    14 ms with data per point: the model ignores the cache a wide register
    file spills.
    """
    return int(prog[0]) * (1.0 + DISPATCH_POINTS / width_for(_registers(prog)))


def walks(code: np.ndarray, count: int, m: int, results: np.ndarray) -> list[np.ndarray]:
    """The orders :func:`_schedule` offers batches: from the results in label order, plainly and eagerly, and
    eagerly from the result computed last (a value beside its gradient: the sum grows as the walk passes)."""
    latest_first = results[np.argsort(-results, kind="stable")]
    schedule = _kernel("schedule")
    return [schedule(code, count, m, roots, eager)
            for roots, eager in ((results, False), (results, True), (latest_first, True))]


#: :func:`apart` gives up past this many trial walks (each walks up to the whole program)
TRIALS = 24


def apart(code: np.ndarray, count: int, nc: int, m: int, results: np.ndarray, budget: float) -> tuple | None:
    """``(code, values, results)``: the results in groups, each group computing its own copy of what it reads.

    Why: two results that sum the same terms in opposite orders -- a value
    ``t_0 + t_1 + ...`` beside a gradient whose reverse sweep accumulates
    ``... + g_1 + g_0`` -- hold one value per term between the two sums in
    *any* order of one program (when the first sum has taken the first k
    terms and the second the other n - k, every term is waiting for one of
    them), so no walk keeps them small together.  Recomputing a term's
    values for the second sum costs instructions but no rows: inputs are
    read where they lie.  Groups follow the label order: a result joins
    the group before it while their walk together keeps blocks
    :data:`MAX_WIDTH` wide (a galloping search: as many results as fit, at
    once).  None when the copies would exceed ``budget`` instructions
    (before fusing; past it, even blocks :data:`MAX_WIDTH` wide would not
    repay them: :func:`batch_cost`) or the search exceeds :data:`TRIALS` walks.
    """
    rows = results.shape[0]
    groups, start, trials = [], 0, 0
    while start < rows:
        size, step = 1, rows - start - 1  # the group [start, start + size): try adding step more, halving on failure
        while step > 0 and trials < TRIALS:
            trials += 1
            chosen = results[start:start + size + step]
            if width_for(_registers(_fewest_registers(code, count, nc, m, chosen))) == MAX_WIDTH:
                size += step
                step = min(step, rows - start - size)
            else:
                step //= 2
        if trials >= TRIALS and start + size < rows:
            return None
        groups.append((start, start + size))
        start += size
    return None if len(groups) == 1 else separately(code, count, m, results, groups, budget)


def separately(code: np.ndarray, count: int, m: int, results: np.ndarray, groups: Sequence[tuple[int, int]],
               budget: float = math.inf) -> tuple | None:
    """``(code, values, results)``: each group of results ``results[first:last]`` computed by its own copy
    of the instructions it needs, in a topological order, numbered afresh (None past ``budget`` instructions)."""
    schedule = _kernel("schedule")
    table = code.reshape(-1, 5)
    pieces, fresh, renamed = [], count, results.copy()
    for first, last in groups:
        chosen = results[first:last]
        walk = schedule(code, count, m, chosen, False)  # exactly the group's instructions, operands first
        piece = table[walk]
        name = np.arange(count, dtype=np.int64)  # old value number -> this group's copy (inputs keep theirs)
        name[piece[:, 1]] = np.arange(fresh, fresh + walk.shape[0])
        fresh += walk.shape[0]
        if fresh - count > budget:
            return None
        computed = piece[:, 1:] >= m
        piece[:, 1:][computed] = name[piece[:, 1:][computed]]
        renamed[first:last] = np.where(chosen >= m, name[np.maximum(chosen, 0)], chosen)
        pieces.append(piece)
    return np.concatenate(pieces).reshape(-1), fresh, renamed


def numbered(program: Any, order: Sequence[str], labels: Sequence[str]) -> tuple:
    """``(code, constants, results, values)``: ``program``'s instructions as numbers, after the peephole.

    Values are numbered: inputs ``0 .. m-1`` in ``order``, instruction i's
    target ``m + i``, constants ``-1, -2, ...``; ``code`` holds int32
    ``(op, target, x, y, z)`` rows.  :func:`_fold` applies the NumPy
    writer's exact peephole over those numbers.  The Python side is a few
    list passes that run in C, and one Python step per constant operand --
    no per-instruction Python code.

    An operand is found by its identity (:func:`_identical`): the program's
    operands are, but for constants, the very string objects its targets
    and inputs are, so their addresses, sorted once and searched by NumPy,
    number them.  A name dictionary did the same with a hash probe per
    operand at a random place of a million-entry table: 1.4 s of a 3.3 s
    ``lambdify(backend="vm")`` at 10^6 instructions, against 0.4-0.5 s now
    (the whole assembly, CPU seconds, best of several with the old code
    alternating on a loaded machine: 3.0-3.4 s before, 2.0-2.2 s now).  An
    operand that is not found so (a constant, or a name equal to a defined
    one but another object) takes one Python step, by value; a name defined
    twice (checked by value, once) numbers every operand by the definition
    before it (:func:`_sequential`).
    """
    instructions = program.instructions
    n, m = len(instructions), len(order)
    # three passes in C: zip(*instructions) makes an iterator per instruction, and the collector scans
    # a million of them (1.2 s against 0.17 s at 10^6 instructions)
    targets, names, operands = (list(map(itemgetter(k), instructions)) for k in range(3))
    unknown = set(names) - _OPCODES.keys()
    if unknown:
        raise UnsupportedOpError(f"backend='vm' has no instruction for op {sorted(unknown)[0]!r}")
    flat = list(chain.from_iterable(operands))
    refs = list(map(program.results.__getitem__, labels))
    defined = [*order, *targets]
    twice = len(set(defined)) != m + n  # a name assigned twice: number each operand by the definition before it
    read = [*flat, *refs]
    found = _identical(defined, read)
    values: list[float] = []
    exact: list[bool] = []
    by_key: dict[Any, int] = {}
    by_id: dict[int, int] = {}
    number: dict | None = None
    for k in np.flatnonzero(found < 0).tolist():  # constants, and names that are other objects
        a = read[k]
        if a.__class__ is str:
            if number is None:
                number = dict(zip(defined, range(m + n)))  # a later definition wins, as the sequence does
            found[k] = number.get(a, _NOWHERE)
            continue
        slot = by_id.get(id(a))
        if slot is None:  # one call per distinct constant object
            key = constant_key(as_constant(a))
            slot = by_key.get(key)
            if slot is None:  # equal constants share a slot: their float64 values are equal too
                slot = by_key[key] = -1 - len(values)
                values.append(float(constant_value(a)))
                exact.append(scales_exactly(as_constant(a)))
            by_id[id(a)] = slot
        found[k] = slot
    if twice:
        args = np.array(_sequential(instructions, order, by_id.get), dtype=np.intp)
        if number is None:
            number = dict(zip(defined, range(m + n)))
        results = [number.get(r, _NOWHERE) if r.__class__ is str else by_id[id(r)] for r in refs]
    else:
        args = found[:len(flat)]
        if (args == _NOWHERE).any():
            _sequential(instructions, order, by_id.get)  # raises the error naming the instruction and the name
        results = found[len(flat):].tolist()
    for r, at in zip(refs, results):
        if at == _NOWHERE:
            raise GraphError(f"result {r!r} is neither an input nor computed by the program")
    keep = np.zeros(m + n, dtype=np.bool_)
    keep[[r for r in results if r >= 0]] = True
    starts = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.fromiter(map(len, operands), dtype=np.intp, count=n), out=starts[1:])
    code, consts, results_, count, error = _kernel("fold")(
        np.fromiter(map(_OPCODES.__getitem__, names), dtype=np.int32, count=n), starts,
        args.astype(np.intp, copy=False), np.array(values, dtype=np.float64), np.array(exact, dtype=np.bool_),
        keep, np.array(results, dtype=np.intp), m)
    if error >= 0:
        target, _, args_ = instructions[error]
        get = (number or dict(zip(defined, range(m + n)))).get
        later = next(a for a in args_ if a.__class__ is str and get(a, -1) >= m + error)
        raise GraphError(f"instruction {target!r} reads {later!r}, which no input or earlier instruction defines")
    return code, consts, results_, count


def _addresses(objects: Sequence[Any]) -> np.ndarray:
    """``id()`` of each object, as int64.  In CPython an object's id is its address, which an object array
    holds as its data: copied from there, where ``map(id, ...)`` made a Python int per object (0.45 s of
    0.6 s at 1.75 million operands)."""
    if sys.implementation.name != "cpython" or np.dtype(np.intp).itemsize != 8:
        return np.fromiter(map(id, objects), dtype=np.int64, count=len(objects))
    held = np.fromiter(objects, dtype=object, count=len(objects))  # (no object is read as a sequence)
    pointers = (ctypes.c_int64 * len(objects)).from_address(held.ctypes.data)
    return np.array(pointers, dtype=np.int64)  # a copy, made while ``held`` keeps the objects alive


#: the number of an operand found nowhere (every value number is above it: constants count down from -1)
_NOWHERE = np.iinfo(np.int64).min


def _identical(defined: Sequence[Any], read: Sequence[Any]) -> np.ndarray:
    """For each object of ``read``, the position in ``defined`` of that very object (any one, if twice), else -1.

    Addresses (``id``) are sorted and searched by NumPy: no object is looked
    into, where a dictionary of names reads each name's hash, and a million
    probes at random places of a large table cost most of the time.
    """
    out = np.full(len(read), -1, dtype=np.int64)
    if not defined or not read:
        return out
    addresses = _addresses(defined)
    by_address = np.argsort(addresses)
    ordered = addresses[by_address]
    wanted = _addresses(read)
    at = np.searchsorted(ordered, wanted)
    at[at == ordered.shape[0]] = 0
    hit = ordered[at] == wanted
    out[hit] = by_address[at[hit]]
    return out


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


def _fold(ops_, starts, args, consts, exact, keep, results, m):  # pragma: no cover - compiled by numba
    """The numbered instructions after the NumPy writer's exact peephole (:func:`symgraph.backends.numpy.assignments`).

    A constant factor or negation of a single-use temporary merges into its
    one consumer where :func:`symgraph.backends.numpy.merges_exactly` allows
    it (``t1 = 2*v; t2 = 100*t1`` becomes ``t2 = 200*v``; ``exact`` marks the
    constants +-2^j with j >= 0), so values are bitwise what the program
    computes for every input, overflow and underflow included.  Returns ``(code, constants,
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
                    # merges_exactly: a factor +-1, or pc = +-2^j (j >= 0) and |kv| >= 1, the product a finite float32
                    if abs(kv) == 1.0 or abs(pc) == 1.0 or (pp and 1.0 <= abs(kv) and abs(product) <= FLOAT32_MAX):
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


def _schedule(code, values, m, results, eager):  # pragma: no cover - compiled by numba
    """The instructions in the order a depth-first walk from the results finishes them (unreachable ones dropped).

    Each value is then computed just before its first use, so what stays
    live is what the results share: a reverse-mode gradient of a sum of
    local terms (Rosenbrock) keeps a handful of temporaries instead of every
    forward value.  Operands are walked x, y, z; results in label order.
    With ``eager``, an instruction whose operands are all computed runs at
    once, before the walk goes on: a value that sums every term (the
    function's value beside its gradient) then grows term by term as the
    walk passes, instead of holding every term's inputs to the end.
    """
    n = code.shape[0] // 5
    producer = np.full(values, -1, dtype=np.int64)
    for k in range(n):
        producer[code[5 * k + 1]] = k
    needed = np.zeros(n, dtype=np.bool_)  # some result reads it (a walk from the results reaches it)
    for q in range(results.shape[0]):
        if eager and results[q] >= m:  # the plain walk needs no consumers: nothing below runs for it
            needed[producer[results[q]]] = True
    pending = np.zeros(n, dtype=np.int32)  # an instruction's distinct computed operands not yet run
    starts = np.zeros(n + 1, dtype=np.int64)
    for k in range(n - 1, -1, -1):
        if not needed[k]:
            continue
        for j in range(2, 5):
            a = code[5 * k + j]
            if a >= m and (j == 2 or a != code[5 * k + 2]) and (j < 4 or a != code[5 * k + 3]):
                needed[producer[a]] = True
                pending[k] += 1
                starts[producer[a] + 1] += 1
    for k in range(n):
        starts[k + 1] += starts[k]
    consumers = np.empty(starts[n], dtype=np.int64)
    filled = starts[:n].copy()
    for k in range(n):
        if needed[k]:
            for j in range(2, 5):
                a = code[5 * k + j]
                if a >= m and (j == 2 or a != code[5 * k + 2]) and (j < 4 or a != code[5 * k + 3]):
                    consumers[filled[producer[a]]] = k
                    filled[producer[a]] += 1
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 operands pushed, 2 scheduled
    order = np.empty(n, dtype=np.int64)
    w = 0
    stack = np.empty(4 * n + 1, dtype=np.int64)  # k for "visit k", -1 - k for "k's operands are scheduled"
    ready = np.empty(n + 1, dtype=np.int64)
    for q in range(results.shape[0]):
        v = results[q]
        if v < m or state[producer[v]] != 0:
            continue
        stack[0] = producer[v]
        top = 1
        while top > 0:
            top -= 1
            e = stack[top]
            if e >= 0:
                if state[e] != 0:
                    continue
                state[e] = 1
                stack[top] = -1 - e
                top += 1
                for j in range(4, 1, -1):
                    a = code[5 * e + j]
                    if a >= m and state[producer[a]] == 0:
                        stack[top] = producer[a]
                        top += 1
                continue
            k = -1 - e
            state[k] = 2
            order[w] = k
            w += 1
            ready[0] = k
            r = 1 if eager else 0
            while r > 0:  # the consumers this makes runnable, and theirs
                r -= 1
                done = ready[r]
                for i in range(starts[done], starts[done + 1]):
                    c = consumers[i]
                    pending[c] -= 1
                    if pending[c] == 0 and state[c] == 0:
                        state[c] = 2
                        order[w] = c
                        w += 1
                        ready[r] = c
                        r += 1
    return order[:w]


def _fuse(code, order, values, m, results):  # pragma: no cover - compiled by numba
    """The numbered ``code`` in ``order``, each arithmetic op that only the next instruction reads fused into it.

    A fused pair is one dispatch instead of two and its intermediate value
    needs no slot; it computes the same two roundings (no FMA).  Gradients
    lose a fifth to a third of their instructions (Rosenbrock 33%, the MLP
    32%, the chain 22%; the product's chains of products none).
    """
    n = order.shape[0]
    reads = np.zeros(values, dtype=np.int32)  # operand fields naming each value (a missing operand repeats x)
    for p in range(n):
        o = 5 * order[p]
        for j in range(2, 5):
            if code[o + j] >= m:
                reads[code[o + j]] += 1
    kept = np.zeros(values, dtype=np.bool_)
    for q in range(results.shape[0]):
        if results[q] >= 0:
            kept[results[q]] = True
    first = np.full(FUSED + 1, -1, dtype=np.int64)
    second = np.full(FUSED + 1, -1, dtype=np.int64)
    for k in range(len(FIRST)):
        first[FIRST[k]] = k
    for k in range(len(SECOND)):
        second[SECOND[k]] = k
    out = np.empty(5 * n, dtype=np.int32)
    w = 0
    p = 0
    while p < n:
        o = 5 * order[p]
        op, t = code[o], code[o + 1]
        if p + 1 < n and first[op] >= 0 and not kept[t]:
            c = 5 * order[p + 1]
            nxt = code[c]
            x, y, z = code[c + 2], code[c + 3], code[c + 4]
            here = (x == t) + (y == t) + (z == t)
            if second[nxt] >= 0 and here > 0 and here == reads[t] and (nxt == NEG or x != y):
                side = 0 if x == t else 1
                f = FUSED + 16 * first[op] + 2 * second[nxt] + side
                out[w], out[w + 1], out[w + 2], out[w + 3] = f, code[c + 1], code[o + 2], code[o + 3]
                out[w + 4] = code[o + 2] if nxt == NEG else (y if side == 0 else x)
                w += 5
                p += 2
                continue
        for j in range(5):
            out[w + j] = code[o + j]
        w += 5
        p += 1
    return out[:w]


def _allocate(code, values, nc, m, results):  # pragma: no cover - compiled by numba
    """The VM program array of the numbered ``code``, in its order: every value given a slot.

    Slots: the constants ``0 .. nc-1``, the inputs, the results (the
    instruction computing a result writes its slot; a result that is an
    input, a constant or another result's value is a trailing ``copy``),
    then temporaries, a slot free again after the last use of its value.
    A target never shares a slot with its own operands, so the batch
    kernel's loops vectorise.  The header: instructions, constants, inputs,
    results, slots.
    """
    n = code.shape[0] // 5
    rows = results.shape[0]
    slot = np.full(values, -1, dtype=np.int32)
    for i in range(m):
        slot[i] = nc + i
    pinned = np.zeros(values, dtype=np.bool_)  # a value computed into its result's slot
    copies = 0
    for q in range(rows):
        v = results[q]
        if v >= m and not pinned[v]:
            slot[v] = nc + m + q
            pinned[v] = True
        else:
            copies += 1
    last = np.full(values, -1, dtype=np.int64)
    for p in range(n):
        for j in range(2, 5):
            v = code[5 * p + j]
            if v >= m:
                last[v] = p
    free = np.empty(n + 1, dtype=np.int32)
    top = 0
    slots = nc + m + rows
    prog = np.empty(_HEADER + 5 * (n + copies), dtype=np.int32)
    for p in range(n):
        o = 5 * p
        w = _HEADER + o
        t = code[o + 1]
        if pinned[t]:
            d = slot[t]
        elif top > 0:
            top -= 1
            d = free[top]
        else:
            d = slots
            slots += 1
        prog[w] = code[o]
        prog[w + 1] = d
        for j in range(2, 5):
            v = code[o + j]
            prog[w + j] = slot[v] if v >= 0 else -1 - v
        for j in range(2, 5):
            v = code[o + j]
            if v >= m and last[v] == p and not pinned[v]:
                free[top] = slot[v]
                top += 1
                last[v] = -2  # freed once: an operand read twice is one slot
        slot[t] = d
        if last[t] == -1 and not pinned[t]:
            free[top] = d  # a value nothing reads
            top += 1
    w = _HEADER + 5 * n
    for q in range(rows):
        v = results[q]
        target = nc + m + q
        if v >= m and slot[v] == target:
            continue
        source = slot[v] if v >= 0 else -1 - v
        prog[w] = COPY
        prog[w + 1] = target
        prog[w + 2] = source
        prog[w + 3] = source
        prog[w + 4] = source
        w += 5
    prog[0], prog[1], prog[2], prog[3], prog[4] = n + copies, nc, m, rows, slots
    return prog


# --------------------------------------------------------------------------- the kernel behind compiled functions

#: a batch runs this many points at a time when the registers allow: the register file stays in cache
BLOCK_BYTES = 1 << 20
#: inputs shared by every point of a batch get a row each, written once, up to this size (else rows are lent)
SHARED_BYTES = 4 << 20
MIN_WIDTH, MAX_WIDTH = 16, 256

#: inputs the VM reads (NumPy's own types and Python values); anything else goes to the NumPy backend
_NUMPY_INPUTS = (np.ndarray, np.generic, float, int, list, tuple)
_FLOAT64 = np.dtype(np.float64)


def _one_shape(values: Sequence[Any]) -> tuple | None:
    """The shape of ``values`` when every one is a C-contiguous float64 ndarray of that shape (a batch the VM
    reads as it lies, with no conversion; ``()`` for 0-d arrays, which are one point), else None.

    One pass of identity tests: the general checks (dtype votes, broadcasting,
    contiguity) cost about 1.5 µs an input.
    """
    shape = None
    for v in values:
        if v.__class__ is not np.ndarray or v.dtype is not _FLOAT64 or not v.flags.c_contiguous:
            return None
        if v.shape != shape:
            if shape is not None:
                return None
            shape = v.shape
    return shape


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
    ``fallback()`` makes on first need (a :class:`NumpyFallback`, for the
    kernel to pickle).  The kernel's array forms:
    ``kernel.point(x)`` evaluates one point given as a float64 vector of
    every input, returning the 1-D array of results; ``kernel.array(*inputs)``
    returns every result as one array ``(results, *batch)``; and
    ``kernel.taking(layouts)`` is the kernel taking indexed inputs as whole
    arrays (see :func:`_runner`).
    """
    code = assemble(program, order, labels)
    nc = len(code.consts)
    template = np.concatenate([code.consts, np.zeros(code.slots - nc)])
    width = width_for(code.registers)
    batch = "" if code.batch_instructions == code.instructions else f" ({code.batch_instructions} in batches)"
    listing = (f"# symgraph VM program: {code.instructions} instructions{batch}, {code.registers} registers "
               f"({nc} constants), {code.inputs} inputs, {code.results} results, {width} points per block\n")
    return _runner(code.prog, code.block, template, nc, code.inputs, code.results, width, tuple(order), name,
                   fallback), listing


def _runner(prog: np.ndarray, block: np.ndarray, template: np.ndarray, first: int, m: int, rows: int, width: int,
            order: tuple, name: str, fallback: Callable[[], Callable]) -> Callable:
    """The kernel of :func:`vm_kernel` from its assembled program: what a pickle of it carries (the
    arrays, and ``fallback``, what makes the NumPy backend's kernel for the inputs the VM does not take:
    made in neither process until first needed, see :class:`NumpyFallback`).

    Indexed inputs (``kernel.taking(layouts)``, which
    :func:`~symgraph.backends.runtime.array_parameters` asks for): each
    array arrives once with its elements' indices, worked out when the
    function was made (:class:`~symgraph.backends.runtime.ArrayLayout`).  At
    one point one fancy-index gather per array fills its inputs' slots; on
    a batch the address table is NumPy arithmetic, ``base + index . strides``
    for all of an array's elements at once, and an array whose batch axes
    are not a C-contiguous float64 block of the batch shape is converted
    once, as a whole.  Handed one value per element instead, a call spent
    about 5 µs per input in Python (a class check, ``asarray``, a
    contiguity check and a ``ctypes`` address each): 0.35 s of a 0.41 s
    call on 64 points of a 10^5-input least-squares gradient.
    """
    point = _Point(prog)
    stop = first + m
    end = stop + rows
    consts = template[:first]
    keys = [(k, Ellipsis) for k in range(rows)]
    made: list = []  # the fallback's kernel, once made

    def other(*values: Any) -> tuple:
        if not made:
            made.append(fallback())
        return made[0](*values)

    slots = template.shape[0]

    def at_point(x: Any) -> np.ndarray:
        """The results at the point ``x`` (the inputs' values in order), a fresh vector.

        The slots start uninitialised past the inputs: every result and
        temporary is written before it is read.
        """
        io = np.empty(slots)
        io[:first] = consts
        io[first:stop] = x
        point(io)
        return io[stop:end]

    def launch(sources: np.ndarray, steps: np.ndarray, shape: tuple, whole: bool) -> Any:
        """The batch kernel on inputs at ``sources`` (``steps`` 0: one value for every point): results of ``shape``."""
        points = math.prod(shape)
        out = np.empty((rows, points))
        if points:  # a block no wider than the batch: an input shared by every point fills a row of the block
            _kernel("block")(block, consts, sources, steps, out, min(width, points))
        out = out.reshape((rows,) + shape)
        return out if whole else tuple(map(out.__getitem__, keys))

    def evaluate(values: Sequence[Any], whole: bool) -> Any:
        """The results for one value per input: a tuple of arrays, or with ``whole`` one array ``(rows, *batch)``."""
        for v in values:
            if v.__class__ is not float and v.__class__ is not np.float64:
                break
        else:  # one point of Python floats or NumPy float64 scalars: kept short
            out = at_point(values)
            return out if whole else tuple(map(out.__getitem__, keys))
        shape = _one_shape(values)
        if shape:  # the common batch, checked in one pass: float64 arrays of one shape, C-contiguous
            return launch(data_addresses(values), np.ones(m, dtype=np.intp), shape, whole)
        for v in values:
            if not isinstance(v, _NUMPY_INPUTS):
                return other(*values)
        values = list(values)
        if working_dtype(values, order, convert=True) != _FLOAT64:  # a list made an array once
            return other(*values)
        arrays = [np.asarray(v, dtype=np.float64) for v in values]
        shape = broadcast_shape(arrays, order)
        if not shape:
            out = at_point(arrays)
            return out if whole else tuple(map(out.__getitem__, keys))
        held, steps = [], np.empty(m, dtype=np.intp)
        for i, a in enumerate(arrays):
            if a.size == 1:
                a, steps[i] = np.ascontiguousarray(a), 0
            else:
                a, steps[i] = contiguous(a, shape), 1
            held.append(a)
        return launch(data_addresses(held), steps, shape, whole)

    def run(*values: Any) -> tuple:
        return evaluate(values, False)

    def array(*values: Any) -> Any:
        return evaluate(values, True)

    def taking(layouts: Sequence[Any]) -> Callable:
        """The kernel taking one value per parameter: ``layouts[k]`` None for one input, else an ``ArrayLayout``
        whose array holds the next ``len(layout.indices)`` inputs (its index axes first, batch axes after)."""
        spans, start = [], first
        for layout in layouts:
            count = 1 if layout is None else len(layout.indices)
            spans.append((start, count, layout))
            start += count
        if start != stop:
            raise ValueError(f"the layouts hold {start - first} inputs; the program has {m}")

        def direct(values: Sequence[Any], shape: tuple | None, whole: bool = False) -> Any:
            """The results for the parameters' ``values`` (checked, with their batch ``shape``, by
            :func:`~symgraph.backends.runtime.bind_arrays`); what the VM does not take goes element by element."""
            probes = []  # one element per array: every element of an array is of its class and dtype
            for v, layout in zip(values, layouts):
                if layout is None:
                    probes.append(v)
                elif layout.indices:
                    probes.append(v[layout.indices[0]])
            if shape is None or working_dtype(probes) != _FLOAT64 or not all(
                    isinstance(v, _NUMPY_INPUTS) for v in probes):
                return evaluate(elements(values, layouts), whole)
            if not shape:
                io = np.empty(slots)
                io[:first] = consts
                for v, (i, count, layout) in zip(values, spans):
                    if layout is None:
                        io[i] = v
                    elif count:
                        io[i:i + count] = v[layout.columns]  # one gather, converted to float64 as it is written
                point(io)
                out = io[stop:end]
                return out if whole else tuple(map(out.__getitem__, keys))
            # each input's array (its number in ``held``) and its offset there: the pointers come in one pass
            held, owner, offset = [], np.empty(m, dtype=np.intp), np.zeros(m, dtype=np.intp)
            steps = np.empty(m, dtype=np.intp)
            for v, (i, count, layout) in zip(values, spans):
                i -= first
                a = np.asarray(v, dtype=np.float64)  # the whole array converted once, if at all
                if layout is None:
                    a, steps[i] = (np.ascontiguousarray(a), 0) if a.size == 1 else (contiguous(a, shape), 1)
                    owner[i] = len(held)
                elif count:
                    k = len(layout.shape)
                    batch = a.shape[k:]
                    step = 0 if math.prod(batch) == 1 else 1
                    if step and (batch != shape or not a[layout.indices[0]].flags.c_contiguous):
                        wide = a.reshape(a.shape[:k] + (1,) * (len(shape) - len(batch)) + batch)
                        a = np.ascontiguousarray(np.broadcast_to(wide, a.shape[:k] + shape))
                    within = 0
                    for column, stride in zip(layout.columns, a.strides):
                        within = within + column * stride
                    owner[i:i + count], offset[i:i + count], steps[i:i + count] = len(held), within, step
                held.append(a)
            sources = data_addresses(held)[owner] + offset
            return launch(sources, steps, shape, whole)

        return direct

    def recipe() -> tuple:
        return _runner, (prog, block, template, first, m, rows, width, order, name, fallback)

    run.__name__ = name
    run.point = at_point
    run.native = point.go_native
    run.array = array
    run.taking = taking
    run.recipe = recipe
    return run


class _Point:
    """The kernel of one point: the VM's, until native code pays for its compile, then native code.

    Compiling native code (:mod:`symgraph.backends.native`) costs about as
    much as thousands of calls of the VM, and saves a part of each later
    call: so, as in the ski-rental problem, the VM runs the program until
    the calls have cost what the compile would (:func:`~symgraph.backends.native.break_even_calls`),
    then the program is compiled.  Whatever the number of calls, that is at
    most twice the time of the better choice made in hindsight.  Both tiers
    compute the same values, bit for bit.
    """

    def __init__(self, prog: np.ndarray):
        self.prog, self.vm = prog, _kernel("point")
        self.after, self.calls = break_even_calls(int(prog[0])), 0
        self.native: Any = None
        self._lock = threading.Lock()

    def __call__(self, io: np.ndarray) -> None:
        if self.native is not None:
            self.run(self.native.address, io)
            return
        self.vm(self.prog, io)
        self.calls += 1
        if self.after and self.calls >= self.after:  # >=: threads' counts may step over the mark together
            self.go_native()

    def go_native(self) -> bool:
        """Compile the program to native code now (if it is not too long); True when native code runs it."""
        failure = None
        with self._lock:
            if self.native is None and self.after:
                try:
                    self.run = _kernel("native")
                    ir = write_ir(self.prog, _HEADER, CODES, FUSED, FIRST, SECOND, _kernel("apply_c").address)
                    self.native = compile_native(ir)
                except Exception as error:  # the VM runs on: a slower call, never a failed one
                    failure = error
                if self.native is None:
                    self.after = 0  # never tried again (set before warning: warnings may be errors)
        if failure is not None:
            warnings.warn(f"symgraph: native code for one point failed, the VM runs on ({failure})",
                          RuntimeWarning, stacklevel=3)
        return self.native is not None


class NumpyFallback:
    """A VM kernel's fallback: the NumPy backend's kernel of the same program, made when first called.

    It holds, and pickles as, what :func:`~symgraph.backends.numpy.numpy_kernel`
    makes the kernel from: the program's inputs, instructions and results
    (not its graph) and the options, the namespace by name.  Why: the
    kernel is the NumPy source of the whole program, generated and
    compiled (1.1 s at 27,000 instructions, about 10 s at 90,000), which
    the VM is there to avoid, for inputs (float32, Dask) few calls pass.
    Pickles carried the kernel's source, so a VM function's first pickle
    made it: 0.95-1.09 s at 27,000 instructions (a Rosenbrock gradient,
    best of 3 in two runs); now 0.04 s (0.15 s at 90,000), and the pickle
    is 18% smaller (2.4 MB).
    """

    def __init__(self, program: Any, order: Sequence[str], labels: Sequence[str], *, name: str = "f",
                 doc: str | None = None, xp: Any = None):
        self.inputs, self.instructions, self.results = program.inputs, program.instructions, program.results
        self.order, self.labels, self.name, self.doc = tuple(order), tuple(labels), name, doc
        self.xp = None if xp is None else xp.__name__  # a module does not pickle: imported again by name

    def __call__(self) -> Callable:
        program = Program(self.inputs, self.instructions, self.results)
        xp = None if self.xp is None else importlib.import_module(self.xp)
        return numpy_kernel(program, self.order, self.labels, name=self.name, doc=self.doc, xp=xp)[0]


class _Later:
    """A fallback in pickles made before :class:`NumpyFallback`: the NumPy kernel's recipe, made when
    first called for (loading compiled the NumPy source of the whole program before that)."""

    def __init__(self, make: Callable, args: tuple):
        self.make, self.args = make, args

    def __call__(self) -> Callable:
        return self.make(*self.args)


class _Given:
    """A fallback that is already made (an unpickled NumPy kernel, in pickles made before :class:`_Later`): calling it returns it."""

    def __init__(self, kernel: Callable):
        self.kernel = kernel

    def __call__(self) -> Callable:
        return self.kernel
