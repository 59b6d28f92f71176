"""Path sum: multiply the edge derivatives along every wrt -> output path, add over paths.

Kept for teaching and cross-checking: its cost grows with the number of paths,
which is exponential in depth for layered graphs.  Prefix products are shared
along the depth-first walk.  Paths are counted first by dynamic programming
(:func:`total_paths`, cheap at any size; :func:`symgraph.compare` shows the
count) and enumeration is refused with :class:`~symgraph.errors.PathLimitError`
above ``limit`` paths, or above ``EDGES_PER_PATH * limit`` edges along them
(:func:`path_limit_error`): a tower ``x^x^...^x`` of depth N has only N paths
but N^2/2 edges on them, and 2,000 levels took 8 s before the edges counted.
:func:`list_paths` (``sg.paths``) lists the terms one by one.  Listing the one path of a 10,000-deep
``sin(sin(...x))`` took 2.6-4.4 s on a loaded machine, nearly all in sympy's evaluation of the 10,000
cosines that are its edge derivatives; a function of one plain symbol is now built unevaluated once sympy is
seen to leave such a call alone (:func:`symgraph.constants.build_sympy`): 0.9-1.7 s, the same expressions.
"""
from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np
import sympy

from ..options import checked_options
from ..errors import ArgumentError, PathLimitError, shown
from ..frontend.coerce import as_graph, present, wrt_names
from ..ir.graph import Graph
from ..ir.interpret import branch_only
from ..ir.listing import count_text, cut_listing
from ..names import drawn_names, drawn_symbols
from .linearised import Adjacency, Linearised, SweepResult, edge_derivative

#: Default largest number of paths :func:`paths` will enumerate.
PATH_LIMIT = 10_000
#: the edges along the paths allowed per path of the limit (on average): 200,000 by default, about a second
EDGES_PER_PATH = 20

#: repr() of the paths :func:`list_paths` found writes at most this many, the first and the last halves ...
PATH_LINES = 20
#: ... and of each path at most this many nodes, edge derivatives and values, the first and the last halves
#: (one path of a 2,000-step chain wrote 60 kB) ...
PATH_ITEMS = 10
#: ... and a product of more nodes than this as its number of factors
PRODUCT_NODES = 100


def count_paths(adj: Adjacency, source: str, target: str) -> int:
    """Number of directed paths from ``source`` to ``target`` (exact big integer)."""
    if source not in adj.index or target not in adj.index:
        return 0
    count = {source: 1}
    for v in adj.descendants(source):
        count[v] = sum(count.get(u, 0) for u in adj.preds[v])
        if v == target:
            break
    return count.get(target, 0)


def total_paths(adj: Adjacency, outputs: Sequence[str], wrt: Sequence[str]) -> int:
    """Number of (wrt, output, path) triples, exact, in one pass over the topological order.

    ``through[v]`` counts the paths from any wrt node to ``v`` (a wrt node
    starts one of its own, even when another reaches it), so the total is the
    sum over the outputs: linear in the graph, where counting pair by pair
    (:func:`count_paths`) is inputs x graph.
    """
    return path_totals(adj, outputs, wrt)[0]


def path_totals(adj: Adjacency, outputs: Sequence[str], wrt: Sequence[str]) -> tuple[int, int]:
    """``(paths, edges)``: :func:`total_paths` and the number of edges along those paths, summed (exact).

    ``edges_to[v]`` sums the lengths of the paths counted by ``through[v]``:
    each path into an operand ``u`` grows by the edge ``u -> v``.  The edges
    bound what enumerating the paths multiplies (prefixes the walk shares
    are counted once per path).
    """
    starts, preds = set(wrt), adj.preds
    through: dict[str, int] = {}
    edges_to: dict[str, int] = {}
    for v in adj.order:
        operands = preds[v]
        through[v] = (v in starts) + sum(through[u] for u in operands)
        edges_to[v] = sum(edges_to[u] + through[u] for u in operands)
    ends = dict.fromkeys(outputs)
    return sum(through.get(y, 0) for y in ends), sum(edges_to.get(y, 0) for y in ends)


def path_limit_error(adj: Adjacency, outputs: Sequence[str], wrt: Sequence[str], limit: int,
                     advice: str) -> tuple[int, PathLimitError | None]:
    """``(paths, error)``: the count of paths, and the error to raise when enumerating them passes ``limit``
    paths or ``EDGES_PER_PATH * limit`` edges along them (else None); ``advice`` ends its message.

    The one place every path limit is read (``paths(limit=)``, ``grad(mode="paths", limit=)``,
    ``compare(path_limit=)``), so it checks it: a non-negative integer.
    """
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
        raise ArgumentError(f"a path limit is a non-negative integer (the most paths to enumerate), got "
                            f"{type(limit).__name__} {shown(limit, 40)}")
    count, edges = path_totals(adj, outputs, wrt)
    if count > limit:
        problem = f"the graph has {count_text(count)} input-output paths, more than the limit of {limit:,}"
    elif edges > EDGES_PER_PATH * limit:
        problem = (f"the graph's {count_text(count)} input-output paths have {count_text(edges)} edges along them, "
                   f"more than {EDGES_PER_PATH} per path of the limit of {limit:,} ({EDGES_PER_PATH * limit:,})")
    else:
        return count, None
    error = PathLimitError(f"{problem}; {advice}")
    error.problem = problem  # without the advice, which names Python keywords: the command line gives its own
    return count, error


