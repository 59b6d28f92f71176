"""A graph's values at a point (symgraph/ir/graph_values.py) and a program's (symgraph/ir/program.py), printed."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import symgraph as sg

ROSENBROCK = "sum(100*(x[i+1] - x[i]^2)^2 + (1 - x[i])^2, i, 0, n-2)"


def test_the_values_of_a_large_graph_print_their_first_entries_and_count_the_rest():
    """``g.evaluate(x=X)`` printed every node's value: at n = 100,000 with 50 points each, 210 MB of text in 220 s
    (a notebook cell ending in it hung), where ``gradient.at(...)`` prints its first 20 entries and a count."""
    graph = sg.parse(ROSENBROCK, n=1000)
    values = graph.evaluate(x=np.ones((1000, 3)))
    assert len(values) == 8991 and values["x[0]"].tolist() == [1.0, 1.0, 1.0]
    text = repr(values)
    assert text.endswith(", ... (8,971 more)}") and len(text) < 3000 and str(values) == text
    assert repr(graph.evaluate(x=np.ones(1000))).startswith("{'x_1': 1.0, 'x_0': 1.0, ")
    results = sg.grad(ROSENBROCK, n=1000).program.evaluate(x=np.ones(1000))
    assert len(results) == 1000 and repr(results).endswith(", ... (980 more)}") and results["x[3]"] == 0.0
    assert type(pickle.loads(pickle.dumps(values))) is dict


def test_a_few_values_print_as_a_dict():
    values = sg.parse("c = a + b; e = c * b").evaluate(a=2, b=1)
    assert repr(values) == str(values) == "{'a': 2.0, 'b': 1.0, 'c': 3.0, 'e': 3.0}"
    assert repr(sg.grad("a*b").program.evaluate(a=2, b=1)) == "{'a': 1.0, 'b': 2.0}"


def test_a_programs_graph_takes_one_output_name_per_label():
    """``program.as_graph(["x", "y"], names=["gx"])`` made a graph of two outputs with one output label, whose
    Jacobian's ``latex()`` raised IndexError; names beyond the labels were dropped silently."""
    program = sg.grad("c = x*y; c^2 + x").program
    for names in (["gx"], ["gx", "gy", "gz"], []):
        with pytest.raises(sg.ArgumentError, match=f"names= gives {len(names)} names? for 2 outputs"):
            program.as_graph(["x", "y"], names=names)
    graph = program.as_graph(["x", "y"], names=["gx", "gy"])
    assert sg.jacobian(graph).latex().startswith(r"\frac{\partial \left(\mathrm{gx}, \mathrm{gy}\right)}")
    assert program.as_graph("x", names="gx").addresses["gx"] == program.results["x"]


def test_a_programs_graph_keeps_only_values_the_function_has():
    """``program.as_graph(values=["zz"])`` left the unknown name out silently, as if the function had no such value."""
    program = sg.grad("c = x*y; c^2 + x").program
    assert program.as_graph(values=["c"]).addresses["c"] == program.graph.addresses["c"]
    with pytest.raises(sg.EntryError, match="values= names 'zz', which is no value of the function"):
        program.as_graph(values=["c", "zz"])
