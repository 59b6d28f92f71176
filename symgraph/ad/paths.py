"""Path sum: multiply the edge derivatives along every wrt -> output path, add over paths.

Kept for teaching and cross-checking: its cost grows with the number of paths,
which is exponential in depth for layered graphs.  Prefix products are shared along the depth-first walk.  Paths are counted first by
dynamic programming (cheap at any size) and enumeration is refused with
:class:`~symgraph.errors.PathLimitError` above ``limit``.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import sympy

from ..ir.listing import count_text
from ..errors import PathLimitError
from ..frontend.coerce import as_graph, present, wrt_names
from ..ir.graph import Graph
from .linearised import Linearised, SweepResult, annotate_edges

#: Default largest number of paths :func:`paths` will enumerate.
PATH_LIMIT = 10_000


def count_paths(lin: Linearised, source: str, target: str) -> int:
    """Number of directed paths from ``source`` to ``target`` (exact big integer)."""
    if source not in lin.index or target not in lin.index:
        return 0
    count = {source: 1}
    for v in lin.descendants(source):
        count[v] = sum(count.get(u, 0) for u in lin.preds[v])
        if v == target:
            break
    return count.get(target, 0)


def count_through(order: Iterable[str], preds: Mapping[str, Iterable[str]], outputs: Sequence[str],
                  wrt: Sequence[str]) -> int:
    """Number of (wrt, output, path) triples, exact, in one pass over a topological ``order``.

    ``through[v]`` counts the paths from any wrt node to ``v`` (a wrt node
    starts one of its own, even when another reaches it), so the total is the
    sum over the outputs: linear in the graph, where counting pair by pair
    (:func:`count_paths`) is inputs x graph.
    """
    starts = set(wrt)
    through: dict[str, int] = {}
    for v in order:
        through[v] = (v in starts) + sum(through[u] for u in preds[v])
    return sum(through.get(y, 0) for y in dict.fromkeys(outputs))


def total_paths(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> int:
    return count_through(lin.order, lin.preds, outputs, wrt)


def paths(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str], limit: int = PATH_LIMIT) -> SweepResult:
    total = total_paths(lin, outputs, wrt)
    if total > limit:
        raise PathLimitError(f"the graph has {count_text(total)} input-output paths, more than the limit of {limit:,}; "
                             "use mode='reverse' or 'forward' (they merge paths), or raise limit=")
    derivatives = {}
    for y in dict.fromkeys(outputs):
        ancestors = set(lin.ancestors(y))
        for x in dict.fromkeys(wrt):
            if x not in ancestors:
                derivatives[(y, x)] = 0
                continue
            acc = None
            # iterative depth-first enumeration: (node, product of edges so far)
            stack = [(x, 1)]
            while stack:
                v, product = stack.pop()
                if v == y:
                    acc = lin.add(acc, product)
                    continue
                for w in reversed(lin.succs[v]):
                    if w in ancestors:
                        stack.append((w, lin.mul(product, lin.local(v, w))))
            derivatives[(y, x)] = 0 if acc is None else acc
    return SweepResult(derivatives, lin.counts, paths=total)


class GraphPath(NamedTuple):
    """One wrt -> output path: its nodes, each edge's local derivative and their product.

    ``derivatives`` and ``product`` are sympy expressions in node symbols
    (``∂e/∂c = d``); ``values`` and ``value`` are their numbers at the point
    given to :func:`list_paths` (None without one).
    """

    nodes: tuple[str, ...]
    derivatives: tuple[sympy.Expr, ...]
    product: sympy.Expr
    values: tuple[float, ...] | None = None
    value: float | None = None


def list_paths(f: Any, wrt: Sequence[str] | str | None = None, *, at: Mapping[str, float] | None = None,
               limit: int = 100, allow_unused: bool = False) -> list[GraphPath]:
    """Every path from a wrt node to an output, with its edge derivatives and their product.

    The path sum's terms, one by one, for teaching: summed over the paths
    from x to y they give dy/dx.  For small graphs only; more than ``limit``
    paths (counted first, exactly) raise :class:`~symgraph.errors.PathLimitError`.

    Examples
    --------
    >>> import symgraph as sg
    >>> for p in sg.paths("c = a + b; d = b + 1; e = c * d", at={"a": 2, "b": 1}):
    ...     print(" -> ".join(p.nodes), p.derivatives, p.product, p.value)
    a -> c -> e (1, d) d 2.0
    b -> c -> e (1, d) d 2.0
    b -> d -> e (1, c) c 3.0
    """

    graph = annotate_edges(as_graph(f))
    names = present(graph, wrt_names(graph, wrt, allow_unused))
    total = count_through(graph.order, graph.nx.pred, graph.outputs, names)
    if total > limit:
        raise PathLimitError(f"the graph has {count_text(total)} input-output paths, more than the limit of {limit:,} "
                             "for listing them; raise limit= or use sg.compare for the count")
    values = None
    if at is not None:
        numbers = graph.evaluate(**at)
        values = {sympy.Symbol(node): number for node, number in numbers.items()}
    edges = graph.nx.edges
    found = []
    for y in dict.fromkeys(graph.outputs):
        for x in names:
            stack = [(x,)]
            while stack:  # iterative depth-first walk, successors in order
                walk = stack.pop()
                if walk[-1] == y:
                    found.append(_path(walk, edges, values))
                    continue
                stack.extend(walk + (w,) for w in reversed(list(graph.nx.succ[walk[-1]])))
    return found


def _path(nodes: tuple[str, ...], edges, values: Mapping | None) -> GraphPath:
    derivatives = tuple(edges[u, v]["derivative"] for u, v in zip(nodes, nodes[1:]))
    product = sympy.Mul(*derivatives)
    if values is None:
        return GraphPath(nodes, derivatives, product)
    numbers = tuple(float(d.xreplace(values)) for d in derivatives)
    return GraphPath(nodes, derivatives, product, numbers, float(product.xreplace(values)))


def count_all_paths(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> int:
    """Number of (wrt, output, path) triples, exact, in one pass over the graph (see ``count_through``).

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("c = a + b; d = b + 1; e = c * d")
    >>> count_all_paths(g, g.outputs, ["a", "b"])
    3
    """
    return count_through(graph.order, graph.nx.pred, outputs, wrt)
