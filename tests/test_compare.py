"""compare(): every mode on the same Jacobian, and the verdict that says which wins and why."""
import re

import numpy as np
import pytest

import symgraph as sg
from symgraph.cost import EXPANDED_CAP
from tests.helpers import load_benchmark

bench = load_benchmark("modes_bench")

PRODUCT = "*".join(f"x{i}" for i in range(1, 101))
TWO_LAYERS = ("h1 = sin(X); h2 = cos(X); h3 = exp(X); z1 = h1*h2*h3; z2 = h1+h2+h3; "
              "z3 = sin(h1)+cos(h2)*h3; Z = z1+z2+z3")
DEEP = "; ".join(f"v{i + 1} = sin(v{i}) + cos(v{i})" for i in range(40)).replace("v0", "x")


@pytest.fixture(scope="module")
def product_report():
    return sg.compare(PRODUCT)


def test_product_of_100_reverse_one_sweep_forward_100(product_report):
    rev, fwd = product_report["reverse"], product_report["forward"]
    assert rev.sweeps == 1 and fwd.sweeps == 100
    assert fwd.multiplications >= 10 * rev.multiplications
    assert product_report.verdict.startswith("reverse wins")
    assert "100 inputs and 1 output" in product_report.verdict


def test_two_fully_connected_layers_have_nine_paths():
    report = sg.compare(TWO_LAYERS)
    assert report["paths"].paths == 9
    assert [report[m].paths for m in ("forward", "reverse", "elimination")] == [None, None, None]


def test_above_the_path_limit_only_the_count_is_shown():
    report = sg.compare(DEEP)
    row = report["paths"]
    assert row.paths == 2**40 and row.multiplications is None and row.program_ops is None
    assert "not enumerated" in report.verdict
    assert report["reverse"].expanded_ops == EXPANDED_CAP  # the closed form is exponential: capped
    assert ">=" in str(report).splitlines()[3]
    assert sg.compare("sin(x)*cos(x)", path_limit=1)["paths"].multiplications is None


def test_single_input_single_output_elimination_win_is_explained():
    report = sg.compare(DEEP)
    assert report["elimination"].multiplications < report["reverse"].multiplications
    assert report.verdict.startswith("elimination wins") and "parallel edges" in report.verdict


def test_markowitz_wins_on_the_hourglass_and_says_why():
    report = sg.compare(bench.hourglass(3, 3))
    mults = {m: c.multiplications for m, c in report.items()}
    assert mults["elimination"] < min(mults["forward"], mults["reverse"])
    assert report.verdict.startswith("elimination wins") and "3 inputs" in report.verdict


def test_multi_output_forward_scales_with_inputs_reverse_with_outputs():
    wide_out = bench.layered(1, 20)
    report = sg.compare(wide_out)
    assert report["forward"].sweeps == 1 and report["reverse"].sweeps == 20
    assert report["forward"].multiplications < report["reverse"].multiplications
    assert report.verdict.startswith("forward wins") and "1 input and 20 outputs" in report.verdict


def test_a_tie_in_multiplications_goes_to_fewer_sweeps():
    """One input, 100 outputs sharing nothing: every mode needs 99 multiplications, and the verdict named
    reverse (the default) with its 100 sweeps where forward needs one, unlike mode="auto"."""
    report = sg.compare([f"sin({k}*x)" for k in range(1, 101)])
    assert report["forward"].multiplications == report["reverse"].multiplications
    assert report.verdict.startswith("forward wins (tied with reverse, paths and elimination)")
    assert "with 1 input and 100 outputs, forward needs one sweep per input" in report.verdict
    many_in = sg.compare("+".join(f"sin({k}*x{k})" for k in range(1, 101)))
    assert many_in.verdict.startswith("reverse wins")


def test_compare_wrt_and_ties():
    report = sg.compare("x*y + sin(z)", wrt=["x"])
    assert report.n_inputs == 1 and report["forward"].sweeps == 1
    tie = sg.compare("(a+b)*(b+1)")
    assert tie.verdict.startswith("reverse wins (tied with forward, paths and elimination)")
    assert "every mode needs the same work" in tie.verdict


