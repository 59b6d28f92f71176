"""Edge pushing (Gower & Mello 2012): a whole Hessian in one symmetric reverse sweep over the function's graph.

Reverse mode carries one adjoint per node; edge pushing also carries a
symmetric table ``W`` of second-order weights between pairs of nodes.  Visiting
the nodes from the output back to the inputs, a node ``v`` with operands
``j, k`` and first partials ``d_j``:

* **pushes** its weights to its operands: ``W[v, w]`` becomes ``d_j * W[v, w]``
  on ``(j, w)`` (twice on the diagonal when ``j = w``), and ``W[v, v]`` becomes
  ``d_j * d_k * W[v, v]`` on ``(j, k)``;
* **creates** the weights of its own curvature: ``a(v) * d2v/dj dk`` on ``(j, k)``;
* and passes its adjoint on, ``a(j) += a(v) * d_j``, as reverse mode does.

What is left on pairs of inputs is the Hessian; only pairs that interact are
ever touched, so the work follows the Hessian's nonzeros.  The second
partials of each op come from the op table itself: the Hessian of a one-op
graph (derived once per op and operand shape by the sweeps above) is replayed into
the emitter at every node of that op.
"""
from __future__ import annotations

from functools import partial
from typing import Sequence

from .. import ops
from ..ir.emitter import Emitter, Ref
from ..ir.folding import ZERO
from ..ir.graph import Graph
from ..ir.instruction_keys import constant_key_of
from ..ir.recipes import NOT_YET, Recipes
from ..op_partials import is_zero_number
from .linearised import Linearised, SweepResult
from .reverse import reverse
from .forward import forward

#: the template's operand names u0, u1, ... (most ops have at most this many operands)
_OPERANDS = tuple(f"u{k}" for k in range(8))

#: the built-in ops, whose rules never change (a registered function may be registered again)
_BUILT_IN = frozenset(ops.OPS)

#: the slot of a constant 0 in an operand shape (:func:`_shape`): the template holds the constant itself
ZERO_SLOT = -1

#: (op, operand shape) -> (template instructions, {(j, k): template ref}) of the op's second partials; a
#: registered function's under its row, not its name: registering the name again brings other derivatives
_TEMPLATES: dict[tuple[str | ops.Op, tuple[int, ...]], tuple[list, dict]] = {}


def _shape(args: tuple) -> tuple[int, ...]:
    """Each slot's operand as the first slot it fills: ``(0, 0, 2)`` for ``(a, a, b)``; each constant its own,
    and a constant 0 :data:`ZERO_SLOT`, the constant itself in the template.

    Why: an operand in two slots is one variable of the op.  Its second partial summed over the slots'
    pairs (h00 + 2 h01 + h11) cancels where the op's own is small: d2 logsumexp(a, a, b)/da2 at a = 20,
    b = 0 (1e-9) was 4e-8 off, and 0 at a = 700 (5e-305), where every other strategy, which
    differentiates the op of that one variable, is exact.  Why the zero: a rule may decide on it (0^y's
    exponent partial is the select where(y >= 0, 0, nan), :func:`symgraph.op_partials._pow_exponent_partial`),
    and a template that made it a variable replayed the general rule's 0^y * log0(0) instead, whose closed
    form sympy reads as 0 where the numbers say nan.  Other constants are variables of the template: their
    rules give the same numbers, and one template serves x^2, x^3, ...
    """
    first: dict[str, int] = {}
    return tuple(first.setdefault(a, k) if a.__class__ is str else ZERO_SLOT if is_zero_number(a) else k
                 for k, a in enumerate(args))


