"""The public API as its users call it, checked against the contract of README.md and DESIGN.md: what each
call promises for the arguments users give it, including the wrong ones, which are named symgraph errors
(``sg.SymgraphError``), never Python's own TypeError, AttributeError or KeyError from inside the library."""
import inspect
import re

import numpy as np
import pytest
import sympy

import symgraph as sg

F = "x*sin(y) + x^2*y"


@pytest.mark.parametrize("call, message", [
    (lambda: sg.grad(F, mode=["reverse"]), "unknown mode ['reverse']"),
    (lambda: sg.jacobian([F, "x"], mode={"q": 1}), "unknown mode {'q': 1}"),
    (lambda: sg.value_and_grad(F, mode=[]), "unknown mode []"),
    (lambda: sg.residuals([F, "x"], ["x"], mode=[]), "unknown mode []"),
    (lambda: sg.paths(F, limit=None), "a path limit is a non-negative integer (the most paths to enumerate), got NoneType"),
    (lambda: sg.compare(F, path_limit="many"), "a path limit is a non-negative integer"),
    (lambda: sg.grad(F, mode="paths", limit=2.5), "a path limit is a non-negative integer"),
    (lambda: sg.parse(None), "parse() takes text, a list of texts, a sympy expression (or list) or a Graph, got NoneType"),
    (lambda: sg.Graph.from_sympy({"q": 1}), "Graph.from_sympy takes sympy expressions (or a list of them), got dict"),
    (lambda: sg.lambdify(F, args=0), "args= takes a list of the input names in positional order, got int 0"),
    (lambda: sg.grad(F).lambdify(args=2.5), "args= takes a list of the input names"),
    (lambda: sg.draw(F, format=0), "unknown picture format 0"),
    (lambda: sg.draw(F, dpi=None), "dpi= takes a positive number, got NoneType"),
    (lambda: sg.draw(F, dpi=0), "dpi= takes a positive number, got int 0"),
    (lambda: sg.draw(F, timeout="soon"), "timeout= takes a positive number"),
    (lambda: sg.draw(F, path=""), "path= takes a file name such as 'graph.png', got str ''"),
    (lambda: sg.draw(F, path=3), "path= takes a file name"),
    (lambda: sg.explore(F, title=3), "title= takes text, got int 3"),
    (lambda: sg.grad(F).latex(name=-1), "name= takes the function's name as text, such as 'L', got int -1"),
    (lambda: sg.hessian(F).latex(name=["L"]), "name= takes the function's name as text"),
    (lambda: sg.grad(F).expand("x", limit="big"), "limit= takes a number of operations (or None: any size)"),
    (lambda: sg.grad("x[0]*x[1]").array(["x"]), "['x'] is not an indexed input"),
    (lambda: sg.compare(F)[["reverse"]], "no mode ['reverse']"),
    (lambda: sg.grad(F).program.as_graph(0), "as_graph() takes a result label or a list of them, got int"),
    (lambda: sg.grad(F).program.as_graph(["q"]), "no result 'q' in the program"),
    (lambda: sg.to_latex(sg.parse(F), aligned=True), "to_latex() of a Graph takes no aligned= (it takes limit and"),
    (lambda: sg.to_latex(sg.grad(F), entries=True), "to_latex() of a Gradient takes no entries= (it takes aligned,"),
])
def test_an_argument_of_the_wrong_kind_is_a_named_error(call, message):
    """Each of these raised Python's TypeError ('unhashable type', "'>' not supported", 'not iterable'),
    AttributeError ("'int' object has no attribute 'replace'"), KeyError or matplotlib's ValueError from
    inside the library, naming neither the argument nor what it takes."""
    with pytest.raises(sg.SymgraphError, match=re.escape(message)):
        call()


