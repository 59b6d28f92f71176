"""Where rows and columns go: the layered layout's placement (layering, ordering, rows), Sugiyama's.

Apart from :mod:`~symgraph.export.layout`, which turns the places into the
scene a picture paints, because this is the algorithm itself, working on
items in columns and their sizes:

* nodes go in layers left to right, each as early or as late as possible,
  whichever makes edges span fewer layers (an input sits beside its first
  use), and each output's outgoing edge ends in a sink one layer further right;
* between two node columns lies a *label column*: every edge crossing it
  takes one row there, holding its label (values, adjoints, local
  derivatives) or, for an unlabelled edge or a long edge's later columns,
  a bend point.  Long edges also take a row in every node column they cross
  (Sugiyama's virtual nodes);
* rows within a column are ordered by barycentre sweeps and adjacent
  exchanges (crossing reduction), then placed by weighted least squares:
  each column in turn is pulled towards its neighbours' rows, keeping every
  row's minimum clearance (isotonic regression, pool adjacent violators);
* an edge runs straight across every column it crosses at its own row, and
  slants only in the gaps between columns, where nothing else is placed;
* the rows of a call of a text definition stay together in every column
  and get an outline of their own, band by band (:func:`_outlines`); a
  folded sum (``walk(..., fold_sums=True)``) is a bar its terms meet level.

So labels never sit on labels, nodes or arrowheads, and no edge runs through
a label, by construction rather than by searching for free spots: a label's
row in its column is as exclusive as a node's.  The gaps widen with the
slopes they must carry, so edges stay readable.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from .layout_sizes import (BAR_INSET, CALL_GAP, CALL_NEST, CALL_PAD, CROSSING_PASSES, EDGE_GAP, GAP_IN, GAP_OUT,
                           LABEL_GAP, MAX_GAP, MIN_COLUMN, NODE_GAP, ROW_PASSES, SLANT, Point, Shape, _label_size,
                           node_shape)
from .text import EdgeLabel, NodeLabel, edge_texts

if TYPE_CHECKING:
    import networkx as nx


def _place(nodes: Sequence[NodeLabel], edges: Sequence[EdgeLabel], calls: dict | None = None,
           room: tuple[float, float] | None = None, label: tuple[float, float] | None = None) -> tuple[
        dict[Any, Point], dict[tuple[str, str], list[Point]], dict[tuple[str, str], Point], dict[str, Shape],
        dict[int, list[Point]]]:
    """Positions of the nodes, each edge's route (centre, column crossings..., centre), each label's centre,
    the nodes' outlines (:func:`node_shape`, a bar as tall as the labels of the edges it meets) and the
    calls' outlines (:func:`_outlines`).  ``room`` and ``label``: see :func:`~symgraph.export.layout.spaced_layout`."""
    shapes = {node.name: node_shape(node) for node in nodes}
    sinks = {node.name for node in nodes if node.shape == "none"}
    import networkx as nx  # with the first picture, as the graph's own view (symgraph.ir.graph)
    g = nx.DiGraph()
    g.add_nodes_from(node.name for node in nodes if node.name not in sinks)
    g.add_edges_from((e.source, e.target) for e in edges if e.target not in sinks)
    depth = _layers(g)
    for edge in edges:  # a sink, one layer right of the output it leaves
        if edge.target in sinks:
            depth[edge.target] = depth[edge.source] + 1
    # items: nodes (their names) in even columns 2d; an edge's rows ("row", u, v, column) in the columns between
    size: dict[Any, tuple[float, float]] = {name: (2 * shapes[name][1], 2 * shapes[name][2]) for name in depth}
    if room is not None:
        size = {name: (max(w, room[0]), max(h, room[1])) for name, (w, h) in size.items()}
    columns: dict[int, list] = {}
    for node in nodes:
        if node.name in depth:
            columns.setdefault(2 * depth[node.name], []).append(node.name)
    preds: dict[Any, list] = {item: [] for item in size}
    succs: dict[Any, list] = {item: [] for item in size}
    chains: dict[tuple[str, str], list] = {}
    label_item: dict[tuple[str, str], Any] = {}
    edge_source: dict[Any, str] = {}  # the last item of an edge's chain (or its source) -> its source
    for edge in edges:
        u, v = edge.source, edge.target
        chain, previous = [], u
        for c in range(2 * depth[u] + 1, 2 * depth[v]):
            item = ("row", u, v, c)
            columns.setdefault(c, []).append(item)
            size[item] = (0.0, 0.0)
            preds[item], succs[item] = [previous], []
            succs[previous].append(item)
            chain.append(item)
            previous = item
        preds[v].append(previous)
        succs[previous].append(v)
        chains[u, v] = chain
        edge_source[previous] = u
        lines = edge_texts(edge)
        if (lines or label) and chain:
            label_item[u, v] = chain[0]
            size[chain[0]] = _label_size(lines) if lines else label
    for node in nodes:
        if node.terms:
            kind, hw, hh = shapes[node.name]
            # as tall as its terms' labels, or the terms themselves, stacked: edges can then run level
            stack = sum(max(size[p][1] + LABEL_GAP, size[edge_source[p]][1] + NODE_GAP) for p in preds[node.name])
            stack += 2 * BAR_INSET - NODE_GAP
            shapes[node.name] = (kind, hw, max(hh, stack / 2))
            size[node.name] = (2 * hw, 2 * shapes[node.name][2])
    ordered = [columns.get(c, []) for c in range(max(columns, default=-1) + 1)]
    calls = dict(calls or {})
    for item in size:  # an edge's rows belong to the calls holding both its ends
        if isinstance(item, tuple):
            ours, theirs = calls.get(item[1], ()), calls.get(item[2], ())
            common = 0
            while common < min(len(ours), len(theirs)) and ours[common] == theirs[common]:
                common += 1
            if common:
                calls[item] = ours[:common]
    _order(ordered, preds, succs, calls)
    rows = _rows(ordered, size, preds, succs, {node.name for node in nodes if node.terms}, calls)
    xs = _column_x(ordered, size, rows, succs)
    pos = {item: (xs[c], -rows[item]) for c, column in enumerate(ordered) for item in column}
    routes: dict[tuple[str, str], list[Point]] = {}
    widths = [max((size[item][0] for item in column), default=0.0) for column in ordered]
    widths = [max(w, MIN_COLUMN) if c % 2 else w for c, w in enumerate(widths)]
    for (u, v), chain in chains.items():
        route = [pos[u]]
        for item in chain:
            c, (x, y) = item[3], pos[item]
            route += [(x - widths[c] / 2, y), (x + widths[c] / 2, y)] if widths[c] else [(x, y)]
        routes[u, v] = route + [pos[v]]
    outlines = _outlines(ordered, size, rows, xs, widths, calls)
    return pos, routes, {edge: pos[item] for edge, item in label_item.items()}, shapes, outlines


