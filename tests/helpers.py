"""What several test files share: the checkout's root, benchmark scripts loaded by path, bitwise comparison,
a bound on the work a call does.

``benchmarks/`` is a folder of scripts, not a package, so a test that needs
one of its graph builders (``modes_bench.hourglass``) or runs a script on
tiny sizes loads the file itself.
"""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load_benchmark(name: str) -> ModuleType:
    """A fresh copy of ``benchmarks/<name>.py``: each call runs the script's top level again."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bits(values) -> list:
    """Results as comparable bit patterns (every nan alike), in a flat list: for "bitwise equal" assertions."""
    out = []
    for v in values if isinstance(values, (tuple, list)) else (values,):
        if isinstance(v, tuple):
            out += bits(v)
            continue
        a = np.asarray(v, dtype=np.float64).reshape(-1)
        out += ["nan" if np.isnan(x) else x.view(np.int64).item() for x in a]
    return out


class bounded_work:
    """``with bounded_work(calls, what):`` the block makes at most ``calls`` Python and C function calls.

    How the suite holds "every result within about a second" and "nothing hangs": by the work a call does,
    which the machine's load does not change.  Seconds did change with it: a Hessian's repr bounded at 2 s
    took 4.3 s on a machine running three suites, and passed alone.  A regression from linear to quadratic
    work, or a walk that does not stop, multiplies the count as it would the time.  The bounds are a few
    times the counts measured in a fresh process (sympy's caches cold), so test order does not matter.
    The check also runs when the block raises, so ``pytest.raises`` around it sees an overrun.
    """

    def __init__(self, calls: int, what: str = ""):
        self.bound, self.what, self.calls = calls, what, 0

    def _count(self, frame, event, arg) -> None:
        if event == "call" or event == "c_call":
            self.calls += 1

    def __enter__(self) -> "bounded_work":
        self._before = sys.getprofile()
        sys.setprofile(self._count)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(self._before)
        assert self.calls <= self.bound, f"{self.what}: {self.calls:,} calls, more than {self.bound:,}"
