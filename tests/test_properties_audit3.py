"""Generated programs over the whole op table, with ties, repeated outputs and indexed reductions, against
sympy.diff at mpmath's 30 digits.

What the other property files do not reach: every op of the table (``asinh`` ... ``round``, ``hypot``,
``atan2``, ``pow``, ``log(x, b)``, ``heaviside``, ``logsumexp``, ``clip``, ``max``/``min`` of two and more
operands), registered functions, points on ties (equal inputs, ``max(c, c)``, ``clip`` at its bounds, ``abs``
and ``relu`` at 0, ``where`` on the boundary), graphs of several outputs that repeat one name, name an
intermediate, an input or a constant, ``wrt`` naming intermediates and constants, and indexed inputs in
``sum``/``prod`` over ranges that may be empty (a size bound to 0).

The generator writes the text and, beside it, its own tree, hash-consed as the grammar says (one node per
distinct subexpression, the operands of commutative binary ops unordered).  The oracle evaluates the tree
with mpmath and, independently, in float64 with NumPy; it resolves each branch (``where``, ``max``, ``abs``,
...) by its value at the point and differentiates the smooth expression left with ``sympy.diff``.  At a
tie it applies the documented conventions (tied ``max``/``min`` operands share the derivative evenly,
``abs'(0) = relu'(0) = 0``, piecewise constant ops have derivative 0, ``where`` follows its condition).
A point near a kink, a domain edge or a tie the two evaluations do not agree on is "ambiguous": there the
library's results are only compared with each other (same backend), never with the oracle.
"""
import math
import re
import os
import warnings

import mpmath
import numpy as np
import pytest
import scipy.special
import sympy
from hypothesis import HealthCheck, Phase, assume, given, settings, strategies as st

import symgraph as sg
from symgraph.hessian import STRATEGIES
from tests.oracle import mp_cos, mp_cosh, mp_exp, mp_power, mp_sin, mp_sinh, mp_tan

MODES = ["reverse", "forward", "paths", "elimination", "auto"]
DPS = 30
SETTINGS = settings(max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 25)), deadline=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck))

# --------------------------------------------------------------------------- registered functions


def bump(x):
    return x * np.exp(-x * x)


def scaled(u, v):
    return u * np.exp(v)


@pytest.fixture(scope="module", autouse=True)
def registered():
    """Two registered functions for this module's programs, removed after it."""
    handles = [sg.function("bump", numpy=bump, derivatives=["(1 - 2*x^2)*exp(-x^2)"]),
               sg.function("scaled", numpy=scaled, args=["u", "v"], derivatives=["exp(v)", "scaled(u, v)"])]
    yield
    for handle in handles:
        handle.remove()


# --------------------------------------------------------------------------- trees

UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs",
         "sigmoid", "relu", "softplus", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10", "exp2",
         "cbrt", "erf", "erfc", "sign", "floor", "ceil", "round", "bump"]
#: binary calls: grammar text -> op (the row's name)
CALLS2 = {"hypot": "hypot", "atan2": "atan2", "pow": "pow", "log": "logb", "heaviside": "heaviside",
          "max": "max", "min": "min", "logsumexp": "logaddexp", "scaled": "scaled"}
COMMUTATIVE = {"add", "mul", "max", "min", "logaddexp", "eq", "ne", "and", "or"}
COMPARE = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
#: constants as written, exact in float64: (text, value, is_float)
CONSTANTS = [("2", 2, False), ("3", 3, False), ("1", 1, False), ("0.5", sympy.Rational(1, 2), True),
             ("1.5", sympy.Rational(3, 2), True), ("0.25", sympy.Rational(1, 4), True)]
EXPONENTS = ["2", "3", "0", "(-1)", "(-2)", "0.5", "1.5", "(-0.5)"]
#: ops whose float64 result is the same in every backend (IEEE-exact or correctly rounded)
DETERMINISTIC = {"in", "num", "add", "sub", "mul", "div", "neg", "sqrt", "abs", "relu", "max", "min", "where",
                 "sign", "floor", "ceil", "round", "heaviside"}


def node(op: str, *children) -> tuple:
    """A hash-consed node: a commutative binary op's two operands in one order."""
    if op in COMMUTATIVE and len(children) == 2:
        children = tuple(sorted(children, key=repr))
    return (op, *children)


def number(value, is_float: bool) -> tuple:
    return ("num", sympy.nsimplify(value) if not isinstance(value, sympy.Basic) else value, is_float)


def expand(tree: tuple, env: int | None = None) -> tuple:
    """The canonical tree: reductions written out term by term (left to right; none give 0 or 1), index
    leaves made elements and numbers, every node hash-consed again."""
    kind = tree[0]
    if kind == "idx":
        return ("in", f"a[{env + tree[1]}]")
    if kind == "ivar":
        return ("num", sympy.Integer(env), False)
    if kind in ("num", "in"):
        return tree
    if kind in ("sum", "prod"):
        _, lo, hi, body = tree
        terms = [expand(body, i) for i in range(lo, hi + 1)]
        if not terms:
            return ("num", sympy.Integer(0 if kind == "sum" else 1), False)
        out = terms[0]
        for t in terms[1:]:
            out = node("add" if kind == "sum" else "mul", out, t)
        return out
    return fold(node(kind, *[expand(t, env) for t in tree[1:]]))


def fold(tree: tuple) -> tuple:
    """Arithmetic on constants folded, as the grammar folds it (an empty sum is a constant 0, so ``c^c`` of it is
    the constant 1); a power of a rational to a fractional exponent, a division by zero and 0^-k stay."""
    kind, args = tree[0], tree[1:]
    if kind not in ("add", "sub", "mul", "div", "neg", "pow") or not all(a[0] == "num" for a in args):
        return tree
    values = [a[1] for a in args]
    is_float = any(a[2] for a in args)
    if kind == "div" and values[1] == 0 or kind == "pow" and values[0] == 0 and values[1] < 0:
        return tree
    if kind == "pow" and not is_float and not values[1].is_integer:
        return tree
    value = {"add": lambda: values[0] + values[1], "sub": lambda: values[0] - values[1],
             "mul": lambda: values[0] * values[1], "div": lambda: values[0] / values[1], "neg": lambda: -values[0],
             "pow": lambda: values[0] ** values[1]}[kind]()
    if is_float:
        value = sympy.nsimplify(float(value)) if finite(value) is not None else None
    return tree if value is None or not value.is_real else ("num", value, is_float)