def _layers(g: nx.DiGraph) -> dict[str, int]:
    """Layer of every node: as early or as late as possible, whichever makes edges span fewer layers.

    Every layer an edge skips costs a row in two columns, so the shorter total
    wins: a sum of products reads better with each product beside the
    addition that uses it (as late as possible), a network with one late
    branch better as early as possible.  An input sits beside its first use.
    """
    order = list(g)  # the nodes in the order drawn: a topological order
    import networkx as nx
    early = {node: d for d, layer in enumerate(nx.topological_generations(g)) for node in layer}
    late: dict[str, int] = {}
    for node in reversed(order):  # longest path to an output, counted from the right
        late[node] = min((late[s] - 1 for s in g.succ[node]), default=0)
    shift = -min(late.values(), default=0)
    late = {node: d + shift for node, d in late.items()}
    best = None
    for depth in (early, late):
        for node in order:
            if not g.pred[node] and g.succ[node]:
                depth[node] = min(depth[s] for s in g.succ[node]) - 1
        low = min(depth.values(), default=0)
        for node in depth:
            depth[node] -= low
        span = sum(depth[v] - depth[u] for u, v in g.edges)
        if best is None or span < best[0]:
            best = (span, depth)
    return best[1] if best else {}


def _order(ordered: list[list], preds: dict, succs: dict, calls: dict | None = None) -> None:
    """Order each column's rows to reduce crossings: barycentre sweeps, then adjacent exchanges; keeps the best.

    ``calls`` maps an item to the calls it belongs to, outermost first: the
    rows of one call stay together in every column (each sorts by its calls'
    mean barycentres before its own), so the call's box holds few others.
    """
    calls = calls or {}
    row = {item: i for column in ordered for i, item in enumerate(column)}
    best, fewest = [list(column) for column in ordered], _crossings(ordered, row, succs)
    for sweep in range(CROSSING_PASSES):  # down then up; the last one is down
        down = sweep % 2 == 0
        neighbours = preds if down else succs
        for c in (range(1, len(ordered)) if down else range(len(ordered) - 2, -1, -1)):
            centre = {}
            for item in ordered[c]:
                rows = [row[n] for n in neighbours[item]]
                centre[item] = sum(rows) / len(rows) if rows else row[item]
            mean: dict[int, list] = {}
            for item in ordered[c]:
                for k in calls.get(item, ()):
                    mean.setdefault(k, []).append(centre[item])
            ordered[c] = sorted(ordered[c], key=lambda item: (
                *(sum(mean[k]) / len(mean[k]) for k in calls.get(item, ())), centre[item]))
            row.update((item, i) for i, item in enumerate(ordered[c]))
        _exchange_adjacent(ordered, row, preds, succs, calls)
        count = _crossings(ordered, row, succs)
        if count < fewest:
            best, fewest = [list(column) for column in ordered], count
        if not count:
            break
    ordered[:] = best


