"""The public surface as a researcher uses it: properties called as methods say so, closed forms too large to build
are named as the user names them, numbers too large for a float64 are refused alike everywhere."""
import pickle

import numpy as np
import pytest

import symgraph as sg


def _says_property(value, read_as):
    dotted = read_as.replace(".", "[.]")
    with pytest.raises(sg.ArgumentError, match=rf"^{dotted} is a property .*not a method: write {dotted}, without \(\)"):
        value()


@pytest.mark.parametrize("read, read_as", [
    (lambda: sg.parse("c = a + b; e = c*b").order, "g.order"),
    (lambda: sg.parse("c = a + b; e = c*b").input_nodes, "g.input_nodes"),
    (lambda: sg.hessian("x^2*y", sparse=True).pattern, "result.pattern"),
    (lambda: sg.jacobian(["x*y", "x"], sparse=True).pattern, "result.pattern"),
    (lambda: sg.hessian("x^2*y", sparse=True).lambdify().pattern, "result.pattern"),
    (lambda: sg.hessian("x^2*y", sparse=True).labels, "result.labels")])
def test_a_list_array_or_matrix_property_called_as_a_method_says_so(read, read_as):
    _says_property(read(), read_as)


def test_the_refusing_values_stay_what_they_were():
    g = sg.parse("c = a + b; e = c*b")
    assert g.order == ["a", "b", "c", "e"] and isinstance(g.order, list) and g.order[1:] == ["b", "c", "e"]
    assert g.input_nodes == ("a", "b") and isinstance(g.input_nodes, tuple)
    S = sg.hessian("x^2*y + sin(y)", sparse=True)
    import scipy.sparse
    assert scipy.sparse.issparse(S.pattern) and S.pattern.format == "csr" and S.pattern.nnz == 4
    again = pickle.loads(pickle.dumps(S))
    assert (again.pattern != S.pattern).nnz == 0
    _says_property(again.pattern, "result.pattern")
    assert again.at(x=1.0, y=2.0).toarray().tolist() == S.at(x=1.0, y=2.0).toarray().tolist()
    f = pickle.loads(pickle.dumps(S.lambdify()))
    assert np.allclose(f(x=1.0, y=2.0).toarray(), [[4.0, 2.0], [2.0, -np.sin(2.0)]])
    assert list(S.labels) == ["d2/dx^2", "d2/dx dy", "d2/dx dy", "d2/dy^2"]