def _template(op: str, shape: tuple[int, ...]) -> tuple[list, dict]:
    """The second partials of ``op`` in its distinct operands ``u0, u1, ...`` (slot ``k`` is ``u{shape[k]}``)
    and its value ``out``, as instructions keyed by each pair's first slots."""
    key = (op, shape) if op in _BUILT_IN else (ops.OPS[op], shape)
    found = _TEMPLATES.get(key)
    if found is not None:
        return found
    arity = len(shape)
    names = [f"u{k}" for k in range(arity)]
    kinds = ops.OPS[op].kinds if arity == ops.OPS[op].arity else "v" * arity
    distinct = [u for k, u in enumerate(names) if shape[k] == k]
    operands = tuple(ZERO if k == ZERO_SLOT else names[k] for k in shape)
    graph = Graph.from_ops({**{u: "input" for u in distinct}, "out": op},
                           {**{u: () for u in distinct}, "out": operands}, tuple(distinct), ("out",))
    values = [u for k, (u, kind) in enumerate(zip(names, kinds)) if kind == "v" and shape[k] == k]
    first = Linearised(graph)
    gradient = reverse(first, ["out"], values)
    program = first.emitter.program(graph.input_nodes, {u: gradient.derivatives.get(("out", u), 0) for u in values})
    second_graph = program.as_graph(values)
    lin = Linearised(second_graph)
    result = forward(lin, list(second_graph.outputs), values)
    wanted = {}
    for a, u in enumerate(values):
        for b, w in enumerate(values):
            if a <= b:
                ref = result.derivatives.get((second_graph.outputs[a], w))
                if ref is not None:
                    wanted[(names.index(u), names.index(w))] = ref
    rows = lin.emitter.program(second_graph.input_nodes, {f"{j},{k}": r for (j, k), r in wanted.items()})
    found = _TEMPLATES[key] = (rows.instructions, {jk: rows.results[f"{jk[0]},{jk[1]}"] for jk in wanted})
    return found


def _replay(builder, out: str, *args: Ref, op: str) -> tuple:
    """The refs of ``op``'s second partials at the node ``out = op(*args)``: its template's rows made with ``builder``."""
    instructions, results = _template(op, _shape(args))
    mapped: dict[str, Ref] = dict(zip(_OPERANDS, args)) if len(args) <= len(_OPERANDS) else {
        f"u{k}": a for k, a in enumerate(args)}
    mapped["out"] = out
    emit, get = builder.op, mapped.get
    for target, op2, args2 in instructions:  # one call per template row; two operands without a list
        if target == "out":
            continue
        if op2 == "const":
            a = args2[0]
            mapped[target] = get(a, a) if a.__class__ is str else a
        elif len(args2) == 2:
            a, b = args2
            mapped[target] = emit(op2, get(a, a) if a.__class__ is str else a, get(b, b) if b.__class__ is str else b)
        else:
            mapped[target] = emit(op2, *[get(a, a) if a.__class__ is str else a for a in args2])
    return tuple(get(ref, ref) if ref.__class__ is str else ref for ref in results.values())


#: (op, operand pattern) -> the template replay as a recipe (:func:`symgraph.ir.recipes.record`), or None;
#: recorded on a pattern's second use (:class:`~symgraph.ir.recipes.Recipes`)
_RECIPES = Recipes()


def _recipe(op: str, args: tuple) -> tuple[tuple | None, dict[str, str]]:
    """The recipe of ``op``'s second partials on operands shaped like ``args``, and its placeholders bound.

    As the first partials' recipes (:func:`symgraph.ad.partials._recipe`):
    keyed by which operands are (equal) names and by the exact constants, so
    the template's constant arithmetic (``pow``'s ``u1 - 1 - 1`` for the
    exponent 2) is done once, not at every node; the calls left are made on
    the real emitter in the same order.
    """
    names: dict[str, str] = {}
    pattern = [op]
    for a in args:
        if a.__class__ is str:
            pattern.append(names.setdefault(a, f"p{len(names)}"))
        else:
            key = constant_key_of(a)
            if key[1] != "Rational":
                return None, names
            pattern.append(key)
    key = tuple(pattern)
    recipe = _RECIPES.find(key)
    if recipe is NOT_YET:
        placeholders = tuple(names[a] if a.__class__ is str else a for a in args)
        recipe = _RECIPES.learn(key, partial(_replay, op=op), "o", placeholders)
    return (None if recipe is NOT_YET else recipe), names


