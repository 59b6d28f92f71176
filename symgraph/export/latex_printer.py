"""The LaTeX printer: sympy's, with symgraph's settings and its spelling of names.

Printing goes through :class:`LatexPrinter`, a subclass of sympy's printer
whose settings live in one dict, :data:`SETTINGS` (matrices as ``pmatrix``).
Symbol names render as sympy renders them: ``x_2`` and ``w12`` get
subscripts, ``alpha`` becomes ``\\alpha``; a name that convention would
misread (``x__1``, ``x_``, ``x_1_2``) is written as spelled, in ``\\mathit``.

Apart from the writers (:mod:`~symgraph.export.latex` and the modules beside
it) because it is what they all share: how one formula is spelled, not what
a result's LaTeX holds or how it is bounded.
"""
from __future__ import annotations

import re

from typing import Any

import sympy
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter, greek_letters_set, modifier_dict, other_symbols, \
    tex_greek_dictionary, translate

from ..ir.graph import Graph
from .display import SharedPrinting


#: Printer settings (sympy's names); ``to_latex(x, **settings)`` overrides them per call.
SETTINGS: dict[str, Any] = {
    "mat_str": "pmatrix",      # matrices as \begin{pmatrix} ... \end{pmatrix}
    "mat_delim": "",           # ... without extra \left[ \right] around them
    "inv_trig_style": "abbreviated",
    "ln_notation": False,      # log, as the expression grammar writes it
}


#: a name of letters alone, and the words in one that sympy prints otherwise (Greek letters, accents such as ``hat``):
#: a name of letters without them prints as it is spelled
_PLAIN = re.compile(r"[A-Za-z]+")
_SPECIAL = re.compile("|".join(sorted({*tex_greek_dictionary, *greek_letters_set, *other_symbols, *modifier_dict},
                                      key=len, reverse=True)), re.IGNORECASE)

#: an element's label, ``x[3]`` or ``W[0, 1]`` (:func:`symgraph.ir.input_names.element_label`)
_ELEMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[(\d+(?:, \d+)*)\]")


#: name suffixes sympy prints as an operation on the rest of the name (``xabs`` as ``|x|``, ``xnorm`` as ``||x||``,
#: ``xavg`` as ``<x>``, ``xprime`` as ``x'``, a derivative's mark): read so, the name is another expression
OPERATION_SUFFIXES = ("abs", "mag", "norm", "avg", "prime", "prm")


def _reads_as_operation(name: str) -> bool:
    """True when sympy would print a part of ``name`` (``xabs``, ``y_xnorm``) with an operation's notation."""
    head, sups, subs = split_super_sub(name)
    return any(part.lower().endswith(suffix) and len(part) > len(suffix)
               for part in (head, *sups, *subs) for suffix in OPERATION_SUFFIXES)