def _crossings(ordered: list[list], row: dict, succs: dict) -> int:
    """Edge crossings between neighbouring columns (inversions counted with a Fenwick tree)."""
    total = 0
    for column, following in zip(ordered, ordered[1:]):
        targets = [row[t] for item in column for t in sorted(succs[item], key=row.__getitem__)]
        tree = [0] * (len(following) + 1)
        for seen, t in enumerate(targets):
            i, below = t + 1, 0  # how many earlier edges end at or above t: the rest cross this one
            while i > 0:
                below += tree[i]
                i -= i & -i
            total += seen - below
            i = t + 1
            while i <= len(following):
                tree[i] += 1
                i += i & -i
    return total


def _exchange_adjacent(ordered: list[list], row: dict, preds: dict, succs: dict, calls: dict,
                       passes: int = 4) -> None:
    """Swap neighbouring rows of the same calls while that removes crossings (the adjacent-exchange heuristic)."""
    def crossings(a, b):  # edges of a (above) and b (below) that cross, on both sides
        return (sum(1 for p in preds[a] for q in preds[b] if row[p] > row[q])
                + sum(1 for p in succs[a] for q in succs[b] if row[p] > row[q]))

    for _ in range(passes):
        improved = False
        for column in ordered:
            for i in range(len(column) - 1):
                a, b = column[i], column[i + 1]
                if calls.get(a, ()) == calls.get(b, ()) and crossings(b, a) < crossings(a, b):
                    column[i], column[i + 1] = b, a
                    row[a], row[b] = i + 1, i
                    improved = True
        if not improved:
            return


def _nearest(row: float, centre: float, reach: float) -> float:
    """The row within ``reach`` of ``centre`` nearest to ``row``: where a bar is closest."""
    return min(max(row, centre - reach), centre + reach)


def _rows(ordered: list[list], size: dict, preds: dict, succs: dict, tall: set = frozenset(),
          calls: dict | None = None) -> dict[Any, float]:
    """Vertical place of every item (inches, downwards): each column pulled towards its neighbours in turn.

    A column's rows minimise the weighted squared distance to the mean row of
    their neighbours, keeping their order and clearances.  Rows of edges
    weigh more than nodes, so long edges run straight.
    """
    seps = []
    for column in ordered:
        gaps = []
        for a, b in zip(column, column[1:]):
            nodes = (not isinstance(a, tuple)) + (not isinstance(b, tuple))
            apart = (calls or {}).get(a, ()) != (calls or {}).get(b, ())  # room for a call's outline between
            gaps.append((size[a][1] + size[b][1]) / 2 + (LABEL_GAP, EDGE_GAP, NODE_GAP)[nodes] + CALL_GAP * apart)
        seps.append(gaps)
    rows: dict[Any, float] = {}
    for column, gaps in zip(ordered, seps):  # stacked, centred on 0
        p = 0.0
        for i, item in enumerate(column):
            rows[item] = p
            p += gaps[i] if i < len(gaps) else 0.0
        for item in column:
            rows[item] -= p / 2
    weight = {item: 1.0 if not isinstance(item, tuple) else (2.0 if size[item][1] else 4.0) for item in rows}
    reach = {item: size[item][1] / 2 - BAR_INSET for item in tall}  # a bar meets its edges anywhere on its side

    def settle(c, sides):
        column = ordered[c]
        desired = []
        for item in column:
            near = [_nearest(rows[item], rows[n], reach.get(n, 0.0)) for side in sides for n in side[item]]
            desired.append(sum(near) / len(near) if near else rows[item])
        for item, p in zip(column, _isotonic(desired, [weight[item] for item in column], seps[c])):
            rows[item] = p

    for k in range(ROW_PASSES):
        if k % 2 == 0:
            for c in range(1, len(ordered)):
                settle(c, (preds,))
        else:
            for c in range(len(ordered) - 2, -1, -1):
                settle(c, (succs,))
    for _ in range(2):
        for c in range(len(ordered)):
            settle(c, (preds, succs))
    return rows


