"""Text -> :class:`~symgraph.ir.graph.Graph`, by a hand-written iterative parser.

No ``eval``, ``exec``, ``sympify`` or ``parse_expr`` ever sees user text: a
scanner turns the text into tokens, and a shunting-yard loop (an explicit
operator stack, no recursion, so 10,000-deep nesting is fine) feeds them to a
:class:`~symgraph.ir.builder.GraphBuilder`; the scanner is :mod:`symgraph.frontend.tokens`.  Every problem is a
:class:`~symgraph.errors.ParseError` carrying the position and a caret excerpt.

Grammar (see the README): numbers, ``pi``, names, binary ``+ - * /``, power
``^`` or ``**`` (right-associative, tighter than unary minus: ``-x^2`` is
``-(x^2)``), unary ``+ -``, parentheses, calls of the functions in
:data:`symgraph.ops.FUNCTIONS` with the number of arguments the op table gives
them (a call frame on the stack counts its commas), conditions (comparisons,
``and``, ``or``, ``not``: the builder checks that they only go into ``where``
and each other), and programs of
``name = expr`` lines separated by newlines or ``;`` whose last line may be a
bare expression; ``#`` starts a comment that runs to the end of the line.

Speed (``benchmarks/parse_bench.py`` texts, best of 3, old and new code
interleaved on the shared 2-core machine, same graphs and messages): the
524,288-term ``x+x+...+x`` 1.33 s (1.33-1.72) -> 1.06 s (1.06-1.18); the 1 MB
expression 0.66 -> 0.56 s; the 1 MB program 0.62 -> 0.59 s; the 100,001-factor
product 0.23 -> 0.16 s; the 10^6-node ``sum(sin(x[i])*x[i+1], i, 0, n-1)``
4.7 s (4.7-7.6) -> 2.35 s (2.35-2.52).  Where the time went, and what removed it:

* the operator stack: a frame pushed and popped per operator; a *run*
  (:meth:`~symgraph.frontend.expressions.Expressions.expression`) applies an operator as soon as its right
  operand is read and no tighter operator follows it, the same builder
  calls in the same order;
* hash-consing keys: ``(op, x, y)`` plus the operand tuple ``(x, y)`` per
  node; the builder keeps one table per op keyed by the pair, which is also
  the node's operand tuple (1.8 k instead of 3.2 k instructions per node);
* a second search of the text for the words generated names avoid: they
  come from the scan's distinct tokens (:meth:`Tokens.words`);
* a reduction's replayed term: an index ``i+1`` is ``a + b*i`` found once,
  and the index is a sympy Integer only when the parser reads it;
* the end (:meth:`GraphBuilder.finish`): an indexed input's extent found
  once, not grown per element, element names given at once when all are
  free, one set of taken names for the namer, input labels on first use.
* ``over=``'s copies of one template (:func:`parse_over`): each copy was
  scanned and parsed again; now the first copy is recorded as a reduction's
  term is (:mod:`~symgraph.frontend.replay`) and the others are made from
  the record, in one loop when the template allows (the same builder calls
  in the same order, so the same graph; an element the loop cannot place is
  evaluated by the parser, which words its error).  The 10^5 copies of
  ``y[k] - a*exp(-b*t[k])``: 4.1-4.4 -> 1.37-1.44 s of CPU, most of what is
  left naming and freezing the graph.
* a term holding a reduction of its own (``sum(log(1 + exp(-y[i]*sum(w[j]*X[i, j],
  j, 0, k-1))), i, 0, m-1)``, and ``over=`` templates with a ``sum``): the term
  was parsed again for every row, its reduction read again each time; now it
  is recorded once with its inner reduction's terms and replayed
  (:mod:`~symgraph.frontend.replay`).  At 20,000 rows x 10 features, CPU
  seconds, best of 3, old and new code alternating on the loaded 2-core machine:
  the logistic loss 5.1-5.2 -> 2.6-2.8 s, least squares 5.3-5.7 -> 2.9-3.1 s,
  the over= residuals ``y[r] - sum(w[j]*X[r, j], j, 0, k-1)`` 5.8-6.0 -> 2.9-3.1 s.

This module holds the calls that parse (:func:`parse`, :func:`parse_sized`,
:func:`parse_over`): their arguments checked, one parser
(:mod:`~symgraph.frontend.statements`) per text, the outputs found and the
graph finished.
"""
from __future__ import annotations

import keyword
import math
import operator
from typing import Any, Mapping, Sequence

import numpy as np
import sympy

