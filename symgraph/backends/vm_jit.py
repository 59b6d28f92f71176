"""The VM's kernels compiled on first need: numba, ``cache=True``, one explicit signature each.

:func:`_kernel` compiles a kernel of :mod:`.vm_kernels`, or a pass that
:mod:`.vm_passes` registered (:func:`register_pass`), replacing the helpers
it calls, in its own module's globals, by their compiled forms;
:func:`data_addresses` reads arrays' data pointers with the ``pointers``
kernel.  Separate from the kernels because this is Python that runs once a
process, they are the code numba compiles.

The kernels: compiling them cold takes 10-15 s, once per machine (numba's
cache, beside the file defining the kernel or in ``NUMBA_CACHE_DIR``;
editing that file invalidates it, editing :mod:`.vm_instructions` does not:
see there). A process pays numba's own start once:
importing numba 0.25-0.3 s, then its first compile or cache load sets up its
registries, 0.3-0.6 s, which import ``scipy.linalg`` when SciPy is installed
(0.25-0.35 s more unless the program already imported SciPy); each kernel
then loads in 6-16 ms, only when first needed (:func:`_kernel`: a process
evaluating single points never loads the batch kernel).
"""
from __future__ import annotations

import ctypes
import sys
import threading
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import optional_module
from . import vm_kernels
from .vm_instructions import _apply, _pair
from .vm_kernels import _data_pointers, _row, _run_block, _run_native, _run_point


def _data_field() -> int:
    """Where a NumPy array object keeps its data pointer, in bytes from its start; 0 where it is not found.

    ``ndarray.ctypes.data`` costs 2.2 µs an array (it builds a ctypes
    helper): 156 µs of the 216 µs a batch call of the 71-input MLP's
    gradient took on one point.  NumPy's own ``PyArray_DATA`` reads a fixed
    field of the object (compiled into every extension, so stable ABI), and
    CPython's ``id`` is the object's address: one compiled pass reads every
    input's pointer.  The offset is checked on arrays whose pointers are
    known, so an interpreter with another layout falls back to ``ctypes``.
    """
    if _FIELD:
        return _FIELD[0]
    probes = [np.empty(3), np.empty((4, 2))[:, 1], np.arange(5.0)[2:]]
    field = 0
    if sys.implementation.name == "cpython":
        for offset in range(8, 64, 8):
            if all(ctypes.c_ssize_t.from_address(id(a) + offset).value == a.ctypes.data for a in probes):
                field = offset
                break
    _FIELD.append(field)
    return field


_FIELD: list[int] = []


