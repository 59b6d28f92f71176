"""An independent oracle for symgraph's property tests: text -> sympy, derivatives by sympy.diff, mpmath values.

It shares no code with symgraph: its own tokenizer and recursive-descent
parser read the grammar (numbers, ``pi``, names, ``+ - * /``, ``^``/``**``
right-associative and tighter than unary minus, calls of the grammar's
functions, ``name = expr`` lines split by newlines or ``;``), and build a tree
of tuples that is its own hash-consing: a subexpression is a nested tuple, so
two occurrences of the same subexpression are equal tuples (``+`` and ``*``
have their operands sorted, a minus on a literal is folded into it), which is
exactly "one node per distinct subexpression".

A derivative with respect to a name follows symgraph's documented rule ("a
graph node name gives the derivative with respect to that intermediate"):
the name's node is replaced by a fresh symbol wherever it occurs, the output
is differentiated by that symbol with ``sympy.diff``, and everything else the
node depends on is held fixed.  An input is the special case of a leaf node.
A name assigned a constant (``c = 2``) names no node (constants are not
nodes): its derivative is 0, not the derivative by every 2 of the text.
Values are computed with ``evalf`` at 30 digits (mpmath).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import mpmath
import sympy
from sympy.functions.elementary.piecewise import ExprCondPair

DIGITS = 30
FUNCTIONS = ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt",
             "abs", "sigmoid", "relu", "softplus")
_TOKEN = re.compile(r"(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)"
                    r"|(?P<op>\*\*|[-+*/^()=;\n]))", re.S)


def _sympy_function(name: str, x: sympy.Expr) -> sympy.Expr:
    if name == "abs":
        return sympy.Abs(x)
    if name == "sigmoid":
        return 1 / (1 + sympy.exp(-x))
    if name == "relu":
        return sympy.Max(0, x)
    if name == "softplus":
        return sympy.log(1 + sympy.exp(x))
    return getattr(sympy, name)(x)


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        if text[pos] in " \t\r":
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"oracle cannot read {text[pos:]!r}")
        out.append(m.group())
        pos = m.end()
    return out


class _Reader:
    """Recursive descent over one program's tokens, resolving assigned names as it goes."""

    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0
        self.assigned: dict[str, tuple] = {}
        self.inputs: list[str] = []

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise ValueError(f"oracle expected {want!r}, got {tok!r}")
        self.i += 1
        return tok

    def program(self) -> tuple[tuple, str | None, dict[str, tuple]]:
        """(output tree, output's assigned name or None, assigned name -> tree)."""
        last_name, last = None, None
        while self.peek() is not None:
            if self.peek() in (";", "\n"):
                self.take()
                continue
            if self.i + 1 < len(self.toks) and self.toks[self.i + 1] == "=":
                name = self.take()
                self.take("=")
                self.assigned[name] = self.expr()
                last_name, last = name, self.assigned[name]
            else:
                last_name, last = None, self.expr()
        return last, last_name, self.assigned

    def expr(self) -> tuple:
        left = self.term()
        while self.peek() in ("+", "-"):
            op = "add" if self.take() == "+" else "sub"
            left = _node(op, left, self.term())
        return left

    def term(self) -> tuple:
        left = self.unary()
        while self.peek() in ("*", "/"):
            op = "mul" if self.take() == "*" else "div"
            left = _node(op, left, self.unary())
        return left

    def unary(self) -> tuple:
        if self.peek() == "-":
            self.take()
            return _node("neg", self.unary())
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> tuple:
        base = self.atom()
        if self.peek() in ("^", "**"):
            self.take()
            return _node("pow", base, self.unary())
        return base

    def atom(self) -> tuple:
        tok = self.take()
        if tok == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if re.fullmatch(r"[\d.].*", tok):
            is_float = any(c in tok for c in ".eE")
            return ("num", sympy.Rational(tok), is_float)
        if tok in FUNCTIONS:
            self.take("(")
            arg = self.expr()
            self.take(")")
            return ("fn", tok, arg)
        if tok == "pi":
            return ("pi",)
        if tok in self.assigned:
            return self.assigned[tok]
        if tok not in self.inputs:
            self.inputs.append(tok)
        return ("in", tok)


