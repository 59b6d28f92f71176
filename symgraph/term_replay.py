"""The Hessian of a sum of one term's copies: the first term's sparse Hessian derived once, replayed for every term.

``sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)`` is n - 1 copies of
one term, each the first with its elements moved (the parser says so:
:class:`~symgraph.ir.graph.Copies`).  The Hessian of a sum is the sum of its
terms' Hessians, and each term's Hessian is the first's with the elements
moved.  So the first term's sparse Hessian is derived by the sweeps as any
function's (:func:`~symgraph.hessian.hessian_program`, in the mode asked for).
Its rows are then written again for every term, reading that term's inputs
and writing fresh temporaries.  Rows that read no moved element are written
once.  Last, every entry that several terms reach is the sum of their entries.
No rule of the emitter is applied a second time: the replay only renames.

Derived term by term, the sweeps emit every row of the program in Python
(the emitter's floor, about 13x CasADi).  Replayed, it takes the first term's
sweeps (a few milliseconds) and renaming passes that build each row of the
term for every copy at once, in C (``zip``; a Python loop per copy and row
took 0.48 of 0.76 s).  Rosenbrock, the same machine and run, best of 3-10:
n = 1,000 0.14-0.31 s swept, 12-29 ms replayed; n = 10,000 2.2-2.9 s swept,
0.14-0.30 s replayed, and with ``lambdify(backend="vm")``'s 0.10-0.16 s,
derive + compile is 1.3x CasADi's ``hessian`` + ``Function`` in one run of
``benchmarks/hessian.py`` (a machine loaded by other jobs: 0.43 against 0.33 s).
The program is a few rows longer (109,988 against 99,990 at n = 10,000): a
diagonal entry that two terms reach is ``(2 - t) + 200`` where the sweeps
folded ``202 - t``, and an entry that many terms reach (``a`` and ``b`` of
``sum((y[i] - a*exp(-b*t[i]))^2, ...)``) is added up as a balanced tree.

Used by :func:`~symgraph.hessian` (sparse, and dense: the logistic loss's 4 x 4
Hessian at 10,000 rows said its closed forms were too large after 11.4 s of
sweeps, now after 1.5 s) for sums of at least :data:`REPLAY_FROM` terms, when every term's elements exist, every wrt name is
an input of its own, and a moved input is differentiated in every term or in
none.  Otherwise it returns None, and the sweeps derive the whole sum; so they do when an entry is
reached only by copies that read one element in two places (``x[1]/x[i]`` at i = 1, whose entries cancel:
the sweeps fold them away, the replay's would be nonzeros worth 0).  Below
that size the sweeps take about as long (Rosenbrock at n = 30: 8.4 ms swept,
7.7 ms replayed and compiled) and give the program they fold; so does
:func:`~symgraph.compare`, whose reports are the strategies' own costs on
the whole function.  ``H.cost`` of a replayed
Hessian is the first term's derivation, and its note says so.

Tried and not kept: gradients replayed the same way (the README's logistic
loss over 10,000 rows by w and b: 0.87 -> 0.49 s).  A replayed term's rows
are not the graph's nodes, so ``value_and_grad`` computed the function's
intermediates twice, once as the graph's rows and once as the gradient's;
telling which node of the graph each replayed row is needs the parser to
record every copy's nodes.
"""
from __future__ import annotations

import time
from itertools import repeat
from typing import Any, Callable, Sequence

import numpy as np
import sympy

from .ad.linearised import Counts
from .backends.copies import copy_graph
from .cost import CostReport, mode_cost
from .frontend.coerce import taking_unused, wrt_nodes
from .ir.graph import Graph
from .ir.program import Program
from .names import Namer, entry_label

_ZERO = sympy.Integer(0)

#: the fewest terms whose Hessian is replayed (below, the sweeps over every term take about as long)
REPLAY_FROM = 64


def replayable(graph: Graph) -> bool:
    """Whether ``graph``'s output is a sum of at least :data:`REPLAY_FROM` copies of one term."""
    return graph.copies is not None and graph.copies.join == "add" and graph.copies.count >= REPLAY_FROM


