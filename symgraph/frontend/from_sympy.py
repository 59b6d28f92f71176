"""sympy expression -> graph nodes, iteratively (deep sympy trees must not hit the recursion limit)."""
from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np
import sympy
from sympy.core.function import UndefinedFunction
from sympy.tensor.array import NDimArray
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from ..errors import ArgumentError, GraphError, UnsupportedOpError, shown
from ..ir.builder import GraphBuilder
from ..ir.operand_kinds import CONDITION_RESULT
from ..ir.graph import Graph
from ..ir.hooks import provide
from ..ir.input_names import element_label
from ..names import check_name
from .exact_numbers import exact_number
from .limits import MAX_ELEMENTS, fits
from .sympy_composed import COMPOSED as _COMPOSED, composed as _composed, chain as _chain, with_pow_log0 as _with_pow_log0
from ..ops import OPS as _OPS, SYMPY_FUNCTIONS as _FUNCTIONS, check_call, sympy_op  # sympy class -> op name


#: the constants that are leaves; sympy makes each once, so ``is`` finds them (== would sympify the other side)
_SINGLETONS = (sympy.pi, sympy.E, sympy.true, sympy.false)


def _children(e: sympy.Expr) -> tuple:
    """The sympy subexpressions that must be converted before ``e``."""
    if isinstance(e, (sympy.Symbol, sympy.Number)) or any(e is c for c in _SINGLETONS):
        return ()
    if _composed(e) is not None:
        return () if type(e) is sympy.im else e.args
    if isinstance(e, (sympy.Indexed, MatrixElement)):  # an element x[3] or A[0, 1]: a leaf, checked in _node
        return ()
    if isinstance(e, sympy.Max) and len(e.args) == 2 and sympy.S.Zero in e.args:
        return tuple(a for a in e.args if a != 0)
    if isinstance(e, sympy.Heaviside):  # Heaviside(x, h0): h0 may be an expression of the inputs too
        return e.args
    if isinstance(e, (sympy.Max, sympy.Min, sympy.And, sympy.Or)):  # n-ary: a left fold of the binary rows
        return e.args
    if isinstance(e, sympy.Piecewise):  # nested where(); a last condition True needs no node
        return tuple(part for expr, cond in e.args for part in (expr, cond) if part is not sympy.true)
    if isinstance(e, sympy.Mul):
        numer, denom = _split_mul(e)
        return tuple(numer) + tuple(b for b, _ in denom)
    if isinstance(e, sympy.Add):
        return tuple(_split_neg(a)[1] for a in e.args)
    if isinstance(e, sympy.Pow):
        base, exponent = e.args
        if base.is_Number and exponent.is_Number and e.is_extended_real is False:  # (-1)**(1/3): a root of -1
            raise UnsupportedOpError(f"cannot convert {brief(e)} to a graph: "
                                     + (_ZOO if base.is_zero else _COMPLEX))  # 0**-1 is zoo to sympy
        if exponent.is_Number and _negative(exponent):
            return (base,)
        return (base,) if exponent is sympy.S.Half else e.args
    name = sympy_op(type(e))
    if name is not None:
        check_call(name, len(e.args))  # a registered function's class from before it was registered again
        if len(e.args) == _OPS[name].arity:
            return e.args
    if e is sympy.I:
        raise UnsupportedOpError(f"cannot convert the imaginary unit I to a graph: {_COMPLEX}")
    if e is sympy.zoo:
        raise UnsupportedOpError(f"cannot convert zoo to a graph: {_ZOO}")
    hint = ""
    if isinstance(type(e), UndefinedFunction):
        hint = (f"; {type(e).__name__} is an undefined sympy function: register it with sg.function("
                f"{str(type(e).__name__)!r}, numpy=..., derivatives=[...]) and build the expression again")
    if isinstance(e, sympy.Lambda):
        hint = "; a Lambda is a function, not an expression: give its body (L.expr) or call it (L(x))"
    if isinstance(e, MatrixExpr):
        hint = ("; a matrix expression has no graph: give its entries, list(M.as_explicit()) (row-major), whose "
                "elements A[0, 1] of a MatrixSymbol are elements of an indexed input")
    if isinstance(e, (sympy.Sum, sympy.Product, sympy.Integral, sympy.Derivative)):  # unevaluated: sympy can expand them
        hint = (f"; an unevaluated {type(e).__name__} has no graph: expand it with .doit() first"
                + (" (or write the sum in symgraph's text: sum(x[i]^2, i, 0, n-1))" if isinstance(e, sympy.Sum) else "")
                + (" (sympy keeps the derivative of re(x) or im(x) unevaluated for a symbol not declared real, as "
                   "diff(Abs(x), x) has it: declare it, Symbol('x', real=True))"
                   if isinstance(e, sympy.Derivative) and isinstance(e.expr, (sympy.re, sympy.im)) else ""))
    raise UnsupportedOpError(
        f"cannot convert {type(e).__name__} ({brief(e)}) to a graph{hint}; supported are Add, Mul, Pow, numbers, pi, E, "
        f"symbols, elements x[3] of an IndexedBase or A[0, 1] of a MatrixSymbol, Max(0, x) (relu), n-ary Max and Min, Heaviside, Piecewise, "
        f"comparisons, And, Or, Not, {', '.join(sorted(_FUNCTIONS.values()))} and, built of these, "
        f"{', '.join(sorted(c.__name__ for c in _COMPOSED))} (log of two arguments)")


