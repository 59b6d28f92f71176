"""mode="auto": the sweep estimates behind the choice equal the sweeps' own counts, and the choice says why."""
import pytest
import sympy

import symgraph as sg
from symgraph.ad.modes import Estimate, choose_mode, sweep_estimates
from tests.helpers import load_benchmark

bench = load_benchmark("modes_bench")

PRODUCT = "*".join(f"x{i}" for i in range(1, 101))
TWO_LAYERS = ("h1 = sin(X); h2 = cos(X); h3 = exp(X); z1 = h1*h2*h3; z2 = h1+h2+h3; "
              "z3 = sin(h1)+cos(h2)*h3; Z = z1+z2+z3")
DEEP = "; ".join(f"v{i + 1} = sin(v{i}) + cos(v{i})" for i in range(40)).replace("v0", "x")
TEXTBOOK = "c = a + b; d = b + 1; e = c * d"


# ---------------------------------------------------------------- mode="auto"
def fan_out(m):
    """n = 1, m outputs sharing a trunk: forward needs one sweep, reverse m."""
    trunk = "h1 = sin(x); h2 = tanh(h1); h3 = exp(h2)"
    return sg.parse(trunk + "; " + "; ".join(f"y{k} = cos(h3 + {k})" for k in range(1, m + 1)),
                    outputs=[f"y{k}" for k in range(1, m + 1)])


def test_auto_picks_forward_for_one_input_many_outputs():
    graph = fan_out(100)
    assert choose_mode(graph, graph.outputs, graph.input_nodes)[0] == "forward"
    est = sweep_estimates(graph, graph.outputs, graph.input_nodes)
    assert est["forward"] < est["reverse"]
    J = sg.jacobian(graph, mode="auto", simplify=False)
    ref = sg.jacobian(graph, mode="reverse", simplify=False)
    at = {sympy.Symbol("x"): 0.3}
    assert J.shape == (100, 1) and [float(e) for e in J.subs(at)] == pytest.approx([float(e) for e in ref.subs(at)])


@pytest.mark.parametrize("fs", [[f"sin({k}*x)" for k in range(1, 101)], [f"x^{k}" for k in range(1, 101)],
                                [f"{k}*x" for k in range(1, 101)]])
def test_auto_picks_forward_for_one_input_many_outputs_that_share_nothing(fs):
    """n = 1, m = 100 outputs with nothing in common cost as many multiplications and edge products either
    way; auto chose reverse, the default, and its 100 sweeps where forward needs one."""
    graph = sg.parse(";".join(f"y{k} = {f}" for k, f in enumerate(fs)), outputs=[f"y{k}" for k in range(len(fs))])
    mode, note = choose_mode(graph, graph.outputs, ["x"])
    assert mode == "forward" and "so the fewer sweeps decide" in note
    one = sg.parse("+".join(fs))
    assert choose_mode(one, one.outputs, ["x"])[0] == "reverse"  # one output: one sweep either way, the default
    J = sg.jacobian(fs, mode="auto")
    assert J == sg.jacobian(fs, mode="reverse") and J.shape == (100, 1)


def test_a_jacobian_carries_the_cost_of_its_derivation():
    """As gradient.cost: a Jacobian's mode="auto" choice could not be seen (the matrix had no report)."""
    J = sg.jacobian(fan_out(100), mode="auto")
    assert J.cost.mode == "forward" and J.cost.sweeps == 1 and "mode='auto' chose forward" in J.cost.note
    assert list(J.cost) == ["forward"] and J.cost.n_inputs == 1 and J.cost.n_outputs == 100
    assert J.copy().cost is J.cost and (2 * J).cost is None  # sympy's arithmetic makes another matrix
    rev = sg.jacobian(["x*y", "x+y"], mode="reverse")
    assert rev.cost.mode == "reverse" and rev.cost.sweeps == 2


def test_auto_picks_reverse_for_many_inputs_one_output():
    g = sg.grad("sin(" + "+".join(f"x{i}^2" for i in range(100)) + ")", mode="auto")
    assert g.mode == "reverse" and g.cost.mode == "reverse" and g.cost.sweeps == 1
    assert "mode='auto' chose reverse" in g.cost.note and g.cost.verdict == g.cost.note
    assert list(g.cost) == ["reverse"]


def test_auto_single_input_single_output_ties_go_to_reverse():
    x = sympy.Symbol("x")
    g = sg.grad("exp(sin(x))*x", mode="auto")
    assert g.mode == "reverse"  # a chain costs the same both ways; the tie keeps the default
    assert sympy.simplify(g["x"] - sympy.diff(sympy.exp(sympy.sin(x)) * x, x)) == 0


