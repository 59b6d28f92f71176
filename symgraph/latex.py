"""LaTeX export: gradients as partial-derivative equations, matrices, and graphs' edge derivatives.

Printing goes through :class:`LatexPrinter`, a subclass of sympy's printer
whose settings live in one dict, :data:`SETTINGS` (matrices as ``pmatrix``).
Symbol names render as sympy renders them: ``x_2`` and ``w12`` get
subscripts, ``alpha`` becomes ``\\alpha``.

Examples
--------
>>> import symgraph as sg
>>> print(sg.grad("c = a + b; d = b + 1; e = c * d").latex())
\\frac{\\partial e}{\\partial a} = b + 1
\\frac{\\partial e}{\\partial b} = a + 2 b + 1
"""
from __future__ import annotations

from typing import Any, Mapping

import sympy
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter

from . import rules
from .graph import Graph
from .names import function_name  # noqa: F401 - callers import it from here
from .parse import parse
from .passes.local import annotate_edges

#: Printer settings (sympy's names); ``to_latex(x, **settings)`` overrides them per call.
SETTINGS: dict[str, Any] = {
    "mat_str": "pmatrix",      # matrices as \begin{pmatrix} ... \end{pmatrix}
    "mat_delim": "",           # ... without extra \left[ \right] around them
    "inv_trig_style": "abbreviated",
    "ln_notation": False,      # log, as the expression grammar writes it
}


class LatexPrinter(SympyLatexPrinter):
    """sympy's LaTeX printer with symgraph's settings and a partial-derivative helper."""

    _default_settings = {**SympyLatexPrinter._default_settings, **SETTINGS}

    def name(self, name: str) -> str:
        """A node or variable name as sympy prints the symbol (``x_{2}``, ``\\alpha``)."""
        return self._print(sympy.Symbol(name))

    def partial(self, f: str, x: str) -> str:
        """``\\frac{\\partial f}{\\partial x}`` for two names."""
        return rf"\frac{{\partial {self.name(f)}}}{{\partial {self.name(x)}}}"


def node_forms(program: Any) -> dict[str, sympy.Expr]:
    """The program's results in node symbols: graph intermediates stay atoms (``c + d``, not ``a + 2b + 1``)."""
    nodes = program.graph.nx if program.graph is not None else {}
    env: dict[str, sympy.Expr] = {}
    for target, op, args in program.instructions:
        if target in nodes:
            env[target] = sympy.Symbol(target)
            continue
        values = tuple(env.get(a, sympy.Symbol(a)) if isinstance(a, str) else a for a in args)
        env[target] = values[0] if op == "const" else rules.build_sympy(op, values)
    return {label: env.get(ref, sympy.Symbol(ref)) if isinstance(ref, str) else ref
            for label, ref in program.results.items()}


def gradient_latex(gradient: Any, aligned: bool = False, name: str | None = None, nodes: bool = False,
                   **settings: Any) -> str:
    """LaTeX for a :class:`~symgraph.derive.Gradient`: one ``\\frac{\\partial f}{\\partial x} = ...`` per wrt.

    Parameters
    ----------
    gradient : Gradient
    aligned : bool
        Wrap the lines in an ``aligned`` environment (``&=`` and ``\\\\``);
        otherwise they are joined by newlines, one equation per line.
    name : str, optional
        The function's name in the fractions (default: the output node's name,
        or ``f`` when the graph invented it).
    nodes : bool
        Write the derivatives in node symbols (``c + d``), keeping the graph's
        intermediates as atoms, instead of in the inputs.
    """
    printer = LatexPrinter(settings)
    f = name or function_name(gradient.graph)
    exprs = node_forms(gradient.program) if nodes else gradient
    sep = " &= " if aligned else " = "
    lines = [printer.partial(f, x) + sep + printer.doprint(exprs[x]) for x in gradient.wrt]
    if not aligned:
        return "\n".join(lines)
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def graph_latex(graph: Graph, **settings: Any) -> str:
    """The local derivative on every edge, as a two-column ``array`` (works in math mode and MathJax)."""
    printer = LatexPrinter(settings)
    annotate_edges(graph)
    rows = [rf"{printer.name(u)} \to {printer.name(v)} & {printer.partial(v, u)} = "
            + printer.doprint(data["derivative"]) for u, v, data in graph.nx.edges(data=True)]
    header = r"\text{edge} & \text{local derivative} \\" + "\n\\hline"
    return "\\begin{array}{ll}\n" + header + "\n" + " \\\\\n".join(rows) + "\n\\end{array}"


def to_latex(x: Any, **settings: Any) -> str:
    """LaTeX for a sympy expression or Matrix, a Gradient, a Graph, or expression text.

    Parameters
    ----------
    x : sympy expression, sympy Matrix, Gradient, Graph or str
        A Graph gives its edge-derivative table; text gives the expression of
        its (single) output; a Gradient its ``latex()`` lines.
    **settings
        sympy LaTeX printer settings overriding :data:`SETTINGS`.

    Examples
    --------
    >>> import symgraph as sg, sympy
    >>> sg.to_latex(sympy.Matrix([[sympy.Symbol("y"), 1]]))
    '\\\\begin{pmatrix}y & 1\\\\end{pmatrix}'
    >>> sg.to_latex(sympy.Symbol("x_2") * sympy.Symbol("alpha"))
    '\\\\alpha x_{2}'
    """
    if isinstance(x, Graph):
        return graph_latex(x, **settings)
    if isinstance(x, str):
        return LatexPrinter(settings).doprint(parse(x).expr())
    if isinstance(x, Mapping) and hasattr(x, "program") and hasattr(x, "wrt"):
        return gradient_latex(x, **settings)
    if isinstance(x, (sympy.Basic, sympy.MatrixBase, int, float)):
        return LatexPrinter(settings).doprint(x)
    raise TypeError(f"to_latex takes a sympy expression or Matrix, a Gradient, a Graph or text, "
                    f"got {type(x).__name__}")
