"""One walk over rows ``(target, op, args)``: numbers or sympy, and the size of the sympy before it is built.

A :class:`~symgraph.ir.graph.Graph` (``graph.rows()``, inputs included) and a
:class:`~symgraph.ir.program.Program` (``program.instructions``) are the same
thing to an interpreter: rows in an order where every operand comes first,
whose arguments are names or sympy constants.  So evaluation, closed forms
and their size gates are written once, here:

* :func:`numbers` -- values with each op's NumPy function, constants at their
  float64 value (:func:`constants.constant_value`);
* :func:`forms` -- sympy expressions with :func:`constants.build_sympy`, constants
  as closed forms hold them (:func:`constants.closed_constant`);
* :func:`needed` -- the rows one result needs that are not built yet, for
  building closed forms on request;
* :func:`shapes` -- every row's operation count and sympy nesting depth,
  counted without building anything (closed forms can be exponentially
  larger than their program, and sympy recurses: see ``constants.MAX_DEPTH``).

Rows of op ``input`` are leaves; a ``const`` row holds its constant.
"""
from __future__ import annotations

from collections import Counter
from itertools import chain
from operator import itemgetter
from typing import Any, Callable, Container, Iterable, Mapping, MutableMapping, Sequence

import numpy as np
import sympy

from .. import ops
from .. import constants
from . import constant_chains, scaled_terms
from ..errors import ArgumentError, ExpressionTooLargeError, shown
from ..float_warnings import said_once
from ..registered_calls import user_call
from .listing import count_text

Row = tuple  # (target, op, args)

#: expanded sizes stop counting here
SIZE_CAP = 10**18

#: closed forms built on request (``result[name]``, ``graph.expr(node)``) are refused above this many tree
#: operations (:func:`check_size`); ``limit=None`` builds them anyway
EXPAND_LIMIT = 100_000


def numbers(rows: Iterable[Row], env: MutableMapping[str, Any], results: Iterable[Any] = (),
            user: Mapping[str, Any] | None = None) -> MutableMapping[str, Any]:
    """Every row's value into ``env`` (which holds the inputs' values); returns ``env``.

    Domain errors follow NumPy: ``log(-1)`` is nan and ``1/0`` is inf, never an
    exception, with NumPy's warning -- except in the rows that only feed a
    branch of ``where`` on the way to ``results`` (:func:`branch_only`), whose
    untaken values are discarded, so they are computed without warnings.
    A registered function is called through :func:`symgraph.registered_calls.user_call` (its errors named, its result checked),
    by its row in ``user`` when given (the rows a program was derived with: :attr:`Program.functions`), else as
    registered now.  Each warning is said once per call, at the caller's line (:class:`~symgraph.float_warnings.said_once`).
    """
    rows = list(rows)
    with said_once():
        _run(rows, env, branch_only(rows, results), user)
    return env


def _run(rows: list[Row], env: MutableMapping[str, Any], quiet: Container[str], kept: Mapping | None = None) -> None:
    """:func:`numbers`' loop: each row's value into ``env``, the ``quiet`` rows without warnings."""
    value_of, table, call = constants.constant_value, ops.OPS, user_call
    user = ops.USER if kept is None else kept
    for target, op, args in rows:
        if op == "input":
            continue
        vals = [env[a] if a.__class__ is str else value_of(a) for a in args]
        if op == "const":
            env[target] = vals[0]
            continue
        if user and op in user:  # the callable through user_call: its errors named, its result checked
            if kept is None:
                ops.check_call(op, len(vals))
            function, vals = call, [op, user[op].numeric, *vals]
        else:
            function = table[op].numeric
        if target in quiet:
            with np.errstate(all="ignore"):
                env[target] = function(*vals)
        else:
            env[target] = function(*vals)