def count_all_paths(graph: Graph, outputs: Sequence[str], wrt: Sequence[str]) -> int:
    """:func:`total_paths` on a graph: (wrt, output, path) triples, counted without enumerating them.

    Examples
    --------
    >>> import symgraph as sg
    >>> g = sg.parse("c = a + b; d = b + 1; e = c * d")
    >>> count_all_paths(g, g.outputs, ["a", "b"])
    3
    """
    return total_paths(Adjacency(graph), outputs, wrt)


def paths(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str], limit: int = PATH_LIMIT) -> SweepResult:
    total, error = path_limit_error(lin, outputs, wrt, limit,
                                    "use mode='reverse' or 'forward' (they merge paths), or raise limit=")
    if error is not None:
        raise error
    derivatives = {}
    trace = lin.trace
    position = {x: k for k, x in enumerate(dict.fromkeys(wrt))}
    for y in dict.fromkeys(outputs):
        ancestors = set(lin.ancestors(y))
        # the wrt nodes y depends on, in wrt order, found among y's ancestors: an entry is stored only where a path
        # exists (as every sweep stores them), and n functions of one input each are not n x n lookups
        for x in sorted((x for x in ancestors if x in position), key=position.__getitem__):
            acc = None
            # iterative depth-first enumeration: (node, product of edges so far, the path as a linked
            # list (node, product, rest), which an observer reads: one small tuple per product formed)
            stack = [(x, 1, (x, 1, None))]
            while stack:
                v, product, walk = stack.pop()
                if v == y:
                    acc = lin.add(acc, product)
                    if trace is not None:
                        trace.path(walk)
                    continue
                for w in reversed(lin.succs[v]):
                    if w in ancestors:
                        p = lin.mul(product, lin.local(v, w))
                        stack.append((w, p, (w, p, walk)))
            if acc is not None:
                derivatives[(y, x)] = acc
    return SweepResult(derivatives, lin.counts, paths=total)


def edge_values(graph: Graph, point: Mapping[str, Any]) -> dict[tuple[str, str], float]:
    """Every edge's local derivative ∂v/∂u at one point (node name -> number), as NumPy computes it (sqrt's at 0
    is inf, with NumPy's warning): the numbers :func:`list_paths` and the drawings write on edges."""
    return _edge_and_path_values(graph, point, ())[0]


def _edge_and_path_values(graph: Graph, point: Mapping[str, Any], walks: Sequence[tuple[str, ...]]
                          ) -> tuple[dict[tuple[str, str], float], list[float]]:
    """:func:`edge_values`, and the product along each of ``walks`` (node tuples), as the path sum forms it.

    Why the products from the program and not the edges' numbers multiplied: the path sum's emitter cancels
    d*(a/d) as sympy does (sqrt(x)*exp(sqrt(x)) at x = 0: the path through exp is (1/(2*sqrt(x)))*exp(sqrt(x))*
    sqrt(x) = exp(sqrt(x))/2, 1/2, where inf*1*0 is nan), so a path's value is its product's, and the values
    add up to the derivative every mode gives."""
    lin = Linearised(graph)
    edges = graph.edges()
    # an edge into a node a where() may discard is discarded with it: its nan is as quiet as the node's value
    branch = branch_only(list(graph.rows()), graph.outputs)
    results = {f"{i}": lin.local(u, v) for i, (u, v) in enumerate(edges)}
    for k, walk in enumerate(walks):
        product = 1
        for edge in zip(walk, walk[1:]):
            product = lin.mul(product, lin.local(*edge))
        results[f"p{k}"] = product
    program = lin.emitter.program(graph.input_nodes, results,
                                  discardable=[f"{i}" for i, (_, v) in enumerate(edges) if v in branch])
    values = program.evaluate(**point)
    return ({edge: values[f"{i}"] for i, edge in enumerate(edges)},
            [float(values[f"p{k}"]) for k in range(len(walks))])


class GraphPath(NamedTuple):
    """One wrt -> output path: its nodes, each edge's local derivative and their product.

    ``nodes`` are named as the pictures and listings name them (an element
    ``x[0]``, an unnamed output ``f``: :func:`~symgraph.names.drawn_names`),
    and so are the symbols of ``derivatives`` and ``product``, sympy
    expressions (``∂e/∂c = d``); ``values`` and ``value`` are their numbers
    at the point given to :func:`list_paths` (None without one).
    """

    nodes: tuple[str, ...]
    derivatives: tuple[sympy.Expr, ...]
    product: sympy.Expr
    values: tuple[float, ...] | None = None
    value: float | None = None

    def __repr__(self) -> str:
        """As a named tuple writes itself, each long tuple cut to its first and last :data:`PATH_ITEMS` items
        and a large product to its size: one short line whatever the path."""
        return (f"GraphPath(nodes={_items(self.nodes)}, derivatives={_items(self.derivatives)}, "
                f"product={_product(self.product)}, values={_items(self.values)}, value={self.value!r})")


