"""Hessians: symgraph's sparse (Rosenbrock) and dense (MLP) Hessians against CasADi, JAX and sympy (Markdown).

Run: python benchmarks/hessian.py            (Rosenbrock n = 100, 1,000, 10,000 and the MLP; about a minute)
     python benchmarks/hessian.py --quick    (n = 10 and 30, tiny batches; seconds)
tests/test_benchmarks.py runs the quick version.

Per tool and size: derivation seconds, compile seconds, the Hessian program's
size beside the function's own, its (structural) nonzeros, and evaluation at
one point and on a batch of points.  Every time is the best of ``repeats``
runs with the range over them in brackets; all tools are measured in this
process, in the same run.

* symgraph: ``sg.hessian(graph, sparse=True)`` on the parsed text (Rosenbrock, the one-line
  indexed text; the MLP's scalar text, whose Hessian is nearly dense; parsing is timed
  apart, as CasADi's and sympy's expressions are built outside their timings), then
  ``.lambdify()`` (and ``.lambdify(backend="vm")``, a second row, where numba is
  installed); size = ``len(program)`` against ``len(sg.parse(text, n=n))``;
  one point = the CSR matrix, a batch = ``.data(X)`` with ``X`` of shape
  (n, points).  (The dense ``sg.hessian(mlp)`` also builds every entry's sympy
  closed form, 0.5 s more; the program is the same.)  The indexed sum's Hessian is
  its first term's, replayed for every term (``symgraph.term_replay``); the
  summary also gives the same sum swept term by term, as a sum written out is.
* CasADi (SX): ``hessian`` then ``Function``; size = instructions other than
  inputs, outputs and constants, against the function's; nonzeros = its
  sparsity's nnz; a batch = ``Function.map(points)`` on an (n, points) matrix.
* JAX: ``jit(hessian(f))`` traced and compiled on the first call (dense);
  size = the jaxpr's equations; a batch = ``jit(vmap(hessian(f)))``, run only
  when the dense batch fits in ``DENSE_LIMIT`` bytes.  Past that the table
  shows the memory a dense Hessian needs (8 n^2 bytes a point) instead.
* sympy: ``sympy.hessian`` (Rosenbrock up to n = 100 only; the MLP's took
  128 s to derive and 131 s to compile, so it is not run), compiled
  with ``lambdify(cse=True)``; size = ``count_ops`` of its cse.

Peers not installed are skipped with a note.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Sequence

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import symgraph as sg
from symgraph.hessian import hessian_program

HERE = os.path.dirname(os.path.abspath(__file__))
ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
SIZES = (100, 1_000, 10_000)
QUICK_SIZES = (10, 30)
PEERS = ("casadi", "jax", "sympy")
SYMPY_MAX_N = 100
#: the largest dense Hessian batch (bytes) that JAX is asked to compute
DENSE_LIMIT = 2 * 2 ** 30


def _load(script: str):
    """A sibling benchmark script, loaded by path (benchmarks/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{script[:-3]}_for_hessian", os.path.join(HERE, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUN = _load("run.py")  # the MLP text and the peers' builders
timed = _load("indexed.py").timed  # best-of-runs timing, shared with the indexed benchmark


def span(seconds: Sequence[float] | None) -> str:
    if not seconds:
        return "-"
    best, worst = min(seconds), max(seconds)
    unit, scale = ("ms", 1e3) if best < 1 else ("s", 1)
    def fmt(v: float) -> str:
        return f"{v * scale:.3g}" if v * scale < 1000 else f"{v * scale:,.0f}"
    return f"{fmt(best)} {unit} ({fmt(best)}-{fmt(worst)})"


def peer_available(peer: str) -> bool:
    return importlib.util.find_spec(peer) is not None


def points(n: int, count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (n, count))


# --------------------------------------------------------------------------- symgraph

def symgraph_cell(workload: str, n: int, batch: int, repeats: int, backend: str = "numpy") -> dict:
    text = ROSENBROCK if workload == "rosenbrock" else RUN.mlp_text()
    sizes = {"n": n} if workload == "rosenbrock" else {}
    parse, graph = timed(lambda: sg.parse(text, **sizes), repeats)
    derive, hessian = timed(lambda: sg.hessian(graph, sparse=True), repeats)
    compile_, fn = timed(lambda: hessian.lambdify(backend=backend), repeats)
    function_size = len(graph)
    X = points(len(hessian.wrt), batch)
    one, value = timed(lambda: fn(*_args(workload, X[:, 0])), repeats)
    many, values = timed(lambda: fn.data(*_args(workload, X)), repeats)
    nnz, dense_one = hessian.nnz, value.toarray()
    assert values.shape == (nnz, batch)
    row = {"tool": "symgraph" if backend == "numpy" else f"symgraph ({backend})", "derive": derive, "compile": compile_, "program": len(hessian.program),
           "function": function_size, "nnz": nnz, "one": one, "batch": many, "value": dense_one,
           "x": X[:, 0], "parse": parse}
    if backend == "numpy" and workload == "rosenbrock":  # the gradient's derivation, the yardstick of growth
        row["gradient"], _ = timed(lambda: sg.grad(graph, simplify=False, progress=False), repeats)
        row["swept"], _ = timed(lambda: hessian_program(graph, sparse=True), repeats)  # every term's sweeps
    return row


def _args(workload: str, x: np.ndarray) -> tuple:
    """The compiled function's arguments: Rosenbrock's one indexed input, the MLP's 71 scalars (or rows)."""
    return (x,) if workload == "rosenbrock" else tuple(x)


# --------------------------------------------------------------------------- peers

def _function_of(workload: str, n: int, xs: Sequence, ns: dict):
    if workload == "rosenbrock":
        return RUN.build("rosenbrock", n, xs, ns)
    return RUN.build("mlp", 1, xs, ns)


def _names(workload: str, n: int) -> list[str]:
    """The inputs in symgraph's wrt order, so every tool's Hessian has the same rows and columns."""
    if workload == "rosenbrock":
        return [f"x{i}" for i in range(1, n + 1)]
    return RUN.variable_names("mlp", 1)


def casadi_cell(workload: str, n: int, batch: int, repeats: int, x0: np.ndarray) -> dict:
    import casadi
    size = len(_names(workload, n))
    x = casadi.SX.sym("x", size)
    xs = [x[i] for i in range(size)]
    f = _function_of(workload, n, xs, dict(sin=casadi.sin, exp=casadi.exp, log=casadi.log,
                                           total=RUN._loop_total, product=RUN._loop_product))
    derive, h = timed(lambda: casadi.hessian(f, x)[0], repeats)
    compile_, fn = timed(lambda: casadi.Function("h", [x], [h]), repeats)
    one, value = timed(lambda: fn(x0), repeats)
    mapped = fn.map(batch)
    X = points(size, batch)
    many, _ = timed(lambda: mapped(X), repeats)
    return {"tool": "CasADi", "derive": derive, "compile": compile_, "program": RUN._casadi_ops(fn),
            "function": RUN._casadi_ops(casadi.Function("f", [x], [f])), "nnz": int(h.nnz()), "one": one,
            "batch": many, "value": np.array(value.full())}


def jax_cell(workload: str, n: int, batch: int, repeats: int, x0: np.ndarray) -> dict:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    size = len(_names(workload, n))
    needed = 8 * size * size
    if needed > DENSE_LIMIT:
        return {"tool": "JAX", "note": f"dense Hessian not computed: {needed / 2 ** 30:.2f} GiB a point "
                                       f"({needed * batch / 2 ** 30:,.0f} GiB for {batch:,} points)"}
    ns = dict(sin=jnp.sin, exp=jnp.exp, log=jnp.log, total=RUN._loop_total, product=RUN._loop_product)
    if workload == "rosenbrock":  # vectorised, as a JAX user writes it (a loop of n scalars traces slowly)
        def f(v):
            return jnp.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)
    else:
        def f(v):
            return _function_of(workload, n, [v[i] for i in range(size)], ns)
    x = jnp.asarray(x0)

    def derive():
        return jax.jit(jax.hessian(f)).lower(x).compile()

    both, fn = timed(derive, repeats)
    one, value = timed(lambda: fn(x).block_until_ready(), repeats)
    eqns = len(jax.make_jaxpr(jax.hessian(f))(x).jaxpr.eqns)
    function_eqns = len(jax.make_jaxpr(f)(x).jaxpr.eqns)
    row = {"tool": "JAX", "derive": None, "compile": both, "program": eqns, "function": function_eqns,
           "nnz": int(np.count_nonzero(np.asarray(value))), "one": one, "value": np.asarray(value)}
    if needed * batch <= DENSE_LIMIT:
        many_fn = jax.jit(jax.vmap(jax.hessian(f), in_axes=1, out_axes=2))
        X = jnp.asarray(points(size, batch))
        many_fn(X).block_until_ready()
        row["batch"], _ = timed(lambda: many_fn(X).block_until_ready(), repeats)
    else:
        row["batch_note"] = f"not run: {needed * batch / 2 ** 30:,.1f} GiB dense"
    return row


