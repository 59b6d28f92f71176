"""Straight-line programs: the shareable form of every derivative symgraph computes.

A :class:`Program` is a list of single-op assignments ``target = op(args)`` in
an order where every argument is defined before use (a let-listing, as JAX and
CasADi print theirs), plus named results.  Arguments are names (inputs, graph
nodes, temporaries ``t1, t2, ...``) or sympy constants.  Because a subexpression
appears once, programs of deep shared graphs stay linear in size; closed forms
in the inputs are built from them only on request (:mod:`symgraph.ir.interpret`),
with bounded simplification.

Programs are built by the :class:`~symgraph.ir.emitter.Emitter`.
"""
from __future__ import annotations

import itertools
from functools import cached_property
from operator import countOf, itemgetter, length_hint
from typing import Any, Iterable, Mapping

import numpy as np
import sympy

from .. import constants, ops
from ..binding import check_values, point_values
from ..options import checked_options, label_list
from ..errors import (ArgumentError, ExpressionTooLargeError, GraphError, ProgramInputs, counted, no_entry, not_a_method,
                      refusing, shown, shown_names)
from . import alike, interpret
from .graph import Graph
from .hooks import service
from .listing import PRINT_ARGS, PRINT_LINES, ShortDict, assignment, cut_listing, result_line
from .liveness import _Either, live_instructions
from .program_graph import LABELS, program_graph

_ZERO = sympy.S.Zero

Ref = Any  # str (a name) or a sympy constant

MAX_DEPTH = constants.MAX_DEPTH

#: closed forms and their counts find their rows by scanning the program backwards until the scans have read
#: this many programs' worth of rows; then one table of every row by target serves every later lookup
SCANS_BEFORE_INDEX = 4


