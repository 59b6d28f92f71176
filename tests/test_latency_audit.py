"""Large problems that must answer within about a second: each fix keeps the results of the slower way.

Every test here compares with an independent computation of the same result (sympy's own evaluation, the
design before the change, or plain Python), on sizes small enough to run quickly; the timings are in the
modules' docstrings, never asserted.
"""
import sympy

import symgraph as sg
from symgraph.constants import build_sympy

FUNCTIONS = (  # sinh, cosh and tanh are built unevaluated on purpose (constants._UNEVALUATED)
    "sin", "cos", "tan", "asin", "acos", "atan", "asinh", "acosh", "atanh",
             "abs", "sign", "floor", "ceil", "erf", "erfc", "log1p", "expm1", "log2", "log10", "exp2")
ASSUMPTIONS = ({}, {"real": True}, {"positive": True}, {"negative": True}, {"integer": True}, {"zero": True},
               {"nonnegative": True, "integer": True}, {"imaginary": True})


def test_a_function_of_one_symbol_is_what_sympy_evaluates_it_to_whatever_the_assumptions():
    """Built unevaluated once sympy is seen to leave such a call alone: the same expression, and a rewrite
    (abs of a positive symbol, floor of an integer one, sign of a negative one) is still made."""
    from symgraph.ops import op
    for name in FUNCTIONS:
        function = op(name).sympy
        for k, assumptions in enumerate(ASSUMPTIONS):
            for j in range(3):  # the first of each pair decides, the others are built from that
                s = sympy.Symbol(f"s{name}{k}_{j}", **assumptions)
                built = build_sympy(name, (s,))
                expected = function(s)
                assert built == expected and built.func == expected.func, (name, assumptions, built, expected)
    p = sympy.Symbol("p_positive", positive=True)
    assert build_sympy("abs", (sympy.Symbol("plain"),)) == sympy.Abs(sympy.Symbol("plain"))
    assert build_sympy("abs", (p,)) == p
    assert build_sympy("floor", (sympy.Symbol("k_int", integer=True),)) == sympy.Symbol("k_int", integer=True)


def test_paths_of_a_deep_chain_are_the_evaluated_cosines_and_their_product():
    depth = 300
    text = "x"
    for _ in range(depth):
        text = f"sin({text})"
    [path] = sg.paths(text, limit=10 ** 4)
    symbols = [sympy.Symbol(name) for name in path.nodes[:-1]]
    assert path.derivatives == tuple(sympy.cos(s) for s in symbols)
    assert path.product == sympy.Mul(*(sympy.cos(s) for s in symbols))
    assert len(path.nodes) == depth + 1


def test_square_at_a_point_is_numpys_square_bit_for_bit():
    """The point path squares an np.float64 as a product: NumPy's square of every kind of value, sign of
    zero, subnormals, overflow and nan included; a 0-d array (a constant) goes to square itself."""
    import numpy as np
    from symgraph.backends.runtime import POINT_NUMPY
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.standard_normal(2_000) * 10.0 ** rng.integers(-320, 308, 2_000),
                             [0.0, -0.0, 5e-324, -5e-324, 1e-160, 1.4e154, 1.35e154, -1e155, 1e308,
                              np.inf, -np.inf, np.nan, np.finfo(float).max, np.finfo(float).tiny]])
    with np.errstate(all="ignore"):
        expected = np.square(values)
        got = np.array([POINT_NUMPY.square(np.float64(v)) for v in values])
        constant = POINT_NUMPY.square(np.asarray(3.0))
    assert got.tobytes() == expected.tobytes()
    assert constant.__class__ is np.float64 and constant == 9.0