def _node(op: str, *args: tuple) -> tuple:
    """A tree node, hash-consed by value: commutative operands sorted, a minus on a literal folded."""
    if op == "neg" and args[0][0] == "num":
        return ("num", -args[0][1], args[0][2])
    if op in ("add", "mul"):
        args = tuple(sorted(args, key=repr))
    return (op, *args)


def children(node: tuple) -> tuple:
    if node[0] in ("num", "pi", "in"):
        return ()
    if node[0] == "fn":
        return (node[2],)
    return node[1:]


@dataclass
class Program:
    """One program text, read by the oracle."""

    text: str
    output: tuple
    output_name: str | None
    assigned: dict[str, tuple]
    inputs: tuple[str, ...]
    _cache: dict = field(default_factory=dict)

    def nodes(self) -> list[tuple]:
        """Distinct subtrees of the output, operands first."""
        seen, order, stack = set(), [], [(self.output, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            stack.extend((c, False) for c in children(node))
        return order

    def has_float(self) -> bool:
        return any(n[0] == "num" and n[2] for n in self.nodes())

    def sympy(self, replace: tuple | None = None, symbol: sympy.Symbol | None = None) -> sympy.Expr:
        """The output as a sympy expression in real input symbols, with node ``replace`` as ``symbol``."""
        built: dict[tuple, sympy.Expr] = {}
        for node in self.nodes():
            if node == replace:
                built[node] = symbol
                continue
            kind = node[0]
            if kind == "num":
                built[node] = node[1]
            elif kind == "pi":
                built[node] = sympy.pi
            elif kind == "in":
                built[node] = sympy.Symbol(node[1], real=True)
            elif kind == "fn":
                built[node] = _sympy_function(node[1], built[node[2]])
            else:
                a = [built[c] for c in node[1:]]
                built[node] = {"neg": lambda: -a[0], "add": lambda: a[0] + a[1], "sub": lambda: a[0] - a[1],
                               "mul": lambda: a[0] * a[1], "div": lambda: a[0] / a[1],
                               "pow": lambda: a[0] ** a[1]}[kind]()
        return built[self.output]

    def node_of(self, name: str) -> tuple | None:
        """The node a name stands for (an assigned name's tree, an input's leaf), or None when absent."""
        if name in self.assigned:
            return self.assigned[name]
        if name in self.inputs:
            return ("in", name)
        return None

    def subs(self, point: dict[str, float]) -> dict:
        return {sympy.Symbol(n, real=True): sympy.Float(float(point[n]), DIGITS) for n in self.inputs}

    def node_values(self, point: dict[str, float]) -> dict[tuple, mpmath.mpf]:
        """Every node's value at ``point``, computed with mpmath at 30 digits (nan outside the reals)."""
        values = {}
        with mpmath.workdps(DIGITS):
            for node in self.nodes():
                try:
                    values[node] = _mp_value(node, values, point)
                except (ZeroDivisionError, ValueError, OverflowError):
                    values[node] = mpmath.nan
        return values

    def value(self, point: dict[str, float]) -> sympy.Expr:
        return _n(self.sympy(), self.subs(point))

    def derivative_expr(self, name: str) -> tuple[sympy.Expr, sympy.Symbol | None, tuple | None]:
        """(d output / d name with the name's node as a symbol, that symbol, the node)."""
        key = ("d", name)
        if key not in self._cache:
            node = self.node_of(name)
            if node is None or node[0] in ("num", "pi") or node not in set(self.nodes()):  # constants: no node
                self._cache[key] = (sympy.Integer(0), None, None)
            else:
                symbol = sympy.Symbol("__node__", real=True)
                self._cache[key] = (sympy.diff(self.sympy(node, symbol), symbol), symbol, node)
        return self._cache[key]

    def derivative(self, name: str, point: dict[str, float]) -> sympy.Expr:
        """d output / d name at ``point``, 30 digits (0 for a name that is not a node of the output)."""
        expr, symbol, node = self.derivative_expr(name)
        if symbol is None:
            return sympy.Integer(0)
        subs = self.subs(point)
        subs[symbol] = _n(Program(self.text, node, None, {}, self.inputs).sympy(), subs)
        return _n(expr, subs)


def value_at(expr: sympy.Expr, point: dict, digits: int = DIGITS) -> sympy.Expr:
    """A library's closed form at ``point`` (symbol name -> number), each distinct subexpression evaluated once.

    ``sympy.N(expr, subs=...)`` walks the tree, and a closed form is a DAG whose tree may be exponentially
    larger (a gradient entry built from shared partial results): one such evaluation ran for over ten minutes
    of a heavy property run.  Here the symbols become ``digits``-digit Floats and every node is rebuilt once,
    operands first, where sympy's constructors evaluate numbers (a condition of a Piecewise to true or false).
    """
    done: dict = {}
    stack = [(expr, False)]
    while stack:  # not expr.free_symbols or expr.atoms(): they walk the tree too
        node, ready = stack.pop()
        if node in done:
            continue
        if isinstance(node, (sympy.Symbol, sympy.Indexed)) and str(node) in point:
            done[node] = sympy.Float(float(point[str(node)]), digits)
        elif not node.args:
            done[node] = node
        elif ready:
            done[node] = node.func(*[done[a] for a in node.args])
        else:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in done)
    return sympy.N(done[expr], digits)


def _n(expr: sympy.Expr, subs: dict) -> sympy.Expr:
    """``expr`` at 30 digits; nan when sympy cannot evaluate it (a zero division inside, say).

    Only its finite values are read (:func:`as_float`): the sign of an infinity is sympy's guess
    (``N(-log(x), subs={x: 0})`` is -oo); :func:`mp_value` keeps IEEE's."""
    try:
        return sympy.N(expr, DIGITS, subs=subs)
    except (TypeError, ValueError, ZeroDivisionError):
        return sympy.nan


#: mpmath's exact value of exp(1e10000000) needs ln 2 to ten million digits, and sin(1e10000000) its argument
#: reduced as finely: without bound in time, so a generated program that nests exp in exp hung its test.  Float64
#: gave up long before: exp, sinh and cosh of an argument past 1e6 saturate (inf, or 0 for exp of a large negative
#: number, exactly as their float64 values would), and a periodic function of an argument past float64's largest
#: number has no value a float64 program could share (nan, which the properties do not compare).
_FAR, _FLOAT64_MAX = mpmath.mpf(10) ** 6, mpmath.mpf(2) ** 1024


def _saturating(fn, far):
    def value(x):
        return far(x) if abs(x) > _FAR else fn(x)
    return value


def _periodic(fn):
    def value(x):
        return mpmath.nan if abs(x) >= _FLOAT64_MAX else fn(x)
    return value


mp_exp = _saturating(mpmath.exp, lambda x: mpmath.inf if x > 0 else mpmath.mpf(0))
mp_sinh = _saturating(mpmath.sinh, lambda x: mpmath.inf if x > 0 else -mpmath.inf)
mp_cosh = _saturating(mpmath.cosh, lambda x: mpmath.inf)
mp_sin, mp_cos, mp_tan = _periodic(mpmath.sin), _periodic(mpmath.cos), _periodic(mpmath.tan)


def mp_power(base, exponent):
    """``mpmath.power``, saturating where ``|exponent * log|base||`` passes 1e6 (see _FAR)."""
    if base != 0 and abs(base) != 1 and not mpmath.isinf(base) and not mpmath.isinf(exponent):
        scale = exponent * mpmath.log(abs(base))
        if abs(scale) > _FAR:
            if base < 0 and not mpmath.isint(exponent):
                return mpmath.nan
            size = mpmath.inf if scale > 0 else mpmath.mpf(0)
            return -size if base < 0 and exponent % 2 == 1 else size
    return mpmath.power(base, exponent)


_MP_FUNCTIONS = {sympy.exp: mp_exp, sympy.log: mpmath.log, sympy.sin: mp_sin, sympy.cos: mp_cos,
                 sympy.tan: mp_tan, sympy.atan: mpmath.atan, sympy.tanh: mpmath.tanh, sympy.Abs: abs,
                 sympy.sinh: mp_sinh, sympy.cosh: mp_cosh}
_RELATIONS = {sympy.StrictGreaterThan: lambda a, b: a > b, sympy.GreaterThan: lambda a, b: a >= b,
              sympy.StrictLessThan: lambda a, b: a < b, sympy.LessThan: lambda a, b: a <= b,
              sympy.Equality: lambda a, b: a == b, sympy.Unequality: lambda a, b: a != b}


def mp_value(expr: sympy.Basic, point: dict, kinks: list | None = None):
    """``expr`` at ``point`` in mpmath at 30 digits, operands first, as IEEE arithmetic extends the reals: log(0) is
    -inf and -(-inf) is inf (sympy's own ``N(-log(x), subs={x: 0})`` says -oo, and its exact substitution zoo),
    0*inf and inf - inf are nan, a value that is not real is nan, 0 to a negative power is nan (its sign is the
    zero's, which mpmath does not keep).  A kink met (a tie of Max or Min, Heaviside or sign at 0) is appended to
    ``kinks``: there sympy's convention is its own (it flattens min(min(x, 3), min(0.5, x)) to one Min)."""
    done: dict = {}
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in done:
            continue
        if not ready and node.args and not isinstance(node, sympy.Number):
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in done)
            continue
        done[node] = _mp_node(node, [done.get(a) for a in node.args], point)
        if kinks is not None and _kink(node, [done.get(a) for a in node.args]):
            kinks.append(node)
    return done[expr]


