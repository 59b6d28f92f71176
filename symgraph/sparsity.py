"""Exact structural sparsity of Jacobians and Hessians, as ``scipy.sparse`` boolean matrices.

A derivative d y / d x is structurally nonzero when some path from ``x`` to
``y`` has no edge whose local derivative is identically 0 (``floor``,
``sign``, a comparison, the condition of a ``where``).  One pass over the
graph in topological order carries, for every node, the set of wrt inputs it
depends on as a Python integer used as a bit set (an OR per edge, in C), so
the pattern costs one sweep, not one per input.  Each set is kept as a window
(shifted to its lowest position, :func:`dependencies`), so an OR costs the
span of the inputs it joins: linear for banded functions, not quadratic.

The Hessian's pattern (:func:`symgraph.hessian.hessian_sparsity`) is the
Jacobian pattern of the gradient's program.
"""
from __future__ import annotations

from typing import Any, Collection, Iterable, Mapping, Sequence

import numpy as np

from . import ops
from .errors import optional_module
from .options import checked_options
from .frontend.coerce import as_graph, wrt_names, wrt_nodes
from .ir.graph import Graph


class _Refuse:
    """A builder that builds nothing: a partial rule that never calls it is a constant."""

    @staticmethod
    def op(*_):
        raise LookupError


def _zero_slots(row: ops.Op, arity: int) -> tuple[bool, ...]:
    """For each operand slot: is the row's partial there identically 0 (its rule returns the constant 0)?"""
    out, operands = object(), [object() for _ in range(arity)]
    if arity > row.arity:  # the many-operand rule gives every slot at once
        try:
            every = row.many(_Refuse, out, *operands)
        except LookupError:
            return (False,) * arity
        return tuple(value.__class__ in (int, float) and value == 0 for value in every)
    zero = []
    for slot in range(arity):
        try:
            value = row.partials[slot](_Refuse, out, *operands)
        except LookupError:
            zero.append(False)
            continue
        zero.append(value.__class__ in (int, float) and value == 0)
    return tuple(zero)


def dependencies(graph: Graph, wrt_nodes_: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    """``(low, mask)``: node -> the ``wrt_nodes_`` positions whose derivative can reach it, as the bit set
    ``mask << low[node]`` (bit k: wrt k); ``low`` holds only the nodes with a nonzero mask.

    The mask is kept shifted to its lowest position (a window), so an OR
    costs the span of the positions it joins, not the highest one: with plain
    bit sets, node ``k`` of a banded function (Rosenbrock) carried an integer of
    ``k`` bits and the pass grew as n^2 / 30 (0.010 s at n = 1,000, 0.19-0.34 s
    at 10,000 on the Hessian's pattern); with windows it is linear.  A dense
    function's windows span every position, as the plain sets did.
    """
    position = {node: k for k, node in enumerate(wrt_nodes_)}
    low: dict[str, int] = {}
    mask: dict[str, int] = {}
    zero_cache: dict[tuple[str, int], tuple[bool, ...]] = {}
    get = low.get
    for node, op, args in graph.rows():
        at = position.get(node)
        acc = 0 if at is None else 1
        if op != "input" and op != "const":
            key = (op, len(args))
            zero = zero_cache.get(key)
            if zero is None:
                zero = zero_cache[key] = _zero_slots(ops.OPS[op], len(args))
            for slot, a in enumerate(args):
                if a.__class__ is str and not zero[slot]:
                    other = get(a)
                    if other is None:  # no wrt reaches a
                        continue
                    if not acc:
                        at, acc = other, mask[a]
                    elif other >= at:
                        acc |= mask[a] << (other - at)
                    else:
                        acc = (acc << (at - other)) | mask[a]
                        at = other
        mask[node] = acc
        if acc:
            low[node] = at
    return low, mask


def _columns(low: int, mask: int) -> list[int]:
    """The positions of the bit set ``mask << low``, ascending."""
    out = []
    while mask:
        bit = mask & -mask
        out.append(low + bit.bit_length() - 1)
        mask ^= bit
    return out


def _matrix(rows: list[list[int]], width: int) -> Any:
    """A CSR boolean matrix whose row r has its entries in the columns ``rows[r]`` (ascending)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    return _csr(np.fromiter((j for r in rows for j in r), dtype=np.int64, count=int(indptr[-1])), indptr, width)


def _csr(indices: Any, indptr: Any, width: int) -> Any:
    """The CSR boolean matrix of these ``indices`` (int64, each row's ascending) and row pointers ``indptr``."""
    sparse = optional_module("scipy.sparse", "a sparsity pattern (a scipy.sparse matrix)")
    data = np.ones(len(indices), dtype=bool)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, width))


