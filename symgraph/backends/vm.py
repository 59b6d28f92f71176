"""The VM backend: one compiled virtual machine that runs programs as data (``backend="vm"``).

Why: researchers call a compiled gradient thousands of times at single
points. The NumPy backend pays a Python call per instruction at each point
and ``compile()`` of a long source when the function is made; the numba
backend pays numba's type inference and LLVM for every program (seconds to
minutes). Here, as in CasADi's ``Function``, a program becomes *data* -- an
int32 array of ``(op, target, x, y, z)`` register instructions -- and
kernels compiled once per machine (numba, ``cache=True``, one explicit
signature each) run any program: :func:`~.vm_kernels._run_point` at one
point, :func:`~.vm_kernels._run_block` on batches a block of points at a
time (every temporary a row of up to 256 points; arithmetic rows are loops
LLVM vectorises).

The backend is eight modules, imports pointing one way: this one holds the
kernel behind compiled functions (:func:`vm_kernel`, :func:`_runner`,
:class:`NumpyFallback`); :mod:`.vm_point` its kernel of one point, the VM's
until native code pays (:class:`~.vm_point._Point`), and :mod:`.vm_batch` its
kernel of a batch, likewise (:class:`~.vm_batch._Batch`); :mod:`.vm_assemble` makes a
program into VM data (:func:`~.vm_assemble.assemble`; why two orders, fused
pairs and groups) with the compiled passes of :mod:`.vm_passes`;
:mod:`.vm_instructions` holds the instruction set, :mod:`.vm_kernels` the
kernels that run it and :mod:`.vm_jit` their compilation
(:func:`~.vm_jit._kernel`).

Inputs and results are not rows of the register file at all: a batch reads
each input where it lies and writes each result into its row of the output,
so nothing is copied in or out (one point likewise runs on the vector it is
handed). An input shared by every point (one data set, a batch of
parameters) is a row of the file, written once when the rows fit
:data:`~.vm_kernels.SHARED_BYTES`; past that, a row lent from its first read to its last
and written in every block, so 10^5 shared data inputs take a few rows
instead of 200 MB. An indexed input arrives as one array with its elements'
indices worked out once (:func:`_runner`): its address table is NumPy
arithmetic, and one point is one gather, with no Python work per element.

Measured (benchmarks/evaluate.py; a shared 2-core machine, ratios from
the same run; ranges over runs under lighter and heavier load):

* making a callable (``lambdify``, derivation excluded), Rosenbrock
  gradient: n = 1,000 (10^4 instructions) 12-18 ms (was 0.5 s; NumPy
  backend 0.17-0.24 s, CasADi 1.5-2.2 ms, symengine's LLVM ``Lambdify``
  3 s); n = 10,000 (10^5 instructions) 0.20-0.32 s (was 5.6 s; NumPy
  backend 2.4-2.6 s, of which ``compile()`` of the source is about half;
  CasADi 13-20 ms; symengine times out).  One LLVM compilation per
  program -- symengine's design -- grows with the program and cannot make
  a 10^5-instruction callable in 0.5 s.
* one point, the whole ``value_and_grad(vector=True)`` call, every tool
  computing the value and the gradient (VM, then symengine, CasADi, JAX):
  n = 10: 4.5 µs (6.6, 37, 19); n = 100: 8.0 µs (7.9, 56, 73); n = 1,000:
  26-33 µs (13.4, 218, 60); n = 10,000: 0.36 ms (time-out, 1.3 ms, JAX's
  array code 0.07 ms); the MLP 4.3 µs (3.9, 28, 81).  The kernel runs
  1.5-2.7 ns per instruction; the call around it 1.5-3 µs.  So the VM
  beats CasADi at every size by 4-8x and is within 1.1x of symengine's
  native code up to n = 100 and on the MLP, 2-2.4x slower at n = 1,000.
  Neither the fused pairs nor the batch order change a point's time
  measurably (a 10^4-instruction program is bound by its loads, not by
  dispatch), so one point keeps the program's own order.
* 10^4 points, the gradient alone (VM, then symengine's LLVM ``Lambdify``
  and the NumPy backend, same run): Rosenbrock n = 10: 0.31 ms (0.27,
  0.70); n = 100: 4.1 ms (3.6, 18); n = 1,000: 58 ms (70, 166; before the
  schedule the VM took 1.5x symengine's time here); 10^3 points at n =
  10,000: 0.10 s (time-out, 0.22 s); the MLP 2.9 ms (3.2, 3.0); the
  product of 1,000 inputs 55 ms (symengine does not finish deriving it,
  NumPy 58 ms).  So batches beat symengine's native code from n = 1,000
  up and on the MLP, and trail it by 1.1-1.15x on small programs, whose
  straight-line native code keeps every value of a point in the
  processor's registers.  So batches of arithmetic go native too, once
  they have held enough points (:mod:`.vm_batch`): Rosenbrock on 10^4
  points then takes 53 µs / 0.48 ms / 17.6 ms at n = 10 / 100 / 1,000
  (symengine 0.10 / 1.4 / 32.6 ms in the same run).
* indexed inputs (benchmarks/indexed.py ``--vm``, against the code that
  passed one value per element, in the same run): the least-squares loss
  at n = 50,000 (10^5 data inputs), its gradient on 64 points 8.7-10 ms
  with data per point (was 0.27-0.49 s; JAX 75-100 ms) and 14 ms with the
  data shared by the points (was 0.36-0.42 s; JAX 26-37 ms);
  ``value_and_grad(vector=True)`` at one point 1.0 ms (was 26 ms, of which
  the kernel is 0.8 ms now; JAX 0.4 ms); 50,000 residuals with their
  Jacobian 0.73 ms (was 59 ms); the sparse Rosenbrock Hessian at n =
  10,000 as a CSR matrix 0.29-0.38 ms (was 4.9-9.3 ms: a 0-d view per
  result, stacked again; CasADi 1.1 ms).
* a value beside a gradient summing the other way (benchmarks/indexed.py
  ``--vm --against`` the single program, same run), 256 points: at n =
  5,000, 11-12 ms with the data shared by the points (was 19-24 ms) and
  6.8-7.5 ms with data per point (was 35-39 ms); at n = 3,000, 4.2-5.5 ms
  (was 5.9-6.9) and 2.6-3.2 ms (was 9.9-12).  Building it costs 0.15 s
  instead of 0.1 s at n = 5,000 (the trial walks of :func:`~.vm_assemble.apart`).  The
  dense 71 x 71 Hessian of the MLP on 1,024 points, gathered from the
  result array (:class:`symgraph.matrix_functions.DenseFunction`): 16-22 ms (was
  27-32 ms, a view per result stacked again).

Semantics: float64 values as the NumPy backend computes them (arithmetic
bitwise, with the same exact peephole; ``max``, ``min``, ``sign`` and
powers with the literal exponents NumPy takes a fast path for (2, 0.5,
-1, 1: :data:`~.peephole.SCALAR_POWERS`) as NumPy's, signed zeros
included; transcendental functions and other powers from libm, which may
differ from NumPy's SIMD loops in the last bits: where NumPy has AVX-512,
its ``x ** 3`` differs from C's ``pow`` for about 5% of x), conditions as 1.0/0.0,
branches of ``where`` selected as in NumPy, so derivatives through branches
stay nan-free.  Like the numba backend it raises no NumPy
``RuntimeWarning``.  Inputs that are not float64 NumPy work -- Dask or CuPy
arrays, all-float32 inputs -- run the NumPy backend's kernel, made on first
need; a program calling a function registered from Python (``sg.function``)
is compiled by the NumPy backend (the VM cannot call Python).

Why not the default: it does not win everywhere on float64 inputs
(programs rich in transcendental functions, such as the MLP, run about
as fast with NumPy's SIMD loops on large batches: 3.0 ms against the
VM's 2.9 ms at 10^4 points, and faster on some runs), a process pays
about 1 s to import numba and load the kernels, it
drops NumPy's warnings and last-bit agreement that the NumPy backend
guarantees, and it needs numba.  So it is opt-in: ``backend="vm"`` in
``sg.lambdify``, ``Gradient.lambdify``, ``sg.value_and_grad`` (also
``vector=True``, whose one-point path hands the float64 vector straight to
the VM: :func:`symgraph.backends.runtime.vector_function`).

Examples
--------
>>> import symgraph as sg
>>> f = sg.grad("(a+b)*(b+1)", wrt=["a", "b"]).lambdify(backend="vm")  # doctest: +SKIP
>>> f([1.0, 2.0], 1.0)  # doctest: +SKIP
(array([2., 2.]), array([4., 5.]))
"""
from __future__ import annotations

