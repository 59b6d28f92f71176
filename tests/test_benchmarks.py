"""Smoke tests: the benchmark scripts run on tiny sizes (the real figures come from benchmarks/)."""
import time

from tests.helpers import load_benchmark


def test_compile_bench_smoke(capsys):
    module = load_benchmark("compile_bench")
    module.main(n=5, points=50, repeats=1, min_seconds=0.0, only=("symgraph", "sympy"))
    out = capsys.readouterr().out
    assert "| symgraph `grad(...).lambdify()` |" in out and "| 1.00 |" in out
    assert "| sympy `lambdify(diff, cse=True)` |" in out


def _load_run(monkeypatch=None):
    """benchmarks/run.py; given ``monkeypatch``, each derivation is timed once, not best of DERIVE_REPEATS (the
    report's shape is under test, and every repeat is preceded by a full garbage collection of the test process)."""
    run = load_benchmark("run")
    if monkeypatch is not None:
        monkeypatch.setattr(run, "DERIVE_REPEATS", 1)
        monkeypatch.setattr(run, "DERIVE_MAX_REPEATS", 1)
    return run


def test_run_smoke_without_peers(monkeypatch):
    import io
    run = _load_run(monkeypatch)
    # numba's compile takes seconds per kernel: measured on the smallest workload only (the product's 3 operations)
    monkeypatch.setattr(run, "NUMBA_MAX_OPS", 5)
    out = io.StringIO()
    report = run.run({"rosenbrock": (3,), "product": (3,), "chain": (2,), "mlp": (1,)}, peers=(), out=out)
    assert report == out.getvalue().rstrip("\n")
    for title in run.TITLES.values():
        assert f"## {title}" in report
    rows = [line for line in report.splitlines() if line.startswith("| 3 |")]
    engine = [line for line in rows if not line.startswith("| 3 | 100,000 |")]  # rosenbrock and product, n = 3
    evaluation = [line for line in rows if line.startswith("| 3 | 100,000 |")]  # making, batch, one point, each
    assert len(engine) == 2 and all(line.count("|") == 10 for line in engine)
    assert len(evaluation) == 6 and all(line.count("|") == 6 for line in evaluation)
    assert report.count("Making a callable (seconds)") == 4 and "One point, value and gradient (seconds)" in report
    assert "| 3 | 5 | " in engine[1] and "| 2 | 3 | 1.50 |" in engine[1]  # x1*x2*x3: 2 ops, gradient 3
    assert "Derivation time" not in report  # no peers, no peer tables


def test_run_smoke_with_a_peer_and_limits(monkeypatch):
    import io
    run = _load_run(monkeypatch)
    monkeypatch.setattr(run, "peer_available", lambda peer: peer == "sympy")
    report = run.run({"product": (3,)}, peers=("sympy", "jax"), timeout=120, memory=False, out=io.StringIO())
    assert "Skipped peers (not installed" in report and "jax" in report.split("Skipped peers")[1].split("\n")[0]
    peer_rows = [line for line in report.splitlines() if line.startswith("| 3 |") and line.rstrip(" |").endswith("×)")]
    assert len(peer_rows) == 4  # sympy's derivation time, its making, batch and one-point times, with ratios
    assert "differs" not in report  # sympy's gradient values agree with symgraph's
    assert run.run_peer_cell("sympy", "product", 3, timeout=0.001)["error"] == "timeout >0.001s"


def test_end_to_end_cells_agree():
    run = _load_run()
    rows = run.end_to_end_table(["symgraph", "symgraph-vm"], [5], timeout=300)
    assert len(rows) == 1 and rows[0][0] == "5" and "differs" not in rows[0][1] and "error" not in rows[0][1]
    assert rows[0][1].count("make") == 1 and rows[0][2].startswith(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))


def test_workload_variables_match_the_parsed_text():
    import symgraph as sg
    run = _load_run()
    for workload, text in run.TEXTS.items():
        graph = sg.parse(text(4))
        assert sorted(graph.inputs) == sorted(run.variable_names(workload, 4))


