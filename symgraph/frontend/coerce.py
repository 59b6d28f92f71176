"""Coercion at the API boundary: what a call was given, as a Graph and as wrt names.

Every public call takes text, a list of texts, sympy expressions or a
:class:`~symgraph.ir.graph.Graph` (:func:`as_graph`), and a ``wrt`` argument
that names inputs or intermediates (:func:`wrt_names`): one place decides
what a name stands for (:attr:`Graph.addresses`) and warns about names that
do not occur.
"""
from __future__ import annotations

import keyword
import re
import warnings
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import sympy
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.tensor.array import NDimArray

from ..errors import (ArgumentError, ConstantWrtWarning, GraphError, UnusedWrtWarning, caller_level, closest_name,
                      shown_names, shown)
from ..ir.graph import Graph
from ..ir.input_names import element_label, read_element_label
from ..names import is_identifier
from ..ops import FUNCTIONS
from .from_sympy import graph_from_sympy, is_sympy_item
from .parse import parse


def as_graph(f: Any, **sizes: int) -> Graph:
    """Text, a list of texts, a sympy expression (or list) or a Graph, as a Graph.

    ``sizes`` are the text's sizes (``n=1000``, see :func:`parse`); they apply to text only.  A generator of
    functions is read once, and a 1-d NumPy array of texts or expressions is its list, as ``wrt`` takes them.
    """
    f = read_once(f)
    if isinstance(f, np.ndarray) and f.ndim == 1 and f.dtype.kind in "UO":
        f = f.tolist()
    if sizes and not (isinstance(f, str) or isinstance(f, (list, tuple)) and f and all(isinstance(x, str) for x in f)):
        raise ArgumentError(f"sizes ({', '.join(sizes)}) apply to text; got a {type(f).__name__}")
    if isinstance(f, Graph):
        return f
    if callable(getattr(f, "as_graph", None)):  # a Program, a Gradient: derivatives of derivatives keep sharing
        return f.as_graph()
    if isinstance(f, str):
        return parse(f, **sizes)
    if isinstance(f, (list, tuple)) and f and all(isinstance(x, str) for x in f):
        return parse(list(f), **sizes)
    if isinstance(f, (list, tuple)):
        _check_items(f)
        return graph_from_sympy(f)
    if isinstance(f, (sympy.Basic, sympy.MatrixBase, NDimArray)) or is_sympy_item(f):  # a Matrix: functions
        return graph_from_sympy(f)
    raise ArgumentError(f"expected expression text, a sympy expression or a Graph, got {type(f).__name__}")


def _check_items(functions: Sequence) -> None:
    """A list of functions that is not all texts must be all sympy expressions (or numbers): say which item is
    not, instead of sympy's converter refusing a str as an unsupported op.  An item that is no function at all
    (``None`` in ``["x*y", None]``) is named before a text, which is a function in the wrong company."""
    texts = [k for k, item in enumerate(functions) if isinstance(item, str)]
    others = [k for k, item in enumerate(functions) if not isinstance(item, str) and not is_sympy_item(item)]
    for k in others[:1] or texts[:1]:
        item = functions[k]
        if isinstance(item, str):
            numbers = all(isinstance(o, (int, float)) for o in functions if not isinstance(o, str))
            kind = ("a text among numbers: write each number as text too ('2'), or give all sympy expressions"
                    if numbers else "a text among sympy expressions: give all texts or all sympy expressions")
        elif isinstance(item, Graph) or callable(getattr(item, "as_graph", None)):
            kind = (f"a {type(item).__name__}: a list takes texts or sympy expressions; for several graphs' outputs "
                    "parse their texts together, sg.parse([text1, text2, ...]) (inputs shared by name)")
        else:
            kind = f"a {type(item).__name__}, not a text or a sympy expression"
        raise ArgumentError(f"item {k + 1} of the list of functions is {kind}")


def _reserved(graph: Graph, absent: Sequence[str]) -> dict[str, str]:
    """The absent wrt names the grammar reads as no variable: ``pi`` the constant, ``sin`` or a function the text
    defines or registers (``--wrt sin`` warned only that sin was not in the expression, as for a misspelling)."""
    functions = FUNCTIONS.keys() | graph.called_names
    return {w: "the constant pi" if w == "pi" else "a function" for w in absent if w == "pi" or w in functions}


