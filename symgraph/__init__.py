"""symgraph: expressions as computational graphs, gradients derived on them symbolically.

>>> import symgraph as sg
>>> sg.grad("(a+b)*(b+1)", wrt=["a", "b"])
Gradient({'a': b + 1, 'b': a + 2*b + 1})
"""
from .compiled import lambdify, value_and_grad
from .cost import CostReport, compare
from .derive import Gradient, grad, jacobian
from .directional import Directional, jvp, vjp
from .draw import draw
from .errors import GraphError, ParseError, PathLimitError, RenderError, SymgraphError, UnsupportedOpError
from .graph import Graph
from .latex import to_latex
from .parse import parse
from .passes.local import annotate_edges
from .passes.paths import list_paths as paths
from .printing import to_dot, to_mermaid
from .program import Program

__all__ = [
    "CostReport", "Directional", "Gradient", "Graph", "GraphError", "ParseError", "PathLimitError", "Program",
    "RenderError", "SymgraphError", "UnsupportedOpError", "annotate_edges", "compare", "draw", "grad",
    "jacobian", "jvp", "lambdify", "parse", "paths", "to_dot", "to_latex", "to_mermaid", "value_and_grad", "vjp",
]
__version__ = "0.1.0"
