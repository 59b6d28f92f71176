"""LaTeX export: exact strings for the textbook graph, names, matrices, tables; real compilation."""
import re
import shutil
import subprocess

import pytest
import sympy

import symgraph as sg
from symgraph.export.latex_expressions import DEEP_NOTE, DEEP_TEXT, EXPAND_NOTE, EXPAND_TEXT
from symgraph.export.latex_printer import SETTINGS, LatexPrinter

TEXTBOOK = "c = a + b; d = b + 1; e = c * d"

TEXTBOOK_LINES = (r"\frac{\partial e}{\partial a} = b + 1" "\n"
                  r"\frac{\partial e}{\partial b} = a + 2 b + 1")

TEXTBOOK_ALIGNED = "\n".join([
    r"\begin{aligned}",
    r"\frac{\partial e}{\partial a} &= b + 1 \\",
    r"\frac{\partial e}{\partial b} &= a + 2 b + 1",
    r"\end{aligned}",
])

TEXTBOOK_TABLE = "\n".join([
    r"\begin{array}{ll}",
    r"\text{edge} & \text{local derivative} \\",
    r"\hline",
    r"a \to c & \frac{\partial c}{\partial a} = 1 \\",
    r"b \to c & \frac{\partial c}{\partial b} = 1 \\",
    r"b \to d & \frac{\partial d}{\partial b} = 1 \\",
    r"c \to e & \frac{\partial e}{\partial c} = d \\",
    r"d \to e & \frac{\partial e}{\partial d} = c",
    r"\end{array}",
])


def test_textbook_gradient_one_line_per_wrt():
    g = sg.grad(TEXTBOOK, wrt=["a", "b"])
    assert g.latex() == TEXTBOOK_LINES
    assert sg.to_latex(g) == TEXTBOOK_LINES


def test_textbook_gradient_aligned_and_in_node_symbols():
    g = sg.grad(TEXTBOOK, wrt=["a", "b"])
    assert g.latex(aligned=True) == TEXTBOOK_ALIGNED
    assert g.latex(nodes=True) == (r"\frac{\partial e}{\partial a} = d" "\n"
                                   r"\frac{\partial e}{\partial b} = c + d")


def test_unnamed_output_is_called_f_unless_named():
    g = sg.grad("(a+b)*(b+1)", wrt=["b"])
    assert g.latex() == r"\frac{\partial f}{\partial b} = a + 2 b + 1"
    assert g.latex(name="L") == r"\frac{\partial L}{\partial b} = a + 2 b + 1"


def test_jupyter_repr_is_display_math():
    assert sg.grad(TEXTBOOK)._repr_latex_() == "$\\displaystyle " + TEXTBOOK_ALIGNED + "$"


def test_graph_edge_derivative_table():
    assert sg.to_latex(sg.parse(TEXTBOOK)) == TEXTBOOK_TABLE


def test_names_render_as_subscripts_and_greek_letters():
    g = sg.grad("y = x_2*w12 + alpha^2", wrt=["x_2", "w12", "alpha"])
    assert g.latex().splitlines() == [
        r"\frac{\partial y}{\partial x_{2}} = w_{12}",
        r"\frac{\partial y}{\partial w_{12}} = x_{2}",
        r"\frac{\partial y}{\partial \alpha} = 2 \alpha",
    ]
    assert sg.to_latex("x_2*w12 + alpha") == r"\alpha + w_{12} x_{2}"


def test_matrix_is_a_pmatrix():
    jac = sg.jacobian(["x*y", "x+y"], wrt=["x", "y"])
    assert sg.to_latex(jac).endswith(r" = \begin{pmatrix}y & x\\1 & 1\end{pmatrix}")


def test_functions_and_settings():
    x = sympy.Symbol("x")
    assert sg.to_latex(sympy.log(x)) == r"\log{\left(x \right)}"
    assert sg.to_latex(sympy.log(x), ln_notation=True) == r"\ln{\left(x \right)}"
    assert sg.to_latex(sg.grad("sigmoid(x)")["x"]) == r"\sigma\left(- x\right) \sigma\left(x\right)"
    assert LatexPrinter._default_settings["mat_str"] == SETTINGS["mat_str"] == "pmatrix"


