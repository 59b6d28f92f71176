"""What the subcommands print alike: aligned ``name = value`` lines, the bound on entry lines, JSON and warnings."""
from __future__ import annotations

import json
import math
from typing import Any, TextIO

import numpy as np

from ..errors import ConstantWrtWarning, UnusedWrtWarning, shown_names
from ..export.display import Advice, expand_note, expression_text, listing


#: how to see more of a derivative printed as its program, in options (the library's printing names Python calls)
ADVICE = Advice(every_line="--json writes every line, as its 'program'", expand="--expand prints it whole",
                compute="the program above computes it, and --at NAME=VALUE its value")


#: ... and of the expression itself (a JSON 'expression' or a heading printed as its program)
EXPRESSION_ADVICE = Advice(every_line="symgraph graph EXPR --format dot writes every node")


def _json_point(point: dict) -> dict:
    """The point as JSON takes it: an input of no entries as its (empty) nested list."""
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in point.items()}


def unused_wrt_warning(warning: UnusedWrtWarning) -> str:
    """The library's :class:`~symgraph.errors.UnusedWrtWarning`, worded for the shell.

    The library decides which names are absent (the derivative by them is 0,
    as in sympy and JAX); the shell names the inputs, the closest match and
    ``--allow-unused``, which says the name is meant to be absent.
    """
    unused, inputs = warning.absent, warning.inputs
    names = shown_names(list(map(repr, unused)))
    if isinstance(warning, ConstantWrtWarning):
        one = len(unused) == 1
        return (f"warning: --wrt {names} {'is' if one else 'are'} assigned a constant in the expression, not a "
                f"variable: {'its derivative is' if one else 'their derivatives are'} 0. Make "
                f"{'it an input' if one else 'them inputs'} to differentiate by {'it' if one else 'them'}, or add "
                "--allow-unused if 0 is meant.")
    hints = "".join(f"; {w!r} is {warning.reserved[w]}, not a variable" if w in warning.reserved else
                    f"; closest to {w!r}: {warning.closest[w]!r}" for w in unused[:20]
                    if w in warning.reserved or w in warning.closest)
    one = len(unused) == 1
    return (f"warning: --wrt {names} {'is' if one else 'are'} not in the expression "
            f"(inputs: {shown_names(inputs) or 'none'}{hints}): {'its derivative is' if one else 'their derivatives are'} 0. "
            "Add --allow-unused if that is meant.")


def _json_number(value: Any) -> float | str:
    value = float(value)
    return value if math.isfinite(value) else str(value)  # JSON has no nan/inf


def _aligned(rows: list[tuple[str, str]], values: list[str] | None) -> list[str]:
    """``left = right`` lines, the labels padded so that every ``=`` stands in one column (``df/dx`` beside
    ``df/dyy`` ran ragged), with ``= value`` columns aligned when values are given."""
    width = max((len(left) for left, _ in rows), default=0)
    lines = [f"{left.ljust(width)} = {right}" for left, right in rows]
    if values is None or not lines:
        return lines
    width = max(len(line) for line in lines)
    return [f"{line.ljust(width)}    = {value}" for line, value in zip(lines, values)]


#: entry lines ``symgraph grad``, ``jacobian`` and ``hessian`` print before one line counts the rest (--json
#: gives every entry): a closed form costs 1-4 ms to build, simplify and print, and 10,000 of them took 13-18 s
ENTRY_LINES = 100


def _more(total: int, mark: str = "#") -> list[str]:
    """The line counting the entries past :data:`ENTRY_LINES`, or none."""
    rest = total - ENTRY_LINES
    return [f"{mark} ... and {rest:,} more (--json prints every one)"] if rest > 0 else []


def _mark(args) -> str:
    """What starts a note line: ``%`` in --latex output, LaTeX's comment (a ``#`` there stops LaTeX), else ``#``."""
    return "%" if args.latex else "#"


def _expression(graph: Any, node: str | None = None, expand: bool = False) -> str:
    """An output's expression as text in bounded time (:func:`expression_text`), with the command's advice."""
    return expression_text(graph, node, expand, EXPRESSION_ADVICE)


def _no_variables(graph: Any) -> str:
    """Why a derivative has no entries, to go before "its gradient is empty": no variables, or indexed inputs
    of no elements (``--size n=0``), which the function still has (it said "0 has no variables" of
    sum(x[i]^2, i, 0, n-1) at n = 0)."""
    empty = [name for name, known in graph.indexed.items() if not known.nodes]
    if not empty:
        return f"{_expression(graph)} has no variables:"
    return f"{_expression(graph)}: {shown_names(empty)} {'has' if len(empty) == 1 else 'have'} no elements, so"


def _print_large(result: Any, labels: list[str], out: TextIO) -> None:
    """The program behind results too large to print as formulas, and how to ask for them."""

    if labels:
        print(listing(result.program, labels, advice=ADVICE), file=out)
        print(expand_note(result.program, labels, advice=ADVICE), file=out)


def _function_value(graph, point: dict[str, float]) -> list[float]:
    """The value of every output at ``point`` (JSON's ``"value"``, beside the derivatives' values)."""
    with np.errstate(all="ignore"):
        numbers = graph.evaluate(**point)
    return [numbers[y] for y in graph.outputs]


def _print_json(data: dict, out: TextIO) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False), file=out)
