"""Generated NumPy code: shapes, dtypes, the source it reads as, sharing, memory, domain, tracebacks, single points."""
import ast
import importlib.util
import inspect
import math
import re
import traceback
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import sympy

import symgraph as sg
from symgraph import ops as op_table
from symgraph.backends.numpy import literal
from tests.helpers import bits

TEXTBOOK = "c = a + b; d = b + 1; e = c * d"


# ---------------------------------------------------------------- acceptance and shapes
def test_acceptance_textbook_gradient_on_arrays():
    fn = sg.grad("(a+b)*(b+1)", wrt=["a", "b"]).lambdify()
    da, db = fn(a=[2, 3], b=[1, 2])
    assert isinstance(da, np.ndarray) and da.dtype == np.float64
    np.testing.assert_array_equal(da, [2, 3])
    np.testing.assert_array_equal(db, [5, 8])


def test_scalars_give_zero_dimensional_arrays():
    da, db = sg.grad("(a+b)*(b+1)", wrt=["a", "b"]).lambdify()(2, 1)
    for r, expected in ((da, 2.0), (db, 5.0)):
        assert type(r) is np.ndarray and r.shape == () and r.dtype == np.float64 and r == expected


def test_constant_derivative_is_array_of_ones_of_broadcast_shape():
    """d(a+b)/da = 1 comes back as ones of the inputs' shape, never the Python number 1."""
    da, db = sg.grad("a + b").lambdify()(np.zeros((2, 3)), 7.0)
    assert type(da) is np.ndarray and da.shape == (2, 3) and da.dtype == np.float64
    np.testing.assert_array_equal(da, np.ones((2, 3)))
    np.testing.assert_array_equal(db, np.ones((2, 3)))
    da[0, 0] = 5  # fresh, writeable arrays
    assert db[0, 0] == 1
    one = sg.grad("a + b").lambdify()(1, 2)[0]
    assert type(one) is np.ndarray and one.shape == () and one == 1


def test_absent_wrt_gives_zeros_and_broadcasting_mixes_shapes():
    fn = sg.grad("a*b^2", wrt=["a", "b", "z"], allow_unused=True).lambdify()
    a, b = np.arange(3.0).reshape(3, 1), np.arange(4.0)
    da, db, dz = fn(a, b)
    assert da.shape == db.shape == dz.shape == (3, 4)
    np.testing.assert_array_equal(da, np.broadcast_to(b ** 2, (3, 4)))
    np.testing.assert_array_equal(db, 2 * a * b)
    np.testing.assert_array_equal(dz, np.zeros((3, 4)))


def test_results_never_alias_inputs_or_each_other():
    b = np.array([1.0, 2.0])
    da, db = sg.grad("a*b").lambdify()(np.array([3.0, 4.0]), b)
    np.testing.assert_array_equal(da, b)
    da[0] = 99
    assert b[0] == 1.0
    d1, d2 = sg.grad("x*y + x*z", wrt=["y", "z"]).lambdify()([1.0, 2.0], 0.0, 0.0)
    assert not np.shares_memory(d1, d2)


def test_shape_mismatch_is_a_graph_error_naming_inputs():
    with pytest.raises(sg.GraphError, match=r"a \(2,\), b \(3,\)"):
        sg.grad("a*b").lambdify()(np.ones(2), np.ones(3))


# ---------------------------------------------------------------- dtypes
def test_float32_is_kept_through_constants_and_functions():
    text = "sin(x)*2.5 + x^2/3 + sigmoid(x) + sqrt(1+x^2) - pi*relu(x) + log(2)*x"
    x32 = np.linspace(-1, 1, 5, dtype=np.float32)
    (dx,) = sg.grad(text).lambdify()(x32)
    assert dx.dtype == np.float32
    (d64,) = sg.grad(text).lambdify()(x32.astype(np.float64))
    np.testing.assert_allclose(dx, d64, rtol=1e-5, atol=1e-6)
    value, (g,) = sg.value_and_grad(text)(x32)
    assert value.dtype == np.float32 and g.dtype == np.float32
    (s,) = sg.grad(text).lambdify()(np.float32(0.5))
    assert s.dtype == np.float32 and s.shape == ()


def test_literal_constants_are_weak_python_numbers():
    import sympy
    assert literal(sympy.Integer(3)) == "3" and literal(sympy.Integer(-2)) == "(-2)"
    assert literal(sympy.Rational(1, 4)) == "0.25" and literal(sympy.pi) == repr(math.pi)
    assert literal(sympy.Integer(10) ** 400) == "inf"


