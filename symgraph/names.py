"""The one naming service: user names and generated names never meet.

Every name symgraph invents (graph nodes ``v1, v2, ...``, renamed
assignments, output labels ``f``/``f1``...) comes from a :class:`Namer` that
knows every name already taken, so an invented name is never one the user
wrote or one invented before.

The rules, in one place:

* **Inputs keep their user names**: they are keyword arguments of evaluation
  and compiled functions, so they are never renamed.
* **Texts in one list each have their own scope** for the names they assign;
  inputs are shared by name.  In ``["u = x*y; v = u + x", "u*2"]`` the second
  text's ``u`` is an input called ``u``.  A node keeps the name its text
  assigned unless that name is an input (in any text) or was given to a
  different node first (earlier text wins); then the node gets a fresh name
  from the namer, and that fresh name is *not* a user name.
* **Generated names are never user-addressable**: :attr:`Graph.user_names`
  holds the inputs and the assigned names that kept their spelling; a name
  outside it (``v2``, a renamed ``u1``) is something the user never wrote, and
  asking for it (``wrt=["v2"]``) is asking for an absent name.
* **Output labels** (what formulas call a function: ``\\partial f``) are one
  per output position, distinct, and never equal to any node name: see
  :func:`output_labels`.
"""
from __future__ import annotations

import keyword
import re
from itertools import filterfalse
from typing import TYPE_CHECKING, Container, Iterable, Iterator

import sympy

from .errors import UnsupportedOpError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .ir.graph import Graph

__all__ = ["Namer", "drawn_captions", "drawn_names", "drawn_symbols", "function_name", "is_identifier", "output_labels",
           "partial_name"]


class Namer:
    """Hands out names that are in none of the ``taken`` containers and were not handed out before.

    The containers are consulted, not copied (a graph's million-entry node
    table costs nothing to pass).  ``fresh(base)`` gives ``base`` itself when
    free, else the first free ``base1, base2, ...``; ``numbered(prefix)`` gives
    the next free ``prefix1, prefix2, ...`` of a running sequence, the way
    graph nodes and program temporaries are named.

    Examples
    --------
    >>> namer = Namer({"x", "v1"})
    >>> namer.numbered("v"), namer.numbered("v"), namer.fresh("x"), namer.fresh("y")
    ('v2', 'v3', 'x1', 'y')
    """

    def __init__(self, *taken: Container[str]):
        self._taken = taken
        self._issued: set[str] = set()
        self._counters: dict[str, int] = {}  # prefix -> the last number its sequence tried

    def __contains__(self, name: str) -> bool:
        """True when ``name`` is taken or was handed out."""
        if name in self._issued:
            return True
        for names in self._taken:
            if name in names:
                return True
        return False

    def reserve(self, name: str) -> None:
        """Mark ``name`` as taken from now on."""
        self._issued.add(name)

    def fresh(self, base: str) -> str:
        """``base`` when free, else ``base1``, ``base2``, ... (the first free one); reserved on return."""
        name, k = base, 0
        while name in self:
            k += 1
            name = f"{base}{k}"
        self._issued.add(name)
        return name

    def numbered(self, prefix: str) -> str:
        """The next free name of the sequence ``prefix1, prefix2, ...``; reserved on return."""
        return self.take(prefix, 1)[0]

    def sequence(self, prefix: str) -> Iterator[str]:
        """The running sequence behind :meth:`numbered` as an iterator."""
        while True:
            yield self.take(prefix, 1)[0]

    def take(self, prefix: str, count: int) -> list[str]:
        """The next ``count`` free names of the sequence ``prefix1, prefix2, ...`` (what ``count`` calls of
        :meth:`numbered` give), reserved on return.

        Made and checked in bulk (a list of candidates filtered by each
        container in C), so naming a million graph nodes costs about as much
        as writing the names.
        """
        out: list[str] = []
        k = self._counters.get(prefix, 0)
        while len(out) < count:
            need = count - len(out)
            batch: Iterable[str] = [f"{prefix}{j}" for j in range(k + 1, k + need + 1)]
            k += need
            for names in (self._issued, *self._taken):
                batch = filterfalse(names.__contains__, batch)
            out.extend(batch)
        self._counters[prefix] = k
        self._issued.update(out)
        return out


