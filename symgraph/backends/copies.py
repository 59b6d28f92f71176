"""One copy's kernel run for every copy of a template at once: the residuals of ``over=`` (:class:`CopiesKernel`).

``residuals("y[k] - a*exp(-b*t[k])", wrt, over=("k", 0, "m-1"))`` makes one
residual per ``k``, each the first copy with its data elements moved
(``y[k]`` reads ``y[0 + 1*k]``).  Compiled copy by copy, the program has a
statement per instruction per copy: at 10,000 residuals its derivation took
2.7 s and its NumPy compile 2.1 s, growing linearly.  Here the first copy's
program (its residual and gradient) is compiled once, and each of its data
elements is handed every copy's value as one array gathered with a fancy
index (``y[0 + 1*arange(m)]``): NumPy's broadcasting evaluates all copies
in one pass.  The kernel keeps the calling convention of the copy-by-copy
one (:func:`~.vector_forms.residual_function` binds both): its inputs are the
vector's entries, then every data element; its result the ``m`` residuals,
then the Jacobian row by row (a sparse pattern's entries when ``columns``
keeps some).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .arrays import ArrayLayout
from .results import portable


class CopiesKernel:
    """The copy-by-copy kernel's calling convention, run by one copy's ``kernel`` on gathered arrays.

    ``kernel`` takes the vector's ``vector`` entries, then one value per
    ``inputs`` entry: ``(p, None)`` the data parameter ``p`` as it is, ``(p,
    gather)`` the elements ``array_p[gather]`` (one index array per axis, a
    value per copy); it returns the residual, then its gradient's entries.
    ``layouts`` are the data parameters' (:func:`~.arrays.array_layouts`), to
    make arrays again of a call that passes elements one by one.  Each
    Jacobian row keeps the gradient entries ``columns`` (all: None).
    """

    def __init__(self, kernel: Callable, vector: int, inputs: Sequence[tuple[int, Any]],
                 layouts: Sequence[ArrayLayout | None], count: int, columns: Sequence[int] | None):
        self.kernel, self.vector, self.inputs, self.layouts = kernel, vector, tuple(inputs), tuple(layouts)
        self.count, self.columns = count, None if columns is None else tuple(columns)
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
        read = layouts[0].columns[0]

        def direct(values: Sequence[Any], shape: tuple | None, whole: bool = False) -> np.ndarray:
            return self._run(list(values[0][read]), values[1:])
        return direct

    def _run(self, vector: Sequence[Any], data: Sequence[Any]) -> np.ndarray:
        args = list(vector)
        for p, gather in self.inputs:
            args.append(data[p] if gather is None else np.asarray(data[p])[gather])
        results = [np.asarray(r) for r in self.kernel(*args)]
        m = self.count
        columns = range(len(results) - 1) if self.columns is None else self.columns
        out = np.empty(m * (1 + len(columns)), dtype=np.result_type(*results))
        out[:m] = results[0]
        rows = out[m:].reshape(m, len(columns))
        for j, c in enumerate(columns):
            rows[:, j] = results[1 + c]
        return out

    def recipe(self) -> tuple:
        """Pickled as what it is made of (the copy's kernel by its own recipe)."""
        return CopiesKernel, (portable(self.kernel), self.vector, self.inputs, self.layouts, self.count, self.columns)
