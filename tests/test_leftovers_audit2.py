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


# --------------------------------------------------------------------------- the command line


def _call(capsys, *argv):
    from symgraph.cli import main
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("command", [["grad", "x*y"], ["hessian", "x*y"], ["jacobian", "x*y", "x+y"]])
def test_at_takes_a_wrt_name_the_expression_lacks_as_at_does(capsys, command):
    """Was: `--wrt x z --at x=2 y=3 z=1` refused z as no input, while grad(...).at(z=1) takes it (its derivative is
    0 and its value unused); the derivative's parameters are the same on both sides now."""
    status, out, err = _call(capsys, *command, "--wrt", "x", "z", "--at", "x=2", "y=3", "z=1", "--allow-unused")
    assert status == 0 and err == "", err
    assert "0    = 0" in out
    python = sg.grad("x*y", wrt=["x", "z"], allow_unused=True).at(x=2, y=3, z=1)
    assert python == {"x": 3.0, "z": 0.0}
    status, out, err = _call(capsys, "grad", "x*y", "--wrt", "x", "z", "--at", "x=2", "y=3", "z=1", "--json",
                             "--allow-unused")
    assert status == 0 and __import__("json").loads(out)["gradient_values"] == python
    status, _, err = _call(capsys, *command, "--wrt", "x", "--at", "x=2", "y=3", "z=1")  # z no wrt name: refused
    assert status == 2 and "--at z: 'z' is not an input of the expression (inputs: x, y)" in err
    status, _, err = _call(capsys, *command, "--wrt", "x", "z", "--at", "x=2", "y=3", "z=[1, 2]", "--allow-unused")
    assert status == 2 and "--at z takes one number, got a list" in err


def test_explore_at_takes_a_wrt_name_the_expression_lacks():
    """Was: explore(f, at={..., "z": 1}, wrt=["x", "z"]) said z is not an input (and so did the command)."""
    page = sg.explore("x*y", at={"x": 2, "y": 3, "z": 1}, wrt=["x", "z"], allow_unused=True)
    assert page.html == sg.explore("x*y", at={"x": 2, "y": 3}, wrt=["x", "z"], allow_unused=True).html
    with pytest.raises(sg.GraphError, match="z is not an input"):
        sg.explore("x*y", at={"x": 2, "y": 3, "z": 1}, wrt=["x"])


@pytest.mark.parametrize("content, why", [
    (None, "no such file"),
    ("dir", "it is a directory, not a file"),
    (b"\xff\xfex", "it is not UTF-8 text (byte 0 is 0xff)"),
    (b"", "it is empty"),
    (b" \n\t\n", "it holds only white space, no expression"),
])
def test_an_expression_file_that_cannot_be_read_is_named_with_why(capsys, tmp_path, content, why):
    """Was: an empty file gave 'empty expression (at position 0)' and a caret under nothing, naming no file."""
    path = tmp_path / "f.txt"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    status, out, err = _call(capsys, "grad", f"@{path}")
    assert (status, out, err) == (2, "", f"symgraph: cannot read the expression file @{path}: {why}\n")


def test_an_unreadable_expression_file_is_named(capsys, tmp_path, monkeypatch):
    """Was: 'Permission denied: f.txt' and, for the jacobian's second file, no word of which argument failed."""
    from pathlib import Path
    path = tmp_path / "f.txt"
    path.write_text("x*y")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    status, _, err = _call(capsys, "jacobian", "x", f"@{path}")
    assert (status, err) == (2, f"symgraph: cannot read the expression file @{path}: permission denied\n")


# --------------------------------------------------------------------------- sympy symbols


def test_a_wrt_symbol_other_than_the_functions_own_of_its_name_is_refused():
    """Was: grad(x**2, wrt=[Symbol('x', positive=True)]) gave 2*x, read by the name alone, where sympy's diff
    gives 0 (two variables); a Dummy('x') in f and Symbol('x') in wrt alike."""
    import sympy
    x, positive, dummy = sympy.Symbol("x"), sympy.Symbol("x", positive=True), sympy.Dummy("x")
    with pytest.raises(sg.ArgumentError, match=r"wrt Symbol\('x', positive=True\) is not the function's symbol "
                                               r"named 'x', Symbol\('x'\)"):
        sg.grad(x**2, wrt=[positive])
    with pytest.raises(sg.ArgumentError, match="Dummy"):
        sg.hessian(dummy**3, wrt=x)
    assert sg.grad(dummy**2, wrt=[dummy])["x"] == 2 * dummy and sg.grad(x**2, wrt=["x"])["x"] == 2 * x
    assert sg.grad("x^2", wrt=[positive])["x"] == 2 * x  # text has no symbols: the name is all there is


# --------------------------------------------------------------------------- odd but legal arguments


def test_generators_of_seeds_and_wrt_names_are_read_once():
    """Was: a generator of seeds was one seed ('v has 1 component(s) but there are 2'), a map object 'no number
    or name', and a generator of wrt names was read empty the second time (the seeds of an indexed input by
    name, the args of value_and_grad(vector=True): 'wrt [...] differs from args []')."""
    assert sg.hvp("x^2*y", ["x", "y"], (v for v in [1, 0])) == sg.hvp("x^2*y", ["x", "y"], [1, 0])
    assert sg.jvp("x*y", ["x", "y"], iter([1, 0])) == sg.jvp("x*y", ["x", "y"], [1, 0])
    assert sg.vjp(["x*y"], ["x", "y"], map(int, "1")) == sg.vjp(["x*y"], ["x", "y"], [1])
    f = "sum(x[i]*y, i, 0, 2)"
    assert sg.jvp(f, (w for w in ["x", "y"]), [[1, 0, 0], 1]) == sg.jvp(f, ["x", "y"], [[1, 0, 0], 1])
    fn = sg.value_and_grad("x*y", args=(a for a in ["y", "x"]), vector=True)
    assert fn([1.0, 2.0])[1].tolist() == [2.0, 1.0]