def refuse_ambiguous(graph: Graph, names: Iterable, what: str) -> None:
    """An ArgumentError for a name of ``names`` that the graph's texts give different meanings, as outputs=
    refuses it (:attr:`Graph.ambiguous`): taken as the first text's, it was a silent 0 or a wrong seed in the others'."""
    ambiguous = [w for w in names if w.__class__ is str and w in graph.ambiguous]
    if ambiguous:
        raise ArgumentError(f"{what} {ambiguous[0]!r} is ambiguous: it names different things in different texts "
                            f"(each text has its own assigned names); give them different names, or use the inputs")


def wrt_names(graph: Graph, wrt, allow_unused: bool = False) -> list[str]:
    """The ``wrt`` argument as a list of names (default: every input, in order of first appearance).

    A name the user can refer to is an input or a name the text assigned
    (``graph.user_names``); generated node names (``v1``) are not.  Any other
    name does not occur in the function: its derivative is 0, and unless
    ``allow_unused`` an :class:`~symgraph.errors.UnusedWrtWarning` names the
    inputs and the closest match (a misspelling would otherwise give a
    silent 0).  A word that is no name at all (``""``, ``"x y"``, ``"1x"``) is an
    :class:`~symgraph.errors.ArgumentError`: no text has such an input, so it is a slip, not an unused variable.
    """
    if wrt is None:
        return default_wrt(graph)
    if isinstance(wrt, (str, sympy.Symbol, sympy.Indexed, sympy.IndexedBase, sympy.MatrixSymbol, MatrixElement)):
        wrt = [wrt]
    if isinstance(wrt, (set, frozenset)) and len(wrt) > 1:  # results come in wrt's order: a set has none
        raise ArgumentError(f"wrt takes a list of names (results come in its order, and a set has none), "
                            f"got {type(wrt).__name__} {shown(wrt)}")
    try:
        if isinstance(wrt, (bytes, bytearray)):  # a list of its byte values, 120 for b"x"
            raise TypeError
        wrt = list(wrt)
    except TypeError:
        raise ArgumentError(f"wrt takes a name or a list of names, got {type(wrt).__name__} {shown(wrt)}") from None
    except Exception as error:  # the object's own iteration failed
        raise ArgumentError(f"wrt takes a name or a list of names; reading the {type(wrt).__name__} given raised "
                            f"{type(error).__name__}: {shown(str(error), 120)}") from error
    names = [spelt(w) for w in wrt]
    for w in names:
        if not isinstance(w, str):
            raise ArgumentError(f"wrt names must be strings or sympy Symbols, got {shown(w)}")
    _check_symbols(graph, wrt)
    wholes = [w for w in names if w in graph.indexed]  # "x": every element of an indexed input
    if graph.indexed:  # "x" names every x[j], in index order
        names = [label for w in as_labels(graph, names)
                 for label in (element_labels(graph, w) if w in graph.indexed else (w,))]
    if len(set(names)) != len(names):
        seen: set[str] = set()
        twice = list(dict.fromkeys(w for w in names if w in seen or seen.add(w)))
        bases = sorted({w.partition("[")[0] for w in twice} & set(wholes))  # "w" and "w[0]" both given
        whole = "".join(f" ({b} stands for every {b}[...])" for b in bases[:1])
        raise ArgumentError(f"wrt lists {shown_names(map(repr, twice))} twice{whole}: {shown_names(map(repr, names))}")
    refuse_ambiguous(graph, names, "wrt")
    known = graph.user_names
    absent = [w for w in names if w not in known]
    if absent and graph.indexed:
        elements = _element_labels(graph, absent)
        absent = [w for w in absent if w not in elements]
    nameless = [w for w in absent if not is_identifier(w) and read_element_label(w) is None]
    if nameless:  # "" or "x y" can be no input of any text: a slip (two names quoted as one), not a 0 to warn of
        raise ArgumentError(f"wrt {shown_names(map(repr, nameless))} {'are not names' if len(nameless) > 1 else 'is not a name'}"
                            f" (a name is ASCII letters, digits and '_', not starting with a digit and not a Python keyword;"
                            f" an element is written x[0]){_separately(nameless)}; "
                            f"the inputs: {shown_names(_parameter_names(graph)) or 'none'}")
    if absent and not allow_unused:
        # the names wrt takes, an indexed input by its name: not its elements (inputs: t[0], w[0], X[0, 0], ...
        # for a fit over data; 'X' matched no X[0, 0], 'weight' matched 'weights[2]')
        wholes = sorted({w for w in known if "[" not in w}.union(graph.indexed))
        # cutoff 0.5: at 0.6 a two-letter name one letter off (x2 for x1) named no input
        closest = {w: match for w in absent[:20] if (match := closest_name(w, wholes, cutoff=0.5))}
        warnings.warn(UnusedWrtWarning(absent, _parameter_names(graph), closest, reserved=_reserved(graph, absent)),
                      stacklevel=caller_level())
    constants = [w for w in names if w in known and graph.addresses[w] is None]  # d of "d = 1": folded away
    if constants and not allow_unused:
        warnings.warn(ConstantWrtWarning(constants, _parameter_names(graph)), stacklevel=caller_level())
    return names


