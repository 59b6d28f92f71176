"""Indexed inputs, reductions and sizes: the one-line model is the written-out graph, in every use.

The written-out texts are built here in Python; the reference for values is
NumPy on the same formula, and for derivatives the written-out text's own
gradient (checked against sympy elsewhere).
"""
import warnings

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.errors import ArgumentError, GraphError, ParseError

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


def written_rosenbrock(n):
    return " + ".join(f"(100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2)" for i in range(n - 1))


def canonical(graph, rename):
    """The graph's rows with nodes numbered in order and inputs by ``rename(label)``: equal iff node for node."""
    number, rows = {}, []
    labels = dict(zip(graph.input_nodes, graph.inputs))
    for node, op, args in graph.rows():
        number[node] = rename(labels[node]) if op == "input" else len(number)
        rows.append((op, tuple(number[a] if isinstance(a, str) else a for a in args)))
    return rows, [number[y] for y in graph.outputs]


@pytest.mark.parametrize("n", [2, 5, 60])
def test_one_line_rosenbrock_is_the_written_out_graph_node_for_node(n):
    one_line = sg.parse(ROSENBROCK, n=n)
    written = sg.parse(written_rosenbrock(n))
    assert len(one_line) == len(written)
    assert canonical(one_line, lambda label: label.replace("[", "").replace("]", "")) == \
        canonical(written, lambda label: label)
    assert one_line.indexed["x"].shape == (n,)


def test_gradients_and_compiled_results_agree_with_the_written_out_form_at_n_1000():
    n = 1000
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, n)
    one = sg.grad(ROSENBROCK, n=n)
    written = sg.grad(written_rosenbrock(n), wrt=[f"x{i}" for i in range(n)])
    assert one.wrt == tuple(f"x[{i}]" for i in range(n))
    (compiled,) = one.lambdify()(x)
    reference = written.lambdify(args=[f"x{i}" for i in range(n)])(*x)
    np.testing.assert_array_equal(compiled, np.array(reference))
    at = one.at(x=x)
    np.testing.assert_array_equal(at.array("x"), compiled)
    value, grad = sg.value_and_grad(ROSENBROCK, wrt=["x"], vector=True, n=n)(x)
    want = np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    assert value == pytest.approx(want, rel=1e-13)
    np.testing.assert_array_equal(grad, compiled)


