"""Generated programs with branches, constant powers, positive-domain logs and roots, and indexed inputs with
sum/prod, against sympy.diff at mpmath's 30 digits.

The generator writes program text and, beside it, its own tree of the same program; the oracle here
evaluates that tree with mpmath, keeps only points away from every kink, switch point and domain edge,
resolves each branch (``where``, ``min``, ``max``, ``abs``, ``relu``) by its value at the point, and
differentiates the smooth expression that is left with ``sympy.diff``.  Every gradient mode, the Jacobian
of a list with a repeated output, the four Hessian strategies (dense and sparse), ``hvp``, ``jvp`` and
``vjp`` are checked against it, compiled on NumPy, the VM and (in a drawn case) numba, at single points
and on arrays of points, with float and with integer inputs.
"""
import os
import warnings
from typing import Collection

import mpmath
import numpy as np
import sympy
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import symgraph as sg
from symgraph.hessian import STRATEGIES

from tests.oracle import as_float, mp_exp, mp_power, mp_sin, value_at

MODES = ["reverse", "forward", "paths", "elimination", "auto"]
SETTINGS = settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 20)), deadline=None,
                    suppress_health_check=list(HealthCheck))
#: exponents written as constants: integral of both signs, zero, fractional of both signs
EXPONENTS = ["2", "3", "0", "-1", "-2", "0.5", "1.5", "-0.5", "(1/3)"]
FUNCTIONS = ["exp", "sin", "tanh", "log", "sqrt", "abs", "relu", "atan"]
COMPARISONS = [">", "<", ">=", "<="]
DPS = 30


# --------------------------------------------------------------------------- the generator: text and tree