def test_a_rosenbrock_gradient_at_points_is_the_one_point_arrays_bit_for_bit():
    """The vector form at single points (the fast path, squares as products) against the same function on
    one-point arrays (NumPy's square on arrays) and against the gradient written out by hand."""
    import numpy as np
    n = 200
    text = "+".join(f"100*(x{i + 1}-x{i}^2)^2+(1-x{i})^2" for i in range(1, n))
    names = [f"x{i}" for i in range(1, n + 1)]
    vector = sg.value_and_grad(text, wrt=names, vector=True)
    batch = sg.value_and_grad(text, wrt=names)
    rng = np.random.default_rng(3)
    for x in (rng.uniform(-2, 2, n), rng.uniform(-1e-160, 1e-160, n), np.zeros(n), np.full(n, 1e200)):
        with np.errstate(over="ignore", invalid="ignore"):  # the last overflows: the point path gives way to arrays
            value, gradient = vector(x)
            batch_value, batch_gradient = batch(**{name: x[k:k + 1] for k, name in enumerate(names)})
        if not np.isfinite(value):
            assert np.float64(value).tobytes() == batch_value[0].tobytes()
            assert np.asarray(gradient).tobytes() == np.array([g[0] for g in batch_gradient]).tobytes()
            continue
        assert np.float64(value).tobytes() == batch_value[0].tobytes()
        assert np.asarray(gradient).tobytes() == np.array([g[0] for g in batch_gradient]).tobytes()
        by_hand = np.zeros(n)
        by_hand[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
        by_hand[1:] += 200 * (x[1:] - x[:-1] ** 2)
        assert np.allclose(gradient, by_hand, rtol=1e-12, atol=1e-300)


def test_an_integer_constant_is_the_float_sympy_converts_it_to():
    import math
    from symgraph.backends.peephole import _as_float
    for v in (0, 1, -1, 2, -7, 2 ** 53 + 1, 2 ** 60 + 3, 10 ** 308, 10 ** 309, -10 ** 400, 3 ** 700):
        try:
            expected = float(sympy.Integer(v))
        except OverflowError:
            expected = math.copysign(math.inf, v)
        assert _as_float(sympy.Integer(v)) == expected
    assert _as_float(sympy.Rational(1, 3)) == 1 / 3 and math.isnan(_as_float(sympy.zoo))


def test_a_jacobians_entries_read_one_by_one_or_all_at_once_are_sympys_derivatives():
    """The entries are built when read: one alone (J[i, j], negative indices too) or all (sympy's own methods);
    both are the closed forms sympy's diff gives, and a matrix never read still prints, compiles and pickles."""
    import pickle
    import numpy as np
    m = 40
    texts = [f"y{k} - a*exp(-b*t{k})" for k in range(m)] + ["a*b", "7", "a - a"]
    a, b = sympy.symbols("a b")
    expected = sympy.Matrix([[sympy.diff(sympy.Symbol(f"y{k}") - a * sympy.exp(-b * sympy.Symbol(f"t{k}")), v)
                              for v in (a, b)] for k in range(m)] + [[b, a], [0, 0], [0, 0]])
    one_by_one = sg.jacobian(texts, wrt=["a", "b"])
    assert one_by_one.shape == (m + 3, 2)
    for i in range(-(m + 3), m + 3):
        for j in (-2, -1, 0, 1):
            assert one_by_one[i, j] == expected[i, j] and one_by_one[i, j].func == expected[i, j].func
    whole = sg.jacobian(texts, wrt=["a", "b"])
    assert whole.tolist() == expected.tolist() and whole == expected and whole[:, 1] == expected[:, 1]
    large = sg.jacobian([f"y{k} - a*exp(-b*t{k})" for k in range(1_500)], wrt=["a", "b"])
    assert str(large).startswith("DerivativeMatrix: 1500x2 matrix") and "_stored" not in vars(large)
    assert large[1_499, 1] == sympy.diff(-a * sympy.exp(-b * sympy.Symbol("t1499")), b)
    unread = sg.jacobian(texts, wrt=["a", "b"])
    point = {"a": 1.5, "b": 0.5, **{f"t{k}": 0.1 * k for k in range(m)}, **{f"y{k}": 1.0 for k in range(m)}}
    assert np.allclose(unread.at(**point), np.array(expected.subs(point).tolist(), dtype=float))
    again = pickle.loads(pickle.dumps(unread))
    assert again == expected and again.program is not None
    edited = sg.jacobian(texts, wrt=["a", "b"])
    edited[0, 0] = 5
    assert edited[0, 0] == 5 and edited[1, 1] == expected[1, 1] and not hasattr(edited, "program")


def test_a_hessians_entries_read_alone_are_the_ones_built_together():
    text = "x^2*y + y^3 + exp(x*y) + 4*z"
    alone = sg.hessian(text)
    together = sg.hessian(text)
    rows = together.tolist()
    assert [[alone[i, j] for j in range(3)] for i in range(3)] == rows
    x, y, z = sympy.symbols("x y z")
    f = x ** 2 * y + y ** 3 + sympy.exp(x * y) + 4 * z
    assert all(sympy.simplify(rows[i][j] - sympy.diff(f, u, v)) == 0
               for i, u in enumerate((x, y, z)) for j, v in enumerate((x, y, z)))


def _markowitz_order(text):
    """The Markowitz order found the slow way: every remaining vertex's in-degree x out-degree recounted at
    each step (ties: latest in topological order), eliminating on plain sets of edges."""
    from symgraph.ad.linearised import Linearised
    from symgraph.ad.eliminate import _relevant
    graph = sg.parse(text)
    lin = Linearised(graph)
    xs, ys = list(graph.input_nodes), list(graph.outputs)
    keep = _relevant(lin, xs, ys)
    ins = {v: {u for u in lin.preds[v] if u in keep and not lin.is_zero(lin.local(u, v))} for v in keep}
    outs = {v: set() for v in keep}
    for v, us in ins.items():
        for u in us:
            outs[u].add(v)
    for x in xs:
        if x in keep:
            ins[x].add(("wrt", x))
    for y in ys:
        if y in keep:
            outs[y].add(("output", y))
    order = []
    while ins:
        j = min(ins, key=lambda v: (len(ins[v]) * len(outs[v]), -lin.index[v]))
        order.append(j)
        preds, succs = ins.pop(j), outs.pop(j)
        for i in preds:
            if isinstance(i, str):
                outs[i].discard(j)
                outs[i].update(succs)
        for k in succs:
            if isinstance(k, str):
                ins[k].discard(j)
                ins[k].update(preds)
    return graph, order


def test_markowitz_elimination_keeps_its_order_with_fewer_heap_entries():
    """A neighbour whose degree an elimination leaves unchanged is not pushed again: the order is the one
    counted afresh at every step, and so are the results (checked on graphs whose edges never cancel)."""
    import numpy as np
    from symgraph.ad.modes import run_mode
    rosenbrock = "+".join(f"100*(x{i + 1}-x{i}^2)^2+(1-x{i})^2" for i in range(1, 30))
    hourglass = "w = " + " + ".join(f"sin(a{i})*a{i}" for i in range(6)) + "; " + "; ".join(
        f"y{k} = cos(w)*{k + 2} + exp(w)*w" for k in range(5))
    texts = [rosenbrock, hourglass, "c = a + b; d = b + 1; e = c * d",
             "; ".join(f"v{i + 1} = sin(v{i}) + cos(v{i})*v{i}" for i in range(12)).replace("v0", "x"),
             "*".join(f"x{i}" for i in range(1, 40))]
    for text in texts:
        graph, expected = _markowitz_order(text)
        result, _ = run_mode(graph, graph.outputs, list(graph.input_nodes), "elimination")
        assert result.extra["order"] == expected, text[:40]
        point = {x: 0.3 + 0.01 * k for k, x in enumerate(graph.inputs)}
        reverse = sg.jacobian(graph, mode="reverse").at(point)
        assert np.allclose(sg.jacobian(graph, mode="elimination").at(point), reverse, rtol=1e-12)


def test_the_static_locals_of_a_node_and_a_constant_are_the_general_rules():
    """Rows of one node and one constant read their slot alone: the same locals as the loop over the slots."""
    from symgraph import ops
    from symgraph.ad.partials import OUT, STATIC_PARTIALS, static_locals
    from symgraph.ir.folding import ZERO

    def general(op, args):
        static = STATIC_PARTIALS.get(op)
        if static is None:
            return tuple((u, None) for u in dict.fromkeys(a for a in args if a.__class__ is str))
        local = {}
        for slot, u in enumerate(args):
            if u.__class__ is not str:
                continue
            s = static[slot]
            part = args[s] if s.__class__ is int else None if s is OUT else s
            if part.__class__ is str:
                part = None
            local[u] = None if part is None or (u in local and local[u] is None) else local.get(u, 0) + part
        return tuple(local.items())

    constants = (sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1), sympy.Integer(100), sympy.Rational(1, 2),
                 sympy.Float(2.5))
    for op, row in ops.OPS.items():
        if row.arity != 2:
            continue
        for c in constants:
            for args in (("v", c), (c, "v")):
                got, expected = static_locals(op, args), general(op, args)
                assert got == expected, (op, args, got, expected)
                assert [g is ZERO for _, g in got] == [e is ZERO for _, e in expected]