class Program:
    """Assignments ``(target, op, args)`` and results ``label -> ref``.

    ``str(program)`` is a let-listing; ``len(program)`` the number of operations.
    ``unused``: the last inputs, which no instruction reads and a call may leave
    out (a derivative's wrt names the function never reads).  ``discardable``:
    the labels of results that belong to a branch of a ``where`` of the graph
    (the local derivative on an edge into ``sqrt(x)`` of ``where(x > 0,
    sqrt(x), 0)``): :meth:`evaluate` computes them, and the rows only they
    need, without floating-point warnings, as it does the rows a ``where``
    of the program may discard (:func:`interpret.branch_only`).
    ``functions``: the rows of the registered functions the program calls, as
    registered when it was made; :meth:`evaluate` calls those, as a compiled
    function keeps the callables it was compiled with.  Registering a name
    again (``ff`` with another callable and derivative) gave a gradient made
    before the old derivative evaluated with the new callable.  Not pickled:
    a loaded program calls the functions as registered in its process.
    """

    def __init__(self, inputs: Iterable[str], instructions: list[tuple[str, str, tuple]],
                 results: Mapping[str, Ref], graph: Graph | None = None, unused: Iterable[str] = (),
                 discardable: Iterable[str] = ()):
        self.inputs = ProgramInputs(inputs)  # called as a method, it says to drop the ()
        # called as methods, these say to drop the () (the rows are copied once for that: 18 ms a million)
        if isinstance(inputs, str) or not isinstance(instructions, (list, tuple)) or not isinstance(results, Mapping):
            raise ArgumentError("Program(inputs, instructions, results) takes a list of input names, a list of rows "
                                "(target, op, args) and a mapping of result labels to names or constants, got "
                                f"{type(inputs).__name__}, {type(instructions).__name__}, {type(results).__name__}")
        self.unused = refusing(tuple(unused), "program.unused")
        self.discardable = refusing(frozenset(discardable), "program.discardable")
        self.instructions = refusing(instructions, "program.instructions")
        self.results = refusing({k: v if v.__class__ is str or v is _ZERO else constants.as_constant(v)
                                 for k, v in results.items()}, "program.results")  # most of a dense Jacobian's are 0
        self.graph = graph
        self._env: dict[str, sympy.Expr] = {}  # closed forms built so far, by name
        user = ops.USER
        self.functions = refusing({op: user[op] for _, op, _ in instructions if op in user} if user else {}, "program.functions")

    def __getstate__(self) -> dict:
        """The program without its caches: closed forms built so far may hold a registered function's sympy
        class, which pickles by a name no module has (a gradient printed before pickling failed to pickle)."""
        return {**self.__dict__, "functions": refusing({}, "program.functions"), "_env": {}}

    def __len__(self) -> int:
        return len(self.instructions)

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        """Refused, saying how to read it: ``gradient.program()`` raised "'Program' object is not callable"."""
        raise not_a_method("result.program", "the Program itself", "; evaluate it with program.evaluate(x=...), "
                           "or compile it with sg.lambdify(program)")

    def __getitem__(self, key: Any) -> None:
        """Refused, saying how to read it: ``program['x']`` raised "'Program' object is not subscriptable"."""
        raise ArgumentError(f"a Program is not indexed (program[{shown(key, 40)}]): program.closed_form(label) is a "
                            f"result's formula, program.results[label] the name that holds it (labels: "
                            f"{shown_names(list(self.results), 5) or 'none'}), program.instructions its rows")

    def _ref(self, label: str) -> Any:
        """The ref of result ``label``; an EntryError naming the results for a label the program has not
        (the results' dict raised a bare KeyError, or TypeError for a list)."""
        try:
            return self.results[label]
        except (KeyError, TypeError):
            raise no_entry("result", label, list(self.results)) from None

    @cached_property
    def ops(self) -> int:
        """Number of operations (const placeholders excluded), counted in C."""
        count = len(self.instructions) - countOf(map(itemgetter(1), self.instructions), "const")
        return refusing(count, "program.ops")  # called as a method, it says to drop the ()

    def __str__(self) -> str:
        """The let-listing (:meth:`listing`), cut to its first and last lines beyond :data:`PRINT_LINES`."""
        return self.listing(PRINT_LINES)

    @property
    def element_labels(self) -> dict[str, str] | None:
        """Input node -> the user's name (``x_0`` -> ``x[0]``) when the graph has indexed inputs, else None:
        what listings write and messages about values say (:attr:`Graph.element_labels`)."""
        return refusing(self.graph.element_labels, "program.element_labels") if self.graph is not None else None

    @checked_options
    def listing(self, limit: int | None = None) -> str:
        """A let-listing, one assignment per line with infix arithmetic: ``t1 = c + d``, ``t2 = cos(v1)``.

        Every shared temporary is named once and reused by name; the results
        follow as ``out[label] = name``.  Every line, or with ``limit`` the
        first and last ``limit // 2`` and one counting the rest,
        each op's operands cut to :data:`~symgraph.ir.listing.PRINT_ARGS`.
        """
        rows, results = self.instructions, self.results
        names = self.element_labels
        most = None if limit is None else PRINT_ARGS  # a cut listing cuts long lines too
        forwards = itertools.chain((assignment(*row, names, most) for row in rows),
                                   (result_line(*item, names) for item in results.items()))
        backwards = itertools.chain((result_line(*item, names) for item in reversed(results.items())),
                                    (assignment(*row, names, most) for row in reversed(rows)))
        return cut_listing(forwards, backwards, len(rows) + len(results), limit, "program.listing() writes every line")

    def __repr__(self) -> str:
        """One short line whatever the program: its first results' labels and how many more (a residuals
        program at 10^5 points has 4 x 10^5 results, millions of characters written out)."""
        shown = list(itertools.islice(self.results, 10))
        more = len(self.results) - len(shown)
        return f"<Program {counted(len(self), 'op')}, results {shown}{f' and {more:,} more' if more else ''}>"

    @checked_options
    def source(self, name: str = "f", standalone: bool = False) -> str:
        """Python source of a function computing every result (see :mod:`symgraph.backends.numpy`).

        ``standalone=True`` adds the few import lines that make the text a
        module you can save and import.
        """
        return service("source")(self, name, standalone)  # registered by symgraph.backends.numpy

    @checked_options
    def as_graph(self, labels: Iterable[str] | None = None, *, values: Iterable[str] = (),
                 names: Iterable[str | None] | None = LABELS) -> Graph:
        """The program as a :class:`Graph` whose outputs are the results ``labels`` (default: all), in order.

        Derivatives of derivatives are taken on it, so the sharing of the
        program survives (a Hessian is the Jacobian of the gradient's program,
        not of its closed forms).  Inputs keep the user's names, symbols and
        indexed inputs; a constant result becomes a ``const`` node.  ``values``
        names values of the function (``c`` of ``c = x*y``: its graph's
        addresses) that stay names of the new graph, their rows added where the
        program does not compute them (an hvp seed ``c`` stands for c's value).
        An input of the program that is none of the function's (a jvp's seed
        ``u``) is a name of the graph as an input is, so a derivative may be
        taken by it.  ``names`` (one per label, or None) are names asked for
        the outputs (a gradient's ``f_x``): each one that is an identifier no
        node or user name of the graph holds names its output, as an alias does.
        Left out, they are the labels themselves, so the labels of a program's
        results survive the round trip (``{"f": "t1"}`` makes the output ``f``,
        not ``t1``); a label such as ``x`` of a gradient, an input's name, or
        ``df/dx``, no identifier, names none; ``names=None`` names none.
        """
        return program_graph(self, labels, values, names)

    @checked_options
    def pruned(self) -> "Program":
        """Dead code removed: only instructions that some result needs, order kept.

        See :func:`~symgraph.ir.liveness.live_instructions`.
        """
        return Program(self.inputs, live_instructions(reversed(self.instructions), self.results.values()),
                       self.results, self.graph, self.unused)

    # -- numbers -------------------------------------------------------------
    def evaluate(self, /, *point: Mapping[str, Any], **values: Any) -> dict[str, Any]:
        """Every result's value for the given input values (floats, or arrays for array inputs), by keyword or
        as one mapping.

        Constants take their float64 value (:func:`constants.constant_value`), as in closed forms.
        """
        values = point_values("evaluate", point, values)
        if self.unused:  # left out, they are 0.0 (their values are ignored)
            values = {**dict.fromkeys(self.unused, 0.0), **values}
        if self.graph is not None:
            values = self.graph.node_values(self.inputs, values)
        loud = [ref for label, ref in self.results.items() if label not in self.discardable]
        try:
            env = interpret.numbers(self.instructions, check_values(self.inputs, values, self.element_labels), loud,
                                    self.functions or None)
            for ref in self.results.values():
                if isinstance(ref, str):
                    env[ref]  # noqa: B018 - read, so that a program made by hand says what it lacks
        except KeyError as missing:  # a program made by hand (sg.Program(...)) that reads a name nothing defines
            raise GraphError(f"this program reads {shown(missing.args[0])}, which no row defines and no input is "
                             f"(inputs: {shown_names(self.inputs) or 'none'})") from None
        shape = np.broadcast_shapes(*(np.shape(env[n]) for n in self.inputs)) if self.inputs else ()
        value_of = constants.constant_value
        out = ShortDict()  # a gradient's values at 100,000 inputs: printed whole, megabytes
        for label, ref in self.results.items():
            value = env[ref] if isinstance(ref, str) else value_of(ref)
            out[label] = float(value) if shape == () else np.broadcast_to(value, shape).astype(np.float64)
        return out

    # -- closed forms -----------------------------------------------------------
    @checked_options
    def graph_conditions(self) -> frozenset:
        """The closed forms built so far of the graph's own conditions (``x > 0`` as the text wrote it, not the
        ``x <= 0`` a sweep guards an untaken branch with): a select joined from a derivative's pieces puts them
        first (:func:`~symgraph.ir.simplify.joined_selects`).  Only what is built: nothing is built for it."""
        if self.graph is None:
            return frozenset()
        op_of, conditions, swept = self.graph.op_of, ops.CONDITIONS, self.graph.swept_conditions
        return frozenset(form for name, form in self._env.items() if op_of.get(name) in conditions and name not in swept)

    @cached_property
    def _shape_memo(self) -> tuple[dict, dict]:
        """(target -> (operations, depth), target -> op) of the rows counted so far."""
        return {}, {}

    def _shape(self, ref: str) -> tuple[int, int]:
        """(operations, depth) of ``ref``'s closed form (:func:`interpret.shapes`), counting only the rows it
        needs that no earlier result did: printing 20 entries of a 130,000-row gradient counted every row
        first (0.4-0.6 s of a repr at n = 10,000)."""
        sizes, ops = self._shape_memo
        found = sizes.get(ref)
        if found is None:
            interpret.shapes(self._needed([ref], sizes), result=sizes, op_of=ops)
            found = sizes.get(ref, (0, 0))
        return found

    @checked_options
    def measure(self, labels: Iterable[str] | None = None) -> None:
        """Count the closed forms of ``labels`` (default: every result; :meth:`expanded_size`,
        :meth:`expanded_depth`) in one pass over the rows they need, as printing several entries does,
        rather than one pass per entry."""
        sizes, ops = self._shape_memo
        if labels is None:  # every row (a program holds what its results need): no scan for them
            interpret.shapes((row for row in self.instructions if row[0] not in sizes), result=sizes, op_of=ops)
            return
        labels = label_list("Program.measure()", labels)
        refs = [ref for ref in map(self._ref, labels) if ref.__class__ is str and ref not in sizes]
        if refs:
            interpret.shapes(self._needed(refs, sizes), result=sizes, op_of=ops)

    def _needed(self, refs: list[str], known: Any) -> list[tuple[str, str, tuple]]:
        """The rows the names ``refs`` need that ``known`` lacks, operands first.

        Found among the rows earlier lookups found, else by a backward scan
        that stops once every needed name is defined (:func:`~symgraph.ir.liveness.live_instructions`),
        which makes no table of the whole program: a table of every row by
        target, built to print the first entries of a 900,000-row gradient,
        took 1 s of its first repr.  Once the scans have read
        :data:`SCANS_BEFORE_INDEX` programs' worth of rows (a loop over every
        entry, one at a time), that table is built and each lookup visits only
        the rows it needs (:func:`interpret.needed`).
        """
        if "_rows" in self.__dict__ or self._scanned >= SCANS_BEFORE_INDEX * len(self.instructions):
            return interpret.needed(refs, self._definition, known)
        found, leaves = self._found, self._leaves

        def definition(target: str) -> tuple | None:
            row = found.get(target)
            if row is not None:
                return row[1:]
            if target in leaves:
                return None
            raise LookupError(target)  # not found yet: scan

        try:
            return interpret.needed(refs, definition, known)
        except LookupError:
            pass
        backwards = reversed(self.instructions)
        rows = live_instructions(backwards, refs, known, leaves)
        self._scanned += len(self.instructions) - length_hint(backwards)
        if len(rows) <= len(self.instructions) // 4:  # a few entries' rows, kept for their closed forms
            found.update(zip(map(itemgetter(0), rows), rows))
            # a name no row defines and no input (a node of the graph the program reads as it is) is a leaf too
            leaves.update(a for row in rows for a in row[2] if a.__class__ is str and a not in found and a not in known)
            leaves.update(r for r in refs if r not in found and r not in known)
        return rows

    #: rows read by the scans of :meth:`_needed` so far
    _scanned = 0

    @cached_property
    def _found(self) -> dict[str, tuple[str, str, tuple]]:
        """target -> row of the rows :meth:`_needed`'s scans found (what has been printed so far)."""
        return {}

    @cached_property
    def _leaves(self) -> set[str]:
        """The names no row defines: the inputs, and names the scans met without a row."""
        return set(self.inputs)

    @checked_options
    def built_size(self, labels: Iterable[str]) -> int:
        """The arguments sympy takes to build the closed forms of ``labels`` (:func:`interpret.built_size`)."""
        labels = label_list("Program.built_size()", labels)
        refs = [ref for ref in map(self._ref, labels) if ref.__class__ is str]
        rows = self._needed(refs, {})
        self.measure(labels)
        return interpret.built_size(rows, self._shape_memo[0])

    @checked_options
    def expanded_size(self, label: str, cap: int = 10**6) -> int:
        """Operation count of ``label``'s closed form written as a tree, capped at ``cap``.

        Counted on the program by dynamic programming (each row once, over all
        results asked for), so it never builds the (possibly exponential) tree.
        """
        ref = self._ref(label)
        return min(cap, self._shape(ref)[0]) if isinstance(ref, str) else 0

    @checked_options
    def expanded_depth(self, label: str) -> int:
        """Nesting depth of ``label``'s closed form (0 for an input or a constant)."""
        ref = self._ref(label)
        return self._shape(ref)[1] if isinstance(ref, str) else 0

    @checked_options
    def closed_form(self, label: str) -> sympy.Expr:
        """``label``'s result as a sympy expression in the inputs, built iteratively on request.

        Subexpressions built for one result are kept for the others.  A result
        nested deeper than :data:`MAX_DEPTH` raises :class:`ExpressionTooLargeError`
        (sympy's own printers and most of its functions recurse and could not
        handle it); the program, ``.at()`` and ``lambdify`` have every value.
        """
        ref = self._ref(label)
        if not isinstance(ref, str):
            return constants.closed_constant(ref)
        if ref in self._env:
            return self._env[ref]
        depth = self.expanded_depth(label)
        if depth > MAX_DEPTH:
            problem = (f"the closed form of {label!r} is nested {depth} levels deep, more than sympy can handle "
                       f"({MAX_DEPTH})")
            error = ExpressionTooLargeError(f"{problem}; use the program (print(result.program)), .at() or .lambdify() "
                                            "instead")
            error.problem, error.depth = problem, depth  # the command line gives its own advice
            raise error
        self._build([ref])
        return self._env[ref] if ref in self._env else self._leaf(ref)

    def _build(self, refs: list[str]) -> None:
        """The closed forms of the names ``refs`` (none nested too deep) into the memo, from the rows they need."""
        env = self._env
        interpret.forms(self._needed([ref for ref in refs if ref not in env], env), env, self._leaf, set(refs))

    def _leaf(self, name: str) -> sympy.Expr:
        """The symbol of a name no row defines: the graph's own for its inputs (the user's, with assumptions),
        made as it is met (making all of them first took 1.4 s of a 20-entry repr at 10,000 inputs)."""
        graph = self.graph
        return graph.symbol(name) if graph is not None and name in graph.op_of else sympy.Symbol(name)

    @cached_property
    def _rows(self) -> dict[str, tuple[str, str, tuple]]:
        """target -> its instruction, for building closed forms from any result without a pass over the rest.

        The rows themselves, keyed in C: a new ``(op, args)`` tuple per row woke the collector, which
        scanned the whole program a few times (0.14-0.25 s at 90,000 rows, against 0.04 s).
        """
        rows = self.instructions
        return dict(zip(map(itemgetter(0), rows), rows))

    def _definition(self, target: str) -> tuple[str, tuple] | None:
        """``(op, args)`` of the row defining ``target``, or None for an input (see :func:`interpret.needed`)."""
        row = self._rows.get(target)
        return None if row is None else row[1:]

    @checked_options
    def closed_forms(self, labels: Iterable[str] | None = None) -> dict[str, sympy.Expr]:
        """The results ``labels`` (default: every one) as sympy expressions in the inputs (see
        :meth:`closed_form`), their rows found in one pass for all of them; of many results, those alike
        up to the inputs they read are built once and renamed (:mod:`~symgraph.ir.alike`)."""
        labels = list(self.results) if labels is None else label_list("Program.closed_forms()", labels)
        self.measure(labels)
        refs = [ref for ref in map(self._ref, labels) if ref.__class__ is str and ref not in self._env]
        todo = [ref for ref in refs if self._shape(ref)[1] <= MAX_DEPTH]
        if len(todo) >= alike.ALIKE_MIN:  # many results: those alike another are built once and renamed
            alike.renamed_forms(todo, self._definition, self._env, self._leaf, self._build)
        else:
            self._build(todo)
        return {label: self.closed_form(label) for label in labels}

    @checked_options
    def buildable(self, labels: Iterable[str], limit: int) -> list[str]:
        """The first ``labels`` whose closed forms sympy builds within ``limit`` operations, counted on the program.

        Building a closed form builds one for every row it needs that is not
        built yet (they are kept for the others), and sympy's cost is about the
        operations of each: a chain of products builds its partial products one
        by one, so a result can cost far more than its own size.  The entries of
        a Hessian of ``prod(1 + x[i])`` at n = 100 have 196 operations each, and
        the first 100 built 642,000 (about 5 s); the gradient's first 100, 39,000.
        A label whose rows are built already costs nothing; the count stops at
        the first label that would pass ``limit``.
        """
        labels = label_list("Program.buildable()", labels)
        self.measure(labels)
        env, counted, total, chosen = self._env, set(), 0, []
        known = _Either(env, counted)
        for label in labels:
            ref = self._ref(label)
            if ref.__class__ is str and ref not in env:
                rows = self._needed([ref], known)
                total += sum(self._shape(row[0])[0] for row in rows)
                if total > limit:
                    break
                counted.update(map(itemgetter(0), rows))
            chosen.append(label)
        return chosen