@st.composite
def expression(draw, refs: list, depth: int, index: str | None = None) -> tuple[str, tuple]:
    """(text, tree); ``refs`` are (text, tree) leaves; inside a reduction ``index`` names its variable."""
    leaves = list(refs)
    if index:
        leaves += [(f"a[{index}]", ("idx", 0)), (f"a[{index}+1]", ("idx", 1)), (index, ("ivar",))]
    if depth == 0 or draw(st.integers(0, 5)) == 0:
        if draw(st.integers(0, 6)) == 0:
            n = draw(st.sampled_from(["2", "0.5", "3", "1.25"]))
            return n, ("num", sympy.Rational(n))
        return draw(st.sampled_from(leaves + leaves[len(leaves) // 2:]))
    sub = lambda: draw(expression(refs, depth - 1, index))  # noqa: E731
    kind = draw(st.sampled_from(["bin"] * 4 + ["pow", "fn", "fn", "where", "minmax"]
                                + ["reduce"] * (index is None)))
    if kind == "bin":
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        (a, ta), (b, tb) = sub(), sub()
        return f"({a}) {op} ({b})", ({"+": "add", "-": "sub", "*": "mul", "/": "div"}[op], ta, tb)
    if kind == "pow":
        (a, ta), e = sub(), draw(st.sampled_from(EXPONENTS))
        value = sympy.Rational(e.strip("()"))
        return f"({a})^{e}", ("pow", ta, value, "." in e or "/" in e)
    if kind == "fn":
        f, (a, ta) = draw(st.sampled_from(FUNCTIONS)), sub()
        return f"{f}({a})", ("fn", f, ta)
    if kind == "minmax":
        f, (a, ta), (b, tb) = draw(st.sampled_from(["min", "max"])), sub(), sub()
        return f"{f}({a}, {b})", (f, ta, tb)
    if kind == "where":
        cond, tcond = draw(condition(refs, depth - 1, index))
        (a, ta), (b, tb) = sub(), sub()
        return f"where({cond}, {a}, {b})", ("where", tcond, ta, tb)
    word, var = draw(st.sampled_from(["sum", "prod"])), draw(st.sampled_from(["i", "j"]))
    lo, hi = draw(st.sampled_from([(0, 1), (0, 2), (1, 2), (1, 1)]))
    body, tbody = draw(expression(refs, min(depth - 1, 1 if word == "prod" else 2), var))
    return f"{word}({body}, {var}, {lo}, {hi})", (word, lo, hi, tbody)


@st.composite
def condition(draw, refs, depth, index) -> tuple[str, tuple]:
    (a, ta), (b, tb) = draw(expression(refs, depth, index)), draw(expression(refs, depth, index))
    op = draw(st.sampled_from(COMPARISONS))
    first = (f"({a}) {op} ({b})", ("cmp", op, ta, tb))
    if draw(st.integers(0, 3)):
        return first
    (c, tc), word = draw(expression(refs, 0, index)), draw(st.sampled_from(["and", "or"]))
    return f"{first[0]} {word} ({c}) > 1", (word, first[1], ("cmp", ">", tc, ("num", sympy.Integer(1))))


@st.composite
def program(draw) -> tuple[str, dict, tuple, list[str]]:
    """(text, {assigned name: tree}, output tree, plain inputs): 0-3 assignments (an alias now and then)."""
    plain = draw(st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2, unique=True))
    refs = [(n, ("in", n)) for n in plain] + [(f"a[{k}]", ("in", f"a[{k}]")) for k in draw(
        st.lists(st.sampled_from([0, 1, 2]), max_size=2, unique=True))]
    lines, assigned = [], {}
    for name in ["c", "d", "g"][:draw(st.integers(0, 3))]:
        if assigned and draw(st.integers(0, 6)) == 0:
            text, tree = draw(st.sampled_from(refs[-len(assigned):]))
        else:
            text, tree = draw(expression(refs, draw(st.integers(1, 3))))
        lines.append(f"{name} = {text}")
        assigned[name] = tree
        refs.append((name, tree))
    if not lines or draw(st.booleans()):
        text, tree = draw(expression(refs, 2))
        lines.append(text)
    else:
        tree = assigned[name]
    return "; ".join(lines), assigned, tree, plain


# --------------------------------------------------------------------------- the oracle


def expand(tree: tuple, env: int | None = None) -> tuple:
    """The tree with reductions written out and index leaves made elements (``a[k]``) and numbers."""
    kind = tree[0]
    if kind == "idx":
        return ("in", f"a[{env + tree[1]}]")
    if kind == "ivar":
        return ("num", sympy.Integer(env))
    if kind in ("sum", "prod"):
        _, lo, hi, body = tree
        terms = [expand(body, i) for i in range(lo, hi + 1)]
        out = terms[0]
        for t in terms[1:]:
            out = ("add" if kind == "sum" else "mul", out, t)
        return out
    if kind in ("num", "in"):
        return tree
    if kind == "fn":
        return ("fn", tree[1], expand(tree[2], env))
    if kind == "pow":
        return ("pow", expand(tree[1], env), *tree[2:])
    if kind == "cmp":
        return ("cmp", tree[1], expand(tree[2], env), expand(tree[3], env))
    return (kind, *[expand(t, env) for t in tree[1:]])


MP = {"exp": mp_exp, "sin": mp_sin, "tanh": mpmath.tanh, "log": mpmath.log, "sqrt": mpmath.sqrt,
      "atan": mpmath.atan, "abs": abs, "relu": lambda v: max(v, 0)}
SYMPY = {"exp": sympy.exp, "sin": sympy.sin, "tanh": sympy.tanh, "log": sympy.log, "sqrt": sympy.sqrt,
         "atan": sympy.atan}


class Oracle:
    """One program at one point: node values at 30 digits, branches resolved, sympy expressions."""

    def __init__(self, output: tuple, point: dict[str, float]):
        self.point, self.values, self.ok = point, {}, True
        with mpmath.workdps(DPS):
            self.value_of(output)

    def value_of(self, t: tuple):
        """The node's value (memoised); clears ``ok`` at a domain edge, kink, switch point or huge value."""
        if t in self.values:
            return self.values[t]
        kind = t[0]
        v = None
        if kind == "num":
            v = mpmath.mpf(t[1].p) / t[1].q
        elif kind == "in":
            v = mpmath.mpf(self.point[t[1]])
        elif kind == "fn":
            a = self.value_of(t[2])
            if t[1] in ("log", "sqrt") and a < 1e-2 or t[1] in ("abs", "relu") and abs(a) < 1e-3:
                self.ok = False
                a = mpmath.mpf(1)
            v = MP[t[1]](a)
        elif kind == "pow":
            a, e, fractional = self.value_of(t[1]), t[2], t[3]
            if (fractional and a < 1e-2) or (e < 0 and abs(a) < 1e-2):
                self.ok = False
                a = mpmath.mpf(1)
            v = mp_power(a, mpmath.mpf(e.p) / e.q)
        elif kind == "cmp":
            a, b = self.value_of(t[2]), self.value_of(t[3])
            self.kink(a, b)
            v = {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[t[1]]
        elif kind in ("and", "or"):
            a, b = self.value_of(t[1]), self.value_of(t[2])
            v = (a and b) if kind == "and" else (a or b)
        elif kind == "where":
            c, a, b = self.value_of(t[1]), self.value_of(t[2]), self.value_of(t[3])
            v = a if c else b
        elif kind in ("min", "max"):
            a, b = self.value_of(t[1]), self.value_of(t[2])
            self.kink(a, b)
            v = min(a, b) if kind == "min" else max(a, b)
        elif kind == "neg":
            v = -self.value_of(t[1])
        else:
            a, b = self.value_of(t[1]), self.value_of(t[2])
            if kind == "div" and abs(b) < 1e-2:
                self.ok = False
                b = mpmath.mpf(1)
            v = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b}[kind]()
        if not isinstance(v, bool) and abs(v) > 1e5:
            self.ok = False
        self.values[t] = v
        return v

    def kink(self, a, b):
        if abs(a - b) < 1e-3 * (1 + abs(a) + abs(b)):
            self.ok = False

    def sympy(self, t: tuple, replace: tuple | None = None, symbol=None, memo=None) -> sympy.Expr:
        """The node as a smooth sympy expression in the inputs (branches as taken), ``replace`` as ``symbol``."""
        memo = {} if memo is None else memo
        if t == replace:
            return symbol
        if t in memo:
            return memo[t]
        s = lambda u: self.sympy(u, replace, symbol, memo)  # noqa: E731
        kind = t[0]
        if kind == "num":
            out = t[1]
        elif kind == "in":
            out = sympy.Symbol(t[1], real=True)
        elif kind == "fn":
            arg = s(t[2])
            if t[1] == "abs":
                out = arg if self.values[t[2]] > 0 else -arg
            elif t[1] == "relu":
                out = arg if self.values[t[2]] > 0 else sympy.Integer(0)
            else:
                out = SYMPY[t[1]](arg)
        elif kind == "pow":
            out = s(t[1]) ** t[2]
        elif kind == "where":
            out = s(t[2]) if self.values[t[1]] else s(t[3])
        elif kind in ("min", "max"):
            a, b = self.values[t[1]], self.values[t[2]]
            out = s(t[1]) if (a < b) == (kind == "min") else s(t[2])
        elif kind == "neg":
            out = -s(t[1])
        else:
            a, b = s(t[1]), s(t[2])
            out = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[kind]
        memo[t] = out
        return out


def subs(point: dict) -> dict:
    return {sympy.Symbol(n, real=True): sympy.Float(float(v), DPS) for n, v in point.items()}


def number(expr: sympy.Expr, point: dict) -> float:
    value = as_float(sympy.N(expr, DPS, subs=subs(point)))
    assume(value is not None and abs(value) < 1e6)
    return value


def gradient(oracle: Oracle, output: tuple, assigned: dict, wrt: list[str], point: dict,
             folded: Collection[str] = ()) -> list[float]:
    """d output / d name: an input's symbol, or an assigned name's node held as a symbol (0 when absent);
    ``folded``: the names assigned a constant the parser folded (c = 2 + 2; not c = exp(2), kept as a node)."""
    out = []
    for name in wrt:
        node = assigned.get(name, ("in", name))
        if node[0] == "num" or name in folded:  # a name assigned a constant (c = 2) names no node: constants
            out.append(0.0)  # are not nodes, so d/dc is 0 by definition, not d/d(every 2 of the text) (seed 5555)
            continue
        symbol = sympy.Symbol("__node__", real=True)
        expr = oracle.sympy(output, node, symbol)
        d = sympy.diff(expr, symbol)
        if d.has(symbol):
            d = d.subs(symbol, oracle.sympy(node))
        out.append(number(d, point))
    return out


def hessian(oracle: Oracle, output: tuple, wrt: list[str], point: dict) -> np.ndarray:
    expr = oracle.sympy(output)
    syms = [sympy.Symbol(n, real=True) for n in wrt]
    return np.array([[number(sympy.diff(expr, a, b), point) for b in syms] for a in syms])


# --------------------------------------------------------------------------- points


@st.composite
def case(draw):
    """(text, assigned trees, output tree, wrt inputs, columns of 3 points, their oracles), all well inside."""
    text, assigned, output, plain = draw(program())
    assigned = {k: expand(v) for k, v in assigned.items()}
    output = expand(output)
    assume("'in'" in repr(output))  # a constant program has no batch shape
    graph = sg.parse(text)
    elements = sorted(n for n in graph.inputs if n.startswith("a["))
    inputs = [n for n in graph.inputs if not n.startswith("a[")] + elements
    integral = draw(st.booleans())
    value = (st.sampled_from([1, 2, 3, -1, -2]) if integral else
             st.one_of(st.floats(0.3, 2.5), st.floats(-2.5, -0.3)))
    rows = [{n: draw(value) for n in inputs} for _ in range(3)]
    oracles = [Oracle(output, row) for row in rows]
    assume(all(o.ok for o in oracles))
    return text, assigned, output, inputs, rows, oracles, integral


def arguments(inputs: list[str], rows: list[dict], integral: bool, single: int | None = None) -> dict:
    """Keyword arguments of a compiled function: plain inputs, and ``a`` as one array (elements first)."""
    dtype = np.int64 if integral else np.float64
    pick = (lambda n: np.array([r[n] for r in rows], dtype=dtype)) if single is None else \
        (lambda n: (int if integral else float)(rows[single][n]))
    args = {n: pick(n) for n in inputs if not n.startswith("a[")}
    extent = max([int(n[2:-1]) + 1 for n in inputs if n.startswith("a[")], default=0)
    if extent:
        fill = [rows[0].get(f"a[{k}]", 1) for k in range(extent)]
        a = [pick(f"a[{k}]") if f"a[{k}]" in inputs else (np.full(3, f, dtype=dtype) if single is None else f)
             for k, f in enumerate(fill)]
        args["a"] = np.array(a, dtype=dtype)
    return args


def flat(results, single: bool = False) -> np.ndarray:
    """Compiled results as one (entries, *batch) array: every element of ``a`` in order comes back as one array."""
    results = results if isinstance(results, tuple) else (results,)
    return np.concatenate([np.reshape(r, (-1,) if single else (-1, 3)) for r in results])


def plain(point: dict) -> dict:
    """A point keyed as closed forms write their symbols (no assumptions)."""
    return {str(n): float(v) for n, v in point.items()}


def close(got, want, rel=1e-8, abs_=1e-9) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return got.shape == want.shape and bool(np.all(np.abs(got - want) <= abs_ + rel * np.abs(want)))


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(data=st.data())
def test_branchy_indexed_programs_first_order_everywhere_match_sympy(data):
    """Every mode's gradient (inputs, elements, assigned names, an absent name) through ``.at`` and compiled
    on every backend at single points and on arrays, float and int; the Jacobian of the text listed twice;
    jvp and vjp -- against sympy.diff of the branch-resolved program."""
    text, assigned, output, inputs, rows, oracles, integral = data.draw(case())
    wrt = inputs + list(assigned) + ["z9"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        addresses = sg.parse(text).addresses  # None: a constant folded (c = 2 + 2), no node
    folded = {name for name in assigned if addresses.get(name, name) is None}
    want = np.array([gradient(o, output, assigned, wrt, r, folded) for o, r in zip(oracles, rows)]).T  # (wrt, 3)
    numba = data.draw(st.sampled_from(MODES + [None] * 5))
    arrays = arguments(inputs, rows, integral)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in MODES:
            g = sg.grad(text, wrt, mode=mode, allow_unused=True)
            at = g.at(**arrays)
            assert list(at) == wrt
            assert close([at[n] for n in wrt], want), (mode, text, rows, wrt, at, want)
            for backend in ["numpy", "vm"] + ["numba"] * (mode == numba):
                fn = g.lambdify(backend=backend)
                assert close(flat(fn(**arrays)), want), (mode, backend, text, rows, fn(**arrays), want)
                for i in range(3):
                    single = fn(**arguments(inputs, rows, integral, i))
                    assert close(flat(single, True), want[:, i]), (mode, backend, i, text, rows[i], single, want)
        for mode in ("reverse", "forward", "elimination"):
            J = sg.jacobian([text, text], wrt, mode=mode)
            for i in range(3):
                point = plain(rows[i])
                # once per distinct subexpression: sympy.N(subs=) walks the tree, exponential in a DAG's sharing
                got = np.array([[float(value_at(J[r, k], point)) for k in range(len(wrt))] for r in range(2)])
                assert close(got, np.stack([want[:, i]] * 2)), (mode, text, rows[i], J, want[:, i])
        v = data.draw(st.lists(st.sampled_from([1, -1, 2, 0.5]), min_size=len(wrt), max_size=len(wrt)))
        jv = sg.jvp(text, wrt, v, allow_unused=True).at(**arrays)
        assert close(list(jv.values())[0], np.array(v) @ want), (text, rows, v, jv, want)
        vj = sg.vjp([text, text], wrt, [1, 2], allow_unused=True).at(**arrays)
        assert close([vj[n] for n in wrt], 3 * want), (text, rows, vj, want)


@settings(SETTINGS, max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 12)))
@given(data=st.data())
def test_branchy_indexed_programs_hessians_everywhere_match_sympy(data):
    """The four Hessian strategies, dense and sparse, compiled on NumPy and the VM (numba in a drawn case) at
    single points and on arrays, float and int, and hvp: against sympy's Hessian of the branch-resolved
    program."""
    text, assigned, output, inputs, rows, oracles, integral = data.draw(case())
    want = np.stack([hessian(o, output, inputs, r) for o, r in zip(oracles, rows)], -1)  # (n, n, 3)
    numba = data.draw(st.sampled_from(list(STRATEGIES) + [None] * 8))
    arrays = arguments(inputs, rows, integral)
    pattern = sg.hessian_sparsity(text, inputs).toarray()
    assert not np.any((np.abs(want) > 1e-12).any(-1) & ~pattern), (text, rows, want, pattern)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in STRATEGIES:
            H = sg.hessian(text, inputs, mode=mode, allow_unused=True)
            S = sg.hessian(text, inputs, mode=mode, sparse=True, allow_unused=True)
            for backend in ["numpy", "vm"] + ["numba"] * (mode == numba):
                fn = H.lambdify(backend=backend)
                assert close(fn(**arrays), want), (mode, backend, text, rows, fn(**arrays), want)
                sparse = S.lambdify(backend=backend)
                for i in range(3):
                    single = arguments(inputs, rows, integral, i)
                    assert close(fn(**single), want[..., i]), (mode, backend, i, text, rows[i], fn(**single))
                    assert close(sparse(**single).toarray(), want[..., i]), (mode, backend, "sparse", i, text)
        v = data.draw(st.lists(st.sampled_from([1.0, -0.5, 0.0, 2.0]), min_size=len(inputs), max_size=len(inputs)))
        hv = sg.hvp(text, inputs, v, allow_unused=True).at(**arrays)
        assert close([hv[n] for n in inputs], np.einsum("ijk,j->ik", want, v)), (text, rows, v, hv, want)

