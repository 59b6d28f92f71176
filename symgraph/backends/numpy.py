"""The NumPy backend: a Program as readable straight-line Python source, and its exact peephole.

A :class:`~symgraph.ir.program.Program` becomes one Python function with one
assignment per instruction, in the program's (topological) order.  Every
shared subexpression is one instruction, so it is computed once; temporaries
keep the program's names (graph nodes such as ``c``, ``d`` and temporaries
``t1, t2, ...``), and each is deleted after its last use so that batched
evaluation holds little more than the inputs, the outputs and the widest set
of live intermediates.

Why the generated code looks the way it does:

* **A namespace, not NumPy.**  Calls go through ``xp`` (``xp.sin(x)``, from
  the op table's templates).  By default ``xp`` is chosen per call from the
  inputs -- ``dask.array`` for Dask arrays, ``cupy`` for CuPy arrays, NumPy
  otherwise -- so one compiled function runs on the GPU; on Dask inputs
  (namespace chosen per call, or fixed as ``xp=dask.array``) one task per
  block runs this code on NumPy blocks
  (:func:`~symgraph.backends.runtime.on_dask_blocks`), lazily, with NumPy's
  values and warnings.
* **One working dtype.**  Inputs are converted to one floating dtype: float64
  unless every array input is float32 (integer inputs count as float64,
  Python numbers do not count).  Constants are written as Python literals,
  which NumPy 2 treats as weak, so they never upcast float32 work.
* **A single point gives what an array of one point gives.**  A float64
  point runs the same code object on NumPy scalars first
  (:func:`~symgraph.backends.runtime.with_point_path`: bitwise the one-point
  array values, about 3x faster); other scalars, and a point whose result is
  inf or nan, run as rows of one small array
  (:func:`~symgraph.backends.runtime.prepare`), exactly the NumPy calls an
  array of points runs, so values and warnings are NumPy's; the results are
  0-d views of one small block (:func:`~symgraph.backends.runtime.fit`).
* **Shaped results.**  Every result is a fresh array of the inputs' broadcast
  shape and the working dtype -- also a constant derivative such as
  d(a+b)/da = 1, which becomes an array of ones, and a 0-d array for scalar
  inputs.  (sympy's ``lambdify`` returns the Python number 1 there.)
* **Domain behaviour is NumPy's.**  ``log`` of a negative number is ``nan``,
  ``1/0`` is ``inf``, each with NumPy's ``RuntimeWarning`` (silence them with
  ``numpy.errstate``); the generated code never raises for them.  An
  instruction whose operands are all constants (``log(-1)``) is evaluated at
  call time on a 0-d array, so it warns then, not at compile time.
* **Exact peephole.**  Constant factors and negations of single-use
  temporaries fold into their one consumer only when the result is bitwise
  the same (:func:`~.peephole.assignments`); the numba backend writes the same lines.
* **Measured at size.**  ``value_and_grad`` of Rosenbrock at n = 12,000 with ``vector=True`` (100,000
  lines): making it took 3.1-3.4 s of CPU, Python's ``compile()`` 1.3-1.5 s of that at 12-13 us a line from
  25,000 lines to 100,000, close to linear; the same body compiled as functions of 1,000-4,000 lines took
  1.0-1.1 s, a saving too small for the arguments and results every chunk would pass, so the source stays one
  function.  A point took 20-23 ms, most of it NumPy's ufunc call on a scalar for each of 36,000 squares:
  the point path squares by a product, bitwise the same (:data:`~.runtime.POINT_NUMPY`), and hands a vector
  form its results as one block (``kernel.point``, :func:`~.runtime.fit_block`) rather than 12,001 0-d views
  it stacks again: 16.5-18.7 ms against 19.3-21.6 measured side by side.
* **No exec.**  :func:`numpy_kernel` turns the source into a function with
  :func:`symgraph.backends.build.build_function`.  Standalone source
  (``Program.source(standalone=True)``) imports its two helpers from
  :mod:`symgraph.backends.runtime`.

Examples
--------
>>> import symgraph as sg
>>> print(sg.grad("c = a + b; d = b + 1; e = c * d").program.source(name="grad_e"), end="")
def grad_e(a, b):
    \"\"\"Results (a, b) of a symgraph program, as arrays of the inputs' broadcast shape.\"\"\"
    xp, _shape, _dtype, a, b = _prepare(_xp, _inputs, a, b)
    c = a + b
    del a
    d = b + 1
    del b
    t1 = c + d
    del c
    return _fit(xp, _shape, _dtype, (d, t1))
"""
from __future__ import annotations