def test_auto_reason_counts_in_the_tables_unit():
    """Was '6 edge products for forward ... against 5 for reverse' beside a table of zeros."""
    g = sg.grad(TEXTBOOK, wrt=["a", "b"], mode="auto")
    report = sg.compare(TEXTBOOK)
    note = g.cost.note
    assert "forward would need 0 multiplications (2 sweeps" in note and "reverse 0 (1 sweep" in note
    assert "(6 forward, 5 reverse)" in note and "free ones included" in note
    assert "products with 0 or ±1 are free" in note
    assert report["forward"].multiplications == report["reverse"].multiplications == 0


def _random_program(seed):
    import random

    r = random.Random(seed)
    ops = ["{a} + {b}", "{a} - {b}", "{a} * {b}", "-{a}", "sin({a})", "{a}*3", "{a}/{b}", "exp({a})", "{a}^2",
           "({a} - {b})*{b}"]
    names = ["x", "y", "z"][: r.randint(1, 3)]
    lines = []
    for i in range(r.randint(2, 8)):
        lines.append(f"w{i} = " + r.choice(ops).format(a=r.choice(names), b=r.choice(names)))
        names.append(f"w{i}")
    return sg.parse("; ".join(lines), outputs=r.sample([n for n in names if n.startswith("w")][-3:], 2))


def _sweep_counts(graph, wrt=None):
    from symgraph.derive import jacobian_program

    wrt = list(graph.input_nodes) if wrt is None else wrt
    return {mode: jacobian_program(graph, wrt, mode)[1].multiplications for mode in ("forward", "reverse")}


@pytest.mark.parametrize("graph", [sg.parse(TEXTBOOK), sg.parse(PRODUCT), sg.parse(TWO_LAYERS), sg.parse(DEEP),
                                   bench.hourglass(3, 3), bench.layered(2, 5), bench.layered(5, 2), fan_out(7)])
def test_auto_estimate_equals_the_sweeps_count(graph):
    est = sweep_estimates(graph, graph.outputs, graph.input_nodes)
    assert {mode: e.multiplications for mode, e in est.items()} == _sweep_counts(graph)


def test_auto_estimate_on_random_programs_is_the_count_or_an_upper_bound():
    """Equal unless a tangent or adjoint cancels as a name minus itself (rare: at most 1 program in 10 here)."""
    equal = 0
    for seed in range(100):
        graph = _random_program(seed)
        est = {mode: e.multiplications for mode, e in sweep_estimates(graph, graph.outputs, graph.input_nodes).items()}
        real = _sweep_counts(graph)
        assert all(est[mode] >= real[mode] for mode in real), seed
        equal += est == real
    assert equal >= 90


def test_estimate_follows_constants_that_cancel():
    """ds/du = 1 - 1 = 0: no product after it.  The estimate counted one (Estimate(1, 10)) before it
    followed constant adjoints by value."""
    graph = sg.parse("u = 2*x + x; w = -u; s = u + w", outputs=["w", "s"])
    est = sweep_estimates(graph, graph.outputs, graph.input_nodes)
    assert est["reverse"] == Estimate(0, 7) and est["reverse"].multiplications == _sweep_counts(graph)["reverse"]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_sweeps_entries_are_read_by_wrt_name_aliases_included(mode):
    from symgraph.ad.modes import run_mode
    graph = sg.parse("sum(x[i]^2, i, 0, 2) + y")
    wrt = ["x[0]", "x[2]", "y", "z"]  # x[2] is node x_2; z does not occur
    result, _ = run_mode(graph, graph.outputs, wrt, mode)
    f = graph.output
    assert result.entry(f, "x[2]") == result.derivatives[(f, "x_2")] and result.entry(f, "y") == 1
    assert result.entry(f, "z") == 0 and result.entry(f, "x[1]") == 0  # absent, and not swept
    assert {key: str(ref) for key, ref in result.by_name()} == {
        (f, "x[0]"): str(result.derivatives[(f, "x_0")]), (f, "x[2]"): str(result.derivatives[(f, "x_2")]),
        (f, "y"): "1"}
    plain = sg.parse("a*b")
    result, _ = run_mode(plain, plain.outputs, ["a", "b"], mode)  # names are their nodes: entries as stored
    assert dict(result.by_name()) == result.derivatives