def branch_only(rows: Sequence[Row], results: Iterable[Any]) -> set[str]:
    """The rows whose values reach ``results`` only through a branch of a ``where`` (or not at all).

    Their values may be discarded where the condition does not pick them --
    ``sqrt(x)`` in ``where(x > 0, sqrt(x), 0)`` at x = -1, or the partial
    ``1/(2*sqrt(x))`` there -- so evaluators compute them with floating-point
    warnings off (the "double where" JAX users write by hand, for every
    branch at once).  A nan in a taken branch still reaches the result; it
    just comes without NumPy's RuntimeWarning.  Empty for programs without ``where``.
    """
    if not any(op == "where" for _, op, _ in rows):
        return set()
    loud = {r for r in results if r.__class__ is str}
    quiet = set()
    for target, op, args in reversed(rows):
        if target not in loud:
            quiet.add(target)
            continue
        for slot, a in enumerate(args):
            if a.__class__ is str and not (op == "where" and slot):
                loud.add(a)
    return quiet


def forms(rows: Iterable[Row], env: MutableMapping[str, sympy.Expr],
          leaf: Callable[[str], sympy.Expr], wanted: Container[str] | None = None) -> MutableMapping[str, sympy.Expr]:
    """Every row's sympy expression into ``env``; returns ``env``.

    Rows already in ``env`` are kept; an input row, or a name that is neither
    in ``env`` nor a row, is the atom ``leaf(name)`` (a Symbol: the graph's
    own, or a node standing for itself).

    ``wanted``: the names the caller reads from ``env``.  Given, a sum whose one
    use in ``rows`` is another sum (a chain, as ``sum(...)`` and ``a + b + c``
    make) and that is not wanted is not built: its terms join that sum's, which
    sympy flattens and sorts once, not once per link (the closed form of the
    gradient of a 1,000-term least-squares sum took 25 s); so for a chain of
    products of factors without numbers (``prod(1 + x[i])`` at n = 3,000: 75 s).
    A chain of constants is joined too, where its links' numbers allow
    (:mod:`~symgraph.ir.constant_chains`: ``sum(sin(i), i, 0, 1000)`` took 13 s),
    and a sum's terms ``c*u`` of a rational ``c`` are summed per ``u`` first
    (:mod:`~symgraph.ir.scaled_terms`: ``sum(x*i, i, 0, 9999)`` took 2.4-3.7 s).
    Its name is then not in ``env``; a later call builds it from its rows.
    """
    build, constant, get, exact = constants.build_sympy, constants.closed_constant, env.get, constants.is_exact_constant
    rows = list(rows)
    uses = _uses(rows)
    linked = sum_links(rows, wanted, ("add", "mul"), uses) if wanted is not None else ()
    scaling = scaled_terms.candidates(rows, uses, wanted) if wanted is not None else ()
    terms: dict[str, list] = {}  # a linked sum or product not built -> its terms
    chains: dict[str, constant_chains.Chain] = {}  # a linked sum or product of constants not built -> its chain
    scaled: dict[str, scaled_terms.Scaled] = {}  # a term c*u of a sum not built

    def built_value(name: str) -> sympy.Expr | None:
        if name in terms or name in chains:
            return None
        value = get(name)
        return leaf(name) if value is None else value

    for target, op, args in rows:
        if target in env:
            continue
        if op == "input":
            env[target] = leaf(target)
            continue
        if target in scaling:
            kept = scaled_terms.pair(op, args, built_value)
            if kept is not None:
                scaled[target] = kept
                continue
        vals, fresh, pending = [], [], []  # fresh: the operands not joined from a link (whose terms were checked there)
        joined = False
        for a in args:
            if a.__class__ is str:
                if a in scaled:  # a term c*u, joined as the terms of a link are
                    vals.append(scaled.pop(a))
                    joined = True
                    continue
                if a in terms:
                    vals.extend(terms.pop(a))
                    joined = True
                    continue
                if a in chains:
                    pending.append(len(vals))
                    vals.append(chains.pop(a))
                    continue
                value = get(a)
                value = leaf(a) if value is None else value
            else:
                value = constant(a)
            vals.append(value)
            fresh.append(value)
        if (pending or target in linked) and not joined and all(map(exact, fresh)):  # a chain of constants
            chain = constant_chains.link(op, vals)
            if target in linked:
                chains[target] = chain
            else:
                env[target] = chain.value(op)
            continue
        for k in pending:  # a chain of constants meeting a variable: joined, an operand as any other
            vals[k] = vals[k].value(op)
            fresh.append(vals[k])
        if target in linked and (joined or not all(map(exact, fresh))) and (op == "add" or all(map(_plain_factor, fresh))):
            terms[target] = vals
        elif joined:
            env[target] = constants.joined_sympy(op, scaled_terms.collected(vals))
        else:
            env[target] = vals[0] if op == "const" else build(op, tuple(vals))
    return env


