"""Native code for one point: a VM program written out as one straight-line LLVM function (the VM's hot tier).

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

Every op that is not arithmetic calls the VM's own scalar op (its
``_apply``, compiled as a C function), so both tiers compute every value
the same way, bit for bit: LLVM without fast-math flags neither reorders
nor contracts floating-point arithmetic.  One thing neither tier fixes is
which NaN comes out where two NaNs of opposite signs meet in an ``add`` or
``mul`` (IEEE 754 leaves it open, and LLVM may swap the operands of either):
such a result is NaN in both tiers, its sign bit may differ.
"""
from __future__ import annotations

import math
import threading
from typing import Mapping, Sequence

import numpy as np

#: the most instructions written out as native code (past this the VM is as fast; see the module docstring)
NATIVE_LIMIT = 50_000

#: the LLVM instruction of each arithmetic op on (x, y); the others are written by :func:`write_ir`
_BINARY = {"add": "fadd", "sub": "fsub", "mul": "fmul", "div": "fdiv"}


def write_ir(prog: np.ndarray, header: int, codes: Mapping[str, int], fused: int, first: Sequence[int],
             second: Sequence[int], apply_address: int) -> str:
    """The program ``prog`` (the VM's point program: ``(op, target, x, y, z)`` rows after ``header`` words) as
    the LLVM IR of ``void f(double* r)``, which runs it on the register file ``r`` as the VM's point kernel does.

    Only the slots the VM would read and the results' slots are touched:
    operands come from ``r`` once (their first read) and results are
    stored at the end; every other value lives in SSA names.
    """
    names = {code: name for name, code in codes.items()}
    n, nc, m, rows = (int(v) for v in prog[:4])
    body = prog[header:header + 5 * n].reshape(n, 5).tolist()
    defined: dict[int, str] = {}  # slot -> the SSA name holding its current value
    lines = ["define void @f(double* noalias nocapture %r) {"]
    emit = lines.append
    count = 0

    def read(slot: int) -> str:
        name = defined.get(slot)
        if name is None:
            name = defined[slot] = f"%s{slot}"
            emit(f"  %p{slot} = getelementptr double, double* %r, i64 {slot}")
            emit(f"  {name} = load double, double* %p{slot}")
        return name

    def arithmetic(op: str, x: str, y: str) -> str:
        nonlocal count
        count += 1
        value = f"%v{count}"
        if op in _BINARY:
            emit(f"  {value} = {_BINARY[op]} double {x}, {y}")
        elif op == "neg":
            emit(f"  {value} = fneg double {x}")
        elif op == "square":
            emit(f"  {value} = fmul double {x}, {x}")
        elif op == "reciprocal":
            emit(f"  {value} = fdiv double 1.0, {x}")
        elif op == "copy":
            count -= 1
            return x
        else:
            return ""
        return value

    apply = f"inttoptr (i64 {apply_address} to double (i32, double, double, double)*)"
    for op, target, x, y, z in body:
        vx, vy = read(x), read(y)
        if op >= fused:
            f = op - fused
            u = arithmetic(names[first[f >> 4]], vx, vy)
            after = names[second[(f >> 1) & 7]]
            value = arithmetic(after, u, u) if after == "neg" else \
                arithmetic(after, u, read(z)) if f & 1 == 0 else arithmetic(after, read(z), u)
        else:
            value = arithmetic(names[op], vx, vy)
            if not value:  # every other op: the VM's own scalar function
                count += 1
                value = f"%v{count}"
                emit(f"  {value} = call double {apply}(i32 {op}, double {vx}, double {vy}, double {read(z)})")
        defined[target] = value
    for slot in range(nc + m, nc + m + rows):  # the results, where the VM leaves them
        emit(f"  %q{slot} = getelementptr double, double* %r, i64 {slot}")
        emit(f"  store double {read(slot)}, double* %q{slot}")
    lines += ["  ret void", "}", ""]
    return "\n".join(lines)


class NativeFunction:
    """Compiled native code: ``address`` of ``void f(double*)``, alive as long as this object."""

    def __init__(self, ir: str):
        import llvmlite.binding as llvm
        with _COMPILING:  # one compile at a time, in a context of its own (numba's compiles use the global one)
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            machine = llvm.Target.from_default_triple().create_target_machine(opt=0)
            module = llvm.parse_assembly(ir, context=llvm.create_context())  # the module keeps its context
            module.triple, module.data_layout = machine.triple, str(machine.target_data)
            module.verify()
            self._engine = llvm.create_mcjit_compiler(module, machine)
            self._engine.finalize_object()
            self.address = self._engine.get_function_address("f")


_COMPILING = threading.Lock()


def compile_native(ir: str) -> NativeFunction | None:
    """``ir`` compiled to native code, or None where llvmlite is missing (the VM keeps running the program)."""
    try:
        import llvmlite.binding  # noqa: F401  (comes with numba, which the VM needs)
    except ImportError:
        return None
    return NativeFunction(ir)


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
