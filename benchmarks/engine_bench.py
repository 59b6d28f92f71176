"""Derivation time and program size of the engine on growing graphs (prints a Markdown table).

Run: python benchmarks/engine_bench.py
Not part of the test suite; tests/test_benchmarks.py runs a tiny smoke version.
"""
from __future__ import annotations

import sys
import time

import symgraph as sg


def chain_sum(n: int) -> str:
    """sum_i (x_i - x_{i+1})^2."""
    return "+".join(f"(x{i}-x{i + 1})^2" for i in range(n))


def deep_chain(depth: int) -> str:
    lines = [f"v{k + 1} = sin(v{k})*v{k} + v{k}^2/(1+v{k}^2)" for k in range(depth)]
    return "v0 = x + 0\n" + "\n".join(lines)


def measure(text: str, mode: str = "reverse") -> tuple[int, int, int, float, float]:
    start = time.perf_counter()
    graph = sg.parse(text)
    parsed = time.perf_counter() - start
    start = time.perf_counter()
    gradient = sg.grad(graph, mode=mode)
    derived = time.perf_counter() - start
    return len(graph), gradient.program.ops, gradient.cost.sweeps, parsed, derived


def main(sizes=(1_000, 10_000), depths=(1_000, 5_000), forward_n=(100, 1_000)) -> None:
    print("| workload | n | graph nodes | gradient program ops | sweeps | parse s | derive s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = [("sum (x_i-x_{i+1})^2, reverse", n, chain_sum(n), "reverse") for n in sizes]
    rows += [("sum (x_i-x_{i+1})^2, forward", n, chain_sum(n), "forward") for n in forward_n]
    rows += [("deep shared chain, reverse", d, deep_chain(d), "reverse") for d in depths]
    rows += [("wide sum of x_i*x_i, reverse", n, "+".join(f"x{i}*x{i}" for i in range(n)), "reverse")
             for n in sizes]
    for label, n, text, mode in rows:
        nodes, ops, sweeps, parsed, derived = measure(text, mode)
        print(f"| {label} | {n:,} | {nodes:,} | {ops:,} | {sweeps} | {parsed:.3f} | {derived:.3f} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