# ---------------------------------------------------------------- the generated source
def test_textbook_source_reads_like_the_program():
    source = sg.grad(TEXTBOOK).program.source(name="grad_e")
    assert source == '''def grad_e(a, b):
    """Results (a, b) of a symgraph program, as arrays of the inputs' broadcast shape."""
    xp, _shape, _dtype, a, b = _prepare(_xp, _inputs, a, b)
    c = a + b
    del a
    d = b + 1
    del b
    t1 = c + d
    del c
    return _fit(xp, _shape, _dtype, (d, t1))
'''


def test_constant_factors_fold_exactly_into_one_operation():
    """2*v, then 100 times that: the emitter makes one product by 200 (exact constants fold)."""
    g = sg.grad("100*(y - x^2)^2", wrt=["y"])
    assert [op for _, op, _ in g.program.instructions].count("mul") == 1
    source = g.lambdify().source
    assert "200 * v2" in source and source.count(" * ") == 1
    x, y = np.linspace(-2, 2, 7), np.linspace(3, -1, 7)
    np.testing.assert_array_equal(g.lambdify()(x=x, y=y)[0], g.at(x=x, y=y)["y"])
    dx = sg.grad("100*(y - x^2)^2", wrt=["x"])  # -((200*v2) * (2*x)): 4 operations, 3 in the code
    ops = [op for _, op, _ in dx.program.instructions]
    assert ops.count("mul") + ops.count("neg") == 4
    assert dx.lambdify().source.count(" * ") == 3
    np.testing.assert_array_equal(dx.lambdify()(x=x, y=y)[0], dx.at(x=x, y=y)["x"])


def test_the_peephole_folds_the_graphs_own_constant_factors_bitwise():
    """The function's own rows 4*x then 2*that are the program's; the code makes them one product by 8."""
    g = sg.grad("y*sin(2*(4*x))", wrt=["y"])
    assert [op for _, op, _ in g.program.instructions].count("mul") == 2
    source = g.lambdify().source
    assert "8 * x" in source and source.count(" * ") == 1
    x, y = np.linspace(-2, 2, 7), np.linspace(3, -1, 7)
    np.testing.assert_array_equal(g.lambdify()(x=x, y=y)[0], g.at(x=x, y=y)["y"])


def _statements(source):
    (fn,) = ast.parse(source).body
    return fn.body


def test_shared_subexpressions_are_computed_once():
    text = "sin(a*b) + cos(a*b)*(a*b) + exp(a*b)"
    for source in (sg.grad(text).lambdify().source, sg.value_and_grad(text).source,
                   sg.lambdify(text).source):
        assert len(re.findall(r"\ba \* b\b|\bb \* a\b", source)) == 1, source
        targets = [s.targets[0].id for s in _statements(source)
                   if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name)]
        assert len(targets) == len(set(targets))  # one assignment per instruction
    assert sg.value_and_grad(text).source.count("xp.exp(") == 1  # exp' = exp reuses the value