def test_unsupported_object_is_a_type_error():
    with pytest.raises(TypeError, match="to_latex takes"):
        sg.to_latex(object())


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="no LaTeX engine (pdflatex) on PATH; install texlive-latex-base to run this check")
def test_output_compiles_with_pdflatex(tmp_path):
    g = sg.grad(TEXTBOOK, wrt=["a", "b"])
    named = sg.grad("y = x_2*w12 + sigmoid(alpha*x_2) + relu(w12)")
    body = "\n".join([
        r"\[", g.latex(aligned=True), r"\]",
        r"\[", named.latex(aligned=True), r"\]",
        r"\[", sg.to_latex(sg.parse(TEXTBOOK)), r"\]",
        r"\[", sg.to_latex(sg.jacobian(["x*y", "x+y"])), r"\]",
        r"\[", sg.to_latex(sg.grad("abs(x)+log(y)+sqrt(x*y)", wrt=["x"])["x"]), r"\]",
    ])
    for line in g.latex().splitlines():
        body += "\n\\[" + line + "\\]"
    # a sparse Hessian's first line wrote amssymb's \mathbb{R}, which stops pdflatex with amsmath alone
    for line in [*sg.hessian("x^2*y + y^3", sparse=True).latex().splitlines(),
                 *sg.jacobian(["x*y", "x"], sparse=True).latex().splitlines()]:
        body += "\n\\[" + line + "\\]"
    # so must a sparse Jacobian's large entry, which printed as \text{dc_8/dx_a}
    chain = "c_0 = x_a; " + "; ".join(f"c_{k + 1} = sin(c_{k}*y_b) + c_{k}^2" for k in range(8))
    for line in sg.jacobian([chain], sparse=True).latex().splitlines()[:-1]:  # the last: a % comment
        body += "\n\\[" + line + "\\]"
    # a dense Jacobian's equation, aligned, with dots, and with a large entry's assignments after it
    body += "\n\\[" + sg.jacobian(["x*y", "x+y"]).latex(aligned=True, name="r") + "\\]"
    body += "\n\\[" + sg.jacobian("sum(x[i]^2*x[i+1], i, 0, n-2)", n=6).latex() + "\\]"
    body += "\n\\[" + sg.jacobian([chain, "x_a*y_b"]).latex(aligned=True).rsplit("\n", 1)[0] + "\n\\]"
    document = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + body + "\n\\end{document}\n"
    (tmp_path / "doc.tex").write_text(document)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0


def test_relu_derivative_prints_as_cases_and_sign_as_operator():
    text = sg.grad("relu(y)*x").latex()
    assert r"\theta" not in text and r"\begin{cases} 1 & y > 0 \\ 0 & \text{otherwise} \end{cases}" in text
    assert r"\operatorname{sign}" in sg.grad("abs(y)").latex()


def test_nodes_latex_defines_generated_intermediates():
    text = sg.grad("c = a + b; d = sin(c)*c; e = d*d").latex(nodes=True)
    assert r"v_{1}" in text and r"\text{where } v_{1} = \sin{\left(c \right)}" in text
    assert "where" not in sg.grad("c = a + b; d = b + 1; e = c * d").latex(nodes=True)


def test_large_gradient_latex_is_its_program():
    text = "v0 = x\n" + "\n".join(f"v{i} = sin(v{i - 1})*y + v{i - 1}" for i in range(1, 15))
    latex = sg.grad(text).latex()
    assert r"\text{where }" in latex and r"\dots" in latex and len(latex) < 20000
    assert len(sg.grad("v0 = x\nv1 = sin(v0)*y + v0\nv2 = sin(v1)*y + v1").latex(expand=True)) > 100


# --------------------------------------------------------------------------- Hessians

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


def test_hessian_is_a_pmatrix_with_second_partial_labels():
    h = sg.hessian("c = x^2*y + y^3", wrt=["x", "y"])
    matrix = r"\nabla^2 c = \begin{pmatrix}2 y & 2 x\\2 x & 6 y\end{pmatrix}"
    assert h.latex() == matrix == sg.to_latex(h)
    assert h.latex(entries=True) == "\n".join([
        matrix,
        r"\frac{\partial^2 c}{\partial x^{2}} = 2 y",
        r"\frac{\partial^2 c}{\partial x \partial y} = 2 x",
        r"\frac{\partial^2 c}{\partial y^{2}} = 6 y",
    ])
    assert sg.to_latex(h, entries=True, aligned=True).splitlines()[1:3] == [
        r"\nabla^2 c &= \begin{pmatrix}2 y & 2 x\\2 x & 6 y\end{pmatrix} \\",
        r"\frac{\partial^2 c}{\partial x^{2}} &= 2 y \\"]
    assert h.latex(name="g").startswith(r"\nabla^2 g = ")
    assert h._repr_latex_().startswith(r"$\displaystyle \begin{aligned}")
    assert r"\nabla" not in sg.to_latex(h * 2) and "nabla" not in (h * 2).latex()  # a plain Matrix now


@pytest.mark.parametrize("mode", ["forward-over-reverse", "reverse-over-forward", "forward-over-forward",
                                  "reverse-over-reverse"])
def test_hessian_latex_entries_are_sympys_second_derivatives_in_every_mode(mode):
    text = "x^3*y^2 + x*y*z + z^4"
    x, y, z = sympy.symbols("x y z")
    f = x**3 * y**2 + x * y * z + z**4
    printer = LatexPrinter()
    lines = sg.hessian(text, ["x", "y", "z"], mode=mode).latex(entries=True).splitlines()[1:]
    names = [x, y, z]
    expected = [printer.doprint(sympy.expand(sympy.diff(f, a, b))) for i, a in enumerate(names) for b in names[i:]]
    assert [line.split(" = ", 1)[1] for line in lines] == expected
    assert lines[0].startswith(r"\frac{\partial^2 f}{\partial x^{2}}") and r"\partial y \partial z}" in lines[4]


