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

``--vm`` times instead the VM backend's calls with indexed inputs
(:func:`vm_main`): how a call hands an indexed array to the VM, measured on
this code and, with ``--against REV``, on the package as of git revision
REV (extracted to a temporary folder and run in a child process, same
workloads, same run), beside peers in this process: JAX's ``jit`` of the
same model written as array code (``vmap`` for batches) and CasADi's sparse
Hessian.  Workloads: the least-squares loss ``sum((y[i] - a*x[i] - b)^2, i, 0,
n-1)`` at n = 50,000 (10^5 data inputs), its gradient by ``a, b`` on 64
points (each point its own data ``(n, 64)``, or one data set shared by every
point), ``value_and_grad(vector=True)`` at one point with data, the
residuals ``y[k] - a*x[k] - b`` with their Jacobian at one point
(``sg.residuals(...).function``, 50,000 residuals), the sparse
Rosenbrock Hessian at one point (n = 10,000, the CSR matrix), and two
batches whose shape the VM's schedule and result array decide: the value
and gradient of ``sum((y[i]-a*x[i]-b*x[i+1]*x[i])^2, i, 0, n-2)`` by ``a, b``
at n = 5,000 on 256 points (the value sums its terms first to last, the
gradient last to first; the header of its program, registers and points
per block, is printed beside it), and the dense 71 x 71 Hessian of the MLP
of :mod:`run` on 1,024 points (``DerivativeMatrix.lambdify``, an array
``(71, 71, 1024)``; its matrix is made from the Hessian's program, since the
entries' closed forms pass the expansion limit and ``lambdify`` reads only the
program).

Run: python benchmarks/indexed.py --vm [--against REV] [--quick]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Callable, Sequence

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np

import symgraph as sg
from run import timings  # the timing loop every benchmark shares

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
    out, graph_out = timed(lambda: sg.parse(text), repeats)
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


# --------------------------------------------------------------------------- the VM's calls with indexed inputs

LEAST_SQUARES = "sum((y[i] - a*x[i] - b)^2, i, 0, n-1)"
RESIDUAL = "y[k] - a*x[k] - b"
VM_N, VM_POINTS, HESSIAN_N, TERMS_N = 50_000, 64, 10_000, 5_000
VM_QUICK = (2_000, 16, 1_000, 3_000)
#: a value beside its gradient, whose sums take the terms in opposite orders
OPPOSITE = "sum((y[i]-a*x[i]-b*x[i+1]*x[i])^2, i, 0, n-2)"
HERE = os.path.dirname(os.path.abspath(__file__))


def best_and_range(fn: Callable[[], object], repeats: int, min_seconds: float = 0.2) -> list[float]:
    """Seconds per call of ``repeats`` rounds of at least ``min_seconds`` each (:func:`run.timings`)."""
    return timings(fn, repeats, min_seconds)


def vm_data(n: int, points: int) -> dict:
    rng = np.random.default_rng(0)
    return {"x": rng.uniform(-1, 1, (n, points)), "y": rng.uniform(-1, 1, (n, points)),
            "a": rng.uniform(0, 1, points), "b": rng.uniform(0, 1, points), "h": rng.uniform(-1, 1, HESSIAN_N)}


def dense_mlp_hessian() -> sg.DerivativeMatrix:
    """The MLP's dense Hessian by every input, its entries left unsimplified (a public call: an older revision
    measures the same; it reached into DerivativeMatrix.of, whose arguments changed)."""
    from run import TEXTS, variable_names
    return sg.hessian(TEXTS["mlp"](1), wrt=variable_names("mlp", 1), simplify=False)