def test_temporaries_are_deleted_after_last_use_and_never_used_after():
    text = "\n".join(f"v{k + 1} = sin(v{k})*v{k} + v{k}^2" for k in range(20)).replace("v0", "x")
    source = sg.value_and_grad(text).source
    body = _statements(source)
    deleted, assigned = set(), set()
    for stmt in body:
        loads = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        assert not loads & deleted, ast.unparse(stmt)
        if isinstance(stmt, ast.Delete):
            deleted |= {t.id for t in stmt.targets}
        elif isinstance(stmt, ast.Assign):
            assigned |= {n.id for n in ast.walk(stmt.targets[0]) if isinstance(n, ast.Name)}
    returned = {n.id for stmt in body[-2:] for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    assert assigned - {"xp", "_shape", "_dtype", "_results"} <= deleted | returned  # nothing left dangling
    assert len(deleted) > 20


def test_names_that_clash_with_helpers_are_avoided():
    fn = sg.grad("xp*_shape + _fit*abs(_prepare) + inf").lambdify()
    got = fn(xp=2.0, _shape=3.0, _fit=4.0, _prepare=-5.0, inf=1.0)
    assert [float(v) for v in got] == [3.0, 2.0, 5.0, -4.0, 1.0]


def test_source_is_registered_for_inspect_and_tracebacks():
    fn = sg.grad(TEXTBOOK).lambdify()
    assert inspect.getsource(fn) == fn.source
    with pytest.raises(ValueError) as info:
        fn("not a number", 1.0)
    text = "".join(traceback.format_exception(info.value))
    assert "xp, _shape, _dtype, a, b = _prepare(_xp, _inputs, a, b)" in text


def test_standalone_source_is_an_importable_module(tmp_path):
    program = sg.grad("sin(x)*y + x/y").program
    path = tmp_path / "saved_gradient.py"
    path.write_text(program.source(name="gradient", standalone=True))
    spec = importlib.util.spec_from_file_location("saved_gradient", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x, y = np.array([0.3, 1.2]), np.array([2.0, -0.5])
    expected = program.evaluate(x=x, y=y)
    for got, label in zip(module.gradient(x, y), program.results):
        np.testing.assert_allclose(got, expected[label], rtol=1e-15)


def test_explicit_namespace():
    fn = sg.grad("sin(x)").lambdify(xp=np)
    np.testing.assert_allclose(fn([0.0, 1.0])[0], np.cos([0.0, 1.0]))


# ---------------------------------------------------------------- domain behaviour
@pytest.mark.parametrize("x", [0.0, np.array([0.0, 1.0])])
def test_division_by_zero_gives_inf_with_numpy_warning(x):
    fn = sg.lambdify("1/x")
    with pytest.warns(RuntimeWarning, match="divide"):
        got = fn(x)
    assert np.ravel(got)[0] == np.inf


@pytest.mark.parametrize("x", [-1.0, np.array([-1.0, 1.0])])
def test_log_of_negative_gives_nan_with_numpy_warning(x):
    (d,) = sg.grad("log(x) + sqrt(x)").lambdify()(np.abs(x))  # fine on the domain
    assert np.all(np.isfinite(d))
    with pytest.warns(RuntimeWarning, match="invalid value"):
        value = sg.lambdify("log(x)")(x)
    assert np.isnan(np.ravel(value)[0])


def test_constant_only_instructions_warn_when_called_not_when_compiled():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fn = sg.lambdify("x + log(-1)")
    with pytest.warns(RuntimeWarning):
        assert np.isnan(fn(1.0))


def test_gradient_at_a_singularity_is_inf_not_an_exception():
    with pytest.warns(RuntimeWarning):
        (d,) = sg.grad("log(x)").lambdify()(0.0)
    assert d == np.inf


# ---------------------------------------------------------------- property: compiled = program = differences
FUNCS = ["sin", "cos", "tanh", "exp", "sigmoid", "atan", "softplus", "abs", "relu", "sqrt", "log"]
SMOOTH = {"abs", "relu"}


def _trees():
    leaves = st.one_of(st.sampled_from(["x", "y", "z"]), st.sampled_from(["1", "2", "0.5", "3"]))

    def extend(children):
        return st.one_of(
            st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children),
            st.tuples(st.just("^"), children, st.sampled_from(["2", "3"])),
            st.tuples(st.just("neg"), children),
            st.tuples(st.sampled_from(FUNCS), children),
        )
    return st.recursive(leaves, extend, max_leaves=10)


def _render(tree):
    """Expression text; sqrt and log get positive arguments."""
    if isinstance(tree, str):
        return tree
    if tree[0] == "neg":
        return f"(-({_render(tree[1])}))"
    if len(tree) == 2:
        inner = _render(tree[1])
        return f"{tree[0]}(1+({inner})^2)" if tree[0] in ("sqrt", "log") else f"{tree[0]}({inner})"
    op, left, right = tree
    return f"({_render(left)}){op}({_render(right)})"


def _kinked(tree):
    return not isinstance(tree, str) and (tree[0] in SMOOTH or any(_kinked(t) for t in tree[1:]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees(), st.lists(st.floats(-1.5, 1.5).filter(lambda v: abs(v) > 0.05), min_size=12, max_size=12))
def test_compiled_gradient_equals_program_and_finite_differences(tree, numbers):
    text = _render(tree)
    g = sg.grad(text, wrt=["x", "y", "z"], allow_unused=True)
    inputs = g.graph.inputs
    points = {name: np.array(numbers[4 * i:4 * i + 4]) for i, name in enumerate("xyz") if name in inputs}
    with np.errstate(all="ignore"):
        compiled = dict(zip(g.wrt, g.lambdify()(**points)))
        reference = g.at(**points)
        values = sg.lambdify(g.graph)(**points)
    assume(np.all(np.isfinite(values)) and np.all(np.abs(values) < 1e6))
    for name in g.wrt:
        assert compiled[name].shape == ((4,) if inputs else ())
        np.testing.assert_allclose(compiled[name], reference[name], rtol=1e-12, atol=1e-12, err_msg=text)
    if _kinked(tree):
        return
    f, h = sg.lambdify(g.graph), 1e-6
    with np.errstate(all="ignore"):
        for name in points:
            up = f(**{**points, name: points[name] + h})
            down = f(**{**points, name: points[name] - h})
            fd = (up - down) / (2 * h)
            ok = np.isfinite(fd) & (np.abs(fd) < 1e4)
            np.testing.assert_allclose(compiled[name][ok], fd[ok], rtol=1e-4, atol=1e-4, err_msg=text)


# ---------------------------------------------------------------- a single point runs the array code
POINT_TEXT = ("sin(x)*cos(y) + tan(x/3) + asin(x/2) + acos(y/3) + atan(x*y) + sinh(x) * cosh(y) + tanh(x - y)"
              " + exp(x) * log(y) + sqrt(y) + abs(x - 1) + sigmoid(x) + relu(x - 0.2) + softplus(y) + x^y / (1 + y^2)")


def _column(values, k):
    """Point ``k`` of results computed on arrays of points, in the same nesting."""
    if isinstance(values, tuple):
        return tuple(_column(v, k) for v in values)
    return np.asarray(values)[k]


def test_issue_example_point_gives_what_arrays_give():
    """abs(x^0.5) at -4 is nan, as on arrays (Python floats made it 2.0)."""
    for x in (-4.0, -4, np.int64(-4), np.float64(-4.0)):
        with pytest.warns(RuntimeWarning, match="invalid value"):
            assert np.isnan(sg.lambdify("abs(x^0.5)")(x))
        with pytest.warns(RuntimeWarning):
            assert np.isnan(sg.grad("abs(x^0.5)").lambdify()(x)[0])
        with pytest.warns(RuntimeWarning):
            value, (dx,) = sg.value_and_grad("abs(x^0.5)")(x)
        assert np.isnan(value) and np.isnan(dx)
    with pytest.warns(RuntimeWarning):
        value, g = sg.value_and_grad("abs(x^0.5)", vector=True)(np.array([-4.0]))
    assert np.isnan(value) and np.isnan(g[0])
    with np.errstate(invalid="ignore"):
        assert np.isnan(sg.parse("abs(x^0.5)").evaluate(x=np.array([-4.0]))["v2"]).all()


def test_issue_example_point_is_bitwise_the_array_value():
    """x=1.25, y=0.1875: math and NumPy differed by 8 ulp; now one path gives one value."""
    fn = sg.grad(POINT_TEXT, wrt=["x", "y"]).lambdify()
    point = fn(1.25, 0.1875)
    arrays = fn(np.array([0.5, 1.25]), np.array([1.0, 0.1875]))
    assert bits(point) == bits(_column(arrays, 1))
    assert all(type(v) is np.ndarray and v.shape == () and v.dtype == np.float64 for v in point)


def test_power_at_a_point_is_the_array_power():
    """NumPy's power on 0-d values and on arrays differ in the last bit (here 2.61...^2): points use arrays."""
    x = 2.610434542726609
    assert sg.lambdify("x^2")(x) == sg.lambdify("x^2")(np.array([x, 1.0]))[0]
    assert sg.lambdify("x^y")(x, 2.0) == sg.lambdify("x^y")(np.array([x, 1.0]), np.array([2.0, 1.0]))[0]


#: operand kinds for random programs: earlier nodes, inputs, constants of every size
_CONSTANTS = [sympy.Integer(k) for k in (0, 1, 2, 3, -1, -2)] + [sympy.Rational(1, 2), sympy.Rational(1, 3),
                                                                  sympy.Float(1e-300), sympy.Float(1e300)]
_VALUES = st.one_of(st.floats(-3, 3), st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-310, -1e-310, 1e300,
                                                      -1e300, 700.0, -800.0, 1e-8]),
                    st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def _programs(draw):
    """A random graph over every op of the op table (shared nodes, constants, repeated operands)."""
    inputs = ("x", "y", "z")[:draw(st.integers(1, 3))]
    ops, operands = {x: "input" for x in inputs}, {x: () for x in inputs}
    nodes, conditions = list(inputs), []  # numbers and conditions: each slot takes its row's kind
    for k in range(draw(st.integers(1, 8))):
        name = f"n{k}"
        row = op_table.OPS[draw(st.sampled_from(sorted(op_table.OPS)))]
        args = []
        for slot, kind in enumerate(row.kinds):
            if kind == "c":
                if not conditions:  # a comparison for it to take
                    ops[f"c{k}"], operands[f"c{k}"] = "gt", (draw(st.sampled_from(nodes)), 0)
                    conditions.append(f"c{k}")
                args.append(draw(st.sampled_from(conditions)))
            elif slot and draw(st.booleans()):
                args.append(draw(st.sampled_from(_CONSTANTS)))
            else:
                args.append(draw(st.sampled_from(nodes)))
        ops[name], operands[name] = row.name, tuple(args)
        (conditions if row.condition else nodes).append(name)
    return sg.Graph.from_ops(ops, operands, inputs, outputs=(nodes[-1],))


def _scalar_forms(value):
    forms = [value, np.float64(value)]
    if float(value).is_integer() and abs(value) < 2 ** 53 and math.copysign(1, value) > 0:  # int(-0.0) is +0
        forms += [int(value), np.int64(int(value))]
    return forms


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_programs(), st.lists(_VALUES, min_size=3, max_size=3), st.integers(0, 3))
def test_point_results_are_bitwise_the_array_results(graph, values, form):
    """Every op of the table, any float64 point: one point == the same point in an array, bitwise, in every compiler."""
    point = dict(zip(graph.inputs, values))
    arrays = {x: np.array([0.5, v, -2.0]) for x, v in point.items()}
    scalars = {x: (_scalar_forms(v) * 4)[form] for x, v in point.items()}
    with np.errstate(all="ignore"):
        gradient = sg.grad(graph, simplify=False)
        compiled = [sg.lambdify(graph), gradient.lambdify(), sg.value_and_grad(graph)]
        for fn in compiled:
            assert bits(fn(**scalars)) == bits(_column(fn(**arrays), 1)), graph
        evaluated = graph.evaluate(**arrays)[graph.output]
        assert bits(compiled[0](**scalars)) == bits(evaluated[1])
        vector = sg.value_and_grad(graph, vector=True)
        value, grads = vector(np.array(list(point.values())))
        whole = compiled[2](**arrays)
        assert bits((value, tuple(grads))) == bits(_column(whole, 1))