import importlib
import math
import types
from typing import Any, Callable, Sequence

import numpy as np

import sympy

from .. import ops
from ..errors import ArgumentError, UnsupportedOpError, shown
from ..forms import special_functions
from ..ir.hooks import provide
from ..ir.interpret import branch_only
from ..names import Namer, is_identifier
from ..progress import Progress, compile_reporter, paused_gc
from .build import Generated, build_function
from .peephole import NEST_DEPTH, assignments, check_names
from .registered import _USER_NAMESPACE, _user_header, import_path, imported, used_functions, user_namespace
from .reuse import reused
from .runtime import (filled, fit, fit_block, fit_point, is_dask, on_dask_blocks, once_per_message, prepare,
                      prepare_point, user_call, with_point_path)


def _numpy_powers(ns: str) -> dict[str, str]:
    """The :data:`~.peephole.SCALAR_POWERS` templates of NumPy code: the fast-path function itself, which is what
    ``power`` runs on arrays, called directly.  At a single point (NumPy scalars) it saves wrapping
    the base in a one-point array so that ``power`` picks its array loop (:func:`runtime._power`):
    three quarters of a Rosenbrock gradient's time at one point.  ``x ** 1`` stays a ``power``, a copy."""
    return {"square": f"{ns}.square({{0}})", "sqrt": f"{ns}.sqrt({{0}})",
            "reciprocal": f"{ns}.reciprocal({{0}})", "copy": f"{ns}.power({{0}}, {{1}})"}


#: the longest trailing run of parameters no line reads that :func:`generate` still writes one by one
SPREAD_UNREAD = 8

#: the most constant results :func:`generate` writes into the return line (more go in one global tuple)
SPREAD_CONSTANTS = 64


def literal(value: Any) -> str:
    """Python source for a constant: a weak Python int or float, parenthesised when negative.

    Non-finite values (only possible from huge folded constants) use the
    names ``inf`` and ``nan``, which the generated function's globals define.
    """
    if isinstance(value, sympy.Integer) and abs(int(value)) < 2 ** 53:
        text = str(int(value))
    else:
        number = float(value)
        if math.isnan(number):
            text = "nan"
        elif math.isinf(number):
            text = "inf" if number > 0 else "-inf"
        else:
            text = repr(number)
    return f"({text})" if text.startswith("-") else text