# --------------------------------------------------------------------------- the generator


class Drawn:
    """One program drawn line by line: its text, its trees, its outputs and wrt names."""

    #: what :meth:`expr` draws (a subclass narrows them): calls of one operand, calls of two (as written ->
    #: op), literal exponents, kinds of node, and whether reductions over indexed inputs
    unary, calls2, exponents = UNARY, CALLS2, EXPONENTS
    kinds = ["bin"] * 4 + ["fn"] * 4 + ["call2"] * 2 + ["many", "clip", "where", "pow", "neg"]
    reductions = True

    def __init__(self, draw):
        self.draw = draw
        plain = draw(st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2, unique=True))
        self.refs = [(n, ("in", n)) for n in plain]
        for k in draw(st.lists(st.sampled_from([0, 1, 2]), max_size=2, unique=True)):
            self.refs.append((f"a[{k}]", ("in", f"a[{k}]")))
        self.size = draw(st.sampled_from([0, 1, 2, 3]))  # n, the bound of some reductions
        self.assigned: dict[str, tuple] = {}
        self.lines: list[str] = []

    def pick(self, items):
        return self.draw(st.sampled_from(items))

    def leaf(self, index: str | None, constant: bool = True):
        leaves = list(self.refs)
        if index:
            leaves += [(f"a[{index}]", ("idx", 0)), (f"a[{index}+1]", ("idx", 1))]
        if constant and self.draw(st.integers(0, 5)) == 0:
            if index and self.draw(st.booleans()):
                return index, ("ivar",), False
            text, value, is_float = self.pick(CONSTANTS + [("pi", sympy.pi, False)])
            return text, ("num", value if isinstance(value, sympy.Basic) else sympy.Integer(value), is_float), False
        # the newest names (intermediates) are drawn more often, so nodes are shared
        text, tree = self.pick(leaves + leaves[len(leaves) // 2:] * 2)
        return text, tree, True

    def expr(self, depth: int, index: str | None = None):
        """(text, raw tree, whether it reads a variable)."""
        if depth <= 0 or self.draw(st.integers(0, 5)) == 0:
            return self.leaf(index)
        sub = lambda: self.var(depth - 1, index)  # noqa: E731
        kind = self.pick(self.kinds + ["reduce"] * (index is None and self.reductions))
        if kind == "bin":
            op = self.pick(["+", "-", "*", "/"])
            (a, ta), (b, tb, _) = sub(), self.expr(depth - 1, index)
            if self.draw(st.booleans()):
                (a, ta), (b, tb) = (b, tb), (a, ta)
            return f"({a}) {op} ({b})", node({"+": "add", "-": "sub", "*": "mul", "/": "div"}[op], ta, tb), True
        if kind == "neg":
            a, ta = sub()
            return f"-({a})", node("neg", ta), True
        if kind == "fn":
            f, (a, ta) = self.pick(self.unary), sub()
            a, ta = self.operand(f, a, ta)
            return f"{f}({a})", node(f, ta), True
        if kind == "pow":
            a, ta = sub()
            e = self.pick(self.exponents + ["var"])
            if e == "var":
                b, tb = sub()
            else:
                b = e
                tb = number(sympy.Rational(e.strip("()")), "." in e)
            how = self.pick(["^", "**", "pow"])
            return (f"pow({a}, {b})" if how == "pow" else f"({a}){how}({b})"), node("pow", ta, tb), True
        if kind == "call2":
            word = self.pick(list(self.calls2))
            (a, ta), (b, tb, _) = sub(), self.expr(depth - 1, index)
            if word in ("heaviside",) and self.draw(st.booleans()):
                b, tb = self.pick([("0.5", number(sympy.Rational(1, 2), True)), ("0", number(0, False)),
                                   ("1", number(1, False))])
            if word == "log" and self.draw(st.booleans()):
                b, tb = "2", number(2, False)
            elif self.draw(st.booleans()) and word not in ("heaviside",):
                (a, ta), (b, tb) = (b, tb), (a, ta)
            return f"{word}({a}, {b})", node(self.calls2[word], ta, tb), True
        if kind == "many":
            word = self.pick(["max", "min", "logsumexp"])
            args = [sub() for _ in range(self.draw(st.integers(3, 4)))]
            if self.draw(st.booleans()):  # a repeated operand: a tie wherever it is the extreme
                args.insert(self.draw(st.integers(0, len(args))), self.pick(args))
            text = f"{word}({', '.join(a for a, _ in args)})"
            if word == "logsumexp":
                tree = args[0][1]
                for _, t in args[1:]:
                    tree = node("logaddexp", tree, t)
                return text, tree, True
            return text, (word, *[t for _, t in args]), True
        if kind == "clip":
            (a, ta) = sub()
            lo, hi = self.pick([("-1", "1"), ("0", "1"), ("0", "2"), ("-0.5", "0.5"), ("1", "1")])
            tlo, thi = (number(sympy.Rational(v), "." in v) for v in (lo, hi))
            return f"clip({a}, {lo}, {hi})", node("min", node("max", ta, tlo), thi), True
        if kind == "where":
            cond, tcond = self.condition(depth - 1, index)
            (a, ta, an), (b, tb, bn) = self.expr(depth - 1, index), self.expr(depth - 1, index)
            if not (an or bn):
                a, ta = sub()
            if ta == tb:  # the grammar makes where(c, a, a) the node a
                return f"where({cond}, {a}, {b})", ta, True
            return f"where({cond}, {a}, {b})", ("where", tcond, ta, tb), True
        # a reduction over an index range, empty for some ranges and sizes
        word, var = self.pick(["sum", "prod"]), self.pick(["i", "j"])
        lo, hi = self.pick([(0, 1), (0, 2), (1, 1), (2, 1), (0, -1), (0, "n-1"), (1, "n-1")])
        body, tbody = self.var(min(depth - 1, 1 if word == "prod" else 2), var)
        end = self.size - 1 if hi == "n-1" else hi
        return f"{word}({body}, {var}, {lo}, {hi})", (word, lo, end, tbody), True

    def operand(self, f: str, text: str, tree: tuple) -> tuple[str, tuple]:
        """The operand of a call of ``f`` as drawn (a subclass may keep it inside f's domain)."""
        return text, tree

    def var(self, depth: int, index: str | None = None):
        """An expression that reads a variable (a constant-only one would fold)."""
        text, tree, named = self.expr(depth, index)
        if not named:
            text, tree, _ = self.leaf(index, constant=False)
        return text, tree

    def condition(self, depth: int, index: str | None):
        (a, ta), (b, tb, _) = self.var(depth, index), self.expr(depth, index)
        symbol = self.pick(list(COMPARE))
        text, tree = f"({a}) {symbol} ({b})", node(COMPARE[symbol], ta, tb)
        kind = self.draw(st.integers(0, 5))
        if kind == 0:
            other, tother = self.condition(depth - 1, index)
            word = self.pick(["and", "or"])
            return f"({text}) {word} ({other})", node(word, tree, tother)
        if kind == 1:
            return f"not ({text})", node("not", tree)
        return text, tree

    def program(self):
        """(text, outputs, wrt): 0-4 assignments (aliases, repeats, a constant), then a bare line or not."""
        names = iter(["c", "d", "g", "h", "k"])
        rhs_seen = []
        for _ in range(self.draw(st.integers(0, 4))):
            name = next(names)
            how = self.draw(st.integers(0, 9))
            if how == 0:  # an alias
                text, tree = self.pick(self.refs)
            elif how == 1 and rhs_seen:  # the same right-hand side again: the same node
                text, tree = self.pick(rhs_seen)
            elif how == 2:  # a constant: an output or wrt name, never read (it would fold)
                text, value, is_float = self.pick(CONSTANTS)
                self.lines.append(f"{name} = {text}")
                self.assigned[name] = ("num", sympy.nsimplify(value), is_float)
                continue
            else:
                text, tree = self.var(self.draw(st.integers(1, 3)))
                rhs_seen.append((text, tree))
            self.lines.append(f"{name} = {text}")
            self.assigned[name] = tree
            self.refs.append((name, tree))
        last = None
        if not self.lines or self.draw(st.booleans()):
            text, tree = self.var(2)
            self.lines.append(text)
            last = tree
        else:
            name = [n for n in self.assigned][-1]
            last = self.assigned[name]
            if last[0] == "num":  # a constant last line: add a line that reads a variable
                text, tree = self.var(2)
                self.lines.append(text)
                last = tree
        return last


@st.composite
def case(draw, outputs: bool = True):
    """A drawn program: (text, sizes, outputs or None, {output label: tree}, wrt, {wrt name: tree or None},
    rows of points)."""
    d = Drawn(draw)
    last = d.program()
    text = "; ".join(d.lines)
    sizes = {"n": d.size} if "n-1" in text else {}
    out_names = None
    out_trees = [last]
    if outputs and draw(st.booleans()):
        pool = ["__last__"] + list(d.assigned) + [
            n for n, t in d.refs if t[0] == "in" and "[" not in n and re.search(rf"\b{n}\b", text)]
        out_names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4))
        if "__last__" in out_names:
            if d.lines[-1].split(" = ")[0] in d.assigned and " = " in d.lines[-1]:
                label = d.lines[-1].split(" = ")[0]
            else:
                label = None
            if label is None:  # a bare last line has no name: name it
                d.lines[-1] = f"out = {d.lines[-1]}"
                text = "; ".join(d.lines)
                label = "out"
                d.assigned["out"] = last
            out_names = [label if n == "__last__" else n for n in out_names]
        out_trees = [d.assigned.get(n, ("in", n)) for n in out_names]
    inputs = [n for n, t in d.refs if t[0] == "in"]
    pool = inputs + list(d.assigned) + ["z9"]
    wrt = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5, unique=True))
    wrt_trees = {w: d.assigned.get(w, ("in", w) if w in inputs else None) for w in wrt}
    out_trees = [expand(t) for t in out_trees]
    wrt_trees = {w: t if t is None else expand(t) for w, t in wrt_trees.items()}
    return text, sizes, out_names, out_trees, wrt, wrt_trees


