"""The VM's native tier for batches: lanes of points as native code, bit for bit the VM's values, when it pays."""
import pickle
import threading
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, strategies as st

import symgraph as sg
from symgraph.backends import native_ops, vm, vm_batch
from tests.backends.test_numba import EVERY_OP
from tests.backends.test_vm import MORE_OPS, terms
from tests.test_properties import PROPERTY

pytest.importorskip("numba")
pytest.importorskip("llvmlite")

SIZES = (1, 3, 4, 5, 8, 17, 1_001)  # fewer points than a vector, whole vectors, and a few left over


def same_bits(got, want):
    """Equal bit for bit, but for the sign of a NaN: IEEE 754 leaves open which of two NaNs an add or a mul
    passes on, and LLVM may swap the operands of either (see :mod:`symgraph.backends.native`)."""
    got, want = np.asarray(got), np.asarray(want)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[~np.isnan(got)].view(np.int64), want[~np.isnan(want)].view(np.int64))


def kernel_of(program, labels=None):
    labels = list(program.results) if labels is None else labels
    return vm.vm_kernel(program, program.inputs, labels, fallback=lambda: None)[0]


def batches(kernel, columns, sizes=SIZES):
    """The kernel's results on the first ``size`` points of ``columns`` (one array per input), for each size."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [np.array(kernel.array(*[c[:size] for c in columns])) for size in sizes]


def columns_for(count, points=1_001, seed=5):
    rng = np.random.default_rng(seed)
    columns = rng.uniform(-2, 2, (count, points))
    columns[:, :8] = [0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, -0.0, 5e-324]  # kinks, zeros, nan, infinities
    return list(columns)


def always():
    """Every program compiles for batches, however long or full of calls: the tier's values under test."""
    return mock.patch.object(vm_batch, "break_even_points", lambda prog: 1 << 60)


def assert_native_gives_the_vms_bits(text):
    """``text``'s gradient on batches of every size: the VM's values, then native code's, bit for bit."""
    program = sg.grad(text).program
    with always():
        kernel = kernel_of(program)
    columns = columns_for(len(program.inputs))
    before = batches(kernel, columns)
    assert kernel.native_batch()
    for got, want in zip(batches(kernel, columns), before):
        same_bits(got, want)


#: a gradient whose program holds every op native code writes itself (the value of each op is d/da)
WRITTEN_OPS = (
    "a*(sin(b) + cos(b) + exp(b) + log(b) + log2(b) + log10(b) + exp2(b) + sqrt(b) + abs(b) + floor(b) + ceil(b)"
    " + round(b) + tan(b) + asin(b/3) + acos(b/3) + atan(b) + sinh(b) + cosh(b) + tanh(b) + log1p(b) + expm1(b)"
    " + asinh(b) + sigmoid(b) + relu(b) + max(b, c) + min(b, c) + where(b < c, b, c) + where(b <= c, 1, 2)"
    " + where(b > c, 3, c) + where(b >= c, c, 4) + where(b == c, 5, c) + where(b != c, c, 6)"
    " + where(b > 0 and c > 0, b, c) + where(b > 0 or c > 0, b, c) + where(not (b > 0), b, c) + 1/b + b^2 + -c"
    " + b^c + atan2(b, c) + hypot(b, c) + erf(b) + erfc(b) + acosh(b) + atanh(b/3))"
    " + sigmoid(c) + tanh(c) + atanh(c/3) + c*b^-1 + 100*(c - b^2)^2")


def test_the_every_op_programs_hold_every_op_native_code_writes():
    """So the bit-for-bit tests below meet each of them (a gradient holds only what its derivatives need)."""
    program = sg.grad(WRITTEN_OPS).program
    block = kernel_of(program).recipe()[1][1]
    ops = set()
    for op in block[vm_batch._HEADER:vm_batch._HEADER + 5 * int(block[0]):5].tolist():
        fused = op - vm_batch.FUSED  # a fused pair: both its ops
        ops |= {op} if fused < 0 else {vm_batch.FIRST[fused >> 4], vm_batch.SECOND[(fused >> 1) & 7]}
    assert {vm_batch.CODES[name] for name in native_ops.WRITTEN} - ops <= {vm_batch.CODES["copy"]}