def generate(program: Any, *, name: str = "f", returns: Sequence[str] | None = None, doc: str | None = None,
             params: Sequence[str] | None = None, xp: Any = None, report: Progress | None = None,
             free: bool = True) -> Generated:
    """Write ``program`` as the source of one Python function returning a flat tuple of results.

    Parameters
    ----------
    program : Program
        Its ``instructions`` become the body.
    name : str
        The function's name.
    returns : sequence of result labels, optional
        The results returned, in order (a label may repeat: each gets its
        own array).  Default: every result.
    doc : str, optional
        Docstring (identifiers and plain words only).
    params : sequence of str, optional
        The parameters, in positional order: a permutation of
        ``program.inputs`` (default: ``program.inputs``).
    xp : module, optional
        Namespace bound to the globals (None: chosen per call from the inputs).
    report : Progress, optional
        Advanced by one per instruction as its line is written, then by one
        per instruction once the source is assembled.
    free : bool
        Delete each temporary after its last use (``del`` lines), so that a
        batch holds few arrays at once.  False for a function that only ever
        runs at one point (the vector forms), whose temporaries are scalars:
        there the ``del`` lines free nothing worth having and were 40% of the
        lines and a fifth of Python's compile (2.2 million lines compiled in
        17.6-18.3 s, the 1.3 million without them in 13.4-14.2 s, for a
        ``value_and_grad(vector=True)`` over 10^5 data terms).  Instead a
        value read once is written into its reader's line (``nest`` of
        :func:`~.peephole.assignments`), unless the program has a ``where``.

    Every name the code adds (the namespace, the helpers, ``inf``, ``nan``)
    is fresh with respect to the program's own names, so any input name works.

    Two things only large programs have are written compactly, with the same
    values and signature at the call: a trailing run of more than
    :data:`SPREAD_UNREAD` parameters no line reads (wrt names absent from the
    function, which still take part in the broadcast) is one ``*`` parameter,
    and more than :data:`SPREAD_CONSTANTS` constant results are one global
    tuple the computed ones are placed into (:func:`~.coercion.filled`).
    ``value_and_grad`` with 100,000 such names compiled a parameter and a
    literal 0 each: 1.3-1.7 s, Python's ``compile`` a third of it.
    """
    inputs = tuple(program.inputs if params is None else params)
    instructions = list(program.instructions)
    results = dict(program.results)
    check_names(inputs, instructions, results.values())
    labels = list(results) if returns is None else list(returns)
    fresh = Namer(set(inputs), {t for t, _, _ in instructions}, (name,)).fresh

    ns, shape, dtype, special, user = fresh("xp"), fresh("_shape"), fresh("_dtype"), fresh("special"), fresh("user")
    default_ns, names_const, inf_name, nan_name = fresh("_xp"), fresh("_inputs"), fresh("inf"), fresh("nan")
    helpers = {name_: fresh(f"_{name_}") for name_ in ("prepare", "fit", "user_call")}
    registered = used_functions(instructions)

    written: dict[tuple, str] = {}  # (class, constant) -> its text, each written once

    def lit(value: Any) -> str:
        key = (value.__class__, value)  # 1 and 1.0 are equal keys, and different texts
        text = written.get(key)
        if text is None:
            text = written[key] = literal(value).replace("inf", inf_name).replace("nan", nan_name)
        return text

    alias = {target: args[0] for target, op, args in instructions if op == "const"}  # const rows: target -> constant

    def resolve(ref: Any) -> Any:
        return alias.get(ref, ref) if isinstance(ref, str) else ref

    result_refs = {resolve(r) for r in results.values() if isinstance(resolve(r), str)}
    quiet = branch_only(instructions, result_refs)
    emitted = assignments(instructions, resolve if alias else None, result_refs, lit, ns,
                          lambda text: f"{ns}.asarray({text}, dtype={dtype})", report, special, user,
                          helpers["user_call"] if registered else None, powers=_numpy_powers(ns),
                          nest=0 if free or quiet else NEST_DEPTH)
    last_use: dict[str, int] = {}
    if free:
        for i, (_, _, used) in enumerate(emitted):
            for name_ in used:
                last_use[name_] = i

    unused, spread = frozenset(getattr(program, "unused", ())), 0
    while spread < len(inputs) and inputs[-1 - spread] in unused and inputs[-1 - spread] not in result_refs:
        spread += 1
    named = inputs[:len(inputs) - spread] if spread > SPREAD_UNREAD else inputs
    unread = fresh("unread") if len(named) < len(inputs) else None
    given = "".join(", " + n for n in named) + (f", *{unread}" if unread else "")
    body = [f"{ns}, {shape}, {dtype}{given} = {helpers['prepare']}({default_ns}, {names_const}{given})"]
    errstate = fresh("_errstate") if quiet else None
    indent = ""
    for i, (target, text, used) in enumerate(emitted):
        if (target in quiet) != bool(indent):  # lines that only feed where() branches: no warnings
            indent = "    " if target in quiet else ""
            if indent:
                body.append(f'with {errstate}(all="ignore"):  # values a where() may discard')
        body.append(f"{indent}{target} = {text}")
        if not free:
            continue
        dead = [n for n in used if last_use.get(n) == i and n not in result_refs]
        if dead:
            body.append(f"{indent}del {', '.join(dead)}")

    refs = [resolve(results[label]) for label in labels]
    copies, seen, input_names = [], set(), set(inputs)
    for i, ref in enumerate(refs):  # results that are inputs or repeat a result get their own copy
        if isinstance(ref, str) and (ref in input_names or ref in seen):
            copies.append(i)
        seen.add(ref)
    copy_text = f", copy={tuple(copies)!r}" if copies else ""
    computed = [i for i, ref in enumerate(refs) if isinstance(ref, str)]
    spread_results = len(refs) - len(computed) > SPREAD_CONSTANTS
    if spread_results:  # the constants in one global, the computed results placed into it per call
        template, places, place = fresh("_results"), fresh("_at"), fresh("_filled")
        items = _wrap([refs[i] for i in computed], "        ") if computed else ""
        values = f"{place}({template}, {places}, ({items}))"
    else:
        values = f"({_wrap([r if isinstance(r, str) else lit(r) for r in refs], '        ') if refs else ''})"
    body.append(f"return {helpers['fit']}({ns}, {shape}, {dtype}, {values}{copy_text})")

    if report is not None:
        report.advance(len(instructions))
    doc = (doc or "Generated by symgraph.").replace("\\", "/").replace('"', "'")
    lines = [f"def {name}({given[2:]}):", f'    """{doc}"""'] + ["    " + line for line in body]
    source = "\n".join(lines) + "\n"

    globals_ = {default_ns: xp, names_const: inputs, inf_name: math.inf, nan_name: math.nan,
                helpers["prepare"]: prepare, helpers["fit"]: fit, helpers["user_call"]: user_call}
    imported = ("prepare", "fit", "user_call") if registered else ("prepare", "fit")
    header_lines = [
        "from math import " + ", ".join(_import_as(k, v) for k, v in (("inf", inf_name), ("nan", nan_name))),
        "from symgraph.backends.runtime import " + ", ".join(_import_as(k, helpers[k]) for k in imported),
        f"{default_ns} = None  # array namespace: None picks numpy, dask.array or cupy from the inputs",
        f"{names_const} = {inputs!r}",
    ]
    if spread_results:
        globals_[template] = tuple(None if isinstance(ref, str) else _number(ref) for ref in refs)
        globals_[places], globals_[place] = tuple(computed), filled
        header_lines[1] += f", {_import_as('filled', place)}"
        header_lines += [f"{template} = ({''.join(('None' if isinstance(ref, str) else lit(ref)) + ', ' for ref in refs)})",
                         f"{places} = {tuple(computed)!r}"]
    if errstate:
        globals_[errstate] = np.errstate
        header_lines.insert(2, f"from numpy import {_import_as('errstate', errstate)}")
    if any(op in ops.SPECIAL for _, op, _ in instructions):  # erf, erfc: scipy.special, or a named error
        globals_[special] = special_functions()
        header_lines.insert(2, f"from scipy import special{'' if special == 'special' else ' as ' + special}")
    unimportable = ""
    if registered:  # functions registered from Python: called through one namespace, imported when standalone
        globals_[user] = user_namespace(registered)
        try:
            header_lines[2:2] = _user_header(registered, user, fresh)
        except UnsupportedOpError as error:
            unimportable = str(error)
    return Generated(name, source, globals_, "\n".join(header_lines), unimportable)


