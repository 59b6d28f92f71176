"""The numba backend: the program as the body of one compiled loop over points.

The default compiled function (:mod:`symgraph.backends.numpy`) runs the
program once on whole arrays: one NumPy call per instruction, each making a
temporary array.  ``backend="numba"`` (an option of every compiler:
``sg.lambdify``, ``Gradient.lambdify``, ``sg.value_and_grad``) changes that
trade-off for large batches: :func:`numba_source` writes the program as the
body of a loop over points (the NumPy writer's exact peephole, the same
lines) and :func:`numba_kernel` compiles it with numba.  Every instruction
works on one float64 in a register, the whole program is fused into one pass,
and the only arrays are the inputs and outputs.

It needs numba (an optional dependency, imported only when this backend is
used), runs on NumPy arrays only, and pays numba's compile time once, when the
function is made.  It computes in float64; a call whose working dtype
(:func:`symgraph.backends.runtime.working_dtype`) is float32 -- the array
inputs all float32 -- runs the NumPy backend's code, so that float32 values
are NumPy's (as the VM does); so do Dask and CuPy arrays, which stay in their
namespace (a Dask call stays lazy, one task per block, as with the other
backends, instead of being computed whole into memory).  ``parallel=True`` splits the points over numba's
threads.  Domain behaviour follows NumPy (``log(-1)`` is nan, ``1/0`` is inf;
numba's ``error_model="numpy"``), without NumPy's warnings.  An exception a
registered function's callable raises is the
:class:`~symgraph.errors.UserFunctionError` every backend raises, naming the
first point where it did (:func:`_user_error`).  A kernel pickles as its program, compiled again where it
is loaded (:func:`_recipe`).  The kernel sits
behind the same binder and result layout as every backend
(:func:`symgraph.backends.runtime.compiled_function`).

Compile time is numba's own work per statement of the loop's body, not the
call's arguments (the kernel takes two however many inputs there are):
typing and lowering each op, read and store.  Measured in CPU seconds, best
of two, on a loaded 2-core machine: the Rosenbrock gradient's 441 / 891 /
1,791 / 3,591 instructions (n = 50 / 100 / 200 / 400) compiled in 0.83 /
1.64 / 3.57 / 8.40 s, about 2 ms an instruction, nearly linear; on a bare
body of 300 inputs, an input costs about 4 ms (1.16 s for 300 read, one
stored) and an output about 6.5 ms (3.13 s with all 300 stored).  Other
shapes of the same body were no faster: inputs read inside the loop 1.30 s,
outputs stored through a 1-D block 3.76 s or through a pointer 2.99 s, row
views 24.7 s; storing from one tuple indexed in a loop (2.27 s) saves a third
of the outputs' cost but indexes a tuple at run time at every point.  For a
program of thousands of instructions called at few points, ``backend="vm"``
compiles nothing per function.

Examples
--------
With numba installed (skipped as a doctest: numba is optional and slow to compile):

>>> import symgraph as sg
>>> f = sg.grad("(a+b)*(b+1)", wrt=["a", "b"]).lambdify(backend="numba")  # doctest: +SKIP
>>> f([1, 2, 3], 1)  # doctest: +SKIP
(array([2., 2., 2.]), array([4., 5., 6.]))
"""
from __future__ import annotations

import builtins
import math
import re
import types
from typing import Any, Callable, Sequence

import numpy as np

from .. import ops
from ..errors import (ExpressionTooLargeError, FunctionDefinitionError, NotPicklableError, SymgraphError,
                      UnsupportedOpError, UserFunctionError, optional_module)
from ..ir.program import Program
from ..names import Namer
from ..progress import compile_reporter
from ..registered_calls import wrong_result
from .build import Generated, build_function
from .numpy import literal
from .peephole import assignments, check_names
from .registered import used_functions, user_namespace
from .runtime import broadcast_shape, contiguous, working_dtype


