"""What students type from Python habit: the error names the construct, at its first character."""
import pytest

import symgraph as sg


@pytest.mark.parametrize("text, position, says", [
    ("x // 2", 2, "'//' is not supported (no integer division: write floor(x/y))"),
    ("x += 1", 2, "'+=' is not supported (no augmented assignment"),
    ("c = x; c *= 2", 9, "'*=' is not supported"),
    ("x **= 2", 2, "'**=' is not supported"),
])
def test_python_operators_outside_the_grammar_are_named(text, position, says):
    # "x // 2" said "operator '/' follows operator '/'", "x += 1" "'=' cannot start an operand".
    with pytest.raises(sg.ParseError) as caught:
        sg.parse(text)
    assert caught.value.reason.startswith(says) and caught.value.position == position
