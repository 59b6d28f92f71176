"""Progress reports: callbacks see the work rise to its total; bars only when asked or on a terminal."""
import sys

import pytest

import symgraph as sg
from symgraph import progress as progress_module


def _chain(depth):
    return "\n".join(f"v{k + 1} = sin(v{k})*v{k}" if k else "v1 = sin(x)*x" for k in range(depth))


def test_reverse_callback_rises_to_the_node_visits():
    graph = sg.parse(_chain(3000))  # 6,001 nodes: one report mid-way, then the rest
    seen = []
    gradient = sg.grad(graph, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(4096, len(graph)), (len(graph), len(graph))]
    assert gradient.at(x=0.3)["x"] == sg.grad(graph, progress=False).at(x=0.3)["x"]


def test_forward_callback_counts_sweeps_and_jacobian_passes_it_on():
    seen = []
    sg.grad("x*y + z", mode="forward", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    seen.clear()
    sg.jacobian(["x*y", "x+y"], progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (seen[-1][1], seen[-1][1]) and len(seen) == 2  # one report per output's sweep


def test_default_is_quiet_off_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(progress_module, "AUTO_MIN_WORK", 1)
    sg.grad(_chain(10))
    assert capsys.readouterr().err == ""  # pytest's captured stderr is no terminal
    assert progress_module.progress_reporter(None, 10**9, "reverse mode") is None


def test_true_shows_a_tqdm_bar(capsys):
    pytest.importorskip("tqdm")
    sg.grad(_chain(10), progress=True)
    assert "reverse mode" in capsys.readouterr().err


def test_auto_bar_on_a_terminal(monkeypatch):
    pytest.importorskip("tqdm")

    class Terminal:
        def __init__(self):
            self.text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert progress_module.progress_reporter(None, 10, "reverse mode") is None  # too little work
    monkeypatch.setattr(progress_module, "AUTO_MIN_WORK", 100)
    sg.grad(_chain(100))
    assert "reverse mode" in terminal.text


def test_bad_progress_values():
    with pytest.raises(TypeError, match="progress must be"):
        sg.grad("x*y", progress="yes")
    sg.grad("x*y", progress=False)


def test_missing_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match="pip install tqdm"):
        sg.grad("x*y", progress=True)


def test_compiling_reports_lines_source_and_compiler():
    gradient = sg.grad(_chain(2500))
    size = len(gradient.program.instructions)
    assert size > 4096  # at least one report while the lines are written
    seen = []
    f = gradient.lambdify(progress=lambda done, total: seen.append((done, total)))
    assert all(total == 3 * size for _, total in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[0] == 4096 and done[-1] == 3 * size
    assert len(seen) >= 4  # mid-way, the lines, the source, the compiler
    assert f(x=0.3)[0] == sg.grad(_chain(2500)).lambdify()(x=0.3)[0]


def test_compiling_is_quiet_by_default_and_shows_a_bar_when_asked(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(progress_module, "AUTO_MIN_COMPILE", 1)
    sg.lambdify("sin(x)*y")  # off a terminal: no bar, however much work
    sg.value_and_grad("sin(x)*y")
    assert capsys.readouterr().err == ""
    sg.lambdify("sin(x)*y", progress=True)
    assert "compiling" in capsys.readouterr().err
    seen = []
    sg.value_and_grad("sin(x)*y", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1]  # the derivation's reports, then the compilation's


def test_numba_compiling_reports_its_two_steps():
    pytest.importorskip("numba")
    gradient = sg.grad("sin(x)*y")
    seen = []
    gradient.lambdify(backend="numba", progress=lambda done, total: seen.append((done, total)))
    size = len(gradient.program.instructions)
    assert seen == [(2 * size, 3 * size), (3 * size, 3 * size)]



def test_a_large_build_leaves_no_young_objects_for_the_callers_next_allocations():
    """A derivation paused the collector and left what it built young: the caller's next few thousand
    allocations (the first repr of a gradient at 100,000 inputs) walked all of it in a middle and then a full
    collection, 2-6 s.  A pause that made that many objects (a quarter or more of the oldest generation)
    settles them with one collection at its end."""
    import gc
    from symgraph.progress import SETTLE_OBJECTS, paused_gc
    assert gc.isenabled()
    gc.collect()
    count = max(SETTLE_OBJECTS, len(gc.get_objects(2)) // 4) + 1_000
    with paused_gc():
        built = [[k] for k in range(count)]  # as many tracked objects as a large derivation makes
    young, middle, _ = gc.get_count()
    assert young < 100 and middle == 0 and len(built) == count  # collected once, at the end of the pause


def _large_build():
    """A build of more objects than a pause settles by itself, made in :func:`paused_gc`; with the
    generations of the collections that ran meanwhile (callbacks see each start)."""
    import gc
    from symgraph.progress import SETTLE_OBJECTS, paused_gc
    count = max(SETTLE_OBJECTS, len(gc.get_objects(2)) // 4) + 1_000
    generations = []

    def record(phase, info):
        if phase == "start":
            generations.append(info["generation"])

    gc.callbacks.append(record)
    try:
        with paused_gc():
            built = [[k] for k in range(count)]
    finally:
        gc.callbacks.remove(record)
    assert len(built) == count
    return built, generations


def test_a_large_build_is_settled_without_any_collection():
    """Enabled before the settling, the collector ran a young collection over everything the pause made at
    the very next allocation (0.24 s at 10^6 nodes); a full collection then walked it all again (0.2-0.55 s
    of the sparse Hessian of Rosenbrock at n = 10,000).  The pause's objects now reach the oldest generation
    without any collection."""
    import gc
    gc.collect()
    built, generations = _large_build()
    assert generations == []
    young, middle, _ = gc.get_count()
    assert young < 100 and middle == 0 and gc.get_freeze_count() == 0
    assert gc.is_tracked(built) and any(o is built for o in gc.get_objects(2))


def test_a_large_build_leaves_objects_frozen_by_the_process_frozen():
    """The settling moves objects through the permanent generation; a process that froze its own (a server
    before it forks) keeps them there, and the pause ends with one full collection instead."""
    import gc
    gc.collect()
    frozen = [[k] for k in range(10)]
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        built, generations = _large_build()
        # still frozen: unfreezing would leave 0, freezing the build would add its objects; a few frozen objects
        # the interpreter frees meanwhile (another test's leftovers in this worker) leave the count
        assert before - 1_000 < gc.get_freeze_count() <= before
        assert generations == [2] and built and frozen
    finally:
        gc.unfreeze()


def test_skipped_sweeps_still_end_at_the_total():
    seen = []  # w is not read: its forward sweep is skipped, and the reports stopped at (3, 4)
    sg.grad("x*y + z", wrt=["x", "y", "z", "w"], mode="forward", allow_unused=True,
            progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