GRID = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]


@st.composite
def rows(draw, names, count=3):
    """``count`` points: grid values (ties between inputs, zeros, integers) and floats between them."""
    value = st.one_of(st.sampled_from(GRID), st.floats(-2.5, 2.5).map(lambda v: round(v, 3)))
    return [{n: draw(value) for n in names} for _ in range(count)]


# --------------------------------------------------------------------------- the oracle

MP = {"sin": mp_sin, "cos": mp_cos, "tan": mp_tan, "asin": mpmath.asin, "acos": mpmath.acos,
      "atan": mpmath.atan, "sinh": mp_sinh, "cosh": mp_cosh, "tanh": mpmath.tanh, "exp": mp_exp,
      "log": mpmath.log, "sqrt": mpmath.sqrt, "sigmoid": lambda v: 1 / (1 + mp_exp(-v)),
      "softplus": lambda v: mpmath.log(1 + mp_exp(v)), "asinh": mpmath.asinh, "acosh": mpmath.acosh,
      "atanh": mpmath.atanh, "log1p": mpmath.log1p, "expm1": lambda v: mpmath.expm1(v) if abs(v) < 1 else mp_exp(v) - 1, "log2": lambda v: mpmath.log(v, 2),
      "log10": mpmath.log10, "exp2": lambda v: mp_power(2, v), "erf": mpmath.erf, "erfc": mpmath.erfc,
      "cbrt": lambda v: mpmath.cbrt(v) if v >= 0 else -mpmath.cbrt(-v), "bump": lambda v: v * mp_exp(-v * v),
      "hypot": mpmath.hypot, "atan2": mpmath.atan2, "logb": lambda v, b: mpmath.log(v) / mpmath.log(b),
      "logaddexp": lambda a, b: mpmath.log(mp_exp(a) + mp_exp(b)),
      "scaled": lambda u, v: u * mp_exp(v), "pow": mp_power,
      "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "neg": lambda a: -a,
      "div": lambda a, b: a / b}
