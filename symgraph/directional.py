"""Directional derivatives: ``jvp`` (J·v, one forward sweep) and ``vjp`` (wᵀ·J, one reverse sweep).

Seeding every wrt input with its component of ``v`` at once turns forward
mode's n sweeps into one, and seeding every output with its component of
``w`` turns reverse mode's m sweeps into one (CasADi's ``jtimes``, JAX's
``jvp``/``vjp``).  A seed is a number or a name: a name the user can refer to
in the graph (an input or an assigned intermediate) stands for that node's
value, any other name becomes an extra input of the result's program (so
``at()`` needs a value for it).  ``jvp`` results are keyed by the outputs'
labels (:func:`symgraph.names.output_labels`: the user's names, ``f`` or
``f1, f2, ...`` for unnamed outputs), one per output even when two outputs
are the same expression; seeds of repeated outputs in ``vjp`` add up.

A seed of 0 contributes nothing and a seed of +-1 multiplies by nothing,
whether written 0, 0.0, -0.0, ``np.float64(0)`` or ``sympy.Float(0)`` (a
NumPy direction ``np.array([1., 0.])`` is the common case): the product of an
exact 0 is never formed, so ``jvp(f, [x, y], [1.0, 0.0])`` is the column
``jacobian(f)[:, x]`` even where the column of y is infinite or nan, as with
``[1, 0]``.  Before, a float 0.0 stayed a float constant, 0.0*inf gave nan
there, and jvp, hvp and vjp with float seeds disagreed with the Jacobian and
Hessian columns (and printed ``1.0*y``).  A seed that is a *name* (``hessp``'s
direction, a new input) is a number at run time: its 0 multiplies as IEEE
arithmetic does, and 0*inf there is nan.
"""
from __future__ import annotations

import math
import numbers
import re
import time
from typing import Any, Mapping, Sequence

import numpy as np
import sympy
from sympy.matrices.expressions.matexpr import MatrixElement

from . import constants
from .options import checked_options
from .real_values import as_array, beyond_float64, unboolean
from .cost import CostReport, mode_cost
from .derivative_map import DerivativeMap
from .frontend.coerce import (as_graph, as_labels, element_labels, held_places, read_once, refuse_ambiguous, spelt,
                              taking_unused, wrt_names, wrt_nodes)
from .errors import ArgumentError, GraphError, refusing, shown, shown_names
from .ir.graph import Graph
from .names import is_identifier
from .names import output_labels
from .ad.forward import tangents
from .ad.linearised import Linearised
from .ad.reverse import backpropagate
from .ir.emitter import Emitter
from .progress import check_progress, reported


class Directional(DerivativeMap):
    """A directional derivative: ``jvp`` maps output names, ``vjp`` wrt names, to sympy expressions.

    Attributes
    ----------
    graph : Graph
        The function's graph.
    program : Program
        The straight-line program of every entry; its inputs are the graph's
        inputs followed by the seed names that are not graph nodes.
    cost : CostReport
        What the single sweep counted.
    mode : str
        ``"forward"`` for jvp, ``"reverse"`` for vjp, ``"forward-over-reverse"`` for hvp.

    It prints as ``JVP({...})``, ``VJP({...})`` or ``HVP({...})``, saying which
    product it holds.  ``latex()`` writes one ``\\left(J v\\right)_{y} = ...`` line per output of a
    jvp, ``\\left(w^{\\top} J\\right)_{x} = ...`` per wrt name of a vjp, and
    ``\\left(H v\\right)_{x} = ...`` for an hvp, with the options of
    :meth:`Gradient.latex <symgraph.derivative_map.DerivativeMap.latex>`.
    """

    #: the LaTeX lines' left-hand sides, by the sweep that made it (:data:`symgraph.export.latex.HEADS`)
    _KINDS = {"forward": "jvp", "reverse": "vjp", "forward-over-reverse": "hvp"}

    @property
    def latex_kind(self) -> str:
        return refusing(self._KINDS[self.mode], "result.latex_kind")

    @property
    def shown_as(self) -> str:
        """``JVP``, ``VJP`` or ``HVP``: the printed form says which product it is, as its LaTeX lines do
        (``J v``, ``w^T J``, ``H v``), both read from :attr:`latex_kind`."""
        return refusing(self.latex_kind.upper(), "result.shown_as")


