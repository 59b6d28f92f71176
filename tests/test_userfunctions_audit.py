"""Registered functions used as a researcher uses them: what went wrong, each checked here.

Each test registers through the ``define`` fixture, which removes what it
registered (and anything an imported module registered).
"""
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sympy

import symgraph as sg
from symgraph.cli import main
from symgraph.errors import FunctionDefinitionError, UnsupportedOpError


def np_square(x):
    return x * x


def np_product(x, y):
    return x * y


def np_cube(x):
    return x ** 3


# --------------------------------------------------------------------------- a derivative text's callees

@pytest.mark.parametrize("mode", ["reverse", "forward", "paths", "elimination"])
def test_a_derivative_calling_a_function_registered_again_with_other_arguments_names_both(define, mode):
    """cube's derivative text calls sq; sq is then registered again with two arguments.  The error said
    "this expression calls 'sq' ... build the expression again", but the user's expression ``cube(a)`` never
    calls sq and building it again changes nothing: it is cube's derivative, which must be registered again."""
    define("sq", numpy=np_square, derivatives=["2*x"])
    define("cube", numpy=np_cube, derivatives=["3*sq(x)"])
    assert sg.grad("cube(a)", wrt=["a"], mode=mode).at(a=2.0) == {"a": 12.0}
    define("sq", numpy=np_product, args=["x", "y"], derivatives=["y", "x"])
    with pytest.raises(UnsupportedOpError) as caught:
        sg.grad("cube(a)", wrt=["a"], mode=mode)
    message = str(caught.value)
    assert "derivative 1 of cube(x)" in message and "'sq'" in message and "register cube again" in message
    assert "build the expression again" not in message


def test_a_derivative_calling_a_removed_function_names_the_derivative(define):
    """sq removed, cube's derivative (which calls sq) is needed: the error named only 'sq' as an op without
    a rule, not that it is cube's derivative text that calls it -- for gradients, Hessians and sympy.diff."""
    sq = define("sq", numpy=np_square, derivatives=["2*x"])
    define("cube", numpy=np_cube, derivatives=["3*sq(x)"])
    sq.remove()
    for attempt in (lambda: sg.grad("cube(a)", wrt=["a"]),
                    lambda: sg.hessian("cube(a)", wrt=["a"], mode="edge-pushing"),
                    lambda: sympy.diff(sg.parse("cube(a)").expr(), sympy.Symbol("a"))):
        with pytest.raises(UnsupportedOpError, match=r"derivative 1 of cube\(x\) .*'sq'.*no longer registered"):
            attempt()
    define("sq", numpy=np_square, derivatives=["2*x"])  # registered again: the derivative works again
    assert sg.grad("cube(a)", wrt=["a"]).at(a=2.0) == {"a": 12.0}


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("name", ["lambda", "if", "None"])
def test_a_python_keyword_as_name_says_it_is_a_keyword(define, name):
    """``sg.function("lambda", ...)`` said the name must be 'an identifier (letters, digits, _)', which it is:
    the reason it is refused is that it is a Python keyword (generated code could not call it)."""
    with pytest.raises(FunctionDefinitionError, match="keyword"):
        define(name, numpy=np_square, derivatives=["2*x"])


# --------------------------------------------------------------------------- the command line

@pytest.mark.parametrize("body, said", [
    ("def f(:\n", "SyntaxError"),
    ("raise KeyError('boom')\n", "KeyError"),
    ("import symgraph as sg, numpy as np\nsg.function('sin', numpy=np.sin, derivatives=['cos(x)'])\n",
     "cannot define 'sin'"),
])
def test_a_functions_module_that_fails_to_import_is_a_clear_error(define, tmp_path, monkeypatch, capsys, body, said):
    """``--functions mymod`` where mymod has a syntax error or raises while it runs printed Python's
    traceback and exited 1 (an internal error's status); a failing registration in it did not say which
    module.  Now: exit 2 and one line naming the option, the module, the error and the module's line."""
    (tmp_path / "brokenfuncs.py").write_text(body)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "brokenfuncs", raising=False)
    status = main(["grad", "a*b", "--functions", "brokenfuncs"])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "--functions brokenfuncs" in err and said in err and "brokenfuncs.py" in err


# --------------------------------------------------------------------------- closed forms across registrations