def _kink(node: sympy.Basic, args: list) -> bool:
    if isinstance(node, (sympy.Max, sympy.Min)):
        return len(set(args)) < len(args) or not all(isinstance(a, mpmath.mpf) for a in args)
    return isinstance(node, (sympy.Heaviside, sympy.sign, sympy.Abs)) and args[0] == 0


def _mp_node(node: sympy.Basic, args: list, point: dict):
    if isinstance(node, sympy.Symbol):
        return mpmath.mpf(point[node.name])
    if node is sympy.true or node is sympy.false:
        return bool(node)
    if node in (sympy.oo, -sympy.oo):
        return mpmath.inf if node is sympy.oo else -mpmath.inf
    if isinstance(node, sympy.Number):
        return mpmath.nan if node in (sympy.zoo, sympy.nan) else mpmath.mpf(node.evalf(40))
    if node is sympy.pi:
        return +mpmath.pi
    if isinstance(node, ExprCondPair):
        return tuple(args)
    if isinstance(node, sympy.Piecewise):  # the first pair whose condition holds (a nan compares false)
        return next((value for value, condition in args if condition is True), mpmath.nan)
    if type(node) in _RELATIONS:
        return _RELATIONS[type(node)](*args)
    if isinstance(node, (sympy.And, sympy.Or, sympy.Not)):
        return all(args) if isinstance(node, sympy.And) else any(args) if isinstance(node, sympy.Or) else not args[0]
    if any(mpmath.isnan(a) for a in args):
        return mpmath.nan
    if isinstance(node, sympy.Add):
        return mpmath.fsum(args)
    if isinstance(node, sympy.Mul):
        return mpmath.fprod(args)
    if isinstance(node, sympy.Pow):
        base, exponent = args
        if base == 0 and exponent < 0:
            return mpmath.nan
        result = mp_power(base, exponent)
    elif isinstance(node, sympy.Max) or isinstance(node, sympy.Min):
        return max(args) if isinstance(node, sympy.Max) else min(args)
    elif isinstance(node, sympy.sign):
        return mpmath.sign(args[0])
    elif isinstance(node, sympy.Heaviside):
        return mpmath.mpf(1) if args[0] > 0 else mpmath.mpf(0) if args[0] < 0 else mpmath.mpf(node.args[1]) \
            if len(node.args) > 1 else mpmath.mpf(0.5)
    elif node.func in _MP_FUNCTIONS:
        if node.func is sympy.log and args[0] < 0:
            return mpmath.nan
        result = _MP_FUNCTIONS[node.func](args[0])
    elif node.func.__name__ == "cbrt":  # symgraph's real cube root
        result = mpmath.sign(args[0]) * mpmath.cbrt(abs(args[0]))
    else:
        raise NotImplementedError(f"no mpmath rule for {node.func}")
    if isinstance(result, mpmath.mpc):
        return mpmath.nan if result.imag != 0 else result.real
    return result


