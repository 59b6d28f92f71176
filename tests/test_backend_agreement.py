"""Second derivatives and compiled backends over generated programs with branches, against each other and sympy.

What the other property files leave thin: every Hessian strategy, dense and ``sparse=True``, and ``hvp``
compiled (not only ``.at``), on every backend (NumPy, the VM with and without its native tier, numba),
called every way a user calls them: arrays of points, a batch of one point, single points (floats, ints and
0-d arrays), one input a scalar broadcast against the others' arrays, arrays longer than a vector's lanes,
integer arrays and Dask arrays.  The programs are drawn with intermediate names, shared nodes, repeated
outputs and the conditionals (``where`` on comparisons joined by ``and``/``or``/``not``, ``max``, ``min``,
``abs``, ``relu``) beside ``log``, ``sqrt``, ``exp``, ``tanh``, ``atan2``, ``hypot``, ``logsumexp`` and
powers.

The oracle (:class:`tests.test_properties_audit3.Oracle`) evaluates the drawn tree with mpmath, resolves each
branch by its value at the point and differentiates what is left with ``sympy.diff``.  Points are kept
inside every domain and away from kinks, ties and poles: a ``log`` or ``sqrt`` mostly reads an operand
positive by construction (``exp(u)``, ``1 + u^2``), and a point where the function is no real number, or
that the oracle finds near a domain edge, a switch point of a branch or a value past 1e8, is dropped (there
one mode's order of products may meet ``inf * 0`` where another's does not, see
tests/test_mode_agreement.py, and a last-bit difference in libm may take the other branch of a comparison).

Agreement is bitwise where the code promises it: one backend's single points, batches of one, broadcasts,
integer inputs and longer arrays give its arrays' bits at the same points; the VM's native tier gives the
VM's; every backend gives NumPy's on Dask arrays (it runs NumPy's code there) and for programs of exact
operations (arithmetic, ``sqrt``, ``abs``, ``max``/``min``, ``where``, comparisons, and powers with the
exponents NumPy takes a fast path for: 2, 0.5, -1, 1).  Elsewhere to 1e-9 (libm's transcendental functions
and ``pow`` may differ from NumPy's SIMD loops in the last bit), and to 1e-7 against sympy.
"""
import contextlib
import math
import os
import re
import warnings
from unittest import mock

import dask.array as da
import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st

import symgraph as sg
from symgraph.backends import vm_batch, vm_point
from symgraph.backends.peephole import scalar_power
from symgraph.hessian import STRATEGIES

from tests.helpers import bits
from tests.test_properties_audit3 import (COMPARE, Drawn, Oracle, alike, expand, matches, node, number,
                                          oracle_hessian, oracle_jacobian, stacked)

#: SYMGRAPH_PROPERTY_EXAMPLES=300 with SYMGRAPH_HYPOTHESIS=random searches deeper than the default run
SETTINGS = settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 150)), deadline=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
MODES = ["reverse", "forward", "paths", "elimination", "auto"]
#: operands positive by construction, for log and sqrt: (text template, tree of the operand's tree)
POSITIVE = [("exp({0})", lambda t: node("exp", t)),
            ("1 + ({0})^2", lambda t: node("add", number(1, False), node("pow", t, number(2, False)))),
            ("{0}", lambda t: t)]
#: ops whose float64 value every backend computes bit for bit as NumPy does (and powers with the literal
#: exponents NumPy's power takes a fast path for: ``x**3`` is NumPy's SIMD loop or C's pow)
EXACT = {"add", "sub", "mul", "div", "neg", "sqrt", "abs", "relu", "max", "min", "where", "and", "or", "not",
         "sign", "heaviside", *COMPARE.values()}
#: "vm native": the VM with its native tier at once
BACKENDS = ["numpy", "vm", "vm native", "numba"]


# --------------------------------------------------------------------------- programs: text and tree


