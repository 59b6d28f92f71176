"""Second order: Hessians as Jacobians of gradient programs, in the composition of modes asked for.

A Hessian is derived on programs, never on sympy trees: the gradient's
program (one reverse sweep, or forward sweeps) becomes a graph
(:meth:`Program.as_graph`) whose outputs are the gradient's entries, and the
Jacobian of that graph is the Hessian -- so every subexpression the gradient
shares stays shared, and the Hessian's program stays a small multiple of the
function's.  The four strategies of the literature are the compositions:

* ``"forward-over-reverse"`` (the default): one reverse sweep for the
  gradient, then one forward sweep per wrt input over its program (the
  columns) -- n sweeps, each about the cost of a gradient;
* ``"reverse-over-forward"``: forward sweeps for the gradient, then reverse
  sweeps over them;
* ``"forward-over-forward"``: forward for both;
* ``"reverse-over-reverse"``: reverse for both (an adjoint of an adjoint);
* ``"edge-pushing"`` (Gower & Mello 2012): one symmetric reverse sweep over the
  function's own graph that carries second-order weights between the pairs of
  nodes that interact (:mod:`symgraph.ad.edge_pushing`).

The Hessian is symmetric, so only the entries on and above the diagonal are
results of the program; the matrix mirrors them (each entry is computed once).
Products H·v without the matrix (:func:`~symgraph.hvp`, :func:`~symgraph.hessp`) are
:mod:`symgraph.hessian_vector`'s.  A sparse Hessian of an indexed sum is its first
term's, derived in the mode asked for and replayed for every term (:mod:`symgraph.term_replay`).

Where the time goes (sparse Rosenbrock, forward-over-reverse, n = 10,000;
CPU seconds, best of 3-5 on a shared 2-core machine): parsing 0.4, the
gradient 0.45-0.5, the forward sweeps 2.3-2.7 (10,000 sweeps of 17 nodes on
average, bound by emitting instructions), the pattern 0.12 and the program
0.1.  Growth from n = 1,000 is about 13x, the gradient's about 13x too
(tables outgrowing the caches, not super-linear work).  Since then, measured
side by side on a more loaded machine (so the figures are larger): the
sweeps 1.8-2.5 -> 1.4-1.8 (their set-up and first edge visits,
:func:`symgraph.ad.forward.sweeper`), the adjacency and the emitter's seed
0.45-0.65 -> 0.33-0.46, no collection at the end (was 0.7), and in all
4.8-6.0 -> 4.2-5.0.  Measured fixes:

* the collector is paused once for the whole derivation (:func:`paused_gc`):
  56 young and 5 middle collections took 0.34-0.58 s, one takes 0.15 s,
  and none now (the pause's objects are moved to the oldest generation,
  not walked);
* the pattern's bit sets are windows (:func:`symgraph.sparsity.dependencies`):
  0.19-0.23 s -> 0.12-0.15 s at n = 10,000, and linear beyond;
* edge pushing reads the pattern off the gradient its own sweep emits (its
  adjoints) instead of deriving a second one: 0.31-0.35 s -> 0.24-0.26 s
  at n = 1,000;
* the emitter combines exact constants across temporaries (``100*(2*v)`` is
  ``200*v``): the gradient the forward sweeps run over has 10% fewer rows and
  the Hessian's program 99,990 instructions instead of 139,986 (CasADi's:
  104,989), and the derivation takes about a quarter less time.
* the gradient's chains of additions are regrouped as balanced sums
  (:func:`balanced_sums`) before the forward sweeps: a dense quadratic
  ``sum(sum(x[i]*x[j]*A[i,j], ...))`` at n = 300 (90,000 nonzeros) took
  349 s -> 80 s on a loaded machine (9.1 s -> 4.1 s at n = 100), its sweeps
  visiting 7.0 n^2 nodes instead of 33.5 n^2 at n = 64.
* a forward gradient (``"reverse-over-forward"``, ``"forward-over-forward"``), whose n sweeps walked
  to the end of the function's sum from each input, joins its chains of additions
  (:meth:`~symgraph.ad.adjacency.Adjacency.join_sums`), and the reverse sweeps share one set of wrt
  names: the sparse Rosenbrock Hessian at n = 10,000 in ``"reverse-over-forward"`` took 440 s, then
  18 s on a loaded machine with the function's sums regrouped as balanced trees, now 2.5 s of CPU with
  them joined (n = 1,000: 175-212 -> 162-174 ms, side by side).
* the sparse pattern is read off the forward sweeps' entries where no tangent dropped out to 0 and no
  partial is identically 0 (:func:`symgraph.sparsity.swept_pattern`), not from a second pass over the
  gradient's program: 91-98 ms -> 7-8 ms at n = 10,000, and the whole derivation 1.63-1.76 s -> 1.48-1.61 s
  (121-131 ms -> 110-118 ms at n = 1,000), side by side on a loaded machine.
  With the smaller fixes beside it (the chains of :func:`balanced_sums` told in C, the emitter's
  name scan, the labels mirrored, no second check of the names), the parts at n = 10,000 (best
  of 4, ms, before -> after, side by side): parsing 125 -> 129, the gradient 318 -> 281, its
  regrouping and graph 129 -> 38, the forward sweeps with their set-up 983 -> 852, the pattern
  110 -> 11, the labels 23 -> 20 and the result's 12.5 -> 1.7, the program 65 -> 62; in all
  1.81 -> 1.52 s (125.6 -> 104.5 ms at n = 1,000).
* Tried and measured, not kept: colouring the columns (3 forward sweeps from groups of structurally
  orthogonal inputs instead of 10,000 from one each) emits the same instructions in the same time.

Profiled again against the issue's target (derivation and a VM compile within 2x of CasADi's
``hessian`` and ``Function``), n = 10,000, CPU ms, best of 3-15 on a heavily loaded 2-core
machine: parsing 147-155; the gradient (its reverse sweep and program) 314-347; its regrouping
check and graph 40-66; the forward sweeps with their set-up 930-990, of which the emitter's seed
of the gradient's rows 47, the adjacency (operands 25, users 48, positions 18), the chains
joined 24-30 (now 15-16) and the nodes reaching an output 13 (now 8-9; both pick their nodes out
in C, :mod:`symgraph.ad.adjacency`), the 10,000 walks 86, and the products and sums about 650;
the pattern 20, the labels 15, the program's one dead-code pass over 190,000 rows 56; then
``lambdify(backend="vm")`` 180-190, of which 120-130 number the instructions
(:func:`symgraph.backends.vm_assemble.numbered`: a few passes in C over 100,000 tuples, its
constants now per distinct object, 124-125 -> 117-121).  Per sweep (n = 1,000, bytecode
instructions): 6,420, the sweep's edge loop 2,860, the emitter about 2,900, the walk 490; the
emitter makes 10 instructions a sweep, 4 of which its own rewrites leave dead (a ``neg`` folded
into the next product, ``-2 + t`` into ``202 - t``).  Nothing grows faster than linearly (CPU from
n = 1,000 to 3,000 to 10,000: the sweeps 50, 165, 648 ms; the numbering 0.96, 1.03, 1.31 µs an
instruction, 1.37 at 30,000: scattered tuples outgrowing the caches), and no pass is made twice
on one table, so with the program kept instruction for instruction the floor is the emitter's
Python per instruction: about 13x CasADi in one loaded run of ``benchmarks/hessian.py`` (12.9x
before these cuts and after).  That is a sum swept term by term, as a sum written out still is; the
indexed text's terms are now replayed: 1.3x CasADi's derive + compile with the VM (term_replay).  Not kept: ``Program.as_graph`` filling its tables from the
instructions' columns with ``dict.update`` (27 -> 47 ms: three passes over scattered tuples
instead of one), the users built by ``map(list.append, ...)`` in C and the positions by
``dict(zip(...))`` (no faster).
"""
from __future__ import annotations