def test_a_closed_form_from_before_a_registration_was_re_run_still_converts(define):
    """A notebook: a closed form is computed, the cell registering its function is re-run, the closed form is
    given to sg.grad.  It failed with "cannot convert sq (sq(a)) to a graph; supported are ... sq": each
    registration makes a new sympy class and only the newest was known.  A graph built before the
    re-registration still evaluates (it holds the name); so now does a closed form."""
    define("sq", numpy=np_square, derivatives=["2*x"])
    closed = sg.parse("sq(a)*b").expr()
    define("sq", numpy=np_square, derivatives=["2*x"])
    assert sg.grad(closed, wrt=["a", "b"]).at(a=3.0, b=2.0) == {"a": 12.0, "b": 9.0}
    define("sq", numpy=np_product, args=["x", "y"], derivatives=["y", "x"])
    with pytest.raises(UnsupportedOpError, match="now registered with 2"):
        sg.grad(closed, wrt=["a"])


def test_a_closed_form_of_a_removed_function_is_still_refused(define):
    """The other side of the rule above: a name no longer registered has no row, so its closed form does not convert."""
    sq = define("sq", numpy=np_square, derivatives=["2*x"])
    closed = sg.parse("sq(a)").expr()
    sq.remove()
    with pytest.raises(UnsupportedOpError, match="cannot convert"):
        sg.grad(closed, wrt=["a"])


# --------------------------------------------------------------------------- a scipy.special ufunc as the callable

def test_a_scipy_ufunc_callable_pickles_and_is_imported_by_standalone_source(define):
    """``numpy=scipy.special.gammaln`` (with its derivative digamma registered too) is the natural way to add
    a special function, but a compiled function calling it did not pickle ("it has no module and qualified
    name") and its standalone source was refused: scipy's ufuncs have no ``__module__``.  Their module is
    found as pickle finds it (``pickle.whichmodule``); the result in a fresh process is the callable's."""
    import pickle
    import subprocess

    special = pytest.importorskip("scipy.special")
    define("digamma", numpy=special.digamma, derivatives=["1"])  # only its value is used here
    define("lgamma", numpy=special.gammaln, derivatives=["digamma(x)"])
    gradient = sg.grad("lgamma(a)*b", wrt=["a", "b"])
    compiled = gradient.lambdify()
    expected = (special.digamma(2.5) * 3.0, special.gammaln(2.5))
    assert compiled(a=2.5, b=3.0) == pytest.approx(expected, rel=1e-15)
    loaded = subprocess.run(
        [sys.executable, "-c", "import pickle, sys; f = pickle.loads(sys.stdin.buffer.read()); "
                               "print(*map(float, f(a=2.5, b=3.0)))"],
        input=pickle.dumps(compiled), capture_output=True, check=True)
    assert [float(v) for v in loaded.stdout.split()] == pytest.approx(expected, rel=1e-15)
    namespace = {}
    exec(compile(gradient.program.source(standalone=True), "standalone", "exec"), namespace)
    assert namespace["f"](2.5, 3.0) == pytest.approx(expected, rel=1e-15)


# --------------------------------------------------------------------------- loading a pickle elsewhere