@pytest.mark.parametrize("text", [EVERY_OP, MORE_OPS, WRITTEN_OPS])
def test_native_batches_give_the_vms_bits_on_every_op(text):
    assert_native_gives_the_vms_bits(text)


@PROPERTY
@given(text=terms(4), size=st.sampled_from(SIZES), seed=st.integers(0, 3), segment=st.sampled_from([1, 3, 32]))
def test_native_batches_give_the_vms_bits_on_generated_programs(text, size, seed, segment):
    """Shared nodes, a value beside its gradient, a result repeated and an input as a result; the program
    cut into functions of one instruction and more (values crossing a cut go through scratch rows)."""
    program = sg.grad(f"u = {text}; u*x + y*z + u", wrt=["x", "y", "z"]).program
    labels = list(program.results)
    program = type(program)(program.inputs, program.instructions,
                            {**program.results, "again": program.results[labels[0]], "input": "x"})
    with always():
        kernel = kernel_of(program, labels + ["again", "input"])
    columns = columns_for(3, seed=seed)
    before = batches(kernel, columns, [size])
    with mock.patch.object(vm_batch, "SEGMENT", segment):
        assert kernel.native_batch()
    same_bits(batches(kernel, columns, [size])[0], before[0])


def test_the_batch_tier_goes_native_once_the_points_have_paid_for_it(monkeypatch):
    monkeypatch.setattr(vm_batch, "break_even_points", lambda prog: 20)
    g = sg.grad("100*(y - x^2)^2 + (1 - x)^2")
    f = g.lambdify(backend="vm")
    x, y = np.linspace(-1, 1, 8), np.linspace(0, 2, 8)
    want = g.lambdify()(x, y)
    batch = f.__wrapped__.native_batch.__self__
    f(0.5, 0.25)  # one point: the point tier's business
    f(x[:3], y[:3])  # fewer points than a vector: the VM's, not counted
    assert not batch.patterns
    for call in range(1, 5):
        np.testing.assert_allclose(f(x, y), want, rtol=1e-13)
        tier = batch.patterns[None]
        assert tier.points == min(8 * call, 16) and (tier.native is not None) == (call >= 3)  # the third repays it
    np.testing.assert_allclose(f(x[:7], y[:7]), [w[:7] for w in want], rtol=1e-13)  # four lanes, three on the VM
    np.testing.assert_allclose(f(x, 0.25), g.lambdify()(x, 0.25), rtol=1e-13)  # y shared: a pattern of its own
    shared = batch.patterns[np.array([1]).tobytes()]
    assert shared.points == 8 and shared.native is None
    copy = pickle.loads(pickle.dumps(f))  # a copy starts on the VM again: native code is not data
    assert not copy.__wrapped__.native_batch.__self__.patterns
    np.testing.assert_allclose(copy(x, y), want, rtol=1e-13)


def test_one_batch_that_repays_the_compile_runs_natively_at_once(monkeypatch):
    monkeypatch.setattr(vm_batch, "break_even_points", lambda prog: 1_000)
    g = sg.grad("(a*t - b)^2", wrt=["a", "b"])
    f = g.lambdify(backend="vm")
    batch = f.__wrapped__.native_batch.__self__
    a, b, t = np.linspace(0, 1, 999), np.linspace(1, 2, 999), np.linspace(-1, 1, 999)
    want = g.lambdify()(a, b, t)
    np.testing.assert_allclose(f(a, b, t), want, rtol=1e-13)
    assert batch.patterns[None].native is None and batch.patterns[None].points == 999
    a, b, t = np.linspace(0, 1, 5_000), np.linspace(1, 2, 5_000), np.linspace(-1, 1, 5_000)
    with mock.patch.object(batch, "vm", side_effect=AssertionError("ran on the VM")):
        got = f(a, b, t)  # 5,000 points repay the compile: native code runs them all (no tail: 4 divides 5,000)
    np.testing.assert_allclose(got, g.lambdify()(a, b, t), rtol=1e-13)
    assert batch.patterns[None].native is not None