def read_seeds(graph: Graph, seeds: Any, names: Sequence[str], what: str, given: Any = None) -> list:
    """Seed refs (program constants or names) for ``names``, read alike by jvp, vjp and hvp.

    A bare scalar seeds a single name, and a mapping gives each name's seed by
    name (every name once, in any order; an indexed input's name takes an
    array of its elements: :func:`element_seeds`).  A sequence has one seed per
    name, or one per name of ``given`` (the wrt list as the user wrote it), an
    indexed input's name taking an array of its elements as in a mapping
    (``wrt=["x", "y"], v=[[1, 0, 0], 1]``).  A name is an identifier, or a name
    of ``graph`` (an element ``x[1]``, spelled as ``wrt`` takes it, sympy's
    ``IndexedBase("x")[1]`` too), which stands for that value.
    """
    if isinstance(given, (list, tuple)):
        given = [spelt(n) for n in given]  # an IndexedBase names its input as the text's name does
    if (isinstance(seeds, (list, tuple)) and isinstance(given, (list, tuple)) and len(seeds) == len(given)
            and len(seeds) != len(names) and all(isinstance(n, str) for n in given)
            and any(n in graph.indexed for n in given) and len(set(given)) == len(given)):
        seeds = dict(zip(given, seeds))
    seeds = element_seeds(graph, read_once(seeds), what)
    if seeds is None:
        raise ArgumentError(f"{what} is missing: give one seed (a number or a name) per name of ({shown_names(names)})")
    if isinstance(seeds, (bytes, bytearray, memoryview)) or (  # read as a list, its byte values were seeds: b"a"
            # was 97; a function (a Graph, a Program, a derivative) was one seed, "v has 1 component(s)" or its entries'
            # closed forms, "a seed must be a number or a name, got y*(2*x + cos(x*y))"
            isinstance(seeds, Graph) or callable(getattr(seeds, "as_graph", None))):
        raise ArgumentError(f"{what} takes seeds (numbers or names), one per name of ({shown_names(names)}), "
                            f"got {type(seeds).__name__} {shown(seeds)}")
    if isinstance(seeds, (set, frozenset)):  # NumPy took a set for one scalar: "v has 1 component(s)" for {1, 2}
        if len(seeds) > 1:  # one seed has no order to lose, as in wrt
            raise ArgumentError(f"{what} takes a list of seeds, one per name of ({shown_names(names)}) in that order "
                                f"(a set has no order), or a mapping by name; got {type(seeds).__name__} {shown(seeds)}")
        seeds = list(seeds)
    if isinstance(seeds, Mapping):
        written = [spelt(k) for k in seeds]
        keys = as_labels(graph, written)  # the spellings wrt takes (x_0, W[1,0])
        given_keys, wanted = set(keys), set(names)  # sets: an indexed input's array of n seeds made n^2 scans
        if len(given_keys) < len(keys):  # {"x": 1, Symbol("x"): 2}: the later seed was taken without a word
            seen: set = set()
            twice = next(k for k in keys if k in seen or seen.add(k))
            ways = [k for k, label in zip(seeds, keys) if label == twice]
            raise ArgumentError(f"{what} got {twice!r} twice in the mapping, " + (
                "as a sympy symbol and as text" if not all(isinstance(k, str) for k in ways)
                else f"as {' and as '.join(map(repr, ways))}"))
        missing = [n for n in names if n not in given_keys]
        unknown = [w for w, k in zip(written, keys) if k not in wanted]  # as the user wrote them
        if missing or unknown:
            said = ([f"no seed for {shown_names(missing)}"] if missing else []) + \
                   ([f"{shown_names([repr(k) for k in unknown])} {'is' if len(unknown) == 1 else 'are'} not among "
                     "them"] if unknown else [])
            raise ArgumentError(f"{what} as a mapping gives one seed per name of ({shown_names(names)}): {'; '.join(said)}")
        by_name = dict(zip(keys, seeds.values()))
        seeds = [by_name[n] for n in names]
    try:
        if isinstance(seeds, (str, sympy.Symbol, numbers.Number, sympy.Number)) or (
                not isinstance(seeds, (list, tuple)) and np.ndim(seeds) == 0):  # (np.ndim refuses a ragged list)
            seeds = [seeds]
        seeds = list(seeds)
    except Exception as error:  # the object's own conversion or iteration failed (its __array__ raised)
        raise ArgumentError(f"{what} takes seeds (numbers or names), one per name of ({shown_names(names)}); "
                            f"reading the {type(seeds).__name__} given raised {type(error).__name__}: "
                            f"{shown(str(error), 120)}") from error
    if len(seeds) != len(names):
        raise ArgumentError(f"{what} has {len(seeds)} component(s) but there are {len(names)} "
                         f"({shown_names(names)})")
    refs = []
    for s in seeds:
        if isinstance(s, np.ndarray) and s.ndim == 0:  # np.array(2.0), or a value read off a 0-d result
            s = s[()]
        s = unboolean(s)  # True is 1, as in every input's value
        if isinstance(s, sympy.Symbol):
            s = s.name
        elif isinstance(s, (sympy.Indexed, MatrixElement)):
            s = str(s)  # as wrt_names spells an element
        if isinstance(s, str):
            s = str(s)  # a NumPy string is a str subclass, and its repr would leak into labels and messages
            if not is_identifier(s) and s not in graph.addresses:
                base = s.split("[", 1)[0].strip()
                if base not in graph.indexed:
                    raise ArgumentError(f"seed {shown(s)} in {what} is not a name{_as_text(s)}")
                labels = element_labels(graph, base)
                if s in labels:  # an element the function never reads: no value of it to stand for
                    raise GraphError(f"seed {shown(s)} in {what} is an element the function does not read: "
                                     f"give its value as a number, or a new name")
                raise GraphError(f"seed {shown(s)} in {what} is no element of {base}, whose elements are "
                                 f"{shown_names(labels, 6)}")
            if s in graph.indexed:  # a new parameter of its name would meet the input's array in at() and calls
                raise GraphError(f"seed {s!r} in {what} names the indexed input {s} as a whole; a seed is one "
                                 f"value: an element such as {element_labels(graph, s)[0]}, a number or a new name")
            refs.append(s)
        elif isinstance(s, (sympy.Number, numbers.Real)):
            # numpy numbers too (a seed array); nan or inf would make entries nan or inf*expression
            # an int is finite however large (math.isfinite would overflow converting it to a float)
            if beyond_float64(s):  # sympy made it oo (x + oo*y), where .at() and compiled calls refuse such a value
                raise ArgumentError(f"a seed in {what} is too large for a float64: {shown(s)}")
            if not (s.is_finite if isinstance(s, sympy.Number) else isinstance(s, numbers.Integral) or math.isfinite(s)):
                raise ArgumentError(f"a seed in {what} must be finite, got {shown(s)}")
            if isinstance(s, numbers.Rational) and not isinstance(s, numbers.Integral):  # a Fraction stays exact
                s = sympy.Rational(s.numerator, s.denominator)
            elif not isinstance(s, numbers.Integral) and float(s) in (0.0, 1.0, -1.0):
                s = int(s)  # 0.0, -0.0, np.float64(1), sympy.Float(-1): exact, as 0, 1 and -1 (module docstring)
            refs.append(s if isinstance(s, sympy.Number) else
                        constants.as_constant(int(s) if isinstance(s, numbers.Integral) else float(s)))
        else:
            raise ArgumentError(f"a seed in {what} must be a number or a name, got {shown(s)}")
    return refs


