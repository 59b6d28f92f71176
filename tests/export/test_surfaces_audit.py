"""What students, teachers and researchers do with the printed and exported results, and the bad input they give.

Each test is a use that went wrong once: a result that printed as something it is not, a LaTeX line that named
the wrong variable, a bad argument that surfaced as a raw Python exception instead of a symgraph error.
"""
import pytest

import symgraph as sg


# ---------------------------------------------------------------- what a result says it is

@pytest.mark.parametrize("make, shown, head", [
    (lambda: sg.jvp("x*y", ["x", "y"], [1, "u"]), "JVP({'f': u*x + y})", r"\left(J v\right)_{f}"),
    (lambda: sg.vjp(["x*y", "x+y"], ["x", "y"], [1, 2]), "VJP({'x': y + 2, 'y': x + 2})",
     r"\left(w^{\top} J\right)_{x}"),
    (lambda: sg.hvp("x^2*y + y^3", ["x", "y"], [1, 0]), "HVP({'x': 2*y, 'y': 2*x})", r"\left(H v\right)_{x}"),
])
def test_a_directional_derivative_prints_which_product_it_is(make, shown, head):
    """An hvp printed as ``Directional({...})`` while its LaTeX said ``H v``; jvp and vjp printed the same
    ``Directional`` too, so a printed result did not say which product it held."""
    result = make()
    assert repr(result) == str(result) == shown
    assert head in result._repr_latex_()


def test_a_large_directional_derivative_says_which_product_above_its_program():
    """The bounded form of a large result (its program) is headed by what it is, as the small form."""
    deep = "x"
    for _ in range(300):
        deep = f"sin({deep} + y)"
    text = repr(sg.hvp(deep, ["x", "y"], [1, 0]))
    assert text.startswith("HVP of 2 entries as a program:\n")


# ---------------------------------------------------------------- names in LaTeX

def test_latex_names_a_wrt_alias_as_it_is_keyed():
    """``grad("a = x; b = a*y; b", wrt=["a", "y"])`` is keyed 'a', but its LaTeX wrote ∂b/∂x: the alias was
    printed as the input it stands for, so ``wrt=["a", "x"]`` gave two lines both saying ∂x/∂x."""
    g = sg.grad("a = x; b = a*y; b", wrt=["a", "y"])
    assert list(g) == ["a", "y"]
    assert g.latex() == "\\frac{\\partial b}{\\partial a} = y\n\\frac{\\partial b}{\\partial y} = x"
    both = sg.grad("a = x; a*y", wrt=["a", "x"]).latex()
    assert r"\partial a}" in both and r"\partial x}" in both
    hessian = sg.hessian("a = x; a^2*y", wrt=["a", "y"]).latex(entries=True)
    assert r"\frac{\partial^2 f}{\partial a^{2}} = 2 y" in hessian
    # an element's label still prints as the indexed symbol
    assert r"\partial x_{0}" in sg.grad("sum(x[i]^2, i, 0, 1)").latex()


@pytest.mark.parametrize("limit", [-1, "3", 2.5, True])
def test_a_bad_latex_limit_is_a_clear_error(limit):
    """``g.latex(limit=-1)`` silently dropped the last entry (a negative slice) and ``limit="3"`` raised
    Python's TypeError from inside the writer."""
    with pytest.raises(sg.errors.ArgumentError, match="limit= takes the most entries"):
        sg.grad("x*y*z").latex(limit=limit)


def test_a_cut_latex_counts_one_entry_in_the_singular():
    assert sg.grad("x*y").latex(limit=1).endswith(r"\text{\dots 1 more entry}")


# ---------------------------------------------------------------- bad input is a symgraph error

def test_a_dense_hessian_indexed_by_name_says_how_it_is_indexed():
    """``H["x"]`` (as a Gradient is indexed) raised sympy's bare TypeError; a sparse result said what it takes."""
    H = sg.hessian("x^2*y", wrt=["x", "y"])
    with pytest.raises(sg.errors.EntryError, match=r"a 2x2 matrix has entries M\[i, j\].*got M\['x'\]"):
        H["x"]
    assert H[0, 1] == H[1, 0]


