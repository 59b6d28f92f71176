"""The VM's kernels: the functions numba compiles to run a program (:mod:`symgraph.backends.vm`).

A program (:mod:`.vm_instructions`) runs at one point in :func:`_run_point`
and on a block of points in :func:`_run_block`, every temporary a row;
:func:`_data_pointers` reads arrays' data pointers and :func:`_run_native`
calls a program compiled to native code.  :func:`~.vm_jit._kernel`
compiles each on first need, replacing the helpers they call in this
module's globals (:func:`~.vm_instructions._apply`,
:func:`~.vm_instructions._pair`, :func:`_row`, the pointer intrinsics
``_f64``, ``_i32``, ``_iptr`` and ``_call_native``) by their compiled
forms.  Separate from that compilation (Python the interpreter runs once)
because this is the code numba compiles and caches beside this file.

numba's cache checks this file only, not the op codes it compiled in: edit the next line whenever
:data:`~.vm_instructions.CODES` changes, so a cached build is compiled again.  Op set: 62 codes, the last ``pow_log0``.
"""
from __future__ import annotations

import numpy as np

from .vm_instructions import _HEADER, FIRST, FUSED, SECOND, _apply, _pair


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


def _run_native(address, io):  # pragma: no cover - compiled by numba
    """The native function at ``address`` (:mod:`symgraph.backends.native`) on the register file ``io``."""
    _call_native(address, io.ctypes.data)
    return io.shape[0]  # keeps io alive past the call