def _plain_factor(factor: sympy.Expr) -> bool:
    """A factor that leaves a product's coefficient 1: no number (``2``, ``sqrt(2)``) and no ``2*x``.  sympy
    multiplies a number into a sum of two terms (``2*(x + y)`` is ``2*x + 2*y``) when the product is that
    pair, so a chain through such a factor may not be joined: its links' products are not the whole's."""
    return not factor.is_number and factor.as_coeff_Mul()[0] is sympy.S.One


def _uses(rows: Sequence[Row]) -> Counter:
    """How many times each operand is used in ``rows``, counted in C (constants too, never asked for)."""
    return Counter(chain.from_iterable(map(itemgetter(2), rows)))


def sum_links(rows: Sequence[Row], kept: Container[str], ops: Container[str] = ("add",),
              uses: Counter | None = None) -> set[str]:
    """The rows of an op in ``ops`` (additions by default) whose one use in ``rows`` is another row of the same
    op, except ``kept``: the inner links of chains (``sum(...)`` and ``a + b + c`` make them), which may be
    regrouped or joined.  ``uses``: :func:`_uses` of the rows, when counted already."""
    uses = _uses(rows) if uses is None else uses
    op_of = {target: op for target, op, _ in rows if op in ops}
    return {a for target, op, args in rows if op in ops for a in args
            if a.__class__ is str and op_of.get(a) == op and uses[a] == 1 and a not in kept}


def needed(refs: Iterable[Any], definition: Callable[[str], tuple | None], known: Container[str]) -> list[Row]:
    """The rows the names ``refs`` need that ``known`` lacks, operands first (an iterative post-order).

    ``definition(name)`` is ``(op, args)``, or None for a name defined by no
    row (an input of a program).  Visits only what is missing, so building one
    result after another never walks the whole program again.
    """
    rows: list[Row] = []
    done: set[str] = set()
    stack = [r for r in refs if r.__class__ is str and r not in known]
    while stack:
        target = stack[-1]
        if target in done:
            stack.pop()
            continue
        row = definition(target)
        if row is None:
            done.add(target)
            stack.pop()
            continue
        op, args = row
        missing = [a for a in args if a.__class__ is str and a not in known and a not in done]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        done.add(target)
        rows.append((target, op, args))
    return rows


#: op -> the sympy class its closed form is flattened into (a sum's terms join an enclosing sum's, a product's
#: factors an enclosing product's)
_FLATTENED = {"add": "Add", "sub": "Add", "mul": "Mul", "div": "Mul"}


def built_size(rows: Iterable[Row], shape: Mapping[str, tuple] | None = None) -> int:
    """The arguments sympy takes in building the closed forms of ``rows`` (each row once, as a memo builds them).

    A sum or product of sums or products is flattened, so it takes its operands' terms or factors; any other
    row takes its operands, and a where() whose condition holds where() values (pieces, in ``shape``:
    :func:`shapes` of the rows) that condition's every operation once per piece, at :data:`FOLD_COST`
    each, since sympy writes each copy out anew (:func:`folds`); a max, min or abs its operands' operations
    written out, at :data:`INSPECT_COST` each, since sympy walks them.  It is what building costs, where the operations written out as
    trees (:func:`shapes`) count shared subexpressions once per use: a 4-8-3 network's dense Hessian writes out
    93.5 million operations and builds in 0.6 s (35,000 arguments); prod(1 + x[i])'s at n = 80, whose
    3,160 entries are distinct flat products, writes out 490,000 and takes 4 s (408,000).
    """
    flat: dict[str, int] = {}
    kind: dict[str, str | None] = {}
    shape = shapes(rows) if shape is None else shape
    total = 0
    for target, op, args in rows:
        cls = _FLATTENED.get(op)
        size = 0
        for a in args:
            size += flat[a] if cls is not None and a.__class__ is str and kind.get(a) == cls else 1
        flat[target], kind[target] = size, cls
        if op == "where" and args[0].__class__ is str and args[0] in flat:
            condition = shape.get(args[0], (0, 0))
            pieces = _pieces(condition)
            size += FOLD_COST * folds(condition[0], pieces) if pieces > 1 else 0
        elif op in _INSPECTED:
            size += INSPECT_COST * sum(shape.get(a, (0, 0))[0] for a in args if a.__class__ is str)
        total += size
    return min(total, SIZE_CAP)