import time
from itertools import chain, compress
from operator import itemgetter
from typing import Any, Sequence

import numpy as np

from .options import checked_options
from .cost import CostReport, mode_cost
from .derive import gradient_program
from .errors import ArgumentError, GraphError, shown
from .frontend.coerce import as_graph, held_without_elements, read_once, taking_unused, wrt_names, wrt_nodes
from .ad.edge_pushing import edge_pushing
from .ad.linearised import Counts, Linearised
from .ad.modes import run_mode, sweep_options
from .ir.interpret import sum_links
from .ir.program import Program
from .ir.simplify import normalise
from .term_replay import replayable, replayed
from .names import Namer, entry_label
from .progress import check_progress, paused_gc, reported
from .matrices import DerivativeMatrix, check_entries
from .sparse_derivative import SparseDerivative
from .sparsity import jacobian_sparsity, swept_pattern

#: strategy -> (the gradient's mode, the mode of its Jacobian)
STRATEGIES = {
    "forward-over-reverse": ("reverse", "forward"),
    "reverse-over-forward": ("forward", "reverse"),
    "forward-over-forward": ("forward", "forward"),
    "reverse-over-reverse": ("reverse", "reverse"),
    "edge-pushing": (None, None),  # one symmetric reverse sweep (symgraph.ad.edge_pushing)
}