@pytest.mark.parametrize("export", [
    lambda at: sg.to_mermaid("x*y", at=at),
    lambda at: sg.to_dot("x*y", at=at, adjoints=True),
    lambda at: sg.explore("x*y", at=at),
])
def test_a_point_keyed_by_a_number_is_a_clear_error(export):
    """``at={1: 2}`` (a position instead of a name) raised Python's 'keywords must be strings' or a join's
    TypeError from inside the exports."""
    with pytest.raises(sg.GraphError, match=r"\b1\b.*(not an input|not inputs).*x, y"):
        export({1: 2.0, "x": 1.0})


def test_a_picture_or_page_into_a_missing_folder_is_a_symgraph_error_and_still_an_oserror(tmp_path):
    """Was: Python's own FileNotFoundError from draw(path=...) and Explorer.save; it says the file and why now."""
    target = tmp_path / "no such folder" / "graph.svg"
    for write in (lambda: sg.draw("x*y", path=target, engine="matplotlib"),
                  lambda: sg.explore("x*y").save(target.with_suffix(".html"))):
        with pytest.raises(sg.OutputError) as caught:
            write()
        assert isinstance(caught.value, OSError) and isinstance(caught.value, sg.SymgraphError)
        assert caught.value.filename.endswith(("graph.svg", "graph.html"))
        assert str(caught.value) == (f"cannot write {caught.value.filename!r}: the folder "
                                     f"{str(target.parent)!r} does not exist")
    written = sg.draw("x*y", path=tmp_path / "graph.svg", engine="matplotlib")
    assert written == tmp_path / "graph.svg" and written.read_bytes().lstrip().startswith(b"<?xml")


def test_the_command_line_says_which_file_it_could_not_write(tmp_path, capsys):
    from symgraph.cli import main
    target = tmp_path / "missing" / "g.mmd"
    assert main(["graph", "x*y", "-o", str(target)]) == 2
    assert capsys.readouterr().err == (f"symgraph: cannot write {str(target)!r}: the folder "
                                       f"{str(target.parent)!r} does not exist\n")


def test_the_exponential_is_written_exp_where_a_variable_is_named_e():
    """Was: the partial of exp(e*x) by x printed as ``e e^{e x}`` and e^x + exp(x) as ``e^{x} + e^{x}``: with
    e a variable (the textbook's output), e^{...} read either way.  Where no name is e, e^{x} as sympy writes."""
    with pytest.warns(sg.ReadingWarning, match="e is a variable here"):
        assert sg.to_latex("e^x + exp(x)") == r"e^{x} + \exp\left(x\right)"
    assert sg.grad("exp(e*x)", wrt=["x"]).latex() == r"\frac{\partial f}{\partial x} = e \exp\left(e x\right)"
    assert sg.to_latex("c = a + b; d = exp(b); e = c * d") == r"\left(a + b\right) \exp\left(b\right)"
    assert sg.grad("exp(a*x)", wrt=["x"]).latex() == r"\frac{\partial f}{\partial x} = a e^{a x}"
    assert sg.to_latex("exp(x)^2 + exp(y)") == "e^{2 x} + e^{y}"


def test_an_output_asked_for_by_an_alias_is_called_by_it():
    """Was: ``c = a*b; d = c`` printed ∂c/∂a (the node's name) and ``symgraph grad "a = x" --wrt a`` printed
    dx/da: the output is the name the text gave it last, as DESIGN's "the last assigned name is the output"."""
    from symgraph.names import output_labels
    assert sg.grad("c = a*b; d = c").latex().splitlines()[0] == r"\frac{\partial d}{\partial a} = b"
    assert sg.grad("a = x", wrt=["a"]).latex() == r"\frac{\partial a}{\partial a} = 1"
    assert output_labels(sg.parse("c = a*b; d = c", outputs=["c", "d"])) == ("c", "d")
    assert output_labels(sg.parse(["u = x*y", "v = x*y"])) == ("u", "v")
    assert output_labels(sg.parse("c = a*b; d = c", outputs=["d", "d"])) == ("f1", "f2")  # one name twice
    assert sg.parse("c = a*b; d = c").outputs == ("c",)  # the node, as before: only what it is called changed


# ---------------------------------------------------------------- an unnamed output's name on every surface

def _svg_text(data: bytes) -> str:
    import xml.etree.ElementTree as ET
    return " ".join(t.strip() for t in "".join(ET.fromstring(data).itertext()).split("\n") if t.strip())


@pytest.mark.parametrize("engine", ["matplotlib", pytest.param("graphviz", marks=pytest.mark.skipif(
    __import__("shutil").which("dot") is None, reason="Graphviz's dot is not installed"))])
