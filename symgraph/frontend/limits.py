"""How much one call's text may make: the terms its expansions add up to, the nodes a reduction builds, and an
indexed input's entries.

The reductions and calls of text definitions (:mod:`~symgraph.frontend.reductions`),
``over=`` (:func:`~symgraph.frontend.parse.parse_over`) and sympy conversion
(:mod:`~symgraph.frontend.from_sympy`) refuse what passes these limits before
building it.  They stand apart from the reductions because the replay of a
recorded term (:mod:`~symgraph.frontend.replay`), which the reductions use,
checks its elements against them too.
"""
from __future__ import annotations

#: the reductions and calls of definitions of one call's texts expand into at most this many terms in all (a
#: term is at least one node): counted across the texts, so reductions nested in each other (their counts
#: multiply), definitions calling each other (``f2(u) = f1(f1(u))`` doubles per level) and a template copied
#: once per residual (``over=``) are refused up front, not after minutes of expansion (:meth:`Reductions.expanding`)
MAX_TERMS = 10_000_000
#: a reduction whose terms build nodes (a term reading an input; terms of numbers are computed at once and count only
#: against MAX_TERMS) builds at most about this many: once its first term is made, its terms times the nodes that
#: term made, one more each for joining it (and times the enclosing reductions' repeats), must stay within it, or it
#: is refused before the others are made (:meth:`Reductions.building`).  Why below MAX_TERMS: such nodes take some
#: 10 us each to build, so ``sum(x*i, i, 0, 10^7 - 1)`` built 20 million nodes for minutes (and gigabytes) before
#: anything could be derived; 10^6 terms of ``i*2 + q`` (2 million nodes) took 15-23 s on a loaded 2-core machine
MAX_NODES = 5_000_000
#: an indexed input has at most this many entries (the product of its extents): ``x[10^9]`` would make
#: every consumer of the graph (the default wrt, evaluation, compiled code) hold a billion of them
MAX_ELEMENTS = MAX_TERMS


def _entries(index: tuple) -> int:
    """The entries an indexed input has when ``index`` is its largest element: the product of one past each."""
    count = 1
    for i in index:
        count *= i + 1
    return count


def fits(index: tuple) -> bool:
    """True when an indexed input whose largest element is ``index`` stays within :data:`MAX_ELEMENTS`."""
    return _entries(index) <= MAX_ELEMENTS