def spelt(w: Any) -> Any:
    """A wrt item, or the key of a seed naming one, as the name :func:`wrt_names` reads: a string as itself, a
    sympy Symbol or MatrixSymbol by its name, an IndexedBase by its label, an element (``x[1]``, ``A[0, 1]``)
    as printed; anything else as given, for the caller to refuse.  One place, so that the seeds of jvp, vjp
    and hvp name inputs as wrt does (an IndexedBase in wrt took no array of seeds, as its name "x" does)."""
    if isinstance(w, (str, sympy.Indexed, MatrixElement)):
        return str(w)  # str(): a numpy string is a str subclass, and its repr would leak into the labels
    if isinstance(w, (sympy.Symbol, sympy.MatrixSymbol)):
        return str(w.name)
    if isinstance(w, sympy.IndexedBase):
        return str(w.label)
    return w


def _parameter_names(graph: Graph) -> list[str]:
    """The inputs as a user passes them, in order of first appearance: an indexed input once, by its name."""
    return [name for name, _ in graph.parameters(graph.input_nodes)]


def _check_symbols(graph: Graph, wrt: list) -> None:
    """A sympy Symbol in ``wrt`` must be the function's own symbol of that name, when it has one: a
    ``Symbol('x', positive=True)`` or a ``Dummy('x')`` beside the function's ``Symbol('x')`` is another
    variable to sympy (``diff`` by it is 0), so reading it by its name alone would give another answer."""
    for w in wrt:
        if isinstance(w, sympy.Symbol):
            own = graph.given_symbols([w.name]).get(w.name)
            if own is not None and own != w:
                raise ArgumentError(f"wrt {shown_names([sympy.srepr(w)])} is not the function's symbol named "
                                    f"{shown(w.name)}, {shown_names([sympy.srepr(own)])}: to sympy they are two "
                                    f"variables; pass the function's own symbol or the name {shown(w.name)}")


def _separately(words: Sequence[str]) -> str:
    """The hint for names written as one word ('x y', 'x,y'): give them one by one; for a name with spaces
    around it ('x '), the name without them."""
    parts = [w for w in re.split(r"[\s,;]+", words[0]) if w]
    if len(parts) > 1 and all(map(is_identifier, parts)):
        return f"; to name several, give each separately: {', '.join(map(repr, parts))}"
    if len(parts) == 1 and parts[0] != words[0] and words[0].strip() == parts[0] and is_identifier(parts[0]):
        return f" (did you mean {parts[0]!r}?)"
    return ""


def as_labels(graph: Graph, names: Sequence[Any]) -> list[Any]:
    """``names`` (read by :func:`spelt`) with each element written another way as its label: its node (``x_0``) or
    the spacing a text may use (``W[1,0]``) as ``x[0]``, ``W[1, 0]``.  One reading, for wrt and for the keys of
    seeds alike (a mapping keyed as wrt was written was refused: "no seed for W[1, 0]")."""
    if not graph.indexed:
        return list(names)
    label_of, indexed, users = dict(zip(graph.input_nodes, graph.input_labels)), graph.indexed, graph.user_names
    return [w if not isinstance(w, str) or w in indexed or w in users else label_of.get(w) or _element_label(graph, w)
            for w in names]