import importlib
import inspect
import math
from typing import Any, Callable, Sequence

import numpy as np

from ..ir.program import Program
from .numpy import numpy_kernel
from .reuse import reused
from .runtime import broadcast_shape, contiguous, elements, working_dtype
from .vm_assemble import assemble, kernels, width_for  # noqa: F401 - kernels: the public warm-up
from .vm_jit import data_addresses
from .vm_batch import _Batch
from .vm_point import _Point

# --------------------------------------------------------------------------- the kernel behind compiled functions

#: inputs the VM reads (NumPy's own types and Python values); anything else goes to the NumPy backend
_NUMPY_INPUTS = (np.ndarray, np.generic, float, int, list, tuple)
_FLOAT64 = np.dtype(np.float64)


def _one_shape(values: Sequence[Any]) -> tuple | None:
    """The shape of ``values`` when every one is a C-contiguous float64 ndarray of that shape (a batch the VM
    reads as it lies, with no conversion; ``()`` for 0-d arrays, which are one point), else None.

    One pass of identity tests: the general checks (dtype votes, broadcasting,
    contiguity) cost about 1.5 µs an input.
    """
    shape = None
    for v in values:
        if v.__class__ is not np.ndarray or v.dtype is not _FLOAT64 or not v.flags.c_contiguous:
            return None
        if v.shape != shape:
            if shape is not None:
                return None
            shape = v.shape
    return shape