class Program(Drawn):
    """A program drawn as tests/test_properties_audit3.py draws them, narrowed to this file's ops: no indexed
    inputs or reductions, and the operand of ``log`` and ``sqrt`` mostly positive by construction."""

    unary = ["exp", "log", "sqrt", "tanh", "sin", "atan", "abs", "relu", "sigmoid", "softplus"]
    calls2 = {"atan2": "atan2", "max": "max", "min": "min", "hypot": "hypot", "logsumexp": "logaddexp"}
    exponents = ["2", "3", "(-1)", "0.5", "1.5"]
    kinds = ["bin"] * 4 + ["fn"] * 4 + ["call2"] * 2 + ["where"] * 2 + ["pow", "neg"]
    reductions = False

    def __init__(self, draw):
        self.draw = draw
        inputs = draw(st.lists(st.sampled_from(["x", "y", "e"]), min_size=1, max_size=3, unique=True))
        self.refs = [(n, ("in", n)) for n in inputs]
        self.assigned: dict[str, tuple] = {}
        self.lines: list[str] = []

    def operand(self, f: str, text: str, tree: tuple) -> tuple[str, tuple]:
        if f not in ("log", "sqrt"):
            return text, tree
        template, positive = self.pick(POSITIVE)
        return template.format(f"({text})"), positive(tree)

    def text_and_tree(self) -> tuple[str, tuple]:
        """(text, the output's tree): 0-4 assignments (aliases, repeated right-hand sides and constants among
        them), then a bare last line or not."""
        last = self.program()
        return "; ".join(self.lines), expand(last)


@st.composite
def programs(draw) -> tuple[str, tuple]:
    return Program(draw).text_and_tree()


@st.composite
def with_outputs(draw) -> tuple[str, list, list, list]:
    """(text, outputs' names or None, their trees, wrt): outputs that repeat a name and name intermediates and
    inputs; wrt of inputs, intermediate names and an absent name, in any order."""
    p = Program(draw)
    text, last = p.text_and_tree()
    names, trees = None, [last]
    inputs = [n for n, t in p.refs if t == ("in", n) and re.search(rf"\b{n}\b", text)]
    if p.assigned and draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(list(p.assigned) + inputs), min_size=1, max_size=3))
        names.append(draw(st.sampled_from(names)))  # a repeated output
        trees = [expand(p.assigned.get(n, ("in", n))) for n in names]
    wrt = draw(st.lists(st.sampled_from(inputs + list(p.assigned) + ["z9"]), min_size=1, max_size=4, unique=True))
    wrt_trees = [("in", w) if w in inputs else (expand(p.assigned[w]) if w in p.assigned else None) for w in wrt]
    return text, names, trees, wrt, wrt_trees


@st.composite
def clear_rows(draw, inputs: list[str], trees: list[tuple], count: int = 3) -> tuple[list[dict], list[Oracle]]:
    """Up to ``count`` points where every tree is a real number away from kinks, ties and domain edges (the
    oracle's ``ambiguous``), and the oracle at each; grid values make ties between inputs and points."""
    value = st.one_of(st.sampled_from([-1.5, -1.0, -0.5, 0.5, 1.0, 2.0]),
                      st.floats(-2.0, 2.0).map(lambda v: round(v, 3)))
    rows, oracles = [], []
    for _ in range(count * 3):
        row = {n: draw(value) for n in inputs}
        oracle = Oracle(row)
        for t in trees:
            oracle.value(t)
        if not oracle.ambiguous and oracle.decidable and not any(mpmath.isnan(oracle.mp[t]) for t in trees):
            rows.append(row)
            oracles.append(oracle)
        if len(rows) == count:
            break
    assume(rows)
    return rows, oracles


def exact_only(program) -> bool:
    """True when every instruction of ``program`` is computed bit for bit alike by every backend."""
    return all(op in EXACT or op == "pow" and scalar_power(args[1]) is not None
               for _, op, args in program.instructions)


# --------------------------------------------------------------------------- calling compiled functions


@contextlib.contextmanager
def unless_too_large():
    """A dense matrix's entries are sympy expressions: a drawn program may make them too large to build
    (:class:`sg.ExpressionTooLargeError`, which names ``sparse=True``); such an example is rejected."""
    try:
        yield
    except sg.ExpressionTooLargeError:
        assume(False)


def integral(value: float) -> bool:
    """True when an int holds the float's bits (not -0.0)."""
    return float(value).is_integer() and not (value == 0 and math.copysign(1.0, value) < 0)