def test_point_and_array_warn_alike():
    for fn in (sg.lambdify("log(x)"), sg.grad("1/x").lambdify()):
        for x in (0.0, np.array([0.0])):
            with pytest.warns(RuntimeWarning, match="divide by zero"):
                fn(x)


# ---------------------------------------------------------------- names: generated and user names never meet
RESERVED = ["np", "range", "inf", "nan", "math", "prange", "carray", "xp", "self", "f", "gradient", "float",
            "_prepare", "_fit", "_xp", "_inputs", "_shape", "_dtype", "_pointer", "_i", "_points", "_inputs",
            "_outputs", "x", "value_and_grad", "_in0", "xp_1"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(RESERVED), min_size=2, max_size=3, unique=True))
def test_inputs_may_take_any_name_the_generated_code_uses(names):
    a, b = names[:2]
    text = f"sin({a})*{b}^2 + {a}/{b} + log(2)*{a}"
    g = sg.grad(text, wrt=[a, b])
    want = (4 * np.cos(0.5) + 1 / 2 + np.log(2), 2 * np.sin(0.5) * 2 - 0.5 / 4)
    for fn in (g.lambdify(), g.lambdify(chunk=1), sg.value_and_grad(text, wrt=[a, b])):
        got = fn(**{a: 0.5, b: 2.0})
        got = got[1] if len(got) == 2 and isinstance(got[1], tuple) else got
        np.testing.assert_allclose([float(v) for v in got], want, rtol=1e-14)
    np.testing.assert_allclose(sg.value_and_grad(text, wrt=[a, b], vector=True)(np.array([0.5, 2.0]))[1], want)