def test_pictures_call_an_unnamed_output_what_grad_and_the_explorer_call_it(engine, capsys):
    """Pictures wrote the unnamed output of (a+b)*(b+1) by its node, ``v3: *`` and ``adjoint ∂v3/∂u``, while
    grad, LaTeX, the command line and the explorer call it ``f``; every surface now writes ``f``."""
    import json
    from symgraph.cli import main as cli_main
    from symgraph.export.explore import page_data

    text, at = "(a+b)*(b+1)", {"a": 2, "b": 1}
    g = sg.parse(text)
    assert sg.grad(g).latex().startswith(r"\frac{\partial f}") and g.output == "v3"
    page = page_data(g, ["a", "b"], {"a": 2.0, "b": 1.0}, text)[0]
    assert [n["label"] for n in page["nodes"] if n["name"] == "v3"] == ["f"]
    dot = sg.to_dot(g, at=at, adjoints=True, derivatives=True)
    mermaid = sg.to_mermaid(g, at=at, adjoints=True, derivatives=True)
    svg = _svg_text(sg.draw(g, format="svg", at=at, adjoints=True, engine=engine))
    assert cli_main(["graph", text, "--at", "a=2", "b=1", "--grad", "--derivatives", "--format", "dot"]) in (0, None)
    shown = capsys.readouterr().out
    for picture in (dot, mermaid, shown):
        assert '"f: *"' in picture and "∂f/∂v1 = 2" in picture and "v3: *" not in picture and "∂v3" not in picture
    assert "adjoint ∂f/∂u" in dot and "adjoint ∂f/∂u" in shown
    assert "f: *" in svg and "adjoint ∂f/∂u" in svg and "v3:" not in svg and "∂v3" not in svg
    assert json.dumps(page).count('"v3:') == 0


def test_pictures_name_outputs_by_position_and_an_element_by_its_label():
    """Several unnamed outputs are f1, f2 in pictures as in sg.jacobian; a node named f moves the label to g, as
    grad does; an element of an indexed input keeps its label x[0]; a folded sum is named as its node is."""
    dot = sg.to_dot(["x[0]*y", "x[0]*y + 1"])
    assert '"f1: *"' in dot and '"f2: + 1"' in dot and '"x[0]"' in dot
    assert '"g: *"' in sg.to_dot("f*x") and sg.grad("f*x").latex().startswith(r"\frac{\partial g}")
    assert "f: Σ 100 terms" in _svg_text(sg.draw(" + ".join(f"x{i}" for i in range(100)), format="svg",
                                                 engine="matplotlib"))


def test_a_node_that_is_several_outputs_is_drawn_with_every_name():
    """["x*y", "x+y", "x*y"] drew its shared node as f1 alone, so f3 (a row of the Jacobian) was nowhere in the
    picture; now every picture writes each name, as the explorer page does, while edge formulas keep one name."""
    fs = ["x*y", "x+y", "x*y"]
    assert '"f1, f3: *"' in sg.to_dot(fs) and '"f2: +"' in sg.to_dot(fs)
    assert '(("f1, f3: *"))' in sg.to_mermaid(fs)
    assert '"c, d: *"' in sg.to_dot("c = a*b; d = c") and '"x, f1, f3"' in sg.to_dot(["x", "x*y", "x"])
    svg = _svg_text(sg.draw(fs, format="svg", engine="matplotlib"))
    assert "f1, f3: *" in svg
    dot = sg.to_dot(fs, derivatives=True)  # a formula names the node once
    assert "∂f1/∂x = y" in dot and "∂f1, f3" not in dot


def test_latex_edge_table_calls_an_unnamed_output_f_as_the_pictures_do():
    """to_latex(graph)'s edge table wrote the output of (a+b)*(b+1) as v_{3} (and exp's local derivative, its
    own value, as v_{2}) where the pictures, grad and the explorer say f."""
    table = sg.to_latex(sg.parse("(a+b)*(b+1)"))
    assert r"v_{1} \to f & \frac{\partial f}{\partial v_{1}} = v_{2}" in table and "v_{3}" not in table
    table = sg.to_latex(sg.parse("exp(x[0]*y)"))
    assert r"v_{1} \to f & \frac{\partial f}{\partial v_{1}} = f" in table and r"x_{0} \to v_{1}" in table
    assert r"f_{1} \to f_{2}" in sg.to_latex(sg.parse(["x*y", "exp(x*y)"]))
