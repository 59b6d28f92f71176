"""symgraph: expressions as computational graphs, gradients derived on them symbolically.

>>> import symgraph as sg
>>> sg.grad("(a+b)*(b+1)", wrt=["a", "b"])
Gradient({'a': b + 1, 'b': a + 2*b + 1})
"""
from .compiled import lambdify, value_and_grad
from .derive import Gradient, grad, jacobian
from .errors import GraphError, ParseError, PathLimitError, SymgraphError, UnsupportedOpError
from .graph import Graph
from .latex import to_latex
from .parse import parse
from .passes.local import annotate_edges
from .printing import to_dot, to_mermaid
from .program import Program

__all__ = [
    "Gradient", "Graph", "GraphError", "ParseError", "PathLimitError", "Program", "SymgraphError",
    "UnsupportedOpError", "annotate_edges", "grad", "jacobian", "lambdify", "parse", "to_dot", "to_latex",
    "to_mermaid", "value_and_grad",
]
__version__ = "0.1.0"