def hessian_program(f: Any, wrt: Sequence[str] | None = None, *, mode: str = "forward-over-reverse",
                    sparse: bool = False, allow_unused: bool = False, budget: int | None = None,
                    progress: Any = False, **sizes: int) -> tuple[Program, list[str], CostReport, Any]:
    """``(program, wrt names, cost, pattern)``: a program whose results (labelled by :func:`entry_label`) are the
    Hessian's entries on and above the diagonal (x before y in ``wrt`` order), what deriving it cost, and with
    ``sparse=True`` the structural pattern (``scipy.sparse`` CSR; else None), whose entries alone are results.
    ``budget``: the multiplications the Jacobian's sweeps may make (:class:`~symgraph.ad.linearised.OverBudget`
    past them; the gradient's own sweeps, at most a first derivative's work, are not bounded)."""
    with paused_gc():  # one collection after the whole derivation, not one after each of its steps
        return _hessian_program(f, wrt, mode, sparse, allow_unused, sizes, budget, progress)


def _hessian_program(f: Any, wrt: Sequence[str] | None, mode: str, sparse: bool, allow_unused: bool,
                     sizes: dict, budget: int | None = None, progress: Any = False) -> tuple:
    inner, outer = _strategy(mode)
    graph, names = second_order(f, wrt, allow_unused, sizes, "hessian()")
    if not sparse:
        check_entries(len(names), len(names), "Hessian", "sg.hessian(..., sparse=True)")
    start = time.perf_counter()
    if mode == "edge-pushing":
        with reported(progress, len(graph.order), "edge pushing"):  # one sweep's node visits, told when it is done
            return _edge_pushing_program(graph, names, sparse, start)
    # the gradient's program alone: the names are checked already, and no Gradient mapping is made for it
    # (grad() took 24.5-25.7 ms against 23.6-24.0 at n = 1,000, 299-309 against 295-303 at 10,000)
    gradient, report, _ = gradient_program(graph, names, inner, "markowitz", progress)
    second = balanced_sums(gradient).as_graph(names)
    # The Jacobian's sweeps, then one program of the entries on and above the diagonal (one dead-code
    # pass, not a whole Jacobian's program pruned again: a tenth of the derivation at n = 1,000)
    cost, lin = run_mode(second, second.outputs, names, outer, progress, budget=budget, **sweep_options(outer, "markowitz"))
    entry = cost.entry
    labels = {}
    pattern = None
    if sparse:  # the sweeps' entries where they are the whole pattern, else a pass of its own
        if inner == "forward":  # hessian_sparsity's, the reverse gradient's (see _reverse_pattern)
            pattern = _reverse_pattern(graph, names)
        else:
            swept = swept_pattern(second, names, cost.nodes, cost.derivatives) if outer == "forward" and not lin.vanished else None
            pattern = _symmetric(jacobian_sparsity(second, names, allow_unused=True) if swept is None else swept)
        outputs = second.outputs
        for i, j in zip(*_upper(pattern)):
            labels[entry_label(names[i], names[j])] = entry(outputs[i], names[j])
    else:
        for i, x in enumerate(names):
            for y in names[i:]:
                labels[entry_label(x, y)] = entry(second.outputs[i], y)
    program = taking_unused(lin.emitter.program(second.input_nodes, labels), graph, names)
    first, second = report[inner], cost.counts
    counts = Counts(first.multiplications + second.multiplications, first.additions + second.additions,
                    first.sweeps + second.sweeps)
    row = mode_cost(mode, counts, program, time.perf_counter() - start)
    return program, names, CostReport([row], len(names), len(names), ""), pattern