def sympy_cell(workload: str, n: int, batch: int, repeats: int, x0: np.ndarray) -> dict:
    import sympy
    names = _names(workload, n)
    xs = sympy.symbols(names)
    f = _function_of(workload, n, xs, dict(sin=sympy.sin, exp=sympy.exp, log=sympy.log,
                                           total=lambda t: sympy.Add(*t), product=lambda t: sympy.Mul(*t)))
    derive, h = timed(lambda: sympy.hessian(f, xs), 1)
    compile_, fn = timed(lambda: sympy.lambdify(xs, h, cse=True), 1)
    replacements, reduced = sympy.cse(list(h))
    ops = sum(sympy.count_ops(e) for _, e in replacements) + sum(sympy.count_ops(e) for e in reduced)
    one, value = timed(lambda: fn(*x0), repeats)
    return {"tool": "sympy", "derive": derive, "compile": compile_, "program": ops,
            "function": int(sympy.count_ops(f)), "nnz": int(sum(1 for e in h if e != 0)), "one": one,
            "value": np.asarray(value, dtype=float)}


CELLS = {"casadi": casadi_cell, "jax": jax_cell, "sympy": sympy_cell}


# --------------------------------------------------------------------------- the report

def measure(workload: str, n: int, batch: int, repeats: int, peers: Sequence[str]) -> list[dict]:
    """symgraph and each installed peer at one size; every peer's Hessian at the same point checked equal."""
    rows = [symgraph_cell(workload, n, batch, repeats)]
    x0, reference = rows[0]["x"], rows[0]["value"]
    if importlib.util.find_spec("numba") is not None:  # the VM backend (its kernels load once per process)
        row = symgraph_cell(workload, n, batch, repeats, backend="vm")
        if not np.allclose(row["value"], reference, rtol=1e-12, atol=1e-12):
            row["note"] = "values differ from the NumPy backend's"
        rows.append(row)
    for peer in peers:
        if peer == "sympy" and (workload != "rosenbrock" or n > SYMPY_MAX_N):
            continue  # sympy.hessian of the MLP took 128 s and its lambdify 131 s more (measured)
        row = CELLS[peer](workload, n, batch, repeats, x0)
        if "value" in row and not np.allclose(row["value"], reference, rtol=1e-9, atol=1e-9):
            row["note"] = "values differ from symgraph's"
        rows.append(row)
    return rows


