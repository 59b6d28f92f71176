"""Closed forms of many results alike up to their inputs: sympy builds one of each kind, the others are renamed.

The entries of a derivative of a sum over ``i`` are a few kinds repeated with
the indices shifted (``1200*x[i]**2 - 400*x[i+1] + 2`` for every ``i``), and
sympy takes about 100 us for each operation it builds: the 29,998 closed forms
of the sparse Hessian of Rosenbrock's function at n = 10,000 took 25 s built
one by one.  Two results are alike when their rows are the same ops on the
same constants read in the same pattern (:func:`kind`): they differ only in
the inputs they read.  The first of a kind is built by sympy; the others are
its form with the symbols replaced (:func:`renamed`), where a sum or product
of renamed terms is the same terms sorted again as sympy sorts them, without
sympy's evaluation.  That holds for forms of sums, products, powers, symbols
and rational or float numbers only, whose evaluation reads no name but
through that order (``sin`` takes the minus sign out of ``x - y`` by the
names' order), and it is checked on each kind's second result, which sympy
builds too: a kind whose check fails is built by sympy throughout.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, MutableMapping

import sympy
from sympy.core.basic import _args_sortkey

#: results fewer than this are built by sympy (finding kinds costs a pass over each result's rows)
ALIKE_MIN = 32

#: a result reading more rows than this is built by sympy (its kind would cost as much to find as to build)
KIND_ROWS = 64

#: the sympy classes whose evaluation reads no symbol's name but through the order of a sum's or product's terms
_RENAMABLE = (sympy.Add, sympy.Mul, sympy.Pow, sympy.Rational, sympy.Float)

#: the kinds of inputs' symbols renamed: names and elements (``x[0]``, an Indexed)
_LEAVES = (sympy.Symbol, sympy.Indexed)


def kind(ref: str, definition: Callable[[str], tuple | None], cap: int = KIND_ROWS) -> tuple[tuple, list[str]] | None:
    """``(key, leaves)``: the rows ``ref`` reads as a key with their names replaced by positions, and the names no
    row defines (its inputs) in the order the key numbers them; None past ``cap`` rows.

    Depth-first from ``ref``, operands in order, so two results with equal
    keys read their rows in the same pattern.
    """
    rows: dict[str, int] = {}
    leaves: dict[str, int] = {}
    key = []
    stack = [(ref, False)]
    while stack:
        name, ready = stack.pop()
        if name in rows or (not ready and name in leaves):
            continue
        row = definition(name)
        if row is None:
            leaves[name] = len(leaves)
            continue
        op, args = row
        if not ready:
            stack.append((name, True))
            stack.extend((a, False) for a in reversed(args) if a.__class__ is str)
            continue
        rows[name] = len(rows)
        if len(rows) > cap:
            return None
        key.append((op, tuple(("row", rows[a]) if a in rows else ("leaf", leaves[a]) if a.__class__ is str
                              else (a.__class__, a) for a in args)))
    return tuple(key), list(leaves)


def renamable(expr: sympy.Expr, leaves: Iterable[sympy.Expr]) -> bool:
    """True when ``expr`` is made of sums, products, powers, rational or float numbers and ``leaves`` alone."""
    seen, stack = set(leaves), [expr]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if not isinstance(node, _RENAMABLE) or node.is_Symbol:  # a symbol not among the leaves
            return False
        stack.extend(node.args)
    return True


def renamed(expr: sympy.Expr, mapping: dict, shared: dict | None = None) -> sympy.Expr:
    """``expr`` (:func:`renamable`) with its inputs' symbols replaced by ``mapping`` (:func:`_mapping`):
    each sum's and product's terms sorted again after its number, as sympy's evaluation leaves them.

    ``shared`` maps each subexpression made to the one object that stands for it, so that the renamed forms
    share their equal parts as sympy's builds do, which the printers write once
    (:class:`~symgraph.export.display.SharedPrinting`)."""
    shared = {} if shared is None else shared
    new = dict(mapping)
    stack = [expr]
    while stack:
        node = stack[-1]
        if node in new:
            stack.pop()
            continue
        todo = [a for a in node.args if a not in new]
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        if not node.args:
            new[node] = node  # a number
            continue
        args = [new[a] for a in node.args]
        if node.is_Pow:
            made = sympy.Pow(*args, evaluate=False)
        else:
            number = args[:1] if args[0].is_Number else []
            terms = args[len(number):]
            terms.sort(key=_args_sortkey)
            made = node.func._from_args(number + terms, True)
        new[node] = shared.setdefault(made, made)
    return new[expr]


def _parts(exprs: Iterable[sympy.Expr], shared: dict) -> None:
    """Every subexpression of ``exprs`` into ``shared`` as the object that stands for it (see :func:`renamed`)."""
    stack = list(exprs)
    while stack:
        node = stack.pop()
        if node.args and node not in shared:
            shared[node] = node
            stack.extend(node.args)


def _mapping(symbols: list, others: list) -> dict | None:
    """The renaming ``symbols[k] -> others[k]``, or None unless it is one to one between symbols of one kind."""
    if len(set(others)) != len(others):
        return None
    for a, b in zip(symbols, others):
        if type(a) is not type(b) or not isinstance(a, _LEAVES) or not a.is_commutative or a.assumptions0 != b.assumptions0:
            return None
    return dict(zip(symbols, others))


def renamed_forms(refs: Iterable[str], definition: Callable[[str], tuple | None], env: MutableMapping[str, Any],
                  leaf: Callable[[str], sympy.Expr], build: Callable[[list[str]], None]) -> None:
    """The closed forms of the results ``refs`` into ``env``, those alike another renamed.

    ``definition(name)`` is a row's ``(op, args)`` (None for an input),
    ``leaf(name)`` an input's symbol and ``build(refs)`` puts sympy's closed
    forms of ``refs`` into ``env``.  Of each kind, the first two results are
    built by sympy, with every result of no kind or of a kind of one or two,
    and the second checks that renaming the first gives it; the others are
    renamed, sharing the parts equal to a form built (:func:`renamed`).
    """
    kinds: dict[tuple, list] = {}
    rest = []
    for ref in dict.fromkeys(refs):
        found = kind(ref, definition)
        if found is None:
            rest.append(ref)
        else:
            kinds.setdefault(found[0], []).append((ref, found[1]))
    many = [members for members in kinds.values() if len(members) > 2]
    build(rest + [ref for members in kinds.values() if len(members) <= 2 for ref, _ in members]
          + [ref for members in many for ref, _ in members[:2]])
    shared: dict = {}
    _parts(env.values(), shared)
    rest = []
    for members in many:
        (first, names), (second, others) = members[:2]
        template = env.get(first)
        symbols = [leaf(name) for name in names]
        check = None if template is None or not renamable(template, symbols) else _mapping(symbols, [leaf(n) for n in others])
        if check is None or second not in env or renamed(template, check, {}) != env[second]:
            rest.extend(ref for ref, _ in members[2:])
            continue
        for ref, others in members[2:]:
            mapping = _mapping(symbols, [leaf(n) for n in others])
            if mapping is None:
                rest.append(ref)
            else:
                env[ref] = renamed(template, mapping, shared)
    build(rest)