def _isotonic(desired: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """Rows p minimising sum w (p - desired)^2 with p[i+1] - p[i] >= gaps[i]: pool adjacent violators."""
    offset, offsets = 0.0, []
    for i in range(len(desired)):
        offsets.append(offset)
        offset += gaps[i] if i < len(gaps) else 0.0
    blocks: list[list[float]] = []  # [weighted mean, total weight, count]
    for d, o, w in zip(desired, offsets, weights):
        blocks.append([d - o, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks[-1]
            blocks[-1] = [(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2]
    out: list[float] = []
    for mean, _, count in blocks:
        out.extend([mean] * count)
    return [q + o for q, o in zip(out, offsets)]


def _column_x(ordered: list[list], size: dict, rows: dict, succs: dict) -> list[float]:
    """Centre of every column: each as wide as its widest item, the gaps wide enough for the slopes they carry."""
    widths = [max((size[item][0] for item in column), default=0.0) for column in ordered]
    widths = [max(w, MIN_COLUMN) if c % 2 else w for c, w in enumerate(widths)]
    xs, x = [], 0.0
    for c, column in enumerate(ordered):
        if c:
            rise = max((abs(rows[t] - rows[item]) for item in ordered[c - 1] for t in succs[item]), default=0.0)
            x += widths[c - 1] / 2 + min(MAX_GAP, max(GAP_IN if c % 2 == 0 else GAP_OUT, SLANT * rise)) + widths[c] / 2
        xs.append(x)
    return xs


def _outlines(ordered: list[list], size: dict, rows: dict, xs: list[float], widths: list[float],
              calls: dict) -> dict[int, list[Point]]:
    """Each call's outline: in every column it spans, a band around its rows there, the bands joined.

    The rows of a call are contiguous in each column (:func:`_order`), so a
    band holds no other row, and an outline hugs its call where a rectangle
    around all its nodes would take in neighbours.  Outlines of calls inside
    others get smaller margins, so they nest.
    """
    spans: dict[int, dict[int, list[float]]] = {}
    depth: dict[int, int] = {}  # how many calls nest inside each
    for c, column in enumerate(ordered):
        for item in column:
            chain = calls.get(item, ())
            for i, k in enumerate(chain):
                depth[k] = max(depth.get(k, 0), len(chain) - 1 - i)
                y, half = -rows[item], size[item][1] / 2
                band = spans.setdefault(k, {}).setdefault(c, [y - half, y + half])
                band[0], band[1] = min(band[0], y - half), max(band[1], y + half)
    outlines = {}
    for k in sorted(spans):
        pad, columns = CALL_PAD + CALL_NEST * depth[k], spans[k]
        first, last = min(columns), max(columns)
        top, bottom, band = [], [], columns[first]
        for c in range(first, last + 1):
            band = columns.get(c, band)  # a column the call skips keeps the band before it
            left = xs[c] - widths[c] / 2 - (pad if c == first else (xs[c] - widths[c] / 2 - xs[c - 1] - widths[c - 1] / 2) / 2)
            right = xs[c] + widths[c] / 2 + (pad if c == last else (xs[c + 1] - widths[c + 1] / 2 - xs[c] - widths[c] / 2) / 2)
            top += [(left, band[1] + pad), (right, band[1] + pad)]
            bottom += [(left, band[0] - pad), (right, band[0] - pad)]
        outlines[k] = top + bottom[::-1]
    return outlines