def _edge_pushing_program(graph: Any, names: list[str], sparse: bool, start: float) -> tuple:
    """:func:`hessian_program` by edge pushing: one symmetric reverse sweep over the function's own graph."""
    lin = Linearised(graph)
    nodes = wrt_nodes(graph, names)
    result = edge_pushing(lin, graph.output, list(dict.fromkeys(nodes.values())))
    labels = {}
    pattern = None
    if sparse:  # the pattern of the gradient the sweep emitted (its adjoints): no second gradient
        gradient = result.extra["gradient"]
        first = lin.emitter.program(graph.input_nodes, {x: gradient.get(nodes.get(x), 0) for x in names})
        pattern = _gradient_pattern(first, names)
        pairs = [(names[i], names[j]) for i, j in zip(*_upper(pattern))]
    else:
        pairs = [(x, y) for i, x in enumerate(names) for y in names[i:]]
    for x, y in pairs:
        labels[entry_label(x, y)] = result.derivatives.get((nodes.get(x), nodes.get(y)), 0)
    program = taking_unused(lin.emitter.program(graph.input_nodes, labels), graph, names)  # already without dead code
    row = mode_cost("edge-pushing", lin.counts, program, time.perf_counter() - start)
    return program, names, CostReport([row], len(names), len(names), ""), pattern


def balanced_sums(program: Program) -> Program:
    """The program with every chain of additions regrouped as a balanced tree of additions.

    A gradient accumulates each adjoint as a chain ``((t1 + t2) + t3) + ...``
    (one link per use of the input); a dense quadratic's gradient entries are
    chains of n terms.  A tangent entering a chain at term k passes through
    every later link, so the Hessian's n forward sweeps visited about n^3/2
    nodes for its n^2 entries (50 s at n = 300).  Regrouped as
    ``(t1 + t2) + (t3 + t4)``, a tangent passes through log2(n) additions:
    the sweeps cost about (entries) x log n.  The values are the same sums;
    a link is regrouped only when its one use is the next link (a partial sum
    used elsewhere, or a result, stays as it is).  A program where no addition
    reads another (nor has more than three terms) has no chain, and is told in C
    before the links are counted: Rosenbrock's gradient at n = 10,000, 69-105 ms
    -> 13-18 ms (n = 1,000: 2.6 -> 0.6 ms; a dense quadratic, which has chains, pays about 1 ms more at n = 60).
    """
    rows, results = program.instructions, program.results
    additions = list(compress(rows, map("add".__eq__, map(itemgetter(1), rows))))
    args_of = dict(zip(map(itemgetter(0), additions), map(itemgetter(2), additions)))
    if (set(chain.from_iterable(args_of.values())).isdisjoint(args_of)
            and max(map(len, args_of.values()), default=0) <= 3):
        return program
    links = sum_links(rows, set(results.values()))  # a result is a value of its own: never folded into a larger sum
    terms_of: dict[str, list] = {}  # a chain's last addition -> its terms, left to right
    folded: set[str] = set()
    for target in reversed(args_of):  # the last addition of a chain comes before its links
        if target in folded:
            continue
        terms, inner, stack = [], [], list(reversed(args_of[target]))
        while stack:
            a = stack.pop()
            if a in links:
                inner.append(a)
                stack.extend(reversed(args_of[a]))
            else:
                terms.append(a)
        if len(terms) > 3:  # three terms are as balanced as they get
            terms_of[target] = terms
            folded.update(inner)
    if not terms_of:
        return program
    graph = program.graph
    names = iter(Namer(set(map(itemgetter(0), rows)), set(program.inputs), graph.addresses if graph is not None else {}).take(
        "s", sum(len(terms) - 2 for terms in terms_of.values())))
    out = []
    for row in rows:
        target = row[0]
        if target in folded:
            continue
        terms = terms_of.get(target)
        if terms is not None:
            while len(terms) > 2:  # one level of pairs at a time; an odd last term waits for the next level
                level = []
                for i in range(0, len(terms) - 1, 2):
                    name = next(names)
                    out.append((name, "add", (terms[i], terms[i + 1])))
                    level.append(name)
                if len(terms) % 2:
                    level.append(terms[-1])
                terms = level
            row = (target, "add", tuple(terms))
        out.append(row)
    return Program(program.inputs, out, results, graph)


def _symmetric(pattern: Any) -> Any:
    return (pattern + pattern.T).astype(bool).tocsr()


def _upper(pattern: Any) -> tuple[list[int], list[int]]:
    """The rows and columns of the entries of a CSR ``pattern`` on and above the diagonal, in CSR order."""
    rows, cols = pattern.nonzero()
    keep = rows <= cols
    return rows[keep].tolist(), cols[keep].tolist()