HEADER = ("| workload | n | tool | derive | compile | program / function | nonzeros | one point | "
          "batch of {batch:,} |\n|---|---:|---|---:|---:|---:|---:|---:|---:|")


def row_text(workload: str, n: int, row: dict) -> str:
    if "program" not in row:
        return f"| {workload} | {n:,} | {row['tool']} | {row['note']} | | | | | |"
    ratio = f"{row['program']:,} / {row['function']:,} = {row['program'] / row['function']:.1f}×"
    derive = span(row["derive"]) if row["derive"] is not None else "(in compile)"
    batch = span(row.get("batch")) if row.get("batch") else row.get("batch_note", "-")
    note = f" ({row['note']})" if row.get("note") else ""
    return (f"| {workload} | {n:,} | {row['tool']}{note} | {derive} | {span(row['compile'])} | {ratio} | "
            f"{row['nnz']:,} | {span(row['one'])} | {batch} |")


def growth(cells: Sequence[tuple[str, int, dict]], sizes: Sequence[int]) -> list[str]:
    """The issue's yardsticks from the Rosenbrock rows: derivation time growth between the two largest
    sizes (the Hessian's against the gradient's and CasADi's), and derive + compile against CasADi's."""
    rows = {(n, row["tool"]): row for workload, n, row in cells if workload == "rosenbrock" and "derive" in row}
    lines = []
    if len(sizes) >= 2:
        small, large = sorted(sizes)[-2:]
        parts = []
        for tool, key, what in (("symgraph", "derive", "Hessian"), ("symgraph", "swept", "Hessian swept term by term"),
                                ("symgraph", "gradient", "gradient"),
                                ("CasADi", "derive", "CasADi's Hessian")):
            a, b = rows.get((small, tool), {}).get(key), rows.get((large, tool), {}).get(key)
            if a and b:
                parts.append(f"{what} {min(b) / min(a):.1f}×")
        if parts:
            lines.append(f"\nDerivation growth from n = {small:,} to {large:,} (best times): " + ", ".join(parts) + ".")
    large = max(sizes)
    mine, peer = rows.get((large, "symgraph (vm)")) or rows.get((large, "symgraph")), rows.get((large, "CasADi"))
    if mine and peer and peer.get("derive"):
        ours, theirs = min(mine["derive"]) + min(mine["compile"]), min(peer["derive"]) + min(peer["compile"])
        lines.append(f"At n = {large:,}: {mine['tool']} derive + compile {ours:.3g} s, CasADi's {theirs:.3g} s "
                     f"({ours / theirs:.1f}×); parsing the text, not in symgraph's figure as building the "
                     f"expression is not in CasADi's, took {min(mine['parse']):.3g} s more.")
        swept = rows.get((large, "symgraph"), {}).get("swept")
        if swept:
            lines.append(f"The same sum swept term by term (every term's sweeps, not replayed) took {min(swept):.3g} s "
                         f"to derive ({min(swept) / min(peer['derive']):.1f}× CasADi's derivation).")
    return lines


