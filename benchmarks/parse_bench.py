"""Parsing speed: seconds per megabyte of text and the two adversarial chains, beside symengine and sympy.

Run: python benchmarks/parse_bench.py              (1 MB texts, the 524,288-term sum, the 100,001-factor product)
     python benchmarks/parse_bench.py --quick      (a tenth of each)
     python benchmarks/parse_bench.py --end-to-end (also parse + grad + lambdify of a 10^6-node graph)
     (symgraph: best of --repeats runs, 3 by default; each peer: best of --peer-repeats, 1 by default)
tests/test_benchmarks.py runs a tiny smoke version.

The texts, made by seeded generators:

* ``program``: ``name = expr`` lines with calls, powers, products and literals, each line using
  earlier names (about 22,000 lines in 1 MB);
* ``expression``: one 1 MB sum of such terms;
* ``x+x+...+x`` with 524,288 terms and ``x*x*...*x`` with 100,001 factors.

symgraph's time is ``sg.parse(text)`` (scan, build, name): the best of ``repeats`` runs, the range
over the runs beside it.  The peers parse the same text into their own expression trees, each in a
child process with a time limit: ``symengine.sympify`` (C++) and sympy's ``parse_expr`` (Python's
tokenizer plus an evaluation of the transformed source).  A program is not an expression for them,
so they parse its right-hand sides one by one (no names resolved).  ``^`` is written ``**`` for
them.  The ratio is the peer's time over symgraph's (above 1: symgraph is faster).
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import random
import subprocess
import sys
import time
from typing import Callable, Sequence

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import symgraph as sg
from symgraph.frontend.tokens import scan

MB = 1_000_000
FUNCTIONS = ("sin", "cos", "exp", "log", "tanh", "sqrt", "sigmoid")


def program(size: int, seed: int = 0) -> str:
    """About ``size`` characters of ``t<k> = expr`` lines; each line uses inputs and the last 20 names."""
    rng = random.Random(seed)
    lines, names, total = [], ["x", "y", "z"], 0
    while total < size:
        def atom() -> str:
            r = rng.random()
            if r < 0.5:
                return rng.choice(names[-20:])
            if r < 0.7:
                return str(rng.randint(1, 9)) if rng.random() < 0.7 else f"{rng.random():.3f}"
            return f"{rng.choice(FUNCTIONS)}({rng.choice(names)})"
        a, b, c, d = atom(), atom(), atom(), atom()
        expr = rng.choice([f"{a}*{b} + {c}^2 - {d}", f"({a} + {b})*({c} - {d})/2",
                           f"{a}^{rng.randint(2, 4)} + {b}*{c}*{d}", f"max({a}, {b}) + {c}/{d}"])
        line = f"t{len(names) - 2} = {expr}"
        lines.append(line)
        names.append(f"t{len(names) - 2}")
        total += len(line) + 1
    return "\n".join(lines)


def expression(size: int, seed: int = 1) -> str:
    """One sum of about ``size`` characters of products, powers and calls of x, y, z."""
    rng = random.Random(seed)
    parts, total = [], 0
    while total < size:
        term = rng.choice(["x*y", "sin(x)", "exp(-y)", "x^2", "2.5*z", "(x+y)*(y-z)", "log(1+x^2)", "cos(z)/y"])
        term = f"{term}*{rng.randint(1, 99)}"
        parts.append(term)
        total += len(term) + 3
    return " + ".join(parts)


def cases(scale: float) -> dict[str, str]:
    return {"program": program(int(MB * scale)), "expression": expression(int(MB * scale)),
            "x+x+...+x": "+".join(["x"] * int(524_288 * scale)),
            "x*x*...*x": "*".join(["x"] * int(100_001 * scale))}


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` runs of ``fn`` (garbage collected before each)."""
    seconds = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return seconds


def peer_parse(peer: str, case: str, scale: float) -> float:
    """Seconds ``peer`` takes to parse ``case`` (run in a child process by :func:`peer_seconds`)."""
    text = cases(scale)[case].replace("^", "**")
    texts = [line.split(" = ", 1)[1] for line in text.split("\n")] if case == "program" else [text]
    if peer == "symengine":
        import symengine
        parse_one = symengine.sympify
    else:
        from sympy.parsing.sympy_parser import parse_expr
        parse_one = parse_expr
    start = time.perf_counter()
    for t in texts:
        parse_one(t)
    return time.perf_counter() - start


