"""An optimiser's loop: scipy.optimize on Rosenbrock with symgraph's derivatives against hand-written ones and peers.

An optimiser calls the value and gradient (and a Hessian, or Hessian-vector
products) thousands of times, each at one point.  For extended Rosenbrock
(the README's ``sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)``),
each tool's functions are timed at one point (best of several runs), then
used by three scipy methods:

* **fg**: value and gradient (``jac=True``); **hessp**: H·p; **hess**: the
  Hessian (sparse CSR where the tool gives one; JAX's and scipy's are dense);
* L-BFGS-B from zeros (fg only: about 5,000 calls at n = 1,000), trust-constr
  with ``hess`` and Newton-CG with ``hessp`` from 1.2 (tens of iterations).

Tools: symgraph with the NumPy and the VM backend, scipy's hand-written
``rosen``/``rosen_der``/``rosen_hess``/``rosen_hess_prod``, CasADi (``Function`` of
``gradient``, ``jtimes``, ``hessian``) and JAX (``jit`` of ``value_and_grad``, a
``jvp`` of ``grad``, ``hessian``), each when installed.  Every tool's values at
a random point are checked against scipy's.  An optimiser run whose calls
alone would take longer than ``--budget`` seconds is estimated, not run.

Run: python benchmarks/optimise.py [--n 1000] [--budget 20]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from typing import Callable

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
TOOLS = ("symgraph", "symgraph-vm", "scipy", "casadi", "jax")


def available(tool: str) -> bool:
    module = {"symgraph-vm": "numba", "casadi": "casadi", "jax": "jax"}.get(tool)
    return module is None or importlib.util.find_spec(module) is not None


def make(tool: str, n: int) -> dict[str, Callable]:
    """The tool's ``fg(x) -> (f, g)``, ``hessp(x, p)`` and ``hess(x)``, and the seconds making them took."""
    start = time.perf_counter()
    if tool.startswith("symgraph"):
        import symgraph as sg
        backend = "vm" if tool == "symgraph-vm" else "numpy"
        made = {"fg": sg.value_and_grad(ROSENBROCK, wrt=["x"], vector=True, n=n, backend=backend),
                "hessp": sg.hessp(ROSENBROCK, ["x"], n=n, backend=backend),
                "hess": sg.hessian(ROSENBROCK, sparse=True, n=n).lambdify(backend=backend)}
    elif tool == "scipy":
        from scipy import optimize
        made = {"fg": lambda x: (optimize.rosen(x), optimize.rosen_der(x)), "hessp": optimize.rosen_hess_prod,
                "hess": optimize.rosen_hess}
    elif tool == "casadi":
        import casadi
        x, p = casadi.SX.sym("x", n), casadi.SX.sym("p", n)
        f = casadi.sum1(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        g = casadi.gradient(f, x)
        both = casadi.Function("fg", [x], [f, g])
        product = casadi.Function("hessp", [x, p], [casadi.jtimes(g, x, p)])
        hessian = casadi.Function("hessian", [x], [casadi.hessian(f, x)[0]])
        made = {"fg": lambda v: tuple(np.asarray(r.full()).ravel() if k else float(r) for k, r in enumerate(both(v))),
                "hessp": lambda v, w: np.asarray(product(v, w).full()).ravel(),
                "hess": lambda v: hessian(v).sparse().tocsr()}
    elif tool == "jax":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def f(v):
            return jnp.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)

        both = jax.jit(jax.value_and_grad(f))
        product = jax.jit(lambda v, w: jax.jvp(jax.grad(f), (v,), (w,))[1])
        hessian = jax.jit(jax.hessian(f))
        made = {"fg": lambda v: tuple(np.asarray(r) if k else float(r) for k, r in enumerate(both(v))),
                "hessp": lambda v, w: np.asarray(product(v, w)), "hess": lambda v: np.asarray(hessian(v))}
        x0 = np.zeros(n)
        for name in ("fg", "hess"):  # the first calls trace and compile
            made[name](x0)
        made["hessp"](x0, x0)
    else:
        raise ValueError(f"unknown tool {tool!r}")
    made["make"] = time.perf_counter() - start
    return made


