"""Hostile text through every entry point: deep nesting, long chains of prefix operators, names that look like
Python, huge and tiny constants.  Each gives a right result or a named symgraph error, in bounded time."""
import subprocess
import sys

import numpy as np
import pytest

import symgraph as sg
from tests.helpers import ROOT


def finishes(code: str, limit: float = 90) -> str:
    """Run ``code`` in a fresh interpreter from the checkout; its standard output.  A hang fails the test
    instead of stalling the suite (the limit is many times what the code needs, not a speed target)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=limit)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_long_run_of_unary_minuses_parses():
    """Each operand scanned the whole stack of open operators for a bracket, to word an error that was never
    raised: 100,000 unary minuses (one open operator each) took about ten minutes.  The scan is now made only
    when there is an error to word."""
    out = finishes("import symgraph as sg; g = sg.parse('-' * 100_000 + 'x'); print(len(g.nx), g.evaluate(x=3.0)[g.output])")
    nodes, value = out.split()
    assert int(nodes) == 100_001 and float(value) == 3.0  # an even number of negations
