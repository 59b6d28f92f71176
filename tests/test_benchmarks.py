"""Smoke test: the engine benchmark runs on tiny sizes (the real figures come from benchmarks/)."""
import importlib.util
from pathlib import Path


def test_engine_bench_smoke(capsys):
    path = Path(__file__).parent.parent / "benchmarks" / "engine_bench.py"
    spec = importlib.util.spec_from_file_location("engine_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(sizes=(10,), depths=(5,), forward_n=(5,))
    out = capsys.readouterr().out
    assert out.count("\n") == 2 + 4 and "| deep shared chain, reverse | 5 |" in out


def test_compile_bench_smoke(capsys):
    path = Path(__file__).parent.parent / "benchmarks" / "compile_bench.py"
    spec = importlib.util.spec_from_file_location("compile_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(n=5, points=50, repeats=1, min_seconds=0.0, only=("symgraph", "sympy"))
    out = capsys.readouterr().out
    assert "| symgraph `grad(...).lambdify()` |" in out and "| 1.00 |" in out
    assert "| sympy `lambdify(diff, cse=True)` |" in out