#: why a complex constant is refused, not computed: the graph's values are real floats, where sympy's (-1)**(1/3)
#: is the complex root and NumPy's gives nan, so its derivatives would be nan, silently
_COMPLEX = ("it is a complex number, and a graph computes with real numbers only (sympy's root(x, 3, 1) and "
            "(-8)**(1/3) are complex roots; real_root(-8, 3) or -cbrt(8) is the real one)")


_ZOO = "it is sympy's complex infinity (what 1/0 gives), no real number; the expression is undefined"


#: the most nodes of an expression a message writes out (its text is cut to a line anyway)
_SHOWN_NODES = 200


def brief(e: sympy.Basic, width: int = 80) -> str:
    """``str(e)`` for a message, cut to ``width`` characters; an expression of more than :data:`_SHOWN_NODES`
    nodes as its head with its arguments elided.  Why not ``str`` alone: sympy's printer recurses, and a
    10,000-deep expression refused for one unsupported node raised RecursionError writing the message;
    a sum of 10**5 terms took seconds to print for one line."""
    count, stack = 0, [e]
    while stack and count <= _SHOWN_NODES:
        count += 1
        stack.extend(getattr(stack.pop(), "args", ()))
    if count > _SHOWN_NODES:
        return f"{type(e).__name__}(...)" if e.args else type(e).__name__
    text = str(e)
    return text if len(text) <= width else text[:width - 3] + "..."


def _negative(number: sympy.Number) -> bool:
    """``number < 0``, read off its value: sympy's ``is_negative`` runs its fact deduction, 0.1-0.2 ms on each
    new Integer (a sum of 5,000 terms c*x^k converted at 0.2 ms a term, most of it there)."""
    if isinstance(number, sympy.Rational):
        return number.p < 0
    if isinstance(number, sympy.Float):
        return number._mpf_[0] == 1  # mpmath's sign bit (-inf too; nan and 0 have none): float() costs 6 us
    return number.is_negative is True  # the infinities, nan


def _is_minus_one(factor: sympy.Expr) -> bool:
    """-1 or -1.0, asked of a number only: sympy's == on any other expression sympifies its operand, which
    was most of the time converting a sum of 10**5 terms."""
    return factor.is_Number and factor == -1


def _split_neg(term: sympy.Expr) -> tuple[bool, sympy.Expr]:
    """(negated?, rest) for a term of a sum, so a - b becomes sub rather than add of -1*b."""
    if isinstance(term, sympy.Mul) and _is_minus_one(term.args[0]):
        rest = term.args[1:]  # already flat and ordered: sympy.Mul(*rest) would redo that, slowly, for every term
        return True, rest[0] if len(rest) == 1 else sympy.Mul._from_args(rest)
    if isinstance(term, sympy.Number) and _negative(term):
        return True, -term
    return False, term


