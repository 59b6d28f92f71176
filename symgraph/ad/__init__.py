"""Layer 4, automatic differentiation on the graph: every mode that turns a Graph into derivative refs.

:mod:`~symgraph.ad.linearised` holds what every mode shares (each edge's local
derivative, from :mod:`~symgraph.ad.partials`; the one adjacency structure and
walk, from :mod:`~symgraph.ad.adjacency`; and the rule that products with 0 or
+-1 are free); :mod:`~symgraph.ad.forward`,
:mod:`~symgraph.ad.reverse`, :mod:`~symgraph.ad.paths` and
:mod:`~symgraph.ad.eliminate` are the four ways of accumulating the chain rule
over it, each emitting into one :class:`~symgraph.ir.program.Emitter` and
counting its work; :mod:`~symgraph.ad.modes` is the table from mode names to
sweeps, the choice behind ``mode="auto"`` (whose count is :mod:`~symgraph.ad.estimate`'s) and
the one function that runs a mode.  Nothing here builds result objects or reports: that is the API
layer above (:mod:`symgraph.derive`, :mod:`symgraph.cost`).
"""