from ..options import checked_options, is_size
from ..errors import ArgumentError, ParseError, closest_name, refusing, shown, shown_names
from ..ir.builder import GraphBuilder
from ..ir.operand_kinds import CONDITION_RESULT as _CONDITION_RESULT
from ..ir.graph import Copies, Graph
from ..constants import MAX_CONSTANT_BITS
from ..progress import paused_gc
from .expressions import _CALLABLE
from .from_sympy import graph_from_sympy
from .limits import MAX_ELEMENTS, MAX_NODES, MAX_TERMS
from .reductions import REDUCTIONS
from .replay import Reparse, _Tape, replayable, replayed
from .reading import warn_readings
from .scopes import _ambiguous, _output
from .statements import _Parser
from .tokens import names_in

#: Texts longer than this are refused up front (about 40 MB of graph).
MAX_TEXT_LENGTH = 5_000_000


@checked_options
def parse(text: "str | Sequence[str] | sympy.Basic | Graph", /, outputs: Sequence[str] | None = None,
          **sizes: int) -> Graph:
    """Parse an expression or a program of ``name = expr`` lines into a :class:`Graph`.

    Parameters
    ----------
    text : str or list of str
        One expression or program; a list of n texts makes a graph with n
        outputs in order, even when two are the same node (shared
        subexpressions across them are one node).  Each text has its own
        scope for the names it assigns; inputs are shared by name (the rule
        is in :mod:`symgraph.names`).  A sympy expression (or list of them)
        is read as :meth:`Graph.from_sympy` reads it, and a Graph is returned
        as it is, as every call that takes text takes them.
    outputs : list of str, optional
        Names to use as outputs instead of the default (the final bare
        expression, else the last assigned name); repeats are kept.
    **sizes : int
        Sizes the text uses by name in reductions and indices
        (``parse("sum(x[i]^2, i, 0, n-1)", n=3)``): integer constants, never
        inputs.  A size named like an indexed input is its extent
        (``x=3``, or ``W=(2, 3)``): a larger index is a ParseError.  A size
        the text reads only as a number (``parse("x + 1", x=3)``) is a
        ParseError: x is a plain input there, not a size; one no text names
        (``parse("x*y", n=3)``) an ArgumentError: it sizes nothing, and is
        most likely a misspelt size or option.  Any name may be a
        size but ``outputs`` (this function's keyword): :func:`parse_sized`
        takes the sizes as one mapping, as the command line's ``--size`` does.

    Raises
    ------
    ParseError
        For any malformed text, with ``.position`` and a caret excerpt.

    Examples
    --------
    >>> parse("(a+b)*(b+1)").inputs
    ('a', 'b')
    >>> parse("c = a + b; d = b + 1; e = c * d").outputs
    ('e',)
    """
    return parse_sized(text, sizes, outputs)


def parse_sized(text: "str | Sequence[str]", sizes: "Mapping[str, int | tuple[int, ...]]",
                outputs: Sequence[str] | None = None) -> Graph:
    """:func:`parse` with the sizes as one mapping, so that a size may have any name (``outputs``, ``mode``)."""
    sizes = dict(sizes)
    if isinstance(text, Graph) or _is_sympy(text):  # every call that takes text takes these too
        if outputs is not None or sizes:
            raise ArgumentError(f"outputs= and sizes apply to text; got a {type(text).__name__}")
        return text if isinstance(text, Graph) else graph_from_sympy(text)
    if isinstance(text, str):
        texts = [text]
    elif isinstance(text, (list, tuple)):
        texts = list(text)
    else:
        raise ArgumentError(f"parse() takes text, a list of texts, a sympy expression (or list) or a Graph, "
                            f"got {type(text).__name__} {shown(text)}")
    if not texts:
        raise ParseError("no expression given", "", 0)
    if isinstance(outputs, str):
        outputs = [outputs]  # one name, not its letters
    elif outputs is not None:
        if isinstance(outputs, (list, tuple)):  # sympy Symbols by their names, as wrt takes them
            outputs = [o.name if isinstance(o, sympy.Symbol) else o for o in outputs]
        if not isinstance(outputs, (list, tuple)) or not all(isinstance(o, str) for o in outputs):
            raise ArgumentError(f"outputs= takes a list of names, got {shown(outputs)}")
        if not outputs:  # a graph of no outputs: every call on it failed later, worded as "0 outputs ()"
            raise ArgumentError("outputs= names no output: give at least one name, or leave it out for the "
                                "text's result")
    for t in texts:
        if not isinstance(t, str):
            raise ArgumentError(f"parse() takes text, got {type(t).__name__}")
        if len(t) > MAX_TEXT_LENGTH:
            raise ParseError(f"text of {len(t):,} characters exceeds the limit of {MAX_TEXT_LENGTH:,}",
                             t[:100], 100)
    with paused_gc():
        graph = _parse(texts, outputs, _checked_sizes(sizes))
    warn_readings(graph)  # e^x, sinx: a ReadingWarning, which the command line prints as a note
    return graph


