"""Native code at the edges: every function it calls or writes out at special values (signed zeros, denormals,
infinities, NaN, huge arguments, domain edges), every pair of special operands of the two-operand ops, sines
and cosines of one value met again and again, and generated programs mixing them -- the VM's bits in both
native tiers, one point and batches cut into segments of every size."""
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, strategies as st

import symgraph as sg
from symgraph.backends import native_ops, vm_batch, vm_point
from tests.backends.test_native_batch import always, kernel_of, same_bits
from tests.test_properties import PROPERTY

pytest.importorskip("numba")
pytest.importorskip("llvmlite")

#: zeros, denormals, infinities, NaN of both signs, domain edges, huge arguments of sin/cos/tan, multiples of pi,
#: overflow edges of exp, halves (round), the two neighbours of 1 and 0.5
SPECIAL = np.array([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, np.inf, -np.inf, np.nan, -np.nan,
                    1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 2.5, -2.5, 1e300, -1e300, 1e22, 1e16, np.pi, -np.pi,
                    np.pi / 2, 2 * np.pi, 1e-300, 710.0, -745.0, 36.0, 0.49999999999999994, 1 - 2 ** -53, 1 + 2 ** -52,
                    1.7976931348623157e308])

#: every function native code calls itself, by name as the parser reads it
FUNCTIONS = ("sin", "cos", "exp", "log", "log2", "log10", "exp2", "sqrt", "abs", "floor", "ceil", "round", "tan",
             "asin", "acos", "atan", "sinh", "cosh", "tanh", "log1p", "expm1", "asinh", "acosh", "atanh", "erf",
             "erfc", "sigmoid", "relu")

#: the ops of two operands (and the conditions and branches) native code calls or writes out
PAIRS = ("a^b", "atan2(a, b)", "hypot(a, b)", "max(a, b)", "min(a, b)", "where(a < b, a, b)", "where(a <= b, b, a)",
         "where(a > b, a, 1)", "where(a >= b, 2, b)", "where(a == b, a, b)", "where(a != b, b, a)",
         "where(a > 0 and b > 0, a, b)", "where(a < 0 or b < 0, a, b)", "where(not (a > b), a, b)", "a/b", "a - b")


def one_result_each(terms, wrt=None):
    """The gradient of ``sum(w_k * term_k)`` for weights ``w_k`` and ``wrt`` (default: every input): its results
    hold every term's value alone, beside their derivatives (where sech2, dsigmoid and the like come in)."""
    weights = [f"w{k}" for k in range(len(terms))]
    text = " + ".join(f"{w}*{term}" for w, term in zip(weights, terms))
    return sg.grad(text, wrt=None if wrt is None else weights + list(wrt)).program