def test_hessian_of_indexed_input_prints_subscripts():
    text = sg.hessian(ROSENBROCK, n=4).latex(entries=True)
    assert r"\frac{\partial^2 f}{\partial x_{0} \partial x_{1}} = - 400 x_{0}" in text
    assert r"\frac{\partial^2 f}{\partial x_{3}^{2}} = 200" in text
    assert r"1200 x_{0}^{2} - 400 x_{1} + 2" in text and "{x}" not in text


def test_large_dense_hessian_is_bounded_with_dots():
    h = sg.hessian(ROSENBROCK, n=30)
    text = h.latex()
    assert r"\ddots" in text and text.count(r"\vdots") == 9 and text.count(r"\cdots") == 9
    assert r"x_{29}" not in text.split(r"\vdots")[0]
    lines = h.latex(entries=True).splitlines()
    from symgraph.export.latex import ENTRY_LINES
    assert len(lines) == 1 + ENTRY_LINES + 1
    assert lines[-1] == rf"\text{{\dots {30 * 31 // 2 - ENTRY_LINES} more entries}}"


def test_sparse_hessian_prints_its_nonzeros_bounded():
    from symgraph.export.latex import ENTRY_LINES
    small = sg.hessian(ROSENBROCK, n=4, sparse=True)
    dense = sg.hessian(ROSENBROCK, n=4)
    lines = small.latex().splitlines()
    assert lines[0] == (r"\nabla^2 f \in \mathbf{R}^{4 \times 4}\text{: 10 structural nonzeros, "
                        r"7 on and above the diagonal}")
    assert lines[1:] == [line for line in dense.latex(entries=True).splitlines()[1:] if not line.endswith(" = 0")]
    assert sg.to_latex(small) == small.latex()
    big = sg.hessian(ROSENBROCK, n=1000, sparse=True).latex(aligned=True)
    assert len(big.splitlines()) == 2 + 1 + ENTRY_LINES + 1 and "2,998 structural nonzeros" in big
    assert r"\text{\dots 1,963 more entries}" in big


def test_large_hessian_entry_is_its_program():
    text = "v0 = x\n" + "\n".join(f"v{i} = sin(v{i - 1})*y + v{i - 1}" for i in range(1, 6))
    h = sg.hessian(text, simplify=False)
    latex = h.latex(entries=True)
    assert latex.startswith(r"\nabla^2 v_{5} = \begin{pmatrix}t_{") and r"\text{where }" in latex
    assert r"\dots" in latex and latex.endswith("--expand prints it whole") and len(latex) < 5000
    sparse = sg.hessian(text, sparse=True)
    assert r"\text{where }" in sparse.latex() and len(sparse.latex()) < 5000


@pytest.mark.parametrize("name, written", [
    ("_x", r"\mathrm{\_x}"), ("__", r"\mathrm{\_\_}"), ("_", r"\mathrm{\_}"), ("_x_1", r"\mathrm{\_x\_1}"),
    ("_alpha", r"\mathrm{\_alpha}"),
])
def test_leading_underscores_are_written_not_read_as_subscripts(name, written):
    """sympy printed ``_x`` as it is: ``2 _x y`` is 2 with subscript x, and ``__`` or ``_x_1`` do not compile.
    Such a name is written as spelled."""
    lines = sg.grad(f"{name}^2*y + sin({name})").latex().splitlines()
    assert lines[0] == rf"\frac{{\partial f}}{{\partial {written}}} = 2 {written} y + \cos{{\left({written} \right)}}"
    mathtext = pytest.importorskip("matplotlib.mathtext").MathTextParser("agg")
    for line in lines + [sg.to_latex(sg.parse(f"{name}*y")), sg.to_latex(f"{name}*y")]:
        if r"\begin{array}" not in line:
            mathtext.parse(f"${line}$")  # raises on a double subscript or a dangling '_'
    assert sg.to_latex(sympy.Symbol("_x"), symbol_names={sympy.Symbol("_x"): "u"}) == "u"


def test_a_large_graphs_edge_table_is_bounded_and_says_how_to_get_every_edge():
    text = "x"
    for k in range(400):
        text = f"sin({text})*{k + 2}"
    graph = sg.parse(text)
    edges = graph.nx.number_of_edges()
    table = sg.to_latex(graph)
    assert table.count(r"\to") == 300 and rf"\text{{... and {edges - 300:,} more edges}}" in table
    assert table.startswith(r"\begin{array}{ll}") and table.endswith(r"\end{array}")
    full = sg.to_latex(graph, limit=None)
    assert full.count(r"\to") == edges and "more edges" not in full
    assert full.split(r"\\")[:40] == table.split(r"\\")[:40]  # the same rows, in the same order
    small = sg.parse("(a+b)*(b+1)")
    assert "more edges" not in sg.to_latex(small) and sg.to_latex(small).count(r"\to") == 5


