"""What students and teachers of backpropagation type, read as they would: the mistakes of text copied from
a paper, a calculator or NumPy code, and whether each message says what to write instead."""
from __future__ import annotations

import pytest

import symgraph as sg
from symgraph import ParseError


def _error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        sg.parse(text)
    return info.value


# --------------------------------------------------------------------------- unknown functions

@pytest.mark.parametrize("text, meant", [
    ("ln(x)", "log"), ("arctan(x)", "atan"), ("ARCSIN(x)", "asin"), ("logistic(z)", "sigmoid"),
    ("expit(z)", "sigmoid"), ("sgn(x)", "sign"), ("lg(x)", "log10"), ("power(x, 2)", "pow"),
])
def test_another_notations_name_of_a_function_names_ours(text, meant):
    """ln(x) named no function (no spelling is near 'log') and said 'To multiply write ln*(...)'."""
    reason = _error(text).reason
    assert f"(did you mean {meant}?)" in reason and "multiply" not in reason


@pytest.mark.parametrize("text, write", [
    ("mod(x, y)", "x - y*floor(x/y)"), ("cot(x)", "1/tan(x)"), ("sec(x)", "1/cos(x)"),
])
def test_a_function_the_grammar_lacks_says_what_to_write(text, write):
    """mod(x, y) suggested sigmoid, whose spelling merely contains 'mod'."""
    reason = _error(text).reason
    assert f"write {write}" in reason and "sigmoid?" not in reason


def test_a_greek_letter_called_may_be_a_product():
    """sigma(x + 1) is the sigmoid's other name and a standard deviation times (x + 1): both are said."""
    reason = _error("sigma(x + 1)").reason
    assert "did you mean sigmoid?" in reason and "To multiply write sigma*(...)" in reason


def test_an_input_called_is_a_product_and_the_hint_comes_before_the_list():
    reason = _error("x(y + 1)").reason
    assert reason.startswith("unknown function 'x' (to multiply write x*(...)). Known functions: ")


def test_a_function_in_another_case_is_only_that_function():
    assert "(did you mean sin?)" in _error("Sin(x)").reason


# --------------------------------------------------------------------------- brackets, commas, keywords

@pytest.mark.parametrize("text", [")", "x = )", "a = 1\n)", "x + )"])
def test_a_closing_parenthesis_without_an_opening_one_is_unbalanced(text):
    """')' alone said "')' after '': an operand is missing", naming an empty token."""
    error = _error(text)
    assert error.reason == "unbalanced ')': no '(' to close"
    assert error.text[error.position] == ")"


def test_an_operand_missing_inside_parentheses_is_still_named_as_such():
    assert _error("(x + )").reason == "')' after '+': an operand is missing"


def test_a_parenthesis_left_open_at_the_end_is_no_missing_argument():
    """'(x+1)*(' said 'missing argument after '('', though no function is called there."""
    assert _error("(x+1)*(").reason == "expression ends after '(': an operand is missing"
    assert _error("sin(").reason == "missing argument after '('"


@pytest.mark.parametrize("text, decimal", [("1,5*x", "1.5"), ("y = 2,25 + x", "2.25")])
def test_a_decimal_comma_is_told_to_be_a_point(text, decimal):
    assert f"(a decimal number is written with a point: {decimal})" in _error(text).reason


@pytest.mark.parametrize("text", ["x, y", "1, 5", "1.0,5"])
def test_other_stray_commas_get_no_decimal_hint(text):
    assert "decimal" not in _error(text).reason


def test_lambda_is_a_keyword_and_lamda_the_greek_letter():
    assert "write lamda, which LaTeX prints as \\lambda" in _error("lambda*x").reason
    assert sg.to_latex(sg.parse("lamda*x")) and "\\lambda" in sg.grad("lamda*x").latex()


@pytest.mark.parametrize("text, write", [
    ("math.sin(x)", "write sin(...), without 'math.'"), ("np.exp(x)", "write exp(...), without 'np.'"),
    ("2*math.pi*x", "write pi, without 'math.'"), ("np.e**x", "write exp(1), without 'np.'"),
])
def test_a_module_prefix_says_to_write_the_plain_name(text, write):
    assert write in _error(text).reason


def test_an_attribute_of_a_value_gets_no_hint():
    assert _error("x.real").reason == "attribute access is not supported"



def test_an_equals_sign_inside_parentheses_is_told_to_compare():
    """where(x = 0, 1, 2) said only that '=' may follow the name of an assignment line."""
    assert _error("where(x = 0, 1, 2)").reason.endswith("(write '==' to compare)")
    assert "==" not in _error("x = y = 3").reason  # a chained assignment is no comparison


def test_pythons_conditional_expression_is_told_to_be_a_where():
    """'x if x > 0 else 0' said "missing operator between 'x' and 'if' (implicit multiplication ...)"."""
    assert _error("x if x > 0 else 0").reason == "'a if condition else b' is written where(condition, a, b)"


@pytest.mark.parametrize("text", ["y = f(x)\nf(u) = u^2", "y = f(x); f(u) = u^2", "g(u) = f(u)\nf(u) = u\ny = g(x)"])
def test_a_function_defined_after_its_call_is_told_to_move_up(text):
    """A definition below its first call made the call 'unknown function 'f'', as if f were defined nowhere."""
    error = _error(text)
    assert error.reason == "f() is defined on a later line: define it before the lines that call it"
    assert error.text[error.position] == "f"


def test_a_comparison_of_a_call_is_no_definition():
    assert _error("y = f(x)\nz = where(f(2) == 1, 1, 0)").reason.startswith("unknown function 'f'")


