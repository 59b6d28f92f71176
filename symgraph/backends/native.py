"""Native code: a VM program written out as one straight-line LLVM function (the VM's hot tiers).

Why: an optimiser calls the same gradient thousands of times at single
points, and there the VM pays its dispatch on every instruction: about
3.3 ns each, so Rosenbrock's value and gradient at n = 1,000 (8,991
instructions) took 34 µs against 13 µs for symengine's LLVM ``Lambdify``.
Written out as one LLVM function, each instruction is one machine
instruction or a call, with no loads of operand numbers and no branches:
the gradient alone ran in 7.2 µs instead of 15.6 µs.

Measured before choosing how (llvmlite 0.50, Rosenbrock's gradient, 5,994
and 59,994 instructions):

* LLVM's optimisation levels are out of reach: at ``opt=1`` or more the
  code generator took 2 s for 6,000 instructions and 67 s for 18,000,
  where ``opt=0`` takes 0.05 s and 0.16 s and its code takes 1.8-1.9x the
  optimised code's time.  So the function is compiled at ``opt=0`` and
  written already optimised: each value is an SSA value (the VM's slots,
  reused by its allocator, become names), and each constant and input is
  loaded once.
* Straight-line code stops paying as it outgrows the caches, while the VM's
  program is data it streams: Rosenbrock's value and gradient ran 3.4x
  faster than the VM at 45,000 instructions (50 vs 171 µs) but only 1.2x
  at 72,000 (185 vs 221 µs), and compiling passes a second there; so
  :data:`NATIVE_LIMIT` bounds the programs written out.
* Compiling costs about 15 µs an instruction (writing the text a fifth of
  it) and saves about 2 ns an instruction on every later call, so it pays
  only after thousands of calls: :func:`break_even_calls` says how many,
  and the VM (:class:`symgraph.backends.vm_point._Point`) runs the program until
  then, and batches always.

Batches are written the same way on vectors of a few points, in short
functions each run on a block of points in turn (:func:`write_batch_ir`,
compiled for this processor's vector instructions: the generic x86-64
target has two lanes, and ran Rosenbrock n = 10 on 10^4 points in 112 µs
against 36 µs); :mod:`.vm_batch` says how they were chosen, and when.

Each instruction is written as :mod:`.native_ops` says: arithmetic as
LLVM instructions, the common functions as the intrinsics or C library
functions that numba's ``np.sin``, ``np.tanh`` and so on become in the VM's
own code, a few short formulas as the VM's own, and every other op as a
call of the VM's scalar op (its ``_apply``, compiled as a C function).  A
value's sine and cosine come from one call of ``sincos`` where the C
library is glibc's (:func:`.native_ops.sine_pairs`).  So both tiers compute every value
the same way, bit for bit: LLVM without fast-math flags neither reorders
nor contracts floating-point arithmetic.  One thing neither tier fixes is
which NaN comes out where two NaNs of opposite signs meet in an ``add`` or
``mul`` (IEEE 754 leaves it open, and LLVM may swap the operands of either):
such a result is NaN in both tiers, its sign bit may differ.
"""
from __future__ import annotations

import math
import threading
import weakref
from typing import AbstractSet, Any, Mapping, Sequence

import numpy as np

from .native_ops import PAIRED, SINCOS_OUT, declarations, sine_pairs, splat, straight_line

#: the most instructions written out as native code (past this the VM is as fast; see the module docstring)
NATIVE_LIMIT = 50_000

def write_ir(prog: np.ndarray, header: int, codes: Mapping[str, int], fused: int, first: Sequence[int],
             second: Sequence[int], apply_address: int) -> str:
    """The program ``prog`` (the VM's point program: ``(op, target, x, y, z)`` rows after ``header`` words) as
    the LLVM IR of ``void f(double* r)``, which runs it on the register file ``r`` as the VM's point kernel does.

    Only the slots the VM would read and the results' slots are touched:
    operands come from ``r`` once (their first read) and results are
    stored at the end; every other value lives in SSA names.
    """
    nc, m, rows = (int(v) for v in prog[1:4])
    lines = ["define void @f(double* noalias nocapture %r) {", *SINCOS_OUT]

    def load(slot: int) -> str:
        lines.append(f"  %p{slot} = getelementptr double, double* %r, i64 {slot}")
        lines.append(f"  %s{slot} = load double, double* %p{slot}")
        return f"%s{slot}"

    body = prog[header:header + 5 * int(prog[0])].reshape(-1, 5).tolist()
    read = straight_line(body, codes, fused, first, second, apply_address, 1, load, lines.append,
                          sine_pairs(body, codes))
    for slot in range(nc + m, nc + m + rows):  # the results, where the VM leaves them
        lines.append(f"  %q{slot} = getelementptr double, double* %r, i64 {slot}")
        lines.append(f"  store double {read(slot)}, double* %q{slot}")
    lines += ["  ret void", "}", "", *declarations(1), ""]
    return "\n".join(lines)