def _as_text(seed: str) -> str:
    """Why a text seed that is no name is refused, when it looks like a number or an expression."""
    try:
        number = float(seed)
    except ValueError:
        return ("; a seed is a number or a name, never an expression: name the value in the function "
                f"(c = {shown_names([seed.strip()])}) and seed c" if re.search(r"[-+*/^()]", seed) else "")
    return f": give the number {number!r}, not the text {shown(seed)}"


def wrt_as_given(graph: Graph, wrt: Any) -> Any:
    """``wrt`` as the user wrote it, for :func:`read_seeds`; left out, every input as a user names it (an indexed
    input once, by its name), so that its seeds are one array as with ``wrt=["x"]``; one name given bare
    (``"x"``, an IndexedBase) is that list of one, as ``wrt`` reads it (``v=[[1, 0, 0]]`` was refused for it)."""
    if wrt is None:
        return [name for name, _ in graph.parameters(graph.input_nodes)]
    return [wrt] if isinstance(wrt, (str, sympy.Symbol, sympy.IndexedBase)) else wrt


def element_seeds(graph: Graph, seeds: Any, what: str) -> Any:
    """``seeds`` with each mapping key that names an indexed input (``{"x": [1, 0]}``) replaced by its
    elements' labels (``x[0]``, ``x[1]``), read from one array of the input's extents in row-major order: as
    ``wrt=["x"]`` stands for every element, and as an evaluation takes the input's values.  Anything else
    is returned as given."""
    if not isinstance(seeds, Mapping) or not graph.indexed:
        return seeds
    out = {}
    for key, value in seeds.items():
        name = spelt(key)
        known = graph.indexed.get(name) if isinstance(name, str) else None
        if known is None:
            out[key] = value
            continue
        array = as_array(f"{what}[{name!r}]", value)
        if array.dtype.kind in "US" and not isinstance(value, np.ndarray):  # names among numbers: NumPy made
            array = np.array(value, dtype=object)  # every entry a string ('0'); each keeps its own type instead
        if array.shape != tuple(known.shape):
            raise ArgumentError(f"{what}[{name!r}] seeds every element of the indexed input {name}: it takes an array "
                             f"of shape {tuple(known.shape)} (its extents), got shape {array.shape}")
        out.update(zip(element_labels(graph, name), array.ravel().tolist()))
    return out