def _split_mul(e: sympy.Mul) -> tuple[list, list]:
    """A product's factors: those of its numerator, and (base, positive exponent) for each of its divisor."""
    numer, denom = [], []
    for factor in e.args:
        if isinstance(factor, sympy.Pow) and factor.exp.is_Number and _negative(factor.exp):
            denom.append((factor.base, -factor.exp))
        elif isinstance(factor, sympy.Rational) and not isinstance(factor, sympy.Integer) and factor.p == 1:
            denom.append((sympy.Integer(factor.q), sympy.S.One))
        else:
            numer.append(factor)
    return _with_pow_log0(numer), denom


def add_sympy(builder: GraphBuilder, root: sympy.Expr, matrices: dict | None = None):
    """Add ``root`` and its subexpressions to ``builder``; return the root's node id or constant.

    ``matrices``: the MatrixSymbols met so far, by name (shared by the expressions of one graph)."""
    matrices = {} if matrices is None else matrices
    _hash_children_first(root)
    done: dict[sympy.Expr, object] = {}
    stack: list[tuple[sympy.Expr, bool]] = [(root, False)]  # (expression, its operands converted already?)
    while stack:
        e, ready = stack.pop()
        if e in done:
            continue
        if ready:
            done[e] = _node(builder, e, done, matrices)
            continue
        stack.append((e, True))  # each expression's operands found once: _children splits sums and products
        # reversed: the first operand is converted first, so inputs come in order of first appearance
        stack.extend((c, False) for c in reversed(_children(e)) if c not in done)
    return done[root]


def _hash_children_first(root: sympy.Basic) -> None:
    """Hash every node of ``root`` after its arguments.

    Why: sympy computes a node's hash from its arguments' hashes on first
    use and caches it; a tree built with ``evaluate=False`` (a Piecewise
    nested 10,000 deep) has no hash cached yet, and the first ``e in done``
    would recurse down the whole tree.  Hashed children first, each call
    goes one level deep.  A node whose hash is cached has its subtree hashed
    already: the walk stops there, so an ordinary expression costs nothing.
    """
    seen: set[int] = set()
    stack: list[tuple[sympy.Basic, bool]] = [(root, False)]
    while stack:
        e, children_done = stack.pop()
        if children_done:
            hash(e)
        elif id(e) not in seen and getattr(e, "_mhash", None) is None:
            seen.add(id(e))
            stack.append((e, True))
            stack.extend((a, False) for a in e.args)


