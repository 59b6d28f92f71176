"""The public surface read side by side: every derivative call takes progress=, properties called as methods say
so, the Jacobian's LaTeX names itself as the Hessian's does, indexed functions list what a user passes."""
import pytest

import symgraph as sg


def _recorder():
    seen = []
    return seen, lambda done, total: seen.append((done, total))


def _stages(seen):
    """The reports split where ``done`` starts again: one list per piece of work, each rising to its total."""
    stages, last = [], None
    for done, total in seen:
        if last is None or done < last[0] or total != last[1]:
            stages.append([])
        stages[-1].append((done, total))
        last = (done, total)
    return stages


def _rises_to_its_total(seen):
    stages = _stages(seen)
    assert stages, "no report"
    for stage in stages:
        assert [d for d, _ in stage] == sorted(d for d, _ in stage)
        assert stage[-1][0] == stage[-1][1] > 0
    return stages


@pytest.mark.parametrize("mode", ["forward-over-reverse", "reverse-over-forward", "forward-over-forward",
                                  "reverse-over-reverse", "edge-pushing"])
@pytest.mark.parametrize("sparse", [False, True])
def test_hessian_reports_its_sweeps(mode, sparse):
    seen, callback = _recorder()
    h = sg.hessian("x^2*y + sin(x*y) + z", wrt=["x", "y", "z"], mode=mode, sparse=sparse, progress=callback)
    stages = _rises_to_its_total(seen)
    assert len(stages) == (1 if mode == "edge-pushing" else 2)  # the gradient's sweeps, then those over its program
    if mode == "forward-over-reverse":
        assert stages[1] == [(1, 3), (2, 3), (3, 3)]  # one forward sweep per wrt input
    quiet = sg.hessian("x^2*y + sin(x*y) + z", wrt=["x", "y", "z"], mode=mode, sparse=sparse, progress=False)
    assert h.to_sympy() == quiet.to_sympy() if sparse else h == quiet


def test_directional_products_report_their_sweep():
    for call in (lambda p: sg.jvp("x*y + sin(x)", ["x", "y"], [1, 0], progress=p),
                 lambda p: sg.vjp(["x*y", "x+y"], ["x", "y"], [1, 2], progress=p)):
        seen, callback = _recorder()
        call(callback)
        assert len(_rises_to_its_total(seen)) == 1
    seen, callback = _recorder()
    product = sg.hvp("x^2*y", ["x", "y"], [1, 0], progress=callback)
    assert len(_rises_to_its_total(seen)) == 2  # the gradient's reverse sweep, then one forward sweep
    assert product == sg.hvp("x^2*y", ["x", "y"], [1, 0])


def test_vjp_reports_visits_as_the_sweep_goes():
    text = "\n".join(f"v{k + 1} = sin(v{k})*v{k}" if k else "v1 = sin(x)*x" for k in range(3000))
    seen, callback = _recorder()
    sg.vjp(text, ["x"], [1], progress=callback)
    assert len(seen) >= 2 and seen[0][0] < seen[0][1] and seen[-1][0] == seen[-1][1]


def test_hessp_reports_derivation_then_compiling():
    seen, callback = _recorder()
    hp = sg.hessp("x^2*y", ["x", "y"], progress=callback)
    assert len(_rises_to_its_total(seen)) == 3  # gradient, forward sweep, compiling
    assert hp([1.0, 2.0], [1.0, 0.0]).tolist() == [4.0, 2.0]


def test_progress_true_shows_bars(capsys):
    pytest.importorskip("tqdm")
    sg.hessian("x^2*y", progress=True)
    err = capsys.readouterr().err
    assert "reverse mode" in err and "forward mode" in err
    sg.jvp("x*y", ["x", "y"], [1, 0], progress=True)
    assert "forward mode" in capsys.readouterr().err


@pytest.mark.parametrize("call", [
    lambda p: sg.hessian("x^2*y", progress=p), lambda p: sg.hessian("x^2*y", mode="edge-pushing", progress=p),
    lambda p: sg.jvp("x*y", ["x", "y"], [1, 0], progress=p), lambda p: sg.vjp("x*y", ["x"], [1], progress=p),
    lambda p: sg.hvp("x*y", ["x", "y"], [1, 0], progress=p), lambda p: sg.hessp("x*y", ["x", "y"], progress=p)])
@pytest.mark.parametrize("bad", ["yes", 3, lambda: None])
def test_bad_progress_is_refused_before_any_work(call, bad):
    with pytest.raises(sg.ArgumentError, match="progress"):
        call(bad)


