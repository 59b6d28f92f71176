"""Adjacency: a graph's operands and users as plain dicts, and the one iterative walk over them.

Every traversal in :mod:`symgraph.ad` goes through :class:`Adjacency`, never
through the networkx view (built only on request, and slower to walk).
"""
from __future__ import annotations

from collections import Counter
from functools import cached_property
from itertools import chain, compress
from operator import not_
from typing import Any, Iterable, Mapping

from ..ir.graph import Graph


def _walk(step: Mapping[str, list[str]], starts: Iterable[str], seen: set[str],
          within: set[str] | None = None) -> set[str]:
    """Add to ``seen`` every node reachable from ``starts`` by one or more ``step``s (staying ``within``)."""
    stack = list(starts)
    pop, push, add = stack.pop, stack.append, seen.add
    if within is None:  # every forward sweep's walk: no test of a bound per edge
        while stack:
            for w in step[pop()]:
                if w not in seen:
                    add(w)
                    push(w)
        return seen
    while stack:
        for w in step[pop()]:
            if w not in seen and w in within:
                add(w)
                push(w)
    return seen


#: a node of more operands than this is *wide*: a forward sweep that has fewer tangents than it has operands
#: looks the tangents up (:meth:`Adjacency.operands_among`) instead of scanning the operands
WIDE = 8


class _SweepOperands(dict):
    """:attr:`Adjacency.preds` without the wide nodes, whose operands are looked up among a sweep's tangents."""

    def __init__(self, adjacency: "Adjacency"):
        wide = adjacency.wide
        super().__init__((v, us) for v, us in adjacency.preds.items() if v not in wide)
        self.adjacency = adjacency
        self.tangent: Mapping[str, Any] = {}

    def __missing__(self, v: str) -> list[str]:
        preds, tangent = self.adjacency.preds[v], self.tangent
        return preds if len(preds) <= len(tangent) else self.adjacency.operands_among(v, tangent)