def assert_both_tiers_give_the_vms_bits(program, columns, segments=(1, 3, 32), rows=None):
    """The program's VM values on the batch ``columns``, then native code's for batches cut into each of
    ``segments``, and at single points (the first ``rows`` points), bit for bit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for segment in segments:
            with always():
                kernel = kernel_of(program)
            want = np.array(kernel.array(*columns))
            with mock.patch.object(vm_batch, "SEGMENT", segment):
                assert kernel.native_batch()
            same_bits(np.array(kernel.array(*columns)), want)
        kernel = kernel_of(program)
        points = np.array(columns).T[:rows]
        want = np.array([kernel.point(np.ascontiguousarray(point)) for point in points])
        assert kernel.native()
        same_bits(np.array([kernel.point(np.ascontiguousarray(point)) for point in points]), want)


def test_every_function_gives_the_vms_bits_at_special_and_huge_values():
    program = one_result_each([f"{name}(a)" for name in FUNCTIONS])
    rng = np.random.default_rng(11)
    a = np.concatenate([SPECIAL, rng.uniform(-4, 4, 300), 10.0 ** rng.uniform(-310, 308, 300) * rng.choice([-1, 1], 300),
                        np.arange(-40, 41) * np.pi / 4, np.arange(-20, 21) / 2])
    columns = [a if name == "a" else rng.uniform(-1, 1, a.size) for name in program.inputs]
    assert_both_tiers_give_the_vms_bits(program, columns, rows=200)


def test_every_pair_of_special_operands_gives_the_vms_bits():
    """pow of negative bases, pow(0, 0), pow(inf, 0), pow(nan, 0), atan2 of signed zeros, hypot of inf and NaN,
    max and min of ties and NaN, comparisons of NaN: each on every pair of the special values."""
    program = one_result_each(PAIRS)
    a, b = (grid.ravel() for grid in np.meshgrid(SPECIAL, SPECIAL))
    rng = np.random.default_rng(12)
    columns = [a if name == "a" else b if name == "b" else rng.uniform(-1, 1, a.size) for name in program.inputs]
    assert_both_tiers_give_the_vms_bits(program, columns, segments=(2, 32))


#: a value's sine and cosine met several times, each the result of a gradient itself (d/dw0, d/dw1), pairs far
#: apart (a's forward sine, its backward cosine), and b's values (not derived) whose slot the allocator gives a
#: sine's operand and then another value's cosine: no pair
RECURRING = ("sin(a)", "cos(a)", "sin(a)*cos(a)", "sin(a*b)", "cos(a*b) + sin(a*b)^2", "sin(sin(a))*cos(cos(a))",
             "cos(sin(a)) + sin(cos(a))", "tan(a)*sin(a)", "exp(a)*cos(a)", "sin(a + b)*b", "cos(a + b)*a",
             "sin(b*b) + cos(b + 1)", "cos(b - 2)*sin(b/3)", "sin(exp(b)) + cos(log(b))")


@pytest.mark.parametrize("segment", [1, 2, 3, 32])
def test_sines_and_cosines_met_again_and_again_give_the_vms_bits(segment):
    program = one_result_each(RECURRING, wrt=["a"])
    with always():
        block = kernel_of(program).recipe()[1][1]
    body = block[vm_batch._HEADER:vm_batch._HEADER + 5 * int(block[0])].reshape(-1, 5).tolist()
    with mock.patch.object(native_ops, "SINCOS", True):
        assert len(native_ops.sine_pairs(body, vm_batch.CODES)) >= 8  # the pairs under test are there
    rng = np.random.default_rng(13)
    a = np.concatenate([SPECIAL, rng.uniform(-7, 7, 200), 10.0 ** rng.uniform(0, 300, 50)])
    columns = [a if name == "a" else np.resize(SPECIAL, a.size) if name == "b" else rng.uniform(-1, 1, a.size)
               for name in program.inputs]
    assert_both_tiers_give_the_vms_bits(program, columns, segments=(segment,), rows=100)


#: the forms of a generated term: {f} a function, {o} an operator, {p} an op of two operands, {r} a comparison,
#: {a}, {b}, {c} smaller terms
FORMS = ("{f}({a})", "{f}({a})", "({a} {o} {b})", "{p}({a}, {b})", "where({a} {r} {b}, {c}, {b})",
         "where(not ({a} {r} {b} and x > 0), {c}, {b})", "where({a} {r} {b} or y < 1, {c}, {a})",
         "(sin({a})*cos({a}) + sin({a}))", "(cos({a})*sin({a}) + cos({a}))")
CHOICES = {"f": FUNCTIONS, "o": ("+", "-", "*", "/", "^"), "p": ("atan2", "hypot", "max", "min"),
           "r": ("<", "<=", ">", ">=", "==", "!=")}


@st.composite
def mixed(draw, depth):
    """A term of every op native code writes: the functions, the two-operand ops, conditions with and/or/not,
    and a value's sine and cosine together."""
    if depth == 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(["x", "y", "z", "x", "y", "2", "0.5", "-1", "0"]))
    form = draw(st.sampled_from(FORMS))
    parts = {key: draw(st.sampled_from(options)) for key, options in CHOICES.items() if f"{{{key}}}" in form}
    parts.update({key: draw(mixed(depth - 1)) for key in "abc" if f"{{{key}}}" in form})
    return form.format(**parts)


@PROPERTY
@given(u=mixed(4), v=mixed(3), seed=st.integers(0, 7), points=st.sampled_from([4, 7, 64]),
       shared=st.sampled_from([(), (0,), (2,), (0, 1)]), segment=st.sampled_from([1, 2, 3, 32]))
