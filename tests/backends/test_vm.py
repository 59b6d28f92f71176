"""The VM backend against the NumPy one: every op, generated programs, shapes, layouts, fallbacks, the vector path."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import given, strategies as st

import symgraph as sg
from symgraph import ops
from symgraph.backends import vm, vm_assemble, vm_instructions, vm_jit
from symgraph.backends.compile import compile_program
from symgraph.ir.program import Program
from tests.backends.test_numba import EVERY_OP
from tests.helpers import bits
from tests.test_properties import PROPERTY

pytest.importorskip("numba")

MORE_OPS = ("where(a > 0, sqrt(a), 0) + max(a, b, 1) + min(a, b) + hypot(a, b) + atan2(a, b) + erf(a) + erfc(b)"
            " + cbrt(a) + floor(a) + ceil(b) + round(a) + log(b*b + 1, 3) + exp2(a) + log2(b*b + 1) + log10(b*b + 2)"
            " + log1p(a*a) + expm1(b) + sign(a) + asinh(a) + acosh(b*b + 1) + atanh(a/3) + heaviside(a, 0.5)"
            " + where(a > b and not (a < 0 or b >= 1), a, b) + where(a != b, 1, 0) + where(a == b, a, 2)"
            " + where(a <= 0.5, abs(a)^b, 3) + logsumexp(a, b) + clip(a, -1, 1) + a^0.5*b^-1 + 0^b")


def close(got, want):
    """Equal as NumPy's results up to rounding: libm and NumPy's SIMD loops differ in the last bits."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    scale = 1e-9 * (1 + np.nanmax(np.abs(np.where(np.isfinite(want), want, 0)), initial=0))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=scale, equal_nan=True)


def test_every_op_of_the_table_has_an_instruction():
    built_in = set(ops.OPS) - set(ops.USER)
    assert built_in <= set(vm_instructions.CODES), built_in - set(vm_instructions.CODES)


@pytest.mark.parametrize("text", [EVERY_OP, MORE_OPS])
def test_vm_matches_numpy_on_every_op(text):
    g = sg.grad(text)
    fast, plain = g.lambdify(backend="vm"), g.lambdify()
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-2, 2, 700), rng.uniform(-3, 3, 700)
    a[:5], b[:5] = [0.0, 1.0, -1.0, 0.5, 2.0], [0.0, 1.0, -1.0, 0.5, 1.0]  # ties, kinks and guarded branches
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = plain(a, b)
        for k in range(12):
            for x, y in zip(fast(float(a[k]), float(b[k])), plain(float(a[k]), float(b[k]))):
                assert isinstance(x, np.ndarray) and x.shape == () and x.dtype == np.float64
                close(x, y)
    for x, y in zip(fast(a, b), want):
        assert x.dtype == np.float64 and x.shape == (700,)
        close(x, y)


def test_branches_stay_nan_safe_and_quiet():
    f = sg.grad("where(x > 0, sqrt(x), 0) + where(x < 1, log(1 - x), x)", wrt=["x"]).lambdify(backend="vm")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (dx,) = f(np.array([-1.0, 0.0, 0.25, 1.0, 4.0]))
        (d1,) = f(-1.0)
    assert dx[0] == -0.5 and dx[1] == -1.0 and dx[3] == 1.5 and dx[4] == 1.25 and float(d1) == -0.5


def test_shapes_broadcasting_keywords_and_layouts():
    g = sg.grad("(a+b)*(b+1) + c", wrt=["a", "b", "c"])
    f, plain = g.lambdify(backend="vm"), g.lambdify()
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    cases = [(2.0, 1.0, 0.5), (2, 1, 0), (np.float64(2), np.array(1.0), [0.5]), (np.arange(3.0), 1.0, 2.0),
             (np.arange(3.0), np.ones((2, 3)), 0.0), (strided, strided.T[:1].T, 1), ([1, 2], (3, 4), np.array([5.0])),
             (np.ones((0, 3)), 1.0, 2.0), (np.arange(3.0), np.ones(3), np.arange(10.0)[2:5]),
             (np.array(2.0), np.array(1.0), np.array(0.5)), (np.ones(1), np.ones(1), np.ones(1)),
             (np.ones((2, 3)), np.arange(6.0).reshape(2, 3), np.zeros((2, 3))),
             (np.arange(3.0).astype(">f8"), np.ones(3), np.ones(3)), (np.ones(3), np.ones(3, dtype=np.float32), np.ones(3))]
    for args in cases:
        for x, y in zip(f(*args), plain(*args)):
            assert x.shape == y.shape and x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)
    da, db, dc = f(b=np.ones((2, 3)), a=np.arange(3.0), c=0)
    assert da.shape == (2, 3) and not np.shares_memory(da, db)
    with pytest.raises(sg.GraphError, match="do not broadcast"):
        f(np.ones(2), np.ones(3), 1.0)
    nested = compile_program(g.program, returns=("a", ("b", "a")), backend="vm")
    x, (y, z) = nested(1.0, np.array([2.0, 3.0]), 0.0)
    assert x.tolist() == z.tolist() == [3.0, 4.0] and y.tolist() == [6.0, 8.0] and not np.shares_memory(x, z)