def numba_source(program: Any, labels: Sequence[str], name: str = "kernel", parallel: bool = False,
                 order: Sequence[str] | None = None) -> Generated:
    """Source of ``name(inputs, outputs)``: one loop over points, scalars in registers.

    ``inputs`` holds addresses, one per input (in ``order``, default
    ``program.inputs``), each of a contiguous float64 row of ``points``
    values; ``outputs`` is the ``(len(labels), points)`` float64 block the
    results are written into (a repeated label gets its own row).  A program
    calling registered functions has one more row, the point's status: 0, or
    the number (1-based, in ``used_functions`` order) of the first registered
    function whose callable raised there; the kernel calls each through a
    guard (:func:`_guarded`) that returns ``(value, status)`` instead of
    raising.  Addresses
    keep the call to two arguments however many inputs there are (numba's
    dispatch checks the type of every array argument, which dominated
    single-point calls).  The loop is ``prange`` when ``parallel``.  Every
    global the code uses (NumPy, ``range``, ``inf``, ...) gets a name fresh
    with respect to the program's names, so inputs may be called ``np`` or ``range``.
    """
    order = tuple(program.inputs if order is None else order)
    check_names(order, program.instructions, (program.results[label] for label in labels))
    fresh = Namer(set(order), {t for t, _, _ in program.instructions}, (name,)).fresh
    np_name, inf_name, nan_name, range_name, prange_name, carray_name, pointer_name, special_name, user_name = (
        fresh(b) for b in ("np", "inf", "nan", "range", "prange", "carray", "_pointer", "special", "user"))
    ins, outs, n, i, flag, failed = (fresh(base) for base in ("_inputs", "_outputs", "_points", "_i", "_flag", "_failed"))
    src = [fresh(f"_in{j}") for j in range(len(order))]

    def lit(value: Any) -> str:
        return literal(value).replace("inf", inf_name).replace("nan", nan_name)

    alias = {target: args[0] for target, op, args in program.instructions if op == "const"}

    def resolve(ref: Any) -> Any:
        return alias.get(ref, ref) if isinstance(ref, str) else ref

    def text(ref: Any) -> str:
        ref = resolve(ref)
        return ref if isinstance(ref, str) else lit(ref)

    results = [resolve(program.results[label]) for label in labels]
    body = [f"{x} = {p}[{i}]" for x, p in zip(order, src)]
    # the NumPy code's exact peephole (constant factors and negations merged into their one consumer); a
    # literal exponent NumPy's power takes a fast path for is written as that path (numba's power is C's)
    powers = {"square": "{0} * {0}", "sqrt": f"{np_name}.sqrt({{0}})", "reciprocal": "1.0 / {0}", "copy": "{0}"}
    emitted = assignments(program.instructions, resolve, {r for r in results if isinstance(r, str)}, lit, np_name,
                         lambda c: f"{np_name}.float64({c})", special=special_name, user=user_name, powers=powers)
    calls = {target for target, op, _ in program.instructions if op in ops.USER}
    if calls:  # the guards return (value, status); the first nonzero status is the point's
        body.append(f"{failed} = 0.0")
    for target, line, _ in emitted:
        if target in calls:
            body += [f"{target}, {flag} = {line}", f"{failed} = {failed} if {failed} else {flag}"]
        else:
            body.append(f"{target} = {line}")
    body += [f"{outs}[{k}, {i}] = {text(ref)}" for k, ref in enumerate(results)]
    if calls:
        body.append(f"{outs}[{len(results)}, {i}] = {failed}")
    lines = [f"def {name}({ins}, {outs}):", f"    {n} = {outs}.shape[1]"]
    # parallel: numba's prange splits arrays, not pointers (a pointer-reading prange loop runs serially)
    read = f"{carray_name}({pointer_name}({{}}), {{}})" if parallel else f"{pointer_name}({{}})"
    lines += [f"    {p} = {read.format(f'{ins}[{j}]', n)}" for j, p in enumerate(src)]
    lines.append(f"    for {i} in {prange_name if parallel else range_name}({n}):")
    lines += ["        " + line for line in body]
    # scipy.special's erf and erfc are not numba functions; on one float64 ``math``'s are the same functions
    selects = sum(line.count(f"{np_name}.{f}(") for _, line, _ in emitted for f in _SELECTS)
    globals_ = {np_name: _numpy_for_numba(selects <= INLINE_SELECTS), inf_name: math.inf, nan_name: math.nan,
                range_name: builtins.range, special_name: math}
    generated = Generated(name, "\n".join(lines) + "\n", globals_)
    generated.names = {"prange": prange_name, "carray": carray_name, "pointer": pointer_name, "user": user_name}
    return generated