def data_addresses(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The data pointers of ``arrays`` (NumPy arrays, kept alive by the caller) as an intp vector."""
    field = _data_field()
    if not field:
        return np.array([a.ctypes.data for a in arrays], dtype=np.intp)
    addresses = np.fromiter(map(id, arrays), dtype=np.intp, count=len(arrays))
    _kernel("pointers")(addresses, field)
    return addresses


_COMPILED: dict[str, Callable] = {}
_COMPILE_LOCK = threading.Lock()  # held while a kernel is compiled: it replaces its helpers' globals by their compiled forms


def _native_caller() -> Callable:
    """A numba intrinsic calling ``void f(double*)`` at an address with an address."""
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def call(typingctx: Any, address: Any, data: Any) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            pointer = ir.DoubleType().as_pointer()
            function = builder.inttoptr(args[0], ir.FunctionType(ir.VoidType(), [pointer]).as_pointer())
            builder.call(function, [builder.inttoptr(args[1], pointer)])
            return context.get_dummy_value()
        return types.void(types.intp, types.intp), codegen
    return call


def _pointers(numba: Any) -> tuple[Callable, Callable]:
    """Numba intrinsics reading an address (an integer) as a float64, an int32 and an intp pointer."""
    from numba import types
    from numba.extending import intrinsic

    def pointer_to(kind: Any) -> Callable:
        @intrinsic
        def pointer(typingctx: Any, address: Any) -> Any:
            target = types.CPointer(kind)

            def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
                return builder.inttoptr(args[0], context.get_value_type(target))
            return target(types.intp), codegen
        return pointer
    return pointer_to(types.float64), pointer_to(types.int32), pointer_to(types.intp)


def _signatures() -> dict[str, Any]:
    """One explicit signature per kernel: numba compiles (or loads from its cache) exactly one specialisation."""
    from numba import types as t
    program, floats, addresses = t.int32[::1], t.float64[::1], t.intp[::1]
    return {"apply": t.float64(t.int32, t.float64, t.float64, t.float64),
            "point": t.intp(program, floats),
            "block": t.intp(program, floats, addresses, addresses, t.float64[:, ::1], t.intp),
            "pointers": t.void(addresses, t.intp),
            "native": t.intp(t.intp, floats),
            "schedule": t.int64[::1](program, t.intp, t.intp, program, t.boolean),
            "fuse": program(program, t.int64[::1], t.intp, t.intp, program),
            "allocate": t.int32[::1](program, t.intp, t.intp, t.intp, program),
            "fold": t.Tuple((program, floats, program, t.intp, t.intp))(
                program, addresses, addresses, floats, t.boolean[::1], t.boolean[::1], addresses, t.intp)}


#: the compiled passes that make VM code, by kernel name: the Python function and the names of the helpers it
#: calls (in its own module).  :mod:`.vm_passes` registers them (:func:`register_pass`), so imports point one way.
_PASSES: dict[str, tuple[Callable, tuple[str, ...]]] = {}


def register_pass(name: str, function: Callable, helpers: tuple[str, ...] = ()) -> None:
    """Make ``function`` the kernel ``name`` of :func:`_kernel`; ``helpers`` name the functions of its module it calls,
    which :func:`_kernel` replaces there by their compiled forms before compiling it."""
    _PASSES[name] = (function, helpers)


def _kernel(name: str) -> Callable:
    """The compiled kernel ``name`` ("point", "block", "allocate", ...), compiled on first need in a process.

    Each is compiled once per machine and loaded from numba's cache
    (beside the file defining it, or in ``NUMBA_CACHE_DIR``) afterwards;
    loading only the kernels a process uses keeps its first call short.
    """
    kernel = _COMPILED.get(name)
    if kernel is not None:
        return kernel
    numba = optional_module("numba", "backend='vm'")  # a MissingDependencyError, an ImportError too
    with _COMPILE_LOCK:  # threads making their first VM functions at once: one compiles, the others wait for it
        kernel = _COMPILED.get(name)
        if kernel is not None:
            return kernel
        signatures = _signatures()
        options = dict(error_model="numpy", nogil=True, cache=True, boundscheck=False)
        if name in ("point", "block", "pointers") and "apply" not in _COMPILED:
            kernels = vars(vm_kernels)  # the kernels read their helpers from their own module's globals
            kernels["_f64"], kernels["_i32"], kernels["_iptr"] = _pointers(numba)
            _COMPILED["apply"] = kernels["_apply"] = numba.njit(signatures["apply"], **options)(_apply)
            kernels["_pair"] = numba.njit(inline="always", **options)(_pair)  # helpers: compiled for their callers' types
            kernels["_row"] = numba.njit(**options)(_row)
        python, helpers = _PASSES.get(name, (None, ()))
        scope = getattr(python, "__globals__", {})  # a pass reads its helpers from its own module's globals
        for helper in helpers:  # helpers: compiled for their callers' types
            if not hasattr(scope[helper], "py_func"):
                scope[helper] = numba.njit(**options)(scope[helper])
        if name == "native" and "_call_native" not in vars(vm_kernels):
            vars(vm_kernels)["_call_native"] = _native_caller()
        if name == "apply_c":  # the scalar ops as a C function, for native code to call
            _COMPILED[name] = numba.cfunc(signatures["apply"], cache=True, error_model="numpy",
                                          boundscheck=False)(getattr(_apply, "py_func", _apply))
            return _COMPILED[name]
        if python is None:
            python = {"point": _run_point, "block": _run_block, "pointers": _data_pointers, "native": _run_native}[name]
        kernel = _COMPILED[name] = numba.njit(signatures[name], **options)(python)
    return kernel
