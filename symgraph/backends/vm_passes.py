"""The compiled passes that make VM code (:mod:`.vm_assemble`): the peephole, the batch order, fused pairs, slots.

Each is a numba kernel over int32 arrays (no Python code per instruction),
compiled on first need by :func:`~.vm_jit._kernel`, which finds them by
name: this module registers them (:func:`~.vm_jit.register_pass`) with
the helpers they call, so imports point one way (:mod:`.vm_assemble` -> here
-> :mod:`.vm_jit`).

numba's cache checks this file only, not the op codes it compiled in: edit the next line whenever
:data:`~.vm_instructions.CODES` changes, so a cached build is compiled again.  Op set: 62 codes, the last ``pow_log0``.
"""
from __future__ import annotations

import numpy as np

from .peephole import FLOAT32_MAX
from .vm_instructions import _HEADER, _POWERS, CODES, COPY, FIRST, FUSED, NEG, SECOND
from .vm_jit import register_pass

_NEG, _MUL, _POW = CODES["neg"], CODES["mul"], CODES["pow"]
_WHERE = CODES["where"]
_POWER_VALUES = (2.0, 0.5, -1.0, 1.0)  # :data:`~.vm_instructions._POWERS` as two tuples numba indexes
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
    """The numbered instructions after the NumPy writer's exact peephole (:func:`symgraph.backends.peephole.assignments`).

    A constant factor or negation of a single-use temporary merges into its
    one consumer where :func:`symgraph.backends.peephole.merges_exactly` allows
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


register_pass("fold", _fold, ("_put", "_materialise"))
register_pass("schedule", _schedule)
register_pass("fuse", _fuse)
register_pass("allocate", _allocate)
