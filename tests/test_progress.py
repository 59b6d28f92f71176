"""Progress reports: callbacks see the work rise to its total; bars only when asked or on a terminal."""
import sys

import pytest

import symgraph as sg
from symgraph import progress as progress_module


def _chain(depth):
    return "\n".join(f"v{k + 1} = sin(v{k})*v{k}" if k else "v1 = sin(x)*x" for k in range(depth))


def test_reverse_callback_rises_to_the_node_visits():
    graph = sg.parse(_chain(3000))  # 6,001 nodes: one report mid-way, then the rest
    seen = []
    gradient = sg.grad(graph, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(4096, len(graph)), (len(graph), len(graph))]
    assert gradient.at(x=0.3)["x"] == sg.grad(graph, progress=False).at(x=0.3)["x"]


def test_forward_callback_counts_sweeps_and_jacobian_passes_it_on():
    seen = []
    sg.grad("x*y + z", mode="forward", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    seen.clear()
    sg.jacobian(["x*y", "x+y"], progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (seen[-1][1], seen[-1][1]) and len(seen) == 2  # one report per output's sweep


def test_default_is_quiet_off_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(progress_module, "AUTO_MIN_WORK", 1)
    sg.grad(_chain(10))
    assert capsys.readouterr().err == ""  # pytest's captured stderr is no terminal
    assert progress_module.progress_reporter(None, 10**9, "reverse mode") is None


def test_true_shows_a_tqdm_bar(capsys):
    pytest.importorskip("tqdm")
    sg.grad(_chain(10), progress=True)
    assert "reverse mode" in capsys.readouterr().err


def test_auto_bar_on_a_terminal(monkeypatch):
    pytest.importorskip("tqdm")

    class Terminal:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert progress_module.progress_reporter(None, 10, "reverse mode") is None  # too little work
    monkeypatch.setattr(progress_module, "AUTO_MIN_WORK", 100)
    sg.grad(_chain(100))
    assert "reverse mode" in terminal.text


def test_bad_progress_values():
    with pytest.raises(TypeError, match="progress must be"):
        sg.grad("x*y", progress="yes")
    sg.grad("x*y", progress=False)


def test_missing_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match="pip install tqdm"):
        sg.grad("x*y", progress=True)
