"""A research user's audit (ninth): compiled functions copied as functions are, ... (each test says what a user saw)."""
import copy

import numpy as np
import pytest

import symgraph as sg


@pytest.mark.parametrize("backend", ["numpy", "vm", "numba"])
@pytest.mark.parametrize("vector", [False, True])
def test_a_compiled_function_copies_as_a_python_function_does(backend, vector):
    # copy.copy gave a function whose call raised TypeError: '_Portable' object is not callable
    fn = sg.value_and_grad("x*sin(y) + x^2*y", wrt=["x", "y"], vector=vector, backend=backend)
    point = ([1.0, 2.0],) if vector else (1.0, 2.0)
    want = fn(*point)
    for copied in (copy.copy(fn), copy.deepcopy(fn)):
        assert copied is fn  # nothing in it changes after it is made: no compile again
        got = copied(*point)
        assert np.array_equal(got[0], want[0]) and all(map(np.array_equal, got[1], want[1]))


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_the_forms_taking_a_vector_and_data_copy_as_themselves(backend):
    # value_and_grad(vector=True) with data inputs, and Residuals.function, copied as '_Portable' not callable
    f = "sum((y[i] - a*exp(-b*t[i]))^2, i, 0, m-1)"
    t, y = np.arange(3.0), np.array([1.0, 0.5, 0.2])
    made = [(sg.value_and_grad(f, wrt=["a", "b"], vector=True, m=3, backend=backend), ([1.0, 0.5], y, t)),
            (sg.hessian(f, wrt=["a", "b"], m=3, sparse=True).lambdify(vector=True, backend=backend), ([1.0, 0.5], y, t)),
            (sg.hessp(f, ["a", "b"], m=3, backend=backend), ([1.0, 0.5], [1.0, -1.0], y, t)),
            (sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, 2), backend=backend).function,
             ([1.0, 0.5], y, t))]
    for fn, point in made:
        want = fn(*point)
        for copied in (copy.copy(fn), copy.deepcopy(fn)):
            got = copied(*point)
            for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
                assert np.array_equal(getattr(g, "toarray", lambda: g)(), getattr(w, "toarray", lambda: w)())


def test_residuals_and_their_parts_copy_and_keep_working():
    res = sg.residuals("y[k] - a*exp(-b*t[k])", wrt=["a", "b"], over=("k", 0, "m-1"), m=3)
    t, y = np.array([0.0, 1.0, 2.0]), np.array([2.0, 1.0, 0.5])
    for copied in (copy.copy(res), copy.deepcopy(res)):
        assert np.allclose(copied.fun([2.0, np.log(2)], y, t), 0)
        assert np.allclose(copied.jac([2.0, np.log(2)], y, t), [[-1, 0], [-0.5, 1], [-0.25, 1]])
    assert np.allclose(copy.copy(sg.lambdify("x*y"))(2.0, 3.0), 6.0)


@pytest.mark.parametrize("backend", ["numpy", "vm"])
def test_a_call_leaving_out_thousands_of_inputs_says_so_in_one_short_line(backend):
    # value_and_grad(1.0) of a 6,000-input function raised a message of 51,836 characters naming every input
    fn = sg.value_and_grad("+".join(f"a{i}*b{i}" for i in range(3000)), backend=backend)
    with pytest.raises(sg.ArgumentError, match=r"^value_and_grad\(\) missing 5,999 required positional arguments: "
                                               r"'b0', 'a1', .*, \.\.\. \(5,979 more\)$") as error:
        fn(1.0)
    assert len(str(error.value)) < 300
    with pytest.raises(sg.ArgumentError, match=r"missing 3 required positional arguments: 'b0', 'a1', and 'b1'$"):
        sg.lambdify("a0*b0 + a1*b1")(1.0)  # Python's own wording while the list is short