class Adjacency:
    """A graph's operands and users as plain dicts: the one adjacency structure the ad layer walks.

    Built from the graph's tables on first use (a sweep that needs neither,
    such as one reverse sweep, never builds them); every walk is iterative.
    """

    def __init__(self, graph: Graph):
        self.graph = graph
        self.order: list[str] = list(graph.op_of)
        self._positions: dict[str, dict[str, int]] = {}  # node -> {operand: its place in preds}, for operands_among

    @cached_property
    def preds(self) -> dict[str, list[str]]:
        """Node name -> its distinct operand nodes, in operand order.

        Two operands are told apart in line, not through ``dict.fromkeys`` over a generator: the gradient
        graph a sparse Rosenbrock Hessian sweeps at n = 10,000 (100,000 nodes) took 150-240 ms, now 75-110 ms.
        The most operands a node has is noted on the way, for :attr:`wide`.
        """
        preds = {}
        widest = 2
        for v, args in self.graph.operands_of.items():
            if len(args) == 2:
                x, y = args
                if x.__class__ is str:
                    preds[v] = [x, y] if y.__class__ is str and y != x else [x]
                else:
                    preds[v] = [y] if y.__class__ is str else []
            elif len(args) == 1:
                preds[v] = [args[0]] if args[0].__class__ is str else []
            elif args:
                us = preds[v] = list(dict.fromkeys(x for x in args if x.__class__ is str))
                widest = max(widest, len(us))
            else:
                preds[v] = []
        self._widest = widest
        return preds

    @cached_property
    def wide(self) -> set[str]:
        """The nodes of more than :data:`WIDE` distinct operands, which a forward sweep may reach through few.

        The usual graph is told by :attr:`preds`' widest node, noted as they are made, not by a pass over
        them: on the 100,000 nodes of the gradient a sparse Rosenbrock Hessian sweeps at n = 10,000, preds
        and wide took 32-36 ms, now 28-29 ms (the pass in C was 7-8 ms of it)."""
        preds = self.preds
        if self.__dict__.get("_widest", WIDE + 1) <= WIDE:  # (preds given by hand: looked over)
            return set()
        return {v for v, us in preds.items() if len(us) > WIDE}

    def sweep_operands(self, tangent: Mapping[str, Any]) -> Mapping[str, list[str]]:
        """Node -> the operands a forward sweep holding ``tangent`` reads at it, in ``preds`` order.

        :attr:`preds` itself when no node is :attr:`wide` (the sweep's loop
        then costs what it did: a test per node costs Rosenbrock's forward
        gradient 4% of the sweep's own bytecode).  Otherwise a view whose wide
        nodes give only their operands in ``tangent``, found in time
        proportional to ``tangent`` when it is the smaller: scanning every
        operand made each sweep cost the node's in-degree, and the gradient of
        ``max(x0, ..., x19999)`` quadratic (92 s; 1.3 s now).  The view is
        kept and rebound for the next sweep.
        """
        if not self.wide:
            return self.preds
        view = self.__dict__.get("_sweep_view")
        if view is None:
            view = self.__dict__["_sweep_view"] = _SweepOperands(self)
        view.tangent = tangent
        return view

    def join_sums(self, kept: Iterable[str]) -> dict[str, list[str]]:
        """Join each chain of additions into its last one for the forward sweeps; return chain end -> its terms.

        ``sum(...)`` and ``a + b + c + ...`` make chains ``((t1 + t2) + t3) + ...``, and a
        tangent entering at term k passed through every later link: n sweeps, one per
        term's input, visited n^2/2 links that each passed a tangent on unchanged.
        Here every link (an addition whose one use is the first operand of the next,
        not ``kept``) leaves the adjacency, and the chain's last addition takes its
        terms as operands, in order, each with partial 1 (the caller's to record).  A
        sweep adds the terms' tangents there, left to right: the additions the links
        made, of the same operands in the same order.  A chain with a term twice stays
        as it is.  Call before :attr:`succs` is built.
        """
        operands_of, preds = self.graph.operands_of, self.preds
        # the additions picked out in C (the tables share their order, as Graph.rows reads them), not by a
        # property call per node: 24-30 -> 15-16 ms of CPU on the 100,000 nodes of Rosenbrock's gradient at n = 10,000
        picked = compress(operands_of.items(), map("add".__eq__, self.graph.op_of.values()))
        adds = {v: args for v, args in picked if len(args) == 2}
        firsts = {args[0] for args in adds.values() if args[0] in adds and args[1] != args[0]}  # (a + a: partial 2)
        if not firsts:
            return {}
        users = Counter(chain.from_iterable(preds.values()))
        kept = set(kept)
        links = {a for a in firsts if users[a] == 1 and a not in kept}
        chains = {}
        for end, args in adds.items():
            if end in links or args[0] not in links:
                continue
            v, second = args
            seconds = [second]
            while v in links:
                v, second = adds[v]
                seconds.append(second)
            terms = [t for t in (v, *reversed(seconds)) if t.__class__ is str]  # constants: no tangent
            if len(set(terms)) == len(terms):
                chains[end] = terms
        for end, terms in chains.items():
            v = operands_of[end][0]
            while v in links:
                del preds[v]
                v = operands_of[v][0]
            preds[end] = terms
        self._widest = max(self._widest, max(map(len, chains.values()), default=0))
        self.__dict__.pop("wide", None)
        return chains

    def operands_among(self, v: str, nodes: Iterable[str]) -> list[str]:
        """``v``'s distinct operands that are among ``nodes``, in ``preds`` order, in time proportional to ``nodes``."""
        position = self._positions.get(v)
        if position is None:
            position = self._positions[v] = {u: i for i, u in enumerate(self.preds[v])}
        found = [u for u in nodes if u in position]
        found.sort(key=position.__getitem__)
        return found

    @cached_property
    def index(self) -> dict[str, int]:
        """Node name -> position in topological order."""
        return {node: i for i, node in enumerate(self.order)}

    @cached_property
    def succs(self) -> dict[str, list[str]]:
        """Node name -> the nodes that use it, in creation order."""
        succs: dict[str, list[str]] = {v: [] for v in self.order}
        for v, us in self.preds.items():
            for u in us:
                succs[u].append(v)
        return succs

    def reachable(self, starts: Iterable[str], forward: bool = True, within: set[str] | None = None) -> set[str]:
        """The nodes reached from ``starts`` along users (``forward``) or operands, staying ``within``.

        A start node is included only when another start reaches it.
        """
        return _walk(self.succs if forward else self.preds, starts, set(), within)

    def ancestors(self, *nodes: str) -> list[str]:
        """The ``nodes`` and every node they depend on, in reverse topological order."""
        seen = _walk(self.preds, nodes, set(nodes))
        return sorted(seen, key=self.index.__getitem__, reverse=True)

    def descendants(self, *nodes: str, within: set[str] | None = None) -> list[str]:
        """Every node that depends on one of ``nodes`` (a start node only if another reaches it), in topological order,
        staying ``within`` when given.

        Each forward sweep calls it (10,000 times for a sparse Hessian at n = 10,000): the walk is
        :meth:`reachable`'s, without its layer."""
        return sorted(_walk(self.succs, nodes, set(), within), key=self.index.__getitem__)

    def reaching(self, outputs: Iterable[str]) -> set[str] | None:
        """The nodes from which one of ``outputs`` is reached (the outputs included), or None when that is every node.

        A forward sweep stays within them: a tangent carried into a node that reaches no output (a line of a
        program that no output uses) is work whose products were counted and whose rows the program then drops.
        Every node reaches an output exactly when every node no other node uses is an output, which one look at
        each node's users tells; only otherwise is the set walked."""
        wanted = set(outputs)
        # the nodes no node uses, picked out in C: 13 -> 8-9 ms of CPU on the 100,000 nodes of the gradient
        # a sparse Rosenbrock Hessian sweeps at n = 10,000 (a generator's test per node before)
        if wanted.issuperset(compress(self.succs, map(not_, self.succs.values()))):
            return None
        return _walk(self.preds, wanted, set(wanted))

    def reached_from(self, starts: Iterable[str]) -> set[str] | None:
        """``starts`` and the nodes they reach, or None when ``starts`` hold every input of the graph.

        A reverse sweep pulls adjoints back only into them: an adjoint carried into a node no wrt node reaches
        (a branch of inputs not in wrt) is work whose products were counted and whose rows the program then
        drops.  With every input among ``starts`` only constants that are nodes (``sqrt(2)``: a function of a
        constant is not folded) are left out of reach; finding them takes a pass over every node's operands
        (4% of a gradient's time), which a product into each of them does not repay, so they still take adjoints.
        """
        starts = set(starts)
        if starts.issuperset(self.graph.input_nodes):
            return None
        if "succs" in self.__dict__:  # built already (several outputs, forward sweeps): the walk visits only the reach
            return _walk(self.succs, starts, set(starts))
        # One scan of the rows in topological order, without building the successor table: for a fit's
        # parameters (wrt = a, b of sum((y[i] - a*x[i] - b)^2), n = 50,000) the table and the walk cost more
        # than the adjoints they spared (1.34-1.43 s against 0.97-1.01 s before), this scan ~3% of the sweep.
        reached = starts
        add = reached.add
        for v, _, args in self.graph.rows():
            if len(args) == 2:
                x, y = args
                if x.__class__ is str and x in reached or y.__class__ is str and y in reached:
                    add(v)
            else:
                for a in args:
                    if a.__class__ is str and a in reached:
                        add(v)
                        break
        return reached
