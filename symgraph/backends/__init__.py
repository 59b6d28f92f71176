"""Layer 5: Programs compiled to functions on NumPy arrays, and what those functions do at call time.

Data flows down this list; imports point up it (toward ``runtime``/``build``):

* :mod:`~symgraph.backends.compile` -- THE entry point, :func:`compile_program`:
  picks a backend, adds chunking, binds arguments and lays out results;
* :mod:`~symgraph.backends.numpy` -- the default backend: the program as
  readable NumPy source;
* :mod:`~symgraph.backends.vm` -- programs as data for one compiled virtual
  machine: no compile wait per function, fast single points; below it
  :mod:`~symgraph.backends.vm_point` (one point: the VM until native code pays),
  :mod:`~symgraph.backends.vm_assemble` (a program made VM code),
  :mod:`~symgraph.backends.vm_passes` (the compiled passes doing so),
  :mod:`~symgraph.backends.vm_jit` (the kernels and passes compiled on first need),
  :mod:`~symgraph.backends.vm_kernels` (the kernels running VM code) and
  :mod:`~symgraph.backends.vm_instructions` (the instruction set: op codes and what each computes);
* :mod:`~symgraph.backends.numba` -- the program as one compiled loop over
  points (numba itself is imported only when this backend is used);
* :mod:`~symgraph.backends.chunk` -- any backend's kernel run a chunk of points at a time;
* :mod:`~symgraph.backends.copies` -- one copy's kernel run for every copy of an ``over=`` template at once;
* :mod:`~symgraph.backends.peephole` -- the exact peephole every code writer shares: instructions
  as assignment lines, constant factors folded only where bitwise exact;
* :mod:`~symgraph.backends.registered` -- functions registered from Python in compiled code: the
  namespace generated code calls them through, their import paths (standalone source, pickles);
* :mod:`~symgraph.backends.build` -- generated source -> a Python function, without ``exec``;
* :mod:`~symgraph.backends.runtime` -- call time, the one module the others import it from: the
  wrappers of generated NumPy code (single points, Dask blocks), and re-exported from
  * :mod:`~symgraph.backends.arrays` -- indexed inputs bound as arrays;
  * :mod:`~symgraph.backends.vector_forms` -- the one-point vector forms (``f(x) -> (value, gradient)``,
    residuals and Jacobian, all results) built on that binding;
  * :mod:`~symgraph.backends.results` -- result layouts and the compiled function around every
    kernel (its argument binder is :class:`symgraph.binding.Binder`, shared with ``Graph.evaluate``);
  * :mod:`~symgraph.backends.coercion` -- the helpers generated code calls (``prepare``, ``fit``),
    the working dtype.

A backend makes a *kernel* -- inputs positionally, the flat tuple of results
-- so binding and layout are written once, in ``runtime``, for all of them.

What agrees with what: one backend gives the same bits for a point however it
is called (an array of points, single floats, 0-d arrays, a batch of one, a
scalar broadcast against arrays; the NumPy code on Dask chunks too, and
``.at()`` and ``Program.evaluate`` are the NumPy backend's numbers), nan and
the infinities included.  The VM,
its native tier and numba compute the same instructions with libm's and
their own loops' functions: NumPy's numbers to the last bits of the
transcendental functions and of ``pow``, and bit for bit on exact operations
(arithmetic, ``sqrt``, ``abs``, comparisons and selects).  The modes' own
differences are :mod:`symgraph.ad`'s.
"""
from .compile import compile_program

__all__ = ["compile_program"]
