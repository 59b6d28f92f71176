"""The VM's kernel of a batch: the VM's block kernel until native code on lanes of points pays for its compile.

Why a second tier: the block kernel streams each instruction over a row of
up to 256 points, reading two rows of its register file and writing a
third, so it costs 0.2-0.5 ns per instruction and point however little
arithmetic the instruction does.  Written out as straight-line native code
on vectors of :data:`LANES` points (:func:`~.native.write_batch_ir`), a
point's values stay in the processor's registers and stack.  Rosenbrock's
gradient on 10^4 points, native code against the VM (symengine's LLVM
``Lambdify`` in the same runs about 0.10 / 2.9 / 31 ms): n = 10, 0.05-0.06
against 0.12-0.15 ms; n = 100, 0.43-0.48 against 1.5-2.1 ms; n = 1,000,
16-18 against 36-38 ms (8 ms of both is the 80 MB of results' pages).

How, measured on those programs:

* the program written is the VM's batch program, whose schedule keeps few
  values live at once (:func:`~.vm_passes._schedule`).  Cut in the point
  program's order, where a gradient's sweep reads values computed long
  before, n = 1,000 took 47 ms.
* it is cut into functions of :data:`SEGMENT` instructions, each run on a
  block of :data:`WIDTH` points before the next, so the code running stays
  in the instruction cache; values crossing a cut go through rows of a
  scratch array.  One function for the whole program ran n = 1,000 in 57
  ms (6,000 instructions of code per four points); segments of 16 / 32 /
  64 / 256 / 1,024 instructions took 18.5 / 16 / 17.5-18.5 / 30 / 26 ms,
  and compiling 251 / 179 / 154 / 120 / 141 ms.  Blocks of 128 / 256 /
  512 points (64-instruction segments) took 21 / 17.5-18.5 / 17.4 ms.
* the common functions (``exp``, ``sin``, ``sqrt``, ...) are the calls
  numba makes of them in the VM's own loops (:data:`.native_ops.WRITTEN`).
  Through the VM's scalar function, once per lane, programs full of them
  did not pay: the MLP (217 instructions, 19 calls) took 1.84 ms against
  the VM's 1.71, a chain of ``sin`` and divisions 5.5 against 4.4 ms.
  Called directly, the chain (depth 10, 10^5 points) took 23 against
  24.5 ms, and 17.8 ms with each value's sine and cosine from one call of
  ``sincos`` (:func:`.native_ops.sine_pairs`); with ``sigmoid`` and its
  derivative written out too, the MLP (10^4 points) 1.3 against 1.9 ms.
  Programs where other ops pass :data:`CALL_SHARE` stay on the VM.

An input shared by every point of the batch (a fit's parameters beside
its data) is written into the code as one value spread over the lanes, so
each pattern of shared inputs is compiled for itself: a quadratic fit's
gradient on 10^6 data points took 1.2 ms against the VM's 4.0 ms.  Native
code runs the batch's points in groups of :data:`LANES`; the last few
points, if any, run on the VM.  Both tiers
compute every value the same way, bit for bit (see :mod:`.native`).
"""
from __future__ import annotations

import ctypes
import math
import threading
from typing import Any, Sequence

import numpy as np

from .native import compile_native, write_batch_ir
from .native_ops import CALLS, WRITTEN
from .vm_instructions import _HEADER, CODES, FIRST, FUSED, SECOND
from .vm_jit import _kernel
from .vm_point import _Tier

#: points per vector of native code (four doubles: one AVX register; more measured no faster)
LANES = 4

#: the longest program run natively on batches, in instructions (compiling 49,995 took 2.0 s)
BATCH_LIMIT = 50_000

#: instructions per function of native code, and points per block each runs on before the next
SEGMENT, WIDTH = 32, 256

#: the most patterns of inputs shared by every point compiled for one program (each is a compile of its own)
PATTERNS = 4

#: at most this share of a program natively run on batches may be ops that call the VM's scalar function
CALL_SHARE = 1 / 16

#: measured: seconds to compile, fixed and per instruction; seconds saved per instruction and point
COMPILE_FIXED, COMPILE_PER_INSTRUCTION, SAVED_PER_INSTRUCTION_POINT = 0.006, 30e-6, 0.15e-9

#: measured: seconds more to compile an op that calls a function on each lane (:data:`.native_ops.CALLS`, or
#: the VM's scalar function): 1,200-instruction programs half of such calls took 118 ms (sin), 136 ms
#: (sigmoid) and 170 ms (tanh) against 40 ms for arithmetic alone
COMPILE_PER_CALL = 150e-6

#: the op codes native code computes itself (arithmetic, and the common functions called directly)
_WRITTEN = np.array(sorted(CODES[name] for name in WRITTEN))
#: the op codes native code writes without a call on each lane (no :data:`COMPILE_PER_CALL`)
_INLINE = np.array(sorted(CODES[name] for name in WRITTEN - CALLS))
_SIGNATURE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p)


def _vectorised_library() -> bool:
    """True where numba vectorises the C library's functions with Intel's SVML: the VM's loops over a row
    then compute ``sin`` or ``exp`` otherwise than native code's calls, value by value, and the two tiers
    would not give the same bits, so batches stay on the VM."""
    import numba
    return bool(numba.config.USING_SVML)


