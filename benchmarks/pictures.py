"""Time to draw a graph: symgraph's matplotlib engine against Graphviz's ``dot``, and the pictures' sizes.

Workloads, each drawn as a PNG with values and adjoints at a point (the
textbook's labels; ``+d`` rows add the local derivatives): the seed graph
``(x+y)*z``, the 2-3-1 network, a sum of products with shared factors
(``x0*x1 + x1*x2 + ...``, about 80 and 200 nodes) and a 4-12-1 network
(about 200 nodes).  For each: layout seconds (symgraph's
:func:`~symgraph.export.layout.arrange`), whole-draw seconds for each engine,
best of ``repeats``, the ratio dot / symgraph, and the picture's pixels, or
"refused" when symgraph declines (the message says what to do instead).
Graphviz is skipped with a note when ``dot`` is not installed.

Run: python benchmarks/pictures.py [--repeats 3]
Not part of the test suite; tests/test_benchmarks.py runs a tiny smoke version.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import symgraph as sg
from symgraph.export.draw import picture
from symgraph.export.label_values import resolve_labels

NETWORK = """h1 = sigmoid(w11*x1 + w12*x2 + b1)
h2 = sigmoid(w21*x1 + w22*x2 + b2)
h3 = tanh(w31*x1 + w32*x2 + b3)
y = u1*h1 + u2*h2 + u3*h3 + c"""


def chain_of_products(n: int) -> str:
    return " + ".join(f"x{i}*x{i + 1}" for i in range(n))


def wide_network(inputs: int, hidden: int) -> str:
    units = [f"h{j} = tanh(" + " + ".join(f"w{j}_{i}*x{i}" for i in range(inputs)) + f" + b{j})"
             for j in range(hidden)]
    return "\n".join(units) + "\ny = " + " + ".join(f"u{j}*h{j}" for j in range(hidden))


WORKLOADS = {
    "seed (x+y)*z": "p = x + y; g = p * z",
    "2-3-1 network": NETWORK,
    "sum of 40 products": chain_of_products(40),
    "sum of 100 products": chain_of_products(100),
    "4-12-1 network": wide_network(4, 12),
}


def png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def seconds(fn, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            result = fn()
        except sg.RenderError as error:
            result = error
        best = min(best, time.perf_counter() - start)
    return best, result


def main(repeats: int = 3, workloads: dict[str, str] | None = None, derivatives: bool = True) -> str:
    has_dot = shutil.which("dot") is not None
    sg.draw("x*y", engine="matplotlib")  # import matplotlib and load fonts before timing
    rows = ["| graph | labels | nodes | layout s | symgraph s | dot s | dot / symgraph | symgraph pixels |",
            "|---|---|---|---|---|---|---|---|"]
    for name, text in (workloads or WORKLOADS).items():
        graph = sg.parse(text)
        at = {x: 0.1 * (k % 7) - 0.3 for k, x in enumerate(graph.inputs)}
        for with_d in ((False, True) if derivatives else (False,)):
            kw = {"adjoints": True, "derivatives": with_d}
            labels = resolve_labels(graph, None, True, with_d or None, at)
            layout, _ = seconds(lambda: _layout_or_error(graph, labels), repeats)
            ours, data = seconds(lambda: sg.draw(graph, at=at, engine="matplotlib", **kw), repeats)
            pixels = "refused" if isinstance(data, sg.RenderError) else "%d x %d" % png_size(data)
            if has_dot:
                theirs, _ = seconds(lambda: sg.draw(graph, at=at, engine="graphviz", **kw), repeats)
                dot, ratio = f"{theirs:.2f}", f"{theirs / ours:.2f}"
            else:
                dot = ratio = "-"
            rows.append(f"| {name} | {'values, adjoints' + (', ∂' if with_d else '')} | {len(graph)} | "
                        f"{layout:.3f} | {ours:.2f} | {dot} | {ratio} | {pixels} |")
    report = "\n".join(rows) + ("" if has_dot else "\n\nGraphviz's dot is not installed: its column is empty.")
    print(report)
    return report


def _layout_or_error(graph, labels):
    try:
        return picture(graph, *labels)
    except sg.RenderError as error:
        return error


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    main(parser.parse_args().repeats)
