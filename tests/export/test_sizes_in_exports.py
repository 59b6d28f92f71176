"""Pictures, Mermaid, DOT and the path list take the sizes an indexed text needs, as every other call does:
the error for a missing size said to bind it by keyword (n=...), which these calls refused as an
unexpected keyword argument."""
import pytest

import symgraph as sg

TEXT = "sum(x[i]^2, i, 0, n-1)"


def test_mermaid_and_dot_take_sizes():
    mermaid, dot = sg.to_mermaid(TEXT, n=2), sg.to_dot(TEXT, n=2)
    assert mermaid == sg.to_mermaid(sg.parse(TEXT, n=2)) and 'x_1["x[1]"]' in mermaid
    assert dot == sg.to_dot(sg.parse(TEXT, n=2))


def test_paths_take_sizes():
    paths = sg.paths(TEXT, n=3, at={"x": [1.0, 2.0, 3.0]})
    assert [p.value for p in paths] == [2.0, 4.0, 6.0]


def test_draw_takes_sizes():
    pytest.importorskip("matplotlib")
    assert sg.draw(TEXT, n=2, engine="matplotlib")[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_size_and_a_misspelt_option_are_still_named():
    with pytest.raises(sg.ParseError, match=r"bound by keyword, n=\.\.\."):
        sg.to_mermaid(TEXT)
    with pytest.raises(sg.SymgraphError, match=r"did you mean 'engine'"):
        sg.draw(TEXT, n=2, engin="matplotlib")
    with pytest.raises(sg.SymgraphError, match=r"sizes \(n\) apply to text; got a Graph"):
        sg.to_dot(sg.parse(TEXT, n=2), n=2)


def test_latex_of_indexed_text_takes_sizes():
    """to_latex refused n= as an unknown printer setting, so indexed text had no LaTeX at all."""
    assert sg.to_latex(TEXT, n=3) == "x_{0}^{2} + x_{1}^{2} + x_{2}^{2}"
    with pytest.raises(sg.ParseError, match=r"bound by keyword, n=\.\.\."):
        sg.to_latex(TEXT)
    with pytest.raises(sg.SymgraphError, match=r"did you mean 'expand'"):
        sg.to_latex(TEXT, n=3, expnd=True)
    with pytest.raises(sg.SymgraphError, match=r"unexpected keyword argument m=3"):
        sg.to_latex(TEXT, n=3, m=3)  # no word of the text
    # an option of to_latex that text does not take is to_latex's refusal, not a size parse() refuses
    for option in ({"name": "g"}, {"limit": 3}, {"aligned": True}):
        with pytest.raises(sg.ArgumentError, match=rf"to_latex\(\) of a str takes no {next(iter(option))}= \(it takes "
                                                   r"expand and the LaTeX printer settings\)"):
            sg.to_latex(TEXT, n=3, **option)