def replayed(graph: Graph, names: Sequence[str], mode: str, derive: Callable, dense: bool = False
             ) -> tuple[Program, list[str], CostReport, Any] | None:
    """``(program, names, cost, pattern)`` of the sparse Hessian of a ``graph`` whose output is a sum of copies
    (``graph.copies.join == "add"``) by the inputs ``names``, as :func:`~symgraph.hessian.hessian_program`
    gives them, or None where the copies are not replayed: results labelled by
    :func:`~symgraph.names.entry_label`, the pattern's entries on and above the diagonal in CSR order, and
    ``pattern`` its ``scipy.sparse`` CSR matrix; with ``dense``, every entry on and above the diagonal (0 off
    the pattern), row by row, and no pattern.  ``derive(term_graph, term_names)`` derives the first term's,
    as that function does with ``sparse=True``."""
    if not replayable(graph):
        return None
    copies, start = graph.copies, time.perf_counter()
    one, _ = copy_graph(graph)
    moved = _moved_inputs(graph, one)
    wrt = wrt_nodes(graph, names)
    position = {node: k for k, node in enumerate(wrt.get(name) for name in names) if node is not None}
    if moved is None or len(position) != len(wrt) or any(graph.op_of.get(node) != "input" for node in position):
        return None  # two wrt names for one node, or an intermediate one: the sweeps derive those
    local = []
    for x in one.input_nodes:
        taken = [node in position for node in moved.get(x, (x,))]
        if any(taken) and not all(taken):
            return None
        if taken[0]:
            local.append(x)
    if not local:
        return None
    labels = one.element_labels or {}
    term, term_names, term_cost, term_pattern = derive(one, [labels.get(x, x) for x in local])
    if term.discardable:
        return None
    upper = [(i, j) for i, j in zip(*(a.tolist() for a in term_pattern.nonzero())) if i <= j]
    entries = [(local[i], local[j], term.results[entry_label(term_names[i], term_names[j])]) for i, j in upper]
    namer = Namer(graph.op_of, graph.addresses)
    rows, refs = _replayed_rows(namer, term, moved, copies.count)
    summed = _summed(graph, namer, rows, refs, entries, moved, position, names, _met(one, moved, copies.count))
    if summed is None:
        return None
    program, pattern = summed
    program = taking_unused(program, graph, names)
    counts = Counts(*(getattr(term_cost[mode], part) or 0 for part in ("multiplications", "additions", "sweeps")))
    if dense:  # every entry on and above the diagonal, as the dense matrix reads them
        results = {label: program.results.get(label, _ZERO)
                   for i, x in enumerate(names) for label in (entry_label(x, y) for y in names[i:])}
        program, pattern = Program(program.inputs, program.instructions, results, graph, program.unused), None
    note = f"one term's Hessian derived ({mode}), replayed for {copies.count:,} terms"
    row = mode_cost(mode, counts, program, time.perf_counter() - start, note=note)
    return program, list(names), CostReport([row], len(names), len(names), note), pattern


def _moved_inputs(graph: Graph, one: Graph) -> dict[str, list[str]] | None:
    """Each input of the first copy that moves -> the input each copy reads in its place; None when an element
    some copy would read does not exist."""
    copies, m = graph.copies, graph.copies.count
    labels = graph.element_labels or {}
    inputs = set(one.input_nodes)
    where = {node: name for name, known in graph.indexed.items() for node in known.nodes.values() if node in inputs}
    out = {}
    for x in one.input_nodes:
        axes = copies.elements.get(labels.get(x, x))
        if axes is None or not any(b for _, b in axes):
            continue
        if x not in where:
            return None
        known = graph.indexed[where[x]].nodes
        each = list(map(known.get, zip(*(range(a, a + b * m, b) if b else repeat(a, m) for a, b in axes))))
        if None in each:
            return None
        out[x] = each
    return out


def _met(one: Graph, moved: dict[str, list[str]], m: int) -> Any:
    """Which copies read one element in two of the term's places (``x[1]/x[i]`` at i = 1): boolean, by copy.

    The sweeps derive such a copy as one element's function (``x[1]/x[1]`` is 1, ``X[1, 1] - X[1, 1]`` is 0) and
    fold its entries that cancel, so an entry that only such copies reach may be none of the sweeps' pattern
    (:func:`~symgraph.hessian_sparsity`'s), while its replay, the first term's entries moved, is a nonzero 0."""
    ids: dict[str, int] = {}
    columns = [np.array([ids.setdefault(v, len(ids)) for v in moved[x]]) if x in moved
               else np.full(m, ids.setdefault(x, len(ids))) for x in one.input_nodes]
    if len(columns) < 2:
        return np.zeros(m, dtype=bool)
    each = np.sort(np.stack(columns, axis=1), axis=1)
    return (each[:, 1:] == each[:, :-1]).any(axis=1)


