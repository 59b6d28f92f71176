"""Fuzzing: near-valid text and command lines, as typed in a hurry or copied from a paper, get a result or a
symgraph error that says what and where; never a raw Python exception, a traceback or unbounded work.

Hypothesis writes text from a small grammar of the language (names, numbers, operators, calls, ``where``
and its conditions, sums over indices, definitions, assignments, comments) and then mutates it: a junk
token inserted (a confusable such as U+2212, a zero-width space, a stray bracket, a NUL, a huge literal),
a character deleted, a span cut out.  The properties:

* ``parse`` gives a graph or a :class:`~symgraph.errors.SymgraphError`; a parse error's position lies in
  its text and its caret sits under that character (or past the end);
* the work is bounded by the text's size: a text without sums or definitions makes at most a few nodes
  per character, and its gradient program a few rows per node (no timing is asserted: a bound on size
  holds on any machine);
* derivatives of what parses give a result or a symgraph error, in every mode;
* the command, run in-process through ``main(argv)``, exits 0 with output or 2 with one ``symgraph:``
  (or usage) message on stderr, never 1 (an internal error) and never a traceback.

The examples are derandomised (tests/conftest.py); ``SYMGRAPH_HYPOTHESIS=random`` and
``SYMGRAPH_FUZZ_EXAMPLES=2000`` search wider.  The regressions below the properties are the defects
this fuzzing found, each with what it did before.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import warnings

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import symgraph as sg
from symgraph.cli import main

FUZZ = settings(max_examples=int(os.environ.get("SYMGRAPH_FUZZ_EXAMPLES", 40)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NAMES = ["x", "y", "z", "e", "a1", "_b", "x", "y"]
NUMBERS = ["0", "1", "2", "0.5", "3.", ".25", "1e3", "2.5e-3", "1e300", "10"]
UNARY = ["sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "softplus", "floor", "sign", "erf",
         "log1p", "cbrt", "asin", "acosh"]
BINARY_CALLS = ["max", "min", "hypot", "atan2", "pow"]
OPERATORS = ["+", "-", "*", "/", "^", "**", " + ", " * "]
COMPARISONS = [">", "<", ">=", "<=", "==", "!="]
#: what a mutation inserts: confusables, invisible characters, stray punctuation, huge literals, keywords
JUNK = ["(", ")", ",", "=", "[", "]", "^", "*", "-", "\u2212", "\u00d7", "\u00b7", "\uff12", "\u200b", "\u00a0",
        "\u202e", "\ufeff", "#", ";", "\n", "\r\n", "\t", ".", "**", "e", "1e", "1e999", "9" * 400, "\x00", "\u00e9",
        "sum(", "where(", " and ", " or ", "not ", "x[", "x[0]", "lambda", "import", "'", "\\", "{", "|", "@", ":"]


def _expressions(leaf: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Expressions of the grammar over ``leaf``: operators, calls, ``where`` with conditions."""
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        condition = st.tuples(inner, st.sampled_from(COMPARISONS), inner,
                              st.sampled_from(["", " and y > 0", " or not x < 1"])).map("".join)
        return st.one_of(
            st.tuples(inner, st.sampled_from(OPERATORS), inner).map("".join),
            st.tuples(st.sampled_from(["-", "+", "--"]), inner).map("".join),
            inner.map("({})".format),
            st.tuples(st.sampled_from(UNARY), inner).map(lambda p: f"{p[0]}({p[1]})"),
            st.tuples(st.sampled_from(BINARY_CALLS), inner, inner).map(lambda p: f"{p[0]}({p[1]}, {p[2]})"),
            st.tuples(condition, inner, inner).map(lambda p: f"where({p[0]}, {p[1]}, {p[2]})"),
        )
    return st.recursive(leaf, extend, max_leaves=8)


EXPRESSIONS = _expressions(st.sampled_from(NAMES + NUMBERS))
#: a sum's or product's term reads the index (w[i], w[i+1]) and the names around it
REDUCTIONS = st.tuples(st.sampled_from(["sum", "prod"]), _expressions(st.sampled_from(["w[i]", "w[i+1]", "x", "2"])),
                       st.sampled_from(["0", "1", "n-1", "2"]), st.sampled_from(["n-1", "n", "0", "-1", "3"])
                       ).map(lambda p: f"{p[0]}({p[1]}, i, {p[2]}, {p[3]})")


