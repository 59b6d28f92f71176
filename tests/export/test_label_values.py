"""The numbers on a picture's edges (symgraph/export/label_values.py)."""
from __future__ import annotations

import pytest

import symgraph as sg


def test_values_and_at_giving_an_input_two_numbers_are_refused():
    """``to_mermaid(g, at={"a": 1, "b": 2}, values={"a": 5, "b": 7})`` labelled a 5 and b 7 but c = a + b 3 (from
    at=), and adjoints=True came from at= beside values from values=: one picture of two points, silently."""
    graph = sg.parse("c = a + b; d = b + 1; e = c * d")
    for draw in (sg.to_mermaid, sg.to_dot):
        with pytest.raises(sg.GraphError, match="values= gives a the value 5.0 and at= 1.0"):
            draw(graph, at={"a": 1, "b": 2}, values={"a": 5, "b": 7})
        with pytest.raises(sg.GraphError, match="values= gives b the value 7.0 and at= 2.0"):
            draw(graph, at={"a": 1, "b": 2}, values=graph.evaluate(a=1, b=7), adjoints=True)
    agreeing = sg.to_mermaid(graph, at={"a": 1, "b": 2}, values={"a": 1, "c": 30}, adjoints=True)
    assert '"1 | grad 3"' in agreeing and '"30 | grad 3"' in agreeing  # an inner node's label is the caller's
    assert sg.to_mermaid(graph, values={"a": 5, "b": 7}) == sg.to_mermaid(graph, at={"a": 5, "b": 7})
