"""str(program): the readable let-listing of a derivative program."""
import symgraph as sg


def test_textbook_gradient_listing():
    text = str(sg.grad("c = a + b; d = b + 1; e = c * d").program)
    assert text.splitlines() == ["c = a + b", "d = b + 1", "t1 = c + d", "out[a] = d", "out[b] = t1"]


def test_shared_temporaries_are_named_once_and_reused():
    text = str(sg.grad("sin(x*y) * exp(x*y)").program)
    lines = text.splitlines()
    assert lines[:4] == ["v1 = x * y", "v2 = sin(v1)", "v3 = exp(v1)", "v4 = v2 * v3"]
    assert sum(1 for line in lines if line.endswith("= x * y")) == 1  # x*y computed once
    assert any(line.startswith("out[x] = ") for line in lines) and any(line.startswith("out[y] = ") for line in lines)
    assert all(" = " in line for line in lines)


def test_constants_are_readable_and_unambiguous():
    lines = str(sg.grad("2.5*y - x/3 + sqrt(x) - x^2").program).splitlines()
    assert "out[y] = 2.5" in lines  # a float constant result, printed shortly
    assert "v4 = sqrt(x)" in lines  # calls print as calls
    assert any(line.endswith(" + (-1/3)") for line in lines)  # negative and rational constants in parentheses
    neg = str(sg.grad("-sin(x)").program).splitlines()
    assert neg == ["t1 = cos(x)", "t2 = -t1", "out[x] = t2"]  # negation is prefix minus


def test_graph_prints_the_same_listing_as_programs():
    assert str(sg.parse("c = a + b; d = b + 1; e = c * d")).splitlines() == ["c = a + b", "d = b + 1", "e = c * d"]
    assert str(sg.parse("y = -x^2 / 3 + tanh(x)")).splitlines() == [
        "v1 = x ** 2", "v2 = -v1", "v3 = v2 / 3", "v4 = tanh(x)", "y = v3 + v4"]