def calls(inputs: list[str], rows: list[dict], broadcast: dict | None) -> dict:
    """Every way of calling at these points: name -> (keyword arguments, the number of points).  ``broadcast``
    (one input's name -> its scalar value, or None) adds a call with that input a scalar beside the others'
    arrays, and the same points as full arrays."""
    arrays = {n: np.array([r[n] for r in rows]) for n in inputs}
    ways = {"arrays": (arrays, len(rows)), "dask": ({n: da.from_array(a, chunks=2) for n, a in arrays.items()},
                                                    len(rows)),
            "tiled": ({n: np.tile(a, 3) for n, a in arrays.items()}, 3 * len(rows))}  # past a vector's lanes
    for k, row in enumerate(rows):
        ways[f"point {k}"] = ({n: float(row[n]) for n in inputs}, 1)
        ways[f"0-d {k}"] = ({n: np.array(row[n]) for n in inputs}, 1)
        ways[f"batch of 1 at {k}"] = ({n: np.array([row[n]]) for n in inputs}, 1)
        if all(map(integral, row.values())):
            ways[f"int point {k}"] = ({n: int(row[n]) for n in inputs}, 1)
    if all(integral(v) for row in rows for v in row.values()):
        ways["int arrays"] = ({n: a.astype(np.int64) for n, a in arrays.items()}, len(rows))
    if broadcast:
        ((name, value),) = broadcast.items()
        ways["broadcast"] = ({**arrays, name: value}, len(rows))
        ways["broadcast as arrays"] = ({**arrays, name: np.full(len(rows), value)}, len(rows))
    return ways


def evaluate(fn, shape: tuple, ways: dict) -> dict:
    """Each way's results as a float64 array of ``shape + (points,)``."""
    out = {}
    for how, (args, count) in ways.items():
        got = fn(**args)
        if how == "dask":  # lazy: one task per chunk
            got = da.compute(*got) if isinstance(got, tuple) else np.asarray(got)
        if isinstance(got, tuple):
            got = [np.asarray(g, float) for g in np.broadcast_arrays(*got)]
        got = np.asarray(got, dtype=float)
        scalar = how.startswith(("point", "0-d", "int point"))
        assert got.shape == (shape if scalar else shape + (count,)), (how, got.shape, shape, count)
        out[how] = stacked(got, shape, count)
    return out


@contextlib.contextmanager
def native_at_once(native: bool):
    """With ``native``, the VM's kernels compile native code at their first batch and after their first point
    (a user's program goes native once the calls have paid for the compile)."""
    if not native:
        yield
        return
    with mock.patch.object(vm_batch, "break_even_points", lambda prog: 1), \
            mock.patch.object(vm_point, "break_even_calls", lambda instructions: 1):
        yield


def sparse_as_dense(fn):
    """A compiled sparse Hessian as a dense one: its CSR matrix's nonzeros at a point, ``.data`` elsewhere,
    scattered into ``(n, n, *batch)`` (scipy's ``toarray`` adds them to zeros, and -0.0 becomes 0.0)."""
    def dense(**args):
        point = all(np.ndim(a) == 0 for a in args.values())
        matrix = fn(**args) if point else fn.pattern.tocsr()
        nonzeros = matrix.data if point else np.asarray(fn.data(**args), float)
        out = np.zeros(matrix.shape + nonzeros.shape[1:])
        out[np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr)), matrix.indices] = nonzeros  # -0.0 kept
        return out
    return dense


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return bits(a) == bits(b)


def check_ways(text: str, backend: str, ways: dict, count: int) -> None:
    """One backend's single points (floats, 0-d arrays) and batches of one give its arrays' bits at that point,
    and a scalar broadcast against arrays the bits of the same points as full arrays."""
    for k in range(count):
        for how in (f"point {k}", f"0-d {k}", f"batch of 1 at {k}", f"int point {k}"):
            if how in ways:
                assert same_bits(ways[how][..., 0], ways["arrays"][..., k]), \
                    (text, backend, how, ways[how][..., 0], ways["arrays"][..., k])
    for how in ("dask", "int arrays") if backend == "numpy" else ("int arrays",):  # Dask arrays run NumPy's code
        if how in ways:
            assert same_bits(ways[how], ways["arrays"]), (text, backend, how, ways[how], ways["arrays"])
    assert same_bits(ways["tiled"], np.concatenate([ways["arrays"]] * 3, -1)), (text, backend, ways["tiled"])
    if "broadcast" in ways:
        assert same_bits(ways["broadcast"], ways["broadcast as arrays"]), \
            (text, backend, ways["broadcast"], ways["broadcast as arrays"])


def check_backends(text: str, results: dict, exact: bool) -> None:
    """Every backend and way against NumPy called the same way: bitwise where ``exact`` and on Dask arrays
    (every backend runs NumPy's code on them), else to 1e-9."""
    reference = results["numpy"]
    for backend, ways in results.items():
        for how, got in ways.items():
            want = reference[how]
            bitwise = exact or how == "dask"  # every backend runs NumPy's code on Dask arrays
            ok = same_bits(got, want) if bitwise else alike(got, want).all()
            assert ok, (text, backend, how, "bitwise" if bitwise else "1e-9", got, want)


