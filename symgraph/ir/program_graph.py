"""A program as a :class:`~symgraph.ir.graph.Graph`: :meth:`Program.as_graph`'s work.

Derivatives of derivatives are taken on this graph, so the program's sharing
survives.  Apart from :mod:`~symgraph.ir.program` because it builds a graph's
tables (inputs, addresses, output names) from a program's rows, which a
program's own job (rows, numbers, closed forms) does not need.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .. import constants, ops
from ..errors import ArgumentError, EntryError, counted, shown, shown_names
from ..names import is_identifier
from ..options import label_list
from .graph import Graph
from .liveness import live_instructions

if TYPE_CHECKING:
    from .program import Program


class _Labels:
    """The default ``names`` of :meth:`Program.as_graph`: the result labels themselves (None asks for no names)."""

    def __repr__(self) -> str:
        return "LABELS"


LABELS = _Labels()


def program_graph(program: "Program", labels: Iterable[str] | None, values: Iterable[str],
                  names: Iterable[str | None] | None | _Labels) -> Graph:
    """:meth:`Program.as_graph` (which says what each argument means)."""
    if labels is not None and not isinstance(labels, (str, list, tuple)):
        raise ArgumentError(f"as_graph() takes a result label or a list of them, got {type(labels).__name__}")
    labels = list(program.results if labels is None else [labels] if isinstance(labels, str) else labels)
    unknown = [label for label in labels if not isinstance(label, str) or label not in program.results]
    if unknown:
        raise EntryError(f"no result {unknown[0]!r} in the program; results: {shown_names(list(program.results), 10)}")
    unused = set(program.unused)
    inputs = program.inputs if not unused else tuple(x for x in program.inputs if x not in unused)  # read by none
    op_of: dict[str, str] = {x: "input" for x in inputs}
    operands: dict[str, tuple] = {x: () for x in inputs}
    for target, op, args in program.instructions:
        op_of[target], operands[target] = op, args
    outputs, constants_ = [], {}
    for label in labels:
        ref = program._ref(label)
        if isinstance(ref, str):
            outputs.append(ref)
            continue
        key = constants.constant_key(ref)
        if key not in constants_:
            number = len(constants_) + 1
            while f"c{number}" in op_of:
                number += 1
            constants_[key] = f"c{number}"
            op_of[constants_[key]], operands[constants_[key]] = "const", (ref,)
        outputs.append(constants_[key])
    graph = program.graph
    values = set(_names("Program.as_graph(): values=", values))
    unknown = [name for name in values if graph is None or name not in graph.addresses]
    if unknown:  # was left out silently, as if the function had no such value
        raise EntryError(f"Program.as_graph(): values= names {shown(unknown[0])}, which is no value of the function"
                         + (f" (its names: {shown_names(list(graph.addresses), 10)})" if graph is not None else ""))
    if names is LABELS:  # the result labels themselves, where they can name an output (Program(..., {"f": "t1"})'s
        # output is f, not t1): not a generated name of the function's graph (a label v1), which no user gave, nor
        # an input's name, left out ones too (a gradient's label z of an absent wrt name z is no output named z)
        own, taken = graph.op_of if graph is not None else {}, set(program.inputs)
        names = [None if label in own or label in taken else label for label in labels]
    elif names is not None:
        names = [name if isinstance(name, str) else None
                 for name in label_list("Program.as_graph(): names=", names, "name")]
        if len(names) != len(labels):  # zipped with the outputs: the ones past the shorter list were left unnamed
            raise ArgumentError(f"Program.as_graph(): names= gives {counted(len(names), 'name')} for "
                                f"{counted(len(labels), 'output')} (one per label, or None for no name)")
    if values:  # the function's own rows of the values asked for that the program left out (dead code to it)
        wanted = [graph.addresses[n] for n in values if graph.addresses.get(n) is not None]
        for target, op, args in live_instructions(graph.rows(backwards=True), wanted, known=op_of):
            op_of[target], operands[target] = op, args
    addresses = {name: node for name, node in (graph.addresses.items() if graph is not None else ())
                 if name in values or node in op_of and op_of[node] == "input"}
    for x in inputs:  # the program's own inputs (a seed u of a jvp): names a user gives, as the function's are
        if graph is None or x not in graph.op_of:
            addresses.setdefault(x, x)
    output_names = None
    if names is not None:
        output_names = [name if isinstance(name, str) and is_identifier(name) and name not in op_of
                        and name not in addresses and (graph is None or name not in graph.user_names) else None
                        for name in names]
        if len(set(filter(None, output_names))) < len(list(filter(None, output_names))):
            output_names = None  # two outputs asked by one name: none of them named by it
        for node, name in zip(outputs, output_names or ()):
            if name is not None:
                addresses[name] = node
        if output_names is not None and not any(output_names):
            output_names = None
    symbols = graph.given_symbols(inputs) if graph is not None else None  # indexed ones: made on request
    indexed = graph.indexed if graph is not None else None
    swept = []  # the sweeps' conditions, at every level (the test in C first: most programs have none)
    if not ops.CONDITIONS.isdisjoint(op_of.values()):
        own = graph.op_of if graph is not None else {}
        swept = [name for name, op in op_of.items() if op in ops.CONDITIONS and (
            name not in own or name in graph.swept_conditions)]
    return Graph.from_ops(op_of, operands, inputs, tuple(outputs), addresses=addresses, symbols=symbols,
                          indexed=indexed, output_names=output_names, swept_conditions=swept)


def _names(what: str, names: Any) -> list[str]:
    """``names`` as a list of str (one str is one name); an ArgumentError naming what else it holds: a number
    or a list of lists raised Python's bare "not iterable" or "unhashable type", and a str was read as its letters."""
    names = label_list(what, names, "name")
    wrong = next((name for name in names if not isinstance(name, str)), None)
    if wrong is not None:
        raise ArgumentError(f"{what} takes names (str), got {type(wrong).__name__} {shown(wrong)} among them")
    return names