_MP = {"sin": mp_sin, "cos": mp_cos, "tan": mp_tan, "asin": mpmath.asin, "acos": mpmath.acos,
       "atan": mpmath.atan, "sinh": mp_sinh, "cosh": mp_cosh, "tanh": mpmath.tanh, "exp": mp_exp,
       "log": mpmath.log, "sqrt": mpmath.sqrt, "abs": abs, "sigmoid": lambda x: 1 / (1 + mp_exp(-x)),
       "relu": lambda x: max(x, 0), "softplus": lambda x: mpmath.log(1 + mp_exp(x))}


def _mp_value(node: tuple, values: dict, point: dict[str, float]):
    """One node's mpmath value from its operands' (a complex result is nan: symgraph works in the reals)."""
    kind = node[0]
    if kind == "num":
        return mpmath.mpf(node[1].p) / node[1].q
    if kind == "pi":
        return +mpmath.pi
    if kind == "in":
        return mpmath.mpf(float(point[node[1]]))
    args = [values[c] for c in children(node)]
    if any(mpmath.isnan(a) for a in args):
        return mpmath.nan
    if kind == "fn":
        x = args[0]
        if (node[1] in ("log", "sqrt") and x < 0) or (node[1] in ("asin", "acos") and abs(x) > 1):
            return mpmath.nan
        result = _MP[node[1]](x)
    elif kind == "neg":
        result = -args[0]
    elif kind == "pow":
        result = mp_power(args[0], args[1])
    else:
        a, b = args
        result = {"add": a + b, "sub": a - b, "mul": a * b}[kind] if kind != "div" else a / b
    if isinstance(result, mpmath.mpc):
        return mpmath.nan if result.imag != 0 else result.real
    return result


