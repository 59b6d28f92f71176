"""``--at`` points as the user writes them (symgraph/cli/points.py)."""
from symgraph.cli import main


def test_an_element_the_expression_never_reads_may_be_given():
    """``x[0]`` of ``x[2]*y`` lies within x (``--at x=[...]`` must hold three numbers, and the gradient prints
    df/dx[0]), but ``--at x[0]=5`` said "x has no such element in the expression (indices up to x[2])"."""
    assert main(["grad", "x[2]*y", "--at", "x[0]=5", "x[2]=1", "y=2"]) == 0
    assert main(["grad", "x[2]*y", "--at", "x=[5, 0, 1]", "y=2"]) == 0


def test_an_unread_element_given_twice_or_beyond_the_extent_is_refused(capsys):
    assert main(["grad", "x[2]*y", "--at", "x=[5, 0, 1]", "x[0]=5", "y=2"]) == 2
    assert "--at gives 'x[0]' twice (as x= and as x[0]=)" in capsys.readouterr().err
    assert main(["grad", "x[2]*y", "--at", "x[ 0]=5", "x=[5, 0, 1]", "y=2"]) == 2
    assert "--at gives 'x[0]' twice (as x[ 0]= and as x=)" in capsys.readouterr().err
    assert main(["grad", "x[2]*y", "--at", "x[3]=5", "x[2]=1", "y=2"]) == 2
    assert "--at x[3]: x has no such element (indices up to x[2])" in capsys.readouterr().err
    assert main(["grad", "W[0,1]*W[1,0]", "--at", "W[0,1]=2", "W[1,0]=3", "W[1, 1]=7", "W[2,0]=1"]) == 2
    assert "--at W[2,0]: W has no such element (indices up to W[1, 1])" in capsys.readouterr().err


def test_a_number_below_float64s_smallest_is_refused_as_the_grammar_refuses_it(capsys):
    """``--at x=1e-400`` read 0 (Python's float), where the grammar refuses the literal 1e-400 (a nonzero number
    float64 would make 0) and ``--at x=1e-400*1`` said so: a number read as another, silently."""
    for at in (["x=1e-400", "y=1"], ["x=-1e-400", "y=1"], ["x=1.5E-999", "y=1"]):
        assert main(["grad", "x*y", "--at", *at]) == 2
        assert "is out of range: it is not 0, but float64 holds nonzero magnitudes" in capsys.readouterr().err
    assert main(["grad", "sum(x[i], i, 0, 1)", "--at", "x=[1e-400, 1]"]) == 2
    assert "is out of range" in capsys.readouterr().err
    assert main(["grad", "x*y", "--at", "x=0e-400", "y=5e-324"]) == 0  # zero, and the smallest subnormal
    assert capsys.readouterr().out.splitlines() == ["df/dx = y    = 4.940656458e-324", "df/dy = x    = 0"]
