"""The LaTeX printer: sympy's, with symgraph's settings and its spelling of names.

Printing goes through :class:`LatexPrinter`, a subclass of sympy's printer
whose settings live in one dict, :data:`SETTINGS` (matrices as ``pmatrix``).
Every name any LaTeX output writes -- formulas, the ``\\partial x`` of a
fraction, a Hessian's labels, a listing's left-hand sides, a notebook's
display, the command line's ``--latex`` -- is written by one method,
:meth:`LatexPrinter._print_Symbol` (:meth:`LatexPrinter.name` for a node's or
label's name goes through it), by one convention, :func:`typeset`:

- one letter is math italic (``x``), a Greek letter's name its letter
  (``alpha`` is ``\\alpha``, ``Gamma`` is ``\\Gamma``), either may wear an
  accent (``xhat`` is ``\\hat{x}``);
- trailing digits or one ``_`` part are a subscript (``x1``, ``x_1``,
  ``w_12``, ``lambda_1``: ``x_{1}``, ``w_{12}``, ``\\lambda_{1}``);
- a name of several letters is one upright word, ``\\mathrm{ab}`` (so
  ``ab1`` is ``\\mathrm{ab}_{1}`` and ``v_max`` is ``v_{\\mathrm{max}}``);
- anything else, and a name another name printed alike, is written as it is
  spelled, ``\\mathrm{x\\_\\_1}`` (:func:`spelled`).

Why ``\\mathrm`` for words: LaTeX sets letters side by side in math mode as
a product, so sympy's ``ab`` (one name) and ``a b`` (a times b) are the same
picture, and ``\\partial ab`` reads as either.  A word needs a font of its
own; upright is what MathML and MathJax give an identifier of several
letters, what Mathematica's TeXForm writes (``\\text{ab}``), and ISO
80000-2's practice for descriptive subscripts (``v_{\\mathrm{max}}``).
``\\mathit{ab}`` -- the other common choice -- shows italic letters close to
math italic's (MathJax draws them alike), so ``\\mathit{ab}`` and ``a b``
still read the same.  One-letter and Greek names, the usual case in formulas,
keep sympy's and the textbooks' typesetting.
"""
from __future__ import annotations

import functools
import re

from typing import Any

import sympy
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter, greek_letters_set, modifier_dict, \
    tex_greek_dictionary

from ..ir.graph import Graph
from ..names import check_name
from .display import SharedPrinting


#: Printer settings (sympy's names); ``to_latex(x, **settings)`` overrides them per call.
SETTINGS: dict[str, Any] = {
    "mat_str": "pmatrix",      # matrices as \begin{pmatrix} ... \end{pmatrix}
    "mat_delim": "",           # ... without extra \left[ \right] around them
    "inv_trig_style": "abbreviated",
    "ln_notation": False,      # log, as the expression grammar writes it
    "imaginary_unit": "ri",    # \mathrm{i}: sympy's i was a variable i's picture (I*i printed i i)
}


#: Greek letters by the names LaTeX gives them (``alpha`` is ``\\alpha``, ``Gamma`` is ``\\Gamma``), and ``lamda``
#: and ``Lamda``, the grammar's spelling of lambda (a keyword).  Left out, so that they are written as spelled:
#: ``pi`` (``\\pi`` is the constant), ``omicron`` and the capitals LaTeX has no letter for (sympy wrote ``o`` and
#: ``\\mathrm{A}`` for omicron and Alpha), sympy's ``khi`` (it printed as chi) and ``varkappa`` (amssymb's)
GREEK: dict[str, str] = {name: latex for name, latex in tex_greek_dictionary.items() if latex == "\\" + name} | {
    name: "\\" + name for name in greek_letters_set - {"omicron", "pi"}} | {"lamda": r"\lambda", "Lamda": r"\Lambda"}
GREEK.pop("varkappa", None)

#: the accents a name may end with, as sympy writes them (``xhat`` is ``\\hat{x}``), on one letter or a Greek one.
#: Left out: the suffixes sympy writes as an operation on the name (``xabs`` as ``|x|``, ``xnorm`` as ``||x||``,
#: ``xavg`` as ``<x>``, ``xprime`` as ``x'``: another expression), ``bm`` (written as ``bold`` is), and ``cal``,
#: ``scr`` and ``frak`` (alphabets of capitals; two need packages beyond amsmath): such a name is a word
ACCENTS = ("mathring", "ddddot", "dddot", "ddot", "dot", "check", "breve", "acute", "grave", "tilde", "hat", "bar",
           "vec", "bold")

#: the constants sympy writes as a letter a variable may be written as too, with that letter and the form they
#: take beside such a variable: an upright one-letter subscript, which no name is written with (a name's
#: one-letter subscript is italic, ``gamma_E`` is ``\\gamma_{E}``); ``\\gamma_{\\mathrm{E}}`` is the physicists' own
CONSTANTS = {"EulerGamma": (r"\gamma", r"\gamma_{\mathrm{E}}"), "GoldenRatio": (r"\phi", r"\phi_{\mathrm{g}}"),
             "Catalan": ("G", r"G_{\mathrm{C}}")}

#: an element's label, ``x[3]`` or ``W[0, 1]`` (:func:`symgraph.ir.input_names.element_label`)
_ELEMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\[(\d+(?:, \d+)*)\]")