NP = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "softplus": lambda v: np.logaddexp(0, v), "asin": np.arcsin,
      "acos": np.arccos, "atan": np.arctan, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
      "erf": scipy.special.erf, "erfc": scipy.special.erfc, "bump": bump, "scaled": scaled, "atan2": np.arctan2,
      "logb": lambda v, b: np.log(v) / np.log(b), "pow": np.power, "add": np.add, "sub": np.subtract,
      "mul": np.multiply, "div": np.divide, "neg": np.negative, "abs": np.abs, "relu": lambda v: max(v, 0.0),
      "sign": np.sign, "round": np.round}
SYMPY = {"sigmoid": lambda v: 1 / (1 + sympy.exp(-v)), "softplus": lambda v: sympy.log(1 + sympy.exp(v)),
         "log1p": lambda v: sympy.log(1 + v), "expm1": lambda v: sympy.exp(v) - 1,
         "log2": lambda v: sympy.log(v) / sympy.log(2), "log10": lambda v: sympy.log(v) / sympy.log(10),
         "exp2": lambda v: 2 ** v, "bump": lambda v: v * sympy.exp(-v ** 2), "hypot": lambda a, b: sympy.sqrt(a ** 2 + b ** 2),
         "atan2": sympy.atan2, "logb": lambda v, b: sympy.log(v) / sympy.log(b),
         "logaddexp": lambda a, b: sympy.log(sympy.exp(a) + sympy.exp(b)), "scaled": lambda u, v: u * sympy.exp(v),
         "pow": lambda a, b: a ** b, "add": lambda a, b: a + b, "sub": lambda a, b: a - b,
         "mul": lambda a, b: a * b, "neg": lambda a: -a, "div": lambda a, b: a / b}
#: domain edges: op -> function of the operands' values, true near an edge (kinks of the derivative or poles)
EDGES = {
    "log": lambda a: a < 1e-3, "log2": lambda a: a < 1e-3, "log10": lambda a: a < 1e-3, "sqrt": lambda a: a < 1e-3,
    "acosh": lambda a: a < 1 + 1e-3, "atanh": lambda a: abs(a) > 1 - 1e-3, "asin": lambda a: abs(a) > 1 - 1e-3,
    "acos": lambda a: abs(a) > 1 - 1e-3, "log1p": lambda a: a < -1 + 1e-3, "cbrt": lambda a: abs(a) < 1e-3,
    "tan": lambda a: abs(mpmath.cos(a)) < 1e-2, "div": lambda a, b: abs(b) < 1e-3,
    "hypot": lambda a, b: abs(a) + abs(b) < 1e-3, "atan2": lambda a, b: abs(a) < 1e-3 and b < 1e-3,
    "logb": lambda a, b: a < 1e-3 or b < 1e-3 or abs(b - 1) < 1e-2,
}


def _near(a, b) -> bool:
    return abs(a - b) <= 1e-6 * (1 + abs(a) + abs(b))