@pytest.mark.parametrize("points", [4, 7, 1_001])
def test_parameters_shared_by_every_point_run_natively_with_the_vms_bits(monkeypatch, points):
    """A fit's usual call: scalar parameters beside arrays of data, each pattern compiled for itself."""
    monkeypatch.setattr(vm_batch, "break_even_points", lambda prog: 1)
    text = "(y - a*t^2 - b*t - c)^2 + a*b/(1 + t^2)"
    g = sg.grad(text, wrt=["a", "b", "c"])
    f, plain = g.lambdify(backend="vm"), g.lambdify(backend="vm")
    plain.__wrapped__.native_batch.__self__.after = 0  # never native: the VM's own values
    rng = np.random.default_rng(4)
    t, y = rng.uniform(-2, 2, points), rng.uniform(-2, 2, points)
    t[:4] = [0.0, -0.0, np.nan, np.inf]
    batch = f.__wrapped__.native_batch.__self__
    for args in [(0.5, -1.5, 2.0, t, y), (t, -1.5, 2.0, t, y), (0.5, -1.5, 2.0, 0.25, y)]:
        same_bits(np.array(f(*args)), np.array(plain(*args)))
    assert len(batch.patterns) == 3 and all(tier.native is not None for tier in batch.patterns.values())
    assert not plain.__wrapped__.native_batch.__self__.patterns


def test_patterns_of_shared_inputs_past_the_limit_stay_on_the_vm(monkeypatch):
    monkeypatch.setattr(vm_batch, "break_even_points", lambda prog: 1)
    monkeypatch.setattr(vm_batch, "PATTERNS", 2)
    g = sg.grad("a*b*c*d", wrt=["a", "b", "c", "d"])
    f = g.lambdify(backend="vm")
    batch = f.__wrapped__.native_batch.__self__
    v = np.linspace(1, 2, 8)
    for args in [(v, v, v, v), (1.0, v, v, v), (v, 2.0, v, v), (v, v, 3.0, v)]:
        np.testing.assert_allclose(f(*args), g.lambdify()(*args), rtol=1e-14)
    assert len(batch.patterns) == 2


def test_threads_share_one_compile_and_agree(monkeypatch):
    monkeypatch.setattr(vm_batch, "break_even_points", lambda prog: 1_000)
    g = sg.grad("(a*t + b)^2 - a*b/t", wrt=["a", "b"])
    f = g.lambdify(backend="vm")
    rng = np.random.default_rng(2)
    a, b, t = (rng.uniform(0.5, 2, 301) for _ in range(3))
    want = np.array(f(a, b, t))
    batch = f.__wrapped__.native_batch.__self__
    failures = []

    def work():
        for _ in range(20):
            if not np.array_equal(np.array(f(a, b, t)), want):
                failures.append("differs")
    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and batch.patterns[None].native is not None


def test_a_failed_batch_compile_warns_once_and_the_vm_runs_on(monkeypatch):
    def broken(ir, host=False):
        raise RuntimeError("no code generator for this machine")
    monkeypatch.setattr(vm_batch, "compile_native", broken)
    kernel = kernel_of(sg.grad("(a - b)^2*a", wrt=["a", "b"]).program)
    with pytest.warns(RuntimeWarning, match="native code for batches failed.*no code generator"):
        assert not kernel.native_batch()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not kernel.native_batch()  # not tried again
        a, b = np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([0.5, 0.5, 1.0, 1.0, 2.0])
        np.testing.assert_allclose(kernel.array(a, b), [2 * (a - b) * a + (a - b) ** 2, -2 * (a - b) * a])