@pytest.mark.parametrize("read, called", [
    (lambda: sg.parse("x*y").inputs, "g.inputs"), (lambda: sg.parse("x*y").outputs, "g.outputs"),
    (lambda: sg.parse("sum(x[i]^2, i, 0, 2)").inputs, "g.inputs"),
    (lambda: sg.grad("x*y").program, "result.program"), (lambda: sg.grad("x*y").cost, "result.cost"),
    (lambda: sg.grad("x*y").wrt, "result.wrt"), (lambda: sg.grad("x*y").labels, "result.labels"),
    (lambda: sg.grad("x*y").program.inputs, "program.inputs"),
    (lambda: sg.hessian("x^2*y").wrt, "result.wrt"), (lambda: sg.hessian("x^2*y", sparse=True).wrt, "result.wrt"),
    (lambda: sg.jacobian(["x*y", "x"]).wrt, "result.wrt")])
def test_a_property_called_as_a_method_says_so(read, called):
    value = read()
    with pytest.raises(sg.ArgumentError, match=rf"{called.replace('.', '[.]')} is a property .*not a method: "
                                               rf"write {called.replace('.', '[.]')}, without \(\)"):
        value()


def test_the_name_tuples_stay_tuples():
    import pickle
    g = sg.parse("c = a + b; e = c*b")
    assert g.inputs == ("a", "b") and g.outputs == ("e",) and repr(g.inputs) == "('a', 'b')"
    assert isinstance(g.inputs, tuple) and hash(g.inputs) == hash(("a", "b")) and g.inputs[1:] == ("b",)
    again = pickle.loads(pickle.dumps(g))
    assert again.inputs == g.inputs and again.outputs == g.outputs
    gradient = sg.grad(g)
    assert gradient.wrt == ("a", "b") and list(gradient) == ["a", "b"]
    assert sg.grad(g, wrt=g.inputs) == gradient  # a property's tuple passed back in as wrt
    assert sg.grad(g).program.evaluate(a=1, b=2) == {"a": 2.0, "b": 5.0}


def _cli(capsys, *argv):
    from symgraph.cli import main
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_jacobian_latex_is_the_libraries_equation(capsys):
    status, out, _ = _cli(capsys, "jacobian", "x*y", "x+y", "--latex")
    assert status == 0 and out.splitlines()[-1] == sg.jacobian(["x*y", "x+y"]).latex()


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_an_unused_wrt_name_is_a_parameter_of_an_indexed_function_as_of_a_scalar_one(backend):
    import inspect
    import numpy as np
    if backend == "vm":
        pytest.importorskip("numba")
    scalar = sg.grad("x0^2 + x1^2", wrt=["x0", "x1", "y"], allow_unused=True).lambdify(backend=backend)
    indexed = sg.grad("sum(x[i]^2, i, 0, n-1)", wrt=["x", "y"], allow_unused=True, n=2).lambdify(backend=backend)
    assert str(inspect.signature(scalar)) == "(x0, x1, y=0.0)"
    assert str(inspect.signature(indexed)) == "(x, y=0.0)"  # y was left out: indexed(x, y) refused y
    dx, dy = indexed([1.0, 2.0], 5.0)
    assert dx.tolist() == [2.0, 4.0] and dy == 0.0
    assert indexed([1.0, 2.0])[1] == 0.0 and indexed(x=[1.0, 2.0], y=np.ones(3))[1].tolist() == [0.0] * 3
    gradient = sg.grad("sum(x[i]^2, i, 0, n-1)", wrt=["x", "y"], allow_unused=True, n=2)
    assert gradient.at(x=[1, 2], y=3) == {"x[0]": 2.0, "x[1]": 4.0, "y": 0.0}
    both = sg.value_and_grad("sum(x[i]^2*c, i, 0, n-1)", wrt=["x", "z"], allow_unused=True, n=2, backend=backend)
    assert str(inspect.signature(both)) == "(x, c, z=0.0)"
    assert str(inspect.signature(sg.hessian("sum(x[i]^2*c, i, 0, n-1)", wrt=["x", "y"], allow_unused=True, n=2)
                                 .lambdify(backend=backend))) == "(x, c, y=0.0)"


