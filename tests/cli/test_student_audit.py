"""What a student of backpropagation meets on the command line: programs kept in files, with comments."""
import io

import pytest

from symgraph.cli import main
from symgraph.cli.inputs import one_line


PROGRAM = "c = a + b   # the sum\nd = (b +\n  1)  # shifted\n\ne = c * d\n"


@pytest.mark.parametrize("data", [b"# only a comment\n", b"  # one\n\n# two", b"#\r\n#\r\n"])
def test_a_file_of_comments_only_is_named_as_an_empty_file_is(data, tmp_path, capsys):
    """Was: ``symgraph grad @notes.txt`` of a file of comments printed "empty expression (at line 2, column 1)"
    over an empty caret excerpt, naming neither the file nor what was wrong."""
    path = tmp_path / "notes.txt"
    path.write_bytes(data)
    assert main(["grad", f"@{path}"]) == 2
    assert capsys.readouterr().err == (f"symgraph: cannot read the expression file @{path}: it holds only comments, "
                                       "no expression\n")


def test_comments_only_on_standard_input(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"# c = a + b\n")))
    assert main(["grad", "-"]) == 2
    assert capsys.readouterr().err == ("symgraph: cannot read the expression from standard input: it holds only "
                                       "comments, no expression\n")


def test_a_program_with_comments_still_reads(tmp_path, capsys):
    path = tmp_path / "textbook.txt"
    path.write_text(PROGRAM, encoding="utf-8")
    assert main(["grad", f"@{path}", "--at", "a=2", "b=1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["de/da = b + 1          = 2", "de/db = a + 2*b + 1    = 5"]


def test_the_jacobian_heads_a_program_on_one_line_without_its_comments(tmp_path, capsys):
    """Was: the heading joined the program's words with spaces, comment included, so the comment seemed to run over
    the rest: ``# c = a + b # the sum d = (b + 1) # shifted e = c * d``."""
    path = tmp_path / "textbook.txt"
    path.write_text(PROGRAM, encoding="utf-8")
    assert main(["jacobian", "x^2", f"@{path}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["# f1 = x^2", "# c = a + b; d = (b + 1); e = c * d"]
    assert "de/db  = a + 2*b + 1" in lines  # padded as df1/db


@pytest.mark.parametrize("text, line", [
    ("c = a + b; e = c * 2", "c = a + b; e = c * 2"),
    ("c = a + b;\ne = c * 2;", "c = a + b; e = c * 2;"),
    ("x + (y\n  + 1)", "x + (y + 1)"),
    ("s = sum(x[i]*\n w[i], i, 0, 2)\n# done", "s = sum(x[i]* w[i], i, 0, 2)"),
    ("a\r\nb", "a; b"),
])
def test_one_line(text, line):
    assert one_line(text) == line


def _usage_error(capsys, *argv: str) -> str:
    assert main(list(argv)) == 2
    return capsys.readouterr().err


def test_no_expr_at_all_gets_no_hint_about_lists(capsys):
    """Was: ``symgraph grad`` alone said that --wrt, --at and --size take every word after them, of a command line
    that has none of them."""
    err = _usage_error(capsys, "grad")
    assert err.endswith("error: the following arguments are required: EXPR\n") and "take every word" not in err


@pytest.mark.parametrize("argv", [["grad", "--wrt", "x", "y", "x*y"], ["grad", "--w", "x", "y", "x*y"],
                                  ["jacobian", "--at", "x=1", "x"], ["grad", "--size=n=3"]])
def test_a_list_that_took_expr_is_named(argv, capsys):
    assert "(--wrt, --at and --size take every word after them" in _usage_error(capsys, *argv)


def test_an_expression_read_as_an_unknown_option_says_to_put_it_after_dashes(capsys):
    """``symgraph grad --x`` (the expression --x, that is x) is read as an unknown option; it was told that list
    options take every word after them."""
    err = _usage_error(capsys, "grad", "--x")
    assert "take every word" not in err
    assert err.endswith("('--x' is not an option of symgraph grad: an expression that starts with '--' goes after "
                        "'--': symgraph grad -- \"--x\")\n")
    assert main(["grad", "--", "--x"]) == 0 and capsys.readouterr().out == "df/dx = 1\n"


def test_an_input_as_a_function_needs_no_heading(capsys):
    """Was: ``symgraph jacobian x 2`` headed its output "# x = x" (and "# f2 = 2")."""
    assert main(["jacobian", "x", "2", "--at", "x=5"]) == 0
    assert capsys.readouterr().out.splitlines() == ["# f2 = 2", "dx/dx  = 1    = 1", "df2/dx = 0    = 0"]


def test_expand_of_a_result_too_deep_gives_the_command_lines_advice(capsys):
    """Was: "...; use the program (print(result.program)), .at() or .lambdify() instead", Python calls."""
    deep = "sin(" * 150 + "x" + ")" * 150
    assert main(["grad", deep, "--expand"]) == 2
    assert capsys.readouterr().err == (
        "symgraph: the closed form of 'x' is nested 151 levels deep, more than sympy can handle (120): leave out "
        "--expand, and it prints as the program that computes it (with --at NAME=VALUE, its value)\n")
    assert main(["grad", deep, "--at", "x=0.5"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "df/dx = t299  (above)    = 0.01891048039"


def test_hessian_expand_of_an_entry_too_deep_for_sympy_is_the_error_alone(capsys):
    """The heading '# 1x1 Hessian of f: one entry' was printed before the error, as if a result followed."""
    text = "x"
    for _ in range(130):
        text = f"sin({text})"
    assert main(["hessian", text, "--expand"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "leave out --expand" in captured.err
    assert main(["hessian", text]) == 0 and capsys.readouterr().out.startswith("# 1x1 Hessian of f")
