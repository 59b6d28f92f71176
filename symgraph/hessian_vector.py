"""Hessian-vector products without forming the Hessian: :func:`hvp` and the compiled :func:`hessp`.

The gradient's program (one reverse sweep) becomes a graph, and one forward
sweep seeded with the direction runs over it (forward-over-reverse): the
cost is a small multiple of the gradient's, whatever the size of H.  Apart
from :mod:`symgraph.hessian`, which derives whole matrices: a product reads
the function through the same checks (:func:`~symgraph.hessian.second_order`)
but never makes a Hessian's program.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np

from .backends.compile import check_compile_options, compile_program
from .backends.copies import copies_kernel, first_copy
from .backends.runtime import one_vector
from .backends.vector_forms import results_function
from .ad.linearised import Counts
from .binding import free_name, positional_only_error, signature_text
from .options import checked_options
from .cost import CostReport, mode_cost
from .progress import check_progress
from .derive import grad
from .directional import Directional, jvp, read_seeds, wrt_as_given
from .errors import ArgumentError, refusing
from .frontend.coerce import held_without_elements, read_once, vector_inputs
from .hessian import hessian, second_order
from .ir.program import Program
from .names import Namer
from .term_replay import replayable


@checked_options
def hvp(f: Any, wrt: Sequence[str] | str | None = None, v: Any = None, *, simplify: bool | str = True,
        allow_unused: bool = False, progress: Any = None, **sizes: int) -> Directional:
    """The Hessian-vector product H·v in one forward-over-reverse sweep, without forming H.

    The gradient's program (one reverse sweep) becomes a graph, and one
    forward sweep seeded with ``v`` (:func:`symgraph.jvp`) runs over it: the
    cost is a small multiple of the gradient's, whatever the size of H.  The
    result is keyed by the wrt names (default: every input, as in
    :func:`symgraph.grad`; entry i is sum over j of H[i, j]*v[j]); seeds are
    read as :func:`symgraph.jvp` reads them: numbers, names of the
    function's values (inputs, elements ``x[1]``, assigned names such as
    ``c`` of ``c = x*y``, whose rows join the program when the gradient does
    not compute them) or new names (extra inputs of its program), and
    ``.lambdify()`` compiles it (``scipy.optimize.minimize(..., hessp=)``).
    ``progress`` reports the gradient's reverse sweep, then the forward one over its
    program, as :func:`symgraph.grad` and :func:`symgraph.jvp` report theirs (:mod:`symgraph.progress`).

    Examples
    --------
    >>> hvp("x^2*y + y^3", ["x", "y"], [1, 0])
    HVP({'x': 2*y, 'y': 2*x})
    """
    wrt = read_once(wrt)
    check_progress(progress)
    graph, names = second_order(f, wrt, allow_unused, sizes, "hvp()")
    seeds = read_seeds(graph, v, names, "v", wrt_as_given(graph, wrt))
    gradient = grad(graph, names, mode="reverse", simplify=False, progress=progress, allow_unused=True)
    # the sweep runs over the gradient's program: the function's values a seed names stay names there
    second = gradient.program.as_graph(names, values=[s for s in seeds if isinstance(s, str) and s in graph.addresses])
    product = jvp(second, names, seeds, simplify=simplify, allow_unused=True, progress=progress)
    results = dict(zip(names, (product.program.results[label] for label in product.labels)))
    program = Program(product.program.inputs, product.program.instructions, results, graph, product.program.unused)
    return Directional(graph, names, program, _both_sweeps(gradient.cost["reverse"], product.cost["forward"], program),
                       "forward-over-reverse", simplify)


def _both_sweeps(reverse: Any, forward: Any, program: Program) -> CostReport:
    """The cost of the product: the gradient's reverse sweep and the forward sweep over its program, as a
    Hessian's forward-over-reverse row counts them (the forward sweep's alone left out the gradient's work)."""
    counts = Counts(reverse.multiplications + forward.multiplications, reverse.additions + forward.additions,
                    reverse.sweeps + forward.sweeps)
    seconds = (reverse.seconds or 0.0) + (forward.seconds or 0.0)
    return CostReport([mode_cost("forward-over-reverse", counts, program, seconds)], len(program.results), 1)


