"""Generated NumPy code: shapes, dtypes, calling conventions, sharing, memory, domain, tracebacks."""
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

import symgraph as sg
from symgraph.codegen import literal

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
    fn = sg.grad("a*b^2", wrt=["a", "b", "z"]).lambdify()
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


def test_dtype_rules_python_numbers_are_weak_integers_become_float64():
    fn = sg.grad("a*b").lambdify()
    assert fn(np.ones(2, np.float32), 2.0)[0].dtype == np.float32  # a Python float does not upcast
    assert fn(np.ones(2, np.float32), np.ones(2))[0].dtype == np.float64
    assert fn(np.array([1, 2]), 3)[0].dtype == np.float64
    assert fn(1, 2)[0].dtype == np.float64


def test_literal_constants_are_weak_python_numbers():
    import sympy
    assert literal(sympy.Integer(3)) == "3" and literal(sympy.Integer(-2)) == "(-2)"
    assert literal(sympy.Rational(1, 4)) == "0.25" and literal(sympy.pi) == repr(math.pi)
    assert literal(sympy.Integer(10) ** 400) == "inf"


# ---------------------------------------------------------------- calling conventions
def test_positional_and_keyword_calls_agree():
    g = sg.grad("x*sin(y) + y*z")
    fn = g.lambdify()
    assert g.graph.inputs == ("x", "y", "z")
    pos = fn(1.0, 2.0, 3.0)
    for other in (fn(x=1.0, y=2.0, z=3.0), fn(1.0, z=3.0, y=2.0)):
        for p, q in zip(pos, other):
            assert p == q
    assert list(inspect.signature(fn).parameters) == ["x", "y", "z"]


def test_wrong_arguments_are_type_errors_naming_the_problem():
    fn = sg.grad("(a+b)*(b+1)").lambdify()
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'b'"):
        fn(1.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'c'"):
        fn(1.0, 2.0, c=3.0)
    with pytest.raises(TypeError, match="takes 2 positional arguments but 3"):
        fn(1.0, 2.0, 3.0)


def test_lambdify_values_single_and_multi_output():
    f = sg.lambdify("(a+b)*(b+1)")
    np.testing.assert_array_equal(f([2, 3], [1, 2]), [6, 15])
    assert f(a=2, b=1).shape == ()
    two = sg.lambdify(sg.parse("u = x*y; v = x + 1", outputs=["u", "v"]))
    u, v = two(x=[1.0, 2.0], y=3.0)
    np.testing.assert_array_equal(u, [3, 6])
    np.testing.assert_array_equal(v, [2, 3])
    const = sg.lambdify("2*pi")()
    assert const.shape == () and const == pytest.approx(2 * math.pi)


def test_value_and_grad_matches_value_and_gradient():
    fn = sg.value_and_grad(TEXTBOOK, wrt=["a", "b"])
    value, grads = fn(a=[2.0, 3.0], b=[1.0, 2.0])
    np.testing.assert_array_equal(value, [6, 15])
    assert isinstance(grads, tuple) and len(grads) == 2
    np.testing.assert_array_equal(grads[0], [2, 3])
    np.testing.assert_array_equal(grads[1], [5, 8])
    value, (only,) = sg.value_and_grad("x^3", wrt="x")(2.0)
    assert value == 8 and only == 12


def test_vector_form_for_optimisers():
    fn = sg.value_and_grad("(1-x)^2 + 100*(y-x^2)^2", wrt=["x", "y"], vector=True)
    value, g = fn(np.array([0.5, 2.0]))
    assert type(value) is float and value == pytest.approx(0.25 + 100 * 1.75 ** 2)
    assert g.shape == (2,) and g.dtype == np.float64
    np.testing.assert_allclose(g, [-2 * 0.5 - 400 * 0.5 * 1.75, 200 * 1.75])
    # the vector follows the wrt order, not the order of first appearance
    flipped = sg.value_and_grad("(1-x)^2 + 100*(y-x^2)^2", wrt=["y", "x"], vector=True)
    np.testing.assert_allclose(flipped(np.array([2.0, 0.5]))[1], g[::-1])
    with pytest.raises(sg.GraphError, match="1-D vector of 2 values"):
        fn(np.ones(3))
    with pytest.raises(sg.GraphError, match="inputs not in wrt: y"):
        sg.value_and_grad("x*y", wrt=["x"], vector=True)


def test_vector_form_calls_functions_through_numpy():
    fn = sg.value_and_grad("sin(x)*y + log(y)", wrt=["x", "y"], vector=True)
    value, g = fn(np.array([1.0, 2.0]))
    assert value == pytest.approx(2 * np.sin(1.0) + np.log(2.0))
    np.testing.assert_allclose(g, [2 * np.cos(1.0), np.sin(1.0) + 0.5])
    with np.errstate(divide="ignore"):
        assert fn(np.array([1.0, 0.0]))[0] == -np.inf  # NumPy's domain rules: log(0) is -inf
    one = sg.value_and_grad("exp(x)", wrt=["x"], vector=True)  # a single input unpacks too
    assert one(np.array([0.0])) == (1.0, pytest.approx(np.array([1.0])))


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
    """2*v, then 100 times that: one multiplication by 200, bitwise equal to the program."""
    g = sg.grad("100*(y - x^2)^2", wrt=["y"])
    assert [op for _, op, _ in g.program.instructions].count("mul") == 2
    source = g.lambdify().source
    assert "200 * v2" in source and source.count(" * ") == 1
    x, y = np.linspace(-2, 2, 7), np.linspace(3, -1, 7)
    np.testing.assert_array_equal(g.lambdify()(x=x, y=y)[0], g.at(x=x, y=y)["y"])
    dx = sg.grad("100*(y - x^2)^2", wrt=["x"])  # -(200*v2) * (2*x): 5 operations, 3 in the code
    ops = [op for _, op, _ in dx.program.instructions]
    assert ops.count("mul") + ops.count("neg") == 5
    assert dx.lambdify().source.count(" * ") == 3
    np.testing.assert_array_equal(dx.lambdify()(x=x, y=y)[0], dx.at(x=x, y=y)["x"])
    fx = sg.grad("3*(-(2*x*y))*5", wrt=["x"])
    pts = np.linspace(-3, 3, 11)
    np.testing.assert_array_equal(fx.lambdify()(x=pts, y=pts[::-1])[0], fx.at(x=pts, y=pts[::-1])["x"])


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
    g = sg.grad(text, wrt=["x", "y", "z"])
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


# ---------------------------------------------------------------- the single-point path
POINT_TEXT = ("sin(x)*cos(y) + tan(x/3) + asin(x/2) + acos(y/3) + atan(x*y) + sinh(x) * cosh(y) + tanh(x - y)"
              " + exp(x) * log(y) + sqrt(y) + abs(x - 1) + sigmoid(x) + relu(x - 0.2) + softplus(y) + x^y / (1 + y^2)")


def _paths(fn):
    """The compiled function's fast (Python float) and exact (NumPy scalar) versions."""
    fast = next(c.cell_contents for c in fn.__closure__ if c.cell_contents is not fn.__wrapped__)
    return fast, fn.__wrapped__


def test_point_path_uses_every_numpy_function_the_op_table_calls():
    from symgraph import rules
    from symgraph.codegen import POINT_MATH
    used = {name for row in rules.OPS.values() for name in re.findall(r"xp\.(\w+)", row.code)}
    assert used and all(hasattr(POINT_MATH, name) for name in used)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 1.9), st.floats(0.1, 2.9))