def _is_sympy(f: object) -> bool:
    """A sympy expression or Matrix, or a non-empty list of sympy expressions (numbers among them)."""
    if isinstance(f, (sympy.Basic, sympy.MatrixBase)):
        return True
    return (isinstance(f, (list, tuple)) and any(isinstance(x, sympy.Basic) for x in f)
            and all(isinstance(x, (sympy.Basic, int, float)) and not isinstance(x, bool) for x in f))


def _checked_sizes(sizes: dict) -> dict:
    """The sizes as the parser keeps them (ints, or tuples of extents), each checked to be a non-negative integer."""
    for name, value in sizes.items():
        if name == "pi":  # the text's pi stays the constant: pi=3 would bound sum(..., 0, pi) but not scale pi*x
            raise ArgumentError(f"a size cannot be named 'pi' (pi={shown(value)}): it is a reserved name (the constant)")
        values = value if isinstance(value, tuple) else (value,)
        said = shown_names([name])  # a keyword of 100,000 letters (**{...}) is not all echoed
        if not values or not all(_is_count(v) for v in values):
            if not is_size(value):
                # not a size at all: most likely a keyword this function does not take (sg.jvp(..., mode=...),
                # sg.lambdify(..., vector=True))
                raise ArgumentError(f"unexpected keyword argument {said}={shown(value)}: a keyword beyond the documented "
                                    f"options is the size of an indexed input (such as n=1000) and must be a "
                                    f"non-negative integer (or a tuple of them)")
            raise ArgumentError(f"size {said}={shown(value)} must be a non-negative integer (or a tuple of them)")
        if any(operator.index(v).bit_length() > MAX_CONSTANT_BITS for v in values):  # as the text's integers
            raise ArgumentError(f"size {said}={shown(value)} is beyond {MAX_CONSTANT_BITS:,} bits")
    return {k: tuple(map(operator.index, v)) if isinstance(v, tuple) else operator.index(v)
            for k, v in sizes.items()}  # NumPy and sympy integers too


def _is_count(value: Any) -> bool:
    """True for a non-negative integer of any kind that says it is one (``__index__``: int, NumPy's and sympy's
    integers), not a bool: a size computed with sympy (``sympy.Integer(3)``) is 3, not a refused "3"."""
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        return operator.index(value) >= 0
    except TypeError:
        return False


def parse_over(text: str, over: tuple, **sizes: int) -> Graph:
    """One output per value of an index: ``text`` parsed once for each ``k = first, ..., last``.

    ``over=("k", first, last)`` (both included; a list of the three too) binds ``k`` in each copy as a
    size is bound (``parse(text, k=value)``), so ``(y[k] - a*exp(-b*t[k]))``
    over ``("k", 0, "m-1")`` with ``m=200`` is the graph of the 200 texts
    ``parse([...])`` would build from the written-out copies, one output each,
    in order.  The bounds are integers or text computed from the sizes
    (``"m-1"``), as the bounds of ``sum()`` are.  This is how
    :func:`symgraph.fitting.residuals` writes one residual per data point.

    Raises
    ------
    ArgumentError
        When ``over`` is not ``(name, first, last)`` or its name is also a size.
    ParseError
        For a bound that is not an integer computed from the sizes, or for the text.

    Examples
    --------
    >>> g = parse_over("x[k] - x[k+1]", ("k", 1, "n-2"), n=4)
    >>> len(g.outputs), g.input_labels, g.copies.elements
    (2, ('x[1]', 'x[2]', 'x[3]'), {'x[1]': ((1, 1),), 'x[2]': ((2, 1),)})
    """
    if not (isinstance(over, (tuple, list)) and len(over) == 3 and isinstance(over[0], str)):
        raise ArgumentError(f"over= takes (index name, first, last), such as ('k', 0, 'm-1'); got {shown(over)}")
    index, first, last = over
    if not index.isidentifier() or keyword.iskeyword(index) or index in _CALLABLE or index in REDUCTIONS:
        raise ArgumentError(f"over=: {shown(index)} cannot name an index")
    if index == "pi":  # as for sum(): pi would stay the constant in the text (y[pi] - a*pi took a*3.14...)
        raise ArgumentError("over=: the index cannot be 'pi': it is a reserved name (the constant); choose another")
    if index in sizes:
        raise ArgumentError(f"over=: the index {index!r} is also given as a size ({index}={shown(sizes[index])})")
    if not isinstance(text, str):
        raise ArgumentError(f"over= takes one text (a template), got {type(text).__name__}")
    words = names_in([text])
    if index not in words:  # y_k - a*t_k over k: every copy the same residual, fitted as one
        subscripted = sorted(w for w in words if w.endswith("_" + index))
        hint = f" ({subscripted[0]!r} is one name, the same in every copy)" if subscripted else ""
        raise ArgumentError(f"over=: the template never uses its index {index}, so every residual would be the same "
                            f"one{hint}; an element of an indexed input is written y[{index}]")
    sizes = _checked_sizes(sizes)
    lo, hi = (_bound(b, sizes, f"the {which} value of {index} in over=") for b, which in ((first, "first"), (last, "last")))
    if hi < lo:
        raise ArgumentError(f"over=: {index} runs from {lo} to {hi}, which makes no residuals")
    if hi - lo + 1 > MAX_TERMS:  # each copy is at least one term: more than a call may expand, before any is made
        raise ArgumentError(f"over=: {index} runs from {lo} to {hi}, which makes {hi - lo + 1:,} residuals; the "
                            f"limit is {MAX_TERMS:,} terms per call")
    with paused_gc():
        return _parse([text] * (hi - lo + 1), None, sizes, (index, lo),
                      read=names_in([b for b in (first, last) if isinstance(b, str)]))


