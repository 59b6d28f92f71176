"""Path sum: multiply the edge derivatives along every wrt -> output path, add over paths.

Kept for teaching and cross-checking: its cost grows with the number of paths,
which is exponential in depth for layered graphs.  Prefix products are shared along the depth-first walk.  Paths are counted first by
dynamic programming (cheap at any size) and enumeration is refused with
:class:`~symgraph.errors.PathLimitError` above ``limit``.
"""
from __future__ import annotations

from typing import Sequence

from ..cost import count_text
from ..errors import PathLimitError
from .local import Linearised, SweepResult

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


def total_paths(lin: Linearised, outputs: Sequence[str], wrt: Sequence[str]) -> int:
    return sum(count_paths(lin, x, y) for y in dict.fromkeys(outputs) for x in dict.fromkeys(wrt))


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
