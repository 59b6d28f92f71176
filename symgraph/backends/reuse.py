"""What a backend makes of a program, made once: compiling the same result again reuses it.

A second ``.lambdify()`` of one gradient wrote and compiled its NumPy code
again (Rosenbrock's gradient at n = 20,000, 180,000 instructions: 3.9-4.6 s
of CPU each time) or numbered and assembled its VM program again.
:func:`reused` keeps the costly, stateless part per program and options --
the generated source with its compiled function, the VM's assembled arrays
(made read-only) -- and the backend still makes each function's own
wrappers around it, so no two functions share state a call changes (a VM
function's native batches, for one).  A program is a mutable object: the
part is reused only while the program's :func:`state` is what it was, which
is compared element by element in C, each element first by identity.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Hashable

#: program -> {options: (its state when made, what was made)}
_MADE: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()

#: the option sets kept per program (the oldest made is dropped first)
KEPT = 4


def state(program: Any) -> tuple:
    """What a backend reads of ``program``, copied (the lists and dicts; their elements are immutable): equal to a
    later copy exactly when the program computes what it did, however it was changed in between."""
    return (list(program.instructions), dict(program.results), program.inputs, tuple(program.unused),
            program.discardable, program.graph)


def reused(program: Any, options: Hashable, make: Callable[[], Any]) -> Any:
    """``make()``, or what it returned for ``program`` and ``options`` before while the program is unchanged."""
    kept = _MADE.get(program)
    now = state(program)
    if kept is not None:
        made = kept.get(options)
        if made is not None and made[0] == now:
            return made[1]
    value = make()
    kept = _MADE.setdefault(program, {})
    kept.pop(options, None)
    if len(kept) >= KEPT:
        kept.pop(next(iter(kept)))
    kept[options] = (now, value)
    return value