def vm_kernel(program: Any, order: Sequence[str], labels: Sequence[str], *, name: str = "f",
              fallback: Callable[[], Callable]) -> tuple[Callable, str]:
    """``(kernel, listing)``: ``kernel(*inputs in order)`` -> the flat tuple of ``labels``' results, run by the VM.

    Float64 work on NumPy inputs runs on the VM; anything else (Dask or CuPy
    arrays, all-float32 inputs) runs the NumPy backend's kernel, which
    ``fallback()`` makes on first need (a :class:`NumpyFallback`, for the
    kernel to pickle).  The kernel's array forms:
    ``kernel.point(x)`` evaluates one point given as a float64 vector of
    every input, returning the 1-D array of results; ``kernel.array(*inputs)``
    returns every result as one array ``(results, *batch)``; and
    ``kernel.taking(layouts)`` is the kernel taking indexed inputs as whole
    arrays (see :func:`_runner`).
    """
    # numbered and assembled once per program and order (:func:`~.reuse.reused`: 0.12 s at 10^5 instructions
    # for each .lambdify(backend="vm") of one result); the runner, whose native batches are its own, each time
    code = reused(program, ("vm", tuple(order), tuple(labels)), lambda: assemble(program, order, labels))
    nc = len(code.consts)
    template = np.concatenate([code.consts, np.zeros(code.slots - nc)])
    width = width_for(code.registers)
    batch = "" if code.batch_instructions == code.instructions else f" ({code.batch_instructions} in batches)"
    listing = (f"# symgraph VM program: {code.instructions} instructions{batch}, {code.registers} registers "
               f"({nc} constants), {code.inputs} inputs, {code.results} results, {width} points per block\n")
    return _runner(code.prog, code.block, template, nc, code.inputs, code.results, width, tuple(order), name,
                   fallback), listing


