"""The VM's native tier: one point as native code, bit for bit the VM's values, switched to when it pays."""
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import symgraph as sg
from symgraph.backends import native, vm, vm_point
from tests.backends.test_native_batch import WRITTEN_OPS, same_bits
from tests.backends.test_numba import EVERY_OP
from tests.backends.test_vm import MORE_OPS, terms
from tests.test_properties import PROPERTY

pytest.importorskip("numba")
pytest.importorskip("llvmlite")


def kernels(text, wrt=None):
    """The VM's kernel of ``text``'s gradient program, and the program."""
    program = sg.grad(text, wrt=wrt).program
    kernel, _ = vm.vm_kernel(program, program.inputs, list(program.results), fallback=lambda: None)
    return kernel, program


def points(kernel, rows):
    """The kernel's one-point results at each row of ``rows``, as one array."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([kernel.point(np.asarray(row, dtype=float)) for row in rows])


@pytest.mark.parametrize("text", [EVERY_OP, MORE_OPS, WRITTEN_OPS])
def test_native_code_gives_the_vms_bits_on_every_op(text):
    kernel, program = kernels(text)
    rng = np.random.default_rng(3)
    rows = rng.uniform(-2, 2, (40, len(program.inputs)))
    rows[:7] = np.array([0.0, 1.0, -1.0, 0.5, -0.0, np.nan, np.inf])[:, None]  # ties, kinks, zeros, nan, inf
    before = points(kernel, rows)
    assert kernel.native()
    same_bits(points(kernel, rows), before)


@PROPERTY
@given(text=terms(4), x=st.floats(-3, 3), y=st.floats(-3, 3), z=st.floats(0.1, 3))
def test_native_code_gives_the_vms_bits_on_generated_programs(text, x, y, z):
    """Shared nodes, a value beside its gradient, a result repeated and an input as a result."""
    _, program = kernels(f"u = {text}; u*x + y*z + u", wrt=["x", "y", "z"])
    labels = list(program.results)
    program = type(program)(program.inputs, program.instructions,
                            {**program.results, "again": program.results[labels[0]], "input": "x"})
    kernel, _ = vm.vm_kernel(program, program.inputs, labels + ["again", "input"], fallback=lambda: None)
    rows = [[x, y, z], [y, z, x], [0.0, 0.0, 1.0]]
    before = points(kernel, rows)
    assert kernel.native()
    same_bits(points(kernel, rows), before)


def test_the_point_tier_goes_native_once_the_calls_have_paid_for_it(monkeypatch):
    monkeypatch.setattr(vm_point, "break_even_calls", lambda instructions: 5)
    g = sg.grad("(y - a*x)^2 + sin(a)*x", wrt=["a", "x"])
    f = g.lambdify(backend="vm")
    args = dict(a=0.7, x=2.0, y=1.0)
    want = g.lambdify()(**args)
    tier = f.__wrapped__.native.__self__
    assert tier.native is None
    for call in range(1, 8):
        got = f(**args)
        assert tier.calls == min(call, 5) and (tier.native is not None) == (call >= 5)
        np.testing.assert_allclose(got, want, rtol=1e-12)
    f(a=np.array([0.7, 0.1]), x=2.0, y=1.0)  # batches stay on the VM and do not count
    assert tier.calls == 5
    copy = pickle.loads(pickle.dumps(f))  # a copy starts on the VM again: native code is not data
    assert copy.__wrapped__.native.__self__.native is None
    np.testing.assert_allclose(copy(**args), want, rtol=1e-12)


def test_a_failed_compile_warns_once_and_the_vm_runs_on(monkeypatch):
    def broken(ir):
        raise RuntimeError("no code generator for this machine")
    monkeypatch.setattr(vm_point, "compile_native", broken)
    kernel, program = kernels("sin(a)*b + a^3", wrt=["a", "b"])
    with pytest.warns(RuntimeWarning, match="native code for one point failed.*no code generator"):
        assert not kernel.native()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not kernel.native()  # not tried again
        np.testing.assert_allclose(kernel.point(np.array([0.5, 2.0])), [np.cos(0.5) * 2 + 0.75, np.sin(0.5)])
    again, _ = kernels("sin(a)*b + a^3", wrt=["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning raised as an error still leaves the VM in charge, once
        with pytest.raises(RuntimeWarning):
            again.native()
        assert not again.native()


def test_the_break_even_rule_and_the_size_limit():
    assert native.break_even_calls(0) == 0 and native.break_even_calls(native.NATIVE_LIMIT + 1) == 0
    small, large = native.break_even_calls(100), native.break_even_calls(10_000)
    assert small > large > 1_000  # a small program repays the fixed cost of a compile slowly
    kernel, _ = kernels("+".join(f"sin(x{k})*x{k + 1}" for k in range(native.NATIVE_LIMIT // 2)))
    assert kernel.native.__self__.prog[0] > native.NATIVE_LIMIT
    assert not kernel.native()  # too long: straight-line code would be no faster than the VM



def test_native_code_in_a_reference_cycle_is_freed_without_crashing():
    """A cyclic collection finalises what it frees in any order: its LLVM context freed before the engine
    owning its module crashed the process (a compiled function held by an object that refers to itself)."""
    import subprocess
    import sys
    script = ("import gc\n"
              "from symgraph.backends.native import NativeFunction\n"
              "for _ in range(50):\n"
              "    holder = {'code': NativeFunction('define void @f(double* %r) {\\n  ret void\\n}\\n')}\n"
              "    holder['self'] = holder\n"
              "    del holder\n"
              "    gc.collect()\n"
              "print('freed')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "freed", done.stderr[-2000:]