def test_peer_schedule_limits_skips_and_lower_bounds():
    run = _load_run()
    calls = []

    def cell(peer, workload, n, limit):
        calls.append((peer, n, limit))
        if peer == "slow" and n >= 100:
            return {"error": f"timeout >{limit:g}s", "timeout": True, "at_least": limit}
        return {"seconds": {"fast": 0.001, "steady": 2.0, "slow": 1.0}[peer] * n / 10}

    schedule = run.PeerSchedule({"steady": 100.0}, 30.0, cell, "seconds")
    for n in (10, 100, 1000, 10_000):
        for peer in ("fast", "steady", "slow"):
            schedule.run(peer, n, "w", n)
    # each peer ran with its own limit; "slow" stopped after its time-out
    assert ("steady", 10, 100.0) in calls and ("fast", 10, 30.0) in calls
    assert [n for p, n, _ in calls if p == "slow"] == [10, 100]
    assert schedule.run("slow", 100_000, "w", 100_000)["error"] == "skipped (timed out at 100)"
    # "steady" took 20 s at 100 and 200 s would pass its 100 s limit at 1,000: skipped, not run,
    # with the linear extrapolation as a lower bound for the ratio column
    assert [n for p, n, _ in calls if p == "steady"] == [10, 100]
    skipped = schedule.run("steady", 1000, "w", 1000)
    assert skipped["at_least"] == 200.0 and skipped["error"].startswith("skipped: >=200")
    assert run.peer_cell_text(skipped, 0.5) == f"{skipped['error']} (>400×)"
    assert [n for p, n, _ in calls if p == "fast"] == [10, 100, 1000, 10_000]


def test_best_derivation_repeats_fast_work_and_stays_within_a_cell_limit(monkeypatch):
    run = _load_run()
    runs = []
    seconds, result = run.best_derivation(lambda: runs.append(1) or len(runs))
    assert len(runs) == run.DERIVE_MAX_REPEATS and result == run.DERIVE_MAX_REPEATS and seconds >= 0
    runs.clear()  # work that fills the short budget at once runs the usual number of times
    run.best_derivation(lambda: runs.append(1) or time.sleep(run.DERIVE_SHORT / 2))
    assert len(runs) == run.DERIVE_REPEATS
    monkeypatch.setenv("SYMGRAPH_BENCH_LIMIT", "0")  # a child whose limit leaves no room for repeats
    runs.clear()
    run.best_derivation(lambda: runs.append(1))
    assert len(runs) == 1


def test_peer_timeout_option_is_checked(capsys):
    import pytest
    run = _load_run()
    with pytest.raises(SystemExit):
        run.main(["--peer-timeout", "maple=10"])
    assert "PEER=SECONDS" in capsys.readouterr().err


def test_growth_table_sets_derivation_growth_beside_a_linear_loop(monkeypatch):
    import io
    run = _load_run(monkeypatch)
    report = run.run({"product": (3, 30)}, peers=(), memory=False, evaluation=False, out=io.StringIO())
    growth = report.split("Growth from each size to the next")[1].splitlines()
    assert "| n | size | gradient ops | symgraph reverse | linear Python loop |" in growth
    row = next(line for line in growth if line.startswith("| 3 → 30 |"))
    assert row.startswith("| 3 → 30 | 10.0× | 28.0× |") and row.count("×") == 4  # 84 gradient ops against 3


def test_linear_loop_emits_one_instruction_per_operation_row():
    run = _load_run()
    ops, operands = run.loop_graph(1000)
    program = run.linear_loop(ops, operands)
    assert len(program) == 999 and program[0] == ("t1", "mul", ("v998", "v999"))
    assert run.growth_rows([(10, 5, 1.0, 2.0, {"casadi": 0.5}), (100, 50, 12.0, 26.0, {"casadi": None})],
                           ["casadi"]) == [["10 → 100", "10.0×", "10.0×", "12.0×", "-", "13.0×"]]


def test_modes_bench_smoke(capsys):
    module = load_benchmark("modes_bench")
    # depth 12: 8,192 paths, under the path limit, but too many edges along them: the path sum refuses and
    # the script stopped on its PathLimitError before the table's last rows
    module.main(sizes=(1, 2), shapes=((2, 2),), depths=(2, 12, 14))
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 4 + 1 + 3
    assert "| 2 | 8 | 26 |" in out and "| 12 | 8,192 | not enumerated" in out
    assert "| 1 | 2 |" in out and "forward |" in out


def test_indexed_bench_smoke(capsys):
    module = load_benchmark("indexed")
    rows = module.main(sizes=(3, 20), repeats=2, context_n=5)
    out = capsys.readouterr().out
    assert [row["terms"] for row in rows] == [2, 19] and all(len(row["one"]) == 2 for row in rows)
    import symgraph as sg
    nodes = len(sg.parse(module.written_out(20)).order)
    assert rows[1]["nodes"] == nodes and f"| 20 | 19 | {nodes} |" in out and "× |" in out
    assert "Context at n = 5: gradient from the one-line text" in out and "(5 partials)" in out
    assert module.written_out(3) == "(100*(x[1]-x[0]^2)^2+(1-x[0])^2) + (100*(x[2]-x[1]^2)^2+(1-x[1])^2)"


