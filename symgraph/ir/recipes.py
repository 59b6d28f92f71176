"""Partial rules recorded as recipes: the calls a rule makes on the emitter, minus those its constants decide.

A partial rule of the op table builds with ``B.op(name, *operands)``; run
once on a scratch emitter through :class:`_Recorder`, it becomes a recipe
that :meth:`Emitter.replay <symgraph.ir.emitter.Emitter.replay>` makes again
on the real emitter at every node of that shape, without the rule's folds.
Why apart from :mod:`~symgraph.ir.emitter`: recording is done once per rule
shape, by the sweeps' caches (:mod:`symgraph.ad.partials`,
:mod:`symgraph.ad.edge_pushing`), never on the emitter's hot path.
"""
from __future__ import annotations

from typing import Any

from ..constants import as_constant
from .emitter import Emitter
from .folding import FALSE, TRUE
from .graph import Graph
from .program import Ref


class _NotRecordable(Exception):
    """A rule that a recipe cannot replay exactly (it builds a where(), whose guards depend on names)."""


class _Recorder:
    """The builder a partial rule runs on to become a recipe (see :func:`record`).

    It forwards each call to a scratch emitter whose names carry no facts.  A
    call that emits nothing and returns a constant or one of those names (a
    fold, or an identity such as ``x^1 = x``) was decided by constants and
    name equality alone, the same for any names, so the recipe keeps its
    result.  Every other call is kept, to be made again on the real emitter;
    the rule gets a fresh name for its result, so later decisions never read
    a fact of the scratch emitter's own temporaries.
    """

    def __init__(self, scratch: "Emitter", names: set[str]):
        self.scratch, self.names = scratch, names
        self.calls: list[tuple[str, str, tuple]] = []

    def op(self, name: str, *args: Ref) -> Ref:
        if name == "where" and not (args[0] is TRUE or args[0] is FALSE):  # a constant condition folds
            raise _NotRecordable(name)
        before = len(self.scratch.instructions)
        result = self.scratch.op(name, *args)
        if len(self.scratch.instructions) == before and (result.__class__ is not str or result in self.names):
            return result
        token = f"r{len(self.calls)}"
        self.calls.append((token, name, args))
        self.names.add(token)
        return token


def record(rule: Any, out: str, args: tuple) -> tuple[tuple, Ref] | None:
    """A partial rule as a recipe ``(calls, result)`` over the names ``out`` and ``args``, or None.

    ``result`` is a ref, or a tuple of refs for a rule returning several.

    ``out`` and the name operands are placeholders (not ``r``-numbered);
    constants are the node's.  The recipe holds the rule's calls minus those
    the constants alone decide: ``pow(x, 2)``'s partial ``2 * x^(2-1)`` is the
    one call ``mul(2, x)``.  :meth:`Emitter.replay` then makes exactly the
    calls the rule would, without the rule's folds.  Valid only while the
    emitter has no guards (a guard depends on names); None for a rule that
    builds a where().
    """
    names = list(dict.fromkeys((out, *(a for a in args if a.__class__ is str))))
    graph = Graph.from_ops(dict.fromkeys(names, "input"), {n: () for n in names}, tuple(names), (out,))
    recorder = _Recorder(Emitter(graph, prefix="s"), set(names))
    try:
        result = rule(recorder, out, *args)
    except _NotRecordable:
        return None
    calls = []
    for token, name, call_args in recorder.calls:
        call_args = tuple(a if a.__class__ is str else as_constant(a) for a in call_args)
        # a constant never meets the names: sympy's == with a str sympifies it (40 us a call)
        kinds = "".join(("n" if a in names else "t") if a.__class__ is str else "c" for a in call_args)
        calls.append((token, name, call_args, _DIRECT.get(kinds)))
    if result.__class__ is tuple:  # a rule with several results (edge pushing's second partials)
        return tuple(calls), tuple(r if r.__class__ is str else as_constant(r) for r in result)
    return tuple(calls), (result if result.__class__ is str else as_constant(result))


class Recipes:
    """Recipes by key, each recorded on the third use of its key, at most ``limit`` kept.

    Recording runs the rule on a scratch graph and emitter: 94 us for pow's
    partial against 44 us for calling the rule itself, so it pays only when the
    key recurs.  A key holds exact constants, and text such as
    ``sum(x^i*y^(i+1), i, 1, n)`` has a new exponent at every term, each used
    twice: recorded at first use, with the rule's test of sympy's assumptions
    (0.17 ms on each new Integer), its gradient took 0.52 ms a term.  A key's
    first two uses are answered with :data:`NOT_YET` (the caller calls the rule
    itself: the same calls, folded as it goes), later ones with the recipe, or
    None where the rule cannot be a recipe.
    """

    #: the uses of a key answered :data:`NOT_YET`
    EARLY_USES = 2

    def __init__(self, limit: int = 4096):
        self._recipes: dict[tuple, tuple | None] = {}
        self._uses: dict[tuple, int] = {}
        self._limit = limit

    def find(self, key: tuple) -> tuple | None | object:
        """The key's recipe, None (the rule is called instead), or :data:`NOT_YET` (then :meth:`learn`)."""
        return self._recipes.get(key, NOT_YET)

    def learn(self, key: tuple, rule: Any, out: str, placeholders: tuple) -> tuple | None | object:
        """:data:`NOT_YET` at the key's first uses; later, its recipe recorded (:func:`record`) and kept."""
        uses = self._uses.get(key, 0)
        if uses < self.EARLY_USES:
            if len(self._uses) > self._limit:
                self._uses.clear()
            self._uses[key] = uses + 1
            return NOT_YET
        if len(self._recipes) > self._limit:
            self._recipes.clear()
        recipe = self._recipes[key] = record(rule, out, placeholders)
        return recipe


#: :meth:`Recipes.find`'s and :meth:`Recipes.learn`'s answer for a key used once so far: call the rule itself
NOT_YET = object()


#: a recorded call's operand kinds (n: a placeholder, which binds a name; c: a constant) -> the emitter method
#: :meth:`Emitter.op` would reach for them without guards, called directly on replay (t, a token that may bind
#: a constant, and two constants, which may fold, take :meth:`Emitter.op`)
_DIRECT = {"nn": Emitter._op2, "nc": Emitter._name_const, "cn": Emitter._const_name, "n": Emitter._op}