def numba_kernel(program: Any, order: Sequence[str], labels: Sequence[str], *, name: str = "f",
                 parallel: bool = False, progress: Any = None,
                 fallback: Callable[[], Callable] | None = None) -> tuple[Callable, str]:
    """``(kernel, source)``: ``kernel(*inputs in order)`` -> the flat tuple of ``labels``' results.

    The compiled loop computes in float64; a call whose working dtype is
    float32 runs ``fallback()`` (the NumPy backend's kernel, made on first
    need) instead, so float32 values are NumPy's (a constant beyond float32's
    range is inf there, as in NumPy's arithmetic on float32 arrays).

    Results are arrays of the inputs' broadcast shape (0-d for scalar
    inputs) and the working dtype.  They are the rows of one block allocated
    per call (one allocation instead of one per result: a large block is
    backed by huge pages, many small ones page-fault point by point), so each
    result is a view that keeps the block alive; no two share memory.
    Contiguous float64 inputs of the full shape are read in place; others are
    broadcast into a copy.  ``parallel=True`` pays a thread start-up on every
    call, so it only helps large batches.

    Raises
    ------
    MissingDependencyError
        When numba is not installed (an ImportError too).
    """
    numba = optional_module("numba", "backend='numba'")  # a MissingDependencyError, an ImportError too
    size = len(program.instructions)
    report = compile_reporter(progress, size, "compiling with numba")
    try:
        generated = numba_source(program, labels, parallel=parallel, order=order)
        names = generated.names
        generated.globals.update({names["carray"]: numba.carray, names["pointer"]: _pointer_intrinsic()})
        if parallel:
            generated.globals[names["prange"]] = numba.prange
        registered = used_functions(program.instructions)
        if registered:  # each registered function's callable, compiled by numba for float64 arguments, guarded
            number = {op: k for k, op in enumerate(registered, 1)}
            generated.globals[names["user"]] = user_namespace(
                registered, lambda op, f: _guarded(numba, op, _njit_registered(numba, op, f), number[op]))
        if report is not None:
            report.advance(2 * size)
        addresses = numba.types.Array(numba.types.intp, 1, "C", readonly=True)
        signature = numba.void(addresses, numba.types.Array(numba.float64, 2, "C"))
        try:
            kernel = numba.njit(signature, error_model="numpy", nogil=True, parallel=parallel,
                                cache=False)(build_function(generated))
        except RecursionError:  # numba's SSA pass recurses over the inlined selects of max/min/where
            raise ExpressionTooLargeError(
                f"numba cannot compile this program of {size:,} instructions (its compiler recursed too "
                "deep, as it does on hundreds of max, min or where calls); backend='vm' or 'numpy' runs it") \
                from None
        if report is not None:
            report.advance(size)
    finally:
        if report is not None:
            report.close()
    count = len(order)
    rows = len(labels)
    offsets = 8 * np.arange(count, dtype=np.intp)  # one point: the inputs are consecutive float64s

    other: list = []

    def numpy_code(values: Sequence[Any]) -> tuple:
        if not other:
            other.append(fallback())
        return other[0](*values)

    def run(*values: Any) -> tuple:
        values = list(values)
        dtype = working_dtype(values, order, convert=True)  # a list made an array once
        if dtype != np.float64 and fallback is not None:
            return numpy_code(values) if not registered else _in_numpy_code(numpy_code, values, dtype)
        if all(type(v) in _SCALARS for v in values):  # one point, no arrays
            shape, held = (), np.array(values, dtype=np.float64)
            sources = held.ctypes.data + offsets
        else:
            if fallback is not None and not all(isinstance(v, _NUMPY_INPUTS) for v in values):
                return numpy_code(values)  # Dask or CuPy arrays stay in their namespace (Dask: lazy, per block)
            arrays = [np.asarray(v, dtype=np.float64) for v in values]
            shape = broadcast_shape(arrays, order)
            held = [contiguous(a, shape) for a in arrays]
            sources = np.array([a.ctypes.data for a in held], dtype=np.intp)
        block = np.empty((rows + bool(registered), math.prod(shape)))  # and the status row, when there is one
        kernel(sources, block)
        if registered:
            if block[rows].any():
                raise _user_error(block[rows], held, order, registered, fallback)
            block = block[:rows]
        if dtype != np.float64:  # no fallback given: float64 values, rounded to the working dtype
            block = block.astype(dtype)
        block = block.reshape((rows,) + shape)
        return tuple([block[k, ...] for k in range(rows)])

    run.__name__ = name
    run.recipe = lambda: _recipe(program, order, labels, name, parallel, fallback, registered)
    return run, generated.source