def spelled(name: str) -> str:
    """``name`` written as it is spelled, one upright word: ``\\mathrm{ab}``, ``\\mathrm{x\\_\\_1}``."""
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def _letter(part: str) -> str | None:
    """One part of a name as a letter: a Latin letter, a Greek one, either with accents (``alphahat``); else None."""
    if len(part) == 1 and part.isalpha():
        return part
    if part in GREEK:
        return GREEK[part]
    for accent in ACCENTS:
        if part.endswith(accent) and len(part) > len(accent):
            inner = _letter(part[:-len(accent)])
            return None if inner is None else modifier_dict[accent](inner)
    return None


@functools.lru_cache(maxsize=65_536)
def typeset(name: str) -> str | None:
    """THE typesetting of a name (an identifier) by the convention, or None when it is written as spelled
    (:func:`spelled`).  See :meth:`LatexPrinter._print_Symbol` for the convention and why."""
    if "__" in name or name.endswith("_") or name.startswith("_"):
        return None
    head, sups, subs = split_super_sub(name)
    if sups or len(subs) > 1:
        return None
    first = _letter(head) or (spelled(head) if head.isalpha() else None)  # a word: ab, loss
    if first is None or not subs:
        return first
    sub = subs[0]
    if sub.isdigit():
        return f"{first}_{{{sub}}}"
    sub = _letter(sub) or (spelled(sub) if sub.isalpha() else None)  # v_max: v_{\mathrm{max}}
    return None if sub is None else f"{first}_{{{sub}}}"


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
        """A name as :func:`typeset` writes it (``x_{1}``, ``\\alpha``, ``\\hat{x}``, ``\\mathrm{ab}_{1}``), else as
        it is spelled, ``\\mathrm{x\\_\\_1}``: also when another name the printer has seen prints alike
        (:meth:`clashing`).  A name that is no identifier is refused, as :meth:`symgraph.Graph.from_sympy`
        refuses it: ``Symbol("x%y")`` printed ``x%y``, which LaTeX reads as ``x`` and a comment.

        A name with a leading underscore is written as spelled (``\\mathrm{\\_x}``): LaTeX read sympy's bare
        ``_x`` as a subscript of what came before (``2 _x``).
        """
        if expr in self._settings["symbol_names"]:
            return super()._print_Symbol(expr, style)
        name = expr.name
        check_name("symbol", name)
        printed = typeset(name)
        if printed is None or name in self.clashing((name,)):
            printed = spelled(name)
        return printed if style != "bold" else r"\boldsymbol{" + printed + "}"

    #: the names :meth:`clashing` has looked at, grouped by how they print, and those found printing alike
    _seen: frozenset = frozenset()
    _groups: dict | None = None
    _clashing: frozenset = frozenset()

    def clashing(self, names: Any = ()) -> frozenset:
        """The names (of the graph's and of ``names``) that print as another does, to be written as spelled.

        The convention writes ``x1``, ``x_1`` and the element ``x[1]`` alike
        (``x_{1}``), ``alpha1`` as ``alpha_1``, and ``lamda`` as ``lambda``
        (``Lamda + Lambda`` printed ``\\Lambda + \\Lambda``): ``x1 + x_1`` read as
        ``2 x_1``; names are grouped by what :func:`typeset` writes.  A name
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
            printed = typeset(n)
            if printed is None:  # written as spelled: no other name is
                continue
            group = groups.setdefault(printed, [])
            group.append(n)
            if "_{" in printed:
                head, _, subs = split_super_sub(n)
                if head in indexed and subs[0].isdigit():
                    group.append(f"{head}[{subs[0]}]")  # reads as an element, whether or not the input has it
            touched.append(group)
        self._seen.update(fresh)
        clashing = self._clashing.union(m for group in touched if len(group) > 1 for m in group if "[" not in m)
        if clashing != self._clashing:
            self._clashing = clashing
            self.forget()  # what was written before wrote them by the convention
        return clashing

    def look_at(self, graph: Graph | None, names: Any = ()) -> None:
        """Print for ``graph``, looking at its names and at ``names`` (a result's wrt names and labels) before
        any line is written (:meth:`clashing`): a wrt name the function does not read (``x_1`` beside the input
        ``x1``) was seen only when its line was written, after lines that had written the other by the convention,
        and a constant (:data:`CONSTANTS`) is written alike in every line."""
        self.graph = graph
        self.clashing(name for name in names if isinstance(name, str) and name.isidentifier())

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
        if isinstance(expr, sympy.NumberSymbol) and type(expr).__name__ in CONSTANTS:  # sympy's _latex wins over
            return self._constant(expr)  # a _print_ method: asked here
        return super()._print(expr, **options)

    def _constant(self, expr: Any) -> str:
        """EulerGamma, GoldenRatio and Catalan as the textbooks write them (``\\gamma``, ``\\phi``, ``G``); once a
        variable among the names printed is written so (a variable gamma is ``\\gamma``), the constant is marked
        with an upright subscript no name is written with (:data:`CONSTANTS`): sympy wrote ``\\gamma + \\gamma x``
        for ``gamma + EulerGamma*x``."""
        letter, marked = CONSTANTS[type(expr).__name__]
        groups = self._groups if self.clashing() is not None else None  # the graph's names, looked at once
        return marked if groups and groups.get(letter) else letter

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