def test_generated_programs_of_every_op_give_the_vms_bits_through_the_public_api(u, v, seed, points, shared, segment):
    """Gradients through ``lambdify(backend="vm")``, natively run on batches (with inputs shared by every point)
    and at single points, against the VM's own values."""
    g = sg.grad(f"u = {u}; v = {v}; u*v + sin(u)*x + cos(v)*y + z*u", wrt=["x", "y", "z"])
    rng = np.random.default_rng(seed)
    columns = rng.uniform(-4, 4, (3, points))
    columns[rng.random((3, points)) < 0.3] = rng.choice(SPECIAL, 1)
    args = [float(c[0]) if k in shared else c for k, c in enumerate(columns)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with mock.patch.object(vm_batch, "break_even_points", lambda prog: 0), \
                mock.patch.object(vm_point, "break_even_calls", lambda n: 0):
            plain = g.lambdify(backend="vm")
        with mock.patch.object(vm_batch, "break_even_points", lambda prog: 1), \
                mock.patch.object(vm_point, "break_even_calls", lambda n: 1):
            fast = g.lambdify(backend="vm")
        with mock.patch.object(vm_batch, "SEGMENT", segment):
            got = np.array([np.broadcast_to(r, (points,)) for r in fast(*args)])
        assert all(tier.native is not None for tier in fast.__wrapped__.native_batch.__self__.patterns.values())
        same_bits(got, np.array([np.broadcast_to(r, (points,)) for r in plain(*args)]))
        rows = [[float(np.broadcast_to(a, (points,))[j]) for a in args] for j in range(4)]
        fast(*rows[0])  # the one call the point tier waits for: native code from the next on
        for row in rows:
            same_bits(np.array(fast(*row)), np.array(plain(*row)))


def ulps(got, want):
    """How many doubles lie between ``got`` and ``want`` (0 for two NaNs, a large number for one)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    order = [np.where(v.view(np.int64) < 0, np.int64(-2 ** 63) - v.view(np.int64), v.view(np.int64))
             for v in (got, want)]
    apart = np.abs(order[0] - order[1]).astype(float)
    return np.where(np.isnan(got) & np.isnan(want), 0.0,
                    np.where(np.isnan(got) | np.isnan(want), np.inf, np.where(got == want, 0.0, apart)))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_native_functions_are_numpys_up_to_a_few_ulps(name):
    """Native code calls the right function of the right operand: its values are the NumPy backend's but for
    the last bits of libm against NumPy's loops (erfc's tail is relative)."""
    rng = np.random.default_rng(14)
    a = np.concatenate([SPECIAL, rng.uniform(-4, 4, 400), rng.uniform(-1, 1, 100)])
    with mock.patch.object(vm_batch, "break_even_points", lambda prog: 1):
        f = sg.lambdify(f"{name}(a)", backend="vm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, want = f(a), sg.lambdify(f"{name}(a)")(a)
    assert f.__wrapped__.native_batch.__self__.patterns[None].native is not None
    if name == "erfc":
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
    else:
        assert ulps(got, want).max() <= 2



SECOND_ORDER = "sigmoid(a*b) + tanh(a - c)*sin(b)*cos(b) + atan2(a, c)*hypot(b, c) + abs(a)^b + relu(c)*erf(a)"


@pytest.mark.parametrize("make, vector", [
    (lambda: sg.hessian(SECOND_ORDER, wrt=["a", "b", "c"]).lambdify(backend="vm"), False),
    (lambda: sg.jacobian([SECOND_ORDER, "sin(a*b)*cos(c)"], wrt=["a", "b", "c"]).lambdify(backend="vm"), False),
    (lambda: sg.value_and_grad(SECOND_ORDER, wrt=["a", "b", "c"], vector=True, backend="vm"), True)],
    ids=["hessian", "jacobian", "value_and_grad"])
def test_hessians_jacobians_and_vector_gradients_run_natively_with_the_vms_bits(make, vector):
    """Through the public functions, at single points (the vector form too) and on batches; second derivatives
    bring in the written-out derivative forms (sech2, dsigmoid, one_minus_square)."""
    with mock.patch.object(vm_batch, "break_even_points", lambda prog: 0), \
            mock.patch.object(vm_point, "break_even_calls", lambda n: 0):
        plain = make()
    with mock.patch.object(vm_batch, "break_even_points", lambda prog: 1), \
            mock.patch.object(vm_point, "break_even_calls", lambda n: 1):
        fast = make()
    rng = np.random.default_rng(15)
    points = np.concatenate([SPECIAL.reshape(-1, 3), rng.uniform(-2, 2, (20, 3))])

    def flat(result):
        return np.concatenate([np.asarray(r, dtype=float).ravel() for r in
                               (result if isinstance(result, tuple) else (result,))])

    def at(f, point):
        return flat(f(point) if vector else f(*point))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        at(fast, points[0])  # the one call the point tier waits for: native code from the next on
        for point in points:
            same_bits(at(fast, point), at(plain, point))
        if not vector:
            same_bits(flat(fast(*points.T)), flat(plain(*points.T)))