@pytest.mark.parametrize("name, written", [
    ("x__1", r"\mathrm{x\_\_1}"), ("x_1__2", r"\mathrm{x\_1\_\_2}"), ("x_", r"\mathrm{x\_}"),
    ("x_1_2", r"\mathrm{x\_1\_2}"), ("long_variable_name", r"\mathrm{long\_variable\_name}"),
    ("_x__1", r"\mathrm{\_x\_\_1}"), ("x_1", "x_{1}"), ("alpha_2", r"\alpha_{2}"), ("w12", "w_{12}"),
])
def test_names_sympys_convention_would_misread_are_written_as_spelled(name, written):
    """Was: ``x__1`` printed as ``x^{1}`` (a power: d/dx__1 of x__1^2*q read ``2 q x^{1}``), ``x_1__2`` as
    ``x^{2}_{1}`` (x_1 squared), ``x_`` as ``x_{}`` (the same picture as ``x``), ``x_1_2`` as ``x_{1 2}`` (the
    same as ``x_12``)."""
    line = sg.grad(f"{name}^2*q", wrt=[name]).latex()
    assert line == rf"\frac{{\partial f}}{{\partial {written}}} = " + sg.to_latex(sympy.Symbol(name) * 2 * sympy.Symbol("q"))
    assert f" {written}" in line.split(" = ")[1] and "^{" not in line
    hessian = sg.hessian(f"{name}^3*q").latex()
    assert hessian.count(written) == 3 and r"\begin{pmatrix}" in hessian
    mathtext = pytest.importorskip("matplotlib.mathtext").MathTextParser("agg")
    mathtext.parse(f"${line}$")


def test_latex_of_a_long_indexed_gradient_writes_its_first_entries_and_counts_the_rest():
    """g.latex() of a least-squares gradient wrote every entry, building each closed form: 35 s and 750 kB at
    n = 3,000.  It writes the first ENTRY_LINES (building only theirs) and a line counting the rest, as a
    notebook shows it; limit=None writes every entry."""
    from symgraph.export.latex import ENTRY_LINES
    n = 300
    g = sg.grad("sum((x[i] - d[i])^2, i, 0, n-1)", wrt=["x"], n=n)
    lines = g.latex().splitlines()
    assert len(lines) == ENTRY_LINES + 1 and lines[-1] == rf"\text{{\dots {n - ENTRY_LINES} more entries}}"
    assert lines[0] == r"\frac{\partial f}{\partial x_{0}} = 2 \left(- d_{0} + x_{0}\right)"
    assert len(g._exprs) == ENTRY_LINES  # the closed forms built: the ones written
    assert sg.to_latex(g) == g.latex() and g._repr_latex_().count(r"\frac") == ENTRY_LINES
    assert g.latex(nodes=True).count(r"\frac") == ENTRY_LINES
    every = g.latex(limit=None, aligned=True)
    assert every.count(r"\frac") == n and r"\partial x_{299}} &= 2 \left(- d_{299} + x_{299}\right)" in every


def test_latex_in_node_symbols_of_a_long_chain_cuts_its_definitions():
    """latex(nodes=True) defined every generated intermediate its formulas read: d(y*chain)/dy is the chain's
    last node, and a 3,000-deep chain wrote 3,000 'where' lines, one sympy print each.  The definitions are cut
    like listings."""
    from symgraph.export.display import LISTING_LINES
    text = "x"
    for _ in range(3_000):
        text = f"sin({text})"
    latex = sg.grad(f"y*{text}", wrt=["y"]).latex(nodes=True)
    lines = latex.splitlines()
    assert lines[0] == r"\frac{\partial f}{\partial y} = v_{3000}" and lines[1] == r"\text{where } v_{1} = \sin{\left(x \right)}"
    assert latex.count(r"\text{where }") == LISTING_LINES and r"\text{\dots 2,960 more definitions}" in latex
    assert lines[-1] == r"\text{where } v_{3000} = \sin{\left(v_{2999} \right)}"


def test_latex_of_a_large_jacobian_is_cut_with_dots_as_a_hessians_is():
    """J.latex() and to_latex(J) wrote every entry of a Jacobian: 4 MB and 25 s at 1,000 x 1,000.  Beyond
    MATRIX_LIMIT rows or columns they print the first ones, dots and the last, as a Hessian does."""
    from symgraph.export.latex_matrices import MATRIX_LIMIT
    m = 30
    jac = sg.jacobian([f"sin(x{i})*x{(i + 1) % m}" for i in range(m)])
    text = jac.latex()
    assert text == sg.to_latex(jac) and text.count(r"\cdots") == MATRIX_LIMIT - 1 and text.count(r"\ddots") == 1
    head, matrix = text.split(" = ", 1)  # the outputs and the inputs cut with dots as the matrix is
    assert head == r"\frac{\partial \left(f_{1}, f_{2}, \dots, f_{30}\right)}{\partial \left(x_{0}, x_{1}, \dots, x_{29}\right)}"
    rows = matrix.removeprefix(r"\begin{pmatrix}").removesuffix(r"\end{pmatrix}").split(r"\\")
    assert len(rows) == MATRIX_LIMIT and rows[0].startswith(r"x_{1} \cos{\left(x_{0} \right)} & \sin{")
    assert rows[-1] == r"\sin{\left(x_{29} \right)} & " + "0 & " * (MATRIX_LIMIT - 3) + r"\cdots & x_{0} \cos{\left(x_{29} \right)}"
    wide = sg.to_latex(sympy.ones(2, 40))
    assert wide == r"\begin{pmatrix}" + r"\\".join(["1 & " * (MATRIX_LIMIT - 2) + r"\cdots & 1"] * 2) + r"\end{pmatrix}"
    assert sg.to_latex(sympy.ones(2, 3)) == r"\begin{pmatrix}1 & 1 & 1\\1 & 1 & 1\end{pmatrix}"


