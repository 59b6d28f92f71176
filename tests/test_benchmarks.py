"""Smoke tests: the benchmark scripts run on tiny sizes (the real figures come from benchmarks/)."""
import importlib.util
from pathlib import Path


def test_compile_bench_smoke(capsys):
    path = Path(__file__).parent.parent / "benchmarks" / "compile_bench.py"
    spec = importlib.util.spec_from_file_location("compile_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(n=5, points=50, repeats=1, min_seconds=0.0, only=("symgraph", "sympy"))
    out = capsys.readouterr().out
    assert "| symgraph `grad(...).lambdify()` |" in out and "| 1.00 |" in out
    assert "| sympy `lambdify(diff, cse=True)` |" in out


def _load_run():
    path = Path(__file__).parent.parent / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_smoke_without_peers():
    import io
    run = _load_run()
    out = io.StringIO()
    report = run.run({"rosenbrock": (3,), "product": (3,), "chain": (2,), "mlp": (1,)}, peers=(), out=out)
    assert report == out.getvalue().rstrip("\n")
    for title in run.TITLES.values():
        assert f"## {title}" in report
    rows = [line for line in report.splitlines() if line.startswith("| 3 |")]
    engine, evaluation = rows[0::2], rows[1::2]  # rosenbrock and product, n = 3
    assert len(rows) == 4 and all(line.count("|") == 10 for line in engine)
    assert all(line.startswith("| 3 | 100,000 |") and line.count("|") == 9 for line in evaluation)
    assert "| 3 | 5 | " in engine[1] and "| 2 | 3 | 1.50 |" in engine[1]  # x1*x2*x3: 2 ops, gradient 3
    assert "Derivation time" not in report  # no peers, no peer tables


def test_run_smoke_with_a_peer_and_limits(monkeypatch):
    import io
    run = _load_run()
    monkeypatch.setattr(run, "peer_available", lambda peer: peer == "sympy")
    report = run.run({"product": (3,)}, peers=("sympy", "jax"), timeout=120, memory=False, out=io.StringIO())
    assert "Skipped peers (not installed" in report and "jax" in report.split("Skipped peers")[1].split("\n")[0]
    peer_rows = [line for line in report.splitlines() if line.startswith("| 3 |") and "×)" in line]
    assert len(peer_rows) == 2  # sympy's derivation and evaluation times with their ratios to symgraph's
    assert "differs" not in report  # sympy's gradient values agree with symgraph's
    assert run.run_peer_cell("sympy", "product", 3, timeout=0.001)["error"] == "timeout >0.001s"


def test_workload_variables_match_the_parsed_text():
    import symgraph as sg
    run = _load_run()
    for workload, text in run.TEXTS.items():
        graph = sg.parse(text(4))
        assert sorted(graph.inputs) == sorted(run.variable_names(workload, 4))
