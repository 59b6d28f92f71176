"""symgraph: expressions as computational graphs, gradients derived on them symbolically.

>>> import symgraph as sg
>>> sg.grad("(a+b)*(b+1)", wrt=["a", "b"])
Gradient({'a': b + 1, 'b': a + 2*b + 1})
"""
from .cost import CostReport, compare
from .derive import Gradient, grad, jacobian
from .directional import Directional, jvp, vjp
from .errors import GraphError, ParseError, PathLimitError, SymgraphError, UnsupportedOpError
from .graph import Graph
from .parse import parse
from .passes.local import annotate_edges
from .printing import to_dot, to_mermaid
from .program import Program

__all__ = [
    "Gradient", "Graph", "GraphError", "ParseError", "PathLimitError", "Program", "SymgraphError",
    "UnsupportedOpError", "annotate_edges", "grad", "jacobian", "parse", "to_dot", "to_mermaid",
    "CostReport", "Directional", "compare", "jvp", "vjp",
]
__version__ = "0.1.0"
