"""Which instructions a program's results need: one backward pass over its rows.

Every place that prunes a program calls :func:`live_instructions`: the
emitter at the end of a derivation, :class:`~symgraph.ir.program.Program`'s
pruning and closed forms, and the displays that list a result's rows.  Apart
from ``program.py`` because it knows rows only, not programs: a tuple
``(target, op, operands)`` per row, last first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Container, Iterable

if TYPE_CHECKING:
    from .program import Ref


class _Either:
    """Membership in either of two containers (what is built, what a count has counted), without copying them."""

    def __init__(self, first: Container, second: Container):
        self.first, self.second = first, second

    def __contains__(self, name: object) -> bool:
        return name in self.first or name in self.second


def live_instructions(backwards: Iterable[tuple[str, str, tuple]], results: Iterable[Ref], known: Container = (),
                      leaves: Container = ()) -> list:
    """The instructions some result needs, in program order, from all of them given last to first.

    Rows of op ``input`` (the only rows without operands) are passed over (the graph's own rows come with its inputs).
    Names in ``known`` are not needed again (their rows were found before), nor their operands; names in
    ``leaves`` are defined by no row.

    One backward pass, which stops when every needed name is defined; a name
    leaves the set of needed names at its definition (nothing before it can
    use it), so the set holds only the frontier, not every live name of a
    million-instruction program.  (Measured slower and not kept: a loop over
    each row's operands in place of the two-operand case, 95-103 ms against
    90 ms on Rosenbrock's gradient at n = 10,000; ``set.update(filter(...))``
    per row, about 1.5 times the loop's time on 20,000 rows.)  Use counts
    instead of a scan were measured too: Rosenbrock's gradient at n = 1,000
    leaves 999 of 6,993 emitted instructions dead (``2*v``, a square's
    partial, once ``100*(2*v)`` became ``200*v``) and 4,994 of 7,991 graph
    rows (the function's own sums and squares), so a pass is always needed;
    counting uses in C (a Counter over the name operands, the dead rows
    cascaded in Python, the survivors filtered in C) took 400-420 ms against
    80-110 ms for this scan at n = 10,000: five passes in C over 150,000
    scattered tuples cost more than one in Python.  Nor closing the graph's
    rows over their operands a level at a time (set comprehensions) after
    the emitted rows, and picking the live ones from the graph's columns in C
    (``compress``): a quarter fewer bytecode instructions, but 3.6 -> 4.6 ms on
    Rosenbrock's gradient at n = 1,000 and 0.85 -> 1.15 ms on the product's,
    the pick making a row tuple for every row, dead or alive.  Reading a row's
    target by index before unpacking it, and a loop without the screening
    tests, were within 3% of this one.
    """
    screened = bool(known or leaves)
    needed = {r for r in results if r.__class__ is str and not (screened and (r in known or r in leaves))}
    need, found = needed.add, needed.discard
    kept = []
    keep = kept.append
    if not needed:
        return kept
    for instruction in backwards:
        target, op, args = instruction
        if target in needed:
            found(target)
            if args:  # an input has none: the graph's rows include them, they need no instruction
                keep(instruction)
                if len(args) == 2 and not screened:  # the usual row, without a loop
                    x, y = args
                    if x.__class__ is str:
                        need(x)
                    if y.__class__ is str:
                        need(y)
                else:
                    for a in args:
                        if a.__class__ is str and not (screened and (a in known or a in leaves)):
                            need(a)
            if not needed:
                break
    kept.reverse()
    return kept