#: ops whose sympy class walks its operands' trees when built: Max and Min (relu is a Max) factor the
#: difference of each pair of operands to find which is larger, Abs takes its operand's conjugate
_INSPECTED = frozenset({"max", "min", "abs", "relu"})

#: what sympy takes to build a max, min or abs per operation of its operands written out, in arguments of a
#: plain operation: c[k+1] = min(max(c[k], y[k]), z) + abs(c[k] - y[k]) from c[0] = x, whose operands' trees
#: hold 2,400 / 10,000 / 41,000 operations to c[8] / c[10] / c[12], built its dense Jacobian in 0.4 / 1.2 / 6.1 s
#: (120-170 us an operation, where an argument takes about 15 us)
INSPECT_COST = 10

#: the most pieces a where()'s condition may hold.  sympy writes a value holding where() values, inside a
#: condition, as a Piecewise of one piece per combination of their branches, and the condition once per piece,
#: canonicalising every copy: in the chain c[k+1] = max(c[k], k*y) + where(c[k] > k, abs(c[k]), z), from
#: c[0] = x, the condition of c[5] holds 1,806 pieces and its closed form took 7-25 s to build, c[4]'s 42 0.5 s.
#: Past it a closed form counts as too large to build (:data:`SIZE_CAP` operations).
FOLD_LIMIT = 64

#: what sympy takes to build one operation of a condition on where() values, folded, in arguments of a plain
#: operation: it canonicalises every comparison, absorbs And and Or, and a Max compares its operands.  Three
#: where() definitions comparing max() sums, whose dense Jacobian folds 33,000 such operations, took 4 s (their
#: Hessian, 311,000, 10 s), and the Jacobian of FOLD_LIMIT's chain to c[4], 35,000, 1 s; two definitions, 900,
#: 0.7 s, and the chain to c[3], 700, 0.5 s
FOLD_COST = 10

#: a value holding more distinct where() values than this has more than FOLD_LIMIT pieces (each has two or more)
_FOLD_DISTINCT = FOLD_LIMIT.bit_length() - 1

_NO_WHERE: frozenset = frozenset()

#: the ops whose closed forms are Piecewise: where(), and log0 (0 at 0, else the log)
_PIECEWISE = frozenset(("where", "log0"))


def folds(size: int, pieces: int) -> int:
    """The operations of a where()'s condition of ``size`` operations and ``pieces`` pieces, as sympy writes
    it: once per piece, or :data:`SIZE_CAP` past :data:`FOLD_LIMIT`."""
    return size * pieces if pieces <= FOLD_LIMIT else SIZE_CAP


def _pieces(shape: tuple) -> int:
    """The pieces of a value of ``shape`` (:func:`shapes`): 1 for one holding no where() value."""
    return shape[3] if len(shape) > 2 else 1


def _joined(held: frozenset | None, more: frozenset | None) -> frozenset | None:
    """The where() values two operands hold together, None past :data:`_FOLD_DISTINCT` (too many to count)."""
    if held is None or more is None:
        return None
    if not held or held is more:
        return more
    joined = held | more
    return joined if len(joined) <= _FOLD_DISTINCT else None