def _number(value: Any) -> int | float:
    """The Python number :func:`literal` writes for a constant."""
    if isinstance(value, sympy.Integer) and abs(int(value)) < 2 ** 53:
        return int(value)
    return float(value)


def _wrap(items: list[str], indent: str, width: int = 100) -> str:
    """Comma-separated items, broken into lines of at most ``width`` characters."""
    if len(items) == 1:
        return items[0] + ","
    lines, line = [], ""
    for item in items:
        if line and len(indent) + len(line) + len(item) + 2 > width:
            lines.append(line.rstrip())
            line = ""
        line += item + ", "
    lines.append(line.rstrip(", "))
    return lines[0] if len(lines) == 1 else "\n" + "".join(f"{indent}{x}\n" for x in lines)[:-1] + "\n    "


def _import_as(name: str, local: str) -> str:
    return name if name == local else f"{name} as {local}"


def numpy_kernel(program: Any, order: Sequence[str], labels: Sequence[str], *, name: str = "f",
                 doc: str | None = None, xp: Any = None, progress: Any = None,
                 free: bool = True) -> tuple[Callable, str]:
    """``(kernel, source)``: ``kernel(*inputs in order)`` -> the flat tuple of ``labels``' results, as NumPy code.

    ``xp`` fixes the array namespace (default: chosen per call from the
    inputs); ``progress`` reports on large programs (:mod:`symgraph.progress`);
    ``free`` as in :func:`generate`.  The source and its compiled function are
    made once per program and options (:func:`~.reuse.reused`; not for a
    program calling registered functions, which may be registered again),
    the kernel's wrappers for each call of this.
    """
    bound = None if is_dask(xp) else xp  # Dask: the code runs on blocks

    def make() -> tuple[Generated, Callable]:
        report = compile_reporter(progress, len(program.instructions), "compiling")
        try:
            with paused_gc():  # a large program's lines are many small objects and no cycles
                generated = generate(program, name=name, returns=labels, doc=doc, params=order, xp=bound,
                                     report=report, free=free)
                made = generated, build_function(generated)
            if report is not None:
                report.advance(len(program.instructions))
        finally:
            if report is not None:
                report.close()
        return made

    options = ("numpy", tuple(order), tuple(labels), name, doc, bound, free)
    generated, exact = make() if used_functions(program.instructions) else reused(program, options, make)
    return _kernel(generated, xp, len(labels), exact), generated.source


