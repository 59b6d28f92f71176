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


def test_printing_a_few_entries_counts_only_the_rows_they_need():
    # every row of the program was counted (and a (op, args) tuple made per row) before the first entry
    # printed: 1 s of a repr at n = 10,000
    g = sg.grad("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=2_000)
    text = repr(g)
    assert "'x[0]':" in text and "1,980 more" in text
    counted, _ = g.program._shape_memo
    assert 0 < len(counted) < len(g.program.instructions) / 20
    from symgraph.ir.interpret import shapes
    whole = shapes(g.program.instructions)  # counted on request, equal to a count over the whole program
    for label in ("x[0]", "x[1000]", "x[1999]"):
        ref = g.program.results[label]
        assert (g.program.expanded_size(label), g.program.expanded_depth(label)) == whole[ref]


def test_the_first_repr_of_a_large_gradient_indexes_only_the_rows_it_prints():
    """The first repr of Rosenbrock's gradient at n = 100,000 took 3.7 s; 1 s of it built a table of the
    program's 900,000 rows by target to find the rows of the 20 entries it prints.  The rows are found by one
    backward scan, and only theirs are kept; a notebook's display (repr, then LaTeX) stays within two scans."""
    n = 5_000
    g = sg.grad("+".join(f"100*(x{i + 1}-x{i}^2)^2+(1-x{i})^2" for i in range(1, n)))
    program = g.program

    def tabled() -> int:  # rows put in tables by target so far
        return sum(len(vars(program).get(name, ())) for name in ("_rows", "_found"))

    shown = repr(g)
    assert shown.startswith("Gradient({'x2': 2*(-100*x1**2 - 200*x2*(-x2**2 + x3) + 101*x2 - 1), ")
    assert shown.endswith("... (4,980 more)})")
    assert 0 < tabled() < 300 and program._scanned <= len(program.instructions)
    g._repr_latex_()
    assert 0 < tabled() < 500 and program._scanned <= 2 * len(program.instructions)
    assert g.formula("x3000") == "2*(-100*x2999**2 - 200*x3000*(-x3000**2 + x3001) + 101*x3000 - 1)"


def test_closed_forms_of_every_entry_one_at_a_time_stay_linear():
    """Looking entries up one at a time scans the program until the scans have read it twice, then tables
    every row once: scanning for each entry would be quadratic."""
    from symgraph.ir.program import SCANS_BEFORE_INDEX
    n = 2_000
    g = sg.grad("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=n)
    program = g.program
    forms = [program.closed_form(label) for label in g.labels]
    assert program._scanned <= (SCANS_BEFORE_INDEX + 1) * len(program.instructions)
    assert len(vars(program)["_rows"]) == len(program.instructions)
    x = [g.graph.symbol(node) for node in g.graph.indexed["x"].nodes.values()]
    assert (forms[1] - (-200 * x[0] ** 2 - 400 * x[1] * (x[2] - x[1] ** 2) + 202 * x[1] - 2)).expand() == 0