@pytest.mark.parametrize("field", [None, 0])
def test_input_pointers_are_read_in_one_pass_or_through_ctypes(monkeypatch, field):
    if field is not None:  # an interpreter whose array objects keep the pointer elsewhere: ndarray.ctypes
        monkeypatch.setattr(vm_jit, "_FIELD", [field])
    base = np.arange(40.0).reshape(5, 8)
    arrays = [base, base[2], base[3, 1:], np.arange(3.0)[1:], np.empty(0), np.array(1.5)]
    assert vm.data_addresses(arrays).tolist() == [a.ctypes.data for a in arrays]
    f = sg.grad("a*b + c", wrt=["a", "b", "c"]).lambdify(backend="vm")
    assert [r.tolist() for r in f(base[0], base[1], base[2])] == [base[1].tolist(), base[0].tolist(), [1.0] * 8]


FIRST_FUNCTIONS_IN_THREADS = """
import sys, threading
import symgraph as sg
sys.setswitchinterval(1e-6)  # hand the interpreter from thread to thread as often as it can
start, failed = threading.Barrier(4), []
def make(k):
    start.wait()
    try:
        f = sg.grad(f"sin(a)*b^{k + 2}", wrt=["a", "b"]).lambdify(backend="vm")
        assert f(0.5, 1.0) == f(0.5, 1.0)
    except Exception as error:
        failed.append(repr(error))
threads = [threading.Thread(target=make, args=(k,)) for k in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print(failed)
"""


