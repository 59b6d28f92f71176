"""Progress reports for long derivations: a tqdm bar on a terminal, or a callback of your own.

``grad(..., progress=...)``, ``jacobian``, ``hessian``, ``jvp``, ``vjp``,
``hvp``, ``compare`` and the compilers (``gradient.lambdify(progress=...)``,
``sg.lambdify``, ``sg.value_and_grad``, ``sg.hessp``) take

* ``None`` (the default): a bar on standard error only when it is a terminal,
  tqdm is installed and the work is about a second or more (sweeps visiting
  :data:`AUTO_MIN_WORK` nodes, programs of :data:`AUTO_MIN_COMPILE`
  instructions), so scripts, logs, notebooks and tests stay quiet;
* ``True``: always a tqdm bar (an ImportError names tqdm when it is missing);
* ``False``: never;
* a callable ``progress(done, total)``: called as the sweeps advance, with
  ``done`` rising to ``total`` (node visits for reverse mode, sweeps for
  forward mode; for compiling, three units per instruction: writing the
  lines, then the source, then Python's or numba's compiler, which reports
  once, when it is done).

A call that does two pieces of work reports each in turn, each rising to its
own total: ``hessian`` and ``hvp`` the gradient's sweep, then the sweeps over
its program; ``value_and_grad`` and ``hessp`` the derivation, then compiling.
``jvp``'s one forward sweep (and edge pushing's) reports its node visits when it is done.

Examples
--------
>>> import symgraph as sg
>>> seen = []
>>> _ = sg.grad("sin(x)*y", progress=lambda done, total: seen.append((done, total)))
>>> seen[-1]
(4, 4)
"""
from __future__ import annotations

import gc
import inspect
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .errors import ArgumentError, optional_module, shown

#: node visits from which the default (``progress=None``) shows a bar on a terminal
AUTO_MIN_WORK = 300_000
#: program instructions from which compiling shows a bar by default (about a second of work)
AUTO_MIN_COMPILE = 30_000
#: the sweeps report after this many node visits (a power of two, so the check is a mask)
STEP = 4096


class Progress:
    """Counts work done and passes ``(done, total)`` on to a callback; ``close()`` ends a bar."""

    def __init__(self, callback: Callable[[int, int], Any], total: int, close: Callable[[], Any] | None = None):
        self.callback = callback
        self.total = total
        self.done = 0
        self._close = close

    def advance(self, work: int) -> None:
        self.done = min(self.total, self.done + work)
        self.callback(self.done, self.total)

    def close(self) -> None:
        if self._close is not None:
            self._close()


def check_progress(progress: Any) -> None:
    """An ArgumentError unless ``progress`` is None, True, False or a callable: checked whatever the size of
    the work (a program without instructions, a backend that reports nothing), so a typo never passes unseen."""
    if not (progress is None or progress is True or progress is False or callable(progress)):
        raise ArgumentError(f"progress must be None, True, False or a callable(done, total), got {shown(progress)}")
    if callable(progress) and progress is not True and progress is not False:
        try:  # a callback of the wrong arity failed mid-derivation, in a frame of symgraph's
            inspect.signature(progress).bind(0, 0)
        except TypeError:
            raise ArgumentError(f"progress= is called as progress(done, total), with two numbers; "
                                f"{shown(progress)} does not take them") from None
        except ValueError:  # no signature to read (some builtins): taken on trust
            pass


def compile_reporter(progress: Any, instructions: int, description: str) -> Progress | None:
    """The reporter for compiling a program of ``instructions``: three units of work per instruction."""
    return progress_reporter(progress, 3 * instructions, description, auto_min=3 * AUTO_MIN_COMPILE,
                             unit=" steps")


def progress_reporter(progress: Any, total: int, description: str, auto_min: int | None = None,
                      unit: str | None = None) -> Progress | None:
    """The :class:`Progress` that ``progress=`` asks for (None when nothing should be shown).

    ``auto_min``: the work from which ``progress=None`` shows a bar (default
    :data:`AUTO_MIN_WORK`); ``unit``: the bar's unit (default: nodes for
    reverse mode, else sweeps).
    """
    check_progress(progress)
    if progress is False or total <= 0:
        return None
    if callable(progress):
        return Progress(progress, total)
    if progress is None:
        stream = sys.stderr
        least = AUTO_MIN_WORK if auto_min is None else auto_min
        if total < least or stream is None or not getattr(stream, "isatty", lambda: False)():
            return None
    try:
        from tqdm import tqdm
    except ImportError:
        if progress is True:  # asked for: a MissingDependencyError (an ImportError too) saying what to install
            optional_module("tqdm", "progress=True")
        return None
    if unit is None:
        unit = " nodes" if "reverse" in description else " sweeps"
    bar = tqdm(total=total, desc=description, unit=unit, leave=False, file=sys.stderr, unit_scale=True)
    return Progress(lambda done, _: bar.update(done - bar.n), total, close=bar.close)


@contextmanager
def reported(progress: Any, total: int, description: str, unit: str | None = " nodes") -> Iterator[Progress | None]:
    """The :class:`Progress` of one piece of work (``total`` units, by default node visits; ``unit=None``:
    :func:`progress_reporter`'s), brought to ``(total, total)`` when the work is done, and closed.

    For sweeps that advance it as they go (given to ``lin.progress``), some of which may be skipped (a wrt
    name the function does not read: ``grad(..., mode="forward")`` stopped at ``(3, 4)``), and for a sweep
    that cannot report until it ends (``jvp``'s one forward sweep, edge pushing), which so still says when
    it is done."""
    bar = progress_reporter(progress, total, description, unit=unit)
    try:
        yield bar
        if bar is not None and bar.done < bar.total:
            bar.advance(bar.total - bar.done)
    finally:
        if bar is not None:
            bar.close()


#: a pause that made more objects than this settles them in the collector's oldest generation at its end
SETTLE_OBJECTS = 100_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a graph or program is built.

    Building allocates hundreds of thousands of small tuples and dicts and no
    reference cycles; the collector's repeated full scans of them cost a third
    of the time on large graphs.  The previous state is restored afterwards.

    A pause that made more than :data:`SETTLE_OBJECTS` objects ends with them
    settled in the collector's oldest generation: left young, they were walked
    by the caller's next allocations three times over (the young, middle and,
    being that many, full collections: 2-6 s of the first repr of a gradient at
    100,000 inputs).  They are moved there without being walked at all
    (``gc.freeze()`` then ``gc.unfreeze()``, two list splices): the full
    collection that settled them before took 0.2-0.55 s of the sparse Hessian
    of Rosenbrock at n = 10,000 (4.5-5 s in all) to free a few hundred objects
    (the next full collection frees them now).
    A process that froze objects of its own (``gc.get_freeze_count()``) keeps
    them frozen: there the pause ends with that full collection, as it did,
    when it made a quarter or more of what the oldest generation holds.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Settled before the collector is on again: enabled first, the very next allocation ran a young
            # collection over everything the pause made (0.24 s of a 10^6-node gradient's VM compile).
            made = gc.get_count()[0]
            if made > SETTLE_OBJECTS:
                if gc.get_freeze_count():  # as before: one full collection, when they are a quarter or more
                    if 4 * made > len(gc.get_objects(2)):
                        gc.collect()
                else:
                    gc.freeze()  # every tracked object, the pause's included, to the permanent generation,
                    gc.unfreeze()  # and all of them back into the oldest one: no object is visited
            gc.enable()
