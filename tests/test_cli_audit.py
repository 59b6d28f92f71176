"""The symgraph command as a careless user types it: slips that once gave a message about something else.

Each test is one command line a student or teacher might type, and what the
command says back: one line on stderr naming what is wrong and how to write
it, exit status 2, no traceback.
"""
from __future__ import annotations

import pytest

from symgraph.cli import main


def call(capsys, *argv):
    """``main(ARGV)`` in-process: (exit status, stdout, stderr)."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("point", ["a=2 b=1", "a=2  b = 1", "a=2;b=1", "a = 2 b=1"])
def test_a_point_quoted_as_one_word_says_to_give_one_pair_per_word(capsys, point):
    """Was: `--at "a=2 b=1"` (the pairs quoted together) said "missing operator between '2' and 'b'
    (implicit multiplication is not supported)", about a multiplication nobody wrote."""
    status, out, err = call(capsys, "grad", "a*b", "--at", point)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "one NAME=VALUE per word: --at x=1 y=2" in err
    assert "implicit multiplication" not in err and "';'" not in err


def test_a_point_with_a_comparison_is_still_a_constant_expression(capsys):
    """The check for a second pair does not take a comparison's '<=' or '==' for one."""
    status, out, err = call(capsys, "grad", "a*b", "--at", "a=where(1<=2, 3, 4)", "b=where(1==1, 1, 0)")
    assert status == 0, err
    assert out.splitlines() == ["df/da = b    = 1", "df/db = a    = 3"]


def test_an_at_sign_without_a_file_name_says_so(capsys):
    """Was: `symgraph grad @` (the file name forgotten) said ". is a directory, not an expression file"."""
    status, out, err = call(capsys, "grad", "@")
    assert status == 2 and out == ""
    assert err.strip() == "symgraph: @FILE needs a file name after the '@' (symgraph grad @expr.txt)"