def _node_refs(graph: Graph, seed_refs: Sequence) -> list:
    """Seed names that the user can address in the graph, as the nodes they stand for (aliases resolved)."""
    refuse_ambiguous(graph, seed_refs, "seed")
    refs = []
    for s in seed_refs:
        if isinstance(s, str) and s in graph.addresses:
            node = graph.addresses[s]
            if node is None:
                raise GraphError(f"seed {s!r} names a constant of the text; give its value as a number")
            s = node
        refs.append(s)
    return refs


def _linearised(graph: Graph, seed_refs: Sequence) -> tuple[Linearised, list[str]]:
    """A Linearised graph whose node names and temporaries cannot clash with seed names, and the extra
    input names (a seed ``v1`` moves the graph's own ``v1`` aside: :meth:`Graph.renamed_apart`)."""
    extra = list(dict.fromkeys(s for s in seed_refs if isinstance(s, str) and s not in graph.user_names))
    graph = graph.renamed_apart(extra)
    clash = [s for s in extra if s in graph.op_of]
    if clash:  # only an input's node can be left: an indexed input's element x[0] is node x_0
        raise GraphError(f"seed name {clash[0]!r} is the node of an input element; choose another name for the seed")
    prefix = "t"
    while any(re.fullmatch(rf"{prefix}\d+", s) for s in extra):
        prefix += "_"
    return Linearised(graph, Emitter(graph, prefix=prefix)), extra


def _setup(f: Any, wrt: Any, allow_unused: bool, seeds: Any, what: str, outputs: bool, sizes: dict) -> tuple:
    """``(graph, wrt names, Linearised, extra input names, seed refs)`` for one directional sweep.

    The seeds are for the wrt names (jvp), or with ``outputs`` for the
    function's outputs by their labels (vjp); ``what`` is the keyword they
    came by.  Seed names are resolved to the nodes they stand for.
    """
    graph, wrt = as_graph(f, **sizes), read_once(wrt)
    names = wrt_names(graph, wrt, allow_unused)
    refs = (read_seeds(graph, seeds, list(output_labels(graph)), what) if outputs else
            read_seeds(graph, seeds, names, what, wrt_as_given(graph, wrt)))
    lin, extra = _linearised(graph, refs)
    lin.counts.sweeps = 1
    return lin.graph, names, lin, extra, _node_refs(lin.graph, refs)


def _summed(lin: Linearised, pairs: Any) -> dict:
    """node -> the sum of its seeds (two names of one node, or a repeated output, add up); zeros dropped."""
    total: dict = {}
    for node, seed in pairs:
        total[node] = lin.add(total.get(node), seed)
    return {node: seed for node, seed in total.items() if not lin.is_zero(seed)}


def _result(graph, names, results, lin, extra, mode, start, simplify, held=()) -> Directional:
    """The Directional whose entries are ``results``: label -> program ref; a wrt name the function never
    reads is a parameter too, as for a gradient (:func:`~symgraph.frontend.coerce.taking_unused`), and an
    indexed input of no elements that wrt names whole is an empty array there (``held``)."""
    program = taking_unused(lin.emitter.program((*graph.input_nodes, *extra), results), graph, names)
    keys = list(results)
    cost = mode_cost(mode, lin.counts, program, time.perf_counter() - start)
    return Directional(graph, keys, program, CostReport([cost], len(keys), len(graph.outputs)), mode, simplify, held)


