"""Forward sweeps on graphs whose shape used to cost too much: a node of many operands, a repeated operand."""
import inspect

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.ad.forward import forward
from symgraph.ad.linearised import Linearised


class _CountedScans(list):
    """A node's operand list that counts how often it is scanned."""

    scans = 0

    def __iter__(self):
        type(self).scans += 1
        return super().__iter__()


def test_a_max_of_many_inputs_is_not_scanned_once_per_sweep():
    """The forward gradient of max(x0, ..., x_{n-1}) scanned all n operands in each of its n sweeps.

    Each sweep reaches the max node through one operand; at 20,000 inputs the
    scans made the gradient take a minute and a half.  Now a sweep looks up the
    few operands with a tangent, so the operand list is read once (to place them).
    """
    n = 300
    names = [f"x{i}" for i in range(n)]
    graph = sg.parse(f"max({', '.join(names)})")
    lin = Linearised(graph)
    node = graph.output
    _CountedScans.scans = 0
    lin.preds[node] = _CountedScans(lin.preds[node])
    result = forward(lin, [node], names)
    assert lin.counts.sweeps == n and _CountedScans.scans <= 2
    reverse = sg.grad(graph, wrt=names, mode="reverse")
    forward_ = sg.grad(graph, wrt=names, mode="forward")
    point = {x: float(v) for x, v in zip(names, np.random.default_rng(0).permutation(n))}
    got, want = forward_.at(**point), reverse.at(**point)
    assert got == want and sum(got.values()) == 1.0 and got[max(point, key=point.get)] == 1.0
    assert {(node, x) for x in names} == set(result.derivatives)


def test_a_max_of_few_inputs_agrees_with_sympy_in_forward_mode():
    """The looked-up operands give sympy's derivative of Max (distinct values: no ties)."""
    names = [f"x{i}" for i in range(6)]
    gradient = sg.grad(f"max({', '.join(names)})", wrt=names, mode="forward")
    symbols = sympy.symbols(names)
    point = dict(zip(names, [0.3, 2.5, -1.0, 2.25, 0.0, 1.5]))
    subs = {s: point[x] for s, x in zip(symbols, names)}
    got = gradient.at(**point)
    for x, s in zip(names, symbols):
        assert got[x] == pytest.approx(float(sympy.diff(sympy.Max(*symbols), s).subs(subs)))


@pytest.mark.parametrize("text", [
    "x + x*y + x*y - x*y",
    "a = x*y; b = sin(x); a + b + a - 2*b + a*b + (a + b)",
    "x + x + x*y + x - x",
    "w = exp(x*y); (w + x) + (w + y) + w*w - (w - x)",
])
def test_forward_gradients_of_sums_meeting_a_term_twice_equal_sympy_and_reverse(text):
    """Sums that meet a term twice, with differences and cancelling terms: forward equals sympy and reverse."""
    graph = sg.parse(text)
    f = graph.expr()
    forward_ = sg.grad(graph, mode="forward")
    reverse = sg.grad(graph, mode="reverse")
    point = {x: 0.3 + 0.2 * k for k, x in enumerate(graph.input_nodes)}
    subs = {graph.symbol(x): v for x, v in point.items()}
    got, want = forward_.at(**point), reverse.at(**point)
    for x in graph.input_nodes:
        assert got[x] == pytest.approx(want[x], rel=1e-13)
        assert got[x] == pytest.approx(float(sympy.diff(f, graph.symbol(x)).subs(subs)), rel=1e-12)


def _textbook_tangents(lin, seeds):
    """One forward sweep by the definition, every product and sum through Linearised.mul and Linearised.add."""
    tangent = {x: s for x, s in seeds.items() if x in lin.index and not lin.is_zero(s)}
    seeded = dict(tangent)
    for v in lin.descendants(*tangent):
        acc = seeded.get(v)
        for u in lin.preds[v]:
            if u in tangent:
                acc = lin.add(acc, lin.mul(lin.local(u, v), tangent[u]))
        if acc is None or not isinstance(acc, str) and lin.is_zero(acc):
            tangent.pop(v, None)
        else:
            tangent[v] = acc
    return tangent


@pytest.mark.parametrize("text", [
    "100*(y - x^2)^2 + (1 - x)^2",  # products and sums with constants, a constant minus a name
    "2*(3*x) - x + (x - 2)*y + 5 - (1 - x*y)",  # constants combined across temporaries, tangents +-1 and 2
    "where(x > 0, sqrt(x), 0) * y + where(y > 1, x^2, 2*y)",  # guarded tangents
    "sin(x)*cos(y) + exp(-x) + x^x + 1/y + 2^x + x^2.5",  # partials built by recipes and rules, one-call recipes
    "max(x, y, 2*x, x*y, 1, x - y, y^2, 3, x + 2, y/2)",  # a wide node, read through sweep_operands
])
def test_a_forward_sweeps_program_and_counts_are_the_textbook_sweeps(text):
    """The sweeps take their products and sums with a constant straight to the emitter, bind what every sweep
    reads once, and find an edge's partial by the node's shape; the instructions, their order and the counted
    work are those of the sweep written with Linearised's own arithmetic."""
    from symgraph.ad.forward import tangents
    from symgraph.ir.folding import ONE
    graph = sg.parse(text)
    fast, slow = Linearised(graph), Linearised(graph)
    for x in graph.input_nodes:
        got, want = tangents(fast, {x: ONE}), _textbook_tangents(slow, {x: ONE})
        assert got == want, x
    both = {x: ONE for x in graph.input_nodes}  # several seeds at once (a jvp)
    assert tangents(fast, both) == _textbook_tangents(slow, both)
    assert fast.emitter.instructions == slow.emitter.instructions
    assert fast.counts == slow.counts and fast.counts.multiplications > 0