def _element_label(graph: Graph, name: str) -> str:
    """``name`` as the label of an element when it is one written another way (``W[0,0]``, ``x[ 1 ]`` for
    ``W[0, 0]``, ``x[1]``: the spacing the text may use), else ``name`` itself."""
    element = read_element_label(name)
    if element is None or element[0] not in graph.indexed:
        return name
    return element_label(*element)


def element_labels(graph: Graph, name: str) -> list[str]:
    """The labels ``x[0], x[1], ...`` of every element of the indexed input ``name``, in row-major index order.

    Every index of its extent counts, also one the function never uses (its derivative is 0).
    """
    known = graph.indexed[name]
    if len(known.shape) == 1:  # the common case, one f-string each (np.ndindex yields a tuple per element)
        return [f"{name}[{k}]" for k in range(known.shape[0])]
    return [known.label(index) for index in np.ndindex(*known.shape)]


def _element_labels(graph: Graph, labels: Sequence[str]) -> set[str]:
    """The labels of every element, within its extent, of the indexed inputs ``labels`` name (``x[3]`` when x
    has 5 elements and the function uses only some): each input's labels made once, however many are asked."""
    bases = {label.partition("[")[0] for label in labels if label.endswith("]")}
    return {label for base in bases & graph.indexed.keys() for label in element_labels(graph, base)}


def default_wrt(graph: Graph) -> list[str]:
    """Every input in order of first appearance; an indexed input's elements together, in index order."""
    if not graph.indexed:
        return list(graph.input_nodes)
    names = []
    for name, elements in graph.parameters(graph.input_nodes):
        if elements is None:  # a plain input: its node's name is its label
            names.append(name)
        else:
            names.extend(element_labels(graph, name))
    return names


def unused_inputs(graph: Graph, names: Sequence[str]) -> list[str]:
    """The wrt ``names`` the function never reads and a call can still pass: absent from the text, and a
    parameter name (an identifier, not a keyword, not a node of the graph).

    Why a derivative takes them: ``grad("3", wrt=["x"], allow_unused=True).lambdify()`` had no ``x``
    parameter, so the gradient with respect to x could not be called as f(x) like any other, and its
    ``.at(x=2)`` refused x as unknown.  The derivative programs take these names after the graph's inputs
    (:func:`taking_unused`) and a call may leave them out: their values are ignored, except that results
    broadcast to their shape.  A function of indexed inputs takes them too, as scalars after its arrays (they were
    left out of its signature, unlike a scalar function's); the name of an indexed input is none of them.
    """
    known, nodes, indexed = graph.user_names, graph.op_of, graph.indexed
    return [w for w in names if w not in known and w not in nodes and w not in indexed and w.isidentifier()
            and not keyword.iskeyword(w)]


def taking_unused(program: Any, graph: Graph, names: Sequence[str]) -> Any:
    """``program`` taking also the :func:`unused_inputs` of ``names`` (after its own inputs, as its
    ``unused``), unless one would meet a name the program assigns (a temporary such as ``t1``)."""
    extra = unused_inputs(graph, names)
    if not extra:
        return program
    targets = {ins[0] for ins in program.instructions}
    if any(w in targets for w in extra):
        return program
    known = set(extra)  # a second derivative's program may take them already (its graph is the gradient's)
    return type(program)((*(x for x in program.inputs if x not in known), *extra), program.instructions,
                         program.results, program.graph, extra)


def wrt_nodes(graph: Graph, names: Sequence[str]) -> dict[str, str]:
    """wrt name -> the node it stands for (``graph.addresses``), for the names that stand for a node.

    Only these nodes reach the sweeps: an absent name, or one assigned a
    constant, has derivative 0.  Two names may stand for one node (an alias
    ``c = x``, or two names of one expression); each gets that node's
    derivative.
    """
    addresses = graph.addresses
    return {w: addresses[w] for w in names if addresses.get(w) is not None}


def present(graph: Graph, names: Sequence[str]) -> list[str]:
    """The distinct nodes the ``names`` stand for: what the sweeps differentiate by."""
    return list(dict.fromkeys(wrt_nodes(graph, names).values()))


def read_once(given: Any) -> Any:
    """An iterator argument (a generator of wrt names or of seeds) as a list, other arguments as they are: a
    call reads ``wrt`` more than once (its names, then the indexed inputs it names whole), and a generator
    read twice is empty the second time."""
    return list(given) if isinstance(given, Iterator) else given