def test_which_programs_go_native_on_batches():
    """Short programs repay a compile's fixed cost slowly; long ones, and those mostly calls of the VM's scalar
    function, not at all."""
    def after(text):
        program = sg.grad(text).program
        return vm_batch.break_even_points(kernel_of(program).recipe()[1][1])  # the batch program
    rosenbrock = "+".join(f"100*(x{k + 1} - x{k}^2)^2 + (1 - x{k})^2" for k in range(1, 10))
    small, larger = after("(a*b - 1)^2"), after(rosenbrock)
    assert small > larger > 100_000  # a short program repays the fixed cost of a compile slowly
    with mock.patch.object(vm_batch, "BATCH_LIMIT", 10):
        assert after(rosenbrock) == 0  # too long: compiling it would take too long
    assert after("+".join(f"softplus(x{k})*x{k + 1}*cbrt(x{k})" for k in range(1, 9))) == 0  # mostly the VM's calls
    calls = "+".join(f"exp(x{k})*sin(x{k + 1})" for k in range(1, 9))
    dearer = after(calls)  # calls cost more to compile than arithmetic
    assert dearer > 0  # functions it calls itself
    with mock.patch.object(vm_batch, "COMPILE_PER_CALL", 0.0):
        assert after(calls) < dearer
    import numba
    with mock.patch.object(numba.config, "USING_SVML", True):  # the VM's loops would not give native code's bits
        assert after(rosenbrock) == 0


def test_native_batches_take_arrays_as_users_pass_them(monkeypatch):
    """Through the public functions: indexed inputs with batch axes (one address per element), 2-D batches,
    Fortran order, strided and broadcast arrays, data shared by every point -- native code gives the VM's bits."""
    compile_native, made = vm_batch.compile_native, []  # each compile's native code
    monkeypatch.setattr(vm_batch, "compile_native", lambda ir, host=False: made.append(compile_native(ir, host))
                        or made[-1])

    def both(make):  # the tier forced on, and off
        with mock.patch.object(vm_batch, "break_even_points", lambda prog: 1):
            fast = make()
        with mock.patch.object(vm_batch, "break_even_points", lambda prog: 0):
            return fast, make()

    rng = np.random.default_rng(8)
    text = "sum((y[k] - a*x[k] - b*x[k]^2)^2 + where(x[k] > a, -x[k], x[k]/b), k, 0, n-1)"
    fast, vm_only = both(lambda: sg.grad(text, wrt=["a", "b"], n=4).lambdify(backend="vm"))
    plain = sg.grad(text, wrt=["a", "b"], n=4).lambdify()
    calls = [dict(a=rng.normal(size=(2, 3)), b=rng.normal(size=(2, 3)), x=rng.normal(size=(4, 2, 3)),
                  y=np.asfortranarray(rng.normal(size=(4, 2, 3)))),
             dict(a=rng.normal(size=9), b=rng.normal(size=9), x=rng.normal(size=(9, 4)).T, y=rng.normal(size=(4, 1))),
             dict(a=rng.normal(size=(3, 1)), b=rng.normal(size=(1, 5)), x=rng.normal(size=(4, 3, 5)),
                  y=rng.normal(size=(4, 3, 5))[..., ::-1]),
             dict(a=rng.normal(size=7), b=0.5, x=rng.normal(size=(4, 7)), y=rng.normal(size=(4, 7)))]  # shared b
    for kwargs in calls * 2:  # the first round compiles each pattern of shared inputs, the second reuses them
        got, want = fast(**kwargs), vm_only(**kwargs)
        for g, w, p in zip(got, want, plain(**kwargs)):
            same_bits(g, w)
            np.testing.assert_allclose(g, p, rtol=1e-12, atol=1e-12)
    g = sg.grad("a*b - b/c + c")  # the gradient holds an input (a) and a constant (1)
    fast, vm_only = both(lambda: g.lambdify(backend="vm"))
    arrays = [np.asfortranarray(rng.normal(size=(5, 3))), rng.normal(size=(10, 3))[::2], rng.normal(size=(1, 3))]
    for _ in range(2):
        for got, want in zip(fast(*arrays), vm_only(*arrays)):
            assert got.shape == (5, 3)
            same_bits(got, want)
    assert len(made) == 4 and all(made)  # every input per point, y shared, b shared; the second function's one


