"""The test suite's layout and how pytest imports it.

``tests/`` mirrors ``symgraph/``: ``tests/ir/test_graph.py`` tests
``symgraph/ir/graph.py``, ``tests/backends/test_numpy.py`` tests
``symgraph/backends/numpy.py``, and the top-level ``test_<module>.py`` files
test the top-level modules (``ops``, ``names``, ``progress``, ``derive``,
``directional``, ``cost``, ``compare``, ``compiled``, ``fitting``, ``cli``).  The other
top-level files check properties across modules and backends:
``test_properties`` (generated programs against the independent oracle in
``oracle.py``), ``test_right_answers`` and ``test_closed_forms`` (regressions
for wrong or blocking results), ``test_layers`` (the import graph),
``test_clients`` (scipy, Dask, CuPy), ``test_notebooks`` and
``test_benchmarks`` (the notebooks and benchmark scripts run).

Import mode: pytest's default (``prepend``) with an ``__init__.py`` in
``tests/`` and in every subfolder, so each test file is a module of the
``tests`` package (``tests.ad.test_reverse``).  Two folders may then hold files
of the same name, shared code is imported by its full name
(``from tests.helpers import ...``, ``from tests.oracle import ...``), and the
checkout's root is what pytest puts first on ``sys.path``: the tests and the
doctests (``--doctest-modules`` over ``symgraph/``, see pyproject.toml) import
the checked-out ``symgraph``, whatever copy is installed.  ``importlib`` mode
was the other choice; it leaves ``sys.path`` alone, so the oracle and the
helpers would need a ``sys.path`` insertion here instead.
"""

from hypothesis import settings  # noqa: E402

# Every property runs the same examples on every machine: CI is reproducible, and a failure found
# here is found again (set SYMGRAPH_HYPOTHESIS=random locally to explore new examples).
settings.register_profile("reproducible", derandomize=True, database=None, deadline=None)
settings.register_profile("random", deadline=None)
settings.load_profile("random" if __import__("os").environ.get("SYMGRAPH_HYPOTHESIS") == "random" else "reproducible")


import pytest  # noqa: E402

from symgraph.errors import ReadingWarning  # noqa: E402  (the checkout's symgraph: see above)


def pytest_configure(config):
    """The property tests draw texts whose variable e is raised to powers (INPUTS in tests/test_properties.py):
    the ReadingWarning each says is meant there; the tests of the warning itself catch it with pytest.warns.
    Added here, not in pyproject.toml's filterwarnings: pytest resolves that class by importing symgraph
    before the checkout's root is on sys.path, so a non-editable install's copy was imported and every
    doctest module of the checkout failed with "import file mismatch"."""
    config.addinivalue_line("filterwarnings", f"ignore::{ReadingWarning.__module__}.{ReadingWarning.__qualname__}")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (tests/browser.py); skips with the reason where there is none."""
    from tests.browser import start_browser
    driver = start_browser()
    yield driver
    driver.quit()


@pytest.fixture
def define():
    """``sg.function`` for one test: everything registered during the test is removed afterwards."""
    import symgraph as sg
    from symgraph import ops
    before = set(ops.USER)
    handles = []

    def register(*args, **kwargs):
        handle = sg.function(*args, **kwargs)
        handles.append(handle)
        return handle

    yield register
    for handle in handles:
        handle.remove()
    for name in set(ops.USER) - before:  # e.g. registered by an imported module
        ops.unregister(name)
    assert set(ops.USER) == before