def _bound(bound: "int | str", sizes: dict, what: str) -> int:
    """An integer bound, given as a number or as text computed from the sizes (``"m-1"``)."""
    if isinstance(bound, (int, np.integer)) and not isinstance(bound, bool):
        return int(bound)
    if not isinstance(bound, str):
        raise ArgumentError(f"{what} must be an integer or text such as 'm-1', got {shown(bound)}")
    parser = _Parser(bound, GraphBuilder(names_in([bound])))
    parser.sizes = sizes
    parser.scope.update((k, sympy.Integer(v)) for k, v in sizes.items() if not isinstance(v, tuple))
    parser.integer_only = True
    return parser.integer(0, len(parser.toks) - 1, what)


def _parse(texts: list[str], outputs: Sequence[str] | None, sizes: dict,
           over: tuple[str, int] | None = None, read: "set[str] | frozenset[str]" = frozenset()) -> Graph:
    """The graph of ``texts`` (one output each), their expansions counted against one budget; its ``copies``
    say when its outputs (``over``), or its one output's sum, were made from one template's record.

    ``over=(k, first)`` binds the size ``k = first + position`` in each text
    (the copies of :func:`parse_over`'s template); a reduction in the first
    copy is counted as often as the copies still to come will expand it, so
    a template too large in all is refused before its first copy expands.
    ``read`` are the names the over= bounds read, so that a size only they use is used.
    """
    builder = GraphBuilder()
    results, names_out, scopes = [], [], []
    budget = [0, 1]
    each = over is not None
    words = set(read)
    exempt = {*read, over[0]} if over is not None else read
    only_read, written = {}, set()  # sizes a text reads only as a number (the first such), sizes a text writes
    tape = parser = None  # over='s template recorded at its first copy, when the others can be replayed from it
    reparsed = False
    for position, t in enumerate(texts):
        if tape is not None:
            try:
                results.append(replayed(tape, parser, over[0], over[1] + position))
                names_out.append(None)
                continue
            except Reparse:  # this copy parsed, as every copy is without a record
                reparsed = True
        recording = False
        try:
            parser = _Parser(t, builder)
            named = parser.tokens.words()
            builder.reserve(named)
            words |= named
            parser.expanded = budget
            if each:
                budget[1] = parser.repeats = len(texts) - position
            parser.sizes = sizes if not each else {**sizes, over[0]: over[1] + position}
            parser.over_index = over[0] if each else None
            parser.scope.update((k, sympy.Integer(v)) for k, v in parser.sizes.items() if not isinstance(v, tuple))
            recording = each and position == 0 and len(texts) > 1 and replayable(parser, over[0])
            if recording:
                tape = parser.builder = _Tape(builder, over[0], parser, over[1] + len(texts) - 1, 1, 0)
            names, refs, bare = parser.program()
            if recording:
                parser.builder = builder
                if names or bare is None or parser.definitions or tape.ambiguous:
                    tape = None  # a program of assignments or definitions: every copy parsed
                else:
                    tape.finish(bare)
            only = parser.sizes_only_read(exempt)
            for name, place in only.items():
                only_read.setdefault(name, (position, t, place))
            written.update(name for name in parser.sizes if name in named and name not in only)
            if outputs is None and builder.is_condition(refs[-1] if bare is None else bare):
                parser.fail(_CONDITION_RESULT, parser.result_at)
        except ParseError as error:  # the caret shows one text: say which of them it is
            if len(texts) == 1 or each:
                raise
            raise ParseError(f"in expression {position + 1} of {len(texts)}: {error.reason}", error.text,
                             error.position) from None
        scopes.append(parser.scope)
        if each and position == 0 and builder.size() * len(texts) > MAX_NODES:  # as a reduction's terms are
            raise ArgumentError(f"over=: {len(texts):,} copies of a template whose first copy made "
                                f"{builder.size():,} graph nodes would build about {builder.size() * len(texts):,}; "
                                f"the limit is {MAX_NODES:,} nodes, as building more takes minutes")
        if bare is not None:
            results.append(bare)
            names_out.append(None)
        elif outputs is None:
            results.append(refs[-1])
            names_out.append(names[-1])
        if recording and tape is not None:  # the other copies in one loop when the template allows, else replayed
            made = tape.repeat(parser, range(over[1] + 1, over[1] + len(texts)), None, None)
            if made is not None:
                results += made
                names_out += [None] * len(made)
                break
    _check_sizes_read(only_read, written, sizes, len(texts) if over is None else 1)
    _check_sizes_named(sizes, words)
    if outputs is not None:
        results, names_out = [], []
        for name in outputs:
            results.append(_output(name, scopes, builder))
            names_out.append(name)
    extents = {k: v if isinstance(v, tuple) else (v,) for k, v in sizes.items()}
    for name, shape in extents.items():
        if builder.is_indexed(name) and math.prod(shape) > MAX_ELEMENTS:
            raise ArgumentError(f"size {name}={shown(sizes[name])} makes {name} an input of {math.prod(shape):,} entries; "
                                f"an indexed input has at most {MAX_ELEMENTS:,}")
    builder.declare_extents(extents)
    graph = builder.finish(results, names_out)
    graph.ambiguous = refusing(_ambiguous(scopes, builder), "g.ambiguous")  # called, it says to drop the ()
    moved = tape.copied_elements(over[1]) if tape is not None and not reparsed else None
    if moved is not None:
        graph.copies = Copies(graph.outputs[0], moved, len(texts), None)
    elif len(results) == 1 and results[0] in parser.copied_sums:  # one sum of terms made from its first one's
        first, moved, count = parser.copied_sums[results[0]]
        graph.copies = Copies(builder.node_names[first], moved, count, "add")
    return graph