def test_residuals_without_data_take_the_vector_by_name_as_their_signature_says():
    # inspect.signature(res.fun) said (x), and res.fun(x=theta) raised "positional-only arguments passed as keyword"
    import inspect
    res = sg.residuals(["a - 1", "a*b - 2"], wrt=["a", "b"])
    assert str(inspect.signature(res.fun)) == "(x)"
    assert np.array_equal(res.fun(x=[2.0, 3.0]), [1.0, 4.0])
    assert np.array_equal(res.jac(x=[2.0, 3.0]), [[1.0, 0.0], [3.0, 2.0]])
    assert res.evaluations == 1  # jac at fun's point, by name, reused its evaluation
    with pytest.raises(sg.ArgumentError, match=r"^fun\(\) got multiple values for argument 'x'$"):
        res.fun([2.0, 3.0], x=[2.0, 3.0])
    with pytest.raises(sg.ArgumentError, match=r"^fun\(\) got an unexpected keyword argument 'y'"):
        res.fun(y=[2.0, 3.0])
    with_data = sg.residuals(["a - c", "b"], wrt=["a", "b"])  # beside data the vector is positional only
    assert str(inspect.signature(with_data.fun)) == "(x, /, c)"
    with pytest.raises(sg.ArgumentError, match=r"positional-only arguments passed as keyword arguments: 'x'"):
        with_data.fun(x=[1.0, 2.0], c=1.0)


def test_getsource_of_every_compiled_callable_shows_its_generated_code():
    # inspect.getsource of a vector form showed symgraph's own wrapper (def point(x) ...), and of a sparse
    # Hessian, hessp, a dense Hessian and res.fun raised TypeError "module, class, ... expected"
    import inspect
    f = "x*sin(y)"
    made = {"value_and_grad": [sg.value_and_grad(f, vector=True), sg.value_and_grad(f, wrt=["x"], vector=True)],
            "hessian": [sg.hessian(f).lambdify(), sg.hessian(f).lambdify(vector=True),
                        sg.hessian(f, sparse=True).lambdify(), sg.hessian(f, sparse=True).lambdify().data,
                        sg.hessian(f, sparse=True).lambdify(vector=True)],
            "hessp": [sg.hessp(f, ["x", "y"])],
            "residuals": [sg.residuals([f], wrt=["x", "y"]), sg.residuals([f], wrt=["x", "y"]).fun,
                          sg.residuals([f], wrt=["x", "y"]).jac]}
    for name, functions in made.items():
        for fn in functions:
            source = inspect.getsource(fn)
            assert source.startswith(f"def {name}(") and "generated by symgraph" in source, (fn, source[:80])
    assert str(inspect.signature(made["hessp"][0])) == "(x, p, /)"  # the signatures are still the callables' own
    assert str(inspect.signature(made["value_and_grad"][1])) == "(x, /, y)"


def test_a_vector_of_the_wrong_shape_is_named_with_the_function_that_took_it():
    # every vector form said "the vector must be a 1-D vector of 2 values (a, b)", whichever function it was
    cases = [(lambda: sg.value_and_grad("a*b", vector=True)([1.0]), r"value_and_grad\(\)'s vector x"),
             (lambda: sg.value_and_grad("a*b*x", wrt=["a", "b"], vector=True)([1.0], 2.0),
              r"value_and_grad\(\)'s vector theta"),  # beside data called x, the vector is theta
             (lambda: sg.hessian("a*b").lambdify(vector=True)(np.ones((2, 2))), r"hessian\(\)'s vector x"),
             (lambda: sg.jacobian(["a*b"], wrt=["a", "b"], sparse=True).lambdify(vector=True)(np.ones(3)),
              r"jacobian\(\)'s vector x"),
             (lambda: sg.residuals(["a*b*c"], wrt=["a", "b"]).jac([1.0], 1.0), r"jac\(\)'s vector x"),
             (lambda: sg.residuals(["a*b*c"], wrt=["a", "b"]).fun([1.0], 1.0), r"fun\(\)'s vector x")]
    for call, whose in cases:
        with pytest.raises(sg.GraphError, match=rf"^{whose} must be a 1-D vector of 2 values \(a, b\), got shape"):
            call()
