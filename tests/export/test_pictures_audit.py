"""Big pictures with Graphviz, the engine `symgraph graph` uses wherever `dot` is installed.

The README promises one rule for every picture: a drawing that would be shown
too small folds its sums into one node each, and one still too big to read is
refused with what to draw instead.  The matplotlib engine kept it; Graphviz
scaled any drawing down to 4,000 pixels, however small its text came out.
"""
from __future__ import annotations

import shutil

import pytest

import symgraph as sg
from symgraph.cli import main

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

#: 40 terms of two branches each: 240 nodes, about 120 inches tall at Graphviz's natural size
BRANCHY = " + ".join(f"sin(x{i})*cos(x{i}*y)" for i in range(40))
#: a sum of 100 inputs: a chain of 99 additions, 163 inches wide unfolded, 75 tall folded
LONG_SUM = " + ".join(f"x{i}" for i in range(100))


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_graphviz_refuses_a_picture_too_big_to_read_as_matplotlib_does(fmt):
    """Was: Graphviz drew the 240-node graph as a 2462 x 4000 PNG whose labels were 6 pixels tall."""
    for engine in ("matplotlib", "graphviz"):
        with pytest.raises(sg.RenderError, match="too big to read"):
            sg.draw(BRANCHY, format=fmt, engine=engine)


def test_graphviz_folds_a_long_sum_into_one_node():
    """Was: Graphviz drew the 99 additions one by one, 163 inches wide, scaled to 24 dots an inch."""
    svg = sg.draw(LONG_SUM, format="svg", engine="graphviz").decode()
    assert "Σ 100 terms" in svg and "v2: +" not in svg
    png = sg.draw(LONG_SUM, engine="graphviz")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_graphviz_renders_only_the_drawing_it_keeps(monkeypatch):
    """Was: the unfolded sum was rendered as a PNG too, then thrown away for the folded one; rendering a large
    PNG is most of Graphviz's time (a 155-node network's picture took two renders of about a second each)."""
    import subprocess
    import symgraph.export.draw as draw
    commands, really = [], subprocess.run

    def run(command, **options):
        commands.append(command)
        return really(command, **options)

    monkeypatch.setattr(draw.subprocess, "run", run)
    png = sg.draw(LONG_SUM, engine="graphviz")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert sum("-Tpng" in command for command in commands) == 1 and len(commands) == 3  # two layouts, one render
    commands.clear()
    sg.draw("(a+b)*(b+1)", engine="graphviz")  # no sum to fold: one call lays it out and renders it
    assert len(commands) == 1 and "-Tpng" in commands[0]


def test_the_command_says_what_to_draw_instead(tmp_path, capsys):
    status = main(["graph", BRANCHY, "-o", str(tmp_path / "g.png")])
    err = capsys.readouterr().err
    assert status == 2 and "too big to read" in err and "--format dot" in err
    assert not (tmp_path / "g.png").exists()
