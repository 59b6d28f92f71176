"""compare(), CostReport and mode="auto": the counts the issue promises, and the table's shape."""
import pytest
import sympy

import symgraph as sg
from symgraph.ad.modes import Estimate, choose_mode, sweep_estimates
from symgraph.ad.paths import count_all_paths
from symgraph.cost import COUNTED, EXPANDED_CAP, FIGURES
from symgraph.ad.linearised import Linearised
from symgraph.ad.paths import count_paths, total_paths
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


def test_to_dict_has_exactly_the_promised_keys(product_report):
    d = product_report.to_dict()
    assert list(d) == ["forward", "reverse", "paths", "elimination"]
    for row in d.values():
        assert set(row) == {"sweeps", "multiplications", "additions", "program_ops", "expanded_ops", "paths",
                            "seconds"}
    assert d["paths"]["sweeps"] is None and d["elimination"]["sweeps"] is None
    assert d["forward"]["paths"] is None
    assert all(isinstance(row["seconds"], float) and row["seconds"] >= 0 for row in d.values())
    assert all(row["program_ops"] > 0 and row["expanded_ops"] >= row["multiplications"] for row in d.values())


def test_str_is_an_aligned_table_with_one_sentence_verdict(product_report):
    lines = str(product_report).splitlines()
    table, counted, verdict = lines[:-2], lines[-2], lines[-1]
    assert counted == COUNTED and "free" in counted and "±1" in counted
    assert len(table) == 2 + 4 and len({len(line) for line in table}) == 1
    assert table[0].split() == ["mode", *FIGURES]
    assert set(table[1]) <= {"-", " "}
    assert [line.split()[0] for line in table[2:]] == ["forward", "reverse", "paths", "elimination"]
    assert verdict == product_report.verdict and verdict.endswith(".") and verdict.count(". ") == 0
    assert "4,949" in table[2]  # thousands separators


def test_html_table_for_jupyter(product_report):
    html = product_report._repr_html_()
    assert html.startswith("<table>") and html.endswith("</table>")
    assert html.count("<tr>") == 5 and "<caption" in html and "reverse wins" in html
    assert "products with 0 or ±1" in html and html.index("free") < html.index("reverse wins")
    assert "<th>multiplications</th>" in html


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


def test_compare_wrt_and_ties():
    report = sg.compare("x*y + sin(z)", wrt=["x"])
    assert report.n_inputs == 1 and report["forward"].sweeps == 1
    tie = sg.compare("x*y")
    assert tie.verdict.startswith("reverse wins (tied with forward and paths and elimination)")
    assert "every mode needs the same work" in tie.verdict


# ---------------------------------------------------------------- mode="auto"
def fan_out(m):
    """n = 1, m outputs sharing a trunk: forward needs one sweep, reverse m."""
    trunk = "h1 = sin(x); h2 = tanh(h1); h3 = exp(h2)"
    return sg.parse(trunk + "; " + "; ".join(f"y{k} = cos(h3 + {k})" for k in range(1, m + 1)),
                    outputs=[f"y{k}" for k in range(1, m + 1)])


def test_auto_picks_forward_for_one_input_many_outputs():
    graph = fan_out(100)
    assert choose_mode(graph, graph.outputs, graph.inputs)[0] == "forward"
    est = sweep_estimates(graph, graph.outputs, graph.inputs)
    assert est["forward"] < est["reverse"]
    J = sg.jacobian(graph, mode="auto", simplify=False)
    ref = sg.jacobian(graph, mode="reverse", simplify=False)
    at = {sympy.Symbol("x"): 0.3}
    assert J.shape == (100, 1) and [float(e) for e in J.subs(at)] == pytest.approx([float(e) for e in ref.subs(at)])


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


def test_gradient_carries_its_own_cost():
    g = sg.grad("(a+b)*(b+1)", mode="elimination")
    assert list(g.cost) == ["elimination"] and g.cost.sweeps is None
    assert g.cost.program_ops == g.program.ops and g.cost.expanded_ops > 0 and g.cost.seconds >= 0
    assert set(g.cost.to_dict()["elimination"]) == set(FIGURES)


@pytest.mark.parametrize("text, wrt", [(TWO_LAYERS, None), (DEEP, None), ("c = a + b; d = c*b; e = c*d", ["a", "c", "b"]),
                                       (["x*y", "sin(x*y)+x"], None)])