def peer_seconds(peer: str, case: str, scale: float, repeats: int, timeout: float) -> dict:
    """The best of ``repeats`` child-process runs of :func:`peer_parse`, or why there is none."""
    code = ("import json, sys; sys.path.insert(0, %r); import parse_bench; "
            "print(json.dumps(parse_bench.peer_parse(%r, %r, %r)))"
            % (os.path.dirname(os.path.abspath(__file__)), peer, case, scale))
    runs = []
    for _ in range(repeats):
        try:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f">{timeout:g} s"}
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["failed"])[-1]
            return {"error": last.split(":")[0][:40]}
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {"seconds": runs}


def _span(seconds: Sequence[float]) -> str:
    return f"{min(seconds):.3f} s ({min(seconds):.3f}-{max(seconds):.3f})"


def _peer_cell(result: dict, ours: float) -> str:
    if "error" in result:
        return f"{result['error']} | -"
    best = min(result["seconds"])
    return f"{best:.3f} s | {best / ours:.2f}"


def main(scale: float = 1.0, repeats: int = 3, peers: Sequence[str] = ("symengine", "sympy"),
         timeout: float = 120.0, end_to_end: bool = False, peer_repeats: int = 1) -> list[dict]:
    """Print the table (and the end-to-end line when asked); return the measurements."""
    print(f"Parsing: best of {repeats} runs, range in brackets; peers: best of {peer_repeats}, each in a child "
          f"process (limit {timeout:g} s)\n")
    head = "| text | characters | tokens | graph nodes | symgraph `parse` | MB/s | µs per token |"
    rule = "|---|---:|---:|---:|---:|---:|---:|"
    for peer in peers:
        head += f" {peer} | {peer} / symgraph |"
        rule += "---:|---:|"
    print(head)
    print(rule)
    rows = []
    for case, text in cases(scale).items():
        tokens = len(scan(text).texts) - 1
        seconds = timed(lambda: sg.parse(text), repeats)
        graph = sg.parse(text)
        best = min(seconds)
        row = {"case": case, "chars": len(text), "tokens": tokens, "nodes": len(graph), "seconds": seconds}
        line = (f"| {case} | {len(text):,} | {tokens:,} | {len(graph):,} | {_span(seconds)} | "
                f"{len(text) / MB / best:.2f} | {best / tokens * 1e6:.2f} |")
        for peer in peers:
            row[peer] = peer_seconds(peer, case, scale, peer_repeats, timeout)
            line += f" {_peer_cell(row[peer], best)} |"
        print(line, flush=True)
        rows.append(row)
    if end_to_end:
        print()
        rows.append(end_to_end_line(repeats=1))
    return rows


def end_to_end_line(n: int = 250_000, repeats: int = 1) -> dict:
    """Parse, derive and compile a graph of about 10^6 nodes: seconds of each stage and parse's share.

    The text is one line, ``sum(sin(x[i])*x[i+1], i, 0, n-1)``: n terms of four nodes each (an input,
    sin, a product, a sum), expanded while parsing; the written-out text would exceed the parser's
    5 MB limit.  The gradient is by every input.
    """
    text = "sum(sin(x[i])*x[i+1], i, 0, n-1)"
    parse = min(timed(lambda: sg.parse(text, n=n), repeats))
    graph = sg.parse(text, n=n)
    derive = min(timed(lambda: sg.grad(graph), repeats))
    gradient = sg.grad(graph)
    compile_ = min(timed(lambda: gradient.lambdify(), repeats))
    total = parse + derive + compile_
    print(f"End to end, {len(graph):,} graph nodes: parse {parse:.2f} s + derive {derive:.2f} s + compile "
          f"{compile_:.2f} s = {total:.2f} s; parse's share {parse / total:.0%}")
    row = {"case": "end to end", "nodes": len(graph), "parse": parse, "derive": derive, "compile": compile_}
    if importlib.util.find_spec("numba") is not None:
        from symgraph.backends import vm
        vm.kernels()  # once per process, timed by benchmarks/evaluate.py
        row["compile_vm"] = min(timed(lambda: gradient.lambdify(backend="vm"), repeats))
        print(f"  with backend='vm': compile {row['compile_vm']:.2f} s, "
              f"total {parse + derive + row['compile_vm']:.2f} s")
    return row


if __name__ == "__main__":
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="a tenth of each text")
    options.add_argument("--repeats", type=int, default=3)
    options.add_argument("--peer-repeats", type=int, default=1)
    options.add_argument("--timeout", type=float, default=120.0, help="seconds a peer may take per run")
    options.add_argument("--no-peers", action="store_true")
    options.add_argument("--end-to-end", action="store_true", help="also parse + grad + lambdify at 10^6 nodes")
    arguments = options.parse_args()
    main(scale=0.1 if arguments.quick else 1.0, repeats=arguments.repeats,
         peers=() if arguments.no_peers else ("symengine", "sympy"), timeout=arguments.timeout,
         end_to_end=arguments.end_to_end, peer_repeats=arguments.peer_repeats)