def test_point_path_gives_the_numpy_values(x, y):
    fn = sg.grad(POINT_TEXT, wrt=["x", "y"]).lambdify()
    fast, exact = _paths(fn)
    for got, want in zip(fast(x, y), exact(x, y)):
        assert type(got) is np.ndarray and got.shape == () and got.dtype == np.float64
        np.testing.assert_array_max_ulp(got, want, maxulp=4)  # the same IEEE arithmetic; libm may differ by ulps
    arithmetic = sg.grad("(1-x)^2 + 100*(y-x^2)^2 + x/y").lambdify()
    assert [float(v) for v in _paths(arithmetic)[0](x, y)] == [float(v) for v in arithmetic.__wrapped__(x, y)]


@pytest.mark.parametrize("text, point, expected", [
    ("log(x)", {"x": 0.0}, [np.inf]),                     # math.log(0) raises; NumPy: 1/0 = inf
    ("1/x", {"x": 0.0}, [-np.inf]),
    ("sqrt(x)", {"x": -1.0}, [np.nan]),
    ("exp(x)", {"x": 1000.0}, [np.inf]),                  # OverflowError in math
    ("x^(1/3)", {"x": -8.0}, [np.nan]),                   # a complex number on Python floats
    ("x*x*x", {"x": 1e200}, [np.inf]),                    # silent overflow on Python floats: caught at the end
    ("asin(x)", {"x": 2.0}, [np.nan]),
])
def test_point_path_falls_back_to_numpy_with_its_warnings(text, point, expected):
    fn = sg.grad(text).lambdify()
    with pytest.warns(RuntimeWarning):
        got = fn(**point)
    np.testing.assert_array_equal([float(v) for v in got], expected)


def test_point_path_keeps_other_dtypes_and_arrays_on_numpy():
    fn = sg.grad("sin(x)*y").lambdify()
    small = fn(np.float32(0.5), np.float32(2.0))
    assert all(v.dtype == np.float32 and v.shape == () for v in small)
    batch = fn(np.array([0.5, 1.0]), 2.0)
    np.testing.assert_allclose(batch[0], 2 * np.cos([0.5, 1.0]))
    assert fn(np.int64(1), 2)[1] == np.sin(1.0)  # integers count as float64, as on the array path
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'y'") as error:
        fn(x=1.0)
    assert error.value.__context__ is None  # one error, not the fast path's chained to the exact one's


def test_point_path_for_optimisers_falls_back_too():
    fn = sg.value_and_grad("log(x) + y^2", wrt=["x", "y"], vector=True)
    value, grads = fn(np.array([2.0, 3.0]))
    assert value == math.log(2.0) + 9.0 and type(value) is float
    np.testing.assert_array_equal(grads, [0.5, 6.0])
    with pytest.warns(RuntimeWarning):
        value, grads = fn(np.array([0.0, 3.0]))
    assert value == -np.inf and grads[0] == np.inf
    assert fn(np.array([2.0, 3.0], dtype=np.float32))[1].dtype == np.float32