@pytest.mark.parametrize("text, power", [("sin^2(x)", "sin(x)^2"), ("tanh**2(x)", "tanh(x)**2")])
def test_a_power_of_a_function_written_as_in_mathematics_says_how_to_write_it(text, power):
    """sin^2(x) said only 'sin is a function: call it as sin(...)'."""
    assert _error(text).reason.endswith(f"write a power of it as {power}")


@pytest.mark.parametrize("text", ["x^{2}", "e^{-x}", "x_{1}"])
def test_latex_braces_are_told_to_be_parentheses(text):
    assert _error(text).reason == "braces are not supported (group with parentheses: x^(2*n), not LaTeX's x^{2n})"


@pytest.mark.parametrize("text, name, element", [
    ("sum(x_i, i, 1, 3)", "x_i", "x[i]"), ("sum(w_k^2, k, 0, 2)", "w_k", "w[k]"),
    ("sum(sum(a_j, j, 0, 1), i, 0, 1)", "a_j", "a[j]"),
])
def test_a_subscript_copied_from_mathematics_into_a_sum_names_the_element(text, name, element):
    """sum(x_i, i, 1, 3) parsed as 3*x_i: x_i is one input, the same in every term."""
    error = _error(text)
    assert error.reason.startswith(f"{name!r} is one name, the same in every term")
    assert error.reason.endswith(f"written {element}") and error.text[error.position:].startswith(name)


@pytest.mark.parametrize("text", ["sum(x_i + i, i, 1, 3)", "sum(y_ij, j, 0, 2)", "sum(1, i, 1, 3)"])
def test_a_term_that_reads_its_index_or_names_no_subscript_of_it_stands(text):
    sg.parse(text)

# --------------------------------------------------------------------------- caret excerpts

@pytest.mark.parametrize("text, at", [("x − y", 2), ("x – 1", 2), ("x ≤ 1", 2), ("√x", 0), ("x∗y", 1)])
def test_a_character_copied_from_a_paper_is_shown_as_written(text, at):
    """The excerpt showed '?' for every character from U+2000 on: 'x ? y' for the minus sign 'x − y'."""
    line, caret = str(_error(text)).splitlines()[-2:]
    assert line == "  " + text and caret.index("^") == line.index(text[at])


def test_a_wide_or_combining_character_is_still_one_column():
    line, caret = str(_error("x + \u4e2d")).splitlines()[-2:]
    assert line == "  x + ?" and caret.index("^") == line.index("?")
    line, caret = str(_error("x\u0301 + 1")).splitlines()[-2:]
    assert line == "  x? + 1" and caret.index("^") == line.index("?")


# --------------------------------------------------------------------------- wrt names

@pytest.mark.parametrize("wrt", ["x y", "x,y", "x, y"])
def test_names_written_as_one_word_are_told_to_be_given_separately(wrt):
    with pytest.raises(sg.ArgumentError, match="to name several, give each separately: 'x', 'y'; the inputs: x, y"):
        sg.grad("x*y", wrt=wrt)


def test_a_word_that_is_no_name_gets_no_such_hint():
    with pytest.raises(sg.ArgumentError) as info:
        sg.grad("x*y", wrt="2x")
    assert "separately" not in str(info.value)


# --------------------------------------------------------------------------- the command line

def _cli(capsys, *argv):
    from symgraph.cli import main
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_euler_number_at_a_point_is_told_to_be_exp_1(capsys):
    """--at x=e said only "'e' uses e": e is a variable of the grammar, and Euler's number is exp(1)."""
    status, out, err = _cli(capsys, "grad", "x^2", "--at", "x=e")
    assert status == 2 and out == ""
    assert err.strip().endswith("uses e (e is a name, as in the text; Euler's number is exp(1))")
    status, out, err = _cli(capsys, "grad", "x^2", "--at", "x=exp(1)")
    assert status == 0 and "5.436563657" in out


# --------------------------------------------------------------------------- notebooks

@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_drawing_returned_to_a_notebook_shows_as_the_picture(fmt):
    """A cell ending in sg.draw(g, at=..., adjoints=True) printed the PNG's bytes escaped, tens of kilobytes."""
    pytest.importorskip("matplotlib")
    formatters = pytest.importorskip("IPython.core.formatters")
    data = sg.draw("(a+b)*(b+1)", at={"a": 2, "b": 1}, adjoints=True, format=fmt, engine="matplotlib")
    assert isinstance(data, bytes) and data[:4] in (b"\x89PNG", b"<?xm")  # still the bytes it always was
    shown = formatters.DisplayFormatter().format(data)[0]
    if fmt == "png":
        assert shown["image/png"] == bytes(data) and "image/svg+xml" not in shown
    else:
        assert shown["image/svg+xml"].startswith("<?xml") and "image/png" not in shown


@pytest.mark.parametrize("argv, note", [
    (["grad", "3", "--latex"], "% 3 has no variables: its gradient is empty"),
    (["hessian", "3", "--latex"], "% 3 has no variables: its Hessian is empty"),
    (["jacobian", "3", "4", "--latex"], "% f1, f2 have no variables: the Jacobian is empty"),
    (["grad", "3"], "# 3 has no variables: its gradient is empty"),
])
def test_no_variables_is_said_under_latex_too_as_its_comment(capsys, argv, note):
    """grad 3 --latex printed an empty line, jacobian 3 4 --latex an empty pmatrix, hessian 3 --latex a '#' line,
    which stops LaTeX; without --latex each said there is nothing to differentiate by."""
    status, out, err = _cli(capsys, *argv)
    assert status == 0 and err == ""
    assert out.splitlines()[-1] == note and "pmatrix" not in out
