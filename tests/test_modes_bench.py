"""Smoke test: the modes benchmark prints its three tables on tiny sizes (real figures come from benchmarks/)."""
import importlib.util
from pathlib import Path


def test_modes_bench_smoke(capsys):
    path = Path(__file__).parent.parent / "benchmarks" / "modes_bench.py"
    spec = importlib.util.spec_from_file_location("modes_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(sizes=(1, 2), shapes=((2, 2),), depths=(2, 14))
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 4 + 1 + 2
    assert "| 2 | 8 | 26 |" in out and "not enumerated" in out
    assert "| 1 | 2 |" in out and "forward |" in out