def read(text: str) -> Program:
    """The oracle's reading of one program text."""
    reader = _Reader(text)
    output, name, assigned = reader.program()
    return Program(text, output, name, assigned, tuple(reader.inputs))


def as_float(value: sympy.Expr) -> float | None:
    """A real finite 30-digit value as a float, else None."""
    if isinstance(value, (mpmath.mpf, int, float)):
        result = float(value)
    else:
        try:
            re_part, im_part = value.as_real_imag()
            if abs(complex(im_part)) > 1e-25 * max(1.0, abs(complex(re_part))):
                return None
            result = float(re_part)
        except (TypeError, ValueError, AttributeError):
            return None
    return result if result == result and abs(result) != float("inf") else None


def well_inside(program: Program, point: dict[str, float], bound: float = 1e6) -> bool:
    """True when every node at ``point`` is real, moderate, and away from domain edges and kinks."""
    values = program.node_values(point)
    for node, value in values.items():
        v = as_float(value)
        if v is None or abs(v) > bound:
            return False
        kind = node[0]
        arg = as_float(values[node[-1]]) if kind == "fn" else None
        if kind == "fn":
            name = node[1]
            if name in ("abs", "relu") and abs(arg) < 1e-3:
                return False
            if name in ("log", "sqrt") and arg < 1e-3:
                return False
            if name in ("asin", "acos") and abs(arg) > 0.999:
                return False
            if name == "tan" and abs(float(mpmath.cos(values[node[2]]))) < 1e-2:
                return False
        elif kind == "div" and abs(as_float(values[node[2]])) < 1e-3:
            return False
        elif kind == "pow":
            base, exponent = as_float(values[node[1]]), node[2]
            integral = exponent[0] == "num" and not exponent[2] and exponent[1].is_integer
            if (base < 1e-3) if not integral else (exponent[1] < 0 and abs(base) < 1e-3):
                return False
    return True


def shared_derivative(progs: list, prog: Program, name: str, point: dict[str, float]) -> sympy.Expr:
    """d prog / d name when several texts make one graph: symgraph's rule for names across texts.

    Inputs are shared by name and win: a name that is an input of any text
    is that input everywhere (a text that assigns it locally gets its own
    node, which the name no longer reaches).  Otherwise the name stands for
    the node the first text assigning it gave it, and that node is one node
    in every text (equal subexpressions are one node of the shared graph).
    """
    if any(name in p.inputs for p in progs):
        node = ("in", name)
    else:
        node = next((p.assigned[name] for p in progs if name in p.assigned), None)
    if node is None or node[0] in ("num", "pi") or node not in set(prog.nodes()):  # a constant names no node
        return sympy.Integer(0)
    symbol = sympy.Symbol("__node__", real=True)
    expr = sympy.diff(prog.sympy(node, symbol), symbol)
    subs = prog.subs({n: point[n] for n in prog.inputs})
    subs[symbol] = _n(Program(prog.text, node, None, {}, prog.inputs).sympy(), subs)
    return _n(expr, subs)