def vm_cells(n: int, points: int, hessian_n: int, terms_n: int, repeats: int) -> dict:
    """Every VM workload's seconds per call (each round's), and a checksum of its result: only public calls,
    so that the same function measures an older revision of the package."""
    d = vm_data(n, points)
    x, y, a, b = d["x"], d["y"], d["a"], d["b"]
    gradient = sg.grad(LEAST_SQUARES, wrt=["a", "b"], n=n).lambdify(backend="vm")
    vector = sg.value_and_grad(LEAST_SQUARES, wrt=["a", "b"], vector=True, backend="vm", n=n)
    residuals = sg.residuals(RESIDUAL, wrt=["a", "b"], over=("k", 0, "n-1"), backend="vm", n=n).function
    hessian = sg.hessian(ROSENBROCK_N, n=hessian_n, sparse=True).lambdify(backend="vm")
    theta, h = np.array([0.5, 0.1]), d["h"][:hessian_n]
    x0, y0 = x[:, 0].copy(), y[:, 0].copy()  # one data set, contiguous
    opposite = sg.value_and_grad(OPPOSITE, wrt=["a", "b"], backend="vm", n=terms_n)
    rng = np.random.default_rng(1)
    terms = dict(a=rng.uniform(-1, 1, 256), b=rng.uniform(-1, 1, 256), x=rng.uniform(-1, 1, terms_n),
                 y=rng.uniform(-1, 1, terms_n - 1))
    x_own, y_own = rng.uniform(-1, 1, (terms_n, 256)), rng.uniform(-1, 1, (terms_n - 1, 256))
    mlp = dense_mlp_hessian().lambdify(backend="vm")
    inputs = list(rng.uniform(-1, 1, (71, 1024)))
    calls = {
        "gradient by a, b on the batch, own data": lambda: gradient(a=a, b=b, x=x, y=y),
        "gradient by a, b on the batch, shared data": lambda: gradient(a=a, b=b, x=x0, y=y0),
        "value_and_grad(vector=True), one point": lambda: vector(theta, x=x0, y=y0),
        "residuals and Jacobian, one point": lambda: residuals(theta, x=x0, y=y0),
        "sparse Hessian (CSR), one point": lambda: hessian(h),
        "value and gradient by a, b, opposite sums, 256 points, shared data": lambda: opposite(**terms),
        "value and gradient by a, b, opposite sums, 256 points, own data": lambda: opposite(
            a=terms["a"], b=terms["b"], x=x_own, y=y_own),
        "dense MLP Hessian (71 x 71), 1,024 points": lambda: mlp(*inputs),
    }
    out = {}
    for label, call in calls.items():
        result = call()
        check = result.data if hasattr(result, "indptr") else result
        out[label] = {"seconds": best_and_range(call, repeats), "program": opposite.source.splitlines()[0]
                      if "opposite" in label else None,
                      "check": float(sum(np.sum(np.asarray(getattr(r, "data", r))) for r in
                                         (check if isinstance(check, tuple) else (check,))))}
    return out


def jax_cells(n: int, points: int, hessian_n: int, repeats: int) -> dict:
    """JAX's ``jit`` of the same least-squares model as array code: the gradient (``vmap`` over points) and
    the value and gradient at one point."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return {}
    jax.config.update("jax_enable_x64", True)
    d = vm_data(n, points)

    def loss(a, b, x, y):
        return jnp.sum((y - a * x - b) ** 2)
    gradient = jax.jit(jax.vmap(jax.grad(loss, argnums=(0, 1)), in_axes=(0, 0, 1, 1)))
    shared = jax.jit(jax.vmap(jax.grad(loss, argnums=(0, 1)), in_axes=(0, 0, None, None)))
    both = jax.jit(jax.value_and_grad(lambda t, x, y: loss(t[0], t[1], x, y)))
    x, y, a, b = d["x"], d["y"], d["a"], d["b"]
    x0, y0, theta = x[:, 0].copy(), y[:, 0].copy(), np.array([0.5, 0.1])

    def ready(result):
        return jax.block_until_ready(result)
    return {"gradient by a, b on the batch, own data": best_and_range(lambda: ready(gradient(a, b, x, y)), repeats),
            "gradient by a, b on the batch, shared data": best_and_range(lambda: ready(shared(a, b, x0, y0)), repeats),
            "value_and_grad(vector=True), one point": best_and_range(lambda: ready(both(theta, x0, y0)), repeats)}


def casadi_cells(n: int, points: int, hessian_n: int, repeats: int) -> dict:
    """CasADi's (SX) sparse Rosenbrock Hessian at one point."""
    try:
        import casadi
    except ImportError:
        return {}
    v = casadi.SX.sym("x", hessian_n)
    f = casadi.sum1(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)
    fn = casadi.Function("h", [v], [casadi.hessian(f, v)[0]])
    h = vm_data(n, points)["h"][:hessian_n]
    return {"sparse Hessian (CSR), one point": best_and_range(lambda: fn(h), repeats)}


