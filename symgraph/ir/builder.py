"""Building a :class:`~symgraph.ir.graph.Graph`: hash-consing, small-constant folding and node names.

Every front end (the text parser, sympy conversion, several texts at once)
builds through :class:`GraphBuilder`, so every graph follows one discipline:
one node per distinct subexpression (commutative operands in the order of
:func:`constants.ordered`), constants folded only when small (:func:`constants.fold`),
and names given once, at the end, by the rules of :mod:`symgraph.names`.

Two of its jobs are mixed in from modules of their own: the loop that makes
a reduction's terms from one recorded term (:mod:`~symgraph.ir.term_loop`),
and the end of a build, where names are given and the Graph frozen
(:mod:`~symgraph.ir.finishing`).  Which operands an op takes, and
conditions folded on constants, are :mod:`~symgraph.ir.operand_kinds`'.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

import sympy

from .. import constants
from ..errors import GraphError, UnsupportedOpError
from .finishing import Finishing
from .input_names import element_label
from .operand_kinds import _FALSE, _PLAIN1, _PLAIN2, _TRUE, checked_fold, kind_error, op_row
from .term_loop import TermLoop

_constant_key = constants.constant_key


class GraphBuilder(TermLoop, Finishing):
    """Builds a :class:`Graph` node by node with hash-consing and small-constant folding.

    The parser, :meth:`Graph.from_sympy` and multi-expression calls all build
    through this class, so every front end shares one graph discipline.  The
    builder knows nodes, inputs (shared by name) and the names front ends ask
    for (:meth:`assign`); which name each node finally gets is decided once,
    in :meth:`finish`, by the rules of :mod:`symgraph.names`.
    """


    def __init__(self, reserved: Iterable[str] = ()):
        self._ops: list[str] = []
        self._operands: list[tuple] = []
        self._by_key: dict[tuple, int] = {}
        #: op name -> its nodes on nodes, keyed by operand ids: one id (unary) or their pair, which is also the
        #: node's operand tuple (the arithmetic rows on nodes that are no conditions, made by op and binary only)
        self._on_nodes: defaultdict[str, dict] = defaultdict(dict)
        self._folds: dict[tuple, tuple] = {}  # (op, id, id) -> (operand, operand, folded constant or None)
        self._inputs: dict[str, int] = {}
        self._symbols: dict[str, sympy.Symbol] = {}
        #: the nodes whose value is a condition (see :meth:`is_condition`)
        self._conditions: set[int] = set()
        #: indexed inputs by name -> their nodes keyed by index; input node -> (name, index); extents declared
        self._indexed: dict[str, dict[tuple, int]] = {}
        self._declared: dict[str, tuple[int, ...]] = {}
        self._index_of: dict[int, tuple[str, tuple]] = {}
        #: indexed inputs written only where no element is made (``sum(x[i], i, 0, n-1)`` at n = 0): their number
        #: of indices and where they first appeared (the count of nodes then), for their place among the inputs
        self._unmade: dict[str, tuple[int, int]] = {}
        #: calls of text definitions: (name, first node id, one past the last), in the order they began
        self._groups: list[list] = []
        #: True once a condition was made (folded or not): from then on every op checks its operands' kinds
        self._checking = False
        self._requests: list[tuple[int, str]] = []  # (node, name asked for), in the order asked
        self._reserved = set(reserved)
        self._inputs_below: dict[int, frozenset] = {}  # node -> the input nodes it reads (inputs_under)
        #: True once a fold dropped a node operand (an untaken branch): finish() then prunes what nothing reads
        self._dropped = False

    # -- nodes ------------------------------------------------------------
    def size(self) -> int:
        """How many nodes it has made so far (what a reduction's first term made: :meth:`Reductions.building`)."""
        return len(self._ops)

    def _new(self, op_name: str, operands: tuple) -> int:
        self._ops.append(op_name)
        self._operands.append(operands)
        return len(self._ops) - 1

    def input(self, name: str, symbol: sympy.Symbol | None = None) -> int:
        """The input node called ``name`` (created on first use).

        ``symbol``: the user's own sympy Symbol for it (kept with its
        assumptions); two different Symbols of one name are an error.
        """
        node = self._inputs.get(name)
        if node is None:
            if name in self._indexed:
                used = self._indexed[name]
                raise GraphError(f"{name!r} is used with indices ("
                                 + (element_label(name, next(iter(used))) if used else f"{name}[...]")
                                 + ") and without: an input is either indexed or not")
            node = self._inputs[name] = self._new("input", ())
        if symbol is not None:
            known = self._symbols.setdefault(name, symbol)
            if known != symbol:
                raise UnsupportedOpError(
                    f"two different symbols are both named {name!r}: {sympy.srepr(known)} and "
                    f"{sympy.srepr(symbol)}; a graph input has one symbol, so rename one of them")
        return node

    def op(self, name: str, *operands) -> Any:
        """The node for ``name(*operands)``, or a constant when the op folds.

        Conditions (comparisons, ``and``, ``or``, ``not``) go only where a
        row's ``kinds`` takes one: anything else is a :class:`GraphError`
        saying which operand is wrong (:func:`kind_error`).

        The common case comes first: a built-in arithmetic row or function
        on one or two nodes that are no conditions (nothing to fold or
        check), hash-consed with the key :func:`constants.ordered` makes.
        """
        if len(operands) == 2:
            return self.binary(name, *operands)
        if len(operands) == 1:
            x = operands[0]
            if x.__class__ is int and name in _PLAIN1 and x not in self._conditions:
                return self._hashed(self._on_nodes[name], x, name, operands)
        return self._op(name, operands)

    def binary(self, name: str, x: Any, y: Any) -> Any:
        """:meth:`op` of two operands (the parser calls it once per binary operator of the text).

        In line for a built-in arithmetic row or function on a node and a
        node or a number (nothing to fold, nothing to check when no operand
        is a condition), keyed as :func:`constants.ordered` keys it.
        """
        commutative = _PLAIN2.get(name)
        if commutative is not None:
            conditions = self._conditions
            if x.__class__ is int:
                if y.__class__ is int:
                    if not (conditions and (x in conditions or y in conditions)):
                        key = (y, x) if commutative and y < x else (x, y)
                        table = self._on_nodes[name]  # _hashed in line: the parser's hottest row (5-10%)
                        node = table.get(key)
                        if node is None:
                            node = table[key] = len(self._ops)
                            self._ops.append(name)
                            self._operands.append(key)
                        return node
                elif y is not _TRUE and y is not _FALSE and x not in conditions:
                    key = (name, x, _constant_key(y))  # a node comes before a constant
                    return self._hashed(self._by_key, key, name, (x, y))
            elif y.__class__ is int and x is not _TRUE and x is not _FALSE and y not in conditions:
                key = (name, y, _constant_key(x)) if commutative else (name, _constant_key(x), y)
                return self._hashed(self._by_key, key, name, (y, x) if commutative else (x, y))
        return self._op(name, (x, y))

    def _hashed(self, table: dict, key: Any, name: str, operands: tuple) -> int:
        """The node ``table`` holds under ``key``, or a new row ``name(*operands)`` entered there."""
        node = table.get(key)
        if node is None:
            node = table[key] = len(self._ops)
            self._ops.append(name)
            self._operands.append(operands)
        return node

    def _op(self, name: str, operands: tuple) -> Any:
        """:meth:`op` in general: any operands, folding and checking."""
        row = op_row(name, operands)
        if self._checking or row.condition or row.name == "where":
            self._checking = self._checking or row.condition
            folded = checked_fold(row, operands, kind_error(row, [self.is_condition(x) for x in operands]))
            if folded is not None:
                if any(x.__class__ is int and x != folded for x in operands):
                    self._dropped = True  # a branch not taken (where(1 > 0, x, sqrt(y))): finish() prunes it
                return folded
        # a node id keys itself, a constant by its cheap key (a tuple); no generator per node:
        # the parser calls this once per operator of the text
        if len(operands) == 2:
            x, y = operands
            kx = x if x.__class__ is int else _constant_key(x)
            ky = y if y.__class__ is int else _constant_key(y)
            if kx.__class__ is tuple and ky.__class__ is tuple:
                folded = self._fold(name, x, y)
                if folded is not None:
                    return folded
            key = constants.ordered(name, kx, ky)
            if key[1] is not kx:
                operands = (y, x)
        elif len(operands) == 1:
            (x,) = operands
            if x.__class__ is int:
                key = (name, x)
            else:
                folded = constants.fold(name, operands)
                if folded is not None:
                    return folded
                key = (name, _constant_key(x))
        else:
            key = (name, *(x if x.__class__ is int else _constant_key(x) for x in operands))
        node = self._by_key.get(key)
        if node is None:
            node = self._by_key[key] = self._new(name, tuple(operands))
            if row.condition:
                self._conditions.add(node)
        return node

    def _fold(self, name: str, x: Any, y: Any) -> Any:
        """:func:`constants.fold` of two constants, remembered by the operands' identities (sympy
        arithmetic costs tens of microseconds; a text repeats its literals, which the parser makes
        once each).  The memo keeps the operands alive, so an identity is never reused."""
        key = (name, id(x), id(y))
        known = self._folds.get(key)
        if known is None:
            known = self._folds[key] = (x, y, constants.fold(name, (x, y)))
        return known[2]

    def indexed_input(self, name: str, index: tuple[int, ...]) -> int:
        """The input node of element ``index`` of the indexed input ``name`` (``x[3]``), created on first use.

        An indexed input's extent is found once, in :meth:`finish`, from the
        indices used (a reduction over a million elements would otherwise
        grow it a million times).
        """
        nodes = self._indexed.get(name)
        if nodes is None:
            if name in self._inputs:
                raise GraphError(f"{name!r} is used without indices and with them ({name}[...]): "
                                 "an input is either indexed or not")
            nodes = self._indexed[name] = {}
        node = nodes.get(index)
        if node is None:
            rank = self.rank(name)
            if rank is not None and rank != len(index):
                raise GraphError(f"{name} takes {rank} ind{'ex' if rank == 1 else 'ices'}"
                                 + (f" ({element_label(name, next(iter(nodes)))})" if nodes else "")
                                 + f", got {element_label(name, index)}")
            node = nodes[index] = len(self._ops)
            self._ops.append("input")
            self._operands.append(())
            self._index_of[node] = (name, index)
        return node

    def indexed_without_elements(self, name: str, rank: int) -> None:
        """Note that the text writes the indexed input ``name`` (``rank`` indices) where no element is made: the
        term of a reduction over an empty range.  It stays an input of the function, of extent 0 along each axis
        unless declared (``sum(x[i], i, 0, n-1)`` at n = 0 takes ``x=[]``), not a name the function lost."""
        if name in self._inputs:
            raise GraphError(f"{name!r} is used without indices and with them ({name}[...]): "
                             "an input is either indexed or not")
        known = self.rank(name)
        if known is not None and known != rank:
            raise GraphError(f"{name} takes {known} ind{'ex' if known == 1 else 'ices'}, got {rank}")
        if name not in self._indexed:
            self._indexed[name] = {}
            self._unmade[name] = (rank, len(self._ops))

    def begin_group(self, name: str) -> list:
        """Start recording the nodes a call of the text's function ``name`` makes; pass the result to end_group."""
        group = [name, len(self._ops), None]
        self._groups.append(group)
        return group

    def end_group(self, group: list) -> None:
        group[2] = len(self._ops)

    def inputs_under(self, refs: Iterable[Any]) -> list[int]:
        """The input nodes that ``refs`` (nodes or constants) read, in the order they were made.

        Iterative; each ref's answer is kept (nodes never change), and a later walk stops at a node
        answered before, so asking level by level up a deep cascade costs one visit per new node.
        """
        found: set[int] = set()
        for ref in refs:
            if ref.__class__ is not int:
                continue
            known = self._inputs_below.get(ref)
            if known is None:
                below: set[int] = set()
                seen: set[int] = set()
                stack = [ref]
                while stack:
                    node = stack.pop()
                    if node in seen:
                        continue
                    seen.add(node)
                    answered = self._inputs_below.get(node)
                    if answered is not None:
                        below.update(answered)
                    elif self._ops[node] == "input":
                        below.add(node)
                    else:
                        stack.extend(x for x in self._operands[node] if x.__class__ is int)
                known = self._inputs_below[ref] = frozenset(below)
            found.update(known)
        return sorted(found)

    def is_condition(self, ref: Any) -> bool:
        """True for a condition: a comparison, ``and``/``or``/``not`` node, or a folded true/false."""
        return ref in self._conditions if ref.__class__ is int else isinstance(ref, sympy.logic.boolalg.BooleanAtom)

    def const(self, value: Any) -> int:
        """A ``const`` node holding ``value`` (for an output that is a bare constant); one per value."""
        key = ("const", _constant_key(value))
        node = self._by_key.get(key)
        if node is None:
            node = self._by_key[key] = self._new("const", (value,))
        return node

    def is_input(self, name: str) -> bool:
        return name in self._inputs

    def input_names(self) -> list[str]:
        """The inputs made so far by the user's names, an indexed input by its own (``x`` for ``x[0]``)."""
        return [*self._inputs, *self._indexed]

    def is_indexed(self, name: str) -> bool:
        """True when ``name`` is used with indices (``x[0]``)."""
        return name in self._indexed

    def element(self, name: str, index: tuple[int, ...]) -> int | None:
        """The node of element ``index`` of the indexed input ``name``, if the text used it; else None."""
        return self._indexed.get(name, {}).get(index)

    def rank(self, name: str) -> int | None:
        """How many indices the elements of the indexed input ``name`` take; None before one is made."""
        nodes = self._indexed.get(name)
        return len(next(iter(nodes))) if nodes else self._unmade[name][0] if name in self._unmade else None
