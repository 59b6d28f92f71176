"""What a teacher handing the ``symgraph`` command to a class meets: files named for what they hold, empty input."""
import io

import pytest

import symgraph as sg
from symgraph.cli import main
from symgraph.errors import ArgumentError


def test_an_explorer_page_is_not_written_to_a_picture_file(tmp_path, capsys):
    # ``symgraph explore "x*y" -o page.png`` wrote the HTML page into page.png (no viewer opens it), where
    # ``graph`` refuses a format its -o suffix contradicts.
    target = tmp_path / "page.png"
    assert main(["explore", "x*y", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symgraph: cannot write html to") and "name the file page.html" in err
    assert not target.exists()
    with pytest.raises(ArgumentError, match=r"a \.svg file holds svg"):
        sg.explore("x*y").save(tmp_path / "page.svg")
    assert sg.explore("x*y").save(tmp_path / "page.htm").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_graph_is_not_written_to_a_page_file(tmp_path, capsys):
    assert main(["graph", "x*y", "-o", str(tmp_path / "g.html")]) == 2
    assert "cannot tell the format from '.html'" in capsys.readouterr().err


@pytest.mark.parametrize("data, why", [(b"", "it is empty"), (b"\r\n  \n", "it holds only white space, no expression")])
def test_empty_standard_input_is_one_line_as_an_empty_file_is(data, why, monkeypatch, capsys):
    # A student ran ``symgraph grad -`` and pressed Ctrl-D: the answer was a caret under an empty line.
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["grad", "-"]) == 2
    assert capsys.readouterr().err == f"symgraph: cannot read the expression from standard input: {why}\n"