def test_vector_and_batch_shapes():
    n, batch = 4, (5, 2)
    f = sg.lambdify(ROSENBROCK, n=n)
    g = sg.grad(ROSENBROCK, n=n).lambdify()
    x = np.random.default_rng(1).uniform(-1, 1, (n, *batch))
    assert f(x).shape == batch
    (d,) = g(x)
    assert d.shape == (n, *batch)
    (point,) = g(x[:, 0, 0])
    assert point.shape == (n,)
    np.testing.assert_array_equal(d[:, 0, 0], point)
    with pytest.raises(GraphError, match=r"x takes an array whose first axis is \(4,\).*got shape \(3,\)"):
        f(np.ones(3))
    vg = sg.value_and_grad("sum(W[k, j]*v[j], j, 0, 2) + c", wrt=["W", "c"], k=1)
    value, (dW, dc) = vg(np.ones((2, 3, 7)), np.arange(3.0), 1.0)
    assert value.shape == (7,) and dW.shape == (2, 3, 7) and dc.shape == (7,)
    np.testing.assert_array_equal(dW[1, :, 0], [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(dW[0], 0.0)  # W[0, j]: within W's extent (W[1, j] is used), never used itself
    assert sg.parse("x[1]", x=4).indexed["x"].shape == (4,)  # a declared extent


def test_nested_sums_products_and_two_dimensional_inputs():
    g = sg.parse("sum(sum(W[i, j]*x[j], j, 0, m-1)^2, i, 0, k-1) + prod(1 + x[j], j, 0, m-1)", k=2, m=3)
    assert g.indexed["W"].shape == (2, 3) and g.indexed["x"].shape == (3,)
    W, x = np.arange(6.0).reshape(2, 3), np.array([1.0, -2.0, 0.5])
    want = np.sum((W @ x) ** 2) + np.prod(1 + x)
    assert g.evaluate(W=W, x=x)[g.output] == pytest.approx(want)
    grad = sg.grad(g, wrt=["W"])
    np.testing.assert_allclose(grad.at(W=W, x=x).array("W"), 2 * np.outer(W @ x, x))
    assert sg.parse("sum(x[i], i, 3, 2) + prod(x[i], i, 1, 0) + y").expr() == sympy.Symbol("y") + 1
    assert sg.parse("sum(i*x[i], i, 0, 2)").expr() == sympy.IndexedBase("x")[1] + 2 * sympy.IndexedBase("x")[2]


def test_reductions_in_definitions_and_definitions_in_reductions():
    text = "sq(u) = u*u\nnorm2 = sum(sq(x[i]), i, 0, n-1)\nnorm2 + sum(x[i]*x[i], i, 0, n-1)"
    g = sg.parse(text, n=3)
    x = np.array([1.0, 2.0, 3.0])
    assert g.evaluate(x=x)[g.output] == 28.0
    assert len([gr for gr in g.groups if gr.name == "sq"]) == 3


def test_latex_and_names_of_elements():
    g = sg.grad("sum(x[i]^2, i, 0, 1)")
    assert g.wrt == ("x[0]", "x[1]")
    assert r"\partial x_{0}" in g.latex() and "x_{1}" in g.latex()
    assert str(g["x[1]"]) == "2*x[1]"
    assert g.array("x") == sympy.Array([2 * sympy.IndexedBase("x")[0], 2 * sympy.IndexedBase("x")[1]])


@pytest.mark.parametrize("text, sizes, position, message", [
    ("sum(x[i+1], i, 0, n-1)", {"n": 3, "x": 3}, 6, "index 1 of x[...] is 3 (where i = 2), out of range: x has 3 entries"),
    ("x[i - 1]", {"i": 0}, 2, "is -1, out of range: indices run from 0"),
    ("x[0.5]", {}, 2, "must be an integer"),
    ("x[y]", {}, 2, "'y' is not a size or an index"),
    ("sum(x[i], i, 0, n)", {}, 16, "'n' is not a size or an index"),
    ("sum(x[i], i, 0, n)", {"N": 3}, 16, "enclosing sums and numbers (did you mean the size N=3?)"),  # a typo
    ("sum(x[i], i, 0, size)", {"sizes": 3}, 16, "(did you mean the size sizes=3?)"),
    ("sum(x[i], i, 0)", {}, 0, "takes four arguments"),
    ("sum(x[i], 2, 0, 3)", {}, 10, "must be the index's name"),
    ("y = 1; sum(x[y], y, 0, 3)", {}, 17, "the index 'y' of sum() is also a name this text assigns (line 1, column 1)"),
    ("sum(x[i] > 0, i, 0, 3)", {}, 4, "is a condition"),
    ("x[0] + x", {}, 7, "either indexed or not"),
    ("x + x[0]", {}, 4, "either indexed or not"),
    ("W[0, 1] + W[2]", {}, 10, "W takes 2 indices"),
    ("sin[0]", {}, 0, "only inputs take indices"),
    ("sum(x[i], i, 0, 3", {}, 3, "unclosed '('"),
    ("x[0", {}, 1, "unclosed '['"),
    ("x[0)", {}, 3, "')' closes the '['"),
    ("sum(x[i], i, 0, 100000000)", {}, 0, "the limit is"),
    ("n = 2; n", {"n": 3}, 0, "is a size bound by keyword"),
    ("W[1]", {"W": (3, 2)}, 0, "W takes 2 indices (its size is W=(3, 2)), got 1"),
    ("sum(W[i, 0], i, 0, 2)", {"W": 3}, 4, "W takes 1 index (its size is W=3), got 2"),
    # an input of more entries than a reduction may have terms: its gradient would list a billion of them
    ("x[10^9]", {}, 2, "makes x an input of 1,000,000,001 entries"),
    ("W[5000, 5000]", {}, 2, "makes W an input of 25,010,001 entries"),
    ("sum(x[1000*i], i, 0, 100000)", {}, 6, "makes x an input of 10,000,001 entries"),  # replayed
    ("sum(sum(W[i*100, j*100], j, 0, 1000), i, 0, 2)", {}, 10, "makes W an input of 10,009,201 entries"),
])
def test_bad_indices_and_reductions_are_parse_errors(text, sizes, position, message):
    with pytest.raises(ParseError) as info:
        sg.parse(text, **sizes)
    assert message in str(info.value)
    assert info.value.position == position, str(info.value)


#: an index named like another name of its text, the other use first and then the reduction first: each pair
#: is refused with one message, at the reduction's index (the index is bound only inside its reduction)
CLASHES = [
    ("i + sum(x[i], i, 0, 2)", "sum(x[i], i, 0, 2) + i", "an input"),
    ("i*sum(x[i]*i, i, 0, 2)", "sum(x[i]*i, i, 0, 2)*i", "an input"),
    ("y = i + 1\nsum(x[i], i, 0, 2) + y", "y = sum(x[i], i, 0, 2)\ny + i", "an input"),
    ("j + sum(sum(W[i, j], j, 0, 1), i, 0, 1)", "sum(sum(W[i, j], j, 0, 1), i, 0, 1) + j", "an input"),
    ("i + sum(sum(W[i, j], j, 0, 1), i, 0, 1)", "sum(sum(W[i, j], j, 0, 1), i, 0, 1) + i", "an input"),
    ("sum(i[0] + x[j], j, 0, 1) + sum(x[i], i, 0, 1)", "sum(x[i], i, 0, 1) + sum(i[0] + x[j], j, 0, 1)", "an input"),
    ("i = a\ns = sum(x[i], i, 0, 2)\ns + i", "s = sum(x[i], i, 0, 2)\ni = a\ns + i", "a name this text assigns"),
    ("i(u) = 2*u\nsum(x[i], i, 0, 2)", "s = sum(x[i], i, 0, 2)\ni(u) = 2*u\ni(s)", "a function this text defines"),
]


@pytest.mark.parametrize("first, then, what", CLASHES)
def test_an_index_named_like_another_name_is_refused_whichever_comes_first(first, then, what):
    messages = []
    for text in (first, then):
        with pytest.raises(ParseError) as info:
            sg.parse(text)
        error = info.value
        index = error.reason.split("'")[1]
        assert error.text[error.position] == index and error.text[error.position + 1] == ","  # the sum's index
        other = error.reason.split("(line ")[1].split(")")[0]
        line, column = (int(v) for v in other.split(", column "))
        assert text.split("\n")[line - 1][column - 1] == index  # the other use, where it is said to be
        messages.append(error.reason.split(" (line ")[0])
    assert messages[0] == messages[1]
    assert messages[0] == f"the index {index!r} of sum() is also {what}"


def test_an_index_is_its_own_name_only_inside_its_reduction():
    """Side by side reductions share an index, and other texts of a list have their own names."""
    x, y = sympy.IndexedBase("x"), sympy.IndexedBase("y")
    i = sympy.Symbol("i", integer=True)
    g = sg.parse("sum(x[i], i, 0, 2) + sum(i*y[i], i, 0, 2) + prod(x[i] + 1, i, 0, 1)")
    want = sympy.Sum(x[i], (i, 0, 2)).doit() + sympy.Sum(i * y[i], (i, 0, 2)).doit() + \
        sympy.Product(x[i] + 1, (i, 0, 1)).doit()
    assert sympy.expand(g.expr() - want) == 0
    both = sg.parse(["i*2", "sum(x[i], i, 0, 1)"])
    assert [both.expr(out) for out in both.outputs] == [2 * sympy.Symbol("i"), x[0] + x[1]]
    for text in ("f(u) = u*i\nsum(f(x[i]), i, 0, 2)", "f(u) = u*i\ni + sum(f(x[i]), i, 0, 2)"):
        with pytest.raises(ParseError, match=r"the index 'i' of sum\(\) is also an input"):
            sg.parse(text)
    with pytest.raises(ParseError, match=r"the index 'n' of sum\(\) is also a size bound by keyword \(n=3\)"):
        sg.parse("sum(x[n], n, 0, 2)", n=3)
    with pytest.raises(ParseError, match=r"'i' of sum\(\) is also the index of an enclosing sum\(\) \(line 1, column 25\)"):
        sg.parse("sum(sum(x[i], i, 0, 1), i, 0, 1)")


@pytest.mark.parametrize("size", [-1, 2.5, "3", True, (2, -1)])
def test_sizes_must_be_non_negative_integers(size):
    with pytest.raises(ArgumentError, match="must be a non-negative integer"):
        sg.parse("sum(x[i], i, 0, n-1)", n=size)



def test_a_size_cannot_be_named_pi():
    # pi=1 bounded sum(..., 0, pi) while the pi of the term stayed the constant: one name, two values in one text
    with pytest.raises(ArgumentError, match="a size cannot be named 'pi'"):
        sg.parse("pi*x + sum(y[k], k, 0, pi)", pi=1)

def test_sizes_may_be_numpy_integers_also_inside_a_tuple():
    # W=(np.int64(2), np.int64(3)) (a shape read off arrays) raised NumPy's TypeError "Shape should contain
    # integers only." from the graph's element table; n=np.int64(3) worked
    shape = tuple(np.array([2, 3]))
    g = sg.grad("sum(W[i, 0]*x[i], i, 0, 1)", wrt=["W"], W=shape, x=np.int32(2))
    assert g.graph.indexed["W"].shape == (2, 3) and all(type(n) is int for n in g.graph.indexed["W"].shape)
    np.testing.assert_array_equal(g.at(W=np.ones((2, 3)), x=[3.0, 4.0]).array("W"), [[3, 0, 0], [4, 0, 0]])


@pytest.mark.parametrize("text, size", [("x[0]*2", 10**9), ("x[0, 0]*2", (10**4, 10**4))])
def test_a_declared_extent_beyond_the_entry_limit_is_refused(text, size):
    with pytest.raises(ArgumentError, match="an indexed input has at most 10,000,000"):
        sg.grad(text, x=size)


def test_sizes_only_apply_to_text():
    with pytest.raises(ArgumentError, match="apply to text"):
        sg.grad(sg.parse("x^2"), n=3)


def test_pictures_of_large_indexed_graphs_refuse_with_a_size_message():
    from symgraph.export.draw import MAX_NODES
    big = sg.parse(ROSENBROCK, n=MAX_NODES)
    with pytest.raises(sg.RenderError, match=f"pictures are limited to {MAX_NODES}"):
        sg.draw(big, engine="matplotlib")


def test_vector_form_holds_every_element_of_an_indexed_wrt_and_takes_data():
    f = sg.value_and_grad("sum(W[k, j]*v[j], j, 0, 2)", wrt=["W"], vector=True, k=1)
    value, grad = f(np.ones(6), np.arange(3.0))  # W is (2, 3); only W[1, j] is read
    assert value == 3.0
    np.testing.assert_array_equal(grad, [0, 0, 0, 0, 1, 2])
    with pytest.raises(GraphError, match=r"1-D vector of 6 values \(W\[0, 0\], W\[0, 1\]"):
        f(np.ones(5), np.arange(3.0))
    with pytest.raises(GraphError, match="v takes an array"):
        f(np.ones(6), np.arange(4.0))


@pytest.mark.parametrize("text, sizes", [
    (ROSENBROCK, {"n": 7}),
    ("sum(where(x[i] > x[n-1-i], max(x[i], y, 1), x[i+1]^2 - W[i, i+1]*y), i, 0, n-2)", {"n": 6}),
    ("prod(1 + W[i, 0]*x[i] - sin(x[i]), i, 1, 4) + sum(sum(W[i, j]*x[j], j, 0, 2)^2, i, 0, 3)", {}),
    ("sum(x[2*i] - x[i], i, 0, 3) + sum(y*x[i], i, 2, 2)", {}),
])
def test_replayed_terms_build_the_graph_parsing_each_term_builds(text, sizes, monkeypatch):
    """A term is parsed once and replayed per index value; parsing it anew for every value gives the same graph."""
    replayed = sg.parse(text, **sizes)
    from symgraph.frontend.reductions import Reductions
    monkeypatch.setattr(Reductions, "_replayable", lambda *args: False)
    parsed = sg.parse(text, **sizes)
    assert canonical(replayed, str) == canonical(parsed, str)


@pytest.mark.parametrize("text, position, said", [
    ("x[2.0] + 1", 2, "'2.0' is the decimal number 2.0 (write 2)"),
    ("W[1, 1e0]", 5, "'1e0' is the decimal number 1.0 (write 1)"),
    ("x[2.5]", 2, "'2.5' is the decimal number 2.5;"),
    ("sum(x[i/2], i, 0, 3)", 6, "'i/2' is 1/2, not an integer;"),
    ("sum(x[i], i, 0, 2.0)", 16, "'2.0' is the decimal number 2.0 (write 2)"),
])
def test_an_index_that_is_not_an_integer_says_so_where_it_is(text, position, said):
    """x[2.0] said "'2.0' is 2.00000000000000" (sympy's Float printed): now the message says that indices
    are integers, what the text gave instead and how to write it, with the caret under it."""
    with pytest.raises(ParseError, match="must be an integer, and ") as info:
        sg.parse(text)
    assert said in str(info.value) and "2.0000" not in str(info.value)
    assert info.value.position == position


def test_a_replayed_index_out_of_range_is_still_a_parse_error():
    with pytest.raises(ParseError, match=r"index 1 of x\[\.\.\.\] is -1 \(where i = 3\), out of range") as info:
        sg.parse("sum(x[2 - i], i, 0, 5)")
    assert info.value.position == 6


def test_missing_and_unknown_values_are_named_as_the_user_writes_them():
    g = sg.grad("sum(x[i]^2, i, 0, 2) + b")
    with pytest.raises(GraphError, match=r"missing value\(s\) for x \(inputs: x, b; an indexed input takes one array"):
        g.at(b=1.0)
    with pytest.raises(GraphError, match=r"missing value\(s\) for x\[1\], x\[2\]"):
        g.at(**{"x[0]": 1.0, "b": 2.0})
    with pytest.raises(GraphError, match=r"unknown input\(s\) q \(inputs: x, b"):
        g.at(x=[1.0, 2.0, 3.0], b=1.0, q=2.0)


def test_the_graphs_own_input_names_are_wrt_names_for_their_elements():
    """``wrt=graph.inputs`` (an element's node name, ``x_0``) means that element: its label ``x[0]``."""
    graph = sg.parse("sum(x[i]^2, i, 0, 3) + y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradient = sg.grad(graph, wrt=list(graph.inputs))
    assert list(gradient) == ["x[0]", "x[1]", "x[2]", "x[3]", "y"]
    assert str(gradient["x[2]"]) == "2*x[2]"
    with pytest.raises(sg.GraphError, match=r"twice: 'x\[1\]', 'x\[1\]'"):
        sg.grad(graph, wrt=[graph.inputs[1], "x[1]"])


def test_absent_wrt_names_are_counted_not_listed_and_unused_elements_are_quiet():
    graph = sg.parse("sum(x[i]^2, i, 0, 3)", x=20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # elements the function does not use are within x's extent: no warning
        assert len(sg.grad(graph, wrt=[f"x[{i}]" for i in range(20_000)])) == 20_000
    with pytest.warns(sg.UnusedWrtWarning) as caught:
        sg.grad(graph, wrt=["x[20000]", "z"] + [f"w{k}" for k in range(40)])
    message = str(caught[0].message)
    assert "'x[20000]'" in message and "(22 more)" in message and "'w39'" not in message
    assert "(inputs: x)" in message and "x_0" not in message  # x as wrt takes it, not its 20,000 elements


def test_an_absent_wrt_name_is_matched_against_the_inputs_as_wrt_takes_them():
    """A misspelt parameter of a fit over data listed the elements (inputs: t[0], w[0], X[0, 0], w[1], ...) and
    matched them: 'weight' was closest to 'weights[2]', and 'x' matched nothing of X[0, 0], X[1, 0].  The inputs
    are listed and matched as wrt names them, an indexed input by its name."""
    nll = "sum(softplus(-t[r]*(sum(weights[j]*X[r, j], j, 0, 1) + b)), r, 0, 2)"
    for wrt, meant in ((["weight", "b"], "'weight' (did you mean 'weights'?)"), (["x", "b"], "'x' (did you mean 'X'?)")):
        with pytest.warns(sg.UnusedWrtWarning) as caught:
            sg.value_and_grad(nll, wrt=wrt, vector=True)
        message = str(caught[0].message)
        assert meant in message and "(inputs: t, weights, X, b)" in message, message


# --------------------------------------------------------------------------- the expansion budget is per text

@pytest.mark.parametrize("text, sizes, message", [
    # nested reductions multiply: each one alone is under the limit, together 16 million terms
    ("sum(sum(x[i]*x[j], j, 0, n-1), i, 0, n-1)", {"n": 4000}, "repeated 4,000 times by the reductions around it"),
    ("sum(sum(sum(x[i], i, 0, 999), j, 0, 999), k, 0, 999)", {}, "(1,000,000,000 terms)"),
    # a reduction inside a definition, called from a reduction
    ("f(u) = sum(u*x[i], i, 0, 9999)\nsum(f(y[j]), j, 0, 9999)", {}, "repeated 10,000 times"),
    # definitions that call the one before twice double per level
    ("f0(u) = u*u + 1\n" + "\n".join(f"f{k}(u) = f{k - 1}(f{k - 1}(u))" for k in range(1, 40)) + "\nf39(x)", {},
     "a call of f39() expands 1,099,511,627,775 calls of definitions"),
    # one term, said in the singular (it said "has 1 terms", "after the 1 terms")
    ("sum(sum(x[i], j, 0, 0), i, 0, 9999999)", {},
     "sum() over j = 0..0 has 1 term, repeated 10,000,000 times by the reductions around it (10,000,000 terms), "
     "after the 1 term expanded before it;"),
])
def test_expansions_are_limited_per_text_and_refused_before_expanding(text, sizes, message):
    """Each reduction was checked alone, so these ran for minutes (or ever) and filled memory."""
    with pytest.raises(ParseError) as info:
        sg.parse(text, **sizes)
    assert message in str(info.value) and "the limit is 10,000,000 terms per call" in str(info.value)


def test_reductions_side_by_side_add_up(monkeypatch):
    """Each reduction was checked alone, so two that fit one at a time were expanded together past the limit.
    A small limit stands in for the real one, so that the first sum expands quickly."""
    from symgraph.frontend import parse, reductions
    for module in (parse, reductions):
        monkeypatch.setattr(module, "MAX_TERMS", 1000)
    with pytest.raises(ParseError) as info:
        sg.parse("sum(x[i], i, 0, 600) + sum(y[i], i, 0, 600)")
    assert "after the 601 terms expanded before it" in str(info.value)
    assert "the limit is 1,000 terms per call" in str(info.value)
    assert len(sg.parse("sum(x[i], i, 0, 400) + sum(y[i], i, 0, 400)").inputs) == 802


def test_the_budget_allows_what_it_counts():
    """A triangular double sum is counted at its size when met times the remaining outer terms."""
    g = sg.parse("sum(sum(x[j], j, 0, i), i, 0, n-1)", n=50)
    assert len(g.inputs) == 50
    assert g.evaluate(x=np.ones(50))[g.outputs[0]] == 50 * 51 / 2
    g = sg.parse("f0(u) = u*u + 1\n" + "\n".join(f"f{k}(u) = f{k - 1}(f{k - 1}(u))" for k in range(1, 8)) + "\nf7(x)")
    assert len(g.nx) == 2**8 + 1


@pytest.mark.parametrize("text, message", [
    # a term with an input builds nodes: 10^7 of them passed the term limit and ran for minutes
    ("sum(x*i, i, 0, 10^7 - 1)", "sum() over i = 0..9999999 would build about 30,000,000 graph nodes"),
    ("sum(x[i], i, 0, 10^7 - 1)", "(10,000,000 terms, about 2 nodes each, as the first term shows)"),
    ("y = sum(i*2 + q, i, 0, 10^7 - 1)\nq = 1", "would build about 30,000,000 graph nodes"),
    # nested: the inner reduction at its first outer term, times the outer terms still to come
    ("sum(sum(x[i]*y[j], j, 0, 2999), i, 0, 2999)", "3,000 terms, repeated 3,000 times by the reductions around it"),
])
def test_a_reduction_that_would_build_millions_of_nodes_is_refused_before_building_them(text, message):
    with pytest.raises(ParseError) as info:
        sg.parse(text)
    assert message in str(info.value) and "the limit is 5,000,000 nodes a reduction" in str(info.value)


def test_the_node_limit_counts_built_terms_only(monkeypatch):
    """Terms of numbers are computed at once and build no node; a term with an input is measured by its first."""
    from symgraph.frontend import reductions
    monkeypatch.setattr(reductions, "MAX_NODES", 1000)
    g = sg.parse("x*sum(i^2, i, 0, 10^6)")  # 10^6 terms: one constant, no node
    assert len(g.nx) == 2 and g.evaluate(x=1.0)[g.outputs[0]] == float(sum(i * i for i in range(10**6 + 1)))
    assert len(sg.parse("sum(x[i], i, 0, 499)").inputs) == 500  # 500 terms of 2 nodes: 1,000
    with pytest.raises(ParseError, match="would build about 1,002 graph nodes"):
        sg.parse("sum(x[i], i, 0, 500)")
    assert len(sg.parse("sum(x[i]*sum(j, j, 0, 99), i, 0, 99)").inputs) == 100  # the inner sum is one number
    with pytest.raises(ParseError, match="repeated 40 times by the reductions around it"):
        sg.parse("sum(sum(x[i]*y[j], j, 0, 39), i, 0, 39)")  # 40 * 40 terms of x[i]*y[j]


@pytest.mark.parametrize("call", [lambda: sg.jvp("x*y", ["x", "y"], [1, 0], mode="reverse"),
                                  lambda: sg.lambdify("x*y", wrt=["x"]),
                                  lambda: sg.grad("x*y", wrt=["x"], simplfy=None),
                                  lambda: sg.lambdify("x*y", vector=True),
                                  lambda: sg.grad("x*y", sparse=False)])
def test_a_keyword_a_function_does_not_take_is_called_unexpected(call):
    # extra keywords are sizes (n=1000); a name with a list, a string or None was "size mode='reverse' ...",
    # and an option's flag (vector=True) "size vector=True must be a non-negative integer"
    with pytest.raises(ArgumentError, match="unexpected keyword argument .*must be a non-negative integer"):
        call()


def test_evaluation_and_compiled_functions_word_a_wrong_index_shape_alike():
    # .at said "first axes are (3,) (its indices)", compiled functions "first axis is (3,) (its indices; batch
    # axes follow)": one check worded in two places
    g = sg.grad("sum(x[i]^2, i, 0, 2) + W[1, 2]", wrt=["x"])
    for call in (lambda **v: g.at(**v), lambda **v: g.lambdify()(**v), lambda **v: g.lambdify(backend="vm")(**v)):
        with pytest.raises(GraphError, match=r"^x takes an array whose first axis is \(3,\) \(its indices; batch "
                                             r"axes follow\), got shape \(2, 3\)$"):
            call(x=np.ones((2, 3)), W=np.ones((2, 3)))
        with pytest.raises(GraphError, match=r"^W takes an array whose first axes are \(2, 3\) .* got shape \(6,\)$"):
            call(x=np.ones(3), W=np.ones(6))


@pytest.mark.parametrize("text", ["W + 1", "sum(x[i], i, 0, W - 1)", "W[0, 0]*n"])
def test_a_name_whose_size_is_extents_is_no_number(text):
    """A size given as extents (W=(2, 2)) and used without indices was a plain input W, the extents dropped
    without a word; as a bound it was "'W' is not a size or an index ... (bound by keyword, W=...)", though it was."""
    with pytest.raises(ParseError, match=r"'(W|n)' is given as extents \((W=\(2, 2\)|n=\(3,\))\), which "
                                         r"only an indexed input has: write \1\[\.\.\.\] for its elements, or give "
                                         r"\1 one integer to use it as a number"):
        sg.parse(text, W=(2, 2), n=(3,))
    assert sg.parse("W[1, 1] + sum(x[i], i, 0, n - 1)", W=(2, 2), n=3).input_labels == ("W[1, 1]", "x[0]", "x[1]",
                                                                                       "x[2]")


def _rows(graph):
    """Everything a graph holds, names included: two graphs are built alike iff these are equal."""
    return (list(graph.rows()), graph.inputs, graph.outputs, dict(graph.addresses), tuple(graph.input_labels),
            {name: (known.shape, dict(known.nodes), known.before) for name, known in graph.indexed.items()})


def _one_term_at_a_time(monkeypatch):
    """Make every reduction build its terms one replay (or parse) at a time, as before the one-loop build."""
    from symgraph.ir.builder import GraphBuilder
    monkeypatch.setattr(GraphBuilder, "repeat", lambda *args: None)


@pytest.mark.parametrize("text, sizes", [
    ("sum(sin(x[i])*x[i+1], i, 0, n-1)", {"n": 300}),
    (ROSENBROCK, {"n": 40}),
    ("prod(1 + x[i]/2, i, 0, 50) + sum(2 - x[i], i, 3, 40)", {}),  # constants on either side of an op
    ("sum(x[i] - 3, i, 0, 9) * prod(2^x[i], i, 1, 9) + sum(x[i]^3/y, i, 2, 6)", {}),
    ("sum((y[i] - a*exp(-b*t[i]))^2, i, 0, m-1)", {"m": 100}),  # data, and operands fixed across terms
    ("a = x[3]*x[4]; sum(x[i]*x[i+1] + a, i, 0, 10)", {}),  # a term's nodes made before the sum
    ("x[0] + x[1] + sum(x[i], i, 0, 1) + sum(x[i], i, 0, 1)", {}),  # whole sums made before: every term shared
    ("sum(x[n-1-i]*x[i], i, 0, n-1)", {"n": 50}),  # terms that coincide (x[i]*x[n-1-i] twice)
    ("sum(x[0] + 0*x[i], i, 0, 5) + sum(cos(x[1]) + 2, i, 0, 5)", {}),  # terms all equal
])
def test_terms_made_in_one_loop_are_the_graph_one_term_at_a_time_makes(text, sizes, monkeypatch):
    """A reduction's terms after the first are made by one builder loop; the nodes, their names, order and
    rows, and the labels are the ones the term-by-term replay gives (the loop replaced 12-24 µs a term)."""
    from symgraph.ir.builder import GraphBuilder
    made = []
    repeat = GraphBuilder.repeat
    monkeypatch.setattr(GraphBuilder, "repeat", lambda *args: made.append(repeat(*args)) or made[-1])
    fast = sg.parse(text, **sizes)
    assert made and all(m is not None for m in made)  # every sum here takes the one-loop path
    _one_term_at_a_time(monkeypatch)
    assert _rows(fast) == _rows(sg.parse(text, **sizes))


def test_an_element_out_of_range_in_a_later_term_is_still_worded_by_the_parser():
    with pytest.raises(ParseError, match=r"index 1 of x\[\.\.\.\] is -1 \(where i = 4\), out of range") as info:
        sg.parse("sum(x[3 - i]*sin(x[i]), i, 0, 5)")
    assert info.value.position == 6


from hypothesis import given, settings, strategies as st  # noqa: E402

_LEAVES = ["x[i]", "x[i+1]", "x[2*i]", "x[n-1-i]", "x[1]", "y", "2", "0.5", "w[i]"]


@st.composite
def _templates(draw):
    """A reduction's term: leaves (elements, an input, numbers) under + - * / ^ and sin, exp."""
    parts = [draw(st.sampled_from(_LEAVES)) for _ in range(draw(st.integers(1, 4)))]
    while len(parts) > 1:
        a, b = parts.pop(), parts.pop()
        op = draw(st.sampled_from(["+", "-", "*", "/", "^", "sin", "exp"]))
        parts.append(f"{op}({a} + {b})" if op in ("sin", "exp") else f"({a}{op}{b})")
    return parts[0]


@settings(max_examples=40, deadline=None)
@given(_templates(), st.sampled_from(["sum", "prod"]), st.integers(0, 2), st.integers(0, 6), st.booleans())
def test_generated_reductions_build_alike_in_one_loop_and_term_by_term(term, word, lo, count, before):
    """Any template, any range, with or without its nodes made earlier in the text: the same graph."""
    text = ("x[1]*y + sin(x[2]) + " if before else "") + f"{word}({term}, i, {lo}, {lo + count})"
    sizes = {"n": lo + count + 1} if "n-1" in text else {}  # a size the text does not name is refused
    with pytest.MonkeyPatch.context() as patch:
        fast = sg.parse(text, **sizes)
        _one_term_at_a_time(patch)
        slow = sg.parse(text, **sizes)
    assert _rows(fast) == _rows(slow)