@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_loading_a_pickle_where_the_callables_module_is_missing_names_the_function(define, tmp_path, monkeypatch,
                                                                                 backend):
    """A compiled function calling a registered function is pickled where the callable's module is importable
    and loaded in a process where it is not (a worker without the module on its path): loading raised a bare
    ``ModuleNotFoundError: No module named 'myfuncs'`` from inside pickle, saying nothing of symgraph or of
    the function.  Now a UserFunctionError names the registered function, the callable and the remedy."""
    import pickle
    import subprocess

    (tmp_path / "missingfuncs.py").write_text(textwrap.dedent("""
        import numpy as np

        def np_soft(x):
            return x / (1 + np.abs(x))
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "missingfuncs", raising=False)
    import missingfuncs

    define("soft", numpy=missingfuncs.np_soft, derivatives=["1/(1 + abs(x))^2"])
    compiled = sg.lambdify("soft(a*b)", backend=backend)
    data = pickle.dumps(compiled)
    assert pickle.loads(data)(a=1.0, b=2.0) == pytest.approx(2 / 3)  # here the module is importable
    loader = ("import pickle, sys, symgraph\n"
              "try:\n    pickle.loads(sys.stdin.buffer.read())\n"
              "except symgraph.UserFunctionError as error:\n    print(error)\n")
    # run from the worktree root (this symgraph), without tmp_path on the path: the module cannot be found
    loaded = subprocess.run([sys.executable, "-c", loader], input=data, capture_output=True,
                            cwd=str(__import__("pathlib").Path(sg.__file__).parents[1]))
    assert loaded.returncode == 0, loaded.stderr.decode()
    said = loaded.stdout.decode()
    assert "'soft'" in said and "missingfuncs.np_soft" in said and "No module named 'missingfuncs'" in said


# --------------------------------------------------------------------------- numba and a boolean result

def np_positive(x):
    return x > 0


@pytest.mark.parametrize("parallel", [False, True])
def test_numba_runs_a_callable_returning_a_boolean_as_numpy_does(define, parallel):
    """A callable returning a comparison (``x > 0``, a 0/1 step) is taken by the NumPy and VM backends, and
    numba's result-type check admits a boolean too -- but the kernel's call then failed in numba's typing
    (``float()`` of a boolean), a raw TypingError.  It now gives 1.0 and 0.0, as the NumPy backend does."""
    pytest.importorskip("numba")
    define("positive", numpy=np_positive, derivatives=["0"])
    x = np.array([0.5, -1.0, 2.0, 0.0])
    expected = sg.lambdify("positive(a) + a")(a=x)
    assert np.array_equal(expected, [1.5, -1.0, 3.0, 0.0])
    assert np.array_equal(sg.lambdify("positive(a) + a", backend="numba", parallel=parallel)(a=x), expected)


# --------------------------------------------------------------------------- LaTeX of a name with underscores

def np_soft(x):
    return x / (1 + np.abs(x))


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no LaTeX engine (pdflatex) on PATH")
def test_a_name_with_underscores_is_valid_latex(define, tmp_path):
    """A function named ``soft_sign`` printed as ``\\operatorname{soft_sign}``: in math mode the underscore
    is a subscript, so it showed as soft with a subscript s; ``soft__sign`` stopped pdflatex ("Missing {
    inserted").  The name is now written with its underscores escaped, as the text says it."""
    define("soft_sign", numpy=np_soft, derivatives=["1/(1 + abs(x))^2"])
    define("soft__sign", numpy=np_soft, derivatives=["soft_sign(x)"])
    text = sg.to_latex(sg.grad("soft__sign(a*b)*soft_sign(b)", wrt=["a", "b"]))
    assert r"\operatorname{soft\_sign}" in text and r"\operatorname{soft\_\_sign}" in text
    body = "".join(f"\\[{line}\\]\n" for line in text.splitlines())
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
                                      + body + "\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]


def test_a_sympy_function_of_a_registered_name_converts(define):
    """``sympy.Function("sq")(a)`` written in sympy for the registered sq was refused with "cannot convert sq
    (sq(a)) to a graph; supported are ... sq" -- naming sq among the supported.  A graph holds a function by
    its name, so an undefined sympy function of a registered name (and its number of arguments) is that
    function; an unregistered name is still refused."""
    define("sq", numpy=np_square, derivatives=["2*x"])
    a, b = sympy.symbols("a b")
    assert sg.grad(sympy.Function("sq")(a) * b, wrt=["a", "b"]).at(a=3.0, b=2.0) == {"a": 12.0, "b": 9.0}
    with pytest.raises(UnsupportedOpError, match="cannot convert"):
        sg.grad(sympy.Function("unregistered")(a), wrt=["a"])
    with pytest.raises(UnsupportedOpError, match="registered with 1"):
        sg.grad(sympy.Function("sq")(a, b), wrt=["a"])


def test_sympy_diff_uses_the_current_registration_of_a_function_a_derivative_calls(define):
    """cube' = 3*sq(x).  sympy.diff of cube(a) once, then sq registered again with another derivative (a
    corrected notebook cell): the second derivative by sympy.diff stayed 3*2*a from a cached form holding
    the old sq, while symgraph's Hessian of the same text gave 3*5*a.  Both now use the current sq."""
    define("sq", numpy=np_square, derivatives=["2*x"])
    define("cube", numpy=np_cube, derivatives=["3*sq(x)"])
    a = sympy.Symbol("a")
    assert sympy.diff(sg.parse("cube(a)").expr(), a, 2) == 6 * a
    define("sq", numpy=np_square, derivatives=["5*x"])
    assert sympy.diff(sg.parse("cube(a)").expr(), a, 2) == 15 * a
    assert sg.hessian("cube(a)", wrt=["a"]).lambdify()(a=1.0)[0, 0] == 15.0
