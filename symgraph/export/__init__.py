"""Layer 6: results and graphs out, as text, LaTeX and pictures (never read back by the layers below).

- :mod:`~symgraph.export.display` -- results as text in bounded time: a closed form when small, else its listing;
- :mod:`~symgraph.export.latex` -- LaTeX of expressions, gradients and matrices;
- :mod:`~symgraph.export.text` -- what a drawing writes on nodes and edges, and Mermaid and DOT of it;
- :mod:`~symgraph.export.layout` -- where a picture puts nodes and edges (the layered layout);
- :mod:`~symgraph.export.draw` -- PNG and SVG pictures, rendered by Graphviz or matplotlib.

Imports point down: ``draw`` uses ``layout`` and ``text``; ``layout`` uses ``text``.
"""