def _node(builder: GraphBuilder, e: sympy.Expr, done: dict, matrices: dict):
    build = _composed(e)
    if build is not None:
        return build(builder) if type(e) is sympy.im else build(builder, *(done[a] for a in e.args))
    if isinstance(e, sympy.Symbol):
        check_name("symbol", e.name)
        if e.is_commutative is False:  # a graph would reorder its products: A*B - B*A became 0, silently
            raise UnsupportedOpError(f"symbol {e.name!r} is noncommutative (commutative=False): a graph input is a "
                                     "real number, and products of numbers commute")
        return builder.input(e.name, e)  # the user's own Symbol, assumptions and all
    if isinstance(e, sympy.Indexed):
        return _element(builder, e)
    if isinstance(e, MatrixElement):
        return _matrix_element(builder, e, matrices)
    if isinstance(e, sympy.Rational):  # beyond float64 the nodes of 10^400, as the text keeps it (never 5,000
        return exact_number(builder, e)  # digits, which Python cannot print): the two graphs agree
    if isinstance(e, sympy.Number) or e is sympy.pi:
        return e
    if e is sympy.E:
        return builder.op("exp", sympy.Integer(1))
    if isinstance(e, sympy.Max) and len(e.args) == 2 and sympy.S.Zero in e.args:
        return builder.op("relu", done[_children(e)[0]])
    if isinstance(e, (sympy.Max, sympy.Min)):  # one node of n operands
        return builder.op("max" if isinstance(e, sympy.Max) else "min", *(done[a] for a in e.args))
    if isinstance(e, (sympy.And, sympy.Or)):
        return _chain(builder, "and" if isinstance(e, sympy.And) else "or", [done[a] for a in e.args])
    if isinstance(e, sympy.Piecewise):
        for expr, cond in e.args:
            if cond is not sympy.true and not builder.is_condition(done[cond]):
                raise UnsupportedOpError(
                    f"the condition {brief(cond)} of {brief(e)} is no condition: a Piecewise condition is a comparison "
                    "(x > 0, Eq(x, y)) or And, Or, Not of them; a symbol stands for a real number")
        expr, cond = e.args[-1]
        acc = done[expr] if cond is sympy.true else \
            builder.op("where", done[cond], done[expr], _undefined(builder, [done[part] for part in e.args[-1]]))
        for expr, cond in reversed(e.args[:-1]):
            acc = builder.op("where", done[cond], done[expr], acc)
        return acc
    if e is sympy.true or e is sympy.false:
        return e
    if isinstance(e, sympy.Heaviside):
        # Heaviside(x) is 1/2 at 0 in sympy; Heaviside(x, h0) is h0 there
        h0 = done[e.args[1]] if len(e.args) > 1 else sympy.S.Half
        return builder.op("heaviside", done[e.args[0]], h0)
    if isinstance(e, sympy.Add):
        acc = None
        for term in e.args:
            negated, rest = _split_neg(term)
            ref = done[rest]
            if acc is None:
                acc = builder.op("neg", ref) if negated else ref
            else:
                acc = builder.op("sub" if negated else "add", acc, ref)
        return acc
    if isinstance(e, sympy.Mul):
        numer, denom = _split_mul(e)
        negate = bool(numer) and _is_minus_one(numer[0])
        if negate:
            numer = numer[1:]
        acc = _chain(builder, "mul", [done[f] for f in numer]) if numer else sympy.Integer(1)
        if denom:
            acc = builder.op("div", acc, _chain(builder, "mul", [_power(builder, done[b], k) for b, k in denom]))
        return builder.op("neg", acc) if negate else acc
    if isinstance(e, sympy.Pow):
        base, exponent = e.args
        if exponent.is_Number and _negative(exponent):
            return builder.op("div", sympy.Integer(1), _power(builder, done[base], -exponent))
        return builder.op("sqrt", done[base]) if exponent is sympy.S.Half else builder.op("pow", done[base], done[exponent])
    return builder.op(sympy_op(type(e)), *(done[a] for a in e.args))


def _power(builder: GraphBuilder, base: Any, exponent: Any):
    """``base^exponent`` (refs), as sympy's Pow is converted: ``x^1`` is x, ``x^(1/2)`` sqrt(x).

    A divisor ``x^k`` of ``x^-k`` comes with ``k`` a number, not as a sympy Pow: building ``x**1.5`` for each
    ``x**-1.5`` was most of the time converting a sum of ``c*x**-2.5`` (tests/frontend/test_from_sympy.py).
    """
    if isinstance(exponent, sympy.Rational):
        exponent = exact_number(builder, exponent)
    if exponent is sympy.S.One:
        return base
    if exponent is sympy.S.Half:
        return builder.op("sqrt", base)
    return builder.op("pow", base, exponent)


def _undefined(builder: GraphBuilder, parts: list) -> object:
    """The value of a Piecewise where no condition holds: nan, as sympy's evalf says, and so are its
    derivatives of every order by every input the Piecewise reads (as ``sympy.diff`` leaves them undefined).

    Why not the constant nan: a constant's derivative is 0, so ``Piecewise((x**2, x > 0))`` had gradient 0
    at x = -1, where the function itself is nan.  ``nan*exp(x + y + ...)`` over the inputs below the
    Piecewise (its last branch and condition hold the others) is nan at every point and so is each
    derivative, however often taken; the branch selects discard it where a condition holds.
    """
    inputs = builder.inputs_under(parts)
    if not inputs:  # a Piecewise of constants: nothing to differentiate by
        return sympy.nan
    return builder.op("mul", sympy.nan, builder.op("exp", _chain(builder, "add", inputs)))