def second_partials(emitter: Emitter, v: str, op: str, args: tuple) -> dict[tuple[int, int], Ref]:
    """``(j, k) -> d2 v / d args[j] d args[k]`` (j <= k, slots) for node ``v = op(*args)``, emitted at ``v``."""
    results = _template(op, _shape(args))[1]
    if not results:
        return {}
    recipe, names = (None, None) if emitter.guards or op not in _BUILT_IN else _recipe(op, args)
    if recipe is None:
        return dict(zip(results, _replay(emitter, v, *args, op=op)))
    bound = {placeholder: name for name, placeholder in names.items()}
    bound["o"] = v
    return dict(zip(results, emitter.replay(recipe, bound)))


def edge_pushing(lin: Linearised, output: str, wrt: Sequence[str]) -> SweepResult:
    """The Hessian of ``output`` by the inputs ``wrt`` in one symmetric reverse sweep; entries keyed (x, y).

    ``extra["gradient"]``: wrt node -> its adjoint (the gradient, absent where 0), emitted on the way.
    """
    emitter, mul, add, is_zero = lin.emitter, lin.mul, lin.add, lin.is_zero
    adjoint: dict[str, Ref] = {output: 1}
    weights: dict[str, dict[str, Ref]] = {}  # symmetric: W[u][w] and W[w][u] hold the same ref

    def bump(u: str, w: str, term: Ref) -> None:
        if is_zero(term):
            return
        row = weights.setdefault(u, {})
        total = add(row.get(w), term)
        row[w] = total
        weights.setdefault(w, {})[u] = total

    if not any(x in lin.index for x in wrt) or lin.graph.op_of.get(output) == "const":
        # nothing to differentiate (no wrt node, or a constant function): no sweep, as the other strategies
        return SweepResult({}, lin.counts, extra={"gradient": {}})
    lin.counts.sweeps += 1
    for v, op, args in lin.rows(lin.ancestors(output)):
        if op == "input" or op == "const":
            continue
        partials = lin.partials(v)  # operand -> d v / d operand
        row = weights.pop(v, {})
        for w in row:
            if w != v:
                weights[w].pop(v, None)
        # push: the weights of v onto its operands
        for w, weight in row.items():
            if w == v:
                items = list(partials.items())
                for a, (j, dj) in enumerate(items):
                    for k, dk in items[a:]:
                        term = mul(mul(dj, dk), weight)
                        bump(j, k, term)
            else:
                for j, dj in partials.items():
                    term = mul(dj, weight)
                    bump(j, w, add(term, term) if j == w else term)
        # create: the curvature of v itself, weighted by its adjoint
        a_v = adjoint.get(v)
        if a_v is not None and not is_zero(a_v):
            for (j, k), h in second_partials(emitter, v, op, args).items():
                u, w = args[j], args[k]
                if u.__class__ is str and w.__class__ is str and not is_zero(h):
                    term = mul(a_v, h)
                    bump(u, w, term if j == k or u != w else add(term, term))
            for j, dj in partials.items():  # and pass the adjoint on, as reverse mode does
                adjoint[j] = add(adjoint.get(j), mul(a_v, dj))
    derivatives = {}
    wanted = set(wrt)
    for x in wrt:  # the weights left between inputs: only the pairs that interact, never n^2 lookups
        for y, ref in weights.get(x, {}).items():
            if y in wanted and not is_zero(ref):
                derivatives[(x, y)] = ref
    # the adjoints of the inputs are the gradient (reverse mode's, summed in another order): its program
    # gives the Hessian's structural pattern without a second sweep (symgraph.hessian)
    return SweepResult(derivatives, lin.counts, extra={"gradient": {x: adjoint[x] for x in wrt if x in adjoint}})