def test_threads_making_their_first_vm_functions_at_once():
    """The kernels are compiled (or loaded) on first need, replacing their helpers by compiled ones: in a
    fresh process, threads doing that at once raised numba's TypeError (a jit decorator on a jitted function)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", FIRST_FUNCTIONS_IN_THREADS], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_float32_dask_and_registered_functions_run_the_numpy_backend():
    g = sg.grad("sin(a)*b", wrt=["a", "b"])
    f, plain = g.lambdify(backend="vm"), g.lambdify()
    a32 = np.linspace(0, 1, 5, dtype=np.float32)
    for x, y in zip(f(a32, a32), plain(a32, a32)):  # float32 work is the NumPy backend's own
        assert x.dtype == np.float32
        np.testing.assert_array_equal(x, y)
    dask = pytest.importorskip("dask.array")
    lazy = f(dask.from_array(np.linspace(0, 1, 4), chunks=2), 2.0)
    assert type(lazy[0]).__module__.startswith("dask")
    np.testing.assert_allclose(lazy[0].compute(), 2 * np.cos(np.linspace(0, 1, 4)))
    sg.function("twice_vm", numpy=lambda x: 2 * x, derivatives=["2"])
    try:
        h = sg.grad("twice_vm(a)*a", wrt=["a"]).lambdify(backend="vm")
        assert "_prepare(" in h.source  # the NumPy backend's code: the VM cannot call Python
        assert float(h(3.0)[0]) == 12.0
    finally:
        ops.unregister("twice_vm")


def test_vector_functions_take_the_one_point_path():
    text = "100*(y - x^2)^2 + (1 - x)^2 + sin(w)*x"
    fast = sg.value_and_grad(text, wrt=["x", "y", "w"], vector=True, backend="vm")
    plain = sg.value_and_grad(text, wrt=["x", "y", "w"], vector=True)
    for point in (np.array([0.5, -1.0, 2.0]), [1.0, 2.0, 3.0], np.array([1, 2, 3]), np.array([1.0, 2, 3], np.float32)):
        (v1, g1), (v2, g2) = fast(point), plain(point)
        assert type(v1) is float and g1.shape == (3,) and g1.dtype == g2.dtype
        close(v1, v2)
        close(g1, g2)
    with pytest.raises(sg.GraphError, match="1-D vector of 3 values"):
        fast(np.zeros(4))
    x = np.array([0.5, -1.0, 2.0])
    (_, first), (_, second) = fast(x), fast(x)
    first[:] = 0.0  # each call's gradient is its own array
    assert np.array_equal(second, plain(x)[1]) or close(second, plain(x)[1]) is None
    scipy = pytest.importorskip("scipy.optimize")
    found = scipy.minimize(sg.value_and_grad("(x-1)^2 + 10*(y+2)^2", vector=True, backend="vm"), [0.0, 0.0],
                           jac=True, method="BFGS")
    np.testing.assert_allclose(found.x, [1.0, -2.0], atol=1e-4)


def test_registers_are_reused_and_constant_factors_merge():
    program = sg.grad("100*(y - x^2)^2 + (1 - x)^2", wrt=["x", "y"]).program
    code = vm.assemble(program, program.inputs, list(program.results))
    assert code.instructions < len(program.instructions)  # 2*(100*t) is one instruction, 200*t
    rows = [(f"t{i}", "sin", (f"t{i - 1}" if i else "x",)) for i in range(300)]
    chain = Program(["x"], rows, {"out": "t299"})  # sin(sin(...sin(x)))
    code = vm.assemble(chain, chain.inputs, ["out"])
    assert code.instructions == 300 and code.registers == 2  # values die and their registers serve again
    (value,) = compile_program(chain, backend="vm")(0.5)
    assert value == pytest.approx(compile_program(chain)(0.5)[0], rel=1e-14)
    assert "symgraph VM program" in sg.grad("x*y").lambdify(backend="vm").source


def test_the_schedule_keeps_a_sums_gradient_in_a_few_registers():
    """Reverse mode keeps every forward value for the backward sweep; walked from the results, the VM's
    program computes each just before its use, so Rosenbrock's gradient needs the same few registers at any n."""
    def registers(n):
        text = " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1, n))
        program = sg.grad(text, wrt=[f"x{i}" for i in range(1, n + 1)]).program
        return vm.assemble(program, program.inputs, list(program.results)).registers
    assert registers(50) == registers(500) <= 16  # was 2 n (every forward value live at once)
    both = sg.value_and_grad("sum((1 - x[i])^2 + 100*(x[i+1] - x[i]^2)^2, i, 1, n - 1)", n=300, vector=True,
                             backend="vm")
    assert int(both.source.split(" registers")[0].split()[-1]) <= 16  # the value grows term by term
    function = compile_program(sg.grad("sum((1 - x[i])^2 + 100*(x[i+1] - x[i]^2)^2, i, 1, n - 1)", n=400).program,
                               backend="vm")
    assert "registers" in function.source and int(function.source.split(" registers")[0].split()[-1]) <= 16


def test_a_value_beside_a_gradient_summing_its_terms_the_other_way_recomputes_them():
    """The value sums its terms first to last and the reverse sweep accumulates d/da and d/db last to first,
    so one program holds a residual per term between the two sums (3,003 registers at n = 3,000, 32 points
    a block); the value walked apart from the gradient, each computing its own residuals, keeps a few."""
    def assembled(n):
        both = sg.value_and_grad("sum((y[i]-a*x[i]-b*x[i+1]*x[i])^2, i, 0, n-2)", wrt=["a", "b"], n=n,
                                 backend="vm")
        header = both.source.splitlines()[0]
        registers = int(header.split(" registers")[0].split()[-1])
        return both, header, registers
    both, header, registers = assembled(3_000)
    assert registers <= 16 and f"{vm_assemble.MAX_WIDTH} points per block" in header and "in batches" in header
    assert assembled(4_000)[2] == registers  # the same few rows at any n (below 3,000 blocks are already wide)
    plain = sg.value_and_grad("sum((y[i]-a*x[i]-b*x[i+1]*x[i])^2, i, 0, n-2)", wrt=["a", "b"], n=3_000)
    rng = np.random.default_rng(3)
    a, b, x, y = rng.uniform(-1, 1, 300), rng.uniform(-1, 1, 300), rng.uniform(-1, 1, 3_000), rng.uniform(-1, 1, 2_999)
    got, want = both(a=a, b=b, x=x, y=y), plain(a=a, b=b, x=x, y=y)
    assert _bits([got[0], *got[1]]) == _bits([want[0], *want[1]])