@pytest.mark.parametrize("op, reduce", [("max", np.maximum), ("min", np.minimum)])
def test_a_max_of_hundreds_of_operands_compiles_and_keeps_the_left_folds_bits(op, reduce):
    # one node of 300 operands was one line of 299 nested calls: a SyntaxError ("too many nested parentheses")
    n = 300
    text = f"{op}({', '.join(f'x[{i}]' for i in range(n))}) * y"
    x = np.random.default_rng(5).normal(size=(n, 4))
    x[7, 1], x[0, 2], x[1, 2] = np.nan, 0.0, -0.0
    value = sg.lambdify(text)(x, 2.0)
    assert bits(value) == bits(reduce.reduce(x, axis=0) * 2.0)
    grad_x, grad_y = sg.grad(text).lambdify()(x, 2.0)
    vm_x, vm_y = sg.grad(text).lambdify(backend="vm")(x, 2.0)
    assert bits((grad_x, grad_y)) == bits((vm_x, vm_y))
    assert all(line.count(f"{op}imum(") <= 64 for line in sg.lambdify(text).source.splitlines())


def test_a_long_product_of_negations_compiles():
    # the peephole joined -x[0] * -x[1] * ... into one line of 3,000 factors: RecursionError while compiling
    n = 3000
    text = f"prod(-x[i], i, 0, {n - 1})"
    f = sg.lambdify(text)
    assert f(np.full(n, -1.0)) == 1.0 and f(np.full(n, 1.0)) == 1.0
    assert max(line.count(" * ") for line in f.source.splitlines()) <= 64
    np.testing.assert_array_equal(sg.grad(text).lambdify()(np.full(n, -1.0))[0], np.full(n, -1.0))


