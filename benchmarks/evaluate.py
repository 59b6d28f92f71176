"""Evaluation without a compile wait: make a callable, one point, a batch -- symgraph's backends against peers.

For each workload (Rosenbrock gradients, n = 10 ... 10,000; the product of
1,000 inputs; the 4-8-3 MLP of :mod:`run`) and each tool, three times, best
of several runs (:func:`run.best_of`):

* **make**: from a derived gradient to a callable (symgraph ``lambdify``; CasADi ``Function``; symengine LLVM
  ``Lambdify`` without ``diff``; JAX ``jit`` including the first call);
* **one point**: the value and the gradient at one float64 vector, the whole call -- what an
  optimiser calls with ``jac=True`` (symgraph: ``value_and_grad(vector=True)(x)``; CasADi a
  ``Function`` of both, symengine a ``Lambdify`` of both, JAX ``jit(value_and_grad)``; also
  symgraph's ``grad(...).lambdify()(*floats)``, the gradient alone with one argument and one 0-d
  result per input);
* **batch**: 10^4 points (10^3 for n = 10,000) as one call.

The VM compiles a program's single point to native code once the calls
have cost what that compile would (:mod:`symgraph.backends.native`): its
second row is one point after that many calls, the time they took beside.
Batches of a program of arithmetic and common functions likewise go
native once they have held enough points (:mod:`symgraph.backends.vm_batch`):
a third row then gives the batch after that many batches.  The VM's first row never crosses.

The VM's kernels are compiled once per machine and then loaded from numba's
cache; the first line says how long loading (or, cold, compiling) took.
Peers run in child processes with a time limit, so one that cannot finish
prints "time-out".  Rosenbrock n = 10,000 is the 10^5-instruction program of
the make-a-callable target.

Run: python benchmarks/evaluate.py [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np

from run import TEXTS, best_of, build, casadi_objective, variable_names, warm_vm  # the workloads every benchmark shares

CASES = [("rosenbrock", 10), ("rosenbrock", 100), ("rosenbrock", 1_000), ("rosenbrock", 10_000),
         ("product", 1_000), ("mlp", 1)]
QUICK = [("rosenbrock", 10), ("rosenbrock", 1_000), ("mlp", 1)]
PEERS = ("casadi", "symengine", "jax")


def points_for(n: int) -> int:
    return 1_000 if n >= 10_000 else 10_000


def data(workload: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs as rows in :func:`run.variable_names` order, the same in every process."""
    rows = len(variable_names(workload, n))
    X = np.random.default_rng(0).uniform(-1.0, 1.0, size=(rows, points_for(n)))
    return X, X[:, 0].copy()


def _timed(make):
    start = time.perf_counter()
    made = make()
    return time.perf_counter() - start, made


def measure_symgraph(workload: str, n: int, backend: str) -> dict:
    import symgraph as sg
    names = variable_names(workload, n)
    gradient = sg.grad(TEXTS[workload](n), wrt=names)
    X, x = data(workload, n)
    make, fn = _timed(lambda: gradient.lambdify(backend=backend, args=names))
    vector = sg.value_and_grad(gradient.graph, wrt=names, vector=True, backend=backend)
    one = x.tolist()
    rows = list(X)
    batch = fn.__wrapped__.native_batch.__self__ if backend == "vm" else None  # the VM's batch tiers
    after = batch.after if batch else 0
    if batch:  # the batch column is the VM's own kernel: a timing loop must not cross to native code by chance
        batch.after = 0
    row = {"make": make, "one": best_of(lambda: vector(x)), "floats": best_of(lambda: fn(*one)),
           "batch": best_of(lambda: fn(*rows), 3, 0.2), "check": float(np.sum(vector(x)[1])),
           "check_batch": float(np.sum(np.asarray(fn(*rows))))}
    if backend == "vm":  # an optimiser's loop: as many calls as the VM takes to compile a point to native code
        start = time.perf_counter()
        calls = warm_vm(lambda: vector(x), vector.source, budget=10.0)
        if calls:
            row["hot"], row["calls"], row["warm"] = best_of(lambda: vector(x)), calls, time.perf_counter() - start
    if after:  # batches: as many as the VM runs before native code on lanes of points pays (symgraph.backends.vm_batch)
        batch.after = after
        start = time.perf_counter()
        batches, tier = 0, None
        while batch.after and (tier is None or tier.native is None):
            fn(*rows)
            batches += 1
            tier = batch.patterns.get(None)
        if tier is not None and tier.native is not None:
            row["warm_batch"], row["batches"] = time.perf_counter() - start, batches
            row["hot_batch"] = best_of(lambda: fn(*rows), 3, 0.2)
            assert np.isclose(float(np.sum(np.asarray(fn(*rows)))), row["check_batch"], rtol=1e-12)
    return row


def measure_casadi(workload: str, n: int) -> dict:
    import casadi
    v, f = casadi_objective(workload, n, total=casadi_total)
    g = casadi.gradient(f, v)
    make, fn = _timed(lambda: casadi.Function("g", [v], [g]))
    both = casadi.Function("fg", [v], [f, g])
    X, x = data(workload, n)
    many = fn.map(X.shape[1])
    return {"make": make, "one": best_of(lambda: both(x)), "batch": best_of(lambda: many(X), 3, 0.2),
            "check": float(np.sum(np.asarray(fn(x)))), "check_batch": float(np.sum(np.asarray(many(X))))}