def test_entry_lines_of_a_large_dense_hessian_read_only_the_entries_they_print(monkeypatch):
    """latex(entries=True) listed all n(n+1)/2 entries on and above the diagonal before keeping the first
    ENTRY_LINES: 5 s at n = 1,000."""
    from symgraph.export.latex import ENTRY_LINES
    from symgraph.matrices import DerivativeMatrix
    h = sg.hessian(ROSENBROCK, n=60)
    read = []
    original = DerivativeMatrix.__getitem__
    monkeypatch.setattr(DerivativeMatrix, "__getitem__", lambda self, key: read.append(key) or original(self, key))
    lines = h.latex(entries=True).splitlines()
    assert len(lines) == 1 + ENTRY_LINES + 1 and lines[-1] == rf"\text{{\dots {60 * 61 // 2 - ENTRY_LINES:,} more entries}}"
    assert len(read) <= 100 + ENTRY_LINES


def test_a_large_graphs_edge_table_lists_the_edges_networkx_would_without_making_its_view():
    """to_latex(graph) made the networkx view of the whole graph (a Symbol per node) to print 300 edges: 50 s
    at 900,000 nodes.  It finds the same first edges, in g.nx's order, in one pass over the operands."""
    from itertools import islice
    from symgraph.export.latex import first_edges
    graph = sg.parse("+".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1, 200)))
    table = sg.to_latex(graph)
    assert graph._nx is None and table.count(r"\to") == 300
    shown, total = first_edges(graph, 300)
    assert shown == list(islice(graph.nx.edges, 300)) and total == graph.nx.number_of_edges()
    assert first_edges(graph, None)[0] == list(graph.nx.edges)
    sinks = sg.parse([*(f"a{i}" for i in range(10)), "max(b, b, c) + b*b + sin(b)"])  # first nodes have no edges
    assert first_edges(sinks, 3) == (list(islice(sinks.nx.edges, 3)), sinks.nx.number_of_edges())
    assert repr(sinks).startswith(f"<Graph {len(sinks)} nodes, {sinks.nx.number_of_edges()} edges, ")


def test_latex_of_a_large_expression_does_not_count_its_tree(monkeypatch):
    """to_latex(text) and the CLI's expression text counted the operations of the whole expression's tree
    (1.5 s at 900,000 nodes) to find it too large to print: an expression reading more operation nodes than
    SHOW_LIMIT is too large without counting."""
    from symgraph import constants
    from symgraph.export.display import expression_text
    graph = sg.parse("+".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(1, 200)))
    counted = []
    original = constants.nesting
    monkeypatch.setattr(constants, "nesting", lambda *a: counted.append(a) or original(*a))
    latex, text = sg.to_latex(graph.listing().replace("\n", "; ")), expression_text(graph)
    assert latex.endswith("--expand prints it whole") and r"\dots" in latex and len(latex) < 5000
    assert text.endswith("# expression too large to print as one formula") and len(text) < 5000
    assert counted == []
    assert sg.to_latex("x*y + 1") == "x y + 1" and expression_text(sg.parse("x*y + 1")) == "x*y + 1"


def test_an_element_the_function_never_reads_is_written_as_the_others():
    """wrt=["x"] gives every element, also one the function never reads (derivative 0); its fraction said
    \\partial x[1] -- the label as Python text -- between \\partial x_{0} and \\partial x_{2}."""
    assert sg.grad("x[0] + x[2]", wrt=["x"]).latex().splitlines()[1] == r"\frac{\partial f}{\partial x_{1}} = 0"
    assert r"\partial W_{0,0}} = 0" in sg.grad("W[0,1]*W[1,0]").latex()
    assert r"\frac{\partial^2 f}{\partial x_{1}^{2}} = 0" in sg.hessian("x[0]*x[2]", wrt=["x"]).latex(entries=True)


def test_to_latex_checks_its_flags_and_limits_as_the_methods_do():
    """to_latex took aligned="no" or entries="no" by their truth value (entries="no" wrote the entries),
    where Gradient.latex and Hessian.latex refuse them; a graph's limit=-1 sliced from the end (every edge but
    the last, counted as "1 more") and limit="3" raised a raw TypeError."""
    for x, flag in ((sg.grad("x*y"), "aligned"), (sg.hessian("x*y"), "entries"), ("x*y", "expand")):
        with pytest.raises(sg.SymgraphError, match=rf"{flag}= takes True or False, got 'no'"):
            sg.to_latex(x, **{flag: "no"})
    graph = sg.parse("x*y + z")
    for limit in (-1, "3", 1.5):
        with pytest.raises(sg.SymgraphError, match=r"limit= takes the most edges to write"):
            sg.to_latex(graph, limit=limit)
    assert sg.to_latex(graph, limit=1).count(r"\to") == 1
    assert sg.to_latex(sg.grad("x*y"), aligned=True) == sg.grad("x*y").latex(aligned=True)


