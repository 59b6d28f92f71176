"""What users give symgraph, as a graph: text, sympy expressions, and the arguments of API calls.

:mod:`~symgraph.frontend.tokens` scans the text grammar and
:mod:`~symgraph.frontend.parse` parses it without ``eval``: one parser per
text (:mod:`~symgraph.frontend.statements`), with its expressions (an
iterative shunting-yard, :mod:`~symgraph.frontend.expressions`), operands
(:mod:`~symgraph.frontend.operands`), calls (:mod:`~symgraph.frontend.calls`)
and reductions (:mod:`~symgraph.frontend.reductions`, whose terms
:mod:`~symgraph.frontend.replay` replays) mixed in, within the limits of
:mod:`~symgraph.frontend.limits`; :mod:`~symgraph.frontend.from_sympy`
converts sympy trees; both build through
:class:`~symgraph.ir.builder.GraphBuilder`.
:mod:`~symgraph.frontend.coerce` turns whatever an API call was given into a
Graph and its ``wrt`` argument into node names.
"""
