"""grad and jacobian: textbook numbers, every mode against every other, sympy.diff and finite differences."""
import math
import re

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import symgraph as sg
from symgraph.export.latex import ENTRY_LINES
from symgraph.forms import sigmoid

MODES = ["reverse", "forward", "paths", "elimination", "auto"]
#: every way to derive, elimination in each vertex order (label -> grad keyword arguments)
VARIANTS = {**{m: {"mode": m} for m in MODES},
            **{f"elimination/{o}": {"mode": "elimination", "order": o} for o in ("forward", "reverse")}}
a, b, x, y, z = sympy.symbols("a b x y z")


@pytest.mark.parametrize("mode", MODES)
def test_textbook_gradient_exact(mode):
    g = sg.grad("(a+b)*(b+1)", wrt=["a", "b"], mode=mode)
    assert g == {"a": b + 1, "b": a + 2 * b + 1}
    assert list(g) == ["a", "b"]
    assert g.at(a=2, b=1) == {"a": 2.0, "b": 5.0}
    assert g.at(a=3, b=2)["b"] == 8.0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("point, expected", [
    (dict(x=1, y=3, z=-3), {"x": -3, "y": -3, "z": 4}),
    (dict(x=-2, y=5, z=-4), {"x": -4, "y": -4, "z": 3}),
])
def test_textbook_gates(mode, point, expected):
    assert sg.grad("(x+y)*z", mode=mode).at(**point) == pytest.approx(expected)


def test_program_names_intermediates():
    g = sg.grad("c = a + b; d = b + 1; e = c * d")
    text = str(g.program)
    assert "c = a + b" in text and "d = b + 1" in text
    assert g.program.results["a"] == "d"


@pytest.mark.parametrize("mode", MODES)
def test_parameter_sharing(mode):
    assert sg.grad("x*x*x", mode=mode)["x"] == 3 * x**2
    # one weight w reused across three unrolled steps: h_{t+1} = tanh(w*h_t)
    g = sg.grad("h1 = tanh(w*h0); h2 = tanh(w*h1); h3 = tanh(w*h2)", wrt=["w"], mode=mode)
    h0, w = sympy.symbols("h0 w")
    h1 = sympy.tanh(w * h0); h2 = sympy.tanh(w * h1); h3 = sympy.tanh(w * h2)
    ref = sympy.diff(h3, w)
    val = g.at(h0=0.7, w=1.3)["w"]
    assert val == pytest.approx(float(ref.subs({h0: 0.7, w: 1.3})), rel=1e-12)


def test_wrt_intermediate_and_absent_names():
    g = sg.grad("c = a + b; d = b + 1; e = c * d", wrt=["c", "d", "q"], allow_unused=True)
    assert g["c"] == b + 1 and g["d"] == a + b and g["q"] == 0


def test_multi_output_grad_is_clear_error():
    with pytest.raises(sg.GraphError, match="jacobian"):
        sg.grad(["x*y", "x+y"])


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_modes_equal(mode):
    J = sg.jacobian(["x*y", "sin(x)+y^2", "x/y"], wrt=["x", "y"], mode=mode)
    ref = sympy.Matrix([x * y, sympy.sin(x) + y**2, x / y]).jacobian([x, y])
    assert sympy.simplify(J - ref) == sympy.zeros(3, 2)


def test_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        sg.grad("x", mode="sideways")


def test_cost_sweeps_and_product_counts():
    text = "*".join(f"x{i}" for i in range(1, 101))
    rev, fwd = sg.grad(text, mode="reverse"), sg.grad(text, mode="forward")
    assert rev.cost.sweeps == 1 and fwd.cost.sweeps == 100
    assert fwd.cost.multiplications >= 10 * rev.cost.multiplications


def test_simplify_options():
    raw = sg.grad("(a+b)*(b+1)", simplify=False)
    assert sympy.expand(raw["b"] - (a + 2 * b + 1)) == 0
    full = sg.grad("sin(x)^2 + cos(x)^2 + x", simplify="full")
    assert full["x"] == 1
    with pytest.raises(ValueError):
        sg.grad("x", simplify="sometimes")