def _element(builder: GraphBuilder, e: sympy.Indexed):
    """The input node of ``x[3]`` (sympy's ``IndexedBase("x")[3]``, as closed forms of indexed inputs are
    written): the same element node the text ``x[3]`` makes, so closed forms convert back."""
    name = str(e.base.label)
    check_name("indexed", name)
    index = e.indices
    if not all(isinstance(i, sympy.Integer) and i >= 0 for i in index):
        raise UnsupportedOpError(f"cannot convert {e}: the indices of an indexed input must be non-negative integers "
                                 "(a symbolic index or a sympy Sum has no graph: expand it with .doit() first)")
    index = tuple(int(i) for i in index)
    if not fits(index):
        raise UnsupportedOpError(f"{e} makes {name} an input of more than {MAX_ELEMENTS:,} entries")
    shape = e.base.shape  # IndexedBase("x", shape=(2,))[5]: sympy does not check it, and x grew to 6 entries
    if shape is not None and len(shape) == len(index) and any(
            isinstance(k, sympy.Integer) and i >= k for i, k in zip(index, shape)):
        raise UnsupportedOpError(f"cannot convert {e}: it is outside the shape {tuple(shape)} its IndexedBase declares")
    if shape is not None and len(shape) == len(index) and all(isinstance(k, sympy.Integer) for k in shape) and \
            fits(tuple(int(k) - 1 for k in shape)):
        builder.declare_extents({name: tuple(int(k) for k in shape)})  # its extent, as a MatrixSymbol's shape is
    return builder.indexed_input(name, index)


def _matrix_element(builder: GraphBuilder, e: MatrixElement, matrices: dict):
    """The input node of ``A[0, 1]`` of a ``MatrixSymbol("A", m, n)``: element (0, 1) of the indexed input A,
    as the text ``A[0, 1]`` makes it (named so, and read back as ``IndexedBase("A")[0, 1]``); A's extent is
    the MatrixSymbol's shape, so ``wrt=[A]`` names all its m*n elements.  Two MatrixSymbols of one name and
    different shapes are an error, as two Symbols of one name are: the input would silently take the larger
    shape, and ``wrt=[A]`` of the smaller one would name elements it does not have."""
    matrix = e.parent
    if not isinstance(matrix, sympy.MatrixSymbol):
        raise UnsupportedOpError(f"cannot convert {e}: an element of a matrix expression {type(matrix).__name__} "
                                 "has no graph; give the entries of M.as_explicit()")
    name = str(matrix.name)
    check_name("matrix symbol", name)
    known = matrices.setdefault(name, matrix)
    if known != matrix:
        raise UnsupportedOpError(f"two different matrix symbols are both named {name!r}: {_shown(known)} and "
                                 f"{_shown(matrix)}; an indexed input has one shape, so rename one of them")
    index = (e.i, e.j)
    if not all(isinstance(i, sympy.Integer) and i >= 0 for i in index):
        raise UnsupportedOpError(f"cannot convert {e}: the indices of a matrix element must be non-negative integers")
    shape = matrix.shape
    if all(isinstance(k, sympy.Integer) for k in shape) and fits(tuple(int(k) - 1 for k in shape)):
        builder.declare_extents({name: tuple(int(k) for k in shape)})
    return builder.indexed_input(name, tuple(int(i) for i in index))


def _functions(matrix: sympy.MatrixBase) -> list:
    """A column or row Matrix of functions as the list of them (a Jacobian's rows, in order).

    Why not every Matrix: the result of m functions is m entries of one list, and a 2x2 Matrix read as four
    functions was flattened silently, its Jacobian 4 x n with no trace of rows and columns.
    """
    rows, columns = matrix.shape
    if rows > 1 and columns > 1:
        raise ArgumentError(f"a {rows}x{columns} sympy Matrix is not a list of functions: give a column or a row "
                            f"of them, or its entries in row-major order as list(M) (or M.reshape({rows * columns}, 1))")
    return list(matrix)