def test_a_vector_hessian_and_residuals_at_a_point_are_the_arrays_values():
    """The vector forms read a point's results as one block (kernel.point): the values the same function
    gives on one-point arrays, bit for bit, for a Hessian's vector form and for residuals."""
    import numpy as np
    text = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2) + log(1 + x[0]^2)"
    hessian = sg.hessian(text, n=6)
    vector = hessian.lambdify(vector=True)
    arrays = hessian.lambdify()
    x = np.random.default_rng(5).uniform(-2, 2, 6)
    assert vector(x).tobytes() == np.ascontiguousarray(arrays(x[:, None])[..., 0]).tobytes()
    residuals = sg.residuals([f"y{k} - a*exp(-b*t{k})" for k in range(5)], wrt=["a", "b"])
    data = {f"t{k}": 0.1 * k for k in range(5)} | {f"y{k}": 1.0 + k for k in range(5)}
    r, jac = residuals([1.5, 0.5], **data)
    t = 0.1 * np.arange(5)
    assert np.allclose(r, 1.0 + np.arange(5) - 1.5 * np.exp(-0.5 * t), rtol=1e-15)
    assert np.allclose(jac, np.stack([-np.exp(-0.5 * t), 1.5 * t * np.exp(-0.5 * t)], axis=1), rtol=1e-15)


def test_the_estimate_drops_long_windows_after_their_last_reader_and_counts_as_the_sweeps_do():
    """A chain of sums past 1,024 inputs: each link's window is dropped once the next link has read it, and
    the estimate is still what the forward and reverse sweeps count (sg.compare derives them)."""
    from symgraph.ad.estimate import sweep_estimates
    text = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2) + sum(x[i]*x[i+1]*x[i], i, 0, n-2)"
    graph = sg.parse(text, n=1_100)
    estimate = sweep_estimates(graph, graph.outputs, list(graph.input_nodes))
    report = sg.compare(graph)
    for mode in ("forward", "reverse"):
        assert estimate[mode].multiplications == report[mode].multiplications, mode
    g = sg.parse("h = sin(x); y1 = h*h; y2 = h+1", outputs=["y1", "y2"])
    assert sweep_estimates(g, g.outputs, ["x"])["forward"].products == 3