def _zero_edges(graph: Graph) -> bool:
    """Whether an op of ``graph`` has a slot whose partial is identically 0 (at its number of operands).

    The built-in ops of a fixed number of operands are told by their set alone (in C); the others'
    numbers of operands are read row by row."""
    kinds = set(graph.op_of.values())
    kinds.difference_update(("input", "const"))
    rows = [ops.OPS[op] for op in kinds]
    if all(row.many is None and row.name not in ops.USER for row in rows):
        return any(any(_zero_slots(row, row.arity)) for row in rows)
    shapes = set(zip(graph.op_of.values(), map(len, graph.operands_of.values())))
    return any(any(_zero_slots(ops.OPS[op], arity)) for op, arity in shapes if op != "input" and op != "const")


def swept_pattern(graph: Graph, names: Sequence[str], nodes: Mapping[str, str],
                  entries: Collection[tuple[str, str]]) -> Any:
    """:func:`jacobian_sparsity` of ``graph`` by ``names`` read off the ``(output, wrt node)`` entries of its
    forward sweeps, for a caller whose sweeps dropped no tangent (none came out exactly 0); None where a
    slot's partial is identically 0 (``floor``), which the sweeps pass but the structure does not.

    Then a sweep's tangents are the nodes its input reaches, and the entries are the
    pattern: reading them, not a second pass over the graph, made the sparse Hessian
    of Rosenbrock's pattern 91-98 ms -> 7-8 ms at n = 10,000 (7 -> 0.7-1 ms at 1,000).
    ``nodes``: wrt name -> its node (:func:`~symgraph.frontend.coerce.wrt_nodes`); the
    entries come sweep by sweep, in the order of ``names``.
    """
    if _zero_edges(graph):
        return None
    outputs, width = graph.outputs, len(names)
    row_of = dict(zip(outputs, range(len(outputs))))
    column_of: dict[str, int] = {}
    for j, name in enumerate(names):
        node = nodes.get(name)
        if node is not None:
            column_of.setdefault(node, j)
    if len(row_of) < len(outputs) or len(column_of) < len(nodes):  # an output twice, or an alias: row by row
        return _matrix(_entry_rows(outputs, names, nodes, entries), width)
    ys, xs = zip(*entries) if entries else ((), ())
    at = np.fromiter(map(row_of.__getitem__, ys), dtype=np.int64, count=len(ys))
    columns = np.fromiter(map(column_of.__getitem__, xs), dtype=np.int64, count=len(xs))
    indptr = np.zeros(len(outputs) + 1, dtype=np.int64)
    np.cumsum(np.bincount(at, minlength=len(outputs)), out=indptr[1:])
    return _csr(columns[np.argsort(at, kind="stable")], indptr, width)  # each row's columns ascend, as sweeps do


def _entry_rows(outputs: Sequence[str], names: Sequence[str], nodes: Mapping[str, str],
                entries: Iterable[tuple[str, str]]) -> list[list[int]]:
    """Each output's columns (ascending) among ``(output, wrt node)`` entries: a repeated output has its
    node's columns in each of its rows, a node named twice (an alias) its entries in both columns."""
    rows_of: dict[str, list[int]] = {}
    for i, y in enumerate(outputs):
        rows_of.setdefault(y, []).append(i)
    columns_of: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        node = nodes.get(name)
        if node is not None:
            columns_of.setdefault(node, []).append(j)
    rows: list[list[int]] = [[] for _ in outputs]
    for y, x in entries:
        for i in rows_of[y]:
            rows[i] += columns_of[x]
    return [sorted(row) for row in rows]


@checked_options
def jacobian_sparsity(fs: Any, wrt: Sequence[str] | None = None, *, allow_unused: bool = False,
                      **sizes: int) -> Any:
    """The structural nonzeros of the Jacobian (outputs x wrt) as a ``scipy.sparse`` CSR boolean matrix.

    Examples
    --------
    >>> jacobian_sparsity(["x*y", "z + floor(x)"], wrt=["x", "y", "z"]).toarray()
    array([[ True,  True, False],
           [False, False,  True]])
    """
    graph = as_graph(fs, **sizes)
    names = wrt_names(graph, wrt, allow_unused)
    nodes = wrt_nodes(graph, names)
    order = [nodes.get(n) for n in names]
    distinct = list(dict.fromkeys(o for o in order if o is not None))
    low, mask = dependencies(graph, distinct)
    if order == distinct:  # each wrt name its own node: position k is column k
        return _matrix([_columns(low.get(y, 0), mask.get(y, 0)) for y in graph.outputs], len(names))
    position = {node: k for k, node in enumerate(distinct)}
    columns: dict[int, list[int]] = {}  # an absent name has no columns; an alias repeats its node's column
    for j, node in enumerate(order):
        if node is not None:
            columns.setdefault(position[node], []).append(j)
    rows = [sorted(j for k in _columns(low.get(y, 0), mask.get(y, 0)) for j in columns[k]) for y in graph.outputs]
    return _matrix(rows, len(names))
