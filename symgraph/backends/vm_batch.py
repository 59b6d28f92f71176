"""The VM's kernel of a batch: the VM's block kernel until native code on lanes of points pays for its compile.

Why a second tier: the block kernel streams each instruction over a row of
up to 256 points, reading two rows of its register file and writing a
third, so a small program costs about 0.2 ns per instruction and point
however little arithmetic it does.  Written out as straight-line native
code on vectors of :data:`LANES` points (:func:`~.native.write_batch_ir`),
a point's values stay in the processor's registers and stack: the gradient
of Rosenbrock's function at n = 10 (54 instructions) on 10^4 points took
33-36 µs against the VM's 113-125 µs and symengine's LLVM ``Lambdify``'s
101 µs, at n = 30 (174 instructions) 0.19 ms against 0.39 ms.

It pays only for short programs of arithmetic (measured on the same
10^4 points, VM against native code):

* length: straight-line code outgrows the instruction cache, while the
  VM's program is data it streams.  At n = 100 (594 instructions) the two
  were even (1.6-2.3 ms against 1.7 ms), at n = 300 the VM was faster
  (8.3 against 6.7-10 ms), at n = 1,000 much faster (36 against 57 ms);
  hence :data:`BATCH_LIMIT`.
* other ops: native code calls the VM's scalar function once per lane,
  where the VM runs ``exp`` or ``sigmoid`` in loops of its own.  The MLP
  (217 instructions, 19 of them calls) took 2.2-2.6 ms against 1.7 ms;
  ``a*exp(-b*t) + c``'s gradient ran even.  Hence :data:`CALL_SHARE`.

Inputs shared by every point of the batch stay on the VM (its kernel
writes them into rows once); they neither run natively nor count towards
the compile.  Native code runs the batch's points in groups of
:data:`LANES`; the last few points, if any, run on the VM.  Both tiers
compute every value the same way, bit for bit (see :mod:`.native`).
"""
from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np

from .native import compile_native, write_batch_ir
from .vm_instructions import _HEADER, ADD, CODES, COPY, DIV, FIRST, FUSED, MUL, NEG, RECIPROCAL, SECOND, SQUARE, SUB
from .vm_jit import _kernel
from .vm_point import _Tier

#: points per vector of native code (four doubles: one AVX register; more measured no faster)
LANES = 4

#: the longest program run natively on batches, in instructions (see the module docstring)
BATCH_LIMIT = 256

#: at most this share of a program natively run on batches may be ops other than arithmetic
CALL_SHARE = 1 / 16

#: measured: seconds to compile, fixed and per instruction; seconds saved per instruction and point
COMPILE_FIXED, COMPILE_PER_INSTRUCTION, SAVED_PER_INSTRUCTION_POINT = 0.006, 20e-6, 0.1e-9

_ARITHMETIC = frozenset((ADD, SUB, MUL, DIV, NEG, SQUARE, RECIPROCAL, COPY))
_SIGNATURE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)


def break_even_points(prog: np.ndarray) -> int:
    """After how many points run on the VM native code would have paid for itself; 0 where it would not pay.

    The compile's estimated time over what it would save per point
    (both linear in the program's length): about 10^6 points for short
    programs, whose fixed compile cost is repaid by little.
    """
    n = int(prog[0])
    ops = prog[_HEADER:_HEADER + 5 * n:5]
    calls = sum(1 for op in ops.tolist() if op < FUSED and op not in _ARITHMETIC)
    if not 0 < n <= BATCH_LIMIT or calls > CALL_SHARE * n:
        return 0
    return math.ceil((COMPILE_FIXED + COMPILE_PER_INSTRUCTION * n) / (SAVED_PER_INSTRUCTION_POINT * n))


class _Batch(_Tier):
    """The kernel of a batch: the VM's block kernel, until native code pays for its compile, then native code.

    As for one point (:class:`~.vm_point._Point`), a ski-rental rule: the VM
    runs batches until they have held as many points as the compile would
    take to repay (:func:`break_even_points`), then the program is compiled.
    """

    what = "batches"

    def __init__(self, prog: np.ndarray, block: np.ndarray, consts: np.ndarray, width: int):
        super().__init__()
        self.prog, self.block, self.consts, self.width = prog, block, consts, width
        self.after, self.points = break_even_points(prog), 0

    def __call__(self, sources: np.ndarray, steps: np.ndarray, out: np.ndarray) -> None:
        """The program on the inputs at ``sources`` (``steps`` 0: one value for every point), written to ``out``."""
        rows, points = out.shape
        every = points >= LANES and bool(steps.all())
        if self.native is not None and every:
            main = points - points % LANES
            self.run(sources.ctypes.data, out.ctypes.data, points, main)
            if main < points:  # the last few points on the VM
                tail = np.empty((rows, points - main))
                self.vm(sources + 8 * main, steps, tail)
                out[:, main:] = tail
            return
        self.vm(sources, steps, out)
        if self.after and every:
            self.points += points
            if self.points >= self.after:  # >=: threads' counts may step over the mark together
                self.go_native()

    def vm(self, sources: np.ndarray, steps: np.ndarray, out: np.ndarray) -> None:
        _kernel("block")(self.block, self.consts, sources, steps, out, min(self.width, out.shape[1]))

    def compile(self) -> Any:
        ir = write_batch_ir(self.prog, _HEADER, CODES, FUSED, FIRST, SECOND, _kernel("apply_c").address,
                            self.consts, LANES)
        native = compile_native(ir, host=True)
        if native is not None:
            self.run = _SIGNATURE(native.address)
        return native