def main(sizes: Sequence[int] = SIZES, batch: int = 1_000, repeats: int = 3,
         peers: Sequence[str] = PEERS, mlp: bool = True) -> list[tuple[str, int, dict]]:
    """Print the table; return ``(workload, n, row)`` for every measured cell."""
    present = [p for p in peers if peer_available(p)]
    missing = [p for p in peers if p not in present]
    print(f"Hessians: best of {repeats} runs, range in brackets; sparse for Rosenbrock (symgraph, CasADi), "
          f"always dense for JAX and sympy\n")
    if missing:
        print(f"Skipped peers (not installed; pip install symgraph[bench]): {', '.join(missing)}\n")
    print(HEADER.format(batch=batch))
    cells = [("rosenbrock", n) for n in sizes] + ([("mlp", 67 + 4)] if mlp else [])
    out = []
    for workload, n in cells:
        for row in measure(workload, n, batch, repeats, present):
            out.append((workload, n, row))
            print(row_text(workload, n, row), flush=True)
    for line in growth(out, sizes):
        print(line)
    dense = max(sizes)
    print(f"\nA dense Hessian at n = {dense:,} takes 8 n² = {8 * dense ** 2 / 2 ** 20:,.0f} MiB a point "
          f"({8 * dense ** 2 * batch / 2 ** 30:,.1f} GiB for a batch of {batch:,}); symgraph's sparse one holds "
          f"{3 * dense - 2:,} values ({8 * (3 * dense - 2) / 2 ** 10:,.0f} KiB a point).")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 10 and 30, batches of 20, one run each")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing; the best counts (default 3)")
    args = parser.parse_args()
    if args.quick:
        main(QUICK_SIZES, batch=20, repeats=1)
    else:
        main(SIZES, repeats=args.repeats)