def test_results_are_written_in_place_or_copied_on_every_block():
    """A result computed by an instruction is written into its row of the output; one that is an input, a
    constant or another result's value is copied -- on every block of a batch, the last one partial."""
    S = sympy.Integer
    rows = [("t1", "mul", ("x", "y")), ("t2", "sin", ("t1",)), ("t3", "add", ("t2", "t1")), ("k", "const", (S(3),))]
    program = Program(["x", "y"], rows, {"a": "t3", "b": "t1", "c": "t3", "d": "x", "e": "k", "f": "y", "g": "t1"})
    fast, plain = compile_program(program, backend="vm"), compile_program(program)
    x = np.linspace(-2.0, 2.0, 3 * vm_assemble.MAX_WIDTH + 7)
    for y in (0.5, x[::-1].copy(), np.float64(-1.5)):
        got, want = fast(x, y), plain(x, y)
        assert [g.shape for g in got] == [w.shape for w in want]
        close(np.stack(got), np.stack(want))
    assert _bits(fast(0.25, 2.0)) == _bits(plain(0.25, 2.0))


def test_every_fused_pair_computes_both_roundings():
    """Each arithmetic op whose value only the next instruction reads runs inside it, on either side of
    the second op: every pair gives NumPy's bits at a point and on a batch of several blocks."""
    first = {"add": ("x", "y"), "sub": ("x", "y"), "mul": ("x", "y"), "div": ("x", "y"), "neg": ("x",),
             "pow": ("x", sympy.Integer(2))}
    rows, results = [], {}
    for a, operands in first.items():
        for b in ("add", "sub", "mul", "div", "neg"):
            for side in ((0,) if b == "neg" else (0, 1)):
                t, u = f"{a}_{b}_{side}", f"r_{a}_{b}_{side}"
                rows.append((t, a, operands))
                rows.append((u, b, (t,) if b == "neg" else ((t, "z") if side == 0 else ("z", t))))
                results[u] = u
    program = Program(["x", "y", "z"], rows, results)
    code = vm.assemble(program, program.inputs, list(results))
    assert code.instructions == len(rows) // 2  # every pair fused
    fast, plain = compile_program(program, backend="vm"), compile_program(program)
    rng = np.random.default_rng(7)
    x, y, z = (rng.uniform(-3, 3, 2 * vm_assemble.MAX_WIDTH + 3) for _ in range(3))
    assert _bits(fast(x, y, z)) == _bits(plain(x, y, z))
    assert _bits(fast(0.75, -1.25, 3.5)) == _bits(plain(0.75, -1.25, 3.5))


def _bits(values):
    return [np.asarray(v, dtype=np.float64).tobytes() for v in values]


def test_the_peephole_is_the_numpy_writers_bit_for_bit():
    """Constant names, chains of factors, inexact merges, negations, max of many: the VM computes NumPy's bits."""
    S = sympy.Integer
    rows = [("k", "const", (S(3),)), ("h", "const", (sympy.Rational(1, 2),)),
            ("t1", "mul", ("x", "y")), ("t2", "mul", (S(2), "t1")), ("t3", "mul", ("k", "t2")),  # a const's name
            ("t4", "neg", ("t3",)), ("t5", "mul", (sympy.Float(0.1), "t4")),  # 0.1 * 6: inexact, computed apart
            ("t6", "mul", ("h", "y")), ("t7", "neg", ("t6",)), ("t8", "neg", ("t7",)),  # -(-(y/2)): an alias
            ("t9", "mul", (S(7), "t8")), ("t10", "max", ("t5", "t9", "x", S(1))), ("t11", "pow", ("x", S(2))),
            ("t12", "mul", (S(0), "t11")), ("t13", "mul", (S(-2), "t12")),  # 0 * -2: an exact zero, unsigned
            ("t14", "add", ("t10", "t13")), ("t15", "neg", ("k",)), ("t16", "mul", ("t15", "t14"))]
    program = Program(["x", "y"], rows, {"a": "t16", "b": "t9", "c": "k", "d": "x"})
    x, y = np.array([0.3, -1.7, 2.5, -0.0]), np.array([1.1, 0.4, -3.0, 2.0])
    fast, plain = compile_program(program, backend="vm"), compile_program(program)
    assert _bits(fast(x, y)) == _bits(plain(x, y))
    for i in range(4):
        assert _bits(fast(float(x[i]), float(y[i]))) == _bits(plain(float(x[i]), float(y[i])))
    huge = Program(["x"], [("t1", "mul", (S(2) ** 1000, "x")), ("t2", "mul", (S(2) ** 100, "t1"))], {"a": "t2"})
    assert np.isinf(compile_program(huge, backend="vm")(1.0)[0])  # 2^1100: beyond float64 either way