def test_deep_chain_and_wide_sum_no_recursion():
    text = "\n".join(["v1 = sin(x)"] + [f"v{i} = sin(v{i - 1})" for i in range(2, 5001)])
    g = sg.grad(text, wrt=["x"])
    ref = 1.0
    val = 0.3
    for _ in range(5000):
        ref *= math.cos(val)
        val = math.sin(val)
    assert g.at(x=0.3)["x"] == pytest.approx(ref, rel=1e-9)
    wide = "+".join(f"x{i}*x{i}" for i in range(10000))
    gw = sg.grad(wide)
    assert len(gw) == 10000 and gw.at(**{f"x{i}": 1.0 for i in range(10000)})["x9999"] == 2.0


def test_linear_program_size_for_rosenbrock_like_sum():
    sizes = []
    for n in (100, 1000):
        text = "+".join(f"(x{i}-x{i+1})^2" for i in range(n))
        sizes.append(sg.grad(text).program.ops)
    assert sizes[1] < 12 * sizes[0]


# ---------------------------------------------------------------- property tests
FUNCS = {"sin": sympy.sin, "cos": sympy.cos, "tanh": sympy.tanh, "exp": sympy.exp, "sigmoid": sigmoid,
         "atan": sympy.atan, "softplus": lambda e: sympy.log(1 + sympy.exp(e)),
         "sqrt": None, "log": None}
VARS = {"x": x, "y": y, "z": z}


def _trees():
    leaves = st.one_of(st.sampled_from(list(VARS)), st.integers(1, 5).map(str))

    def extend(children):
        return st.one_of(
            st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children),
            st.tuples(st.just("^"), children, st.integers(2, 3).map(str)),
            st.tuples(st.just("neg"), children),
            st.tuples(st.sampled_from(list(FUNCS)), children),
        )
    return st.recursive(leaves, extend, max_leaves=12)


def _render(tree):
    """(text, sympy reference) built side by side from the same tree; sqrt/log get a positive argument."""
    if isinstance(tree, str):
        return tree, VARS.get(tree, sympy.Integer(tree) if tree.isdigit() else None)
    if tree[0] == "neg":
        t, e = _render(tree[1])
        return f"(-({t}))", -e
    if len(tree) == 2:
        t, e = _render(tree[1])
        if tree[0] in ("sqrt", "log"):
            return f"{tree[0]}(1+({t})^2)", (sympy.sqrt if tree[0] == "sqrt" else sympy.log)(1 + e**2)
        return f"{tree[0]}({t})", FUNCS[tree[0]](e)
    op, l, r = tree
    (lt, le), (rt, re) = _render(l), _render(r)
    if op == "^" and le.is_Number:  # (5^3)^3^...: keep a constant power unevaluated, as symgraph's folding does
        return f"({lt}){op}({rt})", sympy.Pow(le, re, evaluate=False)
    ref = {"+": le + re, "-": le - re, "*": le * re, "/": le / re, "^": le**re}[op]
    return f"({lt}){op}({rt})", ref


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_trees(), st.lists(st.lists(st.floats(-1.5, 1.5).filter(lambda v: abs(v) > 0.05), min_size=3, max_size=3),
                          min_size=3, max_size=3))