def test_many_wrt_names_absent_from_the_function_are_one_star_parameter_with_the_same_call():
    """value_and_grad with 100,000 such names compiled a parameter and a literal 0 each (1.3-1.7 s); now the
    unread trailing run is one *-parameter of the generated code, while the function's signature, its
    keyword calls, defaults and broadcasting are what they were."""
    import inspect

    import numpy as np

    names = [f"u{i}" for i in range(40)]
    fn = sg.value_and_grad("x*y + sin(x)", wrt=["x", "y", *names], allow_unused=True)
    params = inspect.signature(fn).parameters
    assert list(params) == ["x", "y", *names] and params["u7"].default == 0.0 and params["x"].default is params["x"].empty
    assert fn.source.startswith("def value_and_grad(x, y, *unread):") and "u39" not in fn.source.split('"""')[2]
    value, grads = fn(1.0, 2.0)
    assert len(grads) == 42 and float(value) == pytest.approx(2 + np.sin(1.0)) and float(grads[1]) == 1.0
    assert all(g.shape == () and g == 0 for g in grads[2:])
    value, grads = fn(1.0, 2.0, u39=np.ones(3))  # an unread input still takes part in the broadcast
    assert value.shape == (3,) and all(g.shape == (3,) for g in grads) and not grads[-1].any()
    with pytest.raises(sg.ArgumentError, match="u40"):
        fn(1.0, 2.0, u40=1.0)
    few = sg.value_and_grad("x*y", wrt=["x", "y", "u", "w"], allow_unused=True)  # a short run stays readable
    assert few.source.startswith("def value_and_grad(x, y, u, w):")


def test_the_signature_made_on_first_use_is_the_functions_and_the_class_keeps_its_own():
    """The signature is made when first asked for; as a cached_property, inspect.signature of the class
    CompiledFunction itself raised TypeError (its __signature__ was the property, no Signature)."""
    import inspect
    import pickle

    from symgraph.backends.results import CompiledFunction

    assert "kernel" in inspect.signature(CompiledFunction).parameters
    fn = sg.value_and_grad("x*y", wrt=["x", "y", "a"], allow_unused=True)
    assert str(inspect.signature(fn)) == "(x, y, a=0.0)" and fn.__signature__ is fn.__signature__
    assert str(inspect.signature(pickle.loads(pickle.dumps(fn)))) == "(x, y, a=0.0)"


def test_many_constant_results_are_one_global_and_the_standalone_source_defines_it():
    """A Jacobian whose entries are mostly constants writes them once, in a global the computed entries are
    placed into; the standalone module defines it, and gives the compiled function's values."""
    import numpy as np

    J = sg.jacobian(["x*y"] * 3 + [f"x + {k}*z" for k in range(40)], wrt=["x", "y", "z"])
    source = J.program.source()
    assert "_filled(_results, _at, (" in source and ", 0, 1" not in source
    namespace: dict = {}
    exec(compile(J.program.source(standalone=True), "standalone", "exec"), namespace)
    compiled = J.lambdify()
    at = (np.array([1.0, 2.0]), 3.0, 0.5)
    flat = np.array([np.broadcast_to(v, (2,)) for v in namespace["f"](*at)])
    assert np.array_equal(flat.reshape(43, 3, 2), compiled(*at))
    assert flat[3 * 3 + 2].tolist() == [0.0, 0.0] and flat[-1].tolist() == [39.0, 39.0]
