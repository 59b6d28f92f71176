"""Every public result prints within about a second and at a bounded size, however large it is.

One large instance of each result type (10^4 to 10^5 nodes, rows or entries; a few with entries just under
the size that prints as a formula, whose LaTeX was 40-110 kB), built once for the module, and every text
and notebook form it has: ``repr``, ``str`` and the ``_repr_*_`` methods a notebook calls.  "Within about a
second" is held as a bound on the calls each makes (:class:`tests.helpers.bounded_work`), which a busy machine
does not change.
"""

import pytest

import symgraph as sg
from tests.helpers import bounded_work

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
CHAIN = "; ".join(["v0 = x"] + [f"v{i} = sin(v{i - 1})" for i in range(1, 2001)])
LAYERS = "; ".join(f"v{i + 1} = sin(v{i}) + cos(v{i})" for i in range(10)).replace("v0", "x")
WIDE = "exp(" + " + ".join(f"sin(x{i})*cos(x{(i + 1) % 15})" for i in range(15)) + ")"  # entries of 50-200 ops
WIDE_WRT = [f"x{i}" for i in range(15)]
N = 1_000  # a gradient's program of 10,000-30,000 rows

#: what each case builds; ``get(name)`` is another case's result, built once
BUILDERS = {
    "graph": lambda get: sg.parse(ROSENBROCK, n=10 * N),
    "gradient": lambda get: sg.grad(ROSENBROCK, "x", n=N),
    "program": lambda get: get("gradient").program,
    "cost": lambda get: get("gradient").cost,
    "gradient of max": lambda get: sg.grad("max(" + ", ".join(f"x{i}" for i in range(3 * N)) + ")"),
    "jvp": lambda get: sg.jvp(ROSENBROCK, "x", [1] * N, n=N),
    "vjp": lambda get: sg.vjp([f"x{i}*x{i + 1}" for i in range(N)], [f"x{i}" for i in range(N + 1)], [1] * N),
    "hvp": lambda get: sg.hvp(ROSENBROCK, "x", [1] * N, n=N),
    "jacobian": lambda get: sg.jacobian([f"x{i}*x{(i + 1) % 100} + sin(x{i})" for i in range(100)],
                                         [f"x{i}" for i in range(100)]),
    "hessian": lambda get: sg.hessian(ROSENBROCK, "x", n=100),
    "hessian of wide entries": lambda get: sg.hessian(WIDE),
    "sparse hessian": lambda get: sg.hessian(ROSENBROCK, "x", n=N, sparse=True),
    "sparse hessian of wide entries": lambda get: sg.hessian(WIDE, sparse=True),
    "sparse jacobian of wide entries": lambda get: sg.jacobian([f"{WIDE}*{x}" for x in WIDE_WRT], WIDE_WRT,
                                                                sparse=True),
    "compare": lambda get: sg.compare(ROSENBROCK, "x", n=100),
    "paths of a long chain": lambda get: sg.paths(CHAIN, at={"x": 0.5}),
    "many paths": lambda get: sg.paths(LAYERS, limit=2_000),
    "compiled": lambda get: get("gradient").lambdify(),
    "residuals": lambda get: sg.residuals("y[k] - a*exp(b*t[k])", ["a", "b"], over=("k", 0, "m-1"), m=300),
    "explorer": lambda get: sg.explore(" + ".join(f"sin(x{i})*x{i + 1}" for i in range(20))),
}

METHODS = ("__repr__", "__str__", "_repr_latex_", "_repr_html_", "_repr_markdown_", "_repr_mimebundle_",
           "_repr_svg_", "_repr_png_")
CALLS = 2_000_000  # the largest, a 100 x 100 Hessian's repr, makes 450,000 calls
CHARACTERS = 30_000
#: the explorer's page is the whole self-contained explorer (script, style, picture), for graphs of at most 250 nodes
PAGES = {("explorer", "_repr_html_"), ("explorer", "_repr_mimebundle_")}


@pytest.fixture(scope="module")
def made():
    """The results, each built on first use and kept for the module."""
    return {}


def _built(made, name):
    if name not in made:
        made[name] = BUILDERS[name](lambda other: _built(made, other))
    return made[name]


def _size(shown):
    if isinstance(shown, dict):
        return sum(_size(v) for v in shown.values())
    if isinstance(shown, tuple):
        return sum(_size(v) for v in shown)
    return len(shown) if isinstance(shown, (str, bytes)) else 0


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_result_prints_quickly_and_bounded(made, name):
    result = _built(made, name)
    found = [method for method in METHODS if callable(getattr(result, method, None))]
    assert "__repr__" in found
    for method in found:
        with bounded_work(CALLS, f"{name}: {method}"):
            shown = getattr(result, method)()
        if (name, method) not in PAGES:
            assert _size(shown) <= CHARACTERS, f"{name}: {method} wrote {_size(shown):,} characters"
