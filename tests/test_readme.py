"""The README's Python examples run as written, and print what the README shows.

Blocks of ``>>>`` lines run line by line in one namespace per block (with
the data a reader brings: ``f``, ``fs``, ``x0``, ``t``, ``X``, ``y``); a line
followed by output must give that output.  Plain blocks run as scripts.  The
dask.distributed example (a script for a ``__main__`` guard) is
tests/backends/test_distributed.py's.
"""
from __future__ import annotations

import contextlib
import inspect
import io
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _data(block: str) -> dict:
    """What a reader of ``block`` has at hand: the names the README's lines take as given."""
    import symgraph as sg

    rng = np.random.default_rng(0)
    m = 200 if "residuals" in block else 10_000  # the sizes the block's own text declares
    return dict(sg=sg, np=np, scipy=scipy, inspect=inspect, f="(a+b)*(b+1)", fs=["x*y", "x+y"],
                text="(a+b)*(b+1)", x0=np.zeros(2), t=np.linspace(0.0, 4.0, m) if m == 200 else
                rng.choice([-1.0, 1.0], m), X=rng.normal(size=(m, 3)), y=np.exp(-np.linspace(0.0, 4.0, m)) + 0.5)


def _statements(block: str) -> list[tuple[str, str]]:
    """``(code, expected output)`` for each ``>>>`` line (its comment dropped) of ``block``."""
    out: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith(">>> "):
            out.append((re.sub(r"\s+#.*$", "", line[4:]), []))
        elif out:
            out[-1][1].append(line)
    return [(code, "\n".join(lines).strip()) for code, lines in out]


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 6 and sum(">>>" in b for b in BLOCKS) >= 4


@pytest.fixture
def registry():
    """The functions a block registers (sg.function) are removed after it, as a reader's session would end."""
    from symgraph import ops

    before = set(ops.USER)
    yield
    for name in set(ops.USER) - before:
        ops.unregister(name)


@pytest.mark.parametrize("k", [k for k, b in enumerate(BLOCKS) if "__main__" not in b])
def test_a_readme_example_runs_and_prints_what_it_shows(k, registry):
    block, ns = BLOCKS[k], _data(BLOCKS[k])
    if ">>>" not in block:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(block, f"README block {k}", "exec"), ns)
        return
    for code, expected in _statements(block):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            try:
                value = eval(compile(code, f"README block {k}", "eval"), ns)
            except SyntaxError:  # an assignment or an import
                exec(compile(code, f"README block {k}", "exec"), ns)
                value = None
        got = printed.getvalue().strip() if value is None else repr(value)
        if expected:
            assert got == expected, f"README: {code}"


def test_the_readme_counts_a_powers_gradient_as_it_is_derived():
    """The README said x^y's gradient takes 10 operations and x^y^z's 23, and a power's partials at most nine: true
    before d(x^y)/dx took the form y/x at y = 0 (so that second derivatives there keep their values); they are 12,
    27 and eleven since, and 10, 24 and nine since d(x^y)/dy is one row, pow_log0 (it was x^y*log0(x), two).
    The sentence is read back and checked against the programs."""
    import symgraph as sg

    text = " ".join(README.read_text(encoding="utf-8").split())
    said = re.search(r"`x\^y`'s gradient program takes (\d+) operations for 1, `x\^y\^z`'s (\d+) for 2", text)
    assert said is not None, "the README's sentence on x^y's gradient moved: update this test"
    assert (int(said[1]), int(said[2])) == (sg.grad("x^y").program.ops, sg.grad("x^y^z").program.ops)
    assert "at most nine for a power with a variable base" in text
    assert sg.grad("x^y").program.ops - 1 == 9  # the partials, less the value x^y they read