def test_indexed_bench_dense_mlp_hessian_is_the_public_one():
    """The VM rows' dense MLP Hessian is sg.hessian's (it called DerivativeMatrix.of with arguments of old)."""
    module = load_benchmark("indexed")
    hessian = module.dense_mlp_hessian()
    assert hessian.shape == (71, 71) and hessian.program.ops > 0
    import numpy as np
    values = hessian.lambdify()(*np.full(len(hessian.graph.inputs), 0.1))
    assert values.shape == (71, 71) and np.allclose(values, values.T)


def test_hessian_bench_smoke(capsys):
    module = load_benchmark("hessian")
    cells = module.main(sizes=(5, 12), batch=4, repeats=1, peers=("casadi",), mlp=False)
    out = capsys.readouterr().out
    mine = [row for workload, n, row in cells if row["tool"] == "symgraph"]
    assert [row["nnz"] for row in mine] == [13, 34]  # tridiagonal: 3n - 2
    assert "| rosenbrock | 12 | symgraph |" in out and "batch of 4 |" in out and "differ" not in out
    assert ("| rosenbrock | 12 | CasADi |" in out) == module.peer_available("casadi")
    assert "symgraph's sparse one holds 34 values" in out
    assert "Derivation growth from n = 5 to 12 (best times): Hessian " in out and ", gradient " in out
    assert all(row["gradient"] for row in mine)  # the gradient's derivation, timed beside the Hessian's
    assert ("At n = 12: symgraph (vm) derive + compile " in out) == module.peer_available("casadi")
    vm = [row for workload, n, row in cells if row["tool"] == "symgraph (vm)"]
    assert [row["nnz"] for row in vm] == [13, 34] and "| rosenbrock | 12 | symgraph (vm) |" in out


def test_pictures_bench_smoke():
    module = load_benchmark("pictures")
    report = module.main(repeats=1, workloads={"seed": "p = x + y; g = p * z"}, derivatives=False)
    assert "| seed | values, adjoints | 5 |" in report and "x" in report.splitlines()[2].split("|")[-2]


def test_parse_bench_smoke(capsys):
    module = load_benchmark("parse_bench")
    rows = module.main(scale=0.001, repeats=1, peers=("symengine",), timeout=60)
    out = capsys.readouterr().out
    assert [row["case"] for row in rows] == ["program", "expression", "x+x+...+x", "x*x*...*x"]
    assert rows[2]["nodes"] == 524 and rows[3]["nodes"] == 100  # the chains: one node per term
    assert "| x+x+...+x | 1,047 | 1,047 | 524 |" in out and "symengine / symgraph" in out
    assert all("seconds" in row["symengine"] or "error" in row["symengine"] for row in rows)


def test_evaluate_bench_cells_agree():
    """The evaluation benchmark's cells compute the same gradients (symgraph's backends and the peers present)."""
    import importlib.util
    import pytest
    pytest.importorskip("numba")
    evaluate = load_benchmark("evaluate")
    base = evaluate.measure_symgraph("rosenbrock", 10, "vm")
    rows = [evaluate.measure_symgraph("rosenbrock", 10, "numpy")]
    rows += [evaluate.MEASURE[peer]("rosenbrock", 10) for peer in ("casadi", "symengine")
             if importlib.util.find_spec(peer) is not None]
    for row in rows:
        assert row["check"] == pytest.approx(base["check"], rel=1e-9)
        assert row["check_batch"] == pytest.approx(base["check_batch"], rel=1e-9)
        assert 0 < row["one"] < 1 and 0 < row["batch"] < 10 and row["make"] >= 0


def test_optimise_smoke(capsys):
    module = load_benchmark("optimise")
    rows = module.main(n=20, tools=("symgraph", "symgraph-vm", "scipy"), budget=5.0)
    out = capsys.readouterr().out
    assert [row["tool"] for row in rows] == ["symgraph", "symgraph-vm", "scipy"]  # every tool agreed with scipy
    for row in rows:
        assert all("it." in row[run] and "not converged" not in row[run]
                   for run in ("L-BFGS-B from 0", "trust-constr from 1.2", "Newton-CG from 1.2")), row
    assert out.count("| symgraph") == 2 and "| scipy |" in out