def _items(items: tuple | None) -> str:
    """``repr(items)``, or past :data:`PATH_ITEMS` items the first and last halves around a count of the rest."""
    if items is None or len(items) <= PATH_ITEMS:
        return repr(items)
    half = PATH_ITEMS // 2
    return (f"({', '.join(map(repr, items[:half]))}, ...{len(items) - 2 * half:,} more..., "
            f"{', '.join(map(repr, items[-half:]))})")


def _product(product: sympy.Expr) -> str:
    """``repr(product)`` when it has at most :data:`PRODUCT_NODES` nodes, else its number of factors."""
    if sum(1 for _ in zip(range(PRODUCT_NODES + 1), sympy.preorder_traversal(product))) <= PRODUCT_NODES:
        return repr(product)
    return f"<a product of {len(product.args) if product.is_Mul else 1:,} factors>"


class Paths(list):
    """The :class:`GraphPath` terms :func:`list_paths` found: a list, whose repr writes at most
    :data:`PATH_LINES` of them (the first and the last) and one line counting the rest."""

    def __repr__(self) -> str:
        if len(self) <= PATH_LINES:
            return super().__repr__()
        forwards, backwards = (f"{p!r}," for p in self), (f"{p!r}," for p in reversed(self))
        return "[" + cut_listing(forwards, backwards, len(self), PATH_LINES, "paths[k] is each one") + "]"


@checked_options(name="paths")
def list_paths(f: Any, wrt: Sequence[str] | str | None = None, *, at: Mapping[str, float] | None = None,
               limit: int = 100, allow_unused: bool = False, **sizes: int) -> Paths:
    """Every path from a wrt node to an output, with its edge derivatives and their product.

    The path sum's terms, one by one, for teaching: summed over the paths
    from x to y they give dy/dx.  For small graphs only; more than ``limit``
    paths (counted first, exactly) raise :class:`~symgraph.errors.PathLimitError`.
    The list (:class:`Paths`) and each path print bounded, long ones cut.

    Examples
    --------
    >>> import symgraph as sg
    >>> for p in sg.paths("c = a + b; d = b + 1; e = c * d", at={"a": 2, "b": 1}):
    ...     print(" -> ".join(p.nodes), p.derivatives, p.product, p.value)
    a -> c -> e (1, d) d 2.0
    b -> c -> e (1, d) d 2.0
    b -> d -> e (1, c) c 3.0
    """

    graph = as_graph(f, **sizes)
    adj = Adjacency(graph)
    names = present(graph, wrt_names(graph, wrt, allow_unused))
    _, error = path_limit_error(adj, graph.outputs, names, limit,
                                "raise limit= to list them, or use sg.compare for the count")
    if error is not None:
        raise error
    walks = []
    for y in dict.fromkeys(graph.outputs):
        for x in names:
            stack = [(x,)]
            while stack:  # iterative depth-first walk, successors in order
                walk = stack.pop()
                if walk[-1] == y:
                    walks.append(walk)
                    continue
                stack.extend(walk + (w,) for w in reversed(adj.succs[walk[-1]]))
    # the edges' numbers at the point (checked), as NumPy computes them: sympy's sqrt(0)' is zoo, no float
    values, products = (None, [None] * len(walks)) if at is None else _edge_and_path_values(
        graph, graph.one_point(at, "paths"), walks)
    derivatives: dict[tuple[str, str], sympy.Expr] = {}
    labels, renamed = drawn_names(graph), drawn_symbols(graph)  # x[0] and f, as the pictures write them
    return Paths(_path(graph, walk, derivatives, values, product, labels, renamed)
                 for walk, product in zip(walks, products))


def _path(graph: Graph, nodes: tuple[str, ...], derivatives: dict, values: Mapping | None,
          value: float | None, labels: Mapping[str, str], renamed: Mapping) -> GraphPath:
    """The path's :class:`GraphPath`; ``derivatives`` caches each edge's, shared by the paths through it;
    ``values``: each edge's number and ``value`` the path's product (:func:`_edge_and_path_values`), or None;
    ``labels`` and ``renamed``: the nodes' and their symbols' names in pictures, where they differ."""
    for edge in zip(nodes, nodes[1:]):
        if edge not in derivatives:
            local = edge_derivative(graph, *edge)
            derivatives[edge] = local.xreplace(renamed) if renamed else local
    local = tuple(derivatives[edge] for edge in zip(nodes, nodes[1:]))
    product = sympy.Mul(*local)
    named = tuple(labels.get(node, node) for node in nodes)
    if values is None:
        return GraphPath(named, local, product)
    numbers = tuple(values[edge] for edge in zip(nodes, nodes[1:]))
    # a path into a branch where() does not take is selected away, never 0 * nan, as the sweeps select adjoints
    untaken = any(number == 0 and graph.op(v) == "where" for (_, v), number in zip(zip(nodes, nodes[1:]), numbers))
    return GraphPath(named, local, product, numbers, 0.0 if untaken else value)
