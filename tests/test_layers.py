"""The package's import graph: acyclic, and every import points down the layers of ``symgraph/__init__``.

Read with ``ast`` from the source, module-level and function-local imports
alike (only ``if TYPE_CHECKING:`` blocks, which never run, are left out).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "symgraph"

#: layer of each module or subpackage (the first matching prefix wins); see symgraph/__init__.py
LAYERS = {
    "symgraph.errors": 0, "symgraph.names": 0, "symgraph.binding": 0, "symgraph.progress": 0,
    "symgraph.options": 0, "symgraph.real_values": 0, "symgraph.float_warnings": 0,
    "symgraph.ops": 1, "symgraph.constants": 1, "symgraph.forms": 1, "symgraph.op_partials": 1,
    "symgraph.registered_calls": 1, "symgraph.rationals": 1, "symgraph.piecewise_forms": 1,
    "symgraph.ir": 2,
    "symgraph.frontend": 3,
    "symgraph.ad": 4,
    "symgraph.backends": 5, "symgraph.codegen": 5,
    "symgraph.export": 6,
    "symgraph.cost": 7, "symgraph.derive": 7, "symgraph.derivative_map": 7, "symgraph.directional": 7,
    "symgraph.compare": 7, "symgraph.compiled": 7, "symgraph.fitting": 7, "symgraph.userfunctions": 7,
    "symgraph.hessian": 7, "symgraph.term_replay": 7, "symgraph.hessian_vector": 7, "symgraph.sparsity": 7, "symgraph.matrices": 7,
    "symgraph.sparse_derivative": 7, "symgraph.matrix_functions": 7, "symgraph.matrix_program": 7,
    "symgraph.cli": 8, "symgraph.__main__": 8,
    "symgraph": 9,
}

#: optional heavy dependencies that may be imported inside a function (everything else at module level);
#: PIL (Pillow) comes with matplotlib, which pictures need anyway
OPTIONAL = {"matplotlib", "PIL", "numba", "tqdm", "dask", "scipy", "cupy", "llvmlite"}
#: required, but imported where first used: only the ``Graph.nx`` view and the pictures' layout need networkx,
#: a fifth of the time ``import symgraph`` took
DEFERRED = {"networkx"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    raise AssertionError(f"{module} has no layer: add it to LAYERS and to symgraph/__init__'s list")


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in ast.walk(node):
                if hasattr(inner, "lineno"):
                    lines.add(inner.lineno)
    return lines


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """``(imported symgraph module, line, function-local?)`` for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    local_lines = {n.lineno for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    found = []
    for node in ast.walk(tree):
        if node.lineno in skip if hasattr(node, "lineno") else False:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("symgraph"):
                continue
            for alias in node.names:  # `from . import ops` imports the module symgraph.ops
                sub = f"{target}.{alias.name}"
                found.append((sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                              or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else target,
                              node.lineno, node.lineno in local_lines))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("symgraph"):
                    found.append((alias.name, node.lineno, node.lineno in local_lines))
    return found


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        here = module_name(path)
        graph.add_node(here)
        for target, line, _ in imports(path):
            if target != here:
                graph.add_edge(here, target, line=line, file=str(path.relative_to(PACKAGE.parent)))
    return graph


def test_every_module_has_a_layer():
    for module in import_graph():
        layer(module)


def test_imports_are_acyclic():
    graph = import_graph()
    graph.remove_node("symgraph")  # the package's __init__ re-exports the API: it is imported first by Python
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_imports_point_down_the_layers():
    upward = [f"{data['file']}:{data['line']} {u} (layer {layer(u)}) imports {v} (layer {layer(v)})"
              for u, v, data in import_graph().edges(data=True) if v != "symgraph" and layer(v) > layer(u)]
    assert not upward, "imports that point up the layers:\n" + "\n".join(upward)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: module_name(p))
def test_function_local_imports_are_only_for_optional_dependencies(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    local = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if node.lineno in skip if hasattr(node, "lineno") else False:
                continue
            if isinstance(node, ast.ImportFrom):
                top = "symgraph" if node.level else (node.module or "").partition(".")[0]
            elif isinstance(node, ast.Import):
                top = node.names[0].name.partition(".")[0]
            else:
                continue
            if top not in OPTIONAL | DEFERRED:
                local.append(f"line {node.lineno}: {ast.unparse(node)}")
    assert not local, f"{path.name}: function-local imports of required modules:\n" + "\n".join(local)


def test_the_test_finds_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a module of layer 2 importing layer 7 is reported."""
    fake = tmp_path / "symgraph"
    (fake / "ir").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "derive.py").write_text("")
    (fake / "ir" / "__init__.py").write_text("")
    (fake / "ir" / "graph.py").write_text("from ..derive import grad\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    edges = list(import_graph().edges)
    assert ("symgraph.ir.graph", "symgraph.derive") in edges
    assert layer("symgraph.derive") > layer("symgraph.ir.graph")


def test_importing_and_using_symgraph_leaves_networkx_unimported():
    """``import symgraph`` took 1.5 s, a fifth of it importing networkx, which only the ``g.nx`` view and the
    matplotlib pictures use: parsing, a gradient, its closed form and its compiled function need none of it."""
    import subprocess
    script = ("import sys, symgraph as sg\n"
              "g = sg.grad('(a+b)*(b+1)', wrt=['a', 'b'])\n"
              "assert (repr(g), g.at(a=2, b=1)) == (\"Gradient({'a': b + 1, 'b': a + 2*b + 1})\", {'a': 2.0, 'b': 5.0})\n"
              "assert float(g.lambdify()(2.0, 1.0)[1]) == 5.0\n"
              "sg.to_mermaid(sg.parse('(a+b)*(b+1)'))\n"
              "print('networkx' in sys.modules)\n"
              "print(sorted(sg.parse('c = a + b; e = c * b').nx.edges))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=PACKAGE.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["False", "[('a', 'c'), ('b', 'c'), ('b', 'e'), ('c', 'e')]"]


#: "no module over about 400 lines": one responsibility per module keeps each readable in one sitting
MAX_MODULE_LINES = 450


def test_no_module_is_over_about_400_lines():
    long = {module_name(path): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by responsibility): {long}"