def test_modes_agree_with_sympy_diff(tree, points):
    """300 random expressions, 3 random points each: every mode and elimination order equals sympy.diff."""
    text, ref = _render(tree)
    graph = sg.parse(text)
    grads = {m: sg.grad(graph, wrt=list("xyz"), simplify=False, allow_unused=True, **kw) for m, kw in VARIANTS.items()}
    smooth = ref.rewrite(sympy.exp) if ref.has(sigmoid) else ref
    derivs = {name: sympy.diff(smooth, VARS[name]) for name in "xyz"}
    checked = 0
    for point in points:
        values = dict(zip("xyz", point))
        with np.errstate(all="ignore"):
            nodes = graph.evaluate(**{k: v for k, v in values.items() if k in graph.inputs})
            if not all(math.isfinite(v) and abs(v) < 1e8 for v in nodes.values()):
                continue  # outside the domain
            got = {m: g.at(**{k: v for k, v in values.items() if k in graph.inputs}) for m, g in grads.items()}
        subs = {VARS[k]: v for k, v in values.items()}
        for name in "xyz":
            try:
                expected = complex(derivs[name].evalf(subs=subs, n=30))
            except (TypeError, ValueError, ZeroDivisionError):
                continue
            if abs(expected.imag) > 1e-12 or not math.isfinite(expected.real) or abs(expected.real) > 1e8:
                continue
            for m in VARIANTS:
                assert got[m][name] == pytest.approx(expected.real, rel=1e-9, abs=1e-9), (text, name, m)
            checked += 1
    assume(checked)


@settings(max_examples=60, deadline=None)
@given(_trees(), st.lists(st.floats(-1.0, 1.0).filter(lambda v: abs(v) > 0.05), min_size=3, max_size=3))
def test_gradient_matches_central_differences(tree, point):
    text, _ = _render(tree)
    g = sg.grad(text, wrt=list("xyz"), allow_unused=True)
    graph = g.graph
    values = dict(zip("xyz", point))
    values = {k: v for k, v in values.items() if k in graph.inputs}
    with np.errstate(all="ignore"):
        every = graph.evaluate(**values)
        base = every[graph.output]
        assume(math.isfinite(base) and abs(base) < 1e6)
        assume(all(math.isfinite(v) for v in every.values()))  # tanh(x/(x-x)) is finite, its inside is not
        at = g.at(**values)
        for name in values:
            h = 1e-6
            up = graph.evaluate(**{**values, name: values[name] + h})[graph.output]
            down = graph.evaluate(**{**values, name: values[name] - h})[graph.output]
            fd = (up - down) / (2 * h)
            assume(math.isfinite(fd) and abs(fd) < 1e4)
            assert at[name] == pytest.approx(fd, rel=1e-4, abs=1e-4)


def test_every_mode_closed_forms_equal_textbook_symbols():
    results = [dict(sg.grad("sigmoid(w*x+b)*tanh(x)", mode=m)) for m in MODES]
    for other in results[1:]:
        for k in results[0]:
            assert sympy.simplify((results[0][k] - other[k]).rewrite(sympy.exp)) == 0


def test_membership_does_not_build_a_closed_form():
    # Mapping's default `in` built the entry: a 10,000-level program raised ExpressionTooLargeError on `"y" in g`
    text = "c0 = x\n" + "\n".join(f"c{i} = sin(c{i - 1})*y" for i in range(1, 2001))
    g = sg.grad(text)
    assert "y" in g and sympy.Symbol("x") in g and "z" not in g and 3 not in g
    assert g._exprs == {}


def test_notebook_latex_of_a_long_gradient_is_cut():
    g = sg.grad("+".join(f"x{i}^2" for i in range(100)))
    shown = g._repr_latex_()
    assert shown.count(r"\frac") == ENTRY_LINES and r"\dots 64 more entries" in shown
    assert g.latex().count(r"\frac") == ENTRY_LINES and r"\dots 64 more entries" in g.latex()
    assert g.latex(limit=None).count(r"\frac") == 100  # asked for, every entry


def test_an_entry_a_result_does_not_have_is_a_named_error_and_still_a_key_error():
    from symgraph.errors import EntryError
    g = sg.grad("x*y")
    lookups = [lambda: g["q"], lambda: g.expand("q"), lambda: g.formula("q"), lambda: g.at(x=1, y=2)["q"],
               lambda: sg.jvp("x*y", ["x"], [1])["q"], lambda: sg.compare("x*y")["q"], lambda: g.cost["forward"]]
    for lookup in lookups:  # a bare KeyError('q') before
        with pytest.raises(EntryError, match=r"no (entry|mode) '(q|forward)'; (entries|modes): \w"):
            lookup()
    with pytest.raises(KeyError):  # what code catching a mapping's KeyError expects
        g["q"]
    assert g.get("q") is None and "q" not in g and g.at(x=1, y=2).get("q") is None
    S = sg.hessian("x*y", sparse=True)
    for key in [(5, 5), "a", 0, (True, 0), (0, 1.0)]:  # IndexError, ValueError, TypeError from NumPy and unpacking
        with pytest.raises(EntryError, match=r"2x2 SparseDerivative has entries S\[i, j\]"):
            S[key]
    assert S[0, 1] == 1 and S[-1, -2] == 1 and S[0, 0] == 0