def test_unused_names_of_an_indexed_function_stay_refused_where_they_must():
    import inspect
    gradient = sg.grad("sum(x[i]^2, i, 0, n-1)", wrt=["x", "y"], allow_unused=True, n=2)
    f = gradient.lambdify()
    with pytest.raises(sg.ArgumentError, match="takes 2 positional arguments but 3"):
        f([1.0, 2.0], 1.0, 2.0)
    with pytest.raises(sg.ArgumentError, match="unexpected keyword"):
        f([1.0, 2.0], w=1.0)
    # an element beyond the input's extent, or of an input the function lacks, is no parameter name
    assert str(inspect.signature(sg.grad("sum(x[i]^2, i, 0, n-1)", wrt=["x", "x[5]", "y[0]"], allow_unused=True,
                                         n=2).lambdify())) == "(x)"
    with pytest.warns(sg.UnusedWrtWarning):  # the warning is as a scalar function's
        sg.grad("sum(x[i]^2, i, 0, n-1)", wrt=["x", "y"], n=2)


@pytest.mark.parametrize("call", [lambda: sg.grad("e^x"), lambda: sg.parse("e^(2*t) + 1"),
                                  lambda: sg.hessian("e**x*y"), lambda: sg.to_latex("e^x")])
def test_e_to_a_varying_power_is_a_reading_warning_from_python(call):
    """Was: the command line noted that e is a variable (e^x is not the exponential); from Python nothing did."""
    with pytest.warns(sg.ReadingWarning, match=r"e is a variable here.*write exp\(x\)") as said:
        call()
    assert len(said) == 1 and said[0].filename == __file__  # once, at the caller's line
    assert issubclass(sg.ReadingWarning, sg.SymgraphWarning)


def test_a_function_run_into_its_name_is_a_reading_warning_too():
    with pytest.warns(sg.ReadingWarning, match=r"sinx is one name here.*write sin\(x\)"):
        sg.grad("x^2*sinx")


@pytest.mark.parametrize("text", ["e^2 + x", "c = a + b; d = b + 1; e = c * d", "exp(x)", "x^e", "cost*w",
                                  "sum(x[i]^2, i, 0, 3)", "sinx"])
def test_texts_meant_as_written_get_no_reading_warning(text):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sg.parse(text)
    import sympy
    with warnings.catch_warnings():  # a sympy E is Euler's number: nothing to say
        warnings.simplefilter("error")
        sg.grad(sympy.exp(sympy.Symbol("x")))


def test_the_command_line_says_it_once_even_when_the_call_fails(capsys):
    status, out, err = _cli(capsys, "grad", "e^x")
    assert status == 0 and err.count("e is a variable here") == 1 and err.startswith("symgraph: note: ")
    assert "Warning" not in err  # as a note, not Python's warning line
    status, out, err = _cli(capsys, "grad", "e^x", "--at", "x=1")  # e has no value: the note says why
    assert status == 2 and err.count("symgraph: note: e is a variable here") == 1 and "no value for e" in err


@pytest.mark.parametrize("argv", [["grad", "x*yy + sin(x)", "--at", "x=1", "yy=2"], ["grad", "x*yy + sin(x)"],
                                  ["hessian", "x^2*yy"], ["hessian", "x^2*yy", "--at", "x=1", "yy=2"],
                                  ["hessian", "x^2*yy", "--at", "x=1", "yy=2", "--latex"],
                                  ["jacobian", "x*yy", "x", "--at", "x=1", "yy=2"],
                                  ["jacobian", "x*yy", "x", "--at", "x=1", "yy=2", "--latex"],
                                  ["grad", "x*yy", "--at", "x=1", "yy=2", "--latex"]])
def test_the_command_lines_labels_stand_in_one_column(argv, capsys):
    """Was: ``df/dx = ...`` beside ``df/dyy = ...``: the = of each line where its label ended."""
    status, out, _ = _cli(capsys, *argv)
    rows = [line for line in out.splitlines() if line.startswith("d") and " = " in line]
    assert status == 0 and len(rows) >= 2
    assert len({line.index(" = ") for line in rows}) == 1, rows  # the first = of every line in one column
    assert any(line.split(" = ")[0].endswith(" ") for line in rows)  # a shorter label padded


def test_compare_order_2_reports_progress_per_strategy():
    """Was: compare(order=2, progress=...) took the callback and never called it (nor checked it)."""
    seen, callback = _recorder()
    report = sg.compare("x^2*y + sin(x*y)", order=2, progress=callback)
    assert seen == [(k, 5) for k in range(1, 6)] and len(report) == 5
    with pytest.raises(sg.ArgumentError, match="progress"):
        sg.compare("x^2*y", order=2, progress="yes")