#: Bases tried, in order, for unnamed outputs' labels; the first whose labels are all free is used.
_LABEL_BASES = ("f", "g", "h", "F", "G", "H", "phi", "psi")


def output_labels(graph: "Graph") -> tuple[str, ...]:
    """One label per output position: distinct, and never equal to a name in the graph.

    A user-named output (an input, or a name the text assigned) keeps its
    name; one asked for by an alias (``d`` of ``c = a*b; d = c``) is called so.  Unnamed outputs are labelled
    ``f`` (one output) or by position, ``f1, f2, ...`` (several: ``f2`` is the second output); when one of
    those is taken by a node name or a function the graph calls (defined by its text or registered), the
    next base of ``f, g, h, F, G, H, phi, psi`` (then ``ff, fff, ...``) whose labels are all free is used.  When a user name
    would label two positions (the same output twice), every position is
    labelled positionally, so the labels stay distinct.

    Examples
    --------
    >>> import symgraph as sg
    >>> output_labels(sg.parse("f*x"))
    ('g',)
    >>> output_labels(sg.parse(["x*y", "y*x", "u = x+y"]))
    ('f1', 'f2', 'u')
    >>> output_labels(sg.parse(["u = x*y", "u = x*y"]))
    ('f1', 'f2')
    """
    outputs, user = graph.outputs, graph.user_names
    asked = getattr(graph, "output_names", None) or (None,) * len(outputs)
    named = [alias or (y if y in user else None) for y, alias in zip(outputs, asked)]
    kept = [y for y in named if y is not None]
    if len(set(kept)) < len(kept):
        named = [None] * len(outputs)
        kept = []
    unnamed = [k for k, y in enumerate(named) if y is None]
    if not unnamed:
        return tuple(named)
    # nor the name of a function the graph calls: f(u) = u^2; f(y)^2 is not "df/dy = 4*y^3" (Graph.called_names)
    taken = Namer(graph.op_of, kept, getattr(graph, "called_names", ()))

    def labels(base: str) -> list[str]:
        return [base] if len(outputs) == 1 else [f"{base}{k + 1}" for k in unnamed]

    bases = iter(_LABEL_BASES)
    base = next(bases)
    depth = 0
    while any(label in taken for label in labels(base)):
        base = next(bases, None)
        if base is None:
            depth += 1
            base = "f" * (depth + 1)
    for k, label in zip(unnamed, labels(base)):
        named[k] = label
    return tuple(named)


def function_name(graph: "Graph") -> str:
    """What formulas call a single-output graph's function: its :func:`output_labels` label.

    The output's own name when the user gave it one, else ``f`` (or the next
    free base when the graph has a node called ``f``).  Several outputs are a
    GraphError, as for :attr:`Graph.output`.
    """
    graph.output  # noqa: B018 - raises the GraphError for several outputs
    return output_labels(graph)[0]


def partial_name(function: str, wrt: str) -> str:
    """The name of d ``function`` / d ``wrt`` as an output of the next derivative: ``f_x``, subscripts as in
    f_x = df/dx, so that its own derivatives are ``f_x_y`` (LaTeX f_{x y}) and a Jacobian's label ``df_x/dy``.

    Why: a gradient's entries made a graph's outputs were labelled ``f1, f2`` as
    any unnamed outputs, which says nothing of what they are.  An element's
    label joins by underscores (``x[0]`` gives ``f_x_0``), so the name is an
    identifier.

    >>> partial_name("f", "x"), partial_name("f_x", "y"), partial_name("e", "W[0, 1]")
    ('f_x', 'f_x_y', 'e_W_0_1')
    """
    return f"{function}_{'_'.join(re.findall(r'[A-Za-z0-9_]+', wrt))}"