def test_values_at_many_inputs_print_their_first_entries():
    """g.at(...) at 100,000 inputs printed every value (2 MB of text).  The values print as a dict up to
    SHOW_ENTRIES entries, then the first ones and a count of the rest; they are still every value."""
    import numpy as np
    from symgraph.export.display import SHOW_ENTRIES
    assert repr(sg.grad("(a+b)*(b+1)").at(a=2, b=1)) == "{'a': 2.0, 'b': 5.0}"
    n = 1_000
    values = sg.grad("sum((x[i] - d[i])^2, i, 0, n-1)", wrt=["x"], n=n).at(x=np.ones(n), d=np.zeros(n))
    shown = repr(values)
    assert shown.startswith("{'x[0]': 2.0, 'x[1]': 2.0, ") and shown.endswith(f", ... ({n - SHOW_ENTRIES} more)}}")
    assert shown.count(": 2.0") == SHOW_ENTRIES and str(values) == shown and len(values) == n


def test_a_compiled_function_of_many_inputs_prints_one_short_line():
    """repr() of a compiled gradient wrote its whole signature and its docstring named every input: 700 kB
    each at 100,000 inputs.  Both name the first 20 and count the rest."""
    n = 1_000
    f = sg.grad("+".join(f"x{i}^2" for i in range(n))).lambdify()
    assert repr(f) == "<compiled function gradient(" + ", ".join(f"x{i}" for i in range(20)) + ", ... (980 more))>"
    assert len(f.__doc__) < 300 and "x19, ... (980 more)" in f.__doc__
    assert repr(sg.grad("(a+b)*(b+1)").lambdify()) == "<compiled function gradient(a, b)>"
    h = sg.hessian("+".join(f"x{i}^2*y" for i in range(30)), sparse=True).lambdify()
    assert repr(h).endswith("x18, ... (11 more))>") and repr(h).startswith("<compiled function hessian(x0, ")


def test_at_takes_the_point_as_one_mapping():
    """g.at({"x": 1, "y": 2}) -- the form at= of draw, paths and explore takes, and the only one for a name
    such as x[0] without ** -- raised Python's TypeError ('takes 1 positional argument but 2 were given')."""
    g = sg.grad("x[0]*y")
    assert g.at({"x[0]": 2.0, "y": 3.0}) == g.at(**{"x[0]": 2.0, "y": 3.0}) == g.at({"x[0]": 2.0}, y=3.0)
    assert sg.jvp("x*y", ["x", "y"], [1, 0]).at({"x": 1.0, "y": 3.0}) == {"f": 3.0}
    assert sg.grad("self*point").at(self=1.0, point=2.0) == {"self": 2.0, "point": 1.0}  # any input name by keyword


@pytest.mark.parametrize("args, kwargs, message", [
    ((1.0, 2.0), {}, "at() takes the values by name, at(x=1.0, ...), or as one mapping"),
    (([1.0, 2.0],), {}, "or as one mapping"),
    (({"x": 1.0},), {"x": 2.0, "y": 1.0}, "got 'x' both in the mapping and by keyword"),
])
def test_at_with_positional_numbers_is_a_named_error(args, kwargs, message):
    """g.at(1, 2) raised Python's TypeError naming DerivativeMap.at."""
    with pytest.raises(sg.SymgraphError, match=re.escape(message)):
        sg.grad("x*y").at(*args, **kwargs)


TEXTBOOK = "c = a + b; d = b + 1; e = c * d"  # 3 input-output paths