def test_a_graph_needing_no_work_says_so():
    """x*y's derivatives are its inputs and nothing is multiplied or added; the verdict said every mode
    'needs the same work', as if there were some.  A Hessian strategy's verdict names the others'
    multiplications beside its own, not beside its program's size."""
    nothing = sg.compare("x*y")
    assert nothing.verdict.startswith("reverse wins (tied with forward, paths and elimination)")
    assert "no mode multiplies or adds anything on this graph" in nothing.verdict
    assert "same work" not in nothing.verdict
    assert "no mode multiplies" in sg.compare("x*y", wrt=["q"], allow_unused=True).verdict
    second = sg.compare("x*y*z", order=2).verdict
    assert "with 2 multiplications (reverse-over-forward 2," in second
    assert "and a program of 0 operations;" in second


def test_compare_reports_progress_over_every_mode():
    """`symgraph compare` on a 40,000-input sum ran for half an hour without a word: forward mode visits
    the chain once per input.  compare() now reports one progress over every mode, in node visits."""
    seen = []
    n = 40
    graph = sg.parse("+".join(f"x{i}" for i in range(n)))
    sg.compare(graph, progress=lambda done, total: seen.append((done, total)))
    totals = {total for _, total in seen}
    assert len(totals) == 1 and seen[-1][0] == seen[-1][1]
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    nodes = len(graph.order)
    forward = sum(nodes - graph.order.index(x) for x in graph.inputs)  # each sweep: the nodes after its input
    assert totals.pop() == forward + nodes + n + nodes  # + reverse, paths (n paths), elimination


@pytest.mark.parametrize("f, wrt, message", [
    (["x*y", "x"], None, "compare(order=2) takes a function with one output; this one has 2"),
    ("c = 2*x; c*c*y", ["c", "y"], "compare(order=2) differentiates by inputs; c is intermediate"),
])
def test_second_order_compare_names_itself_in_its_errors(f, wrt, message):
    """compare(f, order=2) said 'hessian() takes a function with one output', naming a call the user did not make."""
    with pytest.raises(sg.GraphError, match=re.escape(message)):
        sg.compare(f, wrt=wrt, order=2)


def test_second_order_compare_warns_about_an_absent_wrt_at_the_callers_line():
    """The warning points at the user's call of compare, not at symgraph's own lines."""
    with pytest.warns(sg.UnusedWrtWarning) as caught:
        sg.compare("x*y", wrt=["x", "q"], order=2)
    assert caught[0].filename == __file__


def test_one_multiplication_is_singular_in_the_verdict():
    """The verdict said 'forward wins ... with 1 multiplications'.  (Reverse mode took 2 there, one into y, which
    is not in wrt: it pulls no adjoint back where no wrt node is reached now.)"""
    assert "with 1 multiplication (forward 1," in sg.compare("x*y*z", wrt=["x"]).verdict
    assert "with 2 multiplications" in sg.compare("x*y*z").verdict


@pytest.mark.parametrize("f, wrt", [("sin(x*y)*cos(y)", ["z"]), ("3", ["x"]), ("3", None)])
def test_nothing_to_differentiate_makes_no_sweep_in_any_mode(f, wrt):
    """With wrt names absent from f, forward mode reported 0 sweeps and reverse mode 1 (and 4 multiplications on
    sin(x*y)*cos(y)): the reverse sweep ran, computing every adjoint and keeping none; edge pushing likewise
    reported 1 sweep where the other Hessian strategies made none.  No mode sweeps when there is nothing to
    differentiate by, and the derivatives are still 0."""
    for order in (1, 2):
        report = sg.compare(f, wrt=wrt, order=order, allow_unused=True)
        assert {c.sweeps for c in report.values()} <= {0, None}, (order, str(report))
        assert {c.multiplications for c in report.values()} == {0}
    gradient = sg.grad(f, wrt=wrt, allow_unused=True)
    assert gradient.cost.sweeps == 0 and all(d == 0 for d in gradient.values())