@st.composite
def programs(draw) -> str:
    """A program: maybe a definition, a few assignments (names clashing with functions now and then), a comment,
    and a last line; separated by newlines or ';'."""
    lines = []
    if draw(st.booleans()):
        lines.append(f"h(u, v) = {draw(EXPRESSIONS).replace('x', 'u').replace('y', 'v')}")
    for k in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from([f"c{k}", f"c{k}", "x", "sin", "pi", "c0"]))
        lines.append(f"{name} = {draw(st.one_of(EXPRESSIONS, REDUCTIONS))}")
    if draw(st.booleans()):
        lines.append("# a comment, \u2212 and all")
    lines.append(draw(st.one_of(EXPRESSIONS, REDUCTIONS, st.sampled_from(["h(x, y)", "h(x)", "h(c0, 1)", "c0"]))))
    return draw(st.sampled_from(["\n", "; ", ";\n"])).join(lines)


@st.composite
def mutated(draw, texts: st.SearchStrategy[str]) -> str:
    """``texts`` with up to three mutations (none in about half): a junk token inserted, a character deleted, a
    span cut out."""
    text = draw(texts)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "cut"]))
        if kind == "insert" or not text:
            text = text[:at] + draw(st.sampled_from(JUNK)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1:]
        else:
            end = draw(st.integers(at, len(text)))
            text = text[:at] + text[end:]
    return text


TEXTS = mutated(st.one_of(EXPRESSIONS, REDUCTIONS, programs()))


def _sizes(text: str) -> dict:
    """n=3 when the text names n (a size no text names is an error of its own)."""
    return {"n": 3} if re.search(r"\bn\b", text) else {}


def _bounded(text: str) -> bool:
    """Whether the text's graph is bounded by its length: no sums or products, no definitions to expand."""
    return not re.search(r"\b(sum|prod)\b|\)\s*=", text)


def _check_caret(error: sg.ParseError) -> None:
    """The message's last two lines are the excerpt and a lone caret under the character at ``position``."""
    assert 0 <= error.position <= len(error.text)
    *_, shown, caret = str(error).split("\n")
    assert caret.strip() == "^", str(error)
    column = caret.index("^")
    ch = error.text[error.position] if error.position < len(error.text) else "\n"
    if ch != "\n":
        assert shown[column:column + 1] in (ch, "?", " " if ch == "\t" else ch), str(error)


@FUZZ
@given(TEXTS)
def test_text_parses_to_a_graph_or_a_parse_error_with_its_caret(text):
    try:
        graph = sg.parse(text, **_sizes(text))
    except sg.ParseError as error:
        _check_caret(error)
        return
    except sg.SymgraphError:
        return
    if _bounded(text):  # hash-consing and folding only shrink it: a node is at least one character's worth
        assert graph.nx.number_of_nodes() <= 2 * len(text) + 1