ROSENBROCK_N = ONE_LINE


def cells_at(revision: str, sizes: tuple, repeats: int) -> dict:
    """:func:`vm_cells` run on the package as of git ``revision`` (extracted to a temporary folder), in a child."""
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=HERE, capture_output=True, text=True,
                          check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "archive", revision, "symgraph"], cwd=root, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        code = (f"import sys, json; sys.path.insert(0, {folder!r}); import symgraph; sys.path.insert(1, {HERE!r}); "
                f"import indexed; print(json.dumps(indexed.vm_cells(*{sizes!r}, {repeats})))")
        child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if child.returncode:
        raise RuntimeError(f"measuring {revision} failed:\n{child.stderr[-2000:]}")
    return json.loads(child.stdout.splitlines()[-1])


def _time(seconds: Sequence[float]) -> str:
    best, worst = min(seconds), max(seconds)
    scale, unit = (1e3, "ms") if best >= 1e-3 else (1e6, "µs")
    return f"{best * scale:.3g} {unit} ({best * scale:.3g}-{worst * scale:.3g})"


def vm_main(sizes: tuple = (VM_N, VM_POINTS, HESSIAN_N, TERMS_N), repeats: int = 5,
            against: str | None = None) -> dict:
    """Print the VM table (this code, ``against`` a git revision, and the peers); return the cells."""
    n, points, hessian_n, terms_n = sizes
    print(f"VM calls with indexed inputs: least squares at n = {n:,} ({2 * n:,} data inputs), {points} points; "
          f"sparse Rosenbrock Hessian at n = {hessian_n:,}. Seconds per call, best of {repeats} rounds "
          "(range in brackets).\n")
    now = vm_cells(n, points, hessian_n, terms_n, repeats)
    before = cells_at(against, sizes, repeats) if against else {}
    peers = {"JAX": jax_cells(n, points, hessian_n, repeats), "CasADi": casadi_cells(n, points, hessian_n, repeats)}
    print(f"| call | symgraph VM | {against or 'before'} | speed-up | peer | peer / VM |")
    print("|---|---:|---:|---:|---|---:|")
    for label, cell in now.items():
        old = before.get(label)
        if old is not None and not np.isclose(old["check"], cell["check"], rtol=1e-12, atol=0):
            print(f"<!-- {label}: checksum {old['check']} at {against} differs from {cell['check']} -->")
        peer = next(((name, got[label]) for name, got in peers.items() if label in got), None)
        print(f"| {label} | {_time(cell['seconds'])} | {_time(old['seconds']) if old else '–'} | "
              f"{min(old['seconds']) / min(cell['seconds']):.1f}× |" if old else
              f"| {label} | {_time(cell['seconds'])} | – | – |", end="")
        print(f" {peer[0]} {_time(peer[1])} | {min(peer[1]) / min(cell['seconds']):.2f} |" if peer else " – | – |",
              flush=True)
    for label, cell in now.items():
        if cell.get("program"):
            print(f"\n{label} (n = {terms_n:,}): {cell['program'][2:]}" + (
                f"; at {against}: {before[label]['program'][2:]}" if label in before else ""))
            break
    return {"now": now, "before": before, "peers": peers}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 100 and 1,000; context at n = 1,000")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing; the best counts (default 3)")
    parser.add_argument("--vm", action="store_true", help="the VM's calls with indexed inputs instead")
    parser.add_argument("--against", metavar="REV", help="with --vm: also measure git revision REV, in a child")
    args = parser.parse_args()
    if args.vm:
        vm_main(VM_QUICK if args.quick else (VM_N, VM_POINTS, HESSIAN_N, TERMS_N), max(args.repeats, 5), args.against)
    else:
        main(QUICK_SIZES if args.quick else SIZES, args.repeats, 1_000 if args.quick else CONTEXT_N)