def per_call(fn: Callable[[], object], repeats: int = 5, min_seconds: float = 0.05) -> float:
    """Best seconds per call of ``fn()`` over ``repeats`` timed loops of at least ``min_seconds`` each."""
    fn()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds / 5 or calls < 3:
        fn()
        calls += 1
    loop = max(1, int(calls * 5))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loop):
            fn()
        best = min(best, (time.perf_counter() - start) / loop)
    return best


def check(made: dict, n: int) -> str | None:
    """None when the tool's fg, hessp and hess equal scipy's at a random point (to 1e-9 relative), else what differs."""
    from scipy import optimize, sparse
    rng = np.random.default_rng(1)
    x, p = rng.uniform(-2, 2, n), rng.standard_normal(n)
    value, gradient = made["fg"](x)
    hess = made["hess"](x)
    hess = hess.toarray() if sparse.issparse(hess) else np.asarray(hess)
    for what, got, want in (("f", value, optimize.rosen(x)), ("g", gradient, optimize.rosen_der(x)),
                            ("hessp", made["hessp"](x, p), optimize.rosen_hess_prod(x, p)),
                            ("hess", hess, optimize.rosen_hess(x))):
        if not np.allclose(got, want, rtol=1e-9, atol=1e-9):
            return f"{what} differs from scipy's"
    return None


def optimise(made: dict, n: int, calls: dict[str, float], budget: float) -> dict[str, str]:
    """Each scipy method's seconds and iterations with this tool's functions (estimated when over ``budget``)."""
    from scipy import optimize
    runs = {"L-BFGS-B from 0": (np.zeros(n), dict(method="L-BFGS-B"), 5 * n, "fg"),
            "trust-constr from 1.2": (np.full(n, 1.2), dict(method="trust-constr", hess=made["hess"]), 30, "hess"),
            "Newton-CG from 1.2": (np.full(n, 1.2), dict(method="Newton-CG", hessp=made["hessp"],
                                                          options={"xtol": 1e-10}), 700, "hessp")}
    out = {}
    for name, (x0, options, expected_calls, heaviest) in runs.items():
        estimate = expected_calls * (calls["fg"] + calls[heaviest])
        if estimate > budget:
            out[name] = f"≈{estimate:.0f} s (not run)"
            continue
        start = time.perf_counter()
        result = optimize.minimize(made["fg"], x0, jac=True, **options)
        seconds = time.perf_counter() - start
        ok = "" if result.success and np.abs(result.x - 1).max() < 1e-4 else ", not converged"
        out[name] = f"{_t(seconds)} ({result.nit:,} it.{ok})"
    return out


def _t(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.1f} ms" if seconds < 1 else \
        f"{seconds:.2f} s"


def main(n: int = 1_000, tools: tuple[str, ...] = TOOLS, budget: float = 20.0) -> list[dict]:
    print(f"Rosenbrock, n = {n:,}: one point per call, best of 5 loops; scipy.optimize with each tool's functions")
    print()
    print("| tool | make | fg | hessp | hess | L-BFGS-B from 0 | trust-constr from 1.2 | Newton-CG from 1.2 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    x = np.random.default_rng(0).uniform(-2, 2, n)
    p = np.ones(n)
    for tool in tools:
        if not available(tool):
            print(f"| {tool} | not installed | | | | | | |")
            continue
        made = make(tool, n)
        problem = check(made, n)
        if problem:
            print(f"| {tool} | {problem} | | | | | | |")
            continue
        calls = {"fg": per_call(lambda: made["fg"](x)), "hessp": per_call(lambda: made["hessp"](x, p)),
                 "hess": per_call(lambda: made["hess"](x))}
        runs = optimise(made, n, calls, budget)
        row = {"tool": tool, "make": made["make"], **calls, **runs}
        rows.append(row)
        print(f"| {tool} | {_t(made['make'])} | {_t(calls['fg'])} | {_t(calls['hessp'])} | {_t(calls['hess'])} | "
              + " | ".join(runs.values()) + " |", flush=True)
    print()
    print("fg: value and gradient; hess: symgraph's and CasADi's sparse (CSR), scipy's and JAX's dense. 'make' for"
          " symgraph includes parsing and deriving; the VM's switch to native code comes after thousands of calls.")
    return rows


if __name__ == "__main__":
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--n", type=int, default=1_000)
    options.add_argument("--budget", type=float, default=20.0, help="seconds an optimiser run may take")
    options.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    arguments = options.parse_args()
    main(arguments.n, tuple(arguments.tools), arguments.budget)
