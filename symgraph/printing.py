"""Text exports of graphs: Mermaid flowcharts and Graphviz DOT.

Inputs are boxes, operations are circles labelled with their op; an edge can
carry the forward value of its source node and, when given, the adjoint
(gradient) of that node -- the textbook's green and red numbers.
"""
from __future__ import annotations

from typing import Mapping

from .graph import Graph

OP_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^", "neg": "-"}


def op_label(graph: Graph, node: str) -> str:
    """What a drawing writes in a node: its name, and its op for operations (``c: +``)."""
    op = graph.op(node)
    if op == "input":
        return node
    if op == "const":
        return f"{node}: {graph.operands(node)[0]}"
    constants = [str(x) for x in graph.operands(node) if not isinstance(x, str)]
    symbol = OP_SYMBOLS.get(op, op)
    return f"{node}: {symbol}" + (f" {' '.join(constants)}" if constants else "")


def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def edge_label(u: str, values: Mapping | None, adjoints: Mapping | None) -> str:
    parts = []
    if values is not None and u in values:
        parts.append(_number(values[u]))
    if adjoints is not None and u in adjoints:
        parts.append(f"grad {_number(adjoints[u])}")
    return " | ".join(parts)


def to_mermaid(graph: Graph, values: Mapping | None = None, adjoints: Mapping | None = None) -> str:
    """A ``flowchart LR``: inputs as boxes, ops as circles, edges labelled with values/adjoints.

    Examples
    --------
    >>> import symgraph as sg
    >>> print(sg.to_mermaid(sg.parse("c = a + b; d = b + 1; e = c * d")))  # doctest: +ELLIPSIS
    flowchart LR
        a["a"]
    ...
        c -->|...| e
    """
    lines = ["flowchart LR"]
    for node in graph.order:
        label = op_label(graph, node).replace('"', "'")
        lines.append(f'    {node}["{label}"]' if graph.op(node) == "input" else f'    {node}(("{label}"))')
    for u, v in graph.nx.edges:
        label = edge_label(u, values, adjoints)
        lines.append(f'    {u} -->|"{label}"| {v}' if label else f"    {u} --> {v}")
    return "\n".join(lines)


def to_dot(graph: Graph, values: Mapping | None = None, adjoints: Mapping | None = None) -> str:
    """Graphviz DOT, left to right; values in green and adjoints in red on the edges."""
    lines = ["digraph symgraph {", "    rankdir=LR;"]
    for node in graph.order:
        shape = "box" if graph.op(node) == "input" else "circle"
        lines.append(f'    "{node}" [label="{op_label(graph, node)}", shape={shape}];')
    for u, v in graph.nx.edges:
        parts = []
        if values is not None and u in values:
            parts.append(f'<font color="darkgreen">{_number(values[u])}</font>')
        if adjoints is not None and u in adjoints:
            parts.append(f'<font color="red">{_number(adjoints[u])}</font>')
        attrs = f" [label=<{'<br/>'.join(parts)}>]" if parts else ""
        lines.append(f'    "{u}" -> "{v}"{attrs};')
    lines.append("}")
    return "\n".join(lines)