def break_even_points(prog: np.ndarray) -> int:
    """After how many points run on the VM the batch program ``prog`` in native code would have paid for
    itself; 0 where it would not pay.

    The compile's estimated time over what it would save per point
    (both linear in the program's length, calls costing more to compile):
    about 10^6 points for short programs, whose fixed compile cost is
    repaid by little.
    """
    n = int(prog[0])
    if not 0 < n <= BATCH_LIMIT or _vectorised_library():
        return 0
    ops = prog[_HEADER:_HEADER + 5 * n:5]
    if np.count_nonzero((ops < FUSED) & ~np.isin(ops, _WRITTEN)) > CALL_SHARE * n:
        return 0
    calls = np.count_nonzero((ops < FUSED) & ~np.isin(ops, _INLINE))
    compile_seconds = COMPILE_FIXED + COMPILE_PER_INSTRUCTION * n + COMPILE_PER_CALL * calls
    return math.ceil(compile_seconds / (SAVED_PER_INSTRUCTION_POINT * n))


class _Batch:
    """The kernel of a batch: the VM's block kernel, until native code pays for its compile, then native code.

    As for one point (:class:`~.vm_point._Point`), a ski-rental rule: the VM
    runs batches until they have held as many points as the compile would
    take to repay (:func:`break_even_points`), then the program is compiled.
    A batch's size is known before it runs, so the batch that reaches the
    mark is the first to run natively: one batch of 10^7 points compiles at
    once, instead of running on the VM and compiling for the calls after it.

    Which inputs are shared by every point (parameters beside data, or
    data beside a batch of parameters) is written into the code, so each
    such pattern is a program of its own (:class:`_Native`), counted and
    compiled apart; past :data:`PATTERNS` of them the VM runs the others.
    """

    def __init__(self, block: np.ndarray, consts: np.ndarray, width: int):
        self.block, self.consts, self.width = block, consts, width
        self.after = break_even_points(block)  # 0: batches stay on the VM (a failed compile sets it too)
        self.patterns: dict[bytes | None, _Native] = {}
        self._lock = threading.Lock()

    def __call__(self, sources: np.ndarray, steps: np.ndarray, out: np.ndarray) -> None:
        """The program on the inputs at ``sources`` (``steps`` 0: one value for every point), written to ``out``."""
        rows, points = out.shape
        tier = self.pattern(steps) if self.after and points >= LANES else None
        if tier is not None and tier.native is None:
            if tier.points + points >= self.after:  # this batch would repay the compile: compile before it
                if not tier.go_native():  # (>=: threads' counts may step over the mark together)
                    self.after = 0  # what failed for one pattern would fail for the others
            else:
                tier.points += points
        if tier is not None and tier.native is not None:
            main = points - points % LANES
            scratch = np.empty(tier.scratch * WIDTH)  # values one segment of the program leaves for another
            tier.run(sources.ctypes.data, out.ctypes.data, points, main, scratch.ctypes.data)
            if main < points:  # the last few points on the VM (an input shared by every point stays put)
                tail = np.empty((rows, points - main))
                self.vm(sources + 8 * main * steps, steps, tail)
                out[:, main:] = tail
            return
        self.vm(sources, steps, out)

    def vm(self, sources: np.ndarray, steps: np.ndarray, out: np.ndarray) -> None:
        _kernel("block")(self.block, self.consts, sources, steps, out, min(self.width, out.shape[1]))

    def pattern(self, steps: np.ndarray) -> "_Native | None":
        """The native tier for the inputs shared by every point where ``steps`` is 0; None past :data:`PATTERNS`."""
        shared = None if steps.all() else np.flatnonzero(steps == 0)
        key = None if shared is None else shared.tobytes()
        tier = self.patterns.get(key)
        if tier is None:
            with self._lock:
                tier = self.patterns.get(key)
                if tier is None and len(self.patterns) < PATTERNS:
                    tier = self.patterns[key] = _Native(self.block, self.consts, self.after,
                                                        () if shared is None else shared.tolist())
        return tier

    def go_native(self) -> bool:
        """Compile the program for batches with one value per point of every input now (if it pays at all);
        True when native code runs them."""
        if not self.after:
            return False
        tier = self.pattern(np.ones(int(self.block[2]), dtype=np.intp))
        if tier is None:
            return False
        if not tier.go_native():
            self.after = 0
        return tier.native is not None


class _Native(_Tier):
    """Native code for the batch program ``block`` whose inputs ``shared`` (by number) hold one value for every
    point, compiled once ``after`` points have run on the VM."""

    what = "batches"

    def __init__(self, block: np.ndarray, consts: np.ndarray, after: int, shared: Sequence[int]):
        super().__init__()
        self.block, self.consts, self.shared = block, consts, frozenset(shared)
        self.after, self.points = after, 0

    def compile(self) -> Any:
        ir, self.scratch = write_batch_ir(self.block, _HEADER, CODES, FUSED, FIRST, SECOND, _kernel("apply_c").address,
                                          self.consts, LANES, SEGMENT, WIDTH, self.shared)
        native = compile_native(ir, host=True)
        if native is not None:
            self.run = _SIGNATURE(native.address)
        return native