def drawn_names(graph: "Graph") -> dict[str, str]:
    """Node -> what pictures and the explorer page write for it, for every node not written by its own name:
    an element of an indexed input by its label (``x[3]``), an unnamed output by its :func:`output_labels`
    label (``f``; a node that is several outputs by its first: formulas name it once, while the node itself
    writes every name, :func:`drawn_captions`).

    ``grad``, LaTeX and the command line call an unnamed output ``f``; the DOT, Mermaid and PNG/SVG pictures
    wrote its node (``v3: *``, ``adjoint ∂v3/∂u``).  Every drawing reads its names here.

    Examples
    --------
    >>> import symgraph as sg
    >>> drawn_names(sg.parse("(a+b)*(b+1)"))
    {'v3': 'f'}
    >>> drawn_names(sg.parse(["e = x[0]*y", "x[0]*y + 1"]))
    {'x_0': 'x[0]', 'v1': 'f2'}
    """
    names = {node: label for node, label in zip(graph.input_nodes, graph.input_labels) if label != node}
    user = graph.user_names
    for node, label in zip(graph.outputs, output_labels(graph)):
        if node not in user:
            names.setdefault(node, label)
    return names


def drawn_symbols(graph: "Graph") -> dict[sympy.Symbol, sympy.Symbol]:
    """Node symbol -> the symbol of the name drawings write for it, for the operations not written by their own
    name (an unnamed output, ``v3`` -> ``f``): what an edge's local derivative is rewritten with, so a formula on
    an edge, in the explorer, in a graph's LaTeX and in ``sg.paths`` names only what the drawing shows
    (``∂f/∂y = -f/y``)."""
    return {graph.symbol(node): sympy.Symbol(label) for node, label in drawn_names(graph).items()
            if graph.op(node) != "input"}  # an element's symbol is already the x[3] it is drawn as


def drawn_captions(graph: "Graph") -> dict[str, str]:
    """Node -> the name a drawing writes in the node: :func:`drawn_names`', and every name of a node that is
    several outputs, or an output asked for by another name (``f1, f3`` for outputs 1 and 3 of
    ``["x*y", "x+y", "x*y"]``; ``c, d`` for the alias ``d`` of ``c = a*b; d = c``).

    Formulas name a node by one label (:func:`drawn_names`); a node's caption says what it is called in every
    row of the Jacobian, so an output never goes missing from a picture.

    Examples
    --------
    >>> import symgraph as sg
    >>> drawn_captions(sg.parse(["x*y", "x+y", "x*y"]))
    {'v1': 'f1, f3', 'v2': 'f2'}
    """
    captions = drawn_names(graph)
    called: dict[str, list[str]] = {}
    for node, label in zip(graph.outputs, output_labels(graph)):
        called.setdefault(node, []).append(label)
    for node, labels in called.items():
        captions[node] = ", ".join(dict.fromkeys([captions.get(node, node), *labels]))
    return captions


def is_identifier(name: str) -> bool:
    """True when ``name`` can be a node name (a Python identifier that is no keyword)."""
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name)


def check_name(kind: str, name: str) -> None:
    """Refuse a sympy name that no input can have, saying why: ``Symbol("lambda")`` (a regularisation weight,
    printed as a Greek letter) is an identifier, but a keyword cannot be a compiled function's parameter.
    :meth:`Graph.from_sympy` refuses such a name, and LaTeX, which could not write it, refuses it alike."""
    if is_identifier(name):
        return
    why = ("is a Python keyword, which cannot name an input (compiled functions take inputs as Python parameters)"
           if keyword.iskeyword(name) else "is not an identifier (ASCII letters, digits and '_', not starting with "
           "a digit)")
    raise UnsupportedOpError(f"{kind} name {name!r} {why}; rename it")


def entry_label(x: str, y: str, function: str = "") -> str:
    """The label of the Hessian's entry by ``x`` and ``y``: ``d2/dx^2`` on the diagonal, ``d2/dx dy`` off it
    (``d2f/dx dy`` with the function's name, as the command line prints it).

    The space keeps entries apart, as no name holds one: ``d2/dadb`` was the label of both (a, db) and
    (ad, b), so the program kept one entry's value for the other's too (the Hessian of
    ``2*a*db + ad*b`` by a, db, ad, b had 1 where it has 2)."""
    return f"d2{function}/d{x}^2" if x == y else f"d2{function}/d{x} d{y}"