def _in_numpy_code(run: Callable[[Sequence[Any]], tuple], values: Sequence[Any], dtype: np.dtype) -> tuple:
    """``run(values)``: the NumPy backend's code, which a numba kernel runs for inputs of ``dtype`` (float32),
    with a registered function's error there saying why its callable met arrays.

    Why: compiled by numba, the callable is called on single float64 values; the NumPy backend's code calls
    it on arrays.  A callable for single numbers (``math.sin``) that runs on every float64 input then fails
    on float32 ones alone, and its error ("only 0-dimensional arrays can be converted") named neither the
    backend nor the switch of code, so the same function seemed to break on a change of dtype.
    """
    try:
        return run(values)
    except (UserFunctionError, FunctionDefinitionError) as error:
        why = (f"; backend='numba' computes {dtype} inputs with the NumPy backend's code, which calls the "
               "registered function's callable on arrays (compiled by numba, it is called on single float64 "
               "values): pass float64 values, or make the callable take arrays")
        if isinstance(error, UserFunctionError):
            raise UserFunctionError(f"{error}{why}", error.function, error.original) from error.original
        raise FunctionDefinitionError(f"{error}{why}") from None


def _recipe(program: Any, order: Sequence[str], labels: Sequence[str], name: str, parallel: bool,
            fallback: Callable[[], Callable] | None, registered: Sequence[str]) -> tuple:
    """What a numba kernel pickles as: the program's inputs, instructions and results (not its graph) and
    the options, so that loading compiles the same loop again (numba's compile time, once per loading
    process: compiled machine code does not move between processes).

    A program calling registered functions is refused: the loop compiles each callable where it is
    loaded, from a registry that process need not hold (the NumPy and VM backends' pickles import the
    callable itself by module and name)."""
    if registered:
        raise NotPicklableError(
            f"{name} cannot be pickled: a backend='numba' function calling registered functions "
            f"({', '.join(registered)}) compiles them again where it is loaded, from that process's "
            "registry; pickle the NumPy or VM backend's function, or compile it again where it runs")
    return _numba_again, (tuple(program.inputs), program.instructions, program.results, tuple(order),
                          tuple(labels), name, parallel, fallback)


def _numba_again(inputs: Sequence[str], instructions: list, results: dict, order: Sequence[str],
                 labels: Sequence[str], name: str, parallel: bool,
                 fallback: Callable[[], Callable] | None) -> Callable:
    """The kernel :func:`numba_kernel` made, compiled again in the process loading its pickle."""
    return numba_kernel(Program(inputs, instructions, results), order, labels, name=name, parallel=parallel,
                        fallback=fallback)[0]


