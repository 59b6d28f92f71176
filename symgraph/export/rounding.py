"""Which of the explorer's numbers are rounding residues: a running error bound over the page's value program.

``0.1*x + 0.2*x - 0.3*x`` at x = 1 is 5.6e-17 in float64 and ``sin(pi)``
is 1.2e-16; the page shows such values as 0.  The rule, decided here and
applied in one place of the page script (``compute``): a number is a residue
when it is within a few roundings (``NOISE``) of the magnitudes that produced
it.  Those magnitudes are a first-order running error bound (Wilkinson's) over
the very program whose results the page shows, in units of the machine epsilon:

* a leaf carries its own size: an input ``|x|``, and a constant the program
  holds rounded (``0.1``, ``pi``, ``1/3``: one float64 is not the number
  written) ``|c|``; an exact constant (``2``, ``0.5``) carries nothing;
* a row ``t = op(a, b, ...)`` carries ``|t|`` (its own rounding) plus what it
  received, ``from(t) = sum |dt/da| * bound(a)`` over its operands (rows and
  leaves); a residue is ``|t| <= NOISE * eps * from(t)``.

The values and the local derivatives are rows of one program, so both are
judged alike: ``sin(pi)`` is a residue against ``pi`` (its only operand is a
rounded constant), so is ``sin(pi)*y`` against it, and the local derivative
``cos(u)`` of ``sin(u)`` at ``u = x*pi/2`` against ``u``.  A small value
that is none (``1e-20 = x*y`` at ``x = y = 1e-10``) keeps its digits.

The partials ``dt/da`` are symgraph's own rules (:class:`~symgraph.ad.linearised.Linearised`
over the program taken as a graph, its rounded constants as leaves), compiled
to JavaScript beside ``$values``: the page recomputes the bound whenever the
reader edits an input.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import sympy

from .. import constants
from ..ad.linearised import Linearised
from ..backends.javascript import javascript_source
from ..ir.program import Program
from ..names import Namer

#: the page's function of the bound's numbers
FUNCTION = "$rounding"


def exact(constant: Any) -> bool:
    """Whether a program constant is the number it denotes (``2``, ``0.5``, ``-3/4``), not a rounding of it
    (``0.1``, ``pi``, ``1/3``); booleans, infinities and nan carry no rounding either."""
    if isinstance(constant, sympy.logic.boolalg.BooleanAtom) or isinstance(constant, (bool, int)):
        return True
    value = float(constants.constant_value(constant))
    if not math.isfinite(value):
        return True
    if isinstance(constant, sympy.Rational):  # an Integer too
        return Fraction(int(constant.p), int(constant.q)) == Fraction(value)
    if isinstance(constant, (sympy.Float, float)):  # as written: the Float's decimal digits
        return Fraction(str(constant)) == Fraction(value)
    return False  # pi, E, sqrt(2): irrational


def rounding(program: Program) -> tuple[str, dict]:
    """``(JavaScript of $rounding(inputs...), data)``: what the page needs to tell a residue from a value.

    ``$rounding`` returns every source's value (the leaves, then the program's
    rows in order) followed by every partial; ``data["terms"][s]`` lists
    ``[source, partial]`` pairs, the operands of source ``s`` with the index of
    ``d s / d operand``; ``data["at"][k]`` is the source of the program's k-th
    result, or -1 for a result the program does not compute (an input or a
    constant, shown as given).
    """
    rows = program.instructions
    names = Namer({target for target, _, _ in rows}, set(program.inputs))
    rounded: dict[Any, str] = {}  # constant key -> the leaf standing for it
    leaf_values: dict[str, Any] = {}

    def leaf(arg: Any) -> Any:
        if arg.__class__ is str or exact(arg):
            return arg
        key = constants.constant_key(arg)
        name = rounded.get(key)
        if name is None:
            name = rounded[key] = names.numbered("k")
            leaf_values[name] = arg
        return name

    instructions = [(t, op, args if op == "const" else tuple(leaf(a) for a in args)) for t, op, args in rows]
    leaves = list(program.inputs) + list(leaf_values)
    order = leaves + [t for t, _, _ in instructions]
    source_of = {name: i for i, name in enumerate(order)}
    graph = Program(leaves, instructions, {t: t for t, _, _ in instructions}).as_graph()
    lin = Linearised(graph)
    results = {f"s{i}": name for i, name in enumerate(order)}
    terms: list[list[list[int]]] = [[] for _ in leaves]
    for target, op, args in instructions:
        pairs = []
        for operand, partial in lin.node_partials(target, op, args):
            pairs.append([source_of[operand], len(results) - len(order)])
            results[f"p{len(pairs)}:{target}"] = partial
        terms.append(pairs)
    emitted = lin.emitter.program(leaves, results)
    back = leaf_values
    numbers = Program(program.inputs,
                      [(t, op, tuple(back.get(a, a) if a.__class__ is str else a for a in args))
                       for t, op, args in emitted.instructions],
                      {label: back.get(ref, ref) if ref.__class__ is str else ref
                       for label, ref in emitted.results.items()})
    at = [source_of[ref] if ref.__class__ is str and ref in source_of and ref not in leaf_values
          and ref not in program.inputs else -1 for ref in program.results.values()]
    return javascript_source(numbers, FUNCTION), {"terms": terms, "at": at}