@pytest.mark.parametrize("derive", [
    lambda **kw: sg.grad(TEXTBOOK, mode="paths", **kw).at(a=2, b=1),
    lambda **kw: sg.jacobian([TEXTBOOK], mode="paths", **kw).lambdify()(2, 1).tolist(),
    lambda **kw: sg.jacobian([TEXTBOOK], mode="paths", sparse=True, **kw).lambdify()(2, 1).toarray().tolist(),
    lambda **kw: sg.value_and_grad(TEXTBOOK, mode="paths", **kw)(2, 1),
    lambda **kw: sg.residuals([TEXTBOOK], ["a", "b"], mode="paths", **kw).jac([2, 1]).tolist(),
])
def test_the_path_limit_the_error_advises_raising_is_an_option(derive):
    """The PathLimitError of mode="paths" says "raise limit=", but grad, jacobian, value_and_grad and
    residuals took limit= for the size of an indexed input: limit=1 was ignored and raising it changed
    nothing. Now it is the path limit, as in sg.paths and compare(path_limit=)."""
    with pytest.raises(sg.PathLimitError, match="3 input-output paths, more than the limit of 2"):
        derive(limit=2)
    assert str(derive(limit=3)) == str(derive())


@pytest.mark.parametrize("sparse", [False, True])
def test_jacobian_entries_are_labelled_by_the_functions_not_by_generated_nodes(sparse):
    """A Jacobian's entries were labelled by output node, d{node}/d{x}: a list of texts gave 'dv1/dx' and
    'dv3/dx' (generated names, in .labels, the listing and the too-large message's closed_form(label)
    hint) where its LaTeX and the command line say f1, f2; and two equal functions shared one label, so a
    sparse Jacobian listed 'dv1/dx' twice.  The labels are now the functions' own: df1/dx, df2/dx, ..."""
    J = sg.jacobian(["x*y", "x*y", "x + y^2"], sparse=sparse)
    labels = list(J.labels) if sparse else list(J.program.results)
    assert labels == ["df1/dx", "df1/dy", "df2/dx", "df2/dy", "df3/dx", "df3/dy"]
    assert "dv" not in J.program.listing()
    named = sg.jacobian(sg.parse("c = a + b; e = c*d", outputs=["c", "e"]), wrt=["a", "d"], sparse=sparse)
    want = ["dc/da", "de/da", "de/dd"] if sparse else ["dc/da", "dc/dd", "de/da", "de/dd"]  # dc/dd is 0
    assert list(named.labels if sparse else named.program.results) == want
    values = J.lambdify()(2.0, 3.0)
    np.testing.assert_array_equal(values.toarray() if sparse else values, [[3, 2], [3, 2], [1, 6]])



@pytest.mark.parametrize("derive, given", [
    (lambda: sg.grad("x*y*sin(z)", mode="reverse", order="forward"), "order='forward'"),
    (lambda: sg.grad("x*y*sin(z)", order="fwd"), "order='fwd'"),
    (lambda: sg.grad("x*y*sin(z)", mode="auto", order="reverse"), "order='reverse'"),
    (lambda: sg.jacobian(["x*y", "z"], mode="forward", order="reverse"), "order='reverse'"),
    (lambda: sg.grad("x*y", mode="forward", limit=3), "limit=3"),
    (lambda: sg.jacobian(["x*y", "z"], mode="elimination", limit=3), "limit=3"),
    (lambda: sg.value_and_grad("x*y", limit=3), "limit=3"),
    (lambda: sg.residuals(["x*y"], ["x"], limit=3), "limit=3"),
])
def test_an_option_of_another_mode_is_refused_not_ignored(derive, given):
    """order= is elimination's vertex order and limit= the path sum's bound: with another mode they were
    not read, so mode="reverse", order="forward" derived in reverse mode and order="fwd" raised nothing."""
    with pytest.raises(sg.ArgumentError, match=re.escape(given)):
        derive()