@pytest.mark.parametrize("f, constant_rows", [("x + y", 2), ("x*y + z", 1)])
def test_second_order_sweeps_skip_the_gradient_entries_that_are_constants(f, constant_rows):
    """A linear term's gradient entry is a constant, so the Hessian's second sweeps have nothing to do there:
    the reverse sweeps skipped such an output, but a forward sweep still ran (and was counted) from each
    input of the gradient's program that nothing used -- compare("x + y", order=2) said forward-over-reverse
    made 3 sweeps and forward-over-forward 4, where reverse-over-reverse made 1.  Each strategy now counts
    the first derivative's sweeps plus one per wrt name whose gradient entry is not constant."""
    n = len(sg.parse(f).inputs)
    report = sg.compare(f, order=2)
    varying = n - constant_rows
    assert report["forward-over-reverse"].sweeps == 1 + varying, str(report)
    assert report["reverse-over-reverse"].sweeps == 1 + varying, str(report)
    assert report["forward-over-forward"].sweeps == n + varying, str(report)
    assert report["reverse-over-forward"].sweeps == n + varying, str(report)

def test_second_order_report_counts_one_output_function():
    """compare(f, order=2) reported n_outputs = the number of wrt names (3 for x*y*z): the Hessian has one
    function, whose rows are its gradients; the first-order report counts functions there too."""
    report = sg.compare("x*y*z", order=2)
    assert (report.n_inputs, report.n_outputs) == (3, 1)
    assert (sg.compare("x*y*z").n_inputs, sg.compare("x*y*z").n_outputs) == (3, 1)
    assert sg.compare(["x*y", "y*z"]).n_outputs == 2


@pytest.mark.parametrize("order", [2.0, 1.0, True, "2", 3, 0, None, [2]])
def test_an_order_that_is_not_the_integer_1_or_2_is_refused(order):
    """order=2.0 was taken as 2 (2.0 == 2), where sizes, indices and the command's --order take integers only;
    every other value is refused too, with the one message that says which orders there are."""
    with pytest.raises(sg.errors.ArgumentError, match=r"order=1\) or second \(order=2\) derivatives, the integer"):
        sg.compare("x*y", order=order)


def test_numpy_integer_orders_are_orders():
    assert len(sg.compare("x*y", order=np.int64(2))) == 5 and len(sg.compare("x*y", order=np.int32(1))) == 4


def test_compare_order_2_stops_a_strategy_that_cannot_win():
    """forward-over-forward goes through the gradient's n^2 partial products of prod(1 + x[i]) once per input:
    4.5 million instructions and 70 s at n = 300, where forward-over-reverse made 90,000 in 1.4 s, so
    compare(order=2) did not finish in a minute.  A strategy past STOP_FACTOR times the fewest multiplications
    is stopped: no counts in its row, a note, and the verdict names it."""
    from symgraph.compare import STOP_FACTOR
    report = sg.compare("prod(1 + x[i], i, 0, n-1)", order=2, n=100)
    stopped = report["forward-over-forward"]
    assert stopped.multiplications is None and stopped.sweeps is None and "stopped" in stopped.note
    measured = [c for m, c in report.items() if m != "forward-over-forward"]
    assert all(c.multiplications for c in measured)
    assert "forward-over-forward stopped past" in report.verdict and report.verdict.startswith("edge-pushing wins")
    assert f"{STOP_FACTOR} times the fewest" in report.verdict
    assert report.to_dict()["forward-over-forward"]["multiplications"] is None
    assert "forward-over-forward       -" in str(report)


def test_compare_order_2_derives_a_small_hessian_whole_in_every_strategy():
    report = sg.compare("prod(1 + x[i], i, 0, n-1)", order=2, n=12)
    assert all(c.multiplications is not None and not c.note for c in report.values())


def test_a_budget_stops_the_sweeps_past_it():
    from symgraph.ad.linearised import OverBudget
    from symgraph.ad.modes import run_mode
    from symgraph.hessian import hessian_program
    graph = sg.parse("prod(1 + x[i], i, 0, n-1)", n=30)
    with pytest.raises(OverBudget) as info:
        hessian_program(graph, mode="forward-over-forward", budget=1_000)
    assert info.value.counts.multiplications > 1_000
    assert hessian_program(graph, mode="forward-over-forward")[0].instructions  # unbounded by default
    plain = sg.parse("*".join(f"(1 + x{i})" for i in range(30)))
    with pytest.raises(OverBudget):
        run_mode(plain, plain.outputs, plain.inputs, "forward", budget=50)
    result, _ = run_mode(plain, plain.outputs, plain.inputs, "forward", budget=10_000)
    assert 50 < result.counts.multiplications <= 10_000 and result.counts.sweeps == 30