class Oracle:
    """One program at one point: node values in mpmath and float64, ties and ambiguity, sympy forms."""

    def __init__(self, point: dict):
        self.point = point
        self.mp: dict = {}
        self.f: dict = {}
        self.exact: dict = {}
        self.ambiguous = False
        #: False when a condition compares a nan: sympy cannot decide a closed form's Piecewise there (the numbers
        #: read nan > 0 as false, as NumPy does)
        self.decidable = True

    def tie(self, a: tuple, b: tuple) -> str:
        """'tie', 'clear' or 'ambiguous' for the values of nodes a and b (a comparison's operands)."""
        if a == b:
            return "tie"
        ma, mb = self.mp[a], self.mp[b]
        fa, fb = self.f[a], self.f[b]
        if mpmath.isnan(ma) or mpmath.isnan(mb):
            return "clear"
        if not _near(ma, mb):
            return "clear"
        if abs(ma - mb) <= mpmath.mpf(10) ** -25 * (1 + abs(ma)) and fa == fb and self.exact[a] and self.exact[b]:
            return "tie"
        self.ambiguous = True
        return "ambiguous"

    def value(self, t: tuple):
        """Evaluate every node of ``t`` (iteratively, operands first)."""
        stack = [(t, False)]
        while stack:
            n, done = stack.pop()
            if n in self.mp:
                continue
            kids = [c for c in n[1:] if isinstance(c, tuple)] if n[0] not in ("num", "in") else []
            if not done:
                stack.append((n, True))
                stack.extend((c, False) for c in kids if c not in self.mp)
                continue
            with mpmath.workdps(DPS):
                self._one(n)

    def _one(self, n: tuple):
        kind, args = n[0], n[1:]
        mp, f = self.mp, self.f
        if kind == "num":
            mv = mpmath.mpf(sympy.N(args[0], DPS + 5)) if args[0] is sympy.pi else mpmath.mpf(args[0].p) / args[0].q
            fv = float(args[0])
        elif kind == "in":
            mv, fv = mpmath.mpf(self.point[args[0]]), float(self.point[args[0]])
        else:
            ms = [mp[c] for c in args]
            fs = [f[c] for c in args]
            mv, fv = self._apply(n, kind, ms, fs)
        self.exact[n] = kind in DETERMINISTIC and all(self.exact[c] for c in n[1:] if isinstance(c, tuple)) \
            if kind not in ("num", "in") else True
        if isinstance(mv, mpmath.mpc):
            mv = mpmath.nan if mv.imag != 0 else mv.real
        if not isinstance(mv, bool) and not mpmath.isnan(mv) and abs(mv) > 1e8:
            self.ambiguous = True
        mp[n], f[n] = mv, fv

    def _apply(self, n, kind, ms, fs):
        with np.errstate(all="ignore"):
            if kind in COMPARE.values():
                a, b = n[1], n[2]
                if any(mpmath.isnan(m) for m in ms):
                    self.decidable = False
                self.tie(a, b)
                fv = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
                      "eq": np.equal, "ne": np.not_equal}[kind](*fs)
                return bool(fv), bool(fv)
            if kind in ("and", "or", "not"):
                fv = {"and": lambda a, b: a and b, "or": lambda a, b: a or b, "not": lambda a: not a}[kind](*fs)
                return fv, fv
            if kind == "where":
                return (ms[1], fs[1]) if fs[0] else (ms[2], fs[2])
            if any(not isinstance(m, bool) and mpmath.isnan(m) for m in ms):
                return mpmath.nan, float(NP.get(kind, getattr(np, kind, None) or (lambda *a: np.nan))(*fs)) \
                    if kind not in ("max", "min") else np.nan
            if kind in EDGES and EDGES[kind](*ms):
                self.ambiguous = True
            if kind in ("max", "min"):
                for i in range(len(ms)):
                    for j in range(i + 1, len(ms)):
                        self.tie(n[1 + i], n[1 + j])
                fv = (np.max if kind == "max" else np.min)(fs)
                return (max(ms) if kind == "max" else min(ms)), float(fv)
            if kind in ("abs", "relu", "sign", "heaviside"):
                zero = ("num", sympy.Integer(0), False)
                self.mp.setdefault(zero, mpmath.mpf(0))
                self.f.setdefault(zero, 0.0)
                self.exact.setdefault(zero, True)
                self.tie(n[1], zero)
                a = ms[0]
                fv = float(np.heaviside(fs[0], fs[1]) if kind == "heaviside" else NP[kind](fs[0]))
                if kind == "heaviside":
                    mv = ms[1] if a == 0 else mpmath.mpf(a > 0)
                else:
                    mv = {"abs": abs(a), "relu": max(a, 0), "sign": mpmath.sign(a)}[kind]
                if fs[0] == 0 and a == 0:
                    mv = mpmath.mpf(fv) if kind != "heaviside" else ms[1]
                return mv, fv
            if kind in ("floor", "ceil", "round"):
                a = ms[0]
                step = mpmath.mpf(0.5) if kind == "round" else 0
                nearest = mpmath.nint(a - step) + step
                if _near(a, nearest) and not (a == nearest and fs[0] == float(nearest)):
                    self.ambiguous = True
                fv = float({"floor": np.floor, "ceil": np.ceil, "round": np.round}[kind](fs[0]))
                return mpmath.mpf(fv), fv
            if kind == "pow":
                e = n[2]
                if e[0] != "num" and ms[0] < 1e-3:
                    self.ambiguous = True  # a variable exponent needs a positive base
                if e[0] == "num" and abs(ms[0]) < 1e-3 and (e[1] < 1 and e[1] != 0 or not e[1].is_integer):
                    self.ambiguous = True
            try:
                mv = MP[kind](*ms)
            except (ValueError, ZeroDivisionError):
                mv = mpmath.nan
            fv = (NP.get(kind) or getattr(np, kind))(*fs)
            return mv, float(fv)

    def sympy(self, t: tuple, replace: tuple | None = None, symbol=None) -> sympy.Expr:
        """The node as a smooth sympy expression in the inputs (branches as taken), ``replace`` as ``symbol``."""
        memo: dict = {}
        stack = [(t, False)]
        while stack:
            n, done = stack.pop()
            if n in memo:
                continue
            if n == replace:
                memo[n] = symbol
                continue
            kind = n[0]
            kids = [c for c in n[1:] if isinstance(c, tuple)] if kind not in ("num", "in") else []
            if kind == "where":  # only the branch taken
                kids = [n[2] if self.f[n[1]] else n[3]]
            elif kind == "heaviside" and self._at_jump(n):
                kids = [n[2]]
            elif kind in ("abs", "relu", "sign", "heaviside", "floor", "ceil", "round"):
                kids = [n[1]]
            if not done:
                stack.append((n, True))
                stack.extend((c, False) for c in kids if c not in memo)
                continue
            memo[n] = self._form(n, memo)
        return memo[t]

    def _at_jump(self, n) -> bool:
        """True where heaviside's first operand is exactly 0 in both evaluations (its value is then h0)."""
        return self.f[n[1]] == 0 and self.mp[n[1]] == 0

    def _form(self, n, memo):
        kind = n[0]
        if kind == "num":
            return n[1]
        if kind == "in":
            return sympy.Symbol(n[1], real=True)
        if kind == "where":
            return memo[n[2] if self.f[n[1]] else n[3]]
        if kind == "heaviside" and self._at_jump(n):
            return memo[n[2]]  # heaviside(0, h0) is h0: its derivative is h0's (symgraph/ops.py, as JAX)
        if kind in ("sign", "heaviside", "floor", "ceil", "round"):
            return sympy.Float(self.f[n], DPS)  # piecewise constant: derivative 0, also at the jumps
        if kind in ("abs", "relu"):
            a = self.mp[n[1]]
            if self.f[n[1]] == 0 and a == 0:
                return sympy.Integer(0)  # abs'(0) = relu'(0) = 0, to every order
            return memo[n[1]] if a > 0 else (-memo[n[1]] if kind == "abs" else sympy.Integer(0))
        if kind in ("max", "min"):
            values = [self.mp[c] for c in n[1:]]
            best = max(values) if kind == "max" else min(values)
            tied = [c for c in n[1:] if self.tie(c, n[1 + values.index(best)]) == "tie"]
            tied = tied or [n[1 + values.index(best)]]
            return sympy.Add(*[memo[c] for c in tied]) / len(tied)
        if kind == "cbrt":
            a = memo[n[1]]
            return sympy.root(a, 3) if self.mp[n[1]] > 0 else -sympy.root(-a, 3)
        if kind in SYMPY:
            return SYMPY[kind](*[memo[c] for c in n[1:]])
        return getattr(sympy, kind)(memo[n[1]])