def casadi_total(terms):
    import casadi
    return casadi.sum1(casadi.vertcat(*terms))


def measure_symengine(workload: str, n: int) -> dict:
    import symengine
    names = variable_names(workload, n)
    xs = symengine.symbols(names)
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    f = build(workload, n, xs, dict(sin=symengine.sin, exp=symengine.exp, log=symengine.log,
                                    total=lambda t: symengine.Add(*t), product=lambda t: symengine.Mul(*t)))
    grads = [f.diff(x) for x in xs]
    make, fn = _timed(lambda: symengine.Lambdify(xs, grads, backend="llvm", cse=True))
    both = symengine.Lambdify(xs, [f] + grads, backend="llvm", cse=True)
    X, x = data(workload, n)
    XT = X.T.copy()
    return {"make": make, "one": best_of(lambda: both(x)), "batch": best_of(lambda: fn(XT), 3, 0.2),
            "check": float(np.sum(fn(x))), "check_batch": float(np.sum(fn(XT)))}


def measure_jax(workload: str, n: int) -> dict:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    count = len(variable_names(workload, n))
    if workload == "rosenbrock":  # written with arrays, as JAX users write it (scalar code would unroll n terms)
        def f(v):
            return jnp.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)
    elif workload == "product":
        def f(v):
            return jnp.prod(v)
    else:
        def f(v):
            return build(workload, n, [v[i] for i in range(count)], dict(
                sin=jnp.sin, exp=jnp.exp, log=jnp.log, total=sum, product=None))
    X, x = data(workload, n)
    XT, xj = jnp.asarray(X.T), jnp.asarray(x)
    one, many = jax.jit(jax.grad(f)), jax.jit(jax.vmap(jax.grad(f)))
    both = jax.jit(jax.value_and_grad(f))
    make, _ = _timed(lambda: one(xj).block_until_ready())
    many(XT).block_until_ready()
    both(xj)[1].block_until_ready()
    return {"make": make, "one": best_of(lambda: both(x)[1].block_until_ready()),
            "batch": best_of(lambda: many(XT).block_until_ready(), 3, 0.2),
            "check": float(jnp.sum(one(xj))), "check_batch": float(jnp.sum(many(XT)))}


MEASURE = {"casadi": measure_casadi, "symengine": measure_symengine, "jax": measure_jax}


def cell(tool: str, workload: str, n: int, timeout: float) -> dict | None:
    """One peer's measurements in a child process; None on a time-out or failure."""
    command = [sys.executable, os.path.abspath(__file__), "--cell", tool, workload, str(n)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _t(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three small cases, short peer time limit")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per peer cell")
    parser.add_argument("--cell", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cell:
        tool, workload, n = args.cell
        print(json.dumps(MEASURE[tool](workload, int(n))))
        return
    from symgraph.backends import vm
    start = time.perf_counter()
    import numba  # noqa: F401 - timed apart: numba's own import, then its first load (its registries)
    imported = time.perf_counter() - start
    seconds, _ = _timed(vm.kernels)
    print(f"VM kernels ready in {_t(imported)} (import numba) + {_t(seconds)} (numba's start and its cache), "
          "once per process; compiling them cold takes seconds to tens of seconds, once per machine\n")
    timeout = 30.0 if args.quick else args.timeout
    header = ("| workload | tool | make a callable | one point | ratio | 10^4 points | ratio | "
              "one point as floats |")
    print(header + "\n|---|---|---:|---:|---:|---:|---:|---:|")
    for workload, n in (QUICK if args.quick else CASES):
        label = workload if workload == "mlp" else f"{workload} n = {n:,}"
        rows = {"symgraph numpy": measure_symgraph(workload, n, "numpy"),
                "symgraph vm": measure_symgraph(workload, n, "vm")}
        for peer in PEERS:
            rows[peer] = cell(peer, workload, n, timeout)
        base = rows["symgraph vm"]
        for tool, r in rows.items():
            if r is None or "error" in r:
                why = "time-out" if r is None else r["error"][:60]
                print(f"| {label} | {tool} | {why} | | | | | |")
                continue
            if not np.isclose(r["check"], base["check"], rtol=1e-6, atol=1e-6):
                print(f"<!-- {tool}: checksum {r['check']} differs from {base['check']} -->")
            print(f"| {label} | {tool} | {_t(r['make'])} | {_t(r['one'])} | {r['one'] / base['one']:.2f} | "
                  f"{_t(r['batch'])} | {r['batch'] / base['batch']:.2f} | {_t(r.get('floats'))} |")
            if "hot" in r:
                print(f"| {label} | {tool}, after {r['calls']:,} calls ({_t(r['warm'])}) | | {_t(r['hot'])} | "
                      f"{r['hot'] / base['one']:.2f} | | | |")
            if "hot_batch" in r:
                print(f"| {label} | {tool}, after {r['batches']:,} batches ({_t(r['warm_batch'])}) | | | | "
                      f"{_t(r['hot_batch'])} | {r['hot_batch'] / base['batch']:.2f} | |")
        sys.stdout.flush()
    print("\nratio = tool's time / symgraph vm's time (> 1: slower than the VM). 10^4 points: 10^3 for n = 10,000.")


if __name__ == "__main__":
    main()
