"""Exact structural sparsity of Jacobians and Hessians, as ``scipy.sparse`` boolean matrices.

A derivative d y / d x is structurally nonzero when some path from ``x`` to
``y`` has no edge whose local derivative is identically 0 (``floor``,
``sign``, a comparison, the condition of a ``where``).  One pass over the
graph in topological order carries, for every node, the set of wrt inputs it
depends on as a Python integer used as a bit set (an OR per edge, in C), so
the pattern costs one sweep, not one per input.

The Hessian's pattern (:func:`symgraph.hessian.hessian_sparsity`) is the
Jacobian pattern of the gradient's program.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import ops
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
    zero = []
    for slot in range(arity):
        rule = row.many if arity > row.arity else None
        try:
            value = rule(_Refuse, out, slot, *operands) if rule else row.partials[slot](_Refuse, out, *operands)
        except LookupError:
            zero.append(False)
            continue
        zero.append(value.__class__ in (int, float) and value == 0)
    return tuple(zero)


def dependencies(graph: Graph, wrt_nodes_: Sequence[str]) -> dict[str, int]:
    """Node -> bit set of the ``wrt_nodes_`` positions whose derivative can reach it (bit k: wrt k)."""
    bit = {node: 1 << k for k, node in enumerate(wrt_nodes_)}
    deps: dict[str, int] = {}
    zero_cache: dict[tuple[str, int], tuple[bool, ...]] = {}
    for node, op, args in graph.rows():
        acc = bit.get(node, 0)
        if op != "input" and op != "const":
            key = (op, len(args))
            zero = zero_cache.get(key)
            if zero is None:
                zero = zero_cache[key] = _zero_slots(ops.OPS[op], len(args))
            for slot, a in enumerate(args):
                if a.__class__ is str and not zero[slot]:
                    acc |= deps[a]
        deps[node] = acc
    return deps


def _matrix(rows: list[int], width: int) -> Any:
    """A CSR boolean matrix whose row r has the bits of ``rows[r]``."""
    from scipy import sparse
    indptr, indices = [0], []
    for mask in rows:
        k = 0
        while mask:
            low = mask & -mask
            k = low.bit_length() - 1
            indices.append(k)
            mask ^= low
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=bool)
    return sparse.csr_matrix((data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
                             shape=(len(rows), width))


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
    deps = dependencies(graph, [n for n in dict.fromkeys(o for o in order if o is not None)])
    position = {node: k for k, node in enumerate(dict.fromkeys(o for o in order if o is not None))}
    if order == list(position):  # each wrt name its own node: bit k is column k
        return _matrix([deps.get(y, 0) for y in graph.outputs], len(names))
    columns: dict[int, list[int]] = {}  # an absent name has no bits; an alias repeats its node's column
    for j, node in enumerate(order):
        if node is not None:
            columns.setdefault(position[node], []).append(j)
    rows = []
    for y in graph.outputs:
        mask, out = deps.get(y, 0), 0
        while mask:
            low = mask & -mask
            for j in columns[low.bit_length() - 1]:
                out |= 1 << j
            mask ^= low
        rows.append(out)
    return _matrix(rows, len(names))