def test_a_name_is_not_printed_as_an_operation_on_another():
    """sympy prints a name ending in abs, norm, avg or prime with that operation's notation: xabs + abs(x)
    printed |x| + |x|, xnorm as ||x|| and xprime as x' (a derivative's mark); such a name is spelled."""
    assert sg.to_latex("xabs*2 + abs(x)") == r"2 \mathrm{xabs} + \left|{x}\right|"
    assert sg.grad("xnorm + yprime + z_wavg").latex().splitlines() == [
        r"\frac{\partial f}{\partial \mathrm{xnorm}} = 1", r"\frac{\partial f}{\partial \mathrm{yprime}} = 1",
        r"\frac{\partial f}{\partial z_{\mathrm{wavg}}} = 1"]
    assert sg.to_latex("xdot * vhat * mag") == r"\mathrm{mag} \hat{v} \dot{x}"  # accents stay sympy's convention


def test_names_that_print_alike_are_spelled():
    """sympy prints x1, x_1 and the element x[1] all as x_{1} (and alpha1 as alpha_1): x1 + x_1 read as
    2 x_1 and the gradient had two lines with the same left side.  Names another prints as are spelled."""
    assert sg.to_latex("x1 + x_1 + y_2") == r"\mathrm{x1} + \mathrm{x\_1} + y_{2}"
    lines = sg.grad("x_1*alpha1 + alpha_1 + x[1]").latex().splitlines()
    assert lines == [r"\frac{\partial f}{\partial \mathrm{x\_1}} = \mathrm{alpha1}",
                     r"\frac{\partial f}{\partial \mathrm{alpha1}} = \mathrm{x\_1}",
                     r"\frac{\partial f}{\partial \mathrm{alpha\_1}} = 1",
                     r"\frac{\partial f}{\partial x_{0}} = 0", r"\frac{\partial f}{\partial x_{1}} = 1"]
    assert sg.to_latex(sympy.Symbol("w1") * sympy.Symbol("w_1")) == r"\mathrm{w1} \mathrm{w\_1}"
    assert sg.to_latex(sg.grad("x_2*w12 + alpha*x_2")).count(r"\mathit") == 0  # no clash: sympy's convention


def test_each_name_is_grouped_once_however_many_lines_print_it(monkeypatch):
    """The printer's check of names that print alike split every name seen so far again whenever a line
    brought a new one: the LaTeX of a 10,000-line chain's gradient split 160,000 names (2.6 s, where repr
    took 0.07 s).  Each name is split once; the names that print alike are still spelled."""
    from symgraph.export import latex_expressions, latex_printer
    split = []
    original = latex_printer.split_super_sub
    monkeypatch.setattr(latex_printer, "split_super_sub", lambda name: split.append(name) or original(name))
    text = "\n".join(["c0 = x*y"] + [f"c{i} = sin(c{i - 1}) + c{i - 1}" for i in range(1, 400)])
    lines = sg.grad(text).latex().splitlines()
    assert lines[-1] == latex_expressions.DEEP_NOTE and len(lines) < 60  # 400 deep: no formula, expanded or not
    assert len(split) < 2 * len(set(split)), (len(split), len(set(split)))
    assert sg.to_latex("x1 + y + x_1*y") == r"\mathrm{x1} + \mathrm{x\_1} y + y"


def test_variables_named_like_the_constants_print_apart_from_them():
    """Was: pi*PI + 2*E*e*x (constants pi and E, variables PI and e) printed \\pi \\pi + 2 e e x: sympy writes a
    symbol PI (or Symbol("pi")) as the constant \\pi, and E as e, the name of the textbook's output."""
    x, e, PI = sympy.symbols("x e PI")
    gradient = sg.grad(sg.Graph.from_sympy(sympy.E * e * x**2 + sympy.pi * PI * x), wrt=["x"])
    assert gradient.latex() == r"\frac{\partial f}{\partial x} = \pi \mathrm{PI} + 2 \mathrm{e} e x"
    assert sg.grad("PI*pi*x", wrt=["PI"]).latex() == r"\frac{\partial f}{\partial \mathrm{PI}} = \pi x"
    assert sg.to_latex(sympy.Symbol("pi") + sympy.pi) == r"\mathrm{pi} + \pi"
    assert sg.to_latex(sympy.E * x) == "e x"  # no variable e: Euler's number as sympy writes it