def test_the_right_kinds_still_work():
    """The checks above let through what the contract documents (and what users pass for it)."""
    assert sg.grad(F, mode="paths", limit=np.int64(10))["x"] == sg.grad(F)["x"]
    assert len(sg.paths(F, limit=np.int64(10))) == 4
    assert sg.lambdify(F, args=(s for s in ["y", "x"]))(1.0, 2.0) == sg.lambdify(F)(2.0, 1.0)
    assert sg.lambdify(F, args=[sympy.Symbol("y"), sympy.Symbol("x")])(1.0, 2.0) == sg.lambdify(F)(2.0, 1.0)
    assert sg.parse(("x*y", "x+y")).outputs == sg.parse(["x*y", "x+y"]).outputs
    assert sg.grad(F).program.as_graph("x").outputs and sg.grad(F).latex(name="L").startswith(r"\frac{\partial L}")
    assert sg.grad(F).expand("x", limit=np.int64(100)) == sg.grad(F)["x"]


@pytest.mark.parametrize("call", [
    lambda: sg.value_and_grad(F, wrt=["q"]),
    lambda: sg.value_and_grad(F, wrt=["x", "q"], vector=True),
    lambda: sg.hessian(F, wrt=["q"]),
    lambda: sg.hessian(F, wrt=["q"], sparse=True),
    lambda: sg.grad(F, wrt=["q"]),
    lambda: sg.jvp(F, ["q"], [1]),
])
def test_a_warning_about_wrt_points_at_the_users_line(call):
    """value_and_grad's and hessian's UnusedWrtWarning pointed at symgraph's own lines (compiled.py:150,
    hessian.py:89), so the user could not see which call it was about, and Python's once-per-line filter
    showed it once for all the user's calls."""
    with pytest.warns(sg.UnusedWrtWarning) as caught:
        call()
    assert [w.filename for w in caught] == [__file__]


def test_a_wrt_name_assigned_a_constant_is_warned_about():
    """grad("d = 2; e = d*x", wrt=["d", "x"]) gave de/dd = 0 without a word: the constant is folded into the
    graph, so d is no variable, though the text names it and its derivative as an intermediate would be x."""
    text = "d = 2; e = d*x"
    with pytest.warns(sg.UnusedWrtWarning, match="'d' is assigned a constant in the text, not a variable: its "
                                                 "derivative is 0; to differentiate by it, make it an input"):
        assert sg.grad(text, wrt=["d", "x"]) == {"d": 0, "x": 2}
    with pytest.warns(sg.UnusedWrtWarning, match="assigned a constant"):  # a vector entry for it is refused
        with pytest.raises(sg.GraphError, match="wrt names that are not inputs: d"):
            sg.value_and_grad(text, wrt=["d", "x"], vector=True)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sg.grad(text, wrt=["d", "x"], allow_unused=True)["d"] == 0  # said to be meant: no warning


def test_a_count_of_one_is_written_in_the_singular():
    """Results counted their parts without looking at the count: '<Graph 1 nodes, 0 edges ...>',
    '<Program 1 ops ...>', '<Explorer of x+1: 2 nodes ...>' was right only by chance, and mode='auto' said
    'forward would need 1 multiplications'."""
    assert repr(sg.parse("x")).startswith("<Graph 1 node, 0 edges, ")
    assert repr(sg.parse("sin(x)")).startswith("<Graph 2 nodes, 1 edge, ")
    assert repr(sg.grad("sin(x)").program).startswith("<Program 1 op, ")
    note = sg.grad("sin(x)*y", mode="auto").cost.note
    assert "forward would need 1 multiplication (2 sweeps, one per input), reverse 1 (1 sweep," in note


def test_graph_repr_names_inputs_and_outputs_as_the_library_prints_them():
    """The repr listed node names (x_0, v5) where grad, LaTeX and pictures say x[0] and f."""
    assert repr(sg.parse("sum(x[i]*y, i, 0, 2)")) == "<Graph 9 nodes, 10 edges, inputs=('x[0]', 'y', 'x[1]', 'x[2]'), outputs=('f',)>"
    assert repr(sg.parse(["x*y", "x+y", "x*y"])).endswith("outputs=('f1', 'f2', 'f3')>")
    assert repr(sg.parse("c = a*b; d = c")).endswith("inputs=('a', 'b'), outputs=('d',)>")