def test_native_batches_follow_numbas_processor_settings(monkeypatch):
    """``NUMBA_CPU_NAME`` (a wrong detection worked around, or code for other machines) holds for native code too."""
    from numba.core import config
    import llvmlite.binding as llvm
    from symgraph.backends import native
    monkeypatch.setattr(config, "CPU_NAME", "generic")
    monkeypatch.setattr(config, "CPU_FEATURES", None)
    assert native._processor(llvm) == ("generic", "")
    monkeypatch.setattr(config, "CPU_NAME", None)
    assert native._processor(llvm) == (llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten())
    monkeypatch.setattr(config, "CPU_NAME", "generic")
    assert_native_gives_the_vms_bits("100*(y - x^2)^2 + (1 - x)^2 + x/y")


CHAIN = "u = sin(x)*x + x^2/(1 + x^2); v = sin(u)*u + cos(y)*y; w = sin(v)*cos(v) + tan(v); w*u"


@pytest.mark.parametrize("segment", [1, 3, 32])
def test_sines_and_cosines_of_one_value_are_one_call_with_the_vms_bits(segment):
    """A gradient's forward sine and backward cosine of one value (and both at once, ``sin(v)*cos(v)``) are
    computed together where the C library has ``sincos``; a segment's cosine left for a later segment's
    sine crosses the cut through scratch, as any value does."""
    program = sg.grad(CHAIN, wrt=["x", "y"]).program
    with always():
        kernel = kernel_of(program)
    block = kernel.recipe()[1][1]  # the batch program
    body = block[vm_batch._HEADER:vm_batch._HEADER + 5 * int(block[0])].reshape(-1, 5).tolist()
    with mock.patch.object(native_ops, "SINCOS", True):
        pairs = native_ops.sine_pairs(body, vm_batch.CODES)
    assert len(pairs) == 8  # four values: x, u, y and v, each with a sine and a cosine
    columns = columns_for(2)
    columns[0][8:14] = [1e300, -1e22, 5e-324, np.pi, -np.pi / 2, 1e6]  # huge, tiny and exact multiples of pi
    before = batches(kernel, columns)
    with mock.patch.object(vm_batch, "SEGMENT", segment):
        assert kernel.native_batch()
    for got, want in zip(batches(kernel, columns), before):
        same_bits(got, want)


def test_sine_pairs_need_the_same_value():
    """A slot written again between a sine and a cosine holds another value: no pair; a pair needs one of each."""
    codes = vm_batch.CODES
    sin, cos, add = codes["sin"], codes["cos"], codes["add"]
    body = [[sin, 10, 5, 5, 5], [add, 5, 5, 6, 5], [cos, 11, 5, 5, 5],  # slot 5 rewritten: no pair
            [sin, 12, 6, 6, 6], [sin, 13, 6, 6, 6], [cos, 14, 6, 6, 6], [cos, 15, 6, 6, 6]]
    with mock.patch.object(native_ops, "SINCOS", True):
        assert native_ops.sine_pairs(body, codes) == {3: native_ops.PAIRED + 3, 5: native_ops.PAIRED + 3}
    with mock.patch.object(native_ops, "SINCOS", False):
        assert native_ops.sine_pairs(body, codes) == {}
