"""Evaluation time of compiled Rosenbrock gradients: symgraph vs sympy.lambdify, JAX, CasADi.

The extended Rosenbrock function (scipy's ``rosen``) in n variables, its
gradient compiled by each tool, evaluated on many points at once and at one
point.  Every figure comes from one run and is printed as a Markdown table
with ratios to symgraph (ratio > 1: slower than symgraph).  Results of every
tool are checked against symgraph's before timing.

Run: python benchmarks/compile_bench.py
Not part of the test suite; tests/test_benchmarks.py runs a tiny smoke version.
"""
from __future__ import annotations

import os
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # and run.py beside it

import numpy as np
import sympy

import symgraph as sg
from run import best_of  # one timing loop for every benchmark


def rosenbrock(n: int) -> str:
    return " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(n - 1))


def symgraph_tool(n: int):
    names = [f"x{i}" for i in range(n)]
    start = time.perf_counter()
    fn = sg.grad(rosenbrock(n), wrt=names).lambdify()
    setup = time.perf_counter() - start
    batch = lambda X: fn(**dict(zip(names, X)))  # noqa: E731  X has shape (n, points)
    single = lambda x: fn(**dict(zip(names, x.tolist())))  # noqa: E731
    return setup, batch, single


def symgraph_vector_tool(n: int):
    names = [f"x{i}" for i in range(n)]
    start = time.perf_counter()
    fn = sg.value_and_grad(rosenbrock(n), wrt=names, vector=True)
    setup = time.perf_counter() - start
    return setup, None, lambda x: fn(x)[1]


def sympy_tool(n: int):
    xs = sympy.symbols(f"x0:{n}")
    start = time.perf_counter()
    expr = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
    fn = sympy.lambdify(xs, [sympy.diff(expr, x) for x in xs], "numpy", cse=True)
    setup = time.perf_counter() - start
    return setup, lambda X: fn(*X), lambda x: fn(*x.tolist())


def jax_tool(n: int):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    def rosen(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    start = time.perf_counter()
    many = jax.jit(jax.vmap(jax.grad(rosen)))
    one = jax.jit(jax.grad(rosen))
    one(jnp.zeros(n)).block_until_ready()  # tracing and XLA compilation happen at the first call
    setup = time.perf_counter() - start
    batch = lambda X: many(X.T).block_until_ready()  # noqa: E731  vmap over rows
    single = lambda x: one(x).block_until_ready()  # noqa: E731
    return setup, batch, single


def casadi_tool(n: int):
    import casadi
    start = time.perf_counter()
    x = casadi.SX.sym("x", n)
    f = casadi.sum1(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    grad = casadi.Function("grad", [x], [casadi.gradient(f, x)])
    setup = time.perf_counter() - start
    mapped: dict[int, casadi.Function] = {}

    def batch(X):
        if X.shape[1] not in mapped:
            mapped[X.shape[1]] = grad.map(X.shape[1])
        return np.asarray(mapped[X.shape[1]](X))

    return setup, batch, lambda v: np.asarray(grad(v)).ravel()


TOOLS = [
    ("symgraph `grad(...).lambdify()`", symgraph_tool),
    ("symgraph `value_and_grad(vector=True)`", symgraph_vector_tool),
    ("sympy `lambdify(diff, cse=True)`", sympy_tool),
    ("JAX `jit(vmap(grad))`", jax_tool),
    ("CasADi SX `gradient` (`map` for batches)", casadi_tool),
]


def _check(name: str, got, expected: np.ndarray) -> None:
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        got = got.T
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9, err_msg=name)


def main(n: int = 100, points: int = 10 ** 5, repeats: int = 5, min_seconds: float = 0.2,
         only: tuple[str, ...] | None = None) -> None:
    """Print the table; ``only`` keeps the tools whose label starts with one of these words."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(n, points))
    x = X[:, 0].copy()
    rows = []
    reference_batch = reference_single = None
    for label, make in TOOLS:
        if only is not None and not label.startswith(only):
            continue
        try:
            setup, batch, single = make(n)
        except ImportError as error:
            print(f"<!-- {label}: skipped ({error}) -->")
            continue
        if reference_batch is None:
            reference_batch, reference_single = np.array(batch(X)), np.array(single(x), dtype=np.float64)
        if batch is not None:
            _check(label, batch(X), reference_batch)
        _check(label, single(x), reference_single)
        t_batch = best_of(lambda: batch(X), repeats, min_seconds) if batch is not None else None
        t_single = best_of(lambda: single(x), repeats, min_seconds)
        rows.append((label, setup, t_batch, t_single))
    base_batch, base_single = rows[0][2], rows[0][3]
    print(f"Rosenbrock gradient, n = {n}: {points:,} points at once and one point "
          f"(best of {repeats}; ratio = time / symgraph's time)\n")
    print(f"| tool | setup s | {points:,} points, ms | ratio | one point, µs | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, setup, t_batch, t_single in rows:
        batch_cells = (f"{t_batch * 1e3:.1f} | {t_batch / base_batch:.2f}" if t_batch is not None else "– | –")
        print(f"| {label} | {setup:.3f} | {batch_cells} | {t_single * 1e6:.1f} | {t_single / base_single:.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