def write_batch_ir(prog: np.ndarray, header: int, codes: Mapping[str, int], fused: int, first: Sequence[int],
                   second: Sequence[int], apply_address: int, consts: np.ndarray, lanes: int, segment: int,
                   width: int, shared: AbstractSet[int] = frozenset()) -> tuple[str, int]:
    """The VM program ``prog`` (the batch program: its schedule keeps few values live) as the LLVM IR of
    ``void f(i64* src, double* out, i64 stride, i64 count, double* scratch)``, which runs it on ``lanes`` points
    at a time: input ``i`` of point ``j`` at ``((double*) src[i])[j]``, result ``q`` written to
    ``out[q * stride + j]``, for ``j`` below ``count`` (a positive multiple of ``lanes``).

    Every value is a vector of ``lanes`` floats held in SSA names, so a
    point's values stay in the processor's registers and its stack, where
    the VM's block kernel streams rows of its register file.  The constants
    are written into the code (their exact bits, in hexadecimal).  The
    program is cut into functions of ``segment`` instructions, each run on
    a block of ``width`` points before the next, so the code running at any
    moment stays in the instruction cache; a value one segment leaves for a
    later one goes through ``scratch``, a row of ``width`` floats per slot.
    The inputs numbered in ``shared`` hold one value for every point
    (``((double*) src[i])[0]``), read once and spread over the lanes.
    Returns the IR and the number of rows of scratch it needs.
    """
    nc, m, rows = (int(v) for v in prog[1:4])
    n = int(prog[0])
    body = prog[header:header + 5 * n].reshape(n, 5).tolist()
    kind = f"<{lanes} x double>"
    row_of: dict[int, int] = {}  # a slot read by a later segment -> its row of scratch
    written: dict[int, int] = {}  # slot -> the last segment (so far) that writes it
    stores: list[list[int]] = []  # per segment: the slots it leaves in scratch
    segments, finals = [], []
    pairs = sine_pairs(body, codes)

    for k, start in enumerate(range(0, n, segment)):
        lines = [f"define internal void @s{k}(i64* noalias nocapture %src, double* noalias nocapture %out, "
                 "i64 %stride, double* noalias nocapture %scratch, i64 %start, i64 %count) {",
                 "entry:", *SINCOS_OUT, "  br label %loop", "loop:", "  %j = phi i64 [0, %entry], [%next, %loop]",
                 "  %p = add i64 %start, %j"]
        stores.append([])

        def load(slot: int, lines: list = lines) -> str:
            if slot in written:  # an earlier segment's value
                stores[written[slot]].append(slot)
                r = row_of.setdefault(slot, len(row_of))
                lines.extend([f"  %f{slot} = getelementptr double, double* %scratch, i64 {r * width}",
                              f"  %g{slot} = getelementptr double, double* %f{slot}, i64 %j",
                              f"  %h{slot} = bitcast double* %g{slot} to {kind}*",
                              f"  %s{slot} = load {kind}, {kind}* %h{slot}, align 8"])
            elif slot < nc:
                return splat(f"0x{np.float64(consts[slot]).view(np.uint64):016X}", lanes)
            elif slot < nc + m:
                i = slot - nc
                lines.extend([f"  %a{i} = getelementptr i64, i64* %src, i64 {i}", f"  %b{i} = load i64, i64* %a{i}",
                              f"  %c{i} = inttoptr i64 %b{i} to double*"])
                if i in shared:  # one value, in every lane
                    lines.extend([f"  %l{i} = load double, double* %c{i}",
                                  f"  %i{i} = insertelement {kind} undef, double %l{i}, i32 0",
                                  f"  %s{slot} = shufflevector {kind} %i{i}, {kind} undef, <{lanes} x i32> zeroinitializer"])
                else:
                    lines.extend([f"  %d{i} = getelementptr double, double* %c{i}, i64 %p",
                                  f"  %e{i} = bitcast double* %d{i} to {kind}*",
                                  f"  %s{slot} = load {kind}, {kind}* %e{i}, align 8"])
            else:
                raise ValueError(f"slot {slot} is read before it is written")
            return f"%s{slot}"

        part = body[start:start + segment]
        finals.append(straight_line(part, codes, fused, first, second, apply_address, lanes, load, lines.append,
                                     pairs, start))
        for index, row in enumerate(part, start):
            written[row[1]] = k
            if pairs.get(index) == PAIRED + index:  # the first of a pair: it leaves the other value
                written[PAIRED + index] = k
        segments.append(lines)
    for slot in range(nc + m, nc + m + rows):
        if slot not in written:
            raise ValueError(f"result slot {slot} is never written")
    results = {slot: written[slot] for slot in range(nc + m, nc + m + rows)}
    for k, lines in enumerate(segments):
        read = finals[k]
        for slot in sorted(set(stores[k])):  # the values later segments read
            r = row_of[slot]
            lines.extend([f"  %t{slot} = getelementptr double, double* %scratch, i64 {r * width}",
                          f"  %u{slot} = getelementptr double, double* %t{slot}, i64 %j",
                          f"  %y{slot} = bitcast double* %u{slot} to {kind}*",
                          f"  store {kind} {read(slot)}, {kind}* %y{slot}, align 8"])
        for slot, last in results.items():  # the results this segment writes last
            if last == k:
                q = slot - nc - m
                lines.extend([f"  %o{q} = mul i64 %stride, {q}", f"  %k{q} = add i64 %o{q}, %p",
                              f"  %w{q} = getelementptr double, double* %out, i64 %k{q}",
                              f"  %x{q} = bitcast double* %w{q} to {kind}*",
                              f"  store {kind} {read(slot)}, {kind}* %x{q}, align 8"])
        lines += [f"  %next = add i64 %j, {lanes}", "  %more = icmp ult i64 %next, %count",
                  "  br i1 %more, label %loop, label %done", "done:", "  ret void", "}", ""]
    calls = [f"  call void @s{k}(i64* %src, double* %out, i64 %stride, double* %scratch, i64 %start, i64 %b)"
             for k in range(len(segments))]
    driver = ["define void @f(i64* noalias nocapture %src, double* noalias nocapture %out, i64 %stride, i64 %count, "
              "double* noalias nocapture %scratch) {", "entry:", "  br label %block", "block:",
              "  %start = phi i64 [0, %entry], [%after, %block]", "  %rest = sub i64 %count, %start",
              f"  %short = icmp ult i64 %rest, {width}", f"  %b = select i1 %short, i64 %rest, i64 {width}",
              *calls, f"  %after = add i64 %start, {width}", "  %more = icmp ult i64 %after, %count",
              "  br i1 %more, label %block, label %done", "done:", "  ret void", "}", "", *declarations(lanes), ""]
    return "\n".join(line for lines in segments for line in lines) + "\n" + "\n".join(driver), len(row_of)


