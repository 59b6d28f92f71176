"""What a teacher and a student of backpropagation met on the command line, and where it differed from the library.

Each test is a use from a lesson that once gave something wrong, or other than the same call in Python gives.
"""
from __future__ import annotations

import io
import re

import symgraph as sg
from symgraph.cli import main

PROGRAM = "c = a + b   # the sum\nd = b + 1\ne = c * d\n"


def _heading(path) -> str:
    return re.search(r"<title>symgraph explorer: (.*)</title>", path.read_text(encoding="utf-8")).group(1)


def test_a_page_of_a_program_read_from_a_file_is_headed_by_the_program(tmp_path, monkeypatch, capsys):
    """Was: ``symgraph explore @prog.txt`` (or ``-``, reading standard input) headed the page '(a + b)*(b + 1)', the
    formula alone, where the same text given on the command line, or to sg.explore, heads it with the program
    'c = a + b; d = b + 1; e = c * d' that names the output e the page's steps write."""
    (tmp_path / "prog.txt").write_text(PROGRAM, encoding="utf-8")
    library = sg.explore(PROGRAM).title
    assert library == "c = a + b; d = b + 1; e = c * d"
    assert main(["explore", f"@{tmp_path / 'prog.txt'}", "-o", str(tmp_path / "file.html")]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PROGRAM))
    assert main(["explore", "-", "-o", str(tmp_path / "stdin.html")]) == 0
    assert main(["explore", PROGRAM, "-o", str(tmp_path / "word.html")]) == 0
    assert [_heading(tmp_path / f"{name}.html") for name in ("file", "stdin", "word")] == [library] * 3
    assert main(["explore", "-x^2", "-o", str(tmp_path / "minus.html")]) == 0  # text starting with '-' is EXPR
    assert _heading(tmp_path / "minus.html") == "-x^2" == sg.explore("-x^2").title
    capsys.readouterr()


def test_jacobian_under_auto_says_which_mode_it_chose_as_grad_does(capsys):
    """Was: ``symgraph grad ... --mode auto`` printed "# mode='auto' chose reverse: ..." and its --json gave the mode
    chosen with "why"; ``symgraph jacobian ... --mode auto`` printed no word of its choice, and its --json said
    "mode": "auto", where sg.jacobian(..., mode="auto").cost.note says which mode and why."""
    import json
    functions = ["x*y", "x+y", "x-y"]
    note = sg.jacobian(functions, wrt=["x"], mode="auto").cost.note
    assert note.startswith("mode='auto' chose forward")
    assert main(["jacobian", *functions, "--wrt", "x", "--mode", "auto"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"# {note}"
    assert main(["jacobian", *functions, "--wrt", "x", "--mode", "auto", "--latex"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"% {note}"
    assert main(["jacobian", *functions, "--wrt", "x", "--mode", "auto", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["mode"], data["why"]) == ("forward", note)
    assert main(["jacobian", *functions, "--wrt", "x", "--mode", "reverse", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "reverse" and "why" not in data


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_explore_without_o_on_a_terminal_says_to_write_a_file(capsys, tmp_path):
    """Was: ``symgraph explore "x*y"`` typed at a terminal scrolled 40 kB of HTML past (the page script and all);
    a page is a file to open in a browser.  Piped or redirected, and with ``-o -``, it still goes to standard output."""
    terminal = _Terminal()
    assert main(["explore", "x*y"], out=terminal) == 2
    err = capsys.readouterr().err
    assert terminal.getvalue() == "" and "-o page.html" in err and "-o - prints it here" in err
    assert main(["explore", "x*y", "-o", "-"], out=terminal) == 0
    assert terminal.getvalue().startswith("<!DOCTYPE html>")
    piped = io.StringIO()
    assert main(["explore", "x*y"], out=piped) == 0 and piped.getvalue().startswith("<!DOCTYPE html>")
