"""The Public API table of the design contract and the README's examples, read as an acceptance tester reads
them: each check is one promise of the table, its numbers compared with sympy.diff at points."""
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy

import symgraph as sg


@pytest.mark.parametrize("text, wrt, meant", [
    ("x1*y", "x2", "x1"),       # one digit off: difflib's ratio for two letters is 0.5, under its 0.6 cutoff
    ("u1*v", "u2", "u1"),
    ("alpha*beta", "alpah", "alpha"),
])
def test_an_unused_wrt_name_is_warned_of_with_the_closest_input(text, wrt, meant):
    with pytest.warns(sg.UnusedWrtWarning, match=rf"'{wrt}' \(did you mean '{meant}'\?\)") as caught:
        assert sg.grad(text, wrt=[wrt])[wrt] == 0
    assert caught[0].message.closest == {wrt: meant}


def test_a_name_like_no_input_is_warned_of_without_a_guess():
    with pytest.warns(sg.UnusedWrtWarning) as caught:
        sg.grad("a*b", wrt=["c"])
    assert caught[0].message.closest == {} and "did you mean" not in str(caught[0].message)


def test_allow_unused_silences_the_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dict(sg.grad("x1*y", wrt=["x2", "y"], allow_unused=True)) == {"x2": 0, "y": sympy.Symbol("x1")}


README = Path(__file__).resolve().parents[1] / "README.md"


def _shown(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def softsign():
    function = sg.function("softsign", numpy=lambda x: x / (1 + np.abs(x)), derivatives=["1/(1 + abs(x))^2"])
    yield function
    function.remove()


@pytest.mark.parametrize("start", ['sg.hessian("x^2*y + y^3", wrt=', 'sg.hessian("x^2*y + y^3").at(', 'sg.hvp(',
                                   'sg.grad("softsign(a*b) + a"'])
def test_a_readme_comment_shows_what_its_line_prints(start, softsign):
    """A plain block's line followed by what it gives, ``call  # printed form``: the comment starts with it,
    as str() or repr() prints it (spaces aside)."""
    line = next(line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith(start))
    call, comment = (part.strip() for part in line.split("  #", 1))
    value = eval(call, {"sg": sg})  # the README's own line, not user text
    assert _shown(comment).startswith((_shown(str(value)), _shown(repr(value)))), (comment, repr(value))


def test_a_jacobians_latex_is_the_equation_the_readme_writes():
    latex = sg.to_latex(sg.jacobian(["x*y", "x+y"]))
    quoted = re.search(r"`(\\frac\{\\partial [^`]*\\begin\{pmatrix\})\.\.\.`", README.read_text(encoding="utf-8"))
    assert quoted and latex.startswith(quoted.group(1)), (quoted and quoted.group(1), latex)


@pytest.mark.parametrize("texts", [["c = a*b; d = sin(c) + a", "c = a+b; c*2"],   # c assigned twice, apart
                                   ["c = a*b; c + 1", "c^2"]])                       # c assigned, and an input
def test_a_wrt_name_that_texts_give_different_meanings_is_refused_as_outputs_refuses_it(texts):
    """Each text has its own assigned names: wrt 'c' took the first text's c, and the second row's
    derivative by its own c was a silent 0."""
    with pytest.raises(sg.ArgumentError, match=r"wrt 'c' is ambiguous: it names different things in different texts"):
        sg.jacobian(texts, wrt=["c", "a"])
    with pytest.raises(sg.ArgumentError, match=r"outputs= names 'c', which is ambiguous"):
        sg.parse(texts, outputs=["c"])


def test_a_name_every_text_assigns_alike_is_still_a_wrt_name():
    J = sg.jacobian(["c = a*b; sin(c)", "c = a*b; c^2"], wrt=["c", "a"])
    c, a, b = sympy.symbols("c a b")
    assert J == sympy.Matrix([[sympy.cos(a*b), b*sympy.cos(a*b)], [2*a*b, 2*a*b**2]])


def test_a_seed_that_texts_give_different_meanings_is_refused_too():
    """A seed names an assigned value (README: ``c`` of ``c = x*y``); across texts it took the first's."""
    with pytest.raises(sg.ArgumentError, match=r"seed 'c' is ambiguous"):
        sg.jvp(["c = a*b; sin(c)", "c = a+b; c^2"], ["a"], ["c"])
    assert sg.jvp(["c = a*b; sin(c)", "d = a+b; d^2"], ["a"], ["c"]).at(a=1.0, b=2.0)["f2"] == pytest.approx(2 * 3 * 2)
