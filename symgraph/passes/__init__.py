"""Sweeps over an edge-annotated graph: forward, reverse, path sum and vertex elimination.

Each pass takes a :class:`~symgraph.passes.local.Linearised` graph (local
derivatives computed lazily from the one rule table) and returns a
:class:`~symgraph.passes.local.SweepResult`: derivative refs in a shared
:class:`~symgraph.program.Emitter` plus the work it counted.
"""