def held_without_elements(graph: Graph, wrt: Any) -> list[str]:
    """The indexed inputs with no element (written only in a reduction over an empty range) that ``wrt`` names
    (None: every input): a parameter vector holds them in no entry, so they are no data parameter either."""
    unmade = [name for name, known in graph.indexed.items() if not known.nodes]
    if not unmade or wrt is None:
        return unmade
    named = set(_whole_names(wrt))
    return [name for name in unmade if name in named]


def held_places(graph: Graph, wrt: Any) -> tuple[tuple[int, str], ...]:
    """``(place, name)`` for each indexed input with no element that ``wrt`` names whole (None: every input), in
    wrt order: ``place`` counts the wrt labels (:func:`wrt_names`) before it.

    Its elements are no labels, so the labels alone lost it: ``value_and_grad`` returned no slot for x at
    n = 0, and ``value, (gx, gy) = f(x, y)`` failed there only.  A compiled result puts an empty array at
    ``place`` (:func:`symgraph.derivative_map.result_layout`).
    """
    unmade = {name for name, known in graph.indexed.items() if not known.nodes}
    if not unmade:
        return ()
    if wrt is None:  # default_wrt's order: every parameter, an indexed one as all its elements
        named = [name for name, _ in graph.parameters(graph.input_nodes)]
    else:
        named = _whole_names(read_once(wrt))
    places, place = [], 0
    for name in named:
        if name in unmade:
            places.append((place, name))
        else:
            place += len(element_labels(graph, name)) if name in graph.indexed else 1
    return tuple(places)


def _whole_names(wrt: Any) -> list:
    """The ``wrt`` argument's items as names where an indexed input may be named whole (a string, an
    ``IndexedBase``, a ``MatrixSymbol``); other items as they are, each standing for one label."""
    items = [wrt] if isinstance(wrt, (str, sympy.Symbol, sympy.Indexed, sympy.IndexedBase, sympy.MatrixSymbol,
                                      MatrixElement)) else wrt
    return [str(w.label) if isinstance(w, sympy.IndexedBase) else str(w.name) if isinstance(w, sympy.MatrixSymbol)
            else str(w) if isinstance(w, str) else w for w in items]


def vector_inputs(graph: Graph, names: Sequence[str], what: str, held: Sequence[str] = (),
                  instead: str = "") -> list[str | None]:
    """The input nodes a parameter vector holds, one per wrt name in order; a GraphError for a name the
    text assigns (an intermediate, or a constant) and for two names of one input.

    A vector that would hold nothing (no ``names`` and no indexed input ``held`` without elements) while the
    function has inputs is an ArgumentError: every input would be data, most likely a mistake, as
    ``jax.grad(f, argnums=())`` is refused.  A function of no inputs takes its empty vector.  ``instead``
    ends the message with the call's own way to what the user may have meant.

    ``None`` stands for a name that reads no input: an element of an indexed input that the function never
    reads, or a name absent from the function (:func:`wrt_names` has warned about
    it unless ``allow_unused``).  Its entry is 0 in every derivative, as ``grad`` gives it: the one rule of
    ``value_and_grad(vector=True)``, :func:`~symgraph.residuals`, :func:`~symgraph.hessp` and the matrices'
    ``lambdify(vector=True)``.
    """
    if not (names or held) and graph.input_nodes:
        raise ArgumentError(f"{what} takes a vector of the wrt names' values, and wrt is empty: the vector would "
                            f"hold nothing and every input be data; name the variables (wrt=[...], default: every "
                            f"input){instead}")
    inputs, addresses = set(graph.input_nodes), graph.addresses
    theta = [addresses.get(n) for n in names]
    extra = [n for n, node in zip(names, theta) if n in addresses and node not in inputs]
    if extra:
        raise GraphError(f"{what} differentiates by inputs; wrt names that are not inputs: {', '.join(extra)}")
    used = [t for t in theta if t is not None]
    if len(set(used)) != len(used):  # a slip in the argument (c = x: "x" and "c"), as a name listed twice is
        first = {}
        pair = next((first[t], n) for n, t in zip(names, theta) if t is not None and first.setdefault(t, n) != n)
        raise ArgumentError(f"{what} needs each input once in wrt: {pair[0]!r} and {pair[1]!r} stand for one input "
                            "(the text assigns one the other); give one of them")
    return theta