def test_the_options_of_their_own_modes_still_work():
    assert sg.grad("x*y*sin(z)", mode="elimination", order="forward").cost["elimination"].multiplications == \
        sg.grad("x*y*sin(z)", mode="forward").cost["forward"].multiplications
    assert sg.grad("x*y", mode="paths", limit=5).at(x=2, y=3) == {"x": 3.0, "y": 2.0}
    assert sg.grad("x*y", mode="reverse", order="markowitz").at(x=2, y=3) == {"x": 3.0, "y": 2.0}  # the default


def test_as_graph_of_an_entry_not_there_names_the_closest_as_indexing_does():
    """g.as_graph("xx") raised a bare GraphError "no entry 'xx'; entries: x, y" where g["xx"] raises an EntryError
    (a KeyError too) saying which entry was meant, and g.as_graph(Symbol("x")) was refused where g[Symbol("x")] is
    taken: as_graph now reads its label as every other method does."""
    g = sg.grad("x^3*y")
    with pytest.raises(sg.EntryError, match=r"no entry 'xx' \(did you mean 'x'\?\); entries: x, y"):
        g.as_graph("xx")
    assert sg.grad(g.as_graph(sympy.Symbol("x"))) == sg.grad(g.as_graph("x")) == {"x": 6 * x * y, "y": 3 * x**2}


def test_an_entry_too_large_to_build_says_how_to_compute_and_differentiate_it():
    """d/dx of the chain v <- v*v + sin(v) (20 levels) shares every level: its program is small, its closed form
    about 10^18 operations.  The refusal names the calls that work with it as it is: .at(), .lambdify(), and
    as_graph to differentiate it again; the second derivative taken that way agrees with a difference quotient."""
    text = "; ".join(["v0 = x"] + [f"v{k + 1} = v{k}*v{k} + sin(v{k})" for k in range(20)])
    gradient = sg.grad(text)
    with pytest.raises(sg.ExpressionTooLargeError, match=r"result\.as_graph\('x'\) differentiates it further"):
        gradient["x"]
    second = sg.grad(gradient.as_graph("x"))
    h, x0 = 1e-7, 0.01
    slope = (gradient.at(x=x0 + h)["x"] - gradient.at(x=x0 - h)["x"]) / (2 * h)
    assert second.at(x=x0)[second.labels[0]] == pytest.approx(slope, rel=1e-5)


def test_a_result_takes_an_element_spelt_as_wrt_takes_it():
    """``sg.grad(f, wrt=["W[0,1]"])`` takes W[0,1] spaced any way (and the node x_0), and keys the result
    ``W[0, 1]``; but ``g["W[0,1]"]``, ``"W[0,1]" in g`` and ``g.at(...)["W[0,1]"]`` said "no entry 'W[0,1]'":
    the user's own spelling of wrt did not read its result back."""
    import numpy as np
    g = sg.grad("W[0,1]*W[1,0] + x[2]^2", wrt=["W[0,1]", "W[0,0]", "W[1,0]", "x"], allow_unused=True)
    assert list(g)[:2] == ["W[0, 1]", "W[0, 0]"]
    for key in ("W[0,1]", "W[ 0 , 1 ]", "W_0_1"):
        assert key in g and g[key] == g["W[0, 1]"] and g.expand(key) == g["W[0, 1]"]
    assert "x_2" in g and g["x_2"] == g["x[ 2 ]"] == 2 * sympy.IndexedBase("x")[2]
    assert "W[0,0]" in g and g["W[0,0]"] == 0  # an element the text never reads: an entry all the same
    values = g.at(W=np.arange(4.0).reshape(2, 2), x=[1.0, 2.0, 3.0])
    assert values["W[0,1]"] == values["W[0, 1]"] == 2.0 and "W[1,0]" in values and values["x_2"] == 6.0
    assert "W[2,0]" not in g and "W[2,0]" not in values
    with pytest.raises(sg.EntryError, match="no entry 'W\\[2,0\\]'"):
        g["W[2,0]"]
    assert sg.vjp("W[0,1]*W[1,0]", wrt=["W[0,1]"], v=[1])["W[0,1]"] == sympy.IndexedBase("W")[1, 0]