# --------------------------------------------------------------------------- oracle derivatives


def finite(value) -> float | None:
    """A finite real number as a float, else None (no oracle there)."""
    try:
        c = complex(value)
    except (TypeError, ValueError):
        return None
    if abs(c.imag) > 1e-20 * max(1.0, abs(c.real)) or not math.isfinite(c.real):
        return None
    return c.real


def at_point(expr: sympy.Expr, point: dict) -> float | None:
    """``expr`` (in the oracle's real symbols, or a closed form's) at ``point``, 30 digits."""
    subs = {}
    for s in expr.free_symbols | set(expr.atoms(sympy.Indexed)):
        if str(s) in point:
            subs[s] = sympy.Float(point[str(s)], DPS)
    try:
        return finite(sympy.N(expr.subs(subs), DPS))
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def oracle_jacobian(oracle: Oracle, outs: list, wrt_trees: list, point: dict) -> np.ndarray:
    """d out_i / d wrt_j (nan where the oracle has no finite number): a wrt node held as a symbol."""
    J = np.full((len(outs), len(wrt_trees)), np.nan)
    symbol = sympy.Symbol("__w__", real=True)
    for i, out in enumerate(outs):
        if mpmath.isnan(oracle.mp[out]):  # no derivative where the function has no value
            continue
        for j, w in enumerate(wrt_trees):
            if w is None or w[0] == "num":  # absent, or a name assigned a constant: 0 by definition
                J[i, j] = 0.0
                continue
            d = sympy.diff(oracle.sympy(out, w, symbol), symbol)
            value = oracle.mp[w]
            if isinstance(value, bool) or mpmath.isnan(value):
                continue
            d = d.subs(symbol, sympy.Float(value, DPS))
            v = at_point(d, point)
            J[i, j] = np.nan if v is None or abs(v) > 1e6 else v
    return J


def oracle_hessian(oracle: Oracle, out: tuple, wrt: list[str], point: dict) -> np.ndarray:
    expr = oracle.sympy(out)
    syms = [sympy.Symbol(n, real=True) for n in wrt]
    H = np.full((len(wrt), len(wrt)), np.nan)
    if mpmath.isnan(oracle.mp[out]):
        return H
    for i, a in enumerate(syms):
        da = sympy.diff(expr, a)
        for j, b in enumerate(syms[i:], i):
            v = at_point(sympy.diff(da, b), point)
            H[i, j] = H[j, i] = np.nan if v is None or abs(v) > 1e6 else v
    return H


# --------------------------------------------------------------------------- calling the library


def arguments(graph, rows: list[dict], single: int | None = None, integral: bool = False) -> dict:
    """Keyword arguments for the graph's inputs: plain ones, and ``a`` as one array of its elements."""
    kind = int if integral else float
    pick = (lambda n: np.array([r[n] for r in rows])) if single is None else (lambda n: kind(rows[single][n]))
    args = {n: pick(n) for n in graph.inputs if not n.startswith("a[")}
    if "a" in graph.indexed:  # one array of its extent, even of no elements (a sum over an empty range)
        extent = graph.indexed["a"].shape[0]
        args["a"] = np.array([pick(f"a[{k}]") for k in range(extent)]).reshape((extent,) + np.shape(pick("x")))
    return args


def stacked(values, shape: tuple, count: int) -> np.ndarray:
    """A result broadcast to ``shape + (count,)`` as float64."""
    return np.broadcast_to(np.asarray(values, dtype=float).reshape(shape + (-1,)), shape + (count,)).copy()


def matches(got: np.ndarray, want: np.ndarray, rel=1e-7, abs_=1e-7) -> np.ndarray:
    """Where ``want`` is known (not nan), ``got`` is close to it."""
    ok = np.abs(got - want) <= abs_ + rel * np.abs(want)
    return ok | np.isnan(want)


def seeded(matrix: np.ndarray, seeds, axis: int) -> np.ndarray:
    """``matrix`` contracted with ``seeds`` along ``axis`` (0: w^T J, 1: J v), a seed of 0 contributing nothing:
    jvp, vjp and hvp never form the product of an exact 0 seed (0.0 included), so a column that is nan or inf
    there does not reach the result (symgraph/directional.py)."""
    seeds = np.asarray(seeds, float)
    keep = seeds != 0
    matrix = np.compress(keep, matrix, axis=axis)
    return np.einsum("ijk,j->ik" if axis == 1 else "ijk,i->jk", matrix, seeds[keep])