def test_a_sympy_expression_nested_deeper_than_sympys_printer_recurses_is_written():
    """to_latex of sympy's sin(sin(...(x))) 300 deep raised RecursionError (sympy's own printer writes it;
    symgraph's wraps each level in more frames), and 10,000 deep (evaluate=False) too, where every other
    entry point takes it.  It is written as the same expression given as text is."""
    x = sympy.Symbol("x")
    for depth, evaluate in ((300, True), (10_000, False)):
        expr = x
        for _ in range(depth):
            expr = sympy.sin(expr, evaluate=evaluate)
        latex = sg.to_latex(expr)
        assert latex == sg.to_latex("sin(" * depth + "x" + ")" * depth)
        assert latex.startswith(r"v_{1} = \sin{\left(x \right)}") and latex.endswith("--expand prints it whole")
    assert sg.to_latex(sympy.sin(x) ** 2 + sympy.E) == r"\sin^{2}{\left(x \right)} + e"


def test_a_sympy_matrix_with_an_entry_nested_too_deep_names_it_as_a_jacobian_does():
    """to_latex of a sympy Matrix holding sin(sin(...(x))) 3,000 deep raised RecursionError from sympy's
    printer, though the same expression alone prints.  The deep entries are named in the matrix and defined
    by the assignments after it, as a Jacobian's large entries are; the small ones print as formulas."""
    x, y = sympy.symbols("x y")
    deep = x
    for _ in range(3_000):
        deep = sympy.sin(deep, evaluate=False)
    matrix = sympy.ImmutableMatrix([[deep, 0], [x * y, sympy.cos(deep, evaluate=False)]])
    latex = sg.to_latex(matrix)
    first, *assignments = latex.splitlines()
    assert first == r"\begin{pmatrix}v_{3000} & 0\\x y & v_{3002}\end{pmatrix}"
    assert assignments[0] == r"\text{where } v_{1} = \sin{\left(x \right)}"
    assert r"v_{3002} = \cos{\left(v_{3000} \right)}" in assignments
    assert len(latex.splitlines()) < 100  # the long run of assignments is cut
    with pytest.raises(sg.ExpressionTooLargeError, match="nested 3000 levels deep"):
        sg.to_latex(matrix, expand=True)


def test_generated_names_never_print_as_an_element_of_an_indexed_input():
    """The listing of a large gradient over data v[i] wrote its intermediates v4, v8 as v_{4}, v_{8}: the
    line v_{4} = x v_{1} read as element 4 of v equal to x times element 1 (v4's left side was printed
    before the check of names that print alike saw it, so the same node was v_{4} there and \\mathrm{v4}
    later), and t_{331} = t_{330} t_{4} mixed temporaries with the data t's elements.  Every name
    printed is checked, and one that reads as an element of an indexed input is spelled."""
    for data in ("v", "t"):
        text = sg.grad(f"sum({data}[i]*sin(x*{data}[i]), i, 0, 59)", wrt=["x"]).latex()
        assignments = [line.removeprefix(r"\text{where } ") for line in text.splitlines()[1:-1] if " = " in line]
        assert len(assignments) > 30
        for line in assignments:
            left, right = line.split(" = ")
            assert not left.startswith(f"{data}_"), line  # an intermediate, never written as an element
            for k in re.findall(rf"(?<![A-Za-z]){data}_{{(\d+)}}", right):
                assert int(k) < 60, line  # the elements that exist, and nothing else, print as x_{k}
    assert r"\mathrm{v4} = x v_{1}" in sg.grad("sum(v[i]*sin(x*v[i]), i, 0, 59)", wrt=["x"]).latex()


def test_latex_in_node_symbols_defines_intermediates_not_the_elements_of_inputs():
    """latex(nodes=True) of a sum over data t[i] defined each element as itself, \\text{where } t_{0} = t_{0}:
    an element is an input, as x is, and has no definition."""
    lines = sg.grad("sum(t[i]*sin(x*t[i]), i, 0, 2)", wrt=["x"]).latex(nodes=True).splitlines()
    assert lines[1:] == [r"\text{where } v_{1} = x t_{0}", r"\text{where } v_{4} = x t_{1}",
                         r"\text{where } v_{8} = x t_{2}"]


@pytest.mark.parametrize("make", [lambda: sg.grad("3"), lambda: sg.vjp("3", [], [1]), lambda: sg.hvp("x^2", [], [])],
                         ids=["grad", "vjp", "hvp"])
def test_empty_derivative_displays_a_line_saying_so(make):
    # an empty aligned block held a blank line: nothing showed, and LaTeX stopped at "Missing $ inserted"
    shown = make()._repr_latex_()
    assert "\n\n" not in shown and r"\text{no entries: nothing to differentiate with respect to}" in shown


def test_sparse_jacobian_large_entry_is_defined_by_its_program():
    # a large entry printed as \text{dc_8/dx_a}: a bare label that nothing defined, whose _ stopped LaTeX
    chain = "c_0 = x_a; " + "; ".join(f"c_{k + 1} = sin(c_{k}*y_b) + c_{k}^2" for k in range(8))
    sparse = sg.jacobian([chain, "x_a*y_b"], sparse=True)
    text = sparse.latex(aligned=True)
    assert r"\text{dc" not in text and text.count("&=") > 4 and text.endswith(EXPAND_NOTE)
    assert "\\frac{\\partial f_{2}}{\\partial y_{b}} &= x_{a}" in text
    assert not sparse.latex(expand=True).endswith(EXPAND_NOTE)  # expand= was ignored


