"""Rosenbrock from one line of text against its written-out text: build seconds and their ratio (Markdown).

Run: python benchmarks/indexed.py            (n = 1,000, 10,000 and 100,000; a few minutes)
     python benchmarks/indexed.py --quick    (n = 100 and 1,000)
tests/test_benchmarks.py runs a tiny smoke version.

The one-line text ``sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)``
is parsed and expanded (``sg.parse(text, n=n)``, both timed); the written-out
text -- the same terms, each parenthesised, joined by ``' + '`` -- is built in
Python beforehand and only its parse is timed.  Terms are written without
spaces so that the text at n = 100,000 (4.7 MB) stays under the parser's text
limit.  Both build the same graph (checked node for node: equal rows).  Each time is the best of ``repeats`` runs; the range over the runs
is shown beside it.  For context, the gradient and its compiled NumPy function
are built from the one-line text at one size (``sg.grad(text, "x", n=n)``,
then ``.lambdify()``).
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from typing import Callable, Sequence

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import symgraph as sg

ONE_LINE = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (100, 1_000)
CONTEXT_N = 10_000


def written_out(n: int) -> str:
    """The one-line text's terms for i = 0..n-2, each parenthesised, joined by ' + '."""
    return " + ".join(f"(100*(x[{i + 1}]-x[{i}]^2)^2+(1-x[{i}])^2)" for i in range(n - 1))


def timed(fn: Callable[[], object], repeats: int) -> tuple[list[float], object]:
    """Seconds of each of ``repeats`` runs of ``fn`` (garbage collected before each), and its last result."""
    seconds, result = [], None
    for _ in range(repeats):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def same_graph(a: sg.Graph, b: sg.Graph) -> bool:
    """Node for node: the same rows (name, op, operands) in the same order, the same inputs and outputs."""
    return a.inputs == b.inputs and a.outputs == b.outputs and list(a.rows()) == list(b.rows())


def measure(n: int, repeats: int) -> dict:
    """One-line build and written-out parse at ``n``: every run's seconds; the graphs checked equal."""
    text = written_out(n)
    one, graph_one = timed(lambda: sg.parse(ONE_LINE, n=n), repeats)
    out, graph_out = timed(lambda: sg.parse(text, n=n), repeats)
    if not same_graph(graph_one, graph_out):
        raise AssertionError(f"n = {n}: the one-line and written-out texts built different graphs")
    return {"n": n, "terms": n - 1, "nodes": len(graph_one.order), "chars": len(text), "one": one, "out": out}


def _span(seconds: Sequence[float]) -> str:
    return f"{min(seconds):.3f} s ({min(seconds):.3f}-{max(seconds):.3f})"


def main(sizes: Sequence[int] = SIZES, repeats: int = 3, context_n: int | None = CONTEXT_N) -> list[dict]:
    """Print the table (and the gradient + compile context line); return the measurements."""
    print("Rosenbrock: one-line text (parse + expansion) vs written-out text (parse only); best of "
          f"{repeats} runs, range in brackets\n")
    print("| n | terms | graph nodes | text (written out) | one-line build | written-out parse | "
          "written-out / one-line | µs per term (one-line) | µs per term (written out) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for n in sizes:
        row = measure(n, repeats)
        rows.append(row)
        one, out = min(row["one"]), min(row["out"])
        print(f"| {n:,} | {row['terms']:,} | {row['nodes']:,} | {row['chars'] / 1e6:.2f} MB | {_span(row['one'])} | "
              f"{_span(row['out'])} | {out / one:.2f}× | {one / row['terms'] * 1e6:.1f} | "
              f"{out / row['terms'] * 1e6:.1f} |", flush=True)
    if context_n:
        seconds, gradient = timed(lambda: sg.grad(ONE_LINE, "x", n=context_n), 1)
        compiled, fn = timed(lambda: gradient.lambdify(), 1)
        print(f"\nContext at n = {context_n:,}: gradient from the one-line text (parse, expansion, reverse mode) "
              f"{seconds[0]:.3f} s, then compiling it to NumPy code {compiled[0]:.3f} s "
              f"({len(gradient.wrt):,} partials).")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 100 and 1,000; context at n = 1,000")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing; the best counts (default 3)")
    args = parser.parse_args()
    main(QUICK_SIZES if args.quick else SIZES, args.repeats, 1_000 if args.quick else CONTEXT_N)
