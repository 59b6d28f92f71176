"""Layer 6: results and graphs out, as text, LaTeX and pictures (never read back by the layers below).

- :mod:`~symgraph.export.display` -- results as text in bounded time: a closed form when small, else its listing;
- :mod:`~symgraph.export.latex` -- LaTeX of gradients, Hessians and graphs' edges, and ``to_latex``;
- :mod:`~symgraph.export.latex_expressions` -- LaTeX of one expression, or the assignments of one too large;
- :mod:`~symgraph.export.latex_matrices` -- LaTeX of matrices, cut to a bounded size;
- :mod:`~symgraph.export.latex_printer` -- the LaTeX printer they share (sympy's, spelling names apart);
- :mod:`~symgraph.export.notebook_latex` -- LaTeX as a notebook shows it (``_repr_latex_``), its size bounded;
- :mod:`~symgraph.export.text` -- what a drawing writes on nodes and edges (labels, colours, the walk);
- :mod:`~symgraph.export.label_values` -- the numbers on the edges, from ``at=``, ``adjoints=True``, ...;
- :mod:`~symgraph.export.mermaid_dot` -- Mermaid and DOT of a drawing's walk;
- :mod:`~symgraph.export.layout` -- where a picture puts nodes and edges: the scene it paints;
- :mod:`~symgraph.export.layout_placement` -- the layered layout's rows and columns (Sugiyama's placement);
- :mod:`~symgraph.export.layout_sizes` -- the sizes and clearances the layout measures with;
- :mod:`~symgraph.export.draw` -- PNG and SVG pictures, rendered by Graphviz or matplotlib;
- :mod:`~symgraph.export.explore` -- the interactive explorer page, and :mod:`~symgraph.export.rounding`, which
  of its numbers are rounding residues (shown as 0).

Imports point down: ``draw`` uses ``layout``, ``mermaid_dot``, ``label_values`` and ``text``;
``mermaid_dot`` uses ``label_values`` and ``text``; ``layout`` uses ``layout_placement``, which uses
``layout_sizes``, and all three use ``text``.  ``latex`` uses ``latex_matrices`` and ``notebook_latex``,
which use ``latex_expressions``, which uses ``latex_printer``.
"""