def shapes(rows: Iterable[Row], atoms: Container[str] = (), result: dict | None = None,
           op_of: dict | None = None) -> dict[str, tuple]:
    """target -> (operations, depth) of its closed form written as a tree, and for a value holding where()
    values, (operations, depth, the where() values held, pieces); one pass, never built.

    Operation counts stop at :data:`SIZE_CAP` (they can be exponential in the
    rows); the depth counts the levels of sympy's tree (:func:`constants.nesting`:
    ``(a*b)*c`` is one Mul).  The pieces are those sympy folds the value into inside a condition: a where()
    (and log0, a where() on its operand) has its branches' pieces added up, any other value every combination
    of the branches of the where() values it holds (None: more than :data:`_FOLD_DISTINCT`); a where()'s
    condition counts as written once per piece (:func:`folds`).  Inputs, constants and the names in ``atoms``
    (kept as symbols) are (0, 0).  The one count behind ``Program.expanded_size``,
    ``Graph.expr``'s depth gate, LaTeX node forms and the cost reports.
    ``result`` and ``op_of`` (target -> op) carry on from an earlier call whose
    rows the new ones read (:meth:`Program.expanded_size` counts one result's
    rows at a time, not a whole program to print one entry).
    """
    result = {} if result is None else result
    op_of = {} if op_of is None else op_of
    get, cap, none, nesting = result.get, SIZE_CAP, (0, 0), constants.nesting
    for target, op, args in rows:
        if op == "const" or op == "input" or target in atoms:
            op_of[target] = "input"  # a leaf of the tree
            result[target] = none
            continue
        op_of[target] = op
        size, depth, held = 1, 1, _NO_WHERE
        if (op == "mul" or op == "add") and len(args) == 2 and args[0] == args[1]:
            args = args[:1]  # sympy writes u*u as u**2 and u + u as 2*u: u once
        for slot, a in enumerate(args):
            if a.__class__ is str:
                shape = get(a, none)
                size += shape[0]
                d = shape[1] + nesting(op, op_of.get(a), slot)
                depth = d if d > depth else depth
                if len(shape) > 2:
                    held = _joined(held, shape[2])
        if held is _NO_WHERE and op not in _PIECEWISE:
            result[target] = (size if size < cap else cap, depth)
            continue
        pieces = 1
        if op in _PIECEWISE:
            condition, values = (args[0], args[1:]) if op == "where" else (None, args * 2)
            pieces = sum(_pieces(get(a, none)) if a.__class__ is str else 1 for a in values)
            c_shape = get(condition, none) if condition.__class__ is str else none
            c_pieces = _pieces(c_shape)
            size += folds(c_shape[0], c_pieces) - c_shape[0] if c_pieces > 1 else 0
            held = frozenset((target,))
        elif held is None:
            pieces = cap
        else:
            for w in held:
                pieces *= result[w][3]
        result[target] = (size if size < cap else cap, depth, held, pieces if pieces < cap else cap)
    return result


def check_limit(limit: Any) -> None:
    """An ArgumentError unless ``limit`` is a number of operations or None (any size)."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0):
        raise ArgumentError(f"limit= takes a number of operations (or None: any size), got "
                            f"{type(limit).__name__} {shown(limit, 40)}")


def check_size(label: str, size: int, limit: int | None, anyway: str,
               where: str = "the program has it in shared form") -> None:
    """Refuse, with a named error, to build a closed form of ``size`` tree operations, more than ``limit``.

    The one gate of closed forms built on request: a result's entries
    (``result[name]``, :func:`symgraph.export.display.check_size`) and a graph's
    nodes (:meth:`Graph.expr`).  ``anyway`` is the call that builds it
    regardless, ``where`` what computes it in shared form.
    """
    if limit is not None and size > limit:
        problem = f"the closed form of {label!r} has {count_text(size)} operations written out, more than {limit:,}"
        error = ExpressionTooLargeError(f"{problem} (sympy would take minutes to print it); {anyway} builds it "
                                        f"anyway; {where}")
        error.problem = problem  # without the advice, which names Python calls: the command line gives its own
        raise error
