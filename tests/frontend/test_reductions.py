"""Elements read by the plain-index path (``x[3]``, ``W[i, 2]``) are the ones the bracket matcher and integer
parser give: the same graph, and the same error at the same position.

:meth:`Reductions._plain_index` reads an element whose indices are single tokens (short whole numbers, names
bound to integers) without the general path; each text here is built with it and with it turned off.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgraph as sg
from symgraph.errors import SymgraphError
from symgraph.frontend.parse import parse_over
from symgraph.frontend.reductions import Reductions

TEXTS = ["x[3] + x[0]*x[1]", "W[1, 2] - W[0,0]", "x[ 3 ] + y", "x[n] + x[0]", "x[n-1]", "x[99999999999999999]",
         "x[10000000]", "x[9999999] + x[0]", "W[3000, 4000]", "W[3, 4] + W[1]", "x[1] + x", "x + x[1]",
         "x[1, 2, 3] + x[0, 0, 0]", "x[0012]", "x[" + "9" * 30 + "]", "x[" + "9" * 400 + "]", "x[3", "x[3,]", "x[]",
         "x[3)", "x[3] [4]", "x[a]", "c = 2; x[c]", "c = 2^1100; x[c]", "c = 5; x[c] + c", "x[1.0]", "x[-1]",
         "sum(x[i]*W[i, 2], i, 0, 3)", "sum(x[i], i, -2, 1)", "sum(x[i]*x[3], i, 0, 4)", "i + x[i]", "sin[2]",
         "pi[1]", "sum[1]", "f(u) = u*x[1]; f(x[2])", "sum(x[i], i, 0, n-1)", "sum(W[i, i], i, 0, 2)"]
SIZES = [{}, {"n": 4}, {"x": 3}, {"x": (2, 3)}, {"W": (4, 3)}, {"n": 0}]


def _built(text: str, sizes: dict, over: tuple | None = None) -> tuple:
    try:
        g = parse_over(text, over, **sizes) if over else sg.parse(text, **sizes)
    except SymgraphError as error:
        return "error", type(error).__name__, str(error), getattr(error, "position", None)
    return "graph", g.inputs, g.outputs, g.input_labels, list(g.rows()), g.order


def _both(text: str, sizes: dict, over: tuple | None, monkeypatch) -> tuple:
    plain = _built(text, sizes, over)
    with monkeypatch.context() as m:
        m.setattr(Reductions, "_plain_index", lambda self, k: (None, 0))
        general = _built(text, sizes, over)
    return plain, general


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("text", TEXTS)
def test_plain_indices_read_as_the_general_path_reads_them(text, sizes, monkeypatch):
    plain, general = _both(text, {k: v for k, v in sizes.items() if k in text}, None, monkeypatch)
    assert plain == general


@pytest.mark.parametrize("text", [t for t in TEXTS if "k" not in t])
def test_plain_indices_in_over_templates(text, monkeypatch):
    plain, general = _both(text + " + y[k]", {"m": 3}, ("k", 0, "m-1"), monkeypatch)
    assert plain == general


def test_the_plain_path_reads_whole_numbers_and_bound_names():
    """The path is taken (and gives the element) for digits and integer names, one token an index."""
    assert sg.parse("x[3]*W[1, 2]").input_labels == ("x[3]", "W[1, 2]")
    assert sg.parse("sum(W[i, 2], i, 0, 1)").input_labels == ("W[0, 2]", "W[1, 2]")


_INDEX = st.one_of(st.integers(-3, 12).map(str), st.sampled_from(["n", "i", "c", "n-1", "i+1", "2*i", "x", "", " 1 ",
                                                                  "9" * 25]))


@st.composite
def _elements(draw) -> tuple:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(["x", "W", "y"]))
        indices = draw(st.lists(_INDEX, min_size=1, max_size=3))
        parts.append(f"{name}[{', '.join(indices)}]")
    body = " + ".join(parts)
    text = draw(st.sampled_from(["{}", "sum({}, i, 0, 2)", "c = 3; {}", "sum(a*{}, i, 1, n)"])).format(body)
    sizes = draw(st.sampled_from(SIZES))
    return text, {k: v for k, v in sizes.items() if k in text}


@settings(max_examples=200)
@given(_elements())
def test_generated_elements_read_as_the_general_path_reads_them(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        plain, general = _both(*case, None, monkeypatch)
    assert plain == general