#: the positional arguments each entry point of ``sg.__all__`` is called with below (a new entry point needs a line)
ENTRY_ARGS = {
    "annotate_edges": lambda: (sg.parse(F),), "compare": lambda: (F,), "draw": lambda: (F,),
    "explore": lambda: (F,), "function": lambda: ("ff_contract", abs, ["sign(x)"]), "grad": lambda: (F,),
    "hessian": lambda: (F,), "hessian_sparsity": lambda: (F,), "hessp": lambda: (F,), "hvp": lambda: (F, ["x"], [1]),
    "jacobian": lambda: ([F, "x"],), "jacobian_sparsity": lambda: ([F, "x"],), "jvp": lambda: (F, ["x"], [1]),
    "lambdify": lambda: (F,), "parse": lambda: (F,), "paths": lambda: (F,), "residuals": lambda: ([F], ["x"]),
    "to_dot": lambda: (F,), "to_latex": lambda: (sg.grad(F),), "to_mermaid": lambda: (F,),
    "value_and_grad": lambda: (F,), "vjp": lambda: (F, ["x"], [1]),
}


def _results():
    """One object of every result class users meet, by class (a class of ``sg.__all__`` without one fails below)."""
    gradient = sg.grad(F)
    report = sg.compare(F)
    objects = [gradient, sg.jvp(F, ["x", "y"], [1, 0]), sg.jacobian([F, "x*y"]), sg.hessian(F, sparse=True),
               gradient.at(x=1.0, y=2.0), report, report["reverse"], sg.residuals([F, "x - y"], ["x", "y"]),
               sg.parse(F), gradient.program, sg.explore(F, at={"x": 1.0, "y": 2.0}), sg.lambdify(F),
               gradient.lambdify(), sg.hessp(F, ["x", "y"]), sg.function("ff_contract", abs, ["sign(x)"])]
    return {type(o): o for o in objects}


def _methods(cls):
    """The public methods symgraph itself defines on ``cls`` and its symgraph bases (not those of sympy's Matrix,
    Mapping or dict)."""
    found = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("symgraph"):
            for name, member in vars(klass).items():
                if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, classmethod)):
                    found[name] = member
    return sorted(found)


def _calls(results):
    """(what the user calls, the callable, its positional arguments) for every entry point and public method."""
    for name in sg.__all__:
        entry = getattr(sg, name)
        if inspect.isfunction(entry):
            yield name, entry, ENTRY_ARGS[name]()
    for cls, obj in results.items():
        for method in _methods(cls):
            yield f"{cls.__name__}.{method}", getattr(obj, method), ()
    residuals = results[sg.Residuals]
    for part in ("fun", "jac"):
        yield part, getattr(residuals, part), ([1.0, 1.0],)