def _csr_labels(pattern: Any, names: Sequence[str], upper: Sequence[str]) -> list[str]:
    """The label of every entry of a symmetric CSR ``pattern`` by ``names`` (CSR order), given those of the
    entries on and above the diagonal (``upper``, CSR order): an entry below reads its mirror's, found by a
    binary search in C.

    Built from the program's labels, not formatted again entry by entry: 10.0 -> 1.1 ms at 30,000 entries
    (Rosenbrock, n = 10,000).  Where two entries have one label (``a``, ``db`` and ``ad``, ``b``), so the
    program has fewer labels than entries, each entry's is formatted as it was.
    """
    rows, cols = (index.astype(np.int64) for index in pattern.nonzero())  # row * width passes int32 at n = 46,341
    width = pattern.shape[1]
    below = rows > cols
    if len(upper) != len(rows) - int(np.count_nonzero(below)):
        return [entry_label(names[min(i, j)], names[max(i, j)]) for i, j in zip(rows.tolist(), cols.tolist())]
    position = np.empty(len(rows), dtype=np.int64)
    position[~below] = np.arange(len(upper))
    on_or_above = rows[~below] * width + cols[~below]  # ascending: CSR order
    position[below] = np.searchsorted(on_or_above, cols[below] * width + rows[below])
    return np.array(upper, dtype=object)[position].tolist()


def _gradient_pattern(gradient: Program, names: Sequence[str]) -> Any:
    """The Hessian's structural pattern: the symmetrised Jacobian pattern of a gradient program (results ``names``)
    whose outputs no label names: edge pushing's, not taking an absent z, named its 0 output z, and stored (z, z)."""
    return _symmetric(jacobian_sparsity(gradient.as_graph(names, names=None), names, allow_unused=True))


def _reverse_pattern(graph: Any, names: list[str]) -> Any:
    """:func:`hessian_sparsity`'s pattern: that of the reverse gradient's program, whatever the strategy.

    A forward gradient cancels other products than the reverse one does: ``(v*t)/v`` of ``log(exp(c))``
    stayed in it where reverse mode's adjoint is 1, and ``(2/v)*v`` of ``2*log(exp(y))`` is cancelled by it
    and not by reverse mode.  Its own pattern then had an identically zero entry more or fewer, and
    ``sparse=True`` gave another CSR structure (``nnz``, ``.data``'s length) in ``"reverse-over-forward"``
    and ``"forward-over-forward"`` than in the others.  Any structural pattern of the function covers its
    Hessian, so these two take this one, at the cost of one reverse gradient more: sparse Rosenbrock at
    n = 2,000 (its graph parsed once), 0.37-0.40 -> 0.43-0.47 s of CPU, side by side.
    """
    return _gradient_pattern(gradient_program(graph, names, "reverse", "markowitz", False)[0], names)


@checked_options
def hessian(f: Any, wrt: Sequence[str] | None = None, *, mode: str = "forward-over-reverse",
            simplify: bool | str = True, sparse: bool = False, allow_unused: bool = False, progress: Any = None,
            **sizes: int) -> "DerivativeMatrix | SparseDerivative":
    """The symmetric matrix of second derivatives d2f/dx_i dx_j, derived on the gradient's program.

    Parameters
    ----------
    f : str, sympy expression or Graph
        A function with one output.
    wrt : list of names, optional
        The inputs, in the matrix's order (default: every input; ``"x"``
        names every element of an indexed input).
    mode : {"forward-over-reverse", "reverse-over-forward", "forward-over-forward", "reverse-over-reverse", "edge-pushing"}
        How the two derivatives are taken (the entries are equal; the costs are
        not: see :mod:`symgraph.hessian`).
    simplify : True, False, "fast", "full" or "none"
        See :mod:`symgraph.ir.simplify`.
    sparse : bool
        Derive only the structural nonzeros (:func:`symgraph.hessian_sparsity`),
        at a cost proportional to their number, and return a
        :class:`~symgraph.sparse_derivative.SparseDerivative` (pattern, program, closed
        forms on request, ``.lambdify()`` to CSR matrices).
    progress : None, bool or callable(done, total)
        As for :func:`symgraph.grad` (:mod:`symgraph.progress`): the gradient's sweeps, then those over its program.

    Returns
    -------
    DerivativeMatrix
        A symmetric sympy Matrix whose ``.lambdify()`` gives ``(n, n, *batch)`` arrays.

    Examples
    --------
    >>> hessian("x^2*y + y^3", wrt=["x", "y"])
    Matrix([
    [2*y, 2*x],
    [2*x, 6*y]])
    """
    normalise(simplify)  # checked before any work, and for sparse=True too, whose entries are built on request
    check_progress(progress)
    with paused_gc():  # parsing and deriving allocate no cycles: one collection at the end
        graph, wrt = as_graph(f, **sizes), read_once(wrt)
        found = None
        if replayable(graph):  # the first term's, replayed (:mod:`symgraph.term_replay`)
            wrt, allow_unused = second_order(graph, wrt, allow_unused, {}, "hessian()")[1], True  # said once
            if not sparse:
                check_entries(len(wrt), len(wrt), "Hessian", "sg.hessian(..., sparse=True)")
            found = replayed(graph, wrt, mode, lambda term, local: hessian_program(
                term, local, mode=mode, sparse=True, allow_unused=True, progress=progress), dense=not sparse)
        program, names, cost, pattern = found or hessian_program(graph, wrt, mode=mode, sparse=sparse,
                                                                 allow_unused=allow_unused, progress=progress)
        if sparse:  # the program's results are the entries on and above the diagonal, in CSR order
            labels = _csr_labels(pattern, names, list(program.results))
            return SparseDerivative(pattern, program, labels, names, order=2, graph=graph, simplify=simplify,
                                    held=held_without_elements(graph, wrt), cost=cost)
    matrix = DerivativeMatrix.of(program, hessian_cells(names), simplify, "sg.hessian(..., sparse=True) keeps the "
                                 "entries unexpanded (its .lambdify() compiles them to a CSR matrix, whose .toarray() "
                                 "is the dense one), and its .program.closed_form(label)",
                                 order=2, graph=graph, wrt=names, held=held_without_elements(graph, wrt))
    matrix.cost = cost  # the strategy's sweeps, multiplications and program size, as compare(order=2) counts them
    return matrix


