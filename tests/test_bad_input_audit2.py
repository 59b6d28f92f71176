"""Bad and hostile input, as users and careless scripts give it: each is a symgraph error saying what and where,
never a raw Python exception from deep inside."""
import numpy as np
import pytest
import sympy

import symgraph as sg


def test_exploring_an_empty_list_of_functions_says_there_is_no_output():
    # the page's layout took min() of no node positions: a bare ValueError
    with pytest.raises(sg.GraphError, match="no output"):
        sg.explore([])


@pytest.mark.parametrize("save", [
    lambda path: sg.draw("x*y", path=path),
    lambda path: sg.explore("x*y").save(path),
])
def test_a_file_name_with_a_nul_character_is_an_argument_error(tmp_path, save):
    # open() refused it with a bare "ValueError: embedded null byte"
    with pytest.raises(sg.SymgraphError, match="NUL"):
        save(str(tmp_path / "a\0.svg"))


@pytest.mark.parametrize("call", [
    lambda v: sg.jvp("x*y", ["x", "y"], v),
    lambda v: sg.vjp(["x*y", "x+y"], ["x", "y"], v),
    lambda v: sg.hvp("x^2*y", ["x", "y"], v),
])
def test_a_seed_of_an_integer_beyond_float64_is_refused_as_a_value_of_it_is(call):
    # math.isfinite(10**400) raised OverflowError; then the seed read as oo without a word (x + oo*y), where .at(),
    # hessp and compiled calls refuse such a value and the parser such a literal: refused alike (test_api_audit11)
    with pytest.raises(sg.GraphError, match="a seed in v is too large for a float64"):
        call([10**400, 1])
    assert sg.jvp("x*y", ["x", "y"], [2**100, 1])["f"] == 2**100 * sympy.Symbol("y") + sympy.Symbol("x")


@pytest.mark.parametrize("size", [sympy.Integer(3), np.uint8(3), (sympy.Integer(3),)])
def test_a_size_given_as_any_kind_of_integer_is_taken(size):
    # sympy.Integer(3) was refused as "size n=3 must be a non-negative integer"
    text = "sum(x[i]^2, i, 0, n-1)" if not isinstance(size, tuple) else "sum(x[i]^2, i, 0, 2)"
    sizes = {"n": size} if not isinstance(size, tuple) else {"x": size}
    assert list(sg.grad(text, **sizes)) == ["x[0]", "x[1]", "x[2]"]


@pytest.mark.parametrize("size", [sympy.Integer(-1), sympy.Rational(1, 2), np.bool_(True), 2.5, -1])
def test_a_size_that_is_no_count_is_still_refused(size):
    with pytest.raises(sg.SymgraphError, match="non-negative integer"):
        sg.grad("sum(x[i]^2, i, 0, n-1)", n=size)


@pytest.mark.parametrize("key", [(0,), (0, 0, 0)])
@pytest.mark.parametrize("matrix", [lambda: sg.hessian("x^2*y + y^3"), lambda: sg.jacobian(["x*y", "x+y"])])
def test_a_matrix_index_of_one_or_three_positions_is_an_entry_error(matrix, key):
    # sympy's unpacking raised a bare "ValueError: not enough values to unpack"
    with pytest.raises(sg.GraphError, match=r"2x2 matrix has entries M\[i, j\]"):
        matrix()[key]


@pytest.mark.parametrize("make", [lambda: sg.lambdify("(a+b)*(b+1)"), lambda: sg.grad("a*b").lambdify(),
                                  lambda: sg.value_and_grad("a*b"), lambda: sg.hessian("a^2*b", wrt=["a", "b"]).lambdify()])
def test_a_ragged_list_given_alone_to_a_function_of_two_arguments_says_the_second_is_missing(make):
    """f([1, [2]]) raised NumPy's bare 'setting an array element with a sequence' while wording the missing
    argument's message (np.ndim of a ragged list, to see whether it was one vector of the parameters)."""
    with pytest.raises(sg.GraphError, match=r"missing 1 required positional argument: 'b'$"):
        make()([1, [2]])


@pytest.mark.parametrize("limit", [-1, 2.5, "3", True])
@pytest.mark.parametrize("listed", [lambda: sg.parse("x*y + z"), lambda: sg.parse("x"), lambda: sg.grad("x*y").program])
def test_a_listing_limit_that_is_no_count_of_lines_is_an_argument_error(listed, limit):
    """listing(-1) and listing(2.5) raised islice's bare ValueError, listing("3") a comparison's TypeError, and
    listing(True) cut the listing to no lines."""
    with pytest.raises(sg.GraphError, match=r"listing\(\): limit= takes a number of lines"):
        listed().listing(limit)



def test_the_closed_form_of_a_max_of_many_inputs_is_built_without_comparing_every_pair(monkeypatch):
    """Printing grad("max(x0, ..., x99)") as LaTeX took 15 s (30 s in Jupyter), in sympy's evaluation of one Max of
    100 symbols, which compares every pair of arguments; the constants are still folded and repeats dropped."""
    for cls in (sympy.Max, sympy.Min):
        def compared(cls, values, find=cls._find_localzeros.__func__, **options):
            assert all(v.is_number for v in values), "sympy compared the symbolic arguments pairwise"
            return find(cls, values, **options)
        monkeypatch.setattr(cls, "_find_localzeros", classmethod(compared))
    names = [f"x{i}" for i in range(100)]
    expr = sg.parse(f"max({', '.join(names)}, 1, 2, x0)").expr()
    assert expr.func is sympy.Max and set(expr.args) == {*sympy.symbols(names), sympy.Integer(2)}
    assert "x_{99}" in sg.grad(f"max({', '.join(names)})")._repr_latex_()
    many = [f"y{i}" for i in range(12)]
    assert set(sg.parse(f"min({', '.join(many)}, y0)").expr().args) == set(sympy.symbols(many))


def test_a_max_of_few_operands_keeps_sympys_simplification():
    """Up to EVALUATED_EXTREMUM operands sympy builds the max, which simplifies it: max(x, x + 1) is x + 1."""
    x, y = sympy.symbols("x y")
    assert sg.parse("max(x, x + 1)").expr() == x + 1
    assert set(sg.parse("min(x, y, x)").expr().args) == {x, y}
