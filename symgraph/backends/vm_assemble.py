"""Programs as data: a program's instructions numbered into VM code, in an order for one point and one for batches.

Making the data (:func:`assemble`) is the time of making a function, so no
Python code runs per instruction: the operands are numbered by a few list
passes that run in C (``zip``, ``map(dict.get, ...)``), one Python call per
*distinct* constant, and compiled passes do the rest -- :func:`~.vm_passes._fold`, the
NumPy writer's exact constant-factor peephole over numbers;
:func:`~.vm_passes._schedule`, an order for batches; :func:`~.vm_passes._fuse`, pairs of arithmetic
ops as one instruction; :func:`~.vm_passes._allocate`, slots from liveness. A
per-instruction Python loop (the first design: dictionaries, closures, sympy
products) took 5.6 s for 10^5 instructions; a tight one still 0.5-0.7 s, a
third of it the use counts alone -- too slow for the 0.5 s target on a
loaded machine.

Two orders, because one point and a batch want different things. At one
point the registers fit in the L1 cache whatever their number, and the
program's own order (the forward sweep, then the backward one) puts
independent instructions side by side, which the processor overlaps; the
depth-first order of :func:`~.vm_passes._schedule` chains each value into its consumer
and was 5-20% slower there. A batch keeps a row of points per live value, so
there the count of live values decides: a reverse-mode gradient in its own
order keeps every forward value for the backward sweep (2,000 rows at
Rosenbrock n = 1,000, so blocks were 32 points wide and the register file
lived in L2), while walked depth-first from the results each value is
computed just before its use and the same gradient needs 8 rows at any n.
Fusing an op into the next instruction when only that instruction reads its
value takes Rosenbrock's gradient from 8,991 to 5,994 instructions; it is
5-10% faster on batches (no row written and read back) and about even at one
point, where the two dispatches it saves are cheap next to the loads. A
value beside its gradient sums every term, so a plain walk from the results
holds each term's forward values until the sum is reached; the walk that
also runs every instruction as soon as its operands are computed
(``eager``), starting from the results computed last, grows the sum term by
term: Rosenbrock's value and gradient keep 11 rows instead of 2,004.
:func:`assemble` tries the program's own order and three walks and keeps the
one with the fewest live values (where nothing helps, as in the product of n
inputs, whose prefix products are all live, batches run the program's own
order). No order helps when two results sum the same terms in opposite
orders: the value of ``sum((y[i] - a*x[i] - b*x[i+1]*x[i])^2, ...)`` adds
its terms first to last while the reverse sweep accumulates d/da and d/db
last to first, so once the value has taken k terms and the gradient the
other n - k, every term's residual waits for one of them -- 5,003 rows at n
= 5,000, 16 points per block, in any topological order. So when even the
best walk leaves blocks narrower than :data:`MAX_WIDTH`, :func:`apart` walks
the results in groups (label order; a result joins the group before it while
their walk together keeps blocks full width), each group computing its own
copy of what it reads: recomputing a residual from its inputs costs
instructions but no rows, since inputs are read where they lie. There the
value and the gradient each recompute the residuals: 49,990 instructions
instead of 34,994, 6 rows, 256 points per block. The copies are kept when
their estimated time is lower (:func:`batch_cost`: instructions times one
plus :data:`DISPATCH_POINTS` over the width, fitted on this case), so below
n = 3,000, where the single program's blocks are 64 points wide or more, it
stays; Rosenbrock, the MLP and the product (whose copies would exceed what
any width repays) keep their programs.
"""
from __future__ import annotations

import ctypes
import math
import sys
from itertools import chain
from operator import itemgetter
from typing import Any, Callable, Sequence

import numpy as np

from ..constants import as_constant, constant_key, constant_value
from ..errors import GraphError, UnsupportedOpError
from .peephole import scales_exactly
from . import vm_passes  # noqa: F401 - defines the compiled passes and registers them with _kernel
from .vm_instructions import CODES
from .vm_jit import _kernel

# --------------------------------------------------------------------------- programs as data

class Assembled:
    """A program as VM data: the int32 program arrays for one point and for batches, and the constants.

    One point runs the program's own order: neighbouring instructions are
    mostly independent, so the processor overlaps them.  A batch runs the
    order of :func:`~.vm_passes._schedule`, which keeps few values live: ``registers``
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

    Each order is fused (:func:`~.vm_passes._fuse`) and given slots (:func:`~.vm_passes._allocate`);
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
#: a batch runs this many points at a time when the registers allow: the register file stays in cache
BLOCK_BYTES = 1 << 20
MIN_WIDTH, MAX_WIDTH = 16, 256


def width_for(registers: int) -> int:
    """Points per block: a power of two from :data:`MIN_WIDTH` to :data:`MAX_WIDTH` whose registers fit :data:`BLOCK_BYTES`."""
    width = MIN_WIDTH
    while width < MAX_WIDTH and 2 * width * registers * 8 <= BLOCK_BYTES:
        width *= 2
    return width



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
    """The orders :func:`~.vm_passes._schedule` offers batches: from the results in label order, plainly and
    eagerly, and eagerly from the result computed last (a value beside its gradient: the sum grows as the walk
    passes)."""
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
    ``(op, target, x, y, z)`` rows.  :func:`~.vm_passes._fold` applies the NumPy
    writer's exact peephole over those numbers.  The Python side is a few
    list passes that run in C, and one Python step per distinct constant
    object, whose uses NumPy numbers (``np.unique`` of their addresses) --
    no per-instruction Python code.  (One step per constant operand: 124-125
    ms against 117-121 now for the 100,000 instructions and 60,000 constant
    operands of Rosenbrock's sparse Hessian at n = 10,000, CPU, best of 15
    alternating.)

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
    # constants, and names that are other objects: one Python step per distinct object, its uses numbered
    # by NumPy (one step per use took 12 ms of 60,000 constant operands in Rosenbrock's Hessian at n = 10,000)
    unfound = np.flatnonzero(found < 0)
    distinct, first, inverse = np.unique(_addresses([read[k] for k in unfound.tolist()]) if len(unfound) else
                                         np.zeros(0, dtype=np.int64), return_index=True, return_inverse=True)
    slots = np.empty(len(distinct), dtype=np.int64)
    in_use_order = np.argsort(first, kind="stable")  # constants take their slots in order of first use, as before
    for d, k in zip(in_use_order.tolist(), unfound[first[in_use_order]].tolist()):
        a = read[k]
        if a.__class__ is str:
            if number is None:
                number = dict(zip(defined, range(m + n)))  # a later definition wins, as the sequence does
            slots[d] = number.get(a, _NOWHERE)
            continue
        key = constant_key(as_constant(a))
        slot = by_key.get(key)
        if slot is None:  # equal constants share a slot: their float64 values are equal too
            slot = by_key[key] = -1 - len(values)
            values.append(float(constant_value(a)))
            exact.append(scales_exactly(as_constant(a)))
        by_id[id(a)] = slot
        slots[d] = slot
    found[unfound] = slots[inverse.reshape(-1)]
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


def kernels() -> tuple[Callable, ...]:
    """Every kernel ``(fold, schedule, fuse, allocate, point, block)``, compiled or loaded from numba's cache
    (a warm-up)."""
    return tuple(_kernel(name) for name in ("fold", "schedule", "fuse", "allocate", "point", "block"))