@checked_options
def hessp(f: Any, wrt: Sequence[str] | None = None, *, backend: str = "numpy", allow_unused: bool = False,
          progress: Any = None, **sizes: int) -> Callable:
    """``hessp(theta, p, *data) -> H(theta) @ p`` compiled from one forward-over-reverse sweep: the form
    ``scipy.optimize.minimize(..., method="Newton-CG", jac=..., hessp=hessp)`` calls.

    ``theta`` and ``p`` are 1-D vectors in ``wrt`` order (``"x"`` names every
    element of an indexed input); the inputs not in ``wrt`` are data, as in
    ``value_and_grad(..., vector=True)``, and as there a function that is one
    sum of a term's copies over data derives and compiles the first term only.

    Examples
    --------
    >>> hp = hessp("x^2*y + y^3", ["x", "y"])
    >>> hp([1.0, 2.0], [1.0, 0.0])
    array([4., 2.])
    """
    check_compile_options(backend=backend, vector=True, progress=progress)
    wrt = read_once(wrt)
    graph, names = second_order(f, wrt, allow_unused, sizes, "hessp()")
    held = held_without_elements(graph, wrt)
    theta = vector_inputs(graph, names, "hessp()", held)
    seeds = Namer(graph.op_of, graph.addresses).take("p", len(names))  # in bulk: n calls of fresh("p") were n^2/2 look-ups
    doc = "H(theta) @ p, generated by symgraph."
    copy = first_copy(graph, theta, held) if graph.copies is not None and graph.copies.join == "add" else None
    if copy is None and replayable(graph):  # terms whose parameters move: the sparse Hessian, replayed, times p
        matrix = hessian(graph, wrt, sparse=True, simplify=False, allow_unused=True, progress=progress)
        return HessianVectorProduct(_SparseProduct(matrix.lambdify(backend=backend, vector=True, progress=progress),
                                                   matrix.pattern), names)
    if copy is not None:  # a sum of one term's copies: that term's product over arrays of every term's data, added up
        product = hvp(copy.graph, names, seeds, simplify=False, allow_unused=True, progress=progress)
        kernel, source, data, shapes = copies_kernel(graph, copy, product.program, [*theta, *seeds], held,
                                                     backend=backend, name="hessp", doc=doc, progress=progress)
        return HessianVectorProduct(results_function(kernel, [*theta, *seeds], name="hessp", doc=doc, source=source,
                                                     data=data, shapes=shapes), names)
    product = hvp(graph, names, seeds, simplify=False, allow_unused=True, progress=progress)
    kernel = compile_program(product.program, name="hessp", returns=tuple(names), vector=True,
                             theta=[*theta, *seeds], held=held, backend=backend, progress=progress, doc=doc)
    return HessianVectorProduct(kernel, names)


class _SparseProduct:
    """``product(xp, *data)``: H(x) @ p, ``xp`` being x then p, from the nonzeros of H at x (``matrix.data``, a
    compiled sparse Hessian taking the vector x and the data).

    For a sum whose terms' parameters move (Rosenbrock's ``x[i+1] - x[i]^2``), whose one term's product
    cannot run over arrays of every term's data: the sparse Hessian is its first term's, replayed
    (:mod:`symgraph.term_replay`).  Rosenbrock at n = 10,000: ready in 0.6 s instead of 3.9-4.5 s for the
    product's own program; a call evaluates the 29,998 nonzeros (0.6 ms with the VM, against 0.3 ms).
    """

    def __init__(self, matrix: Callable, pattern: Any):
        self.matrix, self.pattern = matrix, pattern
        self._rows = np.repeat(np.arange(pattern.shape[0]), np.diff(pattern.indptr))
        self.__signature__ = inspect.signature(matrix.data)  # the vector, then the data: as a product kernel's
        self.__doc__, self.source = "H(theta) @ p, generated by symgraph.", getattr(matrix, "source", None)

    def __call__(self, xp: np.ndarray, /, *data: Any, **named: Any) -> np.ndarray:
        n = self.pattern.shape[0]
        values = self.matrix.data(xp[:n], *data, **named)
        return np.bincount(self._rows, weights=values * xp[n:][self.pattern.indices], minlength=n).astype(
            values.dtype, copy=False)

    def __reduce__(self) -> tuple:
        return _SparseProduct, (self.matrix, self.pattern)


class HessianVectorProduct:
    """``hessp(x, p, *data) -> H(x) @ p``: two vectors checked as every vector function checks its one
    (:func:`~symgraph.backends.runtime.one_vector`), then one call of the compiled kernel on both.

    A class, so that it pickles (with its kernel) and carries a real signature: the two vectors,
    then the data inputs as the kernel names them.
    """

    def __init__(self, kernel: Callable, names: Sequence[str]):
        self.kernel, self.names = kernel, refusing(tuple(names), "hessp.names")  # called, it says to drop the ()
        self.__name__ = self.__qualname__ = "hessp"
        self.__doc__ = getattr(kernel, "__doc__", None)
        self.__wrapped__ = kernel  # inspect.getsource(hessp) shows the generated code, as a compiled function's does
        self.source = refusing(getattr(kernel, "source", None), "hessp.source")
        kind = inspect.Parameter
        data = list(inspect.signature(kernel).parameters.values())[1:]
        taken = [q.name for q in data]
        self._vectors = vector, direction = (free_name(taken, ("x", "theta", "x_")),
                                             free_name(taken, ("p", "v", "p_")))
        self.__signature__ = inspect.Signature(
            [kind(vector, kind.POSITIONAL_ONLY), kind(direction, kind.POSITIONAL_ONLY), *data])
        self._shown = ", ".join(self.names[:5]) + (", ..." if len(self.names) > 5 else "")

    def __call__(self, /, *args: Any, **named: Any) -> np.ndarray:
        if len(args) < 2:  # the point and the direction, positional only
            raise positional_only_error("hessp", self._vectors, args, named, tuple(self.__signature__.parameters)[2:])
        takes = len(self.__signature__.parameters)
        if len(args) > takes:  # worded here: the kernel's binder counts one vector before the data, not two
            raise ArgumentError(f"hessp() takes {takes} positional arguments but {len(args)} were given")
        count = len(self.names)
        x = one_vector(args[0], count, self._shown, "hessp()'s point")
        p = one_vector(args[1], count, self._shown, "hessp()'s direction")
        return self.kernel(np.concatenate([x, p]), *args[2:], **named)

    def __repr__(self) -> str:
        return f"<compiled function hessp{signature_text(self.__signature__)}>"

    def __reduce__(self) -> tuple:
        return HessianVectorProduct, (self.kernel, self.names)