def test_programs_the_assembler_refuses_or_renumbers():
    early = Program(["x"], [("t1", "sin", ("t2",)), ("t2", "cos", ("x",))], {"a": "t1"})
    with pytest.raises(sg.GraphError, match="'t1' reads 't2'"):
        vm.assemble(early, ["x"], ["a"])
    missing = Program(["x"], [("t1", "sin", ("z",))], {"a": "t1"})
    with pytest.raises(sg.GraphError, match="'t1' reads 'z'"):
        vm.assemble(missing, ["x"], ["a"])
    with pytest.raises(sg.GraphError, match="neither an input nor computed"):
        vm.assemble(Program(["x"], [("t1", "sin", ("x",))], {"a": "t9"}), ["x"], ["a"])
    twice = Program(["x"], [("t", "sin", ("x",)), ("u", "mul", ("t", "t")), ("t", "cos", ("u",)),
                            ("v", "add", ("t", "u"))], {"a": "v"})  # t assigned twice: each read sees the one before
    (value,) = compile_program(twice, backend="vm")(0.7)
    assert value == np.cos(np.sin(0.7) ** 2) + np.sin(0.7) ** 2


def test_backend_options_are_checked():
    g = sg.grad("x*y")
    with pytest.raises(ValueError, match="choose 'numpy', 'vm' or 'numba'"):
        g.lambdify(backend="llvm")
    with pytest.raises(ValueError, match="parallel=True needs backend='numba'"):
        g.lambdify(backend="vm", parallel=True)


# --------------------------------------------------------------------------- generated programs

UNARY = ["sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "softplus", "atan", "cbrt", "erf",
         "floor", "sign", "log1p", "asinh"]
BINARY = ["+", "-", "*", "/", "^"]
CALLS2 = ["max", "min", "hypot", "atan2", "logsumexp"]
CONDITIONS = ["<", "<=", ">", ">=", "==", "!="]


@st.composite
def terms(draw, depth: int) -> str:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["x", "y", "z", "x", "y", "2", "0.5", "3"]))
    kind = draw(st.sampled_from(["bin", "bin", "unary", "call", "where"]))
    left = draw(terms(depth - 1))
    if kind == "unary":
        return f"{draw(st.sampled_from(UNARY))}({left})"
    right = draw(terms(depth - 1))
    if kind == "bin":
        return f"({left} {draw(st.sampled_from(BINARY))} {right})"
    if kind == "call":
        return f"{draw(st.sampled_from(CALLS2))}({left}, {right})"
    return f"where({left} {draw(st.sampled_from(CONDITIONS))} {right}, {draw(terms(depth - 1))}, {right})"


@PROPERTY
@given(text=terms(4), x=st.floats(-3, 3), y=st.floats(-3, 3), z=st.floats(0.1, 3), size=st.integers(1, 40),
       scalar=st.sampled_from(["x", "y", "z", None]))
