"""Edge labels of a drawing at a batch of points: each array written as a short list, on one line."""
import numpy as np
import pytest

import symgraph as sg
from symgraph.export.text import format_number


@pytest.mark.parametrize("value, text", [
    (np.array([1.0, 2.0, 3.0]), "[1, 2, 3]"),
    (np.arange(1000.0) / 8, "[0, 0.125, 0.25, …, 124.9] (1,000 values)"),
    (np.ones((2, 3)), "[1, 1, 1, …, 1] (2×3)"),
    (np.array([True, False]), "[true, false]"),
    (np.array([np.nan, -np.inf, 1e20]), "[nan, -inf, 1e+20]"),
    (np.array(2.5), "2.5"),
    (np.array([5.0]), "[5]"),
])
def test_an_array_is_written_as_its_numbers_are(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize("export", [sg.to_mermaid, sg.to_dot])
def test_a_drawing_at_many_points_writes_each_label_on_one_short_line(export):
    """NumPy's text of 100 values broke into lines (a Mermaid edge label may not) and wrote every value."""
    text = export("sin(x)*y", at={"x": np.linspace(0.0, 1.0, 100), "y": 2.0}, adjoints=True)
    assert "[0, 0.0101, 0.0202, …, 1] (100 values)" in text  # x's values
    assert "[0, 0.0202, 0.0404, …, 1.683] (100 values)" in text  # the output's
    one_point = export("sin(x)*y", at={"x": 0.5, "y": 2.0}, adjoints=True)
    assert len(text.splitlines()) == len(one_point.splitlines()) and "..." not in text