class NativeFunction:
    """Compiled native code: ``address`` of its function ``f``, alive as long as this object.

    The code's engine and its LLVM context are freed in that order when this
    object goes, by a finalizer that holds them: a cyclic collection calls
    the finalizers of what it collects in any order, and a context freed
    before the engine that owns its module crashed the process.
    """

    def __init__(self, ir: str, host: bool = False):
        import llvmlite.binding as llvm
        with _COMPILING:  # one compile at a time, in a context of its own (numba's compiles use the global one)
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            target = llvm.Target.from_default_triple()
            if host:  # this processor's vector instructions (AVX and wider); x86-64's baseline has 2 lanes
                cpu, features = _processor(llvm)
                machine = target.create_target_machine(cpu=cpu, features=features, opt=0)
            else:
                machine = target.create_target_machine(opt=0)
            context = llvm.create_context()
            module = llvm.parse_assembly(ir, context=context)
            module.triple, module.data_layout = machine.triple, str(machine.target_data)
            module.verify()
            engine = llvm.create_mcjit_compiler(module, machine)
            engine.finalize_object()
            self.address = engine.get_function_address("f")
        weakref.finalize(self, _free, engine, context).atexit = False


def _processor(llvm: Any) -> tuple[str, str]:
    """The processor and features to compile for: numba's settings where a user set them
    (``NUMBA_CPU_NAME``, ``NUMBA_CPU_FEATURES``: a wrong detection, or code for other machines), else this one's."""
    try:
        from numba.core import config
        cpu, features = config.CPU_NAME, config.CPU_FEATURES
    except ImportError:
        cpu = features = None
    if not cpu or cpu == "host":
        cpu = llvm.get_host_cpu_name()
        if features is None:
            features = llvm.get_host_cpu_features().flatten()
    return cpu, features or ""


def _free(engine: Any, context: Any) -> None:
    """Free compiled code: the engine (with the module and machine it owns), then the context of the module."""
    engine.close()
    context.close()


_COMPILING = threading.Lock()


def compile_native(ir: str, host: bool = False) -> NativeFunction | None:
    """``ir`` compiled to native code (with ``host``, for this processor's features), or None where llvmlite
    is missing (the VM keeps running the program)."""
    try:
        import llvmlite.binding  # noqa: F401  (comes with numba, which the VM needs)
    except ImportError:
        return None
    return NativeFunction(ir, host)


#: measured: seconds to compile native code, fixed and per instruction; seconds a VM call saves per instruction
COMPILE_FIXED, COMPILE_PER_INSTRUCTION, SAVED_PER_INSTRUCTION = 0.005, 15e-6, 2e-9


def break_even_calls(instructions: int) -> int:
    """After how many VM calls native code would have paid for itself; 0 for a program not written out.

    The compile's estimated time over what each call would save (both
    linear in the program's size): about 7,000 calls for a program of 10^4
    instructions, more for small ones, whose fixed compile cost is repaid
    by little.
    """
    if not 0 < instructions <= NATIVE_LIMIT:
        return 0
    return math.ceil((COMPILE_FIXED + COMPILE_PER_INSTRUCTION * instructions) / (SAVED_PER_INSTRUCTION * instructions))