def test_generated_programs_agree_with_numpy(text, x, y, z, size, scalar):
    """Gradients of generated programs: the VM gives NumPy's values at points and on arrays, scalars broadcast."""
    g = sg.grad(f"u = {text}; u*x + y*z", wrt=["x", "y", "z"])
    fast, plain = g.lambdify(backend="vm", args=["x", "y", "z"]), g.lambdify(args=["x", "y", "z"])
    rng = np.random.default_rng(size)
    arrays = {n: (v if n == scalar else v + rng.uniform(-1, 1, size)) for n, v in (("x", x), ("y", y), ("z", z))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for got, want in zip(fast(x, y, z), plain(x, y, z)):
            assert got.shape == () and got.dtype == np.float64
            close(got, want)
        for got, want in zip(fast(**arrays), plain(**arrays)):
            assert got.shape == (size,)
            close(got, want)


@PROPERTY
@given(text=terms(4), other=terms(3), x=st.floats(-3, 3), y=st.floats(-3, 3), z=st.floats(0.1, 3))
def test_every_batch_order_runs_each_needed_instruction_once_after_its_operands(text, other, x, y, z):
    """Each walk :func:`vm_assemble.walks` offers batches is a topological order of the instructions the results
    need, and its program (fused, slots allocated) gives the program's own order's bits: shared nodes,
    a value beside its gradient, a result repeated and an input as a result."""
    g = sg.grad(f"u = {text}; v = {other}; u*v + u*x + y*z", wrt=["x", "y", "z"])
    program = g.program
    labels = list(program.results)
    program = Program(program.inputs, program.instructions,
                      {**program.results, "again": program.results[labels[0]], "input": "x"})
    labels += ["again", "input"]
    code, consts, results, count = vm_assemble.numbered(program, program.inputs, labels)
    m, rows = len(program.inputs), code.reshape(-1, 5)
    producer = {int(t): k for k, t in enumerate(rows[:, 1])}
    needed, stack = set(), [producer[int(r)] for r in results if r >= m]
    while stack:
        k = stack.pop()
        if k not in needed:
            needed.add(k)
            stack.extend(producer[int(a)] for a in rows[k, 2:] if a >= m)
    plain = vm.assemble(program, program.inputs, labels)
    fuse, allocate, point = vm_jit._kernel("fuse"), vm_jit._kernel("allocate"), vm_jit._kernel("point")

    def run(prog):
        io = np.concatenate([consts, [x, y, z], np.zeros(prog[4] - len(consts) - m)])
        point(prog, io)
        return io[len(consts) + m:len(consts) + m + len(labels)]
    want = run(plain.prog)
    for walk in vm_assemble.walks(code, count, m, results):
        order = [int(k) for k in walk]
        assert sorted(order) == sorted(needed)
        position = {k: p for p, k in enumerate(order)}
        assert all(position[producer[int(a)]] < position[k] for k in order for a in rows[k, 2:] if a >= m)
        got = run(allocate(fuse(code, walk, count, m, results), count, len(consts), m, results))
        assert bits(list(got)) == bits(list(want))  # every nan alike: IEEE leaves a nan's sign open
    # the results in groups, each computing its own copy of what it needs: every copy a needed
    # instruction, each group's copies in a topological order, and the same bits in every walk of them
    for groups in ([(0, 1), (1, len(labels))], [(k, k + 1) for k in range(len(labels))]):
        apart, values, renamed = vm_assemble.separately(code, count, m, results, groups)
        copies = apart.reshape(-1, 5)
        made = {int(t): p for p, t in enumerate(copies[:, 1])}
        assert len(made) == len(copies)  # every copy a value of its own
        assert all(made[int(a)] < p for p, row in enumerate(copies) for a in row[2:] if a >= m)
        cones = 0
        for first, last in groups:
            cone, stack = set(), [producer[int(r)] for r in results[first:last] if r >= m]
            while stack:
                k = stack.pop()
                if k not in cone:
                    cone.add(k)
                    stack.extend(producer[int(a)] for a in rows[k, 2:] if a >= m)
            cones += len(cone)
        assert len(copies) == cones
        for walk in [np.arange(len(copies), dtype=np.int64)] + vm_assemble.walks(apart, values, m, renamed):
            assert sorted(int(k) for k in walk) == list(range(len(copies)))
            got = run(allocate(fuse(apart, walk, values, m, renamed), values, len(consts), m, renamed))
            assert bits(list(got)) == bits(list(want))

def test_operands_equal_to_a_name_but_other_string_objects_are_numbered_by_name():
    """The assembler finds operands by identity first; a program whose operands are equal strings made apart
    (as a program built from text or pickled may hold) is numbered by value, twice-assigned names too."""
    def fresh(name):
        return "".join(list(name))  # an equal string, another object

    same = Program(["xx", "yy"], [("t1", "mul", ("xx", "yy")), ("t2", "sin", ("t1",)), ("t3", "add", ("t2", "xx"))],
                   {"a": "t3", "b": "yy"})
    apart = Program([fresh("xx"), fresh("yy")], [(fresh("t1"), "mul", (fresh("xx"), fresh("yy"))),
                                               (fresh("t2"), "sin", (fresh("t1"),)),
                                               (fresh("t3"), "add", (fresh("t2"), fresh("xx")))],
                    {"a": fresh("t3"), "b": fresh("yy")})
    assert apart.instructions[0][2][0] is not apart.inputs[0]
    for a, b in zip(vm_assemble.numbered(same, ["xx", "yy"], ["a", "b"]), vm_assemble.numbered(apart, ["xx", "yy"], ["a", "b"])):
        np.testing.assert_array_equal(a, b)
    twice = Program(["xx"], [("tt", "sin", (fresh("xx"),)), ("uu", "mul", (fresh("tt"), "tt")),
                             (fresh("tt"), "cos", ("uu",)), ("vv", "add", ("tt", fresh("uu")))], {"a": "vv"})
    (value,) = compile_program(twice, backend="vm")(0.7)
    assert value == np.cos(np.sin(0.7) ** 2) + np.sin(0.7) ** 2
    with pytest.raises(sg.GraphError, match="neither an input nor computed"):
        vm.assemble(Program(["xx"], [("t1", "sin", ("xx",))], {"a": fresh("t9")}), ["xx"], ["a"])


def test_constants_are_numbered_by_value_once_per_distinct_object():
    """The assembler numbers each distinct constant object once and every use of it by NumPy; equal values
    made apart (Python numbers, sympy's) share one slot, as when one object is used throughout."""
    S = sympy.Integer

    def rows(big, half, big_again):
        return [("t1", "add", (big, "x")), ("t2", "pow", ("t1", half)), ("t3", "sub", (big_again, "t2")),
                ("t4", "mul", ("t3", 2.5)), ("t5", "add", ("t4", big)), ("t6", "mul", (S(3), "t5"))]

    shared = Program(["x"], rows(S(1000003), sympy.Rational(1, 2), S(1000003)), {"a": "t6", "b": S(1000003)})
    big, again = int("1000003"), int("1000003")
    assert big is not again
    apart = Program(["x"], rows(big, sympy.Rational(2, 4), again), {"a": "t6", "b": int("1000003")})
    for a, b in zip(vm_assemble.numbered(shared, ["x"], ["a", "b"]), vm_assemble.numbered(apart, ["x"], ["a", "b"])):
        np.testing.assert_array_equal(a, b)
    close(compile_program(apart, backend="vm")(0.25), compile_program(apart)(0.25))
    constant_only = Program(["x"], [], {"a": S(2), "b": "x"})  # no operand at all: the results alone
    assert compile_program(constant_only, backend="vm")(0.5) == (2.0, 0.5)
    hessian = sg.hessian("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", sparse=True, n=40)
    x = np.linspace(-1, 1, 40)
    close(hessian.lambdify(backend="vm").data(x), hessian.lambdify().data(x))


def test_getsource_shows_the_numpy_backends_source_made_only_when_asked(monkeypatch):
    """Was: inspect.getsource of a VM function showed the runner (def run(*values): return evaluate(values, False)),
    where the NumPy backend's shows the generated function."""
    import inspect
    import pickle
    made = []
    real = vm.NumpyFallback.__call__
    monkeypatch.setattr(vm.NumpyFallback, "__call__", lambda self: made.append(1) or real(self))
    for gradient, point in ((sg.grad("sin(x)*y"), (np.ones(2), 2.0)),
                            (sg.grad("sum(x[i]^2*c, i, 0, n-1)", n=3), (np.ones(3), 2.0))):
        numpy_form, vm_form = gradient.lambdify(), gradient.lambdify(backend="vm")
        vm_form(*point)
        str(inspect.signature(vm_form)), str(inspect.signature(vm_form.__wrapped__)), repr(vm_form)
        assert not made  # making, calling, its signatures and repr never generate the NumPy source
        source = inspect.getsource(vm_form)
        assert source == inspect.getsource(numpy_form) and source.startswith("def gradient(")
        assert "evaluate(values" not in source and len(made) == 1
        assert inspect.getsource(pickle.loads(pickle.dumps(vm_form))) == source
        made.clear()
    both = sg.value_and_grad("x*sin(y)", backend="vm", vector=True)
    assert inspect.getsource(both).startswith("def value_and_grad(")
