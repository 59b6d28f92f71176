"""Forward vs reverse vs path sum vs Markowitz elimination, counted on graph families (Markdown tables).

Run: python benchmarks/modes_bench.py
Not part of the test suite; tests/test_modes_bench.py runs a tiny smoke version.

Three tables:

1. Layered graphs f: R^n -> R^m (n inputs, two hidden layers, m outputs) for
   n, m in {1, 10, 100}: each mode's multiplications and derivation seconds.
   Forward grows with n, reverse with m; they cross near n = m, and
   elimination in Markowitz order exploits the narrow hidden layers.
2. The hourglass family (:func:`hourglass`), on which Markowitz elimination
   needs strictly fewer multiplications than both forward and reverse.
3. Path counts for depth 2..20 of a two-wide fully connected stack: the
   number of paths doubles per layer while the merged sweeps grow linearly.
"""
from __future__ import annotations

import os
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import symgraph as sg
from symgraph.ad.modes import choose_mode
from symgraph.ad.paths import count_all_paths
from symgraph.derive import jacobian_program


def layered(n: int, m: int, width: int = 4, depth: int = 2) -> sg.Graph:
    """f: R^n -> R^m: ``depth`` fully connected tanh layers of ``width`` units, linear outputs.

    Every weight is its own integer constant (2, 3, 4, ...), so no two weighted
    edges are merged by hash-consing and every weight product is non-trivial.
    The family is symmetric in n and m: forward pays for the output layer once
    per input, reverse for the input layer once per output, so they cross at
    n = m.
    """
    weights = iter(range(2, 10**9))
    lines, prev = [], [f"x{i + 1}" for i in range(n)]
    for layer in range(depth):
        units = []
        for j in range(width):
            terms = " + ".join(f"{next(weights)}*{p}" for p in prev)
            lines.append(f"h{layer + 1}_{j + 1} = tanh({terms})")
            units.append(f"h{layer + 1}_{j + 1}")
        prev = units
    outputs = []
    for k in range(m):
        lines.append(f"y{k + 1} = " + " + ".join(f"{next(weights)}*{p}" for p in prev))
        outputs.append(f"y{k + 1}")
    return sg.parse("\n".join(lines), outputs=outputs)


def hourglass(n: int, m: int, chain: int = 3) -> sg.Graph:
    """n inputs, each through a chain of ``chain`` sines, multiplied into one waist, fanned out to m outputs.

    ``w = tanh(a1 * ... * an)`` where ``a_i = sin(sin(...sin(x_i)))`` and
    ``y_j = cos(cos(...cos(w + j)))``.  Forward mode pays for the m output
    chains once per input, reverse mode for the n input chains once per
    output; Markowitz elimination collapses every chain first (one product
    per link), then pays for the waist once.  For n, m >= 2 and chain >= 2
    it needs strictly fewer multiplications than both (checked for
    n, m <= 6, chain <= 5 in tests/test_eliminate.py).
    """
    lines = []
    for i in range(1, n + 1):
        prev = f"x{i}"
        for d in range(1, chain + 1):
            lines.append(f"a{i}_{d} = sin({prev})")
            prev = f"a{i}_{d}"
    lines.append("w = tanh(" + "*".join(f"a{i}_{chain}" for i in range(1, n + 1)) + ")")
    for j in range(1, m + 1):
        prev = f"w + {j}"
        for d in range(1, chain + 1):
            lines.append(f"b{j}_{d} = cos({prev})")
            prev = f"b{j}_{d}"
    return sg.parse("\n".join(lines), outputs=[f"b{j}_{chain}" for j in range(1, m + 1)])


def stack(depth: int) -> sg.Graph:
    """Two units per layer, each fed by both units below: 2^depth paths per unit pair."""
    lines = ["p0 = sin(x)", "q0 = cos(x)"]
    for d in range(1, depth + 1):
        lines.append(f"p{d} = sin(p{d - 1}*q{d - 1})")
        lines.append(f"q{d} = cos(p{d - 1}+q{d - 1})")
    lines.append(f"out = p{depth}*q{depth}")
    return sg.parse("\n".join(lines))


def run(graph: sg.Graph, mode: str) -> tuple[int, float]:
    """Multiplications and seconds of deriving the whole Jacobian in ``mode``."""
    start = time.perf_counter()
    _, cost = jacobian_program(graph, list(graph.inputs), mode)
    return cost.multiplications, time.perf_counter() - start


def layered_table(sizes=(1, 10, 100), width: int = 4) -> None:
    print(f"Layered f: R^n -> R^m, two tanh layers of width {width}: multiplications (derivation seconds)\n")
    modes = ("forward", "reverse", "elimination")
    print("| n | m | paths | " + " | ".join(modes) + " | auto picks |")
    print("|---:|---:|---:|" + "---:|" * len(modes) + "---|")
    for n in sizes:
        for m in sizes:
            graph = layered(n, m, width)
            count = count_all_paths(graph, graph.outputs, graph.inputs)
            cells = []
            for mode in modes:
                mults, seconds = run(graph, mode)
                cells.append(f"{mults:,} ({seconds:.3f}s)")
            picked = choose_mode(graph, graph.outputs, graph.inputs)[0]
            print(f"| {n} | {m} | {count:,} | " + " | ".join(cells) + f" | {picked} |")
            sys.stdout.flush()


def hourglass_table(shapes=((2, 2), (3, 3), (5, 5), (10, 10), (2, 10), (10, 2))) -> None:
    print("\nHourglass (chains of 3 around one waist): multiplications\n")
    print("| n | m | forward | reverse | elimination (markowitz) | saving vs best sweep |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, m in shapes:
        graph = hourglass(n, m)
        f, r, e = (run(graph, mode)[0] for mode in ("forward", "reverse", "elimination"))
        print(f"| {n} | {m} | {f:,} | {r:,} | {e:,} | {1 - e / min(f, r):.0%} |")
        sys.stdout.flush()


def paths_table(depths=range(2, 21, 2)) -> None:
    print("\nPaths explode, merged sweeps do not: two-wide fully connected stack, one input, one output\n")
    print("| depth | paths | path-sum multiplications | forward | reverse | elimination |")
    print("|---:|---:|---:|---:|---:|---:|")
    for depth in depths:
        graph = stack(depth)
        count = count_all_paths(graph, graph.outputs, graph.inputs)
        try:  # the path sum's own limit decides (it counts the edges along the paths too), not the count alone
            enumerated = f"{run(graph, 'paths')[0]:,}"
        except sg.PathLimitError:
            enumerated = "not enumerated (over the path sum's limit)"
        f, r, e = (run(graph, mode)[0] for mode in ("forward", "reverse", "elimination"))
        print(f"| {depth} | {count:,} | {enumerated} | {f:,} | {r:,} | {e:,} |")
        sys.stdout.flush()


def main(sizes=(1, 10, 100), shapes=((2, 2), (3, 3), (5, 5), (10, 10), (2, 10), (10, 2)),
         depths=range(2, 21, 2)) -> None:
    layered_table(sizes)
    hourglass_table(shapes)
    paths_table(depths)


if __name__ == "__main__":
    main()