class LatexPrinter(SharedPrinting, SympyLatexPrinter):
    """sympy's LaTeX printer with symgraph's settings and a partial-derivative helper; what the expressions
    one printer writes share is written once (:class:`~symgraph.export.display.SharedPrinting`)."""

    _default_settings = {**SympyLatexPrinter._default_settings, **SETTINGS}

    def _print_Heaviside(self, expr: sympy.Heaviside, exp: str | None = None) -> str:
        """The unit step as cases that state its value at 0 (relu'(0) = 0 is ``H(0) = 0``)."""
        arg = self._print(expr.args[0])
        at_zero = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
        if at_zero == 0:
            body = rf"\begin{{cases}} 1 & {arg} > 0 \\ 0 & \text{{otherwise}} \end{{cases}}"
        elif at_zero == 1:
            body = rf"\begin{{cases}} 1 & {arg} \geq 0 \\ 0 & \text{{otherwise}} \end{{cases}}"
        else:
            body = rf"\begin{{cases}} 1 & {arg} > 0 \\ {self._print(at_zero)} & {arg} = 0 \\ 0 & \text{{otherwise}} \end{{cases}}"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        """A name as sympy prints it (``x_1`` as ``x_{1}``, ``alpha`` as ``\\alpha``), with two exceptions.

        Leading underscores are written ``\\_``: sympy leaves ``_x`` as it is,
        which LaTeX reads as a subscript of what comes before (``2 _x``), and
        ``__`` or ``_x_1`` do not compile (double subscript).  A name that
        sympy's convention would misread -- ``__`` is a superscript to it
        (``x__1`` printed ``x^{1}``, a power; ``x_1__2`` printed
        ``x^{2}_{1}``), a trailing ``_`` an empty subscript (``x_`` looked like
        ``x``), and several subscripts run together (``x_1_2`` looked like
        ``x_12``, and ``x1_2``, a digit's subscript and another, ``x_{1 2}``, looked like ``x12``;
        ``long_variable_name`` looked like ``long_{variablename}``) -- is
        written as it is spelled, ``\\mathit{x\\_\\_1}``; so is one that a
        suffix of sympy's would print as an operation on another name
        (:data:`OPERATION_SUFFIXES`: ``xabs`` printed ``|x|``, as ``abs(x)``),
        and one that another name printed would read as (:meth:`clashing`).
        """
        name = expr.name
        if expr in self._settings["symbol_names"]:
            return super()._print_Symbol(expr, style)
        bare = name.lstrip("_")
        if "__" in bare or bare.endswith("_") or len(split_super_sub(bare)[2]) > 1 or _reads_as_operation(bare) \
                or name in self.clashing((name,)):
            return r"\mathit{" + name.replace("_", r"\_") + "}"
        if bare == name:
            printed = super()._print_Symbol(expr, style)
            # a variable written as the constant (PI, or a sympy Symbol("pi")) is written as spelled
            return r"\mathit{" + name + "}" if printed == r"\pi" else printed
        lead = r"\_" * (len(name) - len(bare))
        return lead + (super()._print_Symbol(sympy.Symbol(bare), style) if bare else "")

    #: the names :meth:`clashing` has looked at, grouped by how sympy prints them, and those found printing alike
    _seen: frozenset = frozenset()
    _groups: dict | None = None
    _clashing: frozenset = frozenset()

    def clashing(self, names: Any = ()) -> frozenset:
        """The names (of the graph's and of ``names``) that print as another does, to be written as spelled.

        sympy prints ``x1``, ``x_1`` and the element ``x[1]`` alike (``x_{1}``),
        and ``alpha1`` as ``alpha_1``: ``x1 + x_1`` read as ``2 x_1``.  Its
        spellings of Greek letters meet too: ``lamda`` is ``lambda`` (``Lamda +
        Lambda`` printed ``\\Lambda + \\Lambda``) and ``omicron`` is ``o``, so
        names are grouped by their parts as sympy translates them.  A name
        that prints as an element of an indexed input would, ``x_{k}`` for any
        k, is set apart even when x has no element k: a listing's ``v_{4} = x v_{1}``
        read as element 4 of an input v, and ``t_{330} = t_{329} t_{4}`` mixed
        generated names with the elements of a data input t.  Only the graph's
        own names (inputs and names the text assigned, not its million
        elements) and the names printed (each symbol as it is printed, so a
        listing's left-hand side too) are looked at, each once: a call groups
        only the names it is the first to see (the listing of a 10,000-line
        program calls it once per line).
        """
        graph = self.graph
        fresh = {n for n in names if n not in self._seen}
        if not self._seen and graph is not None:
            fresh.update(n for n in graph.addresses if "[" not in n)
        if not fresh:
            return self._clashing
        if self._groups is None:
            self._seen, self._groups = set(), {}
        groups = self._groups
        indexed = graph.indexed if graph is not None else {}
        touched = []
        for n in fresh:
            if _PLAIN.fullmatch(n) and not _SPECIAL.search(n):  # letters sympy prints as they are: the name itself
                group = groups.setdefault((0, n, (), ()), [])
                group.append(n)
                touched.append(group)
                continue
            head, sups, subs = split_super_sub(n.lstrip("_"))
            key = (len(n) - len(n.lstrip("_")), translate(head), tuple(map(translate, sups)),
                   tuple(map(translate, subs)))
            group = groups.setdefault(key, [])
            group.append(n)
            if head in indexed and not sups and len(subs) == 1 and subs[0].isdigit() and n == n.lstrip("_"):
                group.append(f"{head}[{subs[0]}]")  # reads as an element, whether or not the input has it
            touched.append(group)
        self._seen.update(fresh)
        clashing = self._clashing.union(m for group in touched if len(group) > 1 for m in group if "[" not in m)
        if clashing != self._clashing:
            self._clashing = clashing
            self.forget()  # what was written before wrote them as sympy does
        return clashing

    def _print_Indexed(self, expr: sympy.Indexed) -> str:
        """An element of an indexed input as ``x_{0}`` and ``W_{0,1}`` (sympy writes ``{x}_{0}``); a base
        that has a subscript or superscript of its own keeps its braces (``{x_{1}}_{0}``)."""
        base = self._print(expr.base.label)
        if "_" in base or "^" in base:
            base = "{" + base + "}"
        return f"{base}_{{{','.join(self._print(i) for i in expr.indices)}}}"

    def _call(self, head: str, expr: sympy.Expr, exp: str | None) -> str:
        body = rf"{head}\left({', '.join(self._print(a) for a in expr.args)}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    #: True once a variable named e is among what this printer prints: the exponential is then written
    #: ``\exp\left(x\right)``, not ``e^{x}`` (``e e^{e x}``, the partial of exp(e*x), read either way)
    e_is_a_name: bool = False

    def doprint(self, expr: Any, *args: Any) -> str:
        if not self.e_is_a_name:
            graph = self.graph
            self.e_is_a_name = (graph is not None and ("e" in graph.op_of or "e" in graph.addresses)) or any(
                getattr(s, "name", None) == "e" for s in getattr(expr, "free_symbols", ()))
            if self.e_is_a_name:
                self.forget()  # what was written before wrote exp(x) as e^{x}
        self.clashing(s.name for s in getattr(expr, "free_symbols", ()) if isinstance(s, sympy.Symbol))
        return super().doprint(expr, *args)

    def _print_ExpBase(self, expr, exp=None):
        if self.e_is_a_name:
            return self._call(r"\exp", expr, exp)
        return super()._print_ExpBase(expr, exp)

    def _print(self, expr: Any, **options: Any) -> str:
        """Euler's number (sympy's E, which prints itself) upright, ``\\mathrm{e}``, once a variable is named e:
        both were ``e`` (``2 e e x`` for ``2*E*e*x``)."""
        if expr is sympy.E and self.e_is_a_name:
            return r"\mathrm{e}"
        return super()._print(expr, **options)

    def _print_exp2(self, expr, exp=None):
        body = rf"2^{{{self._print(expr.args[0])}}}"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    #: the graph whose names :meth:`name` prints (an indexed input's element as ``x_{3}``), or None
    graph: Graph | None = None

    def name(self, name: str) -> str:
        """A node or variable name as sympy prints the symbol (``x_{2}``, ``\\alpha``, ``W_{0,1}`` for ``W[0, 1]``).

        An element's label (``x[3]``) prints as its node's symbol; a name the
        text assigned (``a`` of ``a = x``) prints as itself, not as the node it
        stands for: ``grad("a = x; a*y", wrt=["a"])`` is ``\\partial a``, as its key.
        """
        graph = self.graph
        if graph is not None:
            node = name if name in graph.op_of else None if name.isidentifier() else graph.addresses.get(name)
            if node is not None and node in graph.op_of:
                return self._print(graph.symbol(node))
        element = _ELEMENT.fullmatch(name) if name.endswith("]") else None
        if element is not None:  # an element the function never reads (derivative 0), written as the others are
            return self._print(sympy.IndexedBase(element[1])[tuple(int(i) for i in element[2].split(","))])
        return self._print(sympy.Symbol(name))

    def partial(self, f: str, x: str) -> str:
        """``\\frac{\\partial f}{\\partial x}`` for two names."""
        return rf"\frac{{\partial {self.name(f)}}}{{\partial {self.name(x)}}}"

    def second_partial(self, f: str, x: str, y: str) -> str:
        """``\\frac{\\partial^2 f}{\\partial x \\partial y}``, and ``\\partial x^{2}`` when ``x == y``."""
        below = rf"\partial {self.name(x)}^{{2}}" if x == y else rf"\partial {self.name(x)} \partial {self.name(y)}"
        return rf"\frac{{\partial^2 {self.name(f)}}}{{{below}}}"


#: functions sympy prints as atan_{2}, expm_{1}, log_{2}: spelled as the grammar writes them
_CALL_HEADS = {"atan2": r"\operatorname{atan2}", "log1p": r"\operatorname{log1p}", "expm1": r"\operatorname{expm1}",
               "log2": r"\log_{2}", "log10": r"\log_{10}", "hypot": r"\operatorname{hypot}"}
for _name, _head in _CALL_HEADS.items():
    setattr(LatexPrinter, f"_print_{_name}",
            lambda self, expr, exp=None, _head=_head: self._call(_head, expr, exp))
