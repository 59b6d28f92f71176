"""Bad and hostile input, as users and careless scripts give it: each is a symgraph error saying what and where,
never a raw Python exception from deep inside."""
import numpy as np
import pytest
import sympy

import symgraph as sg


def test_exploring_an_empty_list_of_functions_says_there_is_no_output():
    # the page's layout took min() of no node positions: a bare ValueError
    with pytest.raises(sg.GraphError, match="no output"):
        sg.explore([])


@pytest.mark.parametrize("save", [
    lambda path: sg.draw("x*y", path=path),
    lambda path: sg.explore("x*y").save(path),
])
def test_a_file_name_with_a_nul_character_is_an_argument_error(tmp_path, save):
    # open() refused it with a bare "ValueError: embedded null byte"
    with pytest.raises(sg.SymgraphError, match="NUL"):
        save(str(tmp_path / "a\0.svg"))