JOINED_SUMS = [
    ("sum((x[i] - x[i+1])^2, i, 0, n-2)", {"n": 12}),  # one chain; each input in two of its terms
    ("a + b + c*d + 1 + b*c + sin(a) + e", {}),  # a constant among the terms; inputs met again further on
    ("s = a + b + c; t = s + d + e; t*s + (t + a)", {}),  # a partial sum used elsewhere ends its own chain
    ("a + b + a + c + d", {}),  # a term twice: the chain stays as written
    ("x + x + y + y*x + 2*y", {}),  # x + x has partial 2
    ("sum(sum(x[i]*x[j]*(i + j + 1), j, 0, n-1), i, 0, n-1)", {"n": 5}),  # sums of sums
    ("a + b - c + d - e + f*a", {}),  # differences break the chain
    ("where(a > 0, a + b + c + d, b + c + d + e) + a + sqrt(b*b + 1)", {}),  # guarded terms
]


@pytest.mark.parametrize("text, sizes", JOINED_SUMS)
def test_forward_mode_joins_chains_of_additions_into_the_same_additions(text, sizes, monkeypatch):
    """A chain's links leave the forward sweeps, whose tangents are added at its last link, left to right:
    the program has the instructions the links made (same counts, same size, bitwise the same values)."""
    from symgraph.ad.adjacency import Adjacency
    graph = sg.parse(text, **sizes)
    joined = sg.grad(graph, mode="forward", simplify=False)
    monkeypatch.setattr(Adjacency, "join_sums", lambda self, kept: {})
    linked = sg.grad(graph, mode="forward", simplify=False)
    assert len(joined.program) == len(linked.program)
    for what in ("sweeps", "multiplications", "additions"):
        assert getattr(joined.cost["forward"], what) == getattr(linked.cost["forward"], what), what
    rng = np.random.default_rng(1)
    f, g = joined.lambdify(), linked.lambdify()
    inputs = [rng.uniform(-2, 2, (sizes["n"], 50) if name == "x" and sizes else 50)
              for name in inspect.signature(f).parameters]
    for got, want in zip(f(*inputs), g(*inputs), strict=True):
        assert np.array_equal(got, want, equal_nan=True)


def test_forward_sweeps_through_a_long_sum_visit_few_nodes():
    """Each input's sweep walked the rest of the sum's chain of additions: n sweeps visited n^2/2 links
    (compare() of Rosenbrock at n = 2,000 took 6.4 s, its forward row 5.1 s). Joined, a sweep visits its term
    and the sum."""
    n = 400
    graph = sg.parse("sum(sin(x[i])*x[i], i, 0, n-1)", n=n)
    lin = Linearised(graph)
    visited = []
    walk = lin.descendants
    lin.descendants = lambda *nodes, **options: visited.append(len(found := walk(*nodes, **options))) or found
    forward(lin, [graph.output], list(graph.input_nodes))
    assert lin.counts.sweeps == n and sum(visited) <= 4 * n


def test_the_chains_joined_and_the_nodes_reaching_the_outputs():
    """join_sums picks the additions of two operands out of the graph's tables (in C) and reaching tells the nodes
    no node uses: the chains and the sets are those of their definitions."""
    graph = sg.parse("a + b + c*d + 1 + b*c + sin(a) + e")
    lin = Linearised(graph)
    chains = lin.join_sums(graph.outputs)
    assert list(chains) == list(graph.outputs)  # one chain, ending at the output
    (terms,) = chains.values()
    assert [graph.op_of[t] for t in terms] == ["input", "input", "mul", "mul", "sin", "input"]  # the 1: no tangent
    assert sg.parse("a - b - c + a*b").op_of and Linearised(sg.parse("a - b - c + a*b")).join_sums(()) == {}
    graph = sg.parse("h = sin(x); y1 = h*h; y2 = h + 1; y3 = y2*x", outputs=["y1", "y3"])
    lin = Linearised(graph)
    assert lin.reaching(["y1", "y3"]) is None  # every node some node uses, or an output
    assert lin.reaching(["y1"]) == {"y1", "h", "x"}  # y2 and y3 reach no output asked for
    assert Linearised(graph).reaching(["y3", "y1"]) is None
