"""One copy's kernel run for every copy of a template at once: ``over=``'s residuals, a sum's terms (:class:`CopiesKernel`).

``residuals("y[k] - a*exp(-b*t[k])", wrt, over=("k", 0, "m-1"))`` makes one
residual per ``k``, each the first copy with its data elements moved
(``y[k]`` reads ``y[0 + 1*k]``), and ``sum(softplus(-t[r]*(w*x[r] + b)), r,
0, m-1)`` one term per ``r`` (the parser says so: :class:`~symgraph.ir.graph.Copies`).
Compiled copy by copy, the program has a statement per instruction per
copy: at 10,000 residuals its derivation took 2.7 s and its NumPy compile
2.1 s, growing linearly.  Here the first copy's program (its value and
gradient) is compiled once (:func:`first_copy`), and each of its data
elements is handed every copy's value as one array gathered with a fancy
index (``y[0 + 1*arange(m)]``): NumPy's broadcasting evaluates all copies in
one pass, and a sum adds them up.  The kernel keeps the calling convention of
the copy-by-copy one (:mod:`~.vector_forms` binds both): its inputs are the
vector's entries, then every data element; its results the ``m`` residuals,
then the Jacobian row by row (a sparse pattern's entries when ``columns``
keeps some), or the sum's value, then its gradient.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from ..ir.graph import Graph
from .arrays import ArrayLayout
from .compile import backend_kernel
from .results import portable


class FirstCopy(NamedTuple):
    """The first copy's graph, its inputs (each data element with its indices over the copies, one array per
    axis, or its one index when it does not move; None for the vector's entries and for plain data) and the
    Jacobian columns each row keeps (None: all)."""

    graph: Graph
    inputs: list[tuple[str, tuple | None]]
    columns: Any


def first_copy(graph: Graph, theta: Sequence[str | None], held: Sequence[str], pattern: Any = None
               ) -> FirstCopy | None:
    """When ``graph`` is made of copies of one template (``graph.copies``) that read the same parameters, its
    first copy (:class:`FirstCopy`); else None.

    A parameter whose index moves (``w[k+1] - w[k]`` by ``w``) makes each copy read other parameters: such
    copies are derived and compiled one by one, as are those of a sparse pattern whose rows differ.
    """
    copies = graph.copies
    if copies is None or held:
        return None
    m = copies.count
    one, keep = copy_graph(graph)
    labels, vector = graph.element_labels or {}, {t for t in theta if t is not None}
    index_of = {node: index for known in graph.indexed.values() for index, node in known.nodes.items() if node in keep}
    steps = np.arange(m, dtype=np.intp)  # (for an element moving along two axes at once, x[k, k])
    inputs: list[tuple[str, tuple | None]] = []
    for x in graph.input_nodes:
        if x not in keep:
            continue
        axes = copies.elements.get(labels.get(x, x))
        if x in vector:
            if axes is not None and any(b for _, b in axes):
                return None
            inputs.append((x, None))
        elif axes is not None:
            inputs.append((x, _gather(axes, m, steps)))
        else:  # plain data, or an element read from outside the copies (c = y[3]*2), the same in each
            inputs.append((x, index_of.get(x)))
    if not vector <= keep:
        return None
    columns = None
    if pattern is not None:
        columns = pattern.indices[pattern.indptr[0]:pattern.indptr[1]]
        if not np.array_equal(pattern.indices, np.tile(columns, m)):
            return None
    return FirstCopy(one, inputs, columns)


def copy_graph(graph: Graph) -> tuple[Graph, set[str]]:
    """The first copy of ``graph.copies`` as a graph of its own (its inputs in ``graph``'s order), and its nodes."""
    copies = graph.copies
    operands, keep, stack = graph.operands_of, {copies.first}, [copies.first]
    while stack:  # the first copy's nodes (Graph.ancestors checks each node it is given: a call per node)
        for u in operands[stack.pop()]:
            if u.__class__ is str and u not in keep:
                keep.add(u)
                stack.append(u)
    ops = {v: op for v, op in graph.op_of.items() if v in keep}
    one = Graph(ops, {v: operands[v] for v in ops}, tuple(x for x in graph.input_nodes if x in keep), (copies.first,),
                {name: node for name, node in graph.addresses.items() if node in keep}, graph.given_symbols(keep),
                indexed={name: known._replace(nodes={i: n for i, n in known.nodes.items() if n in keep})
                         for name, known in graph.indexed.items()},
                output_names=graph.output_names[:1] if copies.join is None else None)
    return one, keep


def _gather(axes: tuple, m: int, steps: np.ndarray) -> tuple:
    """The index of an element ``a + b*j`` per axis in copies j = 0..m-1: a slice when one axis moves (a view,
    no copy: 50,000 values gathered by an index array took 40 µs a call), an index array per axis when more do."""
    if sum(1 for _, b in axes if b) > 1:
        return tuple(a + b * steps for a, b in axes)
    return tuple(slice(a, a + b * m if a + b * m >= 0 else None, b) if b else a for a, b in axes)


def copies_kernel(graph: Graph, copy: FirstCopy, program: Any, theta: Sequence[str | None], held: Sequence[str], *,
                  backend: str, name: str, doc: str | None, progress: Any = None
                  ) -> tuple["CopiesKernel", str, list, dict]:
    """``(kernel, source, data, shapes)``: the first copy's ``program`` (its value, then its derivatives) on
    ``backend``, run over every copy of ``graph`` by :class:`CopiesKernel`; ``data`` and ``shapes`` are
    ``graph``'s data parameters, which a vector form binds as it binds the copy-by-copy kernel's."""
    vector = [t for t in theta if t is not None]
    read = set(vector)
    data = graph.parameters([x for x in graph.input_nodes if x not in read], held)
    position = {}
    for p, (parameter, elements) in enumerate(data):
        for node in ((parameter,) if elements is None else (n for _, n in elements)):
            position[node] = p
    gathered = [(x, gather) for x, gather in copy.inputs if x not in read]
    kernel, source = backend_kernel(program, [*vector, *(x for x, _ in gathered)], tuple(program.results),
                                    backend=backend, name=name, doc=doc, progress=progress)
    shapes = {parameter: known.shape for parameter, known in graph.indexed.items()}
    return (CopiesKernel(kernel, len(vector), [(position[x], gather) for x, gather in gathered],
                         graph.copies.count, copy.columns, graph.copies.join == "add"),
            source, data, shapes)


class CopiesKernel:
    """The copy-by-copy kernel's calling convention, run by one copy's ``kernel`` on gathered arrays.

    ``kernel`` takes the vector's ``vector`` entries, then one value per
    ``inputs`` entry: ``(p, None)`` the data parameter ``p`` as it is, ``(p,
    gather)`` the elements ``array_p[gather]`` (one index array per axis, a
    value per copy); it returns the residual, then its gradient's entries.
    The data parameters' layouts (:func:`~.arrays.array_layouts`) come with
    :meth:`taking`, which the binder calls first: with them a call that passes
    elements one by one has its arrays made again.  Each
    Jacobian row keeps the gradient entries ``columns`` (all: None); with
    ``summed``, the copies' results are added up instead (a sum's value and gradient).
    """

    def __init__(self, kernel: Callable, vector: int, inputs: Sequence[tuple[int, Any]],
                 count: int, columns: Sequence[int] | None, summed: bool = False):
        self.kernel, self.vector, self.inputs, self.layouts = kernel, vector, tuple(inputs), ()
        self.count, self.columns = count, None if columns is None else tuple(columns)
        self.summed = summed
        self.__wrapped__ = kernel  # inspect.getsource(res.fun) goes on to the generated code
        self.__name__ = getattr(kernel, "__name__", "residuals")

    def __call__(self, *values: Any) -> np.ndarray:
        """The flat results from the vector's entries and every data element, one by one."""
        vector, rest, data = values[:self.vector], values[self.vector:], []
        start = 0
        for layout in self.layouts:
            if layout is None:
                data.append(rest[start])
                start += 1
                continue
            count = len(layout.indices)
            elements = np.array(rest[start:start + count])
            array = np.zeros(layout.shape, dtype=elements.dtype)  # an index the function never reads stays 0
            array[layout.columns] = elements
            data.append(array)
            start += count
        return self._run(vector, data)

    def taking(self, layouts: Sequence[ArrayLayout | None]) -> Callable:
        """The kernel taking the vector and each data parameter whole (``layouts[0]``: the vector's entries read)."""
        read, self.layouts = layouts[0].columns[0], tuple(layouts[1:])

        def direct(values: Sequence[Any], shape: tuple | None, whole: bool = False) -> np.ndarray:
            return self._run(list(values[0][read]), values[1:])
        return direct

    def _run(self, vector: Sequence[Any], data: Sequence[Any]) -> np.ndarray:
        args = list(vector)
        for p, gather in self.inputs:
            args.append(data[p] if gather is None else np.asarray(data[p])[gather])
        results = [np.asarray(r) for r in self.kernel(*args)]
        m = self.count
        if self.summed:  # a result the same in every copy (one reading no moved element) counts m times
            return np.array([r.sum() if r.shape == (m,) else np.broadcast_to(r, (m,)).sum() for r in results])
        columns = range(len(results) - 1) if self.columns is None else self.columns
        out = np.empty(m * (1 + len(columns)), dtype=np.result_type(*results))
        out[:m] = results[0]
        rows = out[m:].reshape(m, len(columns))
        for j, c in enumerate(columns):
            rows[:, j] = results[1 + c]
        return out

    def recipe(self) -> tuple:
        """Pickled as what it is made of (the copy's kernel by its own recipe)."""
        return CopiesKernel, (portable(self.kernel), self.vector, self.inputs, self.count, self.columns, self.summed)