def _replayed_rows(namer: Namer, term: Program, moved: dict[str, list[str]], m: int
                   ) -> tuple[list[tuple], dict[str, Any]]:
    """``term``'s rows for every copy, renamed, and what each of its names is in the copies: a list of the
    ``m`` names (a row reading a moved input, directly or not; such a row is written once per copy), or the
    one name (a row reading none, written once; an input that does not move).

    Row by row, every copy at once: the row's ``m`` targets, then its arguments zipped in C (a loop per copy
    and row in Python took most of the time: 0.48 of 0.76 s at n = 10,000).  A copy's rows come after those
    they read, as the term's do.
    """
    refs: dict[str, Any] = dict(moved)
    copied = sum(1 for row in term.instructions if _reads_moved(row, refs) and not refs.__setitem__(row[0], None))
    fresh = namer.take("t", copied * m + len(term.instructions) - copied)
    rows: list[tuple] = []
    at = 0
    for target, op, args in term.instructions:
        if refs.get(target, "") is None:  # written once per copy
            names, at = fresh[at:at + m], at + m
            columns = [refs.get(a, a) if a.__class__ is str else a for a in args]
            rows.extend(zip(names, repeat(op), zip(*(c if c.__class__ is list else repeat(c) for c in columns))))
            refs[target] = names
        else:
            refs[target], at = fresh[at], at + 1
            rows.append((refs[target], op, tuple(refs.get(a, a) if a.__class__ is str else a for a in args)))
    return rows, refs


def _reads_moved(row: tuple, refs: dict[str, Any]) -> bool:
    return any(a in refs for a in row[2] if a.__class__ is str)


def _summed(graph: Graph, namer: Namer, rows: list[tuple], refs: dict[str, Any], term_entries: list[tuple],
            moved: dict[str, list[str]], position: dict[str, int], names: Sequence[str], met: Any
            ) -> tuple[Program, Any] | None:
    """The program whose results are the sum's Hessian entries on and above the diagonal (CSR order), and its
    symmetric pattern (``scipy.sparse`` CSR, boolean).  Each entry is the sum of the copies' entries that land
    on it (``term_entries``: the term's ``(x, y, ref)`` by its inputs); their constants are added as numbers.
    None when an entry is reached only by copies the parser may have folded (``met``, see :func:`_met`)."""
    n, m = len(names), len(met)
    codes, found, folded = [], [], []
    for x, y, ref in term_entries:
        ref = refs.get(ref, ref) if ref.__class__ is str else ref
        each = ref if ref.__class__ is list else [ref] * m
        p, q = (np.array([position[v] for v in moved[u]]) if u in moved else np.full(m, position[u]) for u in (x, y))
        codes.append(np.minimum(p, q) * n + np.maximum(p, q))
        found.extend(each)
        folded.append(met)
        if x != y:  # one element read in both places (x[5-k]*x[k+1] at k = 2): counted twice
            twice = np.flatnonzero(p == q)
            codes.append(p[twice] * (n + 1))
            found.extend(each[k] for k in twice.tolist())
            folded.append(met[twice])
    codes = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)  # none: a term linear in the wrt
    order = np.argsort(codes, kind="stable")
    keys, first, which, counts = np.unique(codes[order], return_index=True, return_inverse=True, return_counts=True)
    if codes.size and np.concatenate(folded)[order].any():
        kept = np.zeros(len(keys), dtype=bool)
        kept[which[~np.concatenate(folded)[order]]] = True
        if not kept.all():
            return None
    found = [found[k] for k in order.tolist()]
    labels = _labels(keys.tolist(), names, n)
    results = dict.fromkeys(labels)
    alone = counts == 1  # most entries: one copy's entry, as it is
    for k, start in zip(np.flatnonzero(alone).tolist(), first[alone].tolist()):
        results[labels[k]] = found[start]
    sums = []  # the others: their names, then the sum of their constants (exact sympy numbers)
    for k, start, count in zip(np.flatnonzero(~alone).tolist(), first[~alone].tolist(), counts[~alone].tolist()):
        named, constant = [], _ZERO
        for ref in found[start:start + count]:
            if ref.__class__ is str:
                named.append(ref)
            else:
                constant += ref
        sums.append((k, named, constant))
    fresh = iter(namer.take("t", sum(len(named) - (constant == 0) for _, named, constant in sums if named)))
    for k, named, constant in sums:
        while len(named) > 1:  # added in pairs, a balanced tree: m copies' entries on one are log2(m) deep
            pairs = [(name := next(fresh), "add", tuple(named[i:i + 2])) for i in range(0, len(named) - 1, 2)]
            rows.extend(pairs)
            named = [row[0] for row in pairs] + named[len(named) - len(named) % 2:]
        if named and constant != 0:
            rows.append((name := next(fresh), "add", (named[0], constant)))
            named = [name]
        results[labels[k]] = named[0] if named else constant
    program = Program(graph.input_nodes, rows, results, graph)
    from scipy import sparse  # sparse=True's results are scipy.sparse matrices, as hessian_program's

    i, j = keys // n, keys % n
    pattern = sparse.csr_matrix((np.ones(2 * len(keys), dtype=bool), (np.concatenate([i, j]), np.concatenate([j, i]))),
                                shape=(n, n))
    pattern.sum_duplicates()
    return program, pattern.astype(bool)


def _labels(keys: list[int], names: Sequence[str], n: int) -> list[str]:
    """The :func:`~symgraph.names.entry_label` of each entry ``i*n + j``."""
    return [entry_label(names[key // n], names[key % n]) for key in keys]