def alike(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Two of the library's own results agree: close, or both non-finite (a pole is inf or nan by summation order)."""
    with np.errstate(invalid="ignore"):
        close = np.abs(got - ref) <= 1e-9 * (1 + np.abs(ref))
    return close | (~np.isfinite(got) & ~np.isfinite(ref))


def plain(row: dict) -> dict:
    return {k: float(v) for k, v in row.items()}


def points_for(names: list[str], draw) -> list[dict]:
    return draw(rows(names))


def point_names(graph) -> list[str]:
    """The names a point gives values: x, y and a[0] to a[2] (wrt may name any of them), and every further element
    the graph reads: a reduction's ``a[i+1]`` at its last index reads a[3] (``sum(a[j+1], j, 1, n-1)`` at n = 3),
    which the points once left out (a KeyError in the oracle, not a finding)."""
    extent = graph.indexed["a"].shape[0] if "a" in graph.indexed else 0
    return ["x", "y"] + [f"a[{k}]" for k in range(max(3, extent))]


def prepare(data, outputs: bool = True):
    """(text, graph, outputs' trees, wrt, wrt trees, rows, oracles at each row, integral rows)."""
    text, sizes, out_names, out_trees, wrt, wrt_trees = data.draw(case(outputs))
    try:
        graph = sg.parse(text, outputs=out_names, **sizes)
    except sg.ParseError as error:  # the generator writes valid text only
        raise AssertionError((text, out_names, sizes)) from error
    points = data.draw(rows(point_names(graph)))
    oracles = []
    for p in points:
        o = Oracle(p)
        for t in list(out_trees) + [w for w in wrt_trees.values() if w is not None]:
            o.value(t)
        oracles.append(o)
    integral = all(float(v).is_integer() for p in points for v in p.values())
    return text, graph, out_trees, wrt, wrt_trees, points, oracles, integral


# --------------------------------------------------------------------------- properties


def closed_forms(matrix, shape, point) -> np.ndarray:
    return np.array([[at_point(matrix[i, j], point) if matrix[i, j] != 0 else 0.0 for j in range(shape[1])]
                     for i in range(shape[0])], dtype=float)


@SETTINGS
@given(data=st.data())
def test_every_op_ties_and_repeated_outputs_first_order_match_sympy(data):
    """The Jacobian of a drawn graph (outputs repeated, named by intermediates, inputs and constants) by
    intermediates, inputs, elements, constants and absent names: every mode, .at, NumPy and the VM (numba in
    drawn cases) on arrays and single points, sparse, jvp, vjp and the closed forms, against sympy.diff at
    the points the oracle resolves, and against each other everywhere."""
    text, graph, outs, wrt, wrt_trees, points, oracles, integral = prepare(data)
    m, n, count = len(outs), len(wrt), len(points)
    want = np.stack([oracle_jacobian(o, outs, [wrt_trees[w] for w in wrt], p) if not o.ambiguous
                     else np.full((m, n), np.nan) for o, p in zip(oracles, points)], -1)
    clear = np.array([not o.ambiguous for o in oracles])
    numba = data.draw(st.sampled_from(MODES + [None] * 10))
    arrays = arguments(graph, points)
    got = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for mode in MODES:
            J = sg.jacobian(graph, wrt, mode=mode, allow_unused=True)
            assert J.shape == (m, n), (text, mode, J.shape)
            for backend in ["numpy", "vm"] + ["numba"] * (mode == numba):
                fn = J.lambdify(backend=backend)
                got[mode, backend] = stacked(fn(**arrays), (m, n), count)
                got[mode, backend, "points"] = np.stack(
                    [stacked(fn(**arguments(graph, points, k, integral)), (m, n), 1)[..., 0] for k in range(count)], -1)
            if m == 1:
                at = sg.grad(graph, wrt, mode=mode, allow_unused=True).at(**arrays)
                assert list(at) == wrt, (text, mode, list(at))
                got[mode, "at"] = stacked([at[w] for w in wrt], (1, n), count)
            if mode in ("reverse", "forward") and clear[0] and oracles[0].decidable:
                got[mode, "closed"] = closed_forms(J, (m, n), plain(points[0]))[..., None]
            if mode in ("reverse", "forward", "elimination"):
                S = sg.jacobian(graph, wrt, mode=mode, sparse=True, allow_unused=True)
                fn = S.lambdify()
                got[mode, "sparse"] = np.stack(
                    [fn(**arguments(graph, points, k)).toarray() for k in range(count)], -1)
        v = data.draw(st.lists(st.sampled_from([1.0, -1.0, 2.0, 0.5, 0.0]), min_size=n, max_size=n))
        jv = sg.jvp(graph, wrt, v, allow_unused=True).at(**arrays)
        assert len(jv) == m, (text, list(jv))
        w = data.draw(st.lists(st.sampled_from([1.0, -1.0, 2.0, 0.5]), min_size=m, max_size=m))
        wj = sg.vjp(graph, wrt, w, allow_unused=True).at(**arrays)
        assert list(wj) == wrt, (text, list(wj))
        values = sg.lambdify(graph)(**arrays)
        values = stacked(list(values) if isinstance(values, tuple) else [values], (m,), count)
        if m == 1:
            value, grads = sg.value_and_grad(graph, wrt, allow_unused=True)(**arrays)
            assert alike(stacked(value, (1,), count), values).all(), (text, value, values)
            # an indexed input's elements, all of them in order, come back as one array of its shape
            grads = np.concatenate([np.broadcast_to(g, np.shape(g)[:-1] + (count,)).reshape(-1, count) if np.ndim(g)
                                    else np.full((1, count), float(g)) for g in grads])
            got["reverse", "value_and_grad"] = stacked(grads, (1, n), count)
    exact = np.array([[float(o.mp[t]) if not o.ambiguous and isinstance(o.mp[t], mpmath.mpf) and mpmath.isfinite(o.mp[t])
                       else np.nan for o in oracles] for t in outs])
    assert matches(values, exact, rel=1e-9, abs_=1e-9).all(), (text, points, values, exact)
    reference = got["reverse", "numpy"]
    for how, values in got.items():
        k = values.shape[-1]  # closed forms: the first point only
        # every result against the oracle where it resolves the point
        assert matches(values, want[..., :k]).all(), (text, wrt, how, points, values, want)
        if how[1] in ("numpy", "at", "sparse", "value_and_grad") and how[-1] != "points":
            assert alike(values, reference).all(), (text, wrt, how, points, values, reference)
        elif how[1] == "closed":  # where the function is nan sympy may still find a number ((y^1.5)^2 is y^3.0)
            assert alike(values, reference[..., :k])[~np.isnan(want[..., :k])].all(), (text, wrt, how, values, want)
        else:  # other backends (libm may differ in the last bit, and so take another branch) where it is clear
            assert alike(values, reference[..., :k])[..., clear[:k]].all(), (text, wrt, how, points, values, reference)
    jv_values = stacked(list(jv.values()), (m,), count)
    assert matches(jv_values, seeded(want, v, 1)).all(), (text, wrt, v, points, jv, want)
    assert alike(jv_values, seeded(reference, v, 1))[..., clear].all(), (text, wrt, v, jv, reference)
    wj_values = stacked([wj[x] for x in wrt], (n,), count)
    assert matches(wj_values, seeded(want, w, 0)).all(), (text, wrt, w, points, wj, want)
    assert alike(wj_values, seeded(reference, w, 0))[..., clear].all(), (text, wrt, w, wj, reference)


@settings(SETTINGS, max_examples=int(os.environ.get("SYMGRAPH_PROPERTY_EXAMPLES", 12)))
@given(data=st.data())
def test_every_op_ties_second_order_match_sympy(data):
    """Every Hessian strategy, dense and sparse, NumPy and the VM on arrays and single points, the closed forms,
    hvp and hessp, against sympy's Hessian of the branch-resolved program and against each other."""
    text, graph, outs, _, _, points, oracles, integral = prepare(data, outputs=False)
    wrt = list(graph.inputs)
    assume(wrt)
    n, count = len(wrt), len(points)
    want = np.stack([oracle_hessian(o, outs[0], wrt, p) if not o.ambiguous else np.full((n, n), np.nan)
                     for o, p in zip(oracles, points)], -1)
    clear = np.array([not o.ambiguous for o in oracles])
    arrays = arguments(graph, points)
    got = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for mode in STRATEGIES:
            H = sg.hessian(graph, wrt, mode=mode, allow_unused=True)
            for backend in ("numpy", "vm"):
                fn = H.lambdify(backend=backend)
                got[mode, backend] = stacked(fn(**arrays), (n, n), count)
                got[mode, backend, "points"] = np.stack(
                    [stacked(fn(**arguments(graph, points, k, integral)), (n, n), 1)[..., 0] for k in range(count)], -1)
            if clear[0] and oracles[0].decidable and mode in ("forward-over-reverse", "edge-pushing"):
                got[mode, "closed"] = closed_forms(H, (n, n), plain(points[0]))[..., None]
            S = sg.hessian(graph, wrt, mode=mode, sparse=True, allow_unused=True)
            fn = S.lambdify()
            got[mode, "sparse"] = np.stack([fn(**arguments(graph, points, k)).toarray() for k in range(count)], -1)
        v = data.draw(st.lists(st.sampled_from([1.0, -0.5, 0.0, 2.0]), min_size=n, max_size=n))
        hv = sg.hvp(graph, wrt, v, allow_unused=True).at(**arrays)
        got["hvp"] = stacked([hv[x] for x in wrt], (n,), count)
    reference = got["forward-over-reverse", "numpy"]
    for how, values in got.items():
        if how == "hvp":
            assert matches(values, seeded(want, v, 1)).all(), (text, v, points, values, want)
            assert alike(values, seeded(reference, v, 1))[..., clear].all(), (text, v, values, reference)
            continue
        k = values.shape[-1]
        assert matches(values, want[..., :k], rel=1e-6, abs_=1e-6).all(), (text, wrt, how, points, values, want)
        if how[1] in ("numpy", "sparse") and how[-1] != "points":
            assert alike(values, reference).all(), (text, wrt, how, points, values, reference)
        elif how[1] == "closed":
            assert alike(values, reference[..., :k])[~np.isnan(want[..., :k])].all(), (text, wrt, how, values, want)
        else:
            assert alike(values, reference[..., :k])[..., clear[:k]].all(), (text, wrt, how, points, values, reference)


# --------------------------------------------------------------------------- regressions the properties found


def test_a_derivative_by_an_element_of_an_input_of_no_elements_compiles():
    """``prod(a[i+1], i, 0, -1)`` writes the indexed input a without making an element: a has extent 0.  A
    derivative by ``a[1]`` (0, asked with allow_unused) looped forever when compiled: the compiled results'
    layout matched a's empty run of element labels at ``a[1]`` and never moved past it."""
    from tests.test_adversarial_audit import finishes
    out = finishes("""
import warnings
import numpy as np
import symgraph as sg
warnings.simplefilter("ignore")
g = sg.parse("out = prod(a[i+1], i, 0, -1)")
print(sg.grad(g, ["a[1]"], allow_unused=True).lambdify()(a=np.zeros(0)))
print(sg.value_and_grad(g, ["a[1]"], allow_unused=True)(a=np.zeros(0)))
""", limit=60)
    assert out.split("\n")[:2] == ["(array(0.),)", "(array(1.), (array(0.),))"], out


@pytest.mark.parametrize("text, dx", [
    ("min(log(log(a - a)), y) * x", math.nan),       # Min(nan, y): sympy's 'nan is not comparable' ValueError
    ("max(0*log(a - a), y, x)", math.nan),
    ("clip(x, 0*log(a - a), 1)", math.nan),
    ("where(0*log(a - a) > y, x, 2*x)", 2.0),         # nan > y: sympy's 'Invalid NaN comparison' TypeError
    ("where(log(log(a - a)) <= y, x, 2*x)", 2.0),
    ("where(0*log(a - a) != y, x, 2*x)", 1.0),
])
def test_a_closed_form_with_a_nan_beside_a_variable_in_max_min_or_a_comparison(text, dx):
    """sympy makes a - a zero, so a closed form meets 0*log(0) = nan (as the numbers do) beside a variable; in
    Max, Min and the comparisons sympy refuses a nan, and printing the gradient or building the Jacobian
    raised its ValueError or TypeError.  The closed form now says what NumPy says: max and min of a nan are
    nan, a comparison with nan is false (!= true), and it agrees with .at."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        g = sg.grad(text, ["x"])
        closed = g["x"]
        assert (closed is sympy.nan) if math.isnan(dx) else float(closed) == dx, (text, closed)
        value = g.at(**{n: v for n, v in {"x": 0.5, "y": 0.25, "a": 1.0}.items() if n in g.graph.inputs})["x"]
        assert (math.isnan(value) if math.isnan(dx) else value == dx), (text, value)
        assert sg.jacobian([text], ["x"])[0, 0] == closed or math.isnan(dx)
