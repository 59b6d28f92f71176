"""The symgraph command: demo, grad, errors (in-process and through the installed script)."""
import shutil
import subprocess
import sys

import pytest

from symgraph.cli import main


def test_demo_prints_values_and_gradient(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "e = 6" in out and "de/da = b + 1" in out and "de/db = a + 2*b + 1" in out
    assert "de/dc = d" in out


def test_grad_with_values(capsys):
    assert main(["grad", "(a+b)*(b+1)", "--wrt", "a", "b", "--at", "a=2", "b=1"]) == 0
    out = capsys.readouterr().out
    assert "d/da = b + 1    = 2" in out and "d/db = a + 2*b + 1    = 5" in out


def test_parse_error_exits_2_with_caret(capsys):
    assert main(["grad", "(a+"]) == 2
    captured = capsys.readouterr()
    assert "^" in captured.err and "Traceback" not in captured.err and captured.out == ""


def test_bad_at_value():
    with pytest.raises(SystemExit, match="not a number"):
        main(["grad", "x", "--at", "x=abc"])


def test_reads_file_and_stdin(tmp_path, capsys, monkeypatch):
    path = tmp_path / "f.txt"
    path.write_text("c = a + b\nd = b + 1\ne = c * d\n")
    assert main(["grad", f"@{path}", "--wrt", "a"]) == 0
    assert "d/da = b + 1" in capsys.readouterr().out
    import io
    monkeypatch.setattr(sys, "stdin", io.StringIO("x*x"))
    assert main(["grad", "-"]) == 0
    assert "2*x" in capsys.readouterr().out


def test_python_dash_m_subprocess():
    result = subprocess.run([sys.executable, "-m", "symgraph", "grad", "sin(", "--wrt", "x"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "^" in result.stderr


@pytest.mark.skipif(shutil.which("symgraph") is None, reason="console script not installed")
def test_console_script_demo():
    result = subprocess.run(["symgraph", "demo"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "de/db" in result.stdout