def _user_error(status: np.ndarray, held: Any, order: Sequence[str], registered: Sequence[str],
                fallback: Callable[[], Callable] | None) -> Exception:
    """The error for the first point whose ``status`` says a registered function's callable raised: the
    :class:`~symgraph.errors.UserFunctionError` every other backend raises there.

    Why this way: compiled code cannot carry the callable's exception out
    (numba drops an exception raised on another thread of a ``prange`` loop,
    leaving the results unwritten), so the kernel records where and which
    function failed, and that one point is evaluated again by the NumPy
    backend's code, which calls the callable through
    :func:`symgraph.registered_calls.user_call`: the message, the function named, its
    arguments and the exception chained are the other backends'.
    """
    point = int(np.flatnonzero(status)[0])
    values = [float(v) for v in held] if isinstance(held, np.ndarray) else [float(a.reshape(-1)[point]) for a in held]
    if fallback is not None:
        try:
            fallback()(*values)
        except SymgraphError as error:
            return error
    name = registered[int(status[point]) - 1]
    where = ", ".join(f"{x}={v!r}" for x, v in zip(order, values))
    message = (f"the registered function {name!r} raised an exception in backend='numba' at {where}, where its "
               "callable called from Python does not: the exception comes from numba's compiled form of it")
    return UserFunctionError(message, name, RuntimeError(message))


def _guarded(numba: Any, op: str, compiled: Callable, number: int) -> Callable:
    """``compiled`` (the registered function ``op``'s callable, compiled) as the kernel calls it: returning
    ``(value, 0.0)``, or ``(nan, number)`` where it raises (see :func:`_user_error`)."""
    params = ", ".join(f"a{k}" for k in range(ops.op(op).arity))
    # times 1.0, not float(): numba has no float() of a boolean, a result _njit_registered admits (as NumPy's
    # backend does: a 0/1 step such as x > 0); a float's value and sign of zero are kept
    source = (f"def guarded({params}):\n    try:\n        return _compiled({params}) * 1.0, 0.0\n"
              f"    except Exception:\n        return _nan, {float(number)!r}\n")
    guarded = build_function(Generated("guarded", source, {"_compiled": compiled, "_nan": math.nan}))
    return numba.njit(error_model="numpy", nogil=True)(guarded)


def _njit_registered(numba: Any, op: str, function: Callable) -> Callable:
    """The callable of the registered function ``op`` compiled by numba, or a named error saying numba cannot."""
    arity = ops.op(op).arity
    try:
        compiled = function if isinstance(function, numba.core.dispatcher.Dispatcher) else \
            numba.njit(error_model="numpy", nogil=True)(_as_function(function, arity))
        compiled.compile((numba.float64,) * arity)
    except Exception as error:  # numba's typing and lowering errors have no one base class
        lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(error)).splitlines()]
        said = next((line for line in lines if line and not line.startswith("Failed in")), type(error).__name__)
        raise UnsupportedOpError(
            f"backend='numba' cannot compile the registered function {op!r}: numba cannot compile its callable "
            f"{getattr(function, '__qualname__', function)!r} for float64 arguments ({said}); "
            "use backend='numpy', or register a callable numba can compile") from error
    returned = compiled.overloads[(numba.float64,) * arity].signature.return_type
    if not isinstance(returned, (numba.types.Float, numba.types.Integer, numba.types.Boolean)):
        # the kernel calls it on single float64 values: checked once here, by type (registered_calls.user_result's rule)
        said = ("nothing numba can type (its compiled code raises on every path, or returns None)"
                if returned == numba.types.none else f"{returned} (numba's type of its result)")
        raise wrong_result(op, said, ())
    return compiled