# --------------------------------------------------------------------------- second order


@SETTINGS
@given(data=st.data())
def test_every_hessian_strategy_dense_sparse_and_hvp_agree_with_sympy_hessian(data):
    """The Hessian in every strategy, dense and sparse (compiled and ``.at``), and ``hvp`` (compiled and
    ``.at``), at points inside every domain: equal to sympy's Hessian of the branch-resolved program, to each
    other to 1e-9, symmetric, and with a sparsity pattern covering every nonzero."""
    text, out = data.draw(programs(), label="program")
    graph = sg.parse(text)
    wrt = data.draw(st.permutations(list(graph.inputs)), label="wrt")
    rows, oracles = data.draw(clear_rows(wrt, [out]), label="points")
    n, count = len(wrt), len(rows)
    want = np.stack([oracle_hessian(o, out, wrt, r) for o, r in zip(oracles, rows)], -1)
    arrays = {w: np.array([r[w] for r in rows]) for w in wrt}
    v = data.draw(st.lists(st.sampled_from([1.0, -0.5, 0.0, 2.0]), min_size=n, max_size=n), label="v")
    pattern = sg.hessian_sparsity(text, wrt).toarray()
    got = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"), unless_too_large():
        warnings.simplefilter("ignore")
        for mode in STRATEGIES:
            H = sg.hessian(text, wrt, mode=mode)
            got[mode] = stacked(H.lambdify()(**arrays), (n, n), count)
            got[mode, "at"] = stacked(H.at(**arrays), (n, n), count)
            S = sg.hessian(text, wrt, mode=mode, sparse=True)
            assert np.array_equal(S.pattern.toarray(), pattern), (text, mode, S.pattern.toarray(), pattern)
            fn = S.lambdify()
            got[mode, "sparse"] = np.stack([fn(**{w: r[w] for w in wrt}).toarray() for r in rows], -1)
            got[mode, "sparse at"] = np.stack([S.at(**{w: r[w] for w in wrt}).toarray() for r in rows], -1)
        product = sg.hvp(text, wrt, v)
        hv = product.lambdify()(**arrays)
        hv_at = product.at(**arrays)
    reference = got["forward-over-reverse"]
    assert np.all(~(np.abs(np.nan_to_num(want)) > 1e-12) | pattern[..., None]), (text, want, pattern)
    for how, values in got.items():
        assert matches(values, want).all(), (text, wrt, how, rows, values, want)
        assert alike(values, reference).all(), (text, wrt, how, rows, values, reference)
        assert alike(values, np.swapaxes(values, 0, 1)).all(), (text, wrt, how, "not symmetric", values)
    hv = stacked([np.asarray(h, float) for h in np.broadcast_arrays(*hv)], (n,), count)
    hv_at = stacked([hv_at[w] for w in wrt], (n,), count)
    for how, values in (("hvp", hv), ("hvp at", hv_at)):
        assert matches(values, np.einsum("ijk,j->ik", want, v)).all(), (text, wrt, v, how, values, want)
        assert alike(values, np.einsum("ijk,j->ik", reference, v)).all(), (text, wrt, v, how, values, reference)


# --------------------------------------------------------------------------- every backend, every call


@st.composite
def derivatives(draw):
    """(text, what, a function making the derivative object, its shape, the oracle's values at rows, trees)."""
    what = draw(st.sampled_from(["jacobian", "hessian", "sparse hessian", "hvp"]), label="derivative")
    if what == "jacobian":
        text, names, trees, wrt, wrt_trees = draw(with_outputs(), label="program")
        mode = draw(st.sampled_from(MODES), label="mode")
        graph = sg.parse(text, outputs=names)
        make = lambda: sg.jacobian(graph, wrt, mode=mode, allow_unused=True)  # noqa: E731
        oracle = lambda o, r: oracle_jacobian(o, trees, wrt_trees, r)  # noqa: E731
        return text, graph, (what, mode), make, (len(trees), len(wrt)), oracle, trees + [t for t in wrt_trees if t]
    text, out = draw(programs(), label="program")
    graph = sg.parse(text)
    wrt = draw(st.permutations(list(graph.inputs)), label="wrt")
    n = len(wrt)
    oracle = lambda o, r: oracle_hessian(o, out, wrt, r)  # noqa: E731
    if what == "hvp":
        v = draw(st.lists(st.sampled_from([1.0, -0.5, 2.0]), min_size=n, max_size=n), label="v")
        make = lambda: sg.hvp(graph, wrt, v)  # noqa: E731
        return text, graph, (what, tuple(v)), make, (n,), lambda o, r: oracle(o, r) @ np.array(v), [out]
    mode = draw(st.sampled_from(list(STRATEGIES)), label="strategy")
    make = lambda: sg.hessian(graph, wrt, mode=mode, sparse=what == "sparse hessian")  # noqa: E731
    return text, graph, (what, mode), make, (n, n), oracle, [out]