def test_a_budget_stops_reverse_sweeps_past_it():
    from symgraph.ad.linearised import OverBudget
    from symgraph.ad.modes import run_mode
    graph = sg.parse("a = x*y*z; b = x*y; c = y*z*x*x", outputs=["a", "b", "c"])
    with pytest.raises(OverBudget):
        run_mode(graph, graph.outputs, graph.inputs, "reverse", budget=2)
    result, _ = run_mode(graph, graph.outputs, graph.inputs, "reverse", budget=100)
    assert result.counts.sweeps == 3


def test_forward_mode_carries_no_tangent_where_no_output_is_reached():
    """A program line no output uses (d below) took forward mode's tangents: 12 multiplications and 3 additions
    counted, whose rows the program then dropped (0 operations), where elimination in forward order, which
    reproduces forward mode's counts, made none; mode="auto" counted them too."""
    text = "d = sin(x*y)*cos(x)*exp(x)*tanh(x*x); e = x*y"
    report = sg.compare(text)
    assert {m: (c.multiplications, c.additions, c.program_ops) for m, c in report.items()} == {
        m: (0, 0, 0) for m in ("forward", "reverse", "paths", "elimination")}
    gradient = sg.grad(text, mode="forward")
    assert dict(gradient) == {"x": sg.parse("y").expr(), "y": sg.parse("x").expr()} and gradient.cost.sweeps == 2
    elimination = sg.grad(text, mode="elimination", order="forward")
    assert gradient.cost["forward"].multiplications == elimination.cost["elimination"].multiplications == 0
    # with a second output that reads d, its tangents count again (and only there)
    jacobian = sg.jacobian(sg.parse(text, outputs=["e", "d"]), mode="forward")
    assert jacobian.cost["forward"].multiplications == sg.jacobian(
        sg.parse(text, outputs=["e", "d"]), mode="elimination", order="forward").cost["elimination"].multiplications > 0
    assert "forward would need 0 multiplications" in sg.grad(text, wrt=["x"], mode="auto").cost.note


@pytest.mark.parametrize("f, wrt", [
    ("sin(x*y)*exp(tanh(z*w)*cos(z))", ["x"]),  # a branch of inputs not in wrt: reverse counted 10, not 2
    ("exp(-x^2/2)/sqrt(2*pi) + log(2)*x*y", ["x"]),  # and constants that are nodes (sqrt(2*pi), log(2)) with them
    (["x*y*z", "z*sin(w)"], ["x", "y"]),
])
def test_reverse_mode_pulls_no_adjoint_back_where_no_wrt_node_is_reached(f, wrt):
    """Reverse mode pulled adjoints back into every ancestor of the outputs: into inputs not in wrt and into
    constants that are nodes, products counted whose rows the program then dropped.  Elimination in reverse
    order, which reproduces reverse mode's counts, made none; mode="auto" counted them too."""
    graph = sg.parse(f)
    for mode in ("forward", "reverse"):
        swept = sg.jacobian(graph, wrt=wrt, mode=mode).cost[mode]
        eliminated = sg.jacobian(graph, wrt=wrt, mode="elimination", order=mode).cost["elimination"]
        assert (swept.multiplications, swept.additions) == (eliminated.multiplications, eliminated.additions), mode
    reverse = sg.jacobian(graph, wrt=wrt, mode="reverse")
    assert f"reverse {reverse.cost['reverse'].multiplications} (" in sg.jacobian(graph, wrt=wrt, mode="auto").cost.note
    names = list(wrt or graph.inputs)
    point = {x: 0.3 + 0.1 * k for k, x in enumerate(graph.inputs)}
    np.testing.assert_allclose(np.array(reverse.lambdify()(**point), dtype=float),
                               np.array(sg.jacobian(graph, wrt=names, mode="forward").lambdify()(**point), dtype=float),
                               rtol=1e-14)
