"""The symgraph command: every subcommand in-process and through ``python -m symgraph``, exit codes, errors."""
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

import symgraph as sg
from symgraph.cli import EXAMPLES, main, parse_point, protect_expressions
from symgraph.hessian import STRATEGIES
from tests.helpers import ROOT

#: the installed command imports symgraph from this checkout, whatever is installed
CHECKOUT = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def run(*argv, stdin=None):
    """``python -m symgraph ARGV`` from the project root: (exit status, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "symgraph", *argv], capture_output=True, text=True,
                          input=stdin, cwd=ROOT, timeout=120)
    return done.returncode, done.stdout, done.stderr


def call(capsys, *argv):
    """``main(ARGV)`` in-process: (exit status, stdout, stderr)."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def no_traceback(err):
    return "Traceback" not in err and "File \"" not in err


# --------------------------------------------------------------------------- acceptance

def test_acceptance_grad_text(capsys):
    status, out, err = call(capsys, "grad", "(a+b)*(b+1)", "--wrt", "a", "b", "--at", "a=2", "b=1")
    assert status == 0 and err == ""
    assert out.splitlines() == ["df/da = b + 1          = 2", "df/db = a + 2*b + 1    = 5"]


def test_acceptance_grad_json_subprocess():
    status, out, err = run("grad", "(a+b)*(b+1)", "--wrt", "a", "b", "--at", "a=2", "b=1", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert data["gradient"] == {"a": "b + 1", "b": "a + 2*b + 1"}
    assert data["gradient_values"] == {"a": 2.0, "b": 5.0} and data["at"] == {"a": 2.0, "b": 1.0}
    assert data["value"] == 6.0 and "values" not in data  # f's own value, and no ambiguous key
    assert data["wrt"] == ["a", "b"] and data["mode"] == "reverse"
    assert data["program"][-2:] == ["out[a] = v2", "out[b] = t1"]


def test_acceptance_parse_error_subprocess():
    status, out, err = run("grad", "(a+")
    assert status == 2 and out == ""
    assert "^" in err and "operand is missing" in err and no_traceback(err)


def test_acceptance_graph_png_subprocess(tmp_path):
    mpimg = pytest.importorskip("matplotlib.image")
    target = tmp_path / "g.png"
    status, out, err = run("graph", "(x+y)*z", "--at", "x=1", "y=3", "z=-3", "--grad", "--format", "png",
                           "-o", str(target))
    assert status == 0, err
    image = mpimg.imread(target)
    assert image.shape[0] > 80 and image.shape[1] > 150 and image.std() > 0.05


# --------------------------------------------------------------------------- the worked examples in --help

@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_help_example_is_the_real_output(command, capsys):
    argv, expected = EXAMPLES[command]
    assert main(argv) == 0
    assert capsys.readouterr().out == expected
    assert main([command, "--help"]) == 0
    helptext = capsys.readouterr().out
    assert "example:" in helptext and expected.splitlines()[0] in helptext


@pytest.mark.parametrize("command", ["compare", "demo"])
def test_every_subcommand_has_an_example(command, capsys):
    assert main([command, "--help"]) == 0
    assert "example:" in capsys.readouterr().out


def test_top_level_help_and_version(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("grad", "jacobian", "compare", "graph", "latex", "demo"):
        assert command in out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("symgraph ")


# --------------------------------------------------------------------------- grad

@pytest.mark.parametrize("mode", ["reverse", "forward", "paths", "elimination", "auto"])
def test_grad_every_mode_same_result(mode, capsys):
    status, out, _ = call(capsys, "grad", "(a+b)*(b+1)", "--mode", mode, "--at", "a=2", "b=1")
    assert status == 0
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    assert lines == ["df/da = b + 1          = 2", "df/db = a + 2*b + 1    = 5"]
    if mode == "auto":
        assert out.startswith("# ") and "reverse" in out.splitlines()[0]


def test_grad_names_the_output_and_reads_programs(capsys):
    status, out, _ = call(capsys, "grad", "c = a + b; d = b + 1; e = c * d", "--wrt", "a")
    assert status == 0 and out == "de/da = b + 1\n"


def test_grad_latex(capsys):
    status, out, _ = call(capsys, "grad", "(a+b)*(b+1)", "--latex", "--at", "a=2,b=1")
    assert status == 0
    assert out.splitlines() == ["\\frac{\\partial f}{\\partial a} = b + 1",
                                "\\frac{\\partial f}{\\partial b} = a + 2 b + 1", "df/da = 2", "df/db = 5"]


def test_grad_simplify_levels(capsys):
    _, full, _ = call(capsys, "grad", "sin(x)^2", "--simplify", "full")
    _, none, _ = call(capsys, "grad", "sin(x)^2", "--simplify", "none")
    assert full == "df/dx = sin(2*x)\n" and none == "df/dx = 2*sin(x)*cos(x)\n"


def test_grad_json_with_latex_and_nan(capsys):
    status, out, _ = call(capsys, "grad", "log(x)*y", "--json", "--latex", "--at", "x=0", "y=1")
    data = json.loads(out)
    assert status == 0 and data["gradient_values"]["x"] == "inf" and data["gradient_values"]["y"] == "-inf"
    assert data["value"] == "-inf"
    assert "\\frac{\\partial f}{\\partial x}" in data["latex"]


def test_grad_leading_minus_expression(capsys):
    assert call(capsys, "grad", "-x^2")[:2] == (0, "df/dx = -2*x\n")
    assert call(capsys, "grad", "--", "-x^2")[:2] == (0, "df/dx = -2*x\n")
    assert protect_expressions(["grad", "-x", "-o", "f", "-h", "--wrt"]) == ["grad", " -x", "-o", "f", "-h", "--wrt"]


def test_grad_constant_expression(capsys):
    status, out, _ = call(capsys, "grad", "2*3")
    assert status == 0 and "no variables" in out


def test_reads_file_and_stdin(tmp_path, capsys, monkeypatch):
    path = tmp_path / "f.txt"
    path.write_text("c = a + b\nd = b + 1\ne = c * d\n")
    assert call(capsys, "grad", f"@{path}", "--wrt", "a")[:2] == (0, "de/da = b + 1\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO("x*x"))
    assert call(capsys, "grad", "-")[:2] == (0, "df/dx = 2*x\n")


def test_a_byte_order_mark_some_editors_write_is_not_part_of_the_expression(tmp_path, capsys, monkeypatch):
    path = tmp_path / "bom.txt"
    path.write_text("c = a + b\r\ne = c * b\r\n", encoding="utf-8-sig")
    assert call(capsys, "grad", f"@{path}", "--wrt", "a")[:2] == (0, "de/da = b\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO("\ufeffx*x"))
    assert call(capsys, "grad", "-")[:2] == (0, "df/dx = 2*x\n")
    status, _, err = call(capsys, "grad", "x \u2212 y")  # a minus sign copied from a paper: what to write
    assert status == 2 and "U+2212 (MINUS SIGN) is not allowed; expressions use plain ASCII (write '-')" in err


@pytest.mark.parametrize("line_end", ["\r", "\r\n"], ids=["CR", "CRLF"])
def test_carriage_return_line_ends_from_a_file_and_stdin(tmp_path, capsys, monkeypatch, line_end):
    path = tmp_path / "cr.txt"
    path.write_bytes(line_end.join(["c = a + b", "e = c * b", ""]).encode())
    assert call(capsys, "grad", f"@{path}", "--wrt", "a")[:2] == (0, "de/da = b\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(line_end.join(["c = a + b", "e = c * b"]), newline=""))
    assert call(capsys, "grad", "-", "--wrt", "a")[:2] == (0, "de/da = b\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(line_end.join(["c = a + b", "e = c +* b"]), newline=""))
    status, _, err = call(capsys, "grad", "-")
    assert status == 2 and "(at line 2, column 8)" in err and "  e = c +* b\n         ^" in err


def test_carriage_returns_through_the_command(tmp_path):
    status, out, err = run("grad", "-", "--wrt", "a", stdin="c = a + b\re = c * b\r")
    assert (status, out) == (0, "de/da = b\n"), err


def test_stdin_subprocess():
    status, out, err = run("grad", "-", "--at", "x=3", stdin="y = x^3\n")
    assert status == 0, err
    assert out == "dy/dx = 3*x**2    = 27\n"


# --------------------------------------------------------------------------- bad input: exit 2, one message, no traceback

@pytest.mark.parametrize("argv, message", [
    (["grad", "(a+"], "^"),
    (["grad", "sin(x", "--wrt", "x"], "^"),
    (["grad", "x", "--at", "x=abc"], "not a number"),
    (["grad", "x", "--at", "x"], "NAME=VALUE"),
    (["grad", "x", "--at", "x=nan"], "finite"),
    (["grad", "a*b", "--at", "a=1"], "--at gives no value for b"),
    (["grad", "a*b", "--at", "a=1", "b=2", "q=3"], "--at q: 'q' is not an input of the expression (inputs: a, b)"),
    (["grad", "x*y", "--wrt", "x", "x"], "twice"),
    (["grad", "@/no/such/file.txt"], "no such file"),
    (["grad", "x", "--mode", "sideways"], "invalid choice"),
    (["grad", "x", "--simplify", "maybe"], "invalid choice"),
    (["grad"], "required"),
    (["frobnicate"], "invalid choice"),
    (["jacobian", "x*y", "(x"], "^"),
    (["compare", "x + ", "--json"], "^"),
    (["graph", "x", "--grad"], "--grad needs a point"),
    (["graph", "x", "--format", "png"], "needs an output file"),
    (["graph", "x", "-o", "picture.jpeg"], "cannot tell the format"),
    (["graph", "x", "--format", "gif"], "invalid choice"),
    (["latex", "x +* y"], "^"),
    (["jacobian", "-", "-"], "'-' (standard input) may be given once"),
    (["graph", "x", "--format", "png", "-o", "x.svg"], "--format png disagrees with -o x.svg"),
])
def test_bad_input_exits_2_with_message(argv, message, capsys):
    status, out, err = call(capsys, *argv)
    assert status == 2 and message in err and no_traceback(err)
    assert out == "" or out.startswith("usage")


def test_directory_and_binary_files(tmp_path, capsys):
    status, _, err = call(capsys, "grad", f"@{tmp_path}")
    assert status == 2 and "directory" in err
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\xff\xfe\x00x")
    status, _, err = call(capsys, "grad", f"@{binary}")
    assert status == 2 and "UTF-8" in err


def test_bad_inputs_through_subprocess():
    for argv in (["grad", "x", "--at", "x=abc"], ["grad", "@/no/such/file"], ["graph", "x", "--grad"]):
        status, out, err = run(*argv)
        assert status == 2 and out == "" and err.startswith("symgraph: ") and no_traceback(err), argv


def test_parse_point():
    assert parse_point(["a=2", "b=-1.5"]) == {"a": 2.0, "b": -1.5}
    assert parse_point(["a=2,b=1"]) == {"a": 2.0, "b": 1.0}


# --------------------------------------------------------------------------- jacobian, compare, latex

def test_jacobian_values_and_json(capsys):
    status, out, _ = call(capsys, "jacobian", "x*y", "x+y", "--at", "x=2", "y=3")
    assert status == 0
    assert out.splitlines() == ["# f1 = x*y", "# f2 = x+y", "df1/dx = y    = 3", "df1/dy = x    = 2",
                                "df2/dx = 1    = 1", "df2/dy = 1    = 1"]
    status, out, _ = call(capsys, "jacobian", "x*y", "sin(x)", "--wrt", "x", "--json", "--at", "x=0", "y=5")
    data = json.loads(out)
    assert data["jacobian"] == [["y"], ["cos(x)"]] and data["jacobian_values"] == [[5.0], [1.0]]
    assert data["value"] == [0.0, 0.0] and "values" not in data
    assert data["outputs"] == {"f1": "x*y", "f2": "sin(x)"}



def test_jacobian_program_is_labelled_by_the_functions_as_its_entries_are(capsys):
    """The Jacobian's program (--json's "program", and the listing above an entry too large to print) was
    labelled by output node, out[dv1/dx], beside entries labelled df1/dx, and two functions that are the
    same expression had one row of labels between them.  It is labelled as sg.jacobian's program is."""
    status, out, _ = call(capsys, "jacobian", "x*y", "x*y", "--json", "--at", "x=2", "y=3")
    data = json.loads(out)
    assert status == 0 and data["program"] == ["out[df1/dx] = y", "out[df1/dy] = x", "out[df2/dx] = y", "out[df2/dy] = x"]
    assert data["jacobian"] == [["y", "x"], ["y", "x"]] and data["jacobian_values"] == [[3.0, 2.0], [3.0, 2.0]]
    assert data["program"] == sg.jacobian(["x*y", "x*y"]).program.listing().splitlines()
    large = "*".join(f"sin(x+{i})" for i in range(40))
    status, out, _ = call(capsys, "jacobian", large, "x*y", "--at", "x=1", "y=2")
    assert status == 0 and "dv" not in out and "out[df1/dx] = " in out and "('df1/dx': " in out, out[-600:]
    assert out.splitlines()[-3:] == ["df1/dy = 0                = 0", "df2/dx = y                = 2",
                                     "df2/dy = x                = 1"]

def test_jacobian_subprocess_latex():
    status, out, err = run("jacobian", "x*y", "x+y", "--latex", "--mode", "forward")
    assert status == 0, err
    assert "\\begin{pmatrix}y & x\\\\1 & 1\\end{pmatrix}" in out


def test_compare_table_and_json(capsys):
    status, out, _ = call(capsys, "compare", "x1*x2*x3*x4")
    assert status == 0
    for mode in ("forward", "reverse", "paths", "elimination"):
        assert mode in out
    # --json prints the dict issue 5 names, report.to_dict(); it was wrapped in {"inputs", "outputs", "modes", "verdict"}
    status, out, _ = call(capsys, "compare", "x1*x2*x3*x4", "--json")
    data = json.loads(out)
    assert list(data) == ["forward", "reverse", "paths", "elimination"]
    assert data["forward"]["sweeps"] == 4 and data["reverse"]["sweeps"] == 1 and data["paths"]["paths"] == 4
    want = sg.compare("x1*x2*x3*x4").to_dict()
    assert [list(figures) for figures in data.values()] == [list(figures) for figures in want.values()]
    assert {m: {k: v for k, v in f.items() if k != "seconds"} for m, f in data.items()} == \
        {m: {k: v for k, v in f.items() if k != "seconds"} for m, f in want.items()}


def test_compare_subprocess():
    status, out, err = run("compare", "(a+b)*(b+1)", "--wrt", "a", "b")
    assert status == 0, err
    assert out.splitlines()[0].split()[:3] == ["mode", "sweeps", "multiplications"]


def test_latex_expression_and_gradient(capsys):
    status, out, _ = call(capsys, "latex", "(a+b)*(b+1)")
    assert status == 0 and out == "\\left(a + b\\right) \\left(b + 1\\right)\n"
    status, out, _ = call(capsys, "latex", "c = a + b; d = b + 1; e = c * d", "--wrt", "a", "b", "--aligned")
    assert out.startswith("\\begin{aligned}") and "\\frac{\\partial e}{\\partial a} &= b + 1" in out


def test_latex_help_says_what_no_wrt_prints(capsys):
    """latex's --wrt help said '(default: all inputs)', where latex without --wrt prints the expression."""
    status, out, _ = call(capsys, "latex", "--help")
    assert status == 0 and "default: none: the expression itself" in " ".join(out.split())
    assert "default: all inputs" in " ".join(call(capsys, "grad", "--help")[1].split())


def test_latex_subprocess():
    status, out, err = run("latex", "sin(x)^2", "--wrt", "x", "--simplify", "full")
    assert status == 0, err
    assert out == "\\frac{\\partial f}{\\partial x} = \\sin{\\left(2 x \\right)}\n"


# --------------------------------------------------------------------------- graph

def test_graph_mermaid_and_dot_to_stdout_and_file(tmp_path, capsys):
    status, out, _ = call(capsys, "graph", "(x+y)*z")
    assert status == 0 and out.startswith("flowchart LR\n") and "-->|" not in out
    status, out, _ = call(capsys, "graph", "p = x + y; g = p * z", "--format", "dot", "--at", "x=1", "y=3",
                          "z=-3", "--grad")
    assert '"g -> g_out (label)" [label=<<font color="darkgreen">-12</font><br/><font color="red">1</font>>, shape=plain];' in out
    target = tmp_path / "g.mmd"
    status, out, _ = call(capsys, "graph", "(x+y)*z", "--at", "x=1", "y=3", "z=-3", "-o", str(target))
    assert status == 0 and out == "" and '-->|"4"|' in target.read_text()


def test_graph_derivatives(capsys):
    status, out, _ = call(capsys, "graph", "c = a + b; d = b + 1; e = c * d", "--derivatives")
    assert status == 0 and '    c -->|"∂e/∂c = d"| e' in out
    status, out, _ = call(capsys, "graph", "c = a + b; d = b + 1; e = c * d", "--derivatives", "--at", "a=2", "b=1")
    assert '    c -->|"3 | ∂e/∂c = 2"| e' in out


def test_graph_svg_to_stdout_and_png_engines(tmp_path, capsys):
    import xml.etree.ElementTree as ET

    mpimg = pytest.importorskip("matplotlib.image")
    status, out, _ = call(capsys, "graph", "(x+y)*z", "--at", "x=1", "y=3", "z=-3", "--grad", "--format", "svg",
                          "--engine", "matplotlib")
    assert status == 0 and ET.fromstring(out.encode()).tag.endswith("svg") and "-12" in out
    target = tmp_path / "pic.png"
    assert call(capsys, "graph", "(x+y)*z", "-o", str(target), "--engine", "matplotlib")[0] == 0
    assert mpimg.imread(target).shape[1] > 100


# --------------------------------------------------------------------------- demo and the installed command

def test_demo(capsys):
    status, out, _ = call(capsys, "demo")
    assert status == 0
    assert "e = 6" in out and "de/da = b + 1" in out and "de/db = a + 2*b + 1" in out
    assert "de/dc = d" in out and "de/dd = c    = 3" in out  # edge derivatives, symbolic and at the point
    assert "de/db = 5" in out  # node adjoints
    assert "t1 = c + d" in out  # the readable program
    assert "elimination" in out and "sweeps" in out  # the cost table


def test_the_commands_the_demo_suggests_work(capsys, tmp_path, monkeypatch):
    import shlex
    _, out, _ = call(capsys, "demo")
    suggested = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith(("Draw it:", "Step through"))]
    assert [shlex.split(c)[1] for c in suggested] == ["graph", "explore"]
    monkeypatch.chdir(tmp_path)
    status, _, err = call(capsys, *shlex.split(suggested[1])[1:])
    assert status == 0 and err == ""
    page = (tmp_path / "textbook.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "c = a + b" in page


def test_demo_subprocess():
    status, out, err = run("demo")
    assert status == 0 and err == "" and "de/db = a + 2*b + 1" in out


@pytest.mark.skipif(shutil.which("symgraph") is None, reason="console script not installed")
def test_console_script():
    done = subprocess.run(["symgraph", "demo"], capture_output=True, text=True, timeout=120, env=CHECKOUT)
    assert done.returncode == 0 and "de/db" in done.stdout
    done = subprocess.run(["symgraph", "grad", "(a+"], capture_output=True, text=True, timeout=120, env=CHECKOUT)
    assert done.returncode == 2 and "^" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(["symgraph", "grad", "(a+b)*(b+1)", "--wrt", "a", "b", "--at", "a=2", "b=1", "--json"],
                          capture_output=True, text=True, timeout=120, env=CHECKOUT)
    assert json.loads(done.stdout)["gradient_values"] == {"a": 2.0, "b": 5.0}


def test_deep_chain_prints_value_and_json(tmp_path, capsys):
    """A 5,000-deep chain: the value still prints; a formula too deep for sympy's printer says so."""
    path = tmp_path / "deep.txt"
    path.write_text("v1 = sin(x)\n" + "\n".join(f"v{i} = sin(v{i - 1})" for i in range(2, 5001)))
    status, out, err = call(capsys, "grad", f"@{path}", "--at", "x=0.5")
    assert status == 0 and err == "" and out.rstrip().endswith("= 0.0001109897898")
    status, out, _ = call(capsys, "grad", f"@{path}", "--at", "x=0.5", "--json")
    data = json.loads(out)
    assert status == 0 and data["gradient_values"]["x"] == pytest.approx(1.109897898e-4)
    assert len(data["program"]) > 5000


@pytest.mark.skipif(shutil.which("symgraph") is None, reason="console script not installed")
@pytest.mark.parametrize("command", sorted(EXAMPLES) + ["compare", "demo"])
def test_every_subcommand_through_the_installed_script(command):
    argv = EXAMPLES[command][0] if command in EXAMPLES else [command] + (["x1*x2*x3"] if command == "compare" else [])
    done = subprocess.run(["symgraph", *argv], capture_output=True, text=True, timeout=120, env=CHECKOUT)
    assert done.returncode == 0 and done.stderr == ""
    if command in EXAMPLES:
        assert done.stdout == EXAMPLES[command][1]
    else:
        assert ("reverse" in done.stdout) and ("forward" in done.stdout)


# --------------------------------------------------------------------------- issue 14: one measure, papercuts

def test_cost_tables_say_what_they_count(capsys):
    """The demo's and compare's tables of zeros now say that products with ±1 are free."""
    from symgraph.cost import COUNTED

    for argv in (["demo"], ["compare", "(a+b)*(b+1)"]):
        status, out, _ = call(capsys, *argv)
        assert status == 0 and COUNTED in out
    status, out, _ = call(capsys, "grad", "(a+b)*(b+1)", "--mode", "auto")
    assert "forward would need 0 multiplications" in out.splitlines()[0] and "edge products for" not in out


@pytest.mark.parametrize("argv", [["grad", "x*y"], ["grad", "x*y", "--at", "x=1", "y=2"],
                                  ["jacobian", "x*y", "x+y"], ["jacobian", "x*y", "x+y", "--at", "x=1", "y=2"]])
def test_json_keeps_latex(argv, capsys):
    status, out, _ = call(capsys, *argv, "--json", "--latex")
    data = json.loads(out)
    expected = r"\frac{\partial f}{\partial x}" if argv[0] == "grad" else r"\begin{pmatrix}y & x"
    assert status == 0 and expected in data["latex"]


def test_grad_json_value_and_gradient_values_agree_with_jacobian(capsys):
    _, out, _ = call(capsys, "grad", "x*y", "--at", "x=2", "y=3", "--json")
    grad_data = json.loads(out)
    _, out, _ = call(capsys, "jacobian", "x*y", "--at", "x=2", "y=3", "--json")
    jac_data = json.loads(out)
    assert grad_data["value"] == 6.0 and jac_data["value"] == [6.0]
    assert list(grad_data["gradient_values"].values()) == jac_data["jacobian_values"][0] == [3.0, 2.0]


def test_unused_wrt_warns_prints_zero_and_exits_0(capsys):
    status, out, err = call(capsys, "grad", "x*y", "--wrt", "xx", "y", "--at", "x=1", "y=2")
    assert status == 0 and out.splitlines()[0].startswith("df/dxx = 0") and out.rstrip().endswith("= 1")
    assert err.startswith("warning: --wrt 'xx' is not in the expression (inputs: x, y; closest to 'xx': 'x')")
    assert "--allow-unused" in err and err.count("\n") == 1
    status, out, err = call(capsys, "grad", "x*y", "--wrt", "z", "--allow-unused")
    assert status == 0 and out == "df/dz = 0\n" and err == ""
    for argv in (["jacobian", "x*y", "x+y", "--wrt", "x", "q"], ["compare", "x*y", "--wrt", "q"],
                 ["latex", "x*y", "--wrt", "q"]):
        status, out, err = call(capsys, *argv)
        assert status == 0 and err.startswith("warning: --wrt 'q'") and "closest" not in err


def test_unused_wrt_warning_through_the_shell():
    status, out, err = run("grad", "x*y", "--wrt", "z")
    assert status == 0 and out == "df/dz = 0\n" and err.startswith("warning: ") and no_traceback(err)


def test_unknown_option_shows_the_subcommands_usage(capsys):
    for command, extra in (("grad", ["x"]), ("jacobian", ["x"]), ("compare", ["x"]), ("graph", ["x"]),
                           ("latex", ["x"]), ("demo", [])):
        status, out, err = call(capsys, command, *extra, "--bogus")
        assert status == 2 and err.startswith(f"usage: symgraph {command} ")
        assert f"symgraph {command}: error: unrecognized arguments: --bogus" in err
    status, _, err = call(capsys, "grad", "-x^2", "-q")
    assert status == 2 and err.startswith("usage: symgraph grad ")
    assert "takes one EXPR, got '-x^2' and then '-q', and -q is no option of symgraph grad" in err


def test_graph_output_format_must_agree_with_the_suffix(tmp_path, capsys):
    status, _, err = call(capsys, "graph", "x*y", "--format", "png", "-o", str(tmp_path / "x.svg"))
    assert status == 2 and "disagrees" in err and not (tmp_path / "x.svg").exists()
    status, _, _ = call(capsys, "graph", "x*y", "--format", "dot", "-o", str(tmp_path / "x.txt"))
    assert status == 0 and (tmp_path / "x.txt").read_text().startswith("digraph")  # unknown suffix: --format rules
    assert call(capsys, "graph", "x*y", "--format", "dot", "-o", str(tmp_path / "x.gv"))[0] == 0


def test_graph_output_directory_is_named_as_such(tmp_path, capsys):
    status, _, err = call(capsys, "graph", "x*y", "-o", str(tmp_path))
    assert status == 2 and f"-o {tmp_path} is a directory" in err and "suffix" not in err


def test_missing_graphviz_advice_is_a_cli_option(monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    status, _, err = call(capsys, "graph", "x*y", "--engine", "graphviz", "--format", "svg")
    assert status == 2 and "--engine matplotlib" in err and "engine='matplotlib'" not in err


def test_graph_labels_come_from_the_shared_resolver(capsys):
    status, out, _ = call(capsys, "graph", "p = x + y; g = p * z", "--at", "x=1", "y=3", "z=-3", "--grad",
                          "--derivatives")
    import symgraph as sg

    expected = sg.to_mermaid("p = x + y; g = p * z", at={"x": 1, "y": 3, "z": -3}, adjoints=True, derivatives=True)
    assert status == 0 and out == expected + "\n"


def test_at_takes_constant_expressions(capsys):
    status, out, _ = call(capsys, "grad", "sin(x)*y", "--at", "x=pi/2", "y=sqrt(4)")
    assert status == 0 and out.splitlines()[1].endswith("= 1")
    assert parse_point(["a=2^-1,b=atan2(1, 1)"]) == {"a": 0.5, "b": pytest.approx(0.7853981633974483)}
    for value, message in [("y+1", "not a number or a constant expression: 'y+1' uses y"), ("1/0", "must be finite"),
                           ("2^", "not a number or a constant expression"), ("__import__('os')", "not a number")]:
        status, _, err = call(capsys, "grad", "sin(x)", "--at", f"x={value}")
        assert status == 2 and message in err, (value, err)


# --------------------------------------------------------------------------- --functions

FUNCTIONS_MODULE = '''
import numpy as np
import symgraph as sg


def softsign_np(x):
    return x / (1 + np.abs(x))


softsign = sg.function("softsign", numpy=softsign_np, derivatives=["1/(1 + abs(x))^2"])
more = [sg.function("myexp", numpy=np.exp, derivatives=["myexp(x)"])]
'''


@pytest.fixture
def functions_module(tmp_path, monkeypatch):
    """A module beside the expression (in the current directory) that registers two functions; removed after."""
    from symgraph import ops
    (tmp_path / "cli_userfuncs.py").write_text(FUNCTIONS_MODULE)
    monkeypatch.chdir(tmp_path)
    before = set(ops.USER)
    yield tmp_path
    for name in set(ops.USER) - before:
        ops.unregister(name)
    sys.modules.pop("cli_userfuncs", None)


def test_functions_option_registers_a_module_s_functions(capsys, functions_module):
    status, out, err = call(capsys, "grad", "softsign(a*b) + myexp(a)", "--wrt", "a", "b", "--at", "a=1", "b=2",
                            "--functions", "cli_userfuncs")
    assert status == 0 and err == ""
    assert out.splitlines() == ["df/da = b/(Abs(a*b) + 1)**2 + myexp(a)    = 2.940504051",
                                "df/db = a/(Abs(a*b) + 1)**2               = 0.1111111111"]
    status, out, _ = call(capsys, "latex", "softsign(a)", "--functions", "cli_userfuncs:softsign")
    assert status == 0 and r"\operatorname{softsign}\left(a\right)" in out
    status, out, _ = call(capsys, "graph", "myexp(a)", "--functions", "cli_userfuncs:more")
    assert status == 0 and "myexp" in out
    status, out, _ = call(capsys, "jacobian", "softsign(a)", "myexp(a)", "--functions", "cli_userfuncs",
                          "--functions", "cli_userfuncs:softsign")
    assert status == 0 and "df2/da = myexp(a)" in out
    status, out, _ = call(capsys, "compare", "softsign(a)*a", "--functions", "cli_userfuncs")
    assert status == 0 and "reverse" in out


@pytest.mark.parametrize("spec, message", [
    ("no_such_module_here", "cannot import 'no_such_module_here'"),
    ("cli_userfuncs:absent", "has no attribute 'absent'"),
    ("cli_userfuncs:np", "'np' is not a function registered with symgraph.function"),
    ("cli_userfuncs:a:b", "takes MODULE or MODULE:NAME"),
    # the file's name: 'No module named 'cli_userfuncs.py'; 'cli_userfuncs' is not a package', and no word of why
    ("cli_userfuncs.py", "--functions names a module: write cli_userfuncs"),
])
def test_functions_option_errors(capsys, functions_module, spec, message):
    status, out, err = call(capsys, "grad", "softsign(a)", "--functions", spec)
    assert status == 2 and out == "" and message in err and no_traceback(err)


@pytest.mark.parametrize("module", ["sys", "cli_nothing"])
def test_functions_option_of_a_module_that_registers_nothing_is_an_error(capsys, functions_module, module):
    """--functions sys (or a module of no symgraph.function call) ran the command as if it had not been given."""
    (functions_module / "cli_nothing.py").write_text("import numpy as np\nX = 1\n")
    try:
        status, out, err = call(capsys, "grad", "x^2", "--functions", module)
    finally:
        sys.modules.pop("cli_nothing", None)
    assert status == 2 and out == "" and no_traceback(err)
    assert err == f"symgraph: --functions {module}: module {module!r} registered no symgraph functions " \
                  "(it calls symgraph.function for none, and holds no handle of one)\n"


def test_functions_option_takes_a_module_that_registers_without_keeping_the_handle(capsys, functions_module):
    (functions_module / "cli_unkept.py").write_text(
        "import numpy as np, symgraph as sg\n"
        "sg.function('unkept', numpy=lambda x: 2 * x, derivatives=['2'])\n")
    try:
        for _ in range(2):  # the second time the module is imported already: its registration still counts
            status, out, err = call(capsys, "grad", "unkept(a)", "--at", "a=1", "--functions", "cli_unkept")
            assert status == 0 and err == "" and "df/da = 2" in out
    finally:
        sys.modules.pop("cli_unkept", None)


def test_functions_option_in_a_subprocess(functions_module):
    done = subprocess.run([sys.executable, "-m", "symgraph", "grad", "softsign(a)", "--at", "a=1", "--json",
                           "--functions", "cli_userfuncs:softsign"],
                          capture_output=True, text=True, cwd=functions_module, env=CHECKOUT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["gradient_values"] == {"a": 0.25}


# --------------------------------------------------------------------------- sizes and indexed inputs

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


@pytest.mark.parametrize("mode", ["reverse", "forward", "paths", "elimination", "auto"])
def test_grad_with_size_and_an_indexed_point_matches_sympy(capsys, mode):
    import sympy
    xs = sympy.symbols("x0:4")
    written = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(3))
    point = [0.5, -1.25, 2.0, 3.0]
    want = {f"x[{j}]": float(sympy.diff(written, xs[j]).subs(dict(zip(xs, point)))) for j in range(4)}
    status, out, err = call(capsys, "grad", ROSENBROCK, "--size", "n=4", "--mode", mode, "--json",
                            "--at", "x=[1/2, -1.25, 2, 3]")
    assert status == 0, err
    data = json.loads(out)
    assert data["wrt"] == list(want) and list(data["gradient_values"]) == list(want)
    assert data["gradient_values"] == pytest.approx(want, rel=1e-12)
    assert data["at"] == dict(zip(want, point))
    assert data["value"] == pytest.approx(float(written.subs(dict(zip(xs, point)))))


def test_at_elements_one_by_one_wrt_x_and_several_sizes(capsys):
    text = "sum(x[i]^2, i, 0, n-1) * sum(y[j], j, 0, m-1)"
    status, out, err = call(capsys, "grad", text, "--size", "n=2", "m=3", "--wrt", "x",
                            "--at", "x[0]=1", "x[1]=pi/2", "y=[1, 2, 3]")
    assert status == 0, err
    lines = out.splitlines()
    assert [line.split(" =")[0] for line in lines] == ["df/dx[0]", "df/dx[1]"]  # --wrt x: every x[j]
    assert lines[0].endswith("= 12") and lines[1].endswith(f"= {6 * 3.141592653589793:.10g}")
    # repeated --size and a comma list give the same sizes
    assert call(capsys, "grad", text, "--size", "n=2", "--size", "m=3", "--wrt", "x",
                "--at", "x=[1, pi/2],y=[1,2,3]")[1] == out
    # unquoted in the shell, x=[1, pi/2] arrives as two words
    assert call(capsys, "grad", text, "--size", "n=2,m=3", "--wrt", "x",
                "--at", "x=[1,", "pi/2]", "y=[1,", "2,", "3]")[1] == out


def test_two_index_input_takes_nested_lists(capsys):
    status, out, err = call(capsys, "jacobian", "sum(W[0, k]*x[k], k, 0, n-1)", "sum(W[1, k]*x[k], k, 0, n-1)",
                            "--size", "n=2", "--wrt", "x", "--at", "W=[[1, 2], [3, 4]]", "x=[5, 6]", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert data["wrt"] == ["x[0]", "x[1]"] and data["jacobian_values"] == [[1.0, 2.0], [3.0, 4.0]]
    assert data["value"] == [17.0, 39.0]


def test_size_reaches_every_command(capsys):
    text = "sum(x[i]^2, i, 0, n-1)"
    assert call(capsys, "latex", text, "--size", "n=2", "--wrt", "x")[1] == (
        "\\frac{\\partial f}{\\partial x_{0}} = 2 x_{0}\n\\frac{\\partial f}{\\partial x_{1}} = 2 x_{1}\n")
    status, out, _ = call(capsys, "compare", text, "--size", "n=3", "--json")
    assert status == 0 and json.loads(out)["forward"]["sweeps"] == 3  # one per input
    status, out, _ = call(capsys, "graph", text, "--size", "n=2", "--at", "x=[1, 2]", "--grad")
    assert status == 0 and '"5 | grad 1"' in out


@pytest.mark.parametrize("argv, said", [
    (["--size", "n=-1"], "--size n=-1: a size is a non-negative integer"),
    (["--size", "n=abc"], "--size n=abc: a size is a non-negative integer"),
    (["--size", "n"], "--size expects NAME=INTEGER"),
    (["--size", "n=3", "n=4"], "--size n is given twice"),
    ([], "'n' is not a size or an index: indices and bounds are computed from sizes (--size n=INTEGER)"),
    (["--size", "n=3", "--at", "x=[1, 2]"], "--at x: x has 3 entries in the expression, got 2 numbers"),
    (["--size", "n=3", "--at", "x=[[1, 2, 3]]"], "--at x: x has 3 entries in the expression, got shape (1, 3)"),
    (["--size", "n=3", "--at", "x=1"], "--at x: x has 3 entries in the expression, got a number"),
    (["--size", "n=3", "--at", "x[0]=1", "x[1]=2"], "--at gives no value for x[2]"),
    (["--size", "n=3", "--at", "x=[1,2,3]", "x[7]=1"], "--at x[7]: x has no such element (indices up to x[2])"),
    (["--size", "n=3", "--at", "x=[1,2,3]", "x[0,1]=1"], "--at x[0,1]: an element of x is written x[0]"),
    (["--size", "n=3", "--at", "x=[1,2,3]", "y[0]=1"], "--at y[0]: 'y' is not an indexed input"),
    (["--size", "n=3", "--at", "x=[1,,3]"], "--at value for 'x': an empty entry"),
    (["--size", "n=3", "--at", "x=[1,2,3"], "--at value for 'x' is not a bracketed list"),
    (["--size", "n=3", "--at", "x=[1,b,3]"], "is not a number or a constant expression: 'b' uses b"),
])
def test_bad_sizes_and_indexed_points_are_one_line_errors(capsys, argv, said):
    status, out, err = call(capsys, "grad", "sum(x[i]^2, i, 0, n-1)", *argv)
    assert status == 2 and out == "" and no_traceback(err)
    assert err.startswith("symgraph: ") and said in err, err
    if "(at position" not in err:  # a parse error adds its caret excerpt; every other error is one line
        assert err.count("\n") == 1


def test_sizes_and_indexed_point_subprocess():
    status, out, err = run("grad", ROSENBROCK, "--size", "n=3", "--at", "x=[1, 1, 1]")
    assert status == 0, err
    assert [line.split()[0] for line in out.splitlines()] == ["df/dx[0]", "df/dx[1]", "df/dx[2]"]
    assert all(line.endswith("= 0") for line in out.splitlines())  # the minimum
    status, out, err = run("grad", ROSENBROCK, "--at", "x=[1, 1, 1]")
    assert status == 2 and out == "" and "--size n=INTEGER" in err and no_traceback(err)


# --------------------------------------------------------------------------- hessian

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


@pytest.mark.parametrize("mode", ["forward-over-reverse", "reverse-over-forward", "forward-over-forward",
                                  "reverse-over-reverse"])
def test_hessian_entries_and_values_match_sympy_in_every_mode(capsys, mode):
    import sympy
    x, y, z = sympy.symbols("x y z")
    f = x**3 * y**2 + sympy.sin(x * z) + z**4
    status, out, err = call(capsys, "hessian", "x^3*y^2 + sin(x*z) + z^4", "--mode", mode, "--json",
                            "--at", "x=1", "y=2", "z=0.5")
    assert status == 0 and err == ""
    data = json.loads(out)
    names = [x, y, z]
    at = {x: 1, y: 2, z: 0.5}
    assert [(e["row"], e["col"]) for e in data["hessian"]] == [(i, j) for i in range(3) for j in range(i, 3)]
    for e, number in zip(data["hessian"], data["hessian_values"]):
        exact = sympy.diff(f, names[e["row"]], names[e["col"]])
        assert sympy.simplify(sympy.sympify(e["entry"]) - exact) == 0  # the test's own text, not user input
        assert number == pytest.approx(float(exact.subs(at)))
    assert data["value"] == pytest.approx(float(f.subs(at))) and data["wrt"] == ["x", "y", "z"]


def test_hessian_text_prints_labels_values_and_grid(capsys):
    status, out, err = call(capsys, "hessian", ROSENBROCK, "--size", "n=3", "--at", "x=[1, 2, 3]")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "# 3x3 Hessian of f (symmetric): the 6 entries on and above the diagonal"
    # the labels padded to one column (the widest, d2f/dx[0] dx[1])
    assert lines[1].startswith("d2f/dx[0]^2     = 1200*x[0]**2 - 400*x[1] + 2") and lines[1].endswith("= 402")
    assert lines[2].startswith("d2f/dx[0] dx[1] = -400*x[0]") and lines[2].endswith("= -400")
    assert lines[-4:] == ["# at the point, f's Hessian:", "   402  -400     0", "  -400  3802  -800", "     0  -800   200"]


def test_hessian_sparse_is_bounded_and_matches_dense(capsys):
    status, small, _ = call(capsys, "hessian", ROSENBROCK, "--size", "n=4", "--sparse", "--at", "x=[1,2,3,4]")
    assert status == 0
    assert small.splitlines()[0] == "# 4x4 sparse Hessian of f: 10 structural nonzeros, 7 on and above the diagonal"
    _, dense, _ = call(capsys, "hessian", ROSENBROCK, "--size", "n=4", "--at", "x=[1,2,3,4]")
    nonzero = [line.split("=")[0].strip() + " " + line.rsplit("=", 1)[1].strip() for line in dense.splitlines()[1:11]
               if not line.rstrip().endswith("= 0")]
    assert [line.split("=")[0].strip() + " " + line.rsplit("=", 1)[1].strip()
            for line in small.splitlines()[1:]] == nonzero
    status, big, _ = call(capsys, "hessian", ROSENBROCK, "--size", "n=1000", "--sparse")
    from symgraph.cli.printing import ENTRY_LINES
    lines = big.splitlines()
    assert status == 0 and len(lines) == 1 + ENTRY_LINES + 1
    assert "2,998 structural nonzeros, 1,999 on and above" in lines[0]
    assert lines[-1] == f"# ... and {1999 - ENTRY_LINES:,} more (--json prints every one)"
    status, out, _ = call(capsys, "hessian", ROSENBROCK, "--size", "n=5", "--sparse", "--json", "--at",
                          "x=[1,1,1,1,1]")
    data = json.loads(out)
    assert data["nnz"] == 13 and len(data["hessian"]) == 9 and data["sparse"] is True
    assert data["hessian"][1] == {"row": 0, "col": 1, "entry": "-400*x[0]"} and data["hessian_values"][1] == -400.0


def test_hessian_latex_and_large_entries(capsys):
    status, out, _ = call(capsys, "hessian", "c = x^2*y + y^3", "--latex", "--at", "x=1", "y=2")
    assert status == 0
    assert out.splitlines() == [r"\nabla^2 c = \begin{pmatrix}2 y & 2 x\\2 x & 6 y\end{pmatrix}",
                                "d2c/dx^2  = 4", "d2c/dx dy = 2", "d2c/dy^2  = 12"]
    text = "v0 = x\n" + "\n".join(f"v{i} = sin(v{i - 1})*y + v{i - 1}" for i in range(1, 6))
    status, out, _ = call(capsys, "hessian", text, "--simplify", "none")
    assert status == 0 and "(above)" in out and "--expand" in out and len(out) < 6000


def test_a_dense_hessian_too_large_for_formulas_prints_its_program_and_values(capsys):
    """Each line uses the one before twice: the entries' closed forms have about 10^18 operations.  The command
    prints the program, the entries as its results and their values at --at, as grad and jacobian do; it used
    to build sg.hessian's whole sympy Matrix first and refuse (status 2) though the numbers are at hand."""
    text = "v0 = x*y\n" + "\n".join(f"v{i} = sin(v{i - 1})*y + v{i - 1}" for i in range(1, 30))
    status, out, err = call(capsys, "hessian", text, "--at", "x=1", "y=2")
    assert status == 0 and err == ""
    assert "the program above computes it" in out and "d2v29/dx dy = t" in out and "(above)" in out
    assert len(out) < 20000
    assert out.splitlines()[-3] == "# at the point, v29's Hessian:"
    status, out, err = call(capsys, "hessian", text, "--latex")
    assert status == 0 and out.startswith(r"\nabla^2 v_{29} = \begin{pmatrix}t_{") and r"\text{where }" in out
    status, out, err = call(capsys, "hessian", text, "--json", "--at", "x=1", "y=2")
    data = json.loads(out)
    assert status == 0 and [e["entry"] for e in data["hessian"]] == [None] * 3
    sparse = sg.hessian(text, sparse=True).lambdify()(1.0, 2.0).toarray()  # entries never built as formulas
    assert data["hessian_values"] == pytest.approx([sparse[0, 0], sparse[0, 1], sparse[1, 1]], rel=1e-12)


def test_hessian_errors_are_one_line(capsys):
    for argv, message in [(["c = x*y", "--wrt", "c"], "c is intermediate"),
                          (["x*y", "--at", "x=1"], "--at gives no value for y"),
                          (["sum(x[i]^2, i, 0, n-1)"], "--size n="),
                          (["x*y", "--mode", "bogus"], "invalid choice")]:
        status, out, err = call(capsys, "hessian", *argv)
        assert status == 2 and out == "" and message in err and no_traceback(err)
        if "bogus" not in argv and "sum" not in argv[0]:  # usage and parse errors add the usage or the caret
            assert len(err.strip().splitlines()) == 1


def test_hessian_subprocess():
    status, out, err = run("hessian", ROSENBROCK, "--size", "n=3", "--sparse", "--json", "--at", "x=[1, 1, 1]")
    assert status == 0, err
    data = json.loads(out)
    assert data["hessian_values"] == [802.0, -400.0, 1002.0, -400.0, 200.0] and data["nnz"] == 7
    status, out, err = run("hessian", "x^2 +", "--sparse")
    assert status == 2 and out == "" and "^" in err and no_traceback(err)


@pytest.mark.parametrize("at, message", [(["x=1", "x=2", "y=3"], "--at gives 'x' twice (x=1 and x=2)"),
                                         (["x=1,y=2,x=5"], "--at gives 'x' twice (x=1 and x=5)")])
def test_at_giving_a_name_twice_is_an_error(capsys, at, message):
    # the last value used to win silently
    status, out, err = call(capsys, "grad", "x*y", "--at", *at)
    assert status == 2 and out == "" and message in err


def test_at_giving_an_element_twice_is_an_error(capsys):
    status, _, err = call(capsys, "grad", "sum(x[i]^2, i, 0, n-1)", "--size", "n=2", "--at", "x=[1, 2]", "x[ 0]=3")
    assert status == 2 and "--at gives 'x[0]' twice (as x= and as x[ 0]=)" in err


def test_compare_order_2_prints_every_hessian_strategy(capsys):
    # sg.compare(f, order=2) had no command-line form
    status, out, _ = call(capsys, "compare", "x^2*y + y^3", "--order", "2")
    assert status == 0 and out.split()[0] == "mode" and "edge-pushing wins" in out
    assert all(mode in out for mode in STRATEGIES)
    status, out, _ = call(capsys, "compare", "x^2*y + y^3", "--order", "2", "--json")
    assert status == 0 and list(json.loads(out)) == list(STRATEGIES)
    status, _, err = call(capsys, "compare", "x", "--order", "3")
    assert status == 2 and "invalid choice: 3" in err



def test_compare_of_several_expressions_is_their_jacobians_table(capsys):
    """compare took one expression, so a Jacobian's forward-against-reverse table had no command-line form."""
    texts = ["sin(x*y)", "x + y", "x*y*z"]
    status, out, _ = call(capsys, "compare", *texts, "--json")
    data = json.loads(out)
    want = sg.compare(texts).to_dict()
    assert status == 0 and data["forward"]["sweeps"] == 3 and data["reverse"]["sweeps"] == 3
    assert {m: {k: v for k, v in f.items() if k != "seconds"} for m, f in data.items()} == \
        {m: {k: v for k, v in f.items() if k != "seconds"} for m, f in want.items()}
    status, _, err = call(capsys, "compare", "x*y", "x+y", "--order", "2")
    assert status == 2 and "takes a function with one output; this one has 2" in err
    status, _, err = call(capsys, "compare", "-", "-")
    assert status == 2 and "'-' (standard input) may be given once" in err


# --------------------------------------------------------------------------- a demanding user's review

def test_at_may_be_repeated(capsys):
    """Was: the second --at replaced the first, so `--at x=1 --at y=2` said x had no value."""
    status, out, err = call(capsys, "grad", "x*y", "--at", "x=1", "--at", "y=2")
    assert status == 0 and err == "" and out.splitlines() == ["df/dx = y    = 2", "df/dy = x    = 1"]


def test_missing_and_unknown_at_names_are_worded_for_the_shell_and_short(capsys):
    """Was: the library's 'missing value(s) for ...' listed all 20,049 absent inputs on one 120 kB line."""
    text = "+".join(f"x{i}*y{i % 50}" for i in range(20_000))
    status, out, err = call(capsys, "grad", text, "--wrt", "x1", "--at", "x1=2")
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and len(err) < 200
    assert err.startswith("symgraph: --at gives no value for x0, y0, y1, x2, y2, ... (20,044 more)")
    status, out, err = call(capsys, "grad", "x*y", "--at", "x=1", "y=2", "xx=3")
    assert status == 2 and err == "symgraph: --at xx: 'xx' is not an input of the expression (inputs: x, y; closest: 'x')\n"
    status, out, err = call(capsys, "hessian", "2", "--at", "x=1")
    assert status == 2 and err == "symgraph: --at x: 'x' is not an input of the expression (inputs: none)\n"
    status, out, err = call(capsys, "grad", "sum(x[i], i, 0, 2)*y", "--at", "x=[1, 2, 3]")
    assert status == 2 and "--at gives no value for y: give every input (x=[...] gives a whole indexed input)" in err


def test_jacobian_names_the_expression_a_parse_error_is_in(capsys):
    status, out, err = call(capsys, "jacobian", "x*y", "  ")
    assert status == 2 and err.startswith("symgraph: in expression 2 of 2: empty expression (at position 2)")


def test_hessian_of_one_variable_says_one_entry(capsys):
    """Was: '# 1x1 Hessian of f (symmetric): the 1 entries on and above the diagonal'."""
    status, out, err = call(capsys, "hessian", "x^3")
    assert status == 0 and out.splitlines() == ["# 1x1 Hessian of f: one entry", "d2f/dx^2 = 6*x"]
    assert call(capsys, "hessian", "x*y")[1].startswith("# 2x2 Hessian of f (symmetric): the 3 entries")


def test_wrt_may_be_repeated(capsys):
    """Was: the second --wrt replaced the first (`--wrt x --wrt y` differentiated by y alone)."""
    status, out, err = call(capsys, "grad", "x*y*z", "--wrt", "x", "--wrt", "y")
    assert status == 0 and out.splitlines() == ["df/dx = y*z", "df/dy = x*z"]


def test_an_empty_output_name_is_refused(capsys, tmp_path, monkeypatch):
    """Was: graph -o "" said '-o  is a directory', and explore -o "" wrote the page to standard output."""
    monkeypatch.chdir(tmp_path)
    for command in ("graph", "explore"):
        status, out, err = call(capsys, command, "x*y", "-o", "")
        assert status == 2 and out == "" and err == "symgraph: -o needs a file name, got an empty one\n"


def test_output_dash_is_standard_output(capsysbinary, tmp_path, monkeypatch):
    """Was: graph and explore -o - wrote a file named '-' in the current folder, and printed nothing."""
    monkeypatch.chdir(tmp_path)
    for argv, start in ((("graph", "x*y"), b"flowchart LR\n"), (("graph", "x*y", "--format", "dot"), b"digraph "),
                        (("graph", "x*y", "--format", "svg", "--engine", "matplotlib"), b"<?xml"),
                        (("explore", "x*y"), b"<!DOCTYPE html>"),
                        (("graph", "x*y", "--format", "png", "--engine", "matplotlib"), b"\x89PNG\r\n")):
        status, out, err = call(capsysbinary, *argv, "-o", "-")
        assert status == 0 and out.startswith(start) and err == b"", argv
        if "--engine" not in argv:  # a matplotlib picture carries ids that differ from run to run
            assert out == call(capsysbinary, *argv)[1]  # what it prints without -o
    assert not (tmp_path / "-").exists()


def test_a_failed_write_says_so_in_words():
    """Was: 'symgraph: [Errno 28] No space left on device'."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "symgraph", "grad", "x*y"], stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and done.stderr == "symgraph: cannot write the result: No space left on device\n"


def test_latex_aligned_without_wrt_is_refused(capsys):
    """Was: --aligned without --wrt was ignored without a word."""
    status, out, err = call(capsys, "latex", "x*y", "--aligned")
    assert status == 2 and out == "" and err == "symgraph: --aligned lines up the partial derivatives: it needs --wrt NAME ...\n"
    assert call(capsys, "latex", "x*y", "--aligned", "--wrt", "x")[0] == 0


def test_expr_taken_by_a_list_option_gets_a_hint(capsys):
    """Was: only 'the following arguments are required: EXPR' when --wrt had taken the expression."""
    status, out, err = call(capsys, "grad", "--wrt", "x", "y", "x*y")
    assert status == 2 and err.rstrip().endswith(
        "(--wrt, --at and --size take every word after them: put EXPR first, or end the list with '--': "
        "symgraph grad --wrt x y -- \"x*y\")")
    status, out, err = call(capsys, "grad", "--wrt", "x", "y", "--", "x*y")
    assert status == 0 and out.splitlines() == ["df/dx = y", "df/dy = x"]


def test_jacobian_of_constants_says_it_is_empty(capsys):
    """Was: the two '# f1 = 1' lines and then an empty line."""
    status, out, err = call(capsys, "jacobian", "1", "2")
    assert status == 0 and out.splitlines() == ["# f1 = 1", "# f2 = 2", "# f1, f2 have no variables: the Jacobian is empty"]


def test_at_numbers_follow_the_grammar():
    """Was: Python's float() read --at x=1_000 as 1000 and x=١٢ (Arabic-Indic digits) as 12, numbers the
    grammar refuses in the expression itself; and x=1,5 said only: expects NAME=VALUE, got '5'."""
    from symgraph.cli import UsageError
    with pytest.raises(UsageError, match="numbers have no digit separators"):
        parse_point(["x=1_000"])
    with pytest.raises(UsageError, match="ARABIC-INDIC DIGIT ONE"):
        parse_point(["x=\u0661\u0662"])
    with pytest.raises(UsageError, match=r"got '5' \(commas separate NAME=VALUE pairs: a decimal is written with a point, 1.5, a list in brackets"):
        parse_point(["x=1,5"])
    assert parse_point(["x=-1.5e-3", "y= 2", "z=.5"]) == {"x": -0.0015, "y": 2.0, "z": 0.5}


def test_standard_input_closed_or_not_utf8_is_one_line():
    """Was: with standard input closed, '-' raised AttributeError with a traceback (status 1); bytes that are
    not UTF-8 came through as surrogate escapes ('character U+DCFF (control character) is not allowed')."""
    done = subprocess.run([sys.executable, "-m", "symgraph", "grad", "-"], capture_output=True, cwd=ROOT,
                          timeout=120, stdin=subprocess.DEVNULL, env=CHECKOUT,
                          preexec_fn=lambda: os.close(0))
    assert done.returncode == 2 and done.stderr.decode() == \
        "symgraph: '-' reads the expression from standard input, but there is none\n"
    done = subprocess.run([sys.executable, "-m", "symgraph", "grad", "-"], capture_output=True, cwd=ROOT,
                          timeout=120, input=b"x*\xff", env=CHECKOUT)
    assert done.returncode == 2 and done.stderr.decode() == "symgraph: standard input is not UTF-8 text\n"
    done = subprocess.run([sys.executable, "-m", "symgraph", "grad", "-"], capture_output=True, cwd=ROOT,
                          timeout=120, input="\ufeffa = x*y\r\nb = a + 1\r\n".encode(), env=CHECKOUT)
    assert done.returncode == 0 and done.stdout.decode().splitlines() == ["db/dx = y", "db/dy = x"]


def test_sparse_hessian_without_nonzeros_at_a_point(capsys):
    """Was: 'symgraph: max() arg is an empty sequence' (status 2) with --at, and a blank line without."""
    for extra in ([], ["--at", "x=0", "y=1"]):
        status, out, err = call(capsys, "hessian", "x + y", "--sparse", *extra)
        assert status == 0 and err == "" and out == \
            "# 2x2 sparse Hessian of f: 0 structural nonzeros, 0 on and above the diagonal\n"


def test_unused_wrt_warning_is_short_whatever_the_inputs(capsys):
    """Was: the warning named every input, 2,000 of them here, on one line."""
    text = "+".join(f"x{i}" for i in range(2000))
    status, out, err = call(capsys, "grad", text, "--wrt", "x", "--allow-unused")
    assert status == 0 and err == ""
    status, out, err = call(capsys, "grad", text, "--wrt", "x")
    assert status == 0 and len(err) < 400 and "(inputs: x0, x1, " in err and "... (1,980 more); closest to 'x': " in err


def test_a_defect_raising_a_plain_value_error_is_an_internal_error_not_bad_input(capsys, monkeypatch):
    # main() read any ValueError as bad input (status 2), so a defect (max() of an empty sequence) looked
    # like the user's mistake; symgraph's own errors are the bad-input ones
    import symgraph.cli as cli

    def broken(args, out):
        raise ValueError("max() arg is an empty sequence")

    real = cli.build_parser

    def parser_with_a_broken_grad():
        parser = real()
        parser._subparsers._group_actions[0].choices["grad"].set_defaults(run=broken)
        return parser

    monkeypatch.setattr(cli, "build_parser", parser_with_a_broken_grad)
    status, _, err = call(capsys, "grad", "x*y")
    assert status == 1 and err.startswith("symgraph: internal error (ValueError: max() arg is an empty sequence)")
    assert no_traceback(err)
    monkeypatch.undo()
    status, _, err = call(capsys, "grad", "x*")  # bad input stays status 2
    assert status == 2 and "internal" not in err


def test_grad_and_jacobian_print_a_bounded_number_of_entries_and_count_the_rest(capsys):
    # every entry was printed: 10,000 closed forms took 13-18 s; --json still gives every one
    from symgraph.cli.printing import ENTRY_LINES
    status, out, _ = call(capsys, "grad", "sum(x[i]^2, i, 0, n-1)", "--size", "n=250", "--at", f"x=[{', '.join(['1'] * 250)}]")
    lines = out.splitlines()
    assert status == 0 and len(lines) == ENTRY_LINES + 1
    assert lines[0].startswith("df/dx[0]  = 2*x[0]") and lines[0].endswith("= 2")  # padded as df/dx[99], the last shown
    assert lines[-1] == f"# ... and {250 - ENTRY_LINES:,} more (--json prints every one)"
    status, out, _ = call(capsys, "grad", "sum(x[i]^2, i, 0, n-1)", "--size", "n=250", "--json")
    assert status == 0 and len(json.loads(out)["gradient"]) == 250
    status, out, _ = call(capsys, "grad", "sum(x[i]^2, i, 0, n-1)", "--size", f"n={ENTRY_LINES}")
    assert status == 0 and len(out.splitlines()) == ENTRY_LINES and "more" not in out  # exactly the bound: all
    status, out, _ = call(capsys, "jacobian", "sum(x[i], i, 0, n-1)", "sum(x[i]^3, i, 0, n-1)", "--size", "n=60")
    lines = [line for line in out.splitlines() if not line.startswith("# f")]
    assert status == 0 and len(lines) == ENTRY_LINES + 1 and lines[-1].startswith(f"# ... and {120 - ENTRY_LINES}")
    assert lines[60].startswith("df2/dx[0]  = 3*x[0]**2")  # padded as df1/dx[59]


def test_too_many_paths_advises_command_line_options_not_python_keywords(capsys):
    # the library's advice "use mode='reverse' ..., or raise limit=" reached the shell, which has no limit=
    import symgraph as sg
    text = "; ".join(["a1 = sin(x) + cos(x)"] + [f"a{i} = sin(a{i - 1}) + cos(a{i - 1})" for i in range(2, 20)])
    status, _, err = call(capsys, "grad", text, "--mode", "paths")
    assert status == 2 and "524,288 input-output paths, more than the limit of 10,000" in err
    assert err.strip().endswith("use --mode reverse or --mode forward (they merge paths)")
    assert "limit=" not in err and "mode='" not in err
    with pytest.raises(sg.PathLimitError, match="raise limit="):  # the library keeps its own advice
        sg.grad(text, mode="paths")


def test_latex_output_is_bounded_like_the_other_entry_lines(capsys):
    """grad --latex (and latex --wrt) wrote every entry and, with --at, every value: 35 s at n = 3,000.  They
    write ENTRY_LINES entries and values and count the rest; --json --latex keeps every entry.  jacobian
    --latex built every entry's closed form to print the matrix; it prints the first rows and columns."""
    from symgraph.cli.printing import ENTRY_LINES
    from symgraph.export.latex_matrices import MATRIX_LIMIT
    n = 250
    text, size, point = "sum(x[i]^2, i, 0, n-1)", f"n={n}", f"x=[{', '.join(['1'] * n)}]"
    status, out, _ = call(capsys, "grad", text, "--size", size, "--latex", "--at", point)
    lines = out.splitlines()
    assert status == 0 and len(lines) == 2 * (ENTRY_LINES + 1)
    assert lines[0] == r"\frac{\partial f}{\partial x_{0}} = 2 x_{0}"
    assert lines[ENTRY_LINES] == rf"\text{{\dots {n - ENTRY_LINES} more entries}}"
    assert lines[ENTRY_LINES + 1] == "df/dx[0]  = 2" and lines[-1] == f"% ... and {n - ENTRY_LINES} more (--json prints every one)"
    status, out, _ = call(capsys, "latex", text, "--size", size, "--wrt", "x")
    assert status == 0 and out.count(r"\frac") == ENTRY_LINES and "more entries" in out
    status, out, _ = call(capsys, "grad", text, "--size", size, "--latex", "--json")
    assert status == 0 and json.loads(out)["latex"].count(r"\frac") == n
    texts = [f"x{i}*x{i + 1}" for i in range(30)]
    status, out, _ = call(capsys, "jacobian", *texts, "--latex")
    matrix = [line.split(" = ", 1)[1] for line in out.splitlines() if r"\begin{pmatrix}" in line]
    assert status == 0 and len(matrix) == 1 and matrix[0].count(r"\\") == MATRIX_LIMIT - 1 and r"\ddots" in matrix[0]
    assert matrix[0].startswith(r"\begin{pmatrix}x_{1} & x_{0} & 0 & ")
    status, out, _ = call(capsys, "jacobian", *texts, "--latex", "--json")
    assert status == 0 and r"\ddots" not in json.loads(out)["latex"] and json.loads(out)["latex"].count(r"\\") == 29


def test_a_picture_too_big_advises_the_commands_options(capsys, tmp_path):
    """symgraph graph of a 891-node graph advised 'write it with to_dot/to_mermaid', Python functions the
    shell has not; it says --format dot or --format mermaid, and --size for a smaller model."""
    import symgraph as sg
    rosenbrock = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"
    status, _, err = call(capsys, "graph", rosenbrock, "--size", "n=100", "-o", str(tmp_path / "big.png"))
    assert status == 2 and "graph has 891 nodes; pictures are limited to 400" in err
    assert "--format dot or --format mermaid" in err and "to_dot" not in err and "--size n=2" in err
    with pytest.raises(sg.RenderError, match="to_dot/to_mermaid"):  # the library keeps its own advice
        sg.draw(sg.parse(rosenbrock, n=100))


def test_a_wrt_name_assigned_a_constant_is_a_warning_in_the_shell(capsys):
    """--wrt d for 'd = 2; e = d*x' printed de/dd = 0 and nothing else."""
    status, out, err = call(capsys, "grad", "d = 2; e = d*x", "--wrt", "d", "x")
    assert status == 0 and "de/dd = 0" in out
    assert err.strip() == ("warning: --wrt 'd' is assigned a constant in the expression, not a variable: its "
                           "derivative is 0. Make it an input to differentiate by it, or add --allow-unused if 0 is meant.")
    assert call(capsys, "grad", "d = 2; e = d*x", "--wrt", "d", "x", "--allow-unused")[2] == ""


def test_a_dense_hessian_too_large_to_write_prints_as_the_sparse_one_does(capsys):
    """symgraph hessian of a deep chain once advised Python the shell has not, then refused and said --sparse;
    dense or sparse, such entries print as their program, with advice in the command's own words."""
    deep = "x"
    for _ in range(60):
        deep = f"sin({deep}*y)"
    status, dense, err = call(capsys, "hessian", deep)
    assert status == 0 and err == "" and "(above)" in dense and "sg.hessian" not in dense
    status, sparse, _ = call(capsys, "hessian", deep, "--sparse")
    assert status == 0 and dense.splitlines()[1:] == sparse.splitlines()[1:]  # all four entries are nonzero


#: Python calls the library's printing advises, which a shell user cannot type
PYTHON_WORDS = ("result.", ".at()", ".lambdify()", ".listing()", "result[")

#: a product whose every partial has about 2n operations: too large to print as a formula, a long listing
PRODUCT = "prod(1 + x[i], i, 0, n-1)"


def chain(links: int) -> str:
    """A program of ``links`` nested steps, a_k = sin(a_{k-1})*y: its derivatives grow fast with the length."""
    return "; ".join(["a0 = x"] + [f"a{k} = sin(a{k - 1})*y" for k in range(1, links)])


@pytest.mark.parametrize("command, expr", [("grad", (PRODUCT, "--size", "n=300")),
                                           ("jacobian", (PRODUCT, "x[0]^2", "--size", "n=300")),
                                           ("hessian", (chain(12),))])
def test_a_result_printed_as_its_program_advises_the_commands_options(command, expr, capsys):
    """symgraph grad/jacobian/hessian of a large product printed the library's notes, 'result.program.listing()
    writes every line' and 'expand with result['x[0]'] or result.expand(...)': Python calls, in a shell.  The
    notes now name the options: --json writes every line, --expand prints the closed form whole."""
    status, out, err = call(capsys, command, *expr)
    notes = [line for line in out.splitlines() if line.startswith("# ") and ("omitted" in line or "closed form" in line)]
    assert status == 0 and err == "" and len(notes) == 2, out
    assert "--json writes every line" in notes[0] and "--expand prints it whole" in notes[1]
    assert not any(word in note for note in notes for word in PYTHON_WORDS), notes


def test_the_json_that_the_shortened_listing_points_to_has_every_line(capsys):
    """The note under a shortened Jacobian says --json writes every line, but its JSON had no 'program'."""
    status, out, _ = call(capsys, "jacobian", PRODUCT, "x[0]^2", "--size", "n=300", "--json")
    program = json.loads(out)["program"]
    assert status == 0 and len(program) > 800 and program[-1].startswith("out[")


def test_a_result_nested_too_deep_advises_at_in_the_shell_and_lambdify_in_python(capsys):
    """A derivative nested deeper than sympy can build said '.at() and .lambdify() compute it' in the shell;
    the command's note says --at, the library's repr keeps its Python advice."""
    import symgraph as sg
    deep = chain(200)
    status, out, _ = call(capsys, "grad", deep, "--wrt", "x")
    note = [line for line in out.splitlines() if "levels deep" in line]
    assert status == 0 and len(note) == 1 and "--at NAME=VALUE" in note[0], out
    assert not any(word in note[0] for word in PYTHON_WORDS)
    shown = repr(sg.grad(deep, wrt=["x"]))
    assert ".at() and .lambdify() compute it" in shown and "--at" not in shown


def test_an_expression_printed_as_its_program_advises_the_graph_command(capsys):
    """The JSON 'expression' of a long expression ended its listing with 'result.program.listing()', which
    is no help for an expression; it names 'symgraph graph EXPR --format dot', which writes every node."""
    status, out, _ = call(capsys, "grad", chain(100), "--json")
    expression = json.loads(out)["expression"]
    assert status == 0 and "symgraph graph EXPR --format dot writes every node" in expression
    assert not any(word in expression for word in PYTHON_WORDS)


def test_latex_output_notes_are_latex_comments(capsys, tmp_path):
    """--latex wrote its notes (the functions' key, auto's choice, the count of entries left out) as '#' lines,
    which stop LaTeX ("You can't use macro parameter character #"); they are '%' comments there now."""
    point = f"x=[{', '.join(['1'] * 150)}]"
    outputs = [call(capsys, "jacobian", "x*y", "x+y", "--latex")[1],
               call(capsys, "grad", "x*y", "--latex", "--mode", "auto")[1],
               call(capsys, "grad", "sum(x[i]^2, i, 0, n-1)", "--size", "n=150", "--latex", "--at", point)[1]]
    assert outputs[0].splitlines()[:2] == ["% f1 = x*y", "% f2 = x+y"]
    assert outputs[1].startswith("% mode='auto' chose reverse")
    assert outputs[2].splitlines()[-1] == "% ... and 50 more (--json prints every one)"
    for out in outputs:
        assert not [line for line in out.splitlines() if line.startswith("#")], out
    assert call(capsys, "jacobian", "x*y", "x+y")[1].startswith("# f1 = x*y\n")  # plain output keeps '#'
    if shutil.which("pdflatex") is None:
        return
    body = "\n".join(line if line.startswith("%") else rf"\[{line}\]" for out in outputs for line in out.splitlines())
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
                                      + body + "\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


def test_empty_standard_input_is_one_line_naming_it(capsys, monkeypatch):
    """An empty @FILE said "cannot read the expression file @f: it is empty", but '-' with nothing on standard
    input printed "empty expression (at position 0)" over a caret excerpt of nothing, naming neither where the
    text came from nor what was wrong.  Both now say it alike."""
    for given, why in (("", "it is empty"), (" \n\t\n", "it holds only white space, no expression")):
        monkeypatch.setattr(sys, "stdin", io.StringIO(given))
        status, out, err = call(capsys, "grad", "-")
        assert (status, out, err) == (2, "", f"symgraph: cannot read the expression from standard input: {why}\n")


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_an_engine_for_text_is_refused_not_ignored(fmt, capsys):
    """--engine draws pictures; with Mermaid or DOT text it was silently ignored."""
    status, out, err = call(capsys, "graph", "x*y", "--format", fmt, "--engine", "matplotlib")
    assert status == 2 and out == "" and "--engine" in err and f"{fmt} is text" in err
    status, out, _ = call(capsys, "graph", "x*y", "--format", fmt)
    assert status == 0 and out


@pytest.mark.parametrize("at, label", [("x=[1, 2, nan]", "x[2]"), ("x=[1/0, 2, 3]", "x[0]"),
                                       ("W=[[1, 2], [3, abc]]", "W[1, 1]"), ("W=[[1, inf], [3, 4]]", "W[0, 1]")])
def test_a_bad_entry_of_a_list_is_named_by_its_index(at, label, capsys):
    """An entry of x=[...] that is no finite number was named 'x[...]': which of them, the user had to find."""
    text = "sum(x[i]^2, i, 0, 2)" if at.startswith("x") else "sum(sum(W[i, j], i, 0, 1), j, 0, 1)"
    status, _, err = call(capsys, "grad", text, "--at", at)
    assert status == 2 and f"--at value for {label!r}" in err and "[...]" not in err