@checked_options
def jvp(f: Any, wrt: Sequence[str] | str | None = None, v: Any = None, *, simplify: bool | str = True,
        allow_unused: bool = False, progress: Any = None, **sizes: int) -> Directional:
    """Jacobian-vector product J·v in one forward sweep, for every output of ``f``.

    Parameters
    ----------
    f : str, sympy expression(s) or Graph
        The function (several outputs allowed).
    wrt : list of names
        The directions' coordinates (default: every input, in order).
    v : sequence of numbers or names, or a mapping
        One seed per wrt name, in order or by name (``{"x": 1, "y": "u"}``);
        an indexed input's name takes one array of its elements, in order
        (``wrt=["w", "b"], v=[[1, 0, 0], 1]``) or by name (``{"w": [1, 0, 0]}``),
        as ``wrt=["w"]`` names them all.
    allow_unused : bool
        Say that ``wrt`` may name variables absent from ``f`` (no warning).
    progress : None, bool or callable(done, total)
        As for :func:`symgraph.grad` (see :mod:`symgraph.progress`); the one
        forward sweep reports its node visits when it is done.

    Returns
    -------
    Directional
        Output label -> sum over i of v[i] * d output / d wrt[i].

    Examples
    --------
    >>> import symgraph as sg
    >>> sg.jvp("x*y", ["x", "y"], [1, 0])["f"]
    y
    >>> d = sg.jvp("x*y", ["x", "y"], ["u", "w"])
    >>> d["f"], d.cost.sweeps
    (u*y + w*x, 1)
    >>> d.at(x=2, y=3, u=1, w=10)
    {'f': 23.0}
    """
    start = time.perf_counter()
    check_progress(progress)
    graph, names, lin, extra, refs = _setup(f, wrt, allow_unused, v, "v", False, sizes)
    nodes = wrt_nodes(graph, names)
    with reported(progress, len(lin.order), "forward mode"):
        tangent = tangents(lin, _summed(lin, ((nodes[x], s) for x, s in zip(names, refs) if x in nodes)),
                           lin.reaching(graph.outputs))  # as forward mode, no tangent where no output is reached
    results = {label: tangent.get(y, 0) for label, y in zip(output_labels(graph), graph.outputs)}
    return _result(graph, names, results, lin, extra, "forward", start, simplify)


@checked_options
def vjp(f: Any, wrt: Sequence[str] | str | None = None, v: Any = None, *, w: Any = None,
        simplify: bool | str = True, allow_unused: bool = False, progress: Any = None, **sizes: int) -> Directional:
    """Vector-Jacobian product wᵀ·J in one reverse sweep, for every wrt name.

    Parameters
    ----------
    f : str, sympy expression(s) or Graph
        The function (several outputs allowed).
    wrt : list of names
        Names to report (default: every input, in order).
    v : sequence of numbers or names, or a mapping
        One seed per output of ``f``, in ``graph.outputs`` order (an output
        that appears twice gets the sum of its seeds), or by the outputs'
        labels (``{"f1": 1, "f2": 2}``).  The seeds' keyword is ``v``, as in
        :func:`jvp` and :func:`~symgraph.hvp`; ``w=`` (the w of wᵀ·J) is taken too.
    allow_unused : bool
        Say that ``wrt`` may name variables absent from ``f`` (no warning).
    progress : None, bool or callable(done, total)
        As for :func:`symgraph.grad` (see :mod:`symgraph.progress`): the
        reverse sweep's node visits.

    Returns
    -------
    Directional
        wrt name -> sum over j of w[j] * d output[j] / d name.

    Examples
    --------
    >>> import symgraph as sg
    >>> d = sg.vjp(["x*y", "x+y"], ["x", "y"], [1, "u"])
    >>> d["x"], d["y"], d.cost.sweeps
    (u + y, u + x, 1)
    """
    start, wrt = time.perf_counter(), read_once(wrt)
    if w is not None and v is not None:
        raise ArgumentError("vjp() takes its seeds once: as v (the third argument) or as w, not both")
    what, seeds = ("v", v) if w is None else ("w", w)
    check_progress(progress)
    graph, names, lin, extra, refs = _setup(f, wrt, allow_unused, seeds, what, True, sizes)
    adjoint = _summed(lin, zip(graph.outputs, refs))
    nodes = wrt_nodes(graph, names)
    with reported(progress, len(lin.order), "reverse mode") as lin.progress:  # advanced by the sweep as it goes
        backpropagate(lin, adjoint, lin.rows(lin.ancestors(*adjoint)), keep=nodes.values(),
                      within=lin.reached_from(nodes.values()))  # as reverse mode, none where no wrt node is reached
    return _result(graph, names, {x: adjoint.get(nodes.get(x), 0) for x in names}, lin, extra, "reverse", start,
                   simplify, held_places(graph, wrt))