def _check_sizes_read(only_read: dict, written: set[str], sizes: dict, count: int) -> None:
    """Refuse a size that texts read only as a number and none writes as a size (:meth:`sizes_only_read`): one
    text's bound may be another's number, as within one text (a Jacobian's rows sum(x[i], i, 0, n-1) and x[0]/n)."""
    for name, (position, text, place) in only_read.items():
        if name not in written:
            value = sizes[name]
            raise ParseError(f"{f'in expression {position + 1} of {count}: ' if count > 1 else ''}{name!r} is given as "
                             f"a size ({name}={shown(value)}), but the text uses it only as a number: {name} is a plain "
                             f"input, not indexed ({name}[...]), and no index or bound uses it. A size fixes how far an "
                             f"index runs or an indexed input's extent; give {name} a value where the function is "
                             f"evaluated instead", text, place)


def _check_sizes_named(sizes: dict, words: set[str]) -> None:
    """Refuse a size that no text names (``words``: every text's, and the over= bounds'): it sizes nothing,
    and was most likely an option the function does not take (``hessp(f, wrt, chunk=1000)``) or a misspelt size
    (``m=4`` for ``n``), which were ignored without a word."""
    unnamed = [name for name in sizes if name not in words]
    if unnamed:
        name = unnamed[0]
        close = closest_name(name, sorted(words))
        hint = f" (did you mean {close}?)" if close else ""
        raise ArgumentError(f"size {name}={shown(sizes[name])} sizes nothing: the text never names {name}{hint}. A size "
                            f"is a name the text uses in an index, a bound or as an indexed input (n in sum(x[i], i, "
                            f"0, n-1)); a keyword that is no option of the function called is read as a size, so an "
                            f"option it does not take (such as chunk=) is refused here")