def is_sympy_item(item: object) -> bool:
    """A sympy expression or a real number (int, float, NumPy's, Fraction, Decimal; not a bool): what a list
    of functions given to :meth:`Graph.from_sympy` may hold."""
    return isinstance(item, (sympy.Basic, numbers.Real)) and not isinstance(item, (bool, np.bool_))


def _number(value: numbers.Real) -> sympy.Expr:
    """A real number as a sympy constant: an integral one exact (NumPy's int64 was refused as no sympy
    expression), a float as its float64 value."""
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Rational):
        return sympy.Rational(int(value.numerator), int(value.denominator))
    return sympy.Float(float(value))


def _listed(given: object) -> list:
    """The functions ``given`` stands for, in order: a list or tuple (also sympy's Tuple) as its items, a
    column or row Matrix or a 1-d Array as its entries, anything else as one function."""
    if isinstance(given, (list, tuple, sympy.Tuple)):
        return list(given)
    if isinstance(given, sympy.MatrixBase):
        return _functions(given)
    if isinstance(given, NDimArray):
        if given.rank() != 1:
            raise ArgumentError(f"a {'x'.join(map(str, given.shape))} sympy Array is not a list of functions: give a "
                                "1-d Array, or its entries in row-major order as list(A)")
        return list(given)
    return [given]


def graph_from_sympy(expr_or_list: "sympy.Expr | Sequence[sympy.Expr]") -> Graph:
    """:meth:`Graph.from_sympy`: a graph of one sympy expression or several, outputs in order."""
    exprs = _listed(expr_or_list)
    for e in exprs:
        if isinstance(e, (sympy.MatrixBase, NDimArray)):
            raise ArgumentError(f"a list of functions holds a {'x'.join(map(str, e.shape))} sympy "
                                f"{'Matrix' if isinstance(e, sympy.MatrixBase) else 'Array'}: give its entries, "
                                "list(M), in the list")
        if isinstance(e, str):  # never sympified: user text goes through the parser
            raise ArgumentError(f"Graph.from_sympy takes sympy expressions, not text {shown(e)}: parse text with "
                                "sg.parse(text) (every other call takes text as it is)")
        if not is_sympy_item(e):
            raise ArgumentError(f"Graph.from_sympy takes sympy expressions (or a list of them), got "
                                f"{type(e).__name__} {shown(e)}")
    builder = GraphBuilder()
    matrices: dict[str, sympy.MatrixSymbol] = {}
    outputs = [add_sympy(builder, e if isinstance(e, sympy.Basic) else _number(e), matrices) for e in exprs]
    for k, (expr, out) in enumerate(zip(exprs, outputs)):
        if builder.is_condition(out):
            text = brief(expr, 60)
            where = f"output {k + 1} ({text})" if len(exprs) > 1 else text
            raise GraphError(f"{where}: {CONDITION_RESULT}")
    graph = builder.finish(outputs)
    _check_matrix_shapes(graph, matrices)
    return graph


def _shown(matrix: sympy.MatrixSymbol) -> str:
    return f"MatrixSymbol({str(matrix.name)!r}, {', '.join(map(str, matrix.shape))})"


def _check_matrix_shapes(graph: Graph, matrices: dict) -> None:
    """An element ``IndexedBase("A")[i, j]`` beside a ``MatrixSymbol("A", m, n)`` must lie inside its shape
    (sympy checks the MatrixSymbol's own elements only): the input's extent is the MatrixSymbol's shape, as a
    text's declared extent, and an element beyond it is an error, not a silently larger input."""
    for name, matrix in matrices.items():
        shape = graph.indexed[name].shape
        declared = tuple(matrix.shape)
        if all(isinstance(k, sympy.Integer) for k in declared) and shape != tuple(map(int, declared)):
            outside = next(index for index in graph.indexed[name].nodes
                           if any(i >= k for i, k in zip(index, declared)))
            raise GraphError(f"{element_label(name, outside)} is outside {_shown(matrix)}: its indices run "
                             f"to {', '.join(str(k - 1) for k in declared)}")


provide("from_sympy", graph_from_sympy)
