"""A term holding its own reduction is recorded once and replayed: the graph, names and errors of parsing it anew.

:mod:`symgraph.frontend.replay` records a reduction's term (or an ``over=`` template) once, the terms of the
reductions inside it included, and makes the other terms from the record.  Each text here is built three
ways: as it is, with the one-loop path turned off (every term replayed call by call), and with the replay
turned off (every term parsed at every value): the
graphs must be equal row for row, with the same inputs, outputs, labels and order, and an error the same
error at the same position.  The budget of terms is made small in some cases, so that its checks refuse a
term after the first.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgraph as sg
import symgraph.frontend.parse as parse_module
import symgraph.frontend.reductions as reductions_module
import symgraph.frontend.replay as replay_module
from symgraph.errors import SymgraphError
from symgraph.frontend.parse import parse_over
from symgraph.frontend.reductions import Reductions
from symgraph.frontend.replay import _Tape

LOGISTIC = "sum(log(1 + exp(-y[i]*sum(w[j]*X[i, j], j, 0, k-1))), i, 0, m-1)"

CASES = [  # (text, sizes, over, budget of terms or None)
    (LOGISTIC, dict(m=6, k=3), None, None),
    (LOGISTIC, dict(m=6, k=3, X=(6, 3), y=6), None, None),  # declared extents
    (LOGISTIC, dict(m=6, k=3, X=(5, 3)), None, None),  # X[5, 0] out of range at the last row
    ("sum((y[i] - sum(w[j]*X[i, j], j, 0, k-1))^2, i, 0, m-1)", dict(m=5, k=4), None, None),
    ("sum(sum(x[i]*x[j]*A[i, j], j, 0, n-1), i, 0, n-1)", dict(n=4), None, None),  # x[i] is x[j] at i = j = 0
    ("sum(y[i]*sum(w[j]*x[i+j], j, 0, 2), i, 0, 4)", {}, None, None),
    ("sum(y[i]*sum(x[3-i-j], j, 0, 2), i, 0, 3)", {}, None, None),  # x[-1] at i = 2
    ("sum(sum(x[i*j], j, 0, 2), i, 0, 3)", {}, None, None),  # an inner index the record cannot place
    ("sum(sum(x[j], j, 0, i), i, 0, 3)", {}, None, None),  # a bound that grows with the index
    ("sum(a*sum(y[i, j]*sum(z[l]*W[i, l], l, 0, 1), j, 0, 2), i, 0, 4)", {}, None, None),
    ("sum(sum(j*w[j] + y[i], j, 0, 2) + prod(1 + x[i], j, 1, 2), i, 0, 4)", {}, None, None),
    ("sum(sum(w[j], j, 0, p-1) + y[i], i, 0, 3)", dict(p=0), None, None),  # an empty inner range
    ("sum(where(sum(w[j]*X[i, j], j, 0, 1) > 0, y[i], -y[i]), i, 0, 4)", {}, None, None),
    ("sum(sum(w[j] > X[i, j], j, 0, 1), i, 0, 2)", {}, None, None),  # a condition as a term
    ("c = x[0]*2; sum(c + x[i]*2, i, 0, 3)", {}, None, None),  # a step makes the node c at i = 0
    ("c = sum(w[j], j, 0, 2); sum(c*y[i] + sum(w[j], j, 0, 2), i, 0, 3)", {}, None, None),
    ("y[k] - sum(w[j]*X[k, j], j, 0, p-1)", dict(p=3, m=5), ("k", 0, "m-1"), None),
    ("y[k] - sum(w[j]*X[k-1, j], j, 0, 1)", {}, ("k", 0, 3), None),  # X[-1, 0] at the first copy
    ("y[k] - sum(w[j]*X[k+1, j], j, 0, 1)", dict(X=(3, 2)), ("k", 0, 2), None),  # X[3, 0] at the last copy
    ("y[k] - a*sum(t[k]^j, j, 0, 2)", {}, ("k", 0, 4), None),
    ("y[k] - sum(w[j]*X[k, j], j, 0, 4)", dict(m=12), ("k", 0, "m-1"), 55),  # refused at the first copy
    ("y[k] - sum(w[j]*X[k, j], j, 0, 4)", dict(m=12), ("k", 0, "m-1"), 72),
]
#: budgets that a later term passes (each check at a term counts the terms expanded before it)
LATE = [
    ("sum(x[i], i, 0, 20) + sum(sum(y[j], j, 0, 2), i, 0, 9)", {}, None, 55),
    ("sum(x[i], i, 0, 20) + sum(sum(y[i, j], j, 0, 2), i, 0, 9)", {}, None, 55),
    ("sum(x[i], i, 0, 20) + sum(a*sum(y[i, j]*sum(z[l], l, 0, 1), j, 0, 1), i, 0, 9)", {}, None, 80),
    ("sum(x[i], i, 0, 20) + sum(a*sum(y[i, j]*sum(z[l], l, 0, 1), j, 0, 1), i, 0, 9)", {}, None, 90),
    ("y[k] - sum(sum(z[l], l, 0, 1)*w[j], j, 0, 2)", dict(m=12), ("k", 0, "m-1"), 80),
]


def _built(text: str, sizes: dict, over: tuple | None) -> tuple:
    try:
        g = parse_over(text, over, **sizes) if over else sg.parse(text, **sizes)
    except SymgraphError as error:
        return "error", type(error).__name__, str(error), getattr(error, "position", None)
    return "graph", g.inputs, g.outputs, g.input_labels, list(g.rows()), g.order


def _three_ways(text: str, sizes: dict, over: tuple | None, budget: int | None, monkeypatch) -> tuple:
    with monkeypatch.context() as m:
        if budget is not None:
            for module in (reductions_module, replay_module, parse_module):
                m.setattr(module, "MAX_TERMS", budget)
        fast = _built(text, sizes, over)
        m.setattr(_Tape, "repeat", lambda *args: None)  # every term replayed call by call
        replayed = _built(text, sizes, over)
        m.setattr(Reductions, "_replayable", lambda *args: False)
        m.setattr(parse_module, "replayable", lambda parser, index: False)
        parsed = _built(text, sizes, over)  # every term parsed at every value
    return fast, replayed, parsed


@pytest.mark.parametrize("text, sizes, over, budget", CASES + LATE)
def test_a_term_holding_a_reduction_replayed_is_the_term_parsed(text, sizes, over, budget, monkeypatch):
    fast, replayed, parsed = _three_ways(text, sizes, over, budget, monkeypatch)
    assert fast == parsed
    assert replayed == parsed


@pytest.mark.parametrize("text, sizes, over, budget", LATE)
def test_the_budget_refuses_a_later_term(text, sizes, over, budget, monkeypatch):
    """The small budgets of LATE refuse the text at a later term (the first passes): the case the record must
    check again at every term, not only where it was recorded."""
    fast, _, _ = _three_ways(text, sizes, over, budget, monkeypatch)
    assert fast[0] == "error" and "the limit is" in fast[2]
    position = fast[3]
    with monkeypatch.context() as m:
        for module in (reductions_module, replay_module, parse_module):
            m.setattr(module, "MAX_TERMS", budget)
        m.setattr(replay_module._Tape, "_fits", lambda *args: True)  # not checked again: made, or refused elsewhere
        unchecked = _built(text, sizes, over)
    assert unchecked[0] == "graph" or unchecked[3] != position


def test_a_term_holding_a_reduction_is_parsed_once(monkeypatch):
    """The defect: the term of the outer sum holds a sum of its own, and was parsed again for every row (its
    reduction read again each time); now each reduction of the text is read once."""
    calls = []
    reduction = Reductions.reduction

    def counted(self, k, values):
        calls.append(self.toks[k])
        return reduction(self, k, values)
    monkeypatch.setattr(Reductions, "reduction", counted)
    sg.parse(LOGISTIC, m=50, k=4)
    assert calls == ["sum", "sum"]
    calls.clear()
    parse_over("y[k] - sum(w[j]*X[k, j], j, 0, p-1)", ("k", 0, "m-1"), m=50, p=4)
    assert calls == ["sum"]


def test_a_named_value_made_again_by_the_term_stays_itself():
    """``c = x[0]*2`` read in ``c + x[i]*2``: at i = 0 the term's product is the node c, and the record took
    c for that product at every value (the sum was 2*x[i] + 2*x[i] from i = 1 on)."""
    g = sg.parse("c = x[0]*2; sum(c + x[i]*2, i, 0, 3)")
    x = np.array([1.0, 2.0, 3.0, 5.0])
    assert g.evaluate(x=x)[g.output] == pytest.approx(4 * 2 * x[0] + 2 * x.sum())


def test_replayed_logistic_fit_values_agree_with_numpy():
    rng = np.random.default_rng(3)
    m, k = 7, 3
    X, y, w = rng.normal(size=(m, k)), rng.choice([-1.0, 1.0], m), rng.normal(size=k)
    g = sg.parse(LOGISTIC, m=m, k=k)
    expected = np.sum(np.log1p(np.exp(-y * (X @ w))))
    assert g.evaluate(X=X, y=y, w=w)[g.output] == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------- generated texts

_INNER = ["w[j]", "X[I, j]", "X[I+j, j]", "x[I]", "x[j]", "j*w[j]", "y[I]", "a", "2", "x[j+1]", "x[I*j]", "j",
          "sum(Z[I, j, l], l, 0, 1)", "sum(x[l], l, 0, j)", "w[j-1]", "X[j, I]", "c"]
_OUTER = ["y[I]", "y[I+1]", "x[n-1-I]", "X[I, 0]", "a", "b", "0.5", "c", "x[2*I]", "I*y[I]", "x[0]", "y[I-1]"]


def _expressions(atoms: st.SearchStrategy) -> st.SearchStrategy:
    def extend(children):
        return st.one_of(
            st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["sin", "exp", "log", "sqrt"]), children).map(lambda t: f"{t[0]}({t[1]})"),
            children.map(lambda t: f"{t}^2"),
            st.tuples(children, children, children).map(lambda t: f"where({t[0]} > {t[1]}, {t[1]}, {t[2]})"),
        )
    return st.recursive(atoms, extend, max_leaves=5)


_BOUNDS = st.sampled_from(["0", "1", "2", "p-1", "n-1", "n", "I"])
_inner_sums = st.tuples(st.sampled_from(["sum", "prod"]), _expressions(st.sampled_from(_INNER)),
                        st.sampled_from(["0", "1"]), _BOUNDS).map(lambda t: f"{t[0]}({t[1]}, j, {t[2]}, {t[3]})")
_terms = _expressions(st.one_of(st.sampled_from(_OUTER), _inner_sums))


@st.composite
def _texts(draw) -> tuple:
    term = draw(_terms)
    sizes = {name: draw(st.integers(0, 5)) for name in ("n", "p") if name in term.replace("I", " ")}
    if "X[" in term and draw(st.booleans()):
        sizes["X"] = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    budget = draw(st.sampled_from([None, None, 30, 60]))
    if draw(st.booleans()):  # a template of over=
        template = "y[k] - " + term.replace("I", "k").replace("c", "a")
        return template, sizes, ("k", draw(st.sampled_from([0, 1])), draw(st.sampled_from([2, 4]))), budget
    prefix = draw(st.sampled_from(["c = x[0]*2; ", "c = a*b; ", "c = sum(w[j], j, 0, 1); "]))
    last = draw(st.sampled_from(["0", "2", "4", "n-1", "p-2"]))
    text = f"{prefix}{draw(st.sampled_from(['sum', 'prod']))}({term.replace('I', 'i')}, i, 0, {last})"
    return text, sizes, None, budget


@settings(max_examples=150)
@given(_texts())
def test_generated_nested_terms_replayed_are_the_terms_parsed(case):
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, replayed, parsed = _three_ways(*case, monkeypatch)
    assert fast == parsed
    assert replayed == parsed
