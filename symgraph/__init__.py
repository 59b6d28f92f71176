"""symgraph: expressions as computational graphs, gradients derived on them symbolically.

The package is layered; each module imports only from its own layer or the
ones below it (a test checks this, function-local imports included):

0. ``errors``, ``names``, ``binding``, ``options``, ``real_values``, ``float_warnings``, ``progress`` -- named
   errors, the naming service, the argument binder, the API's keyword options checked, input values checked,
   NumPy's warnings said once per call, long work
1. ``ops`` -- THE op table: one row per op (sympy form, NumPy code, partials, printing);
   ``forms`` -- the few sympy forms and NumPy helpers its rows need (cbrt, round, sigmoid, scipy's erf);
   ``op_partials`` -- the partial rules of its rows too long for a lambda (pow, hypot, log0, max's ties,
   logsumexp's weights);
   ``registered_calls`` -- a registered function's callable called, its errors and results checked;
   ``rationals`` -- exact rational arithmetic, refused past the constants' size bound;
   ``constants`` -- constants exact while small, float64 beyond, and sympy forms of ops
   (``piecewise_forms`` -- those forms on a where's Piecewise: nan branches lifted, powers branch by branch)
2. ``ir`` -- the graph, straight-line programs and their emitter, let-listings, closed forms
3. ``frontend`` -- text and sympy in; coercion of what an API call was given
4. ``ad`` -- the linearised graph and the sweeps (forward, reverse, paths, elimination, modes),
   and their steps recorded for the explorer (``trace``)
5. ``backends`` -- programs compiled to NumPy code and numba loops (one entry point,
   ``backends.compile``), and their runtime
6. ``export`` -- LaTeX, Mermaid/DOT text, layouts and pictures, result display, the explorer page
7. ``cost``, ``derive``, ``derivative_map``, ``directional``, ``compare``, ``compiled``, ``fitting``, ``hessian``,
   ``term_replay``, ``hessian_vector``, ``sparsity`` -- the API and its report types; ``matrices``, ``matrix_program``,
   ``sparse_derivative``, ``matrix_functions`` -- Jacobians and Hessians, dense and sparse, and their compiled functions;
   ``userfunctions`` -- functions registered from Python with their derivatives (``function``)
8. ``cli`` -- the ``symgraph`` command

The IR's few conveniences that belong higher up (``Graph.from_sympy``, a
Graph's picture in Jupyter, ``Program.source``) are registered by those
layers in :mod:`symgraph.ir.hooks`.

>>> import symgraph as sg
>>> sg.grad("(a+b)*(b+1)", wrt=["a", "b"])
Gradient({'a': b + 1, 'b': a + 2*b + 1})
"""
from .ad.linearised import annotate_edges
from .ad.paths import list_paths as paths
from .compare import compare
from .compiled import lambdify, value_and_grad
from .cost import CostReport
from .derive import grad, jacobian
from .derivative_map import Gradient
from .directional import Directional, jvp, vjp
from .errors import (ArgumentError, BatchTooLargeError, ConstantWrtWarning, EntryError, ExpressionTooLargeError, FigureError,
                     FunctionDefinitionError, GraphError, MissingDependencyError, NoProgramError, NotNumbersError, NotPicklableError, OutputError,
                     ParseError, PathLimitError, ReadingWarning, RenderError, SymgraphError, SymgraphWarning, UnsupportedOpError, UnusedWrtWarning,
                     UserFunctionError)
from .export.draw import draw
from .export.explore import Explorer, explore
from .export.latex import to_latex
from .export.mermaid_dot import to_dot, to_mermaid
from .fitting import Residuals, residuals
from .hessian import hessian, hessian_sparsity
from .hessian_vector import hessp, hvp
from .sparsity import jacobian_sparsity
from .frontend.parse import parse
from .ir.graph import Graph
from .ir.program import Program
from .userfunctions import UserFunction, function

__all__ = [
    "ArgumentError", "BatchTooLargeError", "ConstantWrtWarning", "CostReport", "Directional", "EntryError", "Explorer",
    "ExpressionTooLargeError", "FigureError", "FunctionDefinitionError", "Gradient", "Graph", "GraphError", "MissingDependencyError", "NoProgramError", "NotNumbersError", "NotPicklableError", "OutputError", "ParseError", "PathLimitError", "Program", "ReadingWarning", "RenderError", "Residuals", "SymgraphError",
    "SymgraphWarning", "UnsupportedOpError", "UnusedWrtWarning", "UserFunction", "UserFunctionError",
    "annotate_edges", "compare",
    "draw", "explore", "function", "grad", "hessian", "hessian_sparsity", "hessp", "hvp", "jacobian", "jacobian_sparsity", "jvp",
    "lambdify", "parse", "paths", "residuals", "to_dot", "to_latex", "to_mermaid", "value_and_grad", "vjp",
]
__version__ = "0.1.0"