def test_every_public_entry_point_and_method_refuses_a_misspelt_keyword_by_name():
    """sg.to_latex(g, foo=True), sg.draw(g, foo=True) and Gradient.expand("x", limt=3) raised Python's TypeError,
    the last naming DerivativeMap.expand, a class the user never met; sg.explore(f, foo=True) named parse(), which
    the user did not call.  Every function of sg.__all__ and every public method of the result classes now
    refuses a misspelt option with an ArgumentError naming the call and the option meant; one taking the inputs'
    values by keyword (evaluate, at) names the keyword as an unknown input."""
    results = _results()
    missing = [cls.__name__ for cls in map(lambda n: getattr(sg, n), sg.__all__)
               if isinstance(cls, type) and not issubclass(cls, (Exception, Warning)) and cls not in results]
    checked = 0
    try:
        assert not missing, f"add an object of {missing} to _results()"
        for called, function, args in _calls(results):
            signature = inspect.signature(function)
            options = [p.name for p in signature.parameters.values()
                       if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
            values = any(p.kind is p.VAR_KEYWORD and p.name in ("values", "kwargs") for p in signature.parameters.values())
            meant = options[-1] if options else None
            keyword = meant + meant[-1] if meant else "foo"
            with pytest.raises(sg.SymgraphError) as info:
                function(*args, **{keyword: True})
            message = str(info.value)
            if values or called in ("fun", "jac"):  # keywords are inputs' values (compiled calls, evaluate, at)
                assert keyword in message and isinstance(info.value, (sg.GraphError, TypeError)), (called, message)
                continue
            assert isinstance(info.value, TypeError), (called, message)  # an ArgumentError
            assert message.startswith(f"{called}() got an unexpected keyword argument {keyword}=True"), (called, message)
            assert meant is None or f"(did you mean {meant!r}?)" in message, (called, message)
            checked += 1
    finally:
        results[sg.UserFunction].remove()
    assert checked > 60


def test_parse_takes_sympy_and_graphs_as_every_call_taking_text_does():
    """DESIGN: every API call that takes text also takes a sympy expression or a Graph; sg.parse refused both."""
    x, y = sympy.symbols("x y")
    g = sg.parse(sympy.E * x)
    assert g.inputs == ("x",) and g.evaluate(x=1.0)[g.outputs[0]] == pytest.approx(np.e)
    pair = sg.parse([x * y, x * y])
    assert len(pair.outputs) == 2 and sg.jacobian(pair) == sympy.Matrix([[y, x], [y, x]])
    assert sg.parse(sympy.Matrix([x, y])).outputs == ("x", "y")
    text = sg.parse("x*y")
    assert sg.parse(text) is text
    with pytest.raises(sg.SymgraphError, match="outputs= and sizes apply to text"):
        sg.parse(x * y, outputs=["f"])


def test_every_error_and_warning_class_is_public():
    """The errors users meet are caught by their names under sg (sg.ArgumentError, as README names it for a
    misspelt option); ArgumentError, EntryError, FigureError and ConstantWrtWarning were only in symgraph.errors."""
    import symgraph.errors as errors
    classes = [name for name, obj in vars(errors).items()
               if isinstance(obj, type) and issubclass(obj, (Exception, Warning)) and obj.__module__ == errors.__name__]
    assert [name for name in classes if getattr(sg, name, None) is not getattr(errors, name)] == []
    assert set(classes) <= set(sg.__all__)
    with pytest.raises(sg.ArgumentError, match="bakend"):
        sg.lambdify("x*y", bakend="numpy")


def test_every_public_entry_point_and_method_has_type_hints_and_a_docstring():
    """Gradient.expand, .formula, .is_small and g[...] took ``name`` without a type, and CostReport.to_dict,
    Graph.op and Graph.operands had no docstring, so help() said nothing of them: every parameter of a public call
    (entry points and the result classes' methods, item access included) is annotated and every one says what it does."""
    results = _results()
    try:
        calls = [(name, getattr(sg, name)) for name in sg.__all__ if inspect.isfunction(getattr(sg, name))]
        items = [cls for cls in results if any(k.__module__.startswith("symgraph") and "__getitem__" in vars(k)
                                                for k in cls.__mro__)]
        calls += [(f"{cls.__name__}.{method}", getattr(cls, method)) for cls in results for method in _methods(cls)]
        calls += [(f"{cls.__name__}[...]", cls.__getitem__) for cls in items]
        unhinted = [(called, p.name) for called, call in calls for p in inspect.signature(call).parameters.values()
                    if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
        undocumented = [called for called, call in calls if not (inspect.getdoc(call) or "").strip()
                        and not called.endswith("[...]")]
    finally:
        results[sg.UserFunction].remove()
    assert not unhinted and not undocumented, (unhinted, undocumented)
