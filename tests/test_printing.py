"""Mermaid and DOT exports: structure, labels, values and adjoints."""
import re

import symgraph as sg

TEXTBOOK = "c = a + b; d = b + 1; e = c * d"


def test_mermaid_structure_of_textbook_graph():
    text = sg.to_mermaid(sg.parse(TEXTBOOK))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert '    a["a"]' in lines and '    b["b"]' in lines  # inputs are boxes
    assert '    c(("c: +"))' in lines and '    d(("d: + 1"))' in lines and '    e(("e: *"))' in lines
    edges = {tuple(re.split(r"\s*-->\s*", line.strip())) for line in lines if "-->" in line}
    assert edges == {("a", "c"), ("b", "c"), ("b", "d"), ("c", "e"), ("d", "e")}


def test_mermaid_values_and_adjoints_on_edges():
    g = sg.parse("p = x + y; g = p * z")
    values = g.evaluate(x=1, y=3, z=-3)
    adjoints = {"x": -3, "y": -3, "z": 4, "p": -3, "g": 1}
    text = sg.to_mermaid(g, values=values, adjoints=adjoints)
    assert '    x -->|"1 | grad -3"| p' in text
    assert '    p -->|"4 | grad -3"| g' in text
    assert '    z -->|"-3 | grad 4"| g' in text


def test_dot_structure_and_colours():
    g = sg.parse(TEXTBOOK)
    text = sg.to_dot(g, values=g.evaluate(a=2, b=1))
    assert text.startswith("digraph symgraph {") and text.rstrip().endswith("}")
    assert "rankdir=LR;" in text
    assert '"a" [label="a", shape=box];' in text and '"e" [label="e: *", shape=circle];' in text
    assert '"c" -> "e" [label=<<font color="darkgreen">3</font>>];' in text
    assert len(re.findall(r"->", text)) == 5
