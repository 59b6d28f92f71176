"""Regressions of rough edges: the CLI's @FILE and --at, compare and hessp at scale, sympy symbols and wrt."""
import pytest

import symgraph as sg
from symgraph.ad.modes import run_mode
from symgraph.backends.compile import compile_program
from symgraph.ir.program import Program

# --------------------------------------------------------------------------- work linear in the entries


@pytest.mark.parametrize("mode", ["forward", "reverse", "paths", "elimination"])
def test_every_mode_stores_only_the_nonzero_entries(mode):
    """Was: the path sum and elimination stored a 0 for every (output, wrt) pair no path joins, so
    n functions of one input each made n x n entries (compare on 2,000 functions took 141 s)."""
    graph = sg.parse([f"x{i}*y" for i in range(30)])
    result, _ = run_mode(graph, graph.outputs, list(graph.inputs), mode, False)
    assert len(result.derivatives) == 60 and all(ref != 0 for ref in result.derivatives.values())
    assert result.entry(graph.outputs[0], "x1") == 0 and result.entry(graph.outputs[0], "y") == "x0"


def test_compare_builds_no_dense_jacobian(monkeypatch):
    """Was: compare derived the dense Jacobian in every mode, 10^10 zero entries for 100,000 functions of one
    input each, though its figures count only the program's operations."""
    import sys
    compare_module = sys.modules["symgraph.compare"]  # the module; sg.compare is its function
    sizes = []
    real = compare_module.jacobian_program

    def spy(*args, **kwargs):
        program, cost = real(*args, **kwargs)
        sizes.append(len(program.results))
        return program, cost

    monkeypatch.setattr(compare_module, "jacobian_program", spy)
    report = sg.compare([f"sin(x{i})*y" for i in range(40)])
    assert sizes == [80] * 4
    assert report["reverse"].sweeps == 40 and report["forward"].sweeps == 41
    dense = sg.jacobian([f"sin(x{i})*y" for i in range(40)])
    assert all(report[mode].program_ops == dense.program.ops for mode in report)


class _Counted(tuple):
    """A tuple that counts how often it is searched."""
    searched = 0

    def __contains__(self, item):
        type(self).searched += 1
        return super().__contains__(item)


def test_unused_wrt_names_are_not_searched_once_per_input():
    """Was: compiling a derivative with m unused wrt names searched the tuple of them once per input (and
    once per name in args), m^2 string comparisons: hessp with 100,000 unused names took minutes."""
    gradient = sg.grad("x*y", wrt=["x", "y", "z", "w"], allow_unused=True)
    program = gradient.program
    assert program.unused == ("z", "w")
    counted = Program(program.inputs, program.instructions, program.results, program.graph)
    counted.unused = _Counted(program.unused)
    _Counted.searched = 0
    fn = compile_program(counted, name="gradient", returns=tuple(program.results), args=["y", "x"])
    counted.as_graph()
    assert _Counted.searched == 0
    assert [float(v) for v in fn(2.0, 3.0)] == [2.0, 3.0, 0.0, 0.0]