def _runner(prog: np.ndarray, block: np.ndarray, template: np.ndarray, first: int, m: int, rows: int, width: int,
            order: tuple, name: str, fallback: Callable[[], Callable]) -> Callable:
    """The kernel of :func:`vm_kernel` from its assembled program: what a pickle of it carries (the
    arrays, and ``fallback``, what makes the NumPy backend's kernel for the inputs the VM does not take:
    made in neither process until first needed, see :class:`NumpyFallback`).

    Indexed inputs (``kernel.taking(layouts)``, which
    :func:`~symgraph.backends.runtime.array_parameters` asks for): each
    array arrives once with its elements' indices, worked out when the
    function was made (:class:`~symgraph.backends.runtime.ArrayLayout`).  At
    one point one fancy-index gather per array fills its inputs' slots; on
    a batch the address table is NumPy arithmetic, ``base + index . strides``
    for all of an array's elements at once, and an array whose batch axes
    are not a C-contiguous float64 block of the batch shape is converted
    once, as a whole.  Handed one value per element instead, a call spent
    about 5 µs per input in Python (a class check, ``asarray``, a
    contiguity check and a ``ctypes`` address each): 0.35 s of a 0.41 s
    call on 64 points of a 10^5-input least-squares gradient.
    """
    point = _Point(prog)
    batch = _Batch(block, template[:first], width)
    stop = first + m
    end = stop + rows
    consts = template[:first]
    keys = [(k, Ellipsis) for k in range(rows)]
    made: list = []  # the fallback's kernel, once made

    def numpy_made() -> Callable:
        if not made:
            made.append(fallback())
        return made[0]

    def other(*values: Any) -> tuple:
        return numpy_made()(*values)

    slots = template.shape[0]

    def at_point(x: Any) -> np.ndarray:
        """The results at the point ``x`` (the inputs' values in order), a fresh vector.

        The slots start uninitialised past the inputs: every result and
        temporary is written before it is read.
        """
        io = np.empty(slots)
        io[:first] = consts
        io[first:stop] = x
        point(io)
        return io[stop:end]

    def launch(sources: np.ndarray, steps: np.ndarray, shape: tuple, whole: bool) -> Any:
        """The batch kernel on inputs at ``sources`` (``steps`` 0: one value for every point): results of ``shape``."""
        points = math.prod(shape)
        out = np.empty((rows, points))
        if points:  # a block no wider than the batch: an input shared by every point fills a row of the block
            batch(sources, steps, out)
        out = out.reshape((rows,) + shape)
        return out if whole else tuple(map(out.__getitem__, keys))

    def evaluate(values: Sequence[Any], whole: bool) -> Any:
        """The results for one value per input: a tuple of arrays, or with ``whole`` one array ``(rows, *batch)``."""
        for v in values:
            if v.__class__ is not float and v.__class__ is not np.float64:
                break
        else:  # one point of Python floats or NumPy float64 scalars: kept short
            out = at_point(values)
            return out if whole else tuple(map(out.__getitem__, keys))
        shape = _one_shape(values)
        if shape:  # the common batch, checked in one pass: float64 arrays of one shape, C-contiguous
            return launch(data_addresses(values), np.ones(m, dtype=np.intp), shape, whole)
        for v in values:
            if not isinstance(v, _NUMPY_INPUTS):
                return other(*values)
        values = list(values)
        if working_dtype(values, order, convert=True) != _FLOAT64:  # a list made an array once
            return other(*values)
        arrays = [np.asarray(v, dtype=np.float64) for v in values]
        shape = broadcast_shape(arrays, order)
        if not shape:
            out = at_point(arrays)
            return out if whole else tuple(map(out.__getitem__, keys))
        held, steps = [], np.empty(m, dtype=np.intp)
        for i, a in enumerate(arrays):
            if a.size == 1:
                a, steps[i] = np.ascontiguousarray(a), 0
            else:
                a, steps[i] = contiguous(a, shape), 1
            held.append(a)
        return launch(data_addresses(held), steps, shape, whole)

    def run(*values: Any) -> tuple:
        return evaluate(values, False)

    run.__wrapped__, run.__signature__ = NumpySource(numpy_made), NumpySource.RUN

    def array(*values: Any) -> Any:
        return evaluate(values, True)

    def taking(layouts: Sequence[Any]) -> Callable:
        """The kernel taking one value per parameter: ``layouts[k]`` None for one input, else an ``ArrayLayout``
        whose array holds the next ``len(layout.indices)`` inputs (its index axes first, batch axes after)."""
        spans, start = [], first
        for layout in layouts:
            count = 1 if layout is None else len(layout.indices)
            spans.append((start, count, layout))
            start += count
        if start != stop:
            raise ValueError(f"the layouts hold {start - first} inputs; the program has {m}")

        def direct(values: Sequence[Any], shape: tuple | None, whole: bool = False) -> Any:
            """The results for the parameters' ``values`` (checked, with their batch ``shape``, by
            :func:`~symgraph.backends.runtime.bind_arrays`); what the VM does not take goes element by element."""
            probes = []  # one element per array: every element of an array is of its class and dtype
            for v, layout in zip(values, layouts):
                if layout is None:
                    probes.append(v)
                elif layout.indices:
                    probes.append(v[layout.indices[0]])
            if shape is None or working_dtype(probes) != _FLOAT64 or not all(
                    isinstance(v, _NUMPY_INPUTS) for v in probes):
                return evaluate(elements(values, layouts), whole)
            if not shape:
                io = np.empty(slots)
                io[:first] = consts
                for v, (i, count, layout) in zip(values, spans):
                    if layout is None:
                        io[i] = v
                    elif count:
                        io[i:i + count] = v[layout.columns]  # one gather, converted to float64 as it is written
                point(io)
                out = io[stop:end]
                return out if whole else tuple(map(out.__getitem__, keys))
            # each input's array (its number in ``held``) and its offset there: the pointers come in one pass
            held, owner, offset = [], np.empty(m, dtype=np.intp), np.zeros(m, dtype=np.intp)
            steps = np.empty(m, dtype=np.intp)
            for v, (i, count, layout) in zip(values, spans):
                i -= first
                a = np.asarray(v, dtype=np.float64)  # the whole array converted once, if at all
                if layout is None:
                    a, steps[i] = (np.ascontiguousarray(a), 0) if a.size == 1 else (contiguous(a, shape), 1)
                    owner[i] = len(held)
                elif count:
                    k = len(layout.shape)
                    batch = a.shape[k:]
                    step = 0 if math.prod(batch) == 1 else 1
                    if step and (batch != shape or not a[layout.indices[0]].flags.c_contiguous):
                        wide = a.reshape(a.shape[:k] + (1,) * (len(shape) - len(batch)) + batch)
                        a = np.ascontiguousarray(np.broadcast_to(wide, a.shape[:k] + shape))
                    within = 0
                    for column, stride in zip(layout.columns, a.strides):
                        within = within + column * stride
                    owner[i:i + count], offset[i:i + count], steps[i:i + count] = len(held), within, step
                held.append(a)
            sources = data_addresses(held)[owner] + offset
            return launch(sources, steps, shape, whole)

        return direct

    def recipe() -> tuple:
        return _runner, (prog, block, template, first, m, rows, width, order, name, fallback)

    run.__name__ = name
    run.point = at_point
    run.native = point.go_native
    run.native_batch = batch.go_native
    run.array = array
    run.taking = taking
    run.recipe = recipe
    return run