@checked_options
def hessian_sparsity(f: Any, wrt: Sequence[str] | None = None, *, allow_unused: bool = False,
                     **sizes: int) -> Any:
    """The structural nonzeros of the Hessian (wrt x wrt), symmetric, as a ``scipy.sparse`` CSR boolean matrix.

    It is the Jacobian pattern of the gradient's program (:meth:`Program.as_graph`):
    a product ``x*y`` makes the gradient entry of ``x`` depend on ``y``, a sum
    does not, so exactly the second-order interactions appear -- the structure
    the derivation itself uses.

    Examples
    --------
    >>> hessian_sparsity("x^2 + x*y + z", wrt=["x", "y", "z"]).toarray()
    array([[ True,  True, False],
           [ True, False, False],
           [False, False, False]])
    """
    with paused_gc():
        graph, names = second_order(f, wrt, allow_unused, sizes, "hessian_sparsity()")
        return _reverse_pattern(graph, names)


def second_order(f: Any, wrt: Sequence[str] | None, allow_unused: bool, sizes: dict, who: str) -> tuple[Any, list]:
    """The graph and wrt names of a second-derivative call, checked alike for every one (``who`` names the
    call as the user wrote it: ``hessian()``, ``compare(order=2)``).

    One output, and wrt names that are inputs: the gradient's program is
    differentiated again by its inputs, where an intermediate name (``c`` of
    ``c = a + b``) is a node, not an input, so its second derivatives would
    silently come out 0.  A name for an input (``c = x``) is that input, as
    for :func:`symgraph.grad`.
    """
    graph = as_graph(f, **sizes)
    if len(graph.outputs) != 1:
        raise GraphError(f"{who} takes a function with one output; this one has {len(graph.outputs)}")
    names = wrt_names(graph, wrt, allow_unused)
    inputs = set(graph.input_labels) | set(graph.input_nodes)
    op_of, addresses = graph.op_of, graph.addresses
    intermediate = [n for n in names if n in addresses and n not in inputs and addresses[n] is not None
                    and op_of.get(addresses[n]) != "input"]
    if intermediate:
        raise GraphError(f"{who} differentiates by inputs; {', '.join(intermediate)} "
                         f"{'is' if len(intermediate) == 1 else 'are'} intermediate")
    return graph, names


def hessian_cells(names: Sequence[str]) -> list[list[str]]:
    """The result label of every entry (i, j) of the dense Hessian by ``names`` in :func:`hessian_program`'s
    program: the entry on or above the diagonal, read for its mirror below it too."""
    return [[entry_label(x, y) if i <= j else entry_label(y, x) for j, y in enumerate(names)] for i, x in enumerate(names)]


def _strategy(mode: str) -> tuple[str, str]:
    strategy = STRATEGIES.get(mode) if isinstance(mode, str) else None
    if strategy is None:
        raise ArgumentError(f"unknown Hessian mode {shown(mode)}; choose one of {', '.join(STRATEGIES)}")
    return strategy
