"""Generated source -> a Python function, without ``exec``: shared by the NumPy and numba backends.

A source writer (:func:`symgraph.backends.numpy.generate`,
:func:`symgraph.backends.numba.numba_source`) returns a :class:`Generated`:
the text of one function and the globals it needs.  :func:`build_function`
compiles the text with :func:`compile` and makes the function from the code
object with :class:`types.FunctionType`, so no text is ever executed as a
module.  The source is registered in :mod:`linecache` (as sympy's
``lambdify`` does), so tracebacks and :func:`inspect.getsource` show the
generated lines; the entry goes at the next build after the function does.
Not at once: the function's finalizer can run in the middle of
:func:`linecache.checkcache` (a collection while it loops, or another
thread), whose loop then read a key it had just listed and failed with
``KeyError`` (a doctest's debugger set-up did, once in a full test run).

Examples
--------
>>> double = build_function(Generated("double", "def double(x):\\n    return two * x\\n", {"two": 2}))
>>> double(21), double.source.splitlines()[0]
(42, 'def double(x):')
"""
from __future__ import annotations

import itertools
import linecache
import types
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import UnsupportedOpError

_serial = itertools.count(1)
#: the linecache names of generated functions that are gone, removed at the next build (see the docstring)
_retired: list[str] = []


@dataclass
class Generated:
    """Source of one generated function and the globals it needs.

    ``header`` is Python text that defines those globals, so
    ``header + source`` is a module that runs on its own; ``unimportable``
    says why no header can (a global that no import statement reaches, such
    as a lambda registered as a function), and :attr:`module_source` raises it.
    """

    name: str
    source: str
    globals: dict[str, Any] = field(default_factory=dict)
    header: str = ""
    unimportable: str = ""

    @property
    def module_source(self) -> str:
        if self.unimportable:
            raise UnsupportedOpError(self.unimportable)
        return self.header + "\n\n" + self.source


def build_function(generated: Generated) -> Callable:
    """Compile generated source into a function; register it in linecache for tracebacks."""
    filename = f"<symgraph-generated-{next(_serial)}:{generated.name}>"
    module_code = compile(generated.source, filename, "exec")
    code = next(c for c in module_code.co_consts
                if isinstance(c, types.CodeType) and c.co_name == generated.name)
    namespace = {"__name__": "symgraph.generated", **generated.globals}
    function = types.FunctionType(code, namespace, generated.name)
    function.__doc__ = code.co_consts[0] if code.co_consts and isinstance(code.co_consts[0], str) else None
    function.source = generated.source
    while _retired:
        linecache.cache.pop(_retired.pop(), None)
    linecache.cache[filename] = (len(generated.source), None, generated.source.splitlines(True), filename)
    weakref.finalize(function, _retired.append, filename)  # an append: never a change to linecache mid-loop
    return function