def _as_function(function: Callable, arity: int) -> Callable:
    """``function`` as a Python function numba can compile: a ufunc or builtin (``numpy=np.exp``,
    ``math.erf``) is called from a small function, as numba calls such callables inside compiled code
    (``numba.njit(np.exp)`` itself is refused: "the decorated object is not a function")."""
    if isinstance(function, (types.FunctionType, types.MethodType)):
        return function
    params = ", ".join(f"a{k}" for k in range(arity))
    call = build_function(Generated("call", f"def call({params}):\n    return _callable({params})\n",
                                    {"_callable": function}))
    call.__qualname__ = call.__name__ = getattr(function, "__name__", "call")
    return call


def _maximum(x, y):  # pragma: no cover - compiled by numba
    """numpy.maximum on scalars: nan propagates, a tie gives the second operand (numba's keeps the first:
    max(0.0, -0.0), relu(-0.0) are -0.0 in NumPy, 0.0 there, and the other way round)."""
    return x if (x > y or x != x) else y


def _minimum(x, y):  # pragma: no cover - compiled by numba
    """numpy.minimum on scalars (see :func:`_maximum`)."""
    return x if (x < y or x != x) else y


def _sign(x):  # pragma: no cover - compiled by numba
    """numpy.sign on a scalar: 0.0 for both zeros (numba's keeps -0.0)."""
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else x))


def _where(c, a, b):  # pragma: no cover - compiled by numba
    """numpy.where on scalars, as a float64 (numba's makes a 0-d array, which ``sign`` and the other scalar
    functions here do not take: sign(where(x > 0, 0.5, x)) did not compile)."""
    return float(a) if c else float(b)


_NUMPY: dict[bool, types.ModuleType] = {}
#: the scalar functions below, which the kernel's code calls as NumPy's
_SELECTS = ("maximum", "minimum", "sign", "where")
#: the most calls of them a kernel inlines.  numba's compile time grows faster than linearly in inlined calls:
#: the gradient of a sum of relu terms with 64 / 128 / 256 / 512 such calls compiled in 1.3 / 3.5 / 11.5 / 59 s
#: inlined and 0.5 / 0.75 / 1.5 / 3.6 s called, and a max of 300 operands recursed past Python's limit; called,
#: they ran 14-54 % slower on 20,000 points (a max of 64 or 128 operands ran as fast)
INLINE_SELECTS = 64


def _numpy_for_numba(inline: bool = True) -> types.ModuleType:
    """NumPy as the kernel's code calls it: NumPy's functions, with ``maximum``, ``minimum``, ``sign`` and
    ``where`` computed as NumPy computes them, on scalars (a module: numba resolves a module's attributes in
    compiled code), inlined into the kernel or called (see :data:`INLINE_SELECTS`)."""
    if inline not in _NUMPY:
        import numba
        module = types.ModuleType("symgraph_numba_numpy")
        module.__dict__.update((k, v) for k, v in vars(np).items() if not k.startswith("_"))
        for name, function in zip(_SELECTS, (_maximum, _minimum, _sign, _where)):
            setattr(module, name, numba.njit(error_model="numpy", nogil=True,
                                             inline="always" if inline else "never")(function))
        _NUMPY[inline] = module
    return _NUMPY[inline]


#: Python and NumPy scalar types the one-point fast path accepts as they are
#: inputs the compiled loop reads (others, Dask and CuPy arrays, run the NumPy backend's code in their namespace)
_NUMPY_INPUTS = (np.ndarray, np.generic, float, int, list, tuple)
_SCALARS = frozenset({float, int, bool, np.float64, np.float32, np.float16, np.int64, np.int32})


_POINTER: list = []


def _pointer_intrinsic() -> Any:
    """A numba intrinsic that reads an address (an integer) as a float64 pointer; made once, on first use."""
    if not _POINTER:
        from numba import types
        from numba.extending import intrinsic

        @intrinsic
        def _pointer(typingctx: Any, address: Any) -> Any:
            pointer = types.CPointer(types.float64)

            def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
                return builder.inttoptr(args[0], context.get_value_type(pointer))
            return pointer(types.intp), codegen

        _POINTER.append(_pointer)
    return _POINTER[0]
