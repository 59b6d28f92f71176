"""symgraph.backends.build: generated source becomes a function whose lines tracebacks can show."""
import gc
import inspect
import linecache
import os

from symgraph.backends.build import Generated, build_function


def _double():
    return build_function(Generated("double", "def double(x):\n    return two * x\n", {"two": 2}))


def test_the_generated_lines_are_in_linecache_while_the_function_lives():
    double = _double()
    assert double(21) == 42
    assert inspect.getsource(double) == "def double(x):\n    return two * x\n"
    filename = double.__code__.co_filename
    assert linecache.getlines(filename) == ["def double(x):\n", "    return two * x\n"]
    del double
    gc.collect()
    _double()  # the next build removes the lines of the functions that are gone
    assert filename not in linecache.cache


def test_a_function_freed_while_linecache_checks_its_cache_leaves_that_loop_alone(monkeypatch):
    """The finalizer removed the function's entry at once: freed in the middle of linecache.checkcache()
    (as a collection or another thread can), it took away a key that loop had listed, which then failed
    with KeyError -- once in a full test run, in a doctest's debugger set-up."""
    here = os.path.abspath(__file__)
    stat = os.stat(here)
    monkeypatch.setitem(linecache.cache, "<listed first>", (stat.st_size, stat.st_mtime, [], here))
    holder = [_double()]  # listed after that entry
    victim = holder[0].__code__.co_filename
    real_stat = linecache.os.stat

    def stat_and_free(path, *args, **kwargs):
        holder.clear()  # the last reference: the finalizer runs here, inside checkcache's loop
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(linecache.os, "stat", stat_and_free)
    linecache.checkcache()  # raised KeyError when the finalizer popped an entry listed before it ran
    monkeypatch.undo()
    assert not holder
    assert victim in linecache.cache  # until the next build
    _double()
    assert victim not in linecache.cache