def test_notebook_display_shows_the_expand_note():
    # the note was a % comment after the aligned block, which a notebook's MathJax drops: nothing said how to
    # see the whole formula; latex() keeps the comment (a LaTeX file, the command line)
    g = sg.grad(" + ".join(f"exp(x*y*{k})" for k in range(80)), wrt=["x"])  # large, not deep: expanding prints it
    assert g.latex(aligned=True).endswith("\\end{aligned}\n" + EXPAND_NOTE)
    shown = g._repr_latex_()
    assert shown.endswith(" \\\\\n" + EXPAND_TEXT + "\n\\end{aligned}$") and "%" not in shown
    deep = sg.grad("; ".join(["c0 = x"] + [f"c{k + 1} = sin(c{k}) + c{k}" for k in range(300)]))  # 300 deep
    assert deep.latex(aligned=True).endswith("\\end{aligned}\n" + DEEP_NOTE)
    shown = deep._repr_latex_()
    assert shown.endswith("t_{899} &= t_{896} + t_{898} \\\\\n" + DEEP_TEXT + "\n\\end{aligned}$") and "%" not in shown


def test_a_jacobian_is_an_equation_as_a_hessian_is():
    """A Jacobian's LaTeX was a bare pmatrix where the Hessian's is \\nabla^2 f = ... and a gradient's lines
    \\frac{\\partial f}{\\partial x} = ...: it names its outputs over its inputs now."""
    assert sg.jacobian(["x*y", "x+y"]).latex() == (
        r"\frac{\partial \left(f_{1}, f_{2}\right)}{\partial \left(x, y\right)} = \begin{pmatrix}y & x\\1 & 1\end{pmatrix}")
    assert sg.to_latex(sg.jacobian(["x*y", "x+y"])) == sg.jacobian(["x*y", "x+y"]).latex()
    assert sg.jacobian("x*y", wrt=["x"]).latex().startswith(r"\frac{\partial f}{\partial x} = ")
    aligned = sg.jacobian(["x*y", "x+y"]).latex(aligned=True, name="r")
    assert aligned.startswith("\\begin{aligned}\n" r"\frac{\partial r}{\partial \left(x, y\right)} &= ")
    assert aligned.endswith("\\end{aligned}")
    wide = sg.jacobian("sum(x[i]^2*x[i+1], i, 0, n-2)", n=6).latex()  # the names cut as the matrix is
    assert wide.startswith(r"\frac{\partial f}{\partial \left(x_{0}, x_{1}, \dots, x_{5}\right)} = ")
    chain = "c_0 = x_a; " + "; ".join(f"c_{k + 1} = sin(c_{k}*y_b) + c_{k}^2" for k in range(8))
    large = sg.jacobian([chain, "x_a*y_b"]).latex(aligned=True)  # a large entry's assignments: aligned too
    assert large.count(" &= ") > 2 and "\\end{aligned}\n%" in large
    # a matrix sympy derived from it has no program: sympy's own pmatrix, with no equation to claim
    assert sg.jacobian(["x*y", "x+y"]).T.latex() == r"\begin{pmatrix}y & 1\\x & 1\end{pmatrix}"
    assert sg.to_latex(sympy.Matrix([[1, 2]])) == r"\begin{pmatrix}1 & 2\end{pmatrix}"


def test_jacobian_latex_refuses_what_it_cannot_write():
    with pytest.raises(sg.ArgumentError, match="entries=True"):
        sg.jacobian(["x*y"]).latex(entries=True)
    with pytest.raises(sg.ArgumentError, match="name="):
        sg.jacobian(["x*y"]).latex(name=3)


def test_to_latex_of_a_jacobian_takes_the_options_its_latex_takes():
    """The README says a Jacobian's LaTeX takes ``name=`` and ``aligned=True`` as a gradient's: ``J.latex(name="L")``
    did, but ``sg.to_latex(J, name="L")`` said "to_latex() of a DerivativeMatrix takes no name= (it takes expand,
    limit ...)", where the same call of a Hessian took them."""
    jacobian = sg.jacobian(["x*y", "x + y"])
    for options in ({"name": "L"}, {"aligned": True}, {"name": "r", "aligned": True}, {"expand": True}, {}):
        assert sg.to_latex(jacobian, **options) == jacobian.latex(**options)
    assert sg.to_latex(jacobian, name="L").startswith(r"\frac{\partial L}{\partial \left(x, y\right)} = ")
    assert sg.to_latex(jacobian, limit=1).startswith(r"\frac{\partial \left(f_{1}, f_{2}\right)}")
    with pytest.raises(sg.ArgumentError, match="name= takes the function's name, an identifier"):
        sg.to_latex(jacobian, name=r"\alpha")
    with pytest.raises(sg.ArgumentError, match="to_latex\\(\\) of a DerivativeMatrix takes no name="):
        sg.to_latex(jacobian.T, name="L")  # sympy's transpose: no program, no function to name