@FUZZ
@given(TEXTS, st.sampled_from(["reverse", "forward", "paths", "elimination", "auto"]))
def test_what_parses_differentiates_or_says_why(text, mode):
    try:
        graph = sg.parse(text, **_sizes(text))
    except sg.SymgraphError:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # values may overflow; that is float64's answer, not an error
        try:
            gradient = sg.grad(graph, mode=mode)
            str(gradient), gradient.latex()
            gradient.at(**{name: 0.5 for name in graph.input_labels})
        except sg.SymgraphError:
            return
    if _bounded(text):  # one sweep's program is linear in the graph: a few rows per edge
        assert len(gradient.program) <= 12 * (graph.nx.number_of_nodes() + graph.nx.number_of_edges()) + 4


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` in-process: its status, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(argv, out=out)
    return status, out.getvalue(), err.getvalue()


def _check_run(argv: list[str]) -> None:
    """Exit 0 with output, or 2 with a message on stderr; never 1 (an internal error), never a traceback."""
    status, out, err = _run(argv)
    assert status in (0, 2), (argv, status, err)
    assert "Traceback" not in err and "internal error" not in err, (argv, err)
    if status == 2:
        assert err.startswith(("symgraph:", "usage:")), (argv, err)
    else:
        assert out.strip(), argv


GOOD_VALUES = st.sampled_from(["1", "0", "-1", "2.5", "pi/4", "sqrt(2)", "0.5", "-0.25"])
VALUES = st.sampled_from(["1", "0", "-1", "2.5", "pi/4", "sqrt(2)", "1e308", "1e-320", "", "x", "nan", "1e999",
                          "[1, 2, 3]", "[[1]]", "2^1024", "1/0", "\u22121", "1,y=2", "=", "1=2"])
FLAG_NAMES = st.sampled_from(["x", "y", "z", "e", "w", "x[0]", "w[1]", "q", "X", "", "x y", "-x", "sin", "1"])


def _inputs(text: str) -> list[str]:
    """The inputs of ``text`` as ``--at`` names them (``x``, ``w[0]``), or none when it does not parse."""
    try:
        return list(sg.parse(text, **_sizes(text)).input_labels)
    except sg.SymgraphError:
        return []


@st.composite
def command_lines(draw) -> list[str]:
    """A subcommand, a (mutated) text and a few options: mostly good values (a point for every input), now
    and then bad ones."""
    command = draw(st.sampled_from(["grad", "jacobian", "hessian", "compare", "graph", "latex"]))
    text = draw(TEXTS)
    argv = [command, text]
    if command in ("jacobian", "compare") and draw(st.booleans()):
        argv.append(draw(EXPRESSIONS))
    bad = draw(st.integers(0, 3)) == 0  # one command line in four has a bad value in an option
    if _sizes(text):
        argv += ["--size", draw(st.sampled_from(["n=-1", "n=x", "n", "n=(2,3)", "n=1e999"])) if bad else "n=3"]
    inputs = _inputs(argv[1])
    if command not in ("latex", "compare") and draw(st.booleans()):
        pairs = [f"{name}={draw(GOOD_VALUES)}" for name in inputs]
        if bad or not pairs:
            pairs.append(draw(st.tuples(FLAG_NAMES, VALUES).map("=".join)))
        argv += ["--at", *pairs]
    if command not in ("graph",) and draw(st.booleans()):
        argv += ["--wrt", *draw(st.lists(FLAG_NAMES if bad or not inputs else st.sampled_from(inputs),
                                         min_size=1, max_size=3, unique=True))]
    options = {"grad": ["--json", "--latex", "--expand", "--mode=paths", "--mode=auto", "--simplify=full"],
               "jacobian": ["--json", "--latex", "--mode=forward", "--mode=elimination"],
               "hessian": ["--sparse", "--json", "--latex", "--mode=edge-pushing", "--mode=reverse-over-reverse"],
               "compare": ["--json", "--order=2"],
               "graph": ["--grad", "--derivatives", "--format=dot"],
               "latex": ["--aligned", "--simplify=none"]}[command]
    slips = ["--bogus", "--mode", "--format=pdf", "--order=3"] if bad else []
    argv += draw(st.lists(st.sampled_from(options + slips),
                          max_size=2, unique=True))
    return argv


@FUZZ
@given(command_lines())
def test_the_command_exits_0_with_output_or_2_with_a_message(argv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _check_run(argv)


@FUZZ
@given(st.one_of(EXPRESSIONS, REDUCTIONS, programs()), st.sampled_from(["grad", "hessian", "graph", "latex"]))
def test_text_that_parses_runs_on_the_command_line_as_written(text, command):
    """Good input as carefully as bad: what the library parses, the command takes as EXPR as it is (a text
    starting with '-' included)."""
    try:
        sg.parse(text, **_sizes(text))
    except sg.SymgraphError:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        status, out, err = _run([command, text, *(["--size", "n=3"] if _sizes(text) else [])])
    assert status == 0 and out and not err.startswith(("usage:", "symgraph:")), (text, err)


# --------------------------------------------------------------------------- what the fuzzing found


def test_an_at_list_nested_deeper_than_an_array_can_be_says_so():
    # 65 nested lists (an input of 65 indices takes them) or 20,000: "the rows ... differ in length", which they
    # do not; and the brackets took time quadratic in their number (each ']' searched the text before it again)
    many = "x[" + ", ".join(["0"] * 65) + "]*y"
    for text, value in [(many, "[" * 65 + "1" + "]" * 65), ("x[0]*y", "[" * 20_000 + "1" + "]" * 20_000)]:
        status, _, err = _run(["grad", text, "--at", f"x={value}", "y=1"])
        assert status == 2 and "nests lists" in err and "differ in length" not in err, err
    status, out, _ = _run(["grad", many, "--at", f"x[{', '.join(['0'] * 65)}]=2", "y=1"])  # one by one: fine
    assert status == 0 and out.endswith("= 2\n")


def test_an_at_list_the_shell_split_into_many_words_is_read_in_linear_time():
    # --at x=[1, 2, ..., n] unquoted is n words; each joined the list so far and counted its brackets again:
    # 40,000 words took 7 s, 100,000 about 45 s.  Now each word is counted once (0.5 s here).  The bound is not
    # a timing of the code: it is far above linear time on a loaded machine and far below the quadratic time
    from concurrent.futures import ThreadPoolExecutor
    from symgraph.cli.points import parse_point
    words = ["x=[0,", *(f"{k}," for k in range(1, 99_999)), "99999]", "y=(1", "+", "2)"]
    pool = ThreadPoolExecutor(1)
    try:
        point = pool.submit(parse_point, words).result(timeout=20)
    finally:
        pool.shutdown(wait=False)  # on a timeout, fail now rather than when the quadratic loop ends
    assert point["x"].shape == (100_000,) and point["x"][-1] == 99_999 and point["y"] == 3


def test_a_wrt_word_starting_with_a_minus_is_named_as_typed():
    # the space that lets an expression "-x^2" through argparse was shown in the message: wrt ' -x'
    status, _, err = _run(["grad", "x*y", "--wrt", "x", "-y"])
    assert status == 2 and "wrt '-y' is not a name" in err, err


@pytest.mark.parametrize("text, printed", [("-x-y", "df/dx = -1\ndf/dy = -1\n"), ("-x[0]", "df/dx[0] = -1\n"),
                                           ("-1-x", "df/dx = -1\n"), ("-x#c", "df/dx = -1\n")])
def test_an_expression_starting_with_a_minus_is_an_expression_whatever_follows(text, printed):
    # "-x^2" worked but "-x-y", "-1-x", "-x[0]", "-1e5" were taken for options: "the following arguments are
    # required: EXPR", with advice about --wrt lists
    assert _run(["grad", text]) == (0, printed, "")
    assert _run(["grad", "-1e5"])[0] == 0
    # and of two or more, unless a long option looks like it: '---x', '--x^2' and 20,000 minus signs were options
    assert _run(["grad", "---x"]) == (0, "df/dx = -1\n", "")
    assert _run(["grad", "--x^2"]) == (0, "df/dx = 2*x\n", "")
    assert _run(["latex", "-" * 20_000 + "x"])[0] == 0
    assert _run(["grad", "--x"])[0] == 2  # a misspelt option, most likely: '-- --x' is the expression


def test_a_file_name_after_o_is_not_taken_for_an_expression(tmp_path, monkeypatch):
    # '-o -x.svg' wrote a file named ' -x.svg', with the space that marks an expression
    monkeypatch.chdir(tmp_path)
    status, _, err = _run(["graph", "x", "-o", "-x.svg"])
    assert status == 2 and "argument -o/--output: expected one argument" in err and not list(tmp_path.iterdir())


def test_a_size_tuple_of_one_is_written_as_python_writes_it():
    # --size x=(3,) was refused as "a size is a non-negative integer (or a tuple of them ...), got '(3,)'"
    printed = "df/dx[0] = 1\ndf/dx[1] = 1\ndf/dx[2] = 0\n"
    assert _run(["grad", "sum(x[i], i, 0, 1)", "--size", "x=(3,)"]) == (0, printed, "")
    assert _run(["grad", "x[0]", "--size", "x=(,)"])[0] == 2


def test_an_element_index_in_full_width_digits_is_no_index():
    # the text refuses '０' (U+FF10), but wrt= and --at took x[０] for x[0]: Python's \\d and isdecimal() take
    # any script's digits
    with pytest.raises(sg.SymgraphError, match="is not a name"):
        sg.grad("x[0]*x[1]", wrt=["x[\uff10]"])
    status, _, err = _run(["grad", "x[0]*x[1]", "--at", "x[\uff10]=1", "x[1]=2"])
    assert status == 2 and "an element of x is written x[0]" in err, err


def test_an_output_file_without_a_suffix_is_named_in_the_message():
    # "cannot tell the format from 'a name without suffix'": a description quoted as if it were the suffix
    status, _, err = _run(["graph", "x*y", "-o", os.devnull])
    assert status == 2 and f"from '{os.devnull}', a name without a suffix: add --format" in err, err


def test_a_picture_without_matplotlib_says_what_to_install(monkeypatch):
    # matplotlib is optional: without it (and without Graphviz) the command printed a ModuleNotFoundError's
    # traceback, as the renderer imported matplotlib before the figure's check that says what to install
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what a machine without matplotlib imports
    with pytest.raises(sg.RenderError, match="needs matplotlib, which is not installed"):
        sg.draw("x*y", engine="matplotlib")
    status, _, err = _run(["graph", "x*y", "--engine", "matplotlib", "--format", "svg", "-o", "-"])
    assert status == 2 and err.startswith("symgraph: drawing with matplotlib needs matplotlib"), err


def test_a_sparse_result_without_scipy_says_what_to_install(monkeypatch):
    # scipy is optional, but a sparse Hessian's pattern imported it bare: `symgraph hessian ... --sparse` and
    # `symgraph compare ... --order 2` printed a ModuleNotFoundError's traceback
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.sparse", None)
    with pytest.raises(sg.MissingDependencyError, match="needs scipy, which is not installed: pip install scipy"):
        sg.jacobian_sparsity(["x*y", "x"], ["x", "y"])
    with pytest.raises(ImportError):  # what code that catches a missing package catches
        sg.hessian("x^2*y", sparse=True)
    for argv in (["hessian", "x^2*y", "--sparse"], ["compare", "x^2*y", "--order", "2"]):
        status, _, err = _run(argv)
        assert status == 2 and err == "symgraph: a sparsity pattern (a scipy.sparse matrix) needs scipy, which is " \
                                      "not installed: pip install scipy\n", err


def test_a_command_started_without_standard_output_says_so(monkeypatch, tmp_path):
    # `symgraph grad "x*y" >&-`: Python's sys.stdout is then None, and the final flush raised an AttributeError
    monkeypatch.setattr(sys, "stdout", None)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["grad", "x*y"]) == 2
        assert main(["graph", "x*y", "-o", str(tmp_path / "g.mmd")]) == 0  # a file needs no standard output
    assert err.getvalue() == "symgraph: cannot write the result: standard output is closed\n"
    assert (tmp_path / "g.mmd").read_text().startswith("flowchart")


def test_a_byte_that_is_not_utf8_is_named_as_a_byte():
    # the shell's word x<0xff>+y reaches Python as x\udcff+y, which was described as "U+DCFF (control character)"
    status, _, err = _run(["grad", "x\udcff+y"])
    assert status == 2 and "character U+DCFF (the byte 0xFF, which is not UTF-8 text) is not allowed" in err, err


def test_a_functions_module_that_exits_when_imported_is_named(tmp_path, monkeypatch):
    # a script given to --functions ran sys.exit() at its top level: the SystemExit left main(), and the command
    # ended silently with the script's status
    (tmp_path / "fuzz_exits_on_import.py").write_text("import sys\nsys.exit(3)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "fuzz_exits_on_import", raising=False)
    status, _, err = _run(["grad", "x", "--functions", "fuzz_exits_on_import"])
    assert status == 2 and "importing 'fuzz_exits_on_import' called sys.exit(3) (at " in err, err


def test_the_installed_command_reports_bad_input_without_a_traceback():
    """Smoke test of the real process (binary standard input): the status, one message, nothing on stdout."""
    run = subprocess.run([sys.executable, "-m", "symgraph", "hessian", "-", "--at", "x=nan"], input=b"\xff\xfe x",
                         capture_output=True, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert (run.returncode, run.stdout, run.stderr) == (2, b"", b"symgraph: standard input is not UTF-8 text\n")


def test_a_malformed_expression_is_one_message_with_its_caret():
    status, out, err = _run(["grad", "(a+b)*(b+1", "--at", "a=1"])
    assert (status, out) == (2, "")
    assert err == "symgraph: unclosed '(' (at position 6)\n  (a+b)*(b+1\n        ^\n"
