"""How much one call's text may make: the terms its expansions add up to, and an indexed input's entries.

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
