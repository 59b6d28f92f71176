"""What several test files share: the checkout's root, benchmark scripts loaded by path, bitwise comparison.

``benchmarks/`` is a folder of scripts, not a package, so a test that needs
one of its graph builders (``modes_bench.hourglass``) or runs a script on
tiny sizes loads the file itself.
"""
import importlib.util
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