def _kernel(generated: Generated, xp: Any, results: int, exact: Callable | None = None) -> Callable:
    """The kernel of generated source (``results`` flat results); its ``recipe`` makes it again from the
    source (how it pickles).  With the namespace chosen per call, Dask inputs run the code block by block
    (:func:`~symgraph.backends.runtime.on_dask_blocks`), float64 points on NumPy scalars, and NumPy arrays
    with each floating-point warning said once (:func:`~symgraph.backends.runtime.once_per_message`).  With the
    namespace fixed to ``dask.array``, every call runs that way (NumPy inputs give lazy results too).
    Why not Dask's own functions: the ``numpy.errstate`` the code sets for the values a ``where()``
    discards would not hold at ``compute()``, where Dask calls them, so their warnings leaked."""
    recipe = (_kernel_again, (generated.name, generated.source, _Globals(generated.globals),
                              None if xp is None else xp.__name__, results))
    if exact is None:
        exact = build_function(generated)
    kernel = once_per_message(exact)
    if xp is None or is_dask(xp):
        kernel = on_dask_blocks(kernel, results, always=xp is not None)
        kernel.recipe = recipe  # what each block's task pickles as
    if xp is None or xp is np:  # the single-point path: the same code object with other helpers
        arrays = kernel
        kernel = with_point_path(arrays, _rebound(exact, {prepare: prepare_point, fit: fit_point}))
        # a vector form's float64 vector: its entries as the inputs, the results as one block (vector_forms)
        block = with_point_path(arrays, _rebound(exact, {prepare: prepare_point, fit: fit_block}))
        kernel.point = _point_of(block)
    kernel.recipe = recipe
    return kernel


def _rebound(exact: Callable, swap: dict) -> Callable:
    """The generated function ``exact`` with some of the functions its globals hold swapped (the same code)."""
    rebound = {k: swap.get(v, v) if callable(v) else v for k, v in exact.__globals__.items()}
    return types.FunctionType(exact.__code__, rebound, exact.__name__)


def _point_of(block: Callable) -> Callable:
    """``kernel.point``: ``block`` called with a float64 vector's entries, its results one 1-D array (or, where
    the point path gave way to arrays, their tuple, which a vector form stacks as it stacks any kernel's)."""
    def point(x: np.ndarray) -> Any:
        return block(*x.tolist())
    return point


def _kernel_again(name: str, source: str, globals_: dict, xp: str | None, results: int) -> Callable:
    """The kernel :func:`_kernel` made, made again from its source (compiled, not executed: see build)."""
    return _kernel(Generated(name, source, globals_), None if xp is None else importlib.import_module(xp), results)


class _Globals(dict):
    """A kernel's globals, as pickle carries them: modules by name (the array namespace, scipy.special),
    the namespace of registered functions as its callables, which the loading process imports."""

    def __reduce__(self) -> tuple:
        out = {}
        for key, value in self.items():
            if isinstance(value, types.ModuleType) and value.__name__ == _USER_NAMESPACE:
                # each callable by its import path (a clear error for one no other process can import), which
                # the loading process imports itself: a module missing there is then named with the function
                value = _Functions({op: import_path(op, f, pickling=True) for op, f in vars(value).items()
                                    if not op.startswith("__")})
            elif isinstance(value, types.ModuleType):
                value = _ModuleName(value.__name__)
            out[key] = value
        return _globals_again, (out,)


class _ModuleName(str):
    """A module in a pickled kernel's globals: imported by this name on loading."""


class _Functions(dict):
    """The registered functions in a pickled kernel's globals: op -> (module, qualname) of its callable
    (op -> the callable itself in pickles made before)."""


def _globals_again(portable: dict) -> dict:
    restored = {}
    for key, value in portable.items():
        if isinstance(value, _ModuleName):
            value = importlib.import_module(value)
        elif isinstance(value, _Functions):
            namespace = types.ModuleType(_USER_NAMESPACE)
            for op, function in value.items():
                setattr(namespace, op, imported(op, *function) if isinstance(function, tuple) else function)
            value = namespace
        restored[key] = value
    return restored


def program_source(program: Any, name: str = "f", standalone: bool = False) -> str:
    """The source :meth:`Program.source` returns (with the import header when ``standalone``)."""
    if not isinstance(name, str) or not is_identifier(name):  # it is written into the text as the def's name
        raise ArgumentError(f"source(): name= takes the function's name, a Python identifier such as 'f', "
                            f"got {shown(name)}")
    doc = f"Results ({', '.join(program.results)}) of a symgraph program, as arrays of the inputs' broadcast shape."
    generated = generate(program, name=name, doc=doc)
    return generated.module_source if standalone else generated.source


provide("source", program_source)  # Program.source() (symgraph.ir.hooks)