def _banded_shared(n, reverse_outputs):
    """Outputs that read inputs far apart, share subexpressions and carry constants that cancel (2*x - x):
    each node's sets join seeds from both ends of the windows, which start low and widen down and up."""
    lines = [f"h{k} = sin(x{k}*x{(k + 3) % n})" for k in range(n)]
    lines += [f"f{k} = h{k}*(2*x{(k + 1) % n} - x{(k + 1) % n}) + 3*(x{k} - x{(k + 5) % n})^2 + h{n - 1 - k}"
              for k in range(n)]
    outputs = [f"f{k}" for k in range(n)]
    return sg.parse("\n".join(lines), outputs=outputs[::-1] if reverse_outputs else outputs)


@pytest.mark.parametrize("reverse_outputs", [False, True])
def test_auto_estimate_with_windows_equals_the_sweeps_count(reverse_outputs):
    """The estimate keeps each node's sets as windows (low position, shifted bits); its counts are the
    sweeps' whatever the order of the wrt names and outputs, for every wrt or some."""
    graph = _banded_shared(10, reverse_outputs)
    inputs = list(graph.input_nodes)
    for wrt in (inputs, inputs[::-1], inputs[::3]):
        est = sweep_estimates(graph, graph.outputs, wrt)
        assert {mode: e.multiplications for mode, e in est.items()} == _sweep_counts(graph, wrt)
    assert {mode: e.multiplications for mode, e in sweep_estimates(graph, graph.outputs, inputs).items()} \
        == {"forward": 60, "reverse": 70}


def test_auto_estimate_of_many_products_counts_each_edge_once():
    """x[k]*x[k+1] for k < n: every edge is one product in either direction (free: the tangent or adjoint
    there is 1); a tie in all, and n outputs against n + 1 inputs, so reverse."""
    n = 300
    graph = sg.parse("\n".join(f"f{k} = x{k}*x{k + 1}" for k in range(n)), outputs=[f"f{k}" for k in range(n)])
    est = sweep_estimates(graph, graph.outputs, graph.input_nodes)
    assert est == {"forward": Estimate(0, 2 * n), "reverse": Estimate(0, 2 * n)}
    assert choose_mode(graph, graph.outputs, graph.input_nodes)[0] == "reverse"


def test_auto_estimate_of_parameters_shared_by_many_residuals_equals_the_sweeps_count():
    """Every residual pushes its adjoint into a and b: the estimate joins those windows all at once (one at a
    time each join copied the window so far, quadratic in the residuals); the counts are the sweeps'
    (with the data among wrt too, a bound: the sweeps share the products of b*t[k]'s partials)."""
    from symgraph.frontend.parse import parse_over

    graph = parse_over("y[k] - a*exp(-b*t[k]) + 2*a - a", ("k", 0, "m-1"), m=40)
    est = sweep_estimates(graph, graph.outputs, ["a", "b"])
    assert {mode: e.multiplications for mode, e in est.items()} == _sweep_counts(graph, ["a", "b"]) \
        == {"forward": 80, "reverse": 80}
    every = sweep_estimates(graph, graph.outputs, graph.input_nodes)
    real = _sweep_counts(graph)
    assert every == {"forward": Estimate(160, 842), "reverse": Estimate(120, 520)}
    assert all(every[mode].multiplications >= real[mode] for mode in real)


def test_auto_estimate_of_a_wide_node_and_of_nodes_that_reach_no_output():
    """A node of more operands than the few joined one by one (max of 12), and a branch no output reads
    (h, which the forward sweep leaves out, and u, reached only through a zero edge sign(u))."""
    wide = sg.parse("max(" + ", ".join(f"x{i}*x{(i + 1) % 12}" for i in range(12)) + ") + 2*x0 - x0")
    est = sweep_estimates(wide, wide.outputs, wide.input_nodes)
    assert {mode: e.multiplications for mode, e in est.items()} == _sweep_counts(wide)
    dead = sg.parse("h = sin(x)*y; u = cos(x*y); z = sign(u)*x + y^2; w = h*z", outputs=["z"])
    for wrt in (["x", "y"], ["x"], ["y"]):
        est = sweep_estimates(dead, dead.outputs, wrt)
        assert {mode: e.multiplications for mode, e in est.items()} == _sweep_counts(dead, wrt)
    assert sweep_estimates(dead, dead.outputs, ["x", "y"]) == sweep_estimates(
        sg.parse("u = cos(x*y); z = sign(u)*x + y^2"), ["z"], ["x", "y"])