def test_one_pass_path_count_equals_pair_by_pair(text, wrt):
    graph = sg.parse(text)
    names = list(graph.inputs) if wrt is None else wrt
    lin = Linearised(graph)
    pairwise = sum(count_paths(lin, x, y) for y in graph.outputs for x in names)
    assert count_all_paths(graph, graph.outputs, names) == total_paths(lin, graph.outputs, names) == pairwise


# ---------------------------------------------------------------- one measure (issue 14, item 13)
TEXTBOOK = "c = a + b; d = b + 1; e = c * d"


def test_textbook_table_says_what_it_counts_and_that_unit_products_are_free():
    text = str(sg.compare(TEXTBOOK))
    table = text.splitlines()
    assert [line.split()[2] for line in table[2:6]] == ["0", "0", "0", "0"]
    assert table[6] == COUNTED and "products with 0 or ±1" in table[6]
    assert str(sg.grad(TEXTBOOK, mode="forward").cost).splitlines()[-1] == COUNTED  # single-mode reports too


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


def _sweep_counts(graph):
    from symgraph.derive import jacobian_program

    return {mode: jacobian_program(graph, list(graph.inputs), mode)[1].multiplications
            for mode in ("forward", "reverse")}


@pytest.mark.parametrize("graph", [sg.parse(TEXTBOOK), sg.parse(PRODUCT), sg.parse(TWO_LAYERS), sg.parse(DEEP),
                                   bench.hourglass(3, 3), bench.layered(2, 5), bench.layered(5, 2), fan_out(7)])
def test_auto_estimate_equals_the_sweeps_count(graph):
    est = sweep_estimates(graph, graph.outputs, graph.inputs)
    assert {mode: e.multiplications for mode, e in est.items()} == _sweep_counts(graph)


def test_auto_estimate_on_random_programs_is_the_count_or_an_upper_bound():
    """Equal unless constant tangents cancel to 0 or ±1 (rare: at most 1 program in 10 here)."""
    equal = 0
    for seed in range(100):
        graph = _random_program(seed)
        est = {mode: e.multiplications for mode, e in sweep_estimates(graph, graph.outputs, graph.inputs).items()}
        real = _sweep_counts(graph)
        assert all(est[mode] >= real[mode] for mode in real), seed
        equal += est == real
    assert equal >= 90


def test_estimate_is_an_upper_bound_when_constants_cancel():
    graph = sg.parse("u = 2*x + x; w = -u; s = u + w", outputs=["w", "s"])  # ds/du = 1 - 1 = 0
    est = sweep_estimates(graph, graph.outputs, graph.inputs)
    assert est["reverse"] == Estimate(1, 10)


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


# ---------------------------------------------------------------- sg.paths (issue 14, notebook 01's listing)
def test_paths_lists_each_path_with_its_edge_derivatives_and_product():
    a, b, c, d = sympy.symbols("a b c d")
    listed = sg.paths("c = a + b; d = b + 1; e = c * d", at={"a": 2, "b": 1})
    assert [p.nodes for p in listed] == [("a", "c", "e"), ("b", "c", "e"), ("b", "d", "e")]
    assert [p.derivatives for p in listed] == [(1, d), (1, d), (1, c)]
    assert [p.product for p in listed] == [d, d, c] and [p.value for p in listed] == [2.0, 2.0, 3.0]
    assert listed[2].values == (1.0, 3.0)
    # summed per input, the products are the gradient (de/db = d + c = 5 at the point)
    assert sum(p.value for p in listed if p.nodes[0] == "b") == sg.grad(TEXTBOOK).at(a=2, b=1)["b"]


def test_paths_without_a_point_and_with_wrt():
    listed = sg.paths("x*sin(x)", wrt=["x"])
    assert [p.nodes for p in listed] == [("x", "v1", "v2"), ("x", "v2")] and listed[1].derivatives == (sympy.Symbol("v1"),)
    assert all(p.value is None and p.values is None for p in listed)


def test_paths_refuses_above_the_limit():
    with pytest.raises(sg.PathLimitError, match="2,048 input-output paths"):
        sg.paths("; ".join(f"v{i + 1} = sin(v{i}) + cos(v{i})" for i in range(11)).replace("v0", "x"))
    assert len(sg.paths(DEEP.split("; v11")[0], limit=2**10)) == 2**10
