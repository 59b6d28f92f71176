"""Compiling one result again reuses what its backend made of the program, and never a stale one."""
import inspect

import numpy as np
import pytest

import symgraph as sg
from symgraph.backends import reuse


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_a_second_lambdify_reuses_the_programs_code_and_makes_its_own_function(backend):
    g = sg.grad("sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)", n=30)
    first, second = g.lambdify(backend=backend), g.lambdify(backend=backend)
    assert first is not second and first.__wrapped__ is not second.__wrapped__  # wrappers (and their state) apart
    assert len(reuse._MADE[g.program]) == 1
    point = np.linspace(-1, 1, 30)
    assert np.array_equal(first(point), second(point))
    if backend == "numpy":
        assert inspect.unwrap(first) is inspect.unwrap(second)  # one compiled source
        g.lambdify(xp=np)  # other options: made for them
        assert len(reuse._MADE[g.program]) == 2


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_a_program_changed_in_place_is_compiled_again(backend):
    g = sg.grad("x*y + x", wrt=["x", "y"])
    program = g.program
    assert [float(v) for v in g.lambdify(backend=backend)(2.0, 3.0)] == [4.0, 2.0]
    label = next(iter(program.results))
    program.results[label] = program.results["y"]  # d/dx now reads x
    assert [float(v) for v in g.lambdify(backend=backend)(2.0, 3.0)] == [2.0, 2.0]
    target, op, args = program.instructions[-1]
    program.instructions[-1] = (target, op, args)  # an equal instruction: still the same program
    assert [float(v) for v in g.lambdify(backend=backend)(2.0, 3.0)] == [2.0, 2.0]


def test_a_program_calling_a_registered_function_compiles_the_callable_registered_now(define):
    define("twice_reused", numpy=lambda u: 2 * u, derivatives=["2"])
    g = sg.grad("twice_reused(x)*x", wrt=["x"])
    assert float(g.lambdify()(3.0)[0]) == 12.0
    define("twice_reused", numpy=lambda u: 3 * u, derivatives=["2"])  # registered again: another callable
    assert float(g.lambdify()(3.0)[0]) == 15.0  # 3*x + 2*x