@SETTINGS
@given(data=st.data())
def test_numpy_vm_and_numba_agree_at_points_batches_and_broadcasts(data):
    """A Jacobian (repeated outputs, intermediate and absent wrt names), a Hessian dense or sparse, or hvp,
    compiled by NumPy, the VM and (in a few drawn cases) numba, called on arrays, a batch of one point, single
    points as floats and as 0-d arrays, and one input a scalar broadcast against the others' arrays: bitwise
    where the code promises it (see the module's docstring), else to 1e-9, and against sympy."""
    text, graph, what, make, shape, oracle, trees = data.draw(derivatives())
    inputs = list(graph.inputs)
    rows, oracles = data.draw(clear_rows(inputs, trees), label="points")
    broadcast = None
    if len(inputs) > 1:  # one input a scalar beside the others' arrays, where those points are clear too
        name = data.draw(st.sampled_from(inputs), label="scalar input")
        spread = [Oracle({**r, name: rows[0][name]}) for r in rows]
        for o in spread:
            for t in trees:
                o.value(t)
        if not any(o.ambiguous or not o.decidable or any(mpmath.isnan(o.mp[t]) for t in trees) for o in spread):
            broadcast = {name: rows[0][name]}
    backends = BACKENDS[:2] + data.draw(st.sampled_from([[], [], ["vm native"], ["vm native", "numba"]]),
                                        label="more backends")
    with unless_too_large():
        derivative = make()
    ways = calls(inputs, rows, broadcast)
    results = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for backend in backends:
            with native_at_once(backend == "vm native"):
                fn = derivative.lambdify(backend=backend.split()[0])
                fn(**ways["point 0"][0])  # the VM's point tier goes native after its first call
                results[backend] = evaluate(sparse_as_dense(fn) if what[0] == "sparse hessian" else fn, shape, ways)
            check_ways(text, backend, results[backend], len(rows))
    check_backends(text, results, exact_only(derivative.program))
    for how, got in results.get("vm native", {}).items():  # native code computes the VM's values, bit for bit
        assert same_bits(got, results["vm"][how]), (text, how, got, results["vm"][how])
    want = np.stack([oracle(o, r) for o, r in zip(oracles, rows)], -1)
    assert matches(results["numpy"]["arrays"], want).all(), (text, what, rows, results["numpy"]["arrays"], want)


# --------------------------------------------------------------------------- regressions the properties found


@pytest.mark.parametrize("text, wrt", [
    ("c = tanh(abs(e)) - exp(-x); d = log(exp(c)); d + y", ["e", "x", "y"]),  # forward kept (v*t)/v: e-x coupled
    ("log(exp(y))*2", ["y"]),                                # reverse keeps (2/v)*v, forward cancels it
    ("where(y > 0, 1.5, e * log(exp(y)))", ["e", "y"]),     # reverse's guard sits between 1/v and *v
])
def test_every_strategy_has_hessian_sparsitys_pattern(text, wrt):
    """``sparse=True`` in ``"reverse-over-forward"`` and ``"forward-over-forward"`` read the pattern off their
    forward gradient, which cancels other products than the reverse gradient of :func:`sg.hessian_sparsity`
    and of the other strategies: an identically zero entry more or fewer, so another ``nnz`` and ``.data``
    layout for the same function.  Every strategy now has hessian_sparsity's pattern, and the same values."""
    pattern = sg.hessian_sparsity(text, wrt).toarray()
    dense = sg.hessian(text, wrt).at(**{w: 0.75 for w in wrt})
    for mode in STRATEGIES:
        S = sg.hessian(text, wrt, mode=mode, sparse=True)
        assert np.array_equal(S.pattern.toarray(), pattern), (mode, S.pattern.toarray(), pattern)
        assert np.allclose(S.at(**{w: 0.75 for w in wrt}).toarray(), dense, rtol=1e-12, atol=1e-12), mode