class NumpySource:
    """What :func:`inspect.getsource` of a VM function shows: the NumPy backend's source of the same program (its
    fallback's kernel), made when first asked for, never when the function is made or called.

    Why: ``getsource`` showed the VM's runner (``def run(*values): return evaluate(values, False)``), symgraph's
    own code, where the NumPy backend's shows the function's.  It follows ``__wrapped__`` (``inspect.unwrap``), so
    the kernel's ``__wrapped__`` is this object, whose ``__wrapped__`` makes the source (about a second at 27,000
    instructions, which the VM is there to avoid, so only on request).  The kernel's ``__signature__`` is
    :data:`RUN`: :func:`inspect.signature` stops there, before asking this object for its ``__wrapped__``.
    """

    #: the runner's signature, ``run(*values)``: one object for every kernel, not read off each as it is made
    RUN = inspect.Signature([inspect.Parameter("values", inspect.Parameter.VAR_POSITIONAL)])

    def __init__(self, kernel: Callable[[], Callable]):
        self._kernel = kernel

    @property
    def __wrapped__(self) -> Callable:
        return self._kernel()


class NumpyFallback:
    """A VM kernel's fallback: the NumPy backend's kernel of the same program, made when first called.

    It holds, and pickles as, what :func:`~symgraph.backends.numpy.numpy_kernel`
    makes the kernel from: the program's inputs, instructions and results
    (not its graph) and the options, the namespace by name.  Why: the
    kernel is the NumPy source of the whole program, generated and
    compiled (1.1 s at 27,000 instructions, about 10 s at 90,000), which
    the VM is there to avoid, for inputs (float32, Dask) few calls pass.
    Pickles carried the kernel's source, so a VM function's first pickle
    made it: 0.95-1.09 s at 27,000 instructions (a Rosenbrock gradient,
    best of 3 in two runs); now 0.04 s (0.15 s at 90,000), and the pickle
    is 18% smaller (2.4 MB).
    """

    def __init__(self, program: Any, order: Sequence[str], labels: Sequence[str], *, name: str = "f",
                 doc: str | None = None, xp: Any = None):
        self.inputs, self.instructions, self.results = program.inputs, program.instructions, program.results
        self.order, self.labels, self.name, self.doc = tuple(order), tuple(labels), name, doc
        self.xp = None if xp is None else xp.__name__  # a module does not pickle: imported again by name

    def __call__(self) -> Callable:
        program = Program(self.inputs, self.instructions, self.results)
        xp = None if self.xp is None else importlib.import_module(self.xp)
        return numpy_kernel(program, self.order, self.labels, name=self.name, doc=self.doc, xp=xp)[0]


class _Later:
    """A fallback in pickles made before :class:`NumpyFallback`: the NumPy kernel's recipe, made when
    first called for (loading compiled the NumPy source of the whole program before that)."""

    def __init__(self, make: Callable, args: tuple):
        self.make, self.args = make, args

    def __call__(self) -> Callable:
        return self.make(*self.args)


class _Given:
    """A fallback that is already made (an unpickled NumPy kernel, in pickles made before :class:`_Later`): calling it returns it."""

    def __init__(self, kernel: Callable):
        self.kernel = kernel

    def __call__(self) -> Callable:
        return self.kernel
