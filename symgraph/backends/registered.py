"""Functions registered from Python (``sg.function``) in compiled code: how generated code calls them.

Generated code calls a registered function through one namespace
(:func:`user_namespace`: ``user.softsign(x)``); standalone source and a
process loading a pickle import its callable by module and qualified name
(:func:`import_path`, :func:`imported`), with a named error where that
cannot work.  Separate from :mod:`.numpy` because the numba backend, the
backend choice in :mod:`.compile` and pickled :mod:`symgraph.userfunctions`
need the same answers.
"""
from __future__ import annotations

import importlib
import pickle
import sys
import types
from operator import itemgetter
from typing import Any, Callable, Sequence

import numpy as np

from .. import ops
from ..errors import UnsupportedOpError, UserFunctionError


#: the name of the namespace module of registered functions (:func:`user_namespace`)
_USER_NAMESPACE = "symgraph_registered_functions"


def used_functions(instructions: Sequence[tuple]) -> list[str]:
    """The registered functions (:data:`symgraph.ops.USER`) the instructions call, in first-use order."""
    used = dict.fromkeys(map(itemgetter(1), instructions))  # one pass in C: a million instructions in 20 ms
    registered = [op for op in used if op in ops.USER]
    if registered:  # every call has the row's arity (ops.check_call): every backend compiles through here
        for _, op, args in instructions:
            if op in ops.USER:
                ops.check_call(op, len(args))
    return registered


def user_namespace(names: Sequence[str], compile: Callable[[str, Callable], Callable] | None = None) -> types.ModuleType:
    """The namespace generated code calls registered functions through: ``user.softsign(x)``.

    A module object, because numba resolves a module's attributes in compiled
    code (``compile`` turns each callable into what the backend calls).
    """
    namespace = types.ModuleType(_USER_NAMESPACE)
    for op in names:
        function = ops.op(op).numeric
        setattr(namespace, op, function if compile is None else compile(op, function))
    return namespace


def import_path(op: str, function: Callable, pickling: bool = False, subject: str | None = None) -> tuple[str, str]:
    """``(module, qualname)`` a standalone module (or the process loading a pickle, ``pickling``) imports
    ``function`` by, or a named error saying why it cannot; ``subject`` is what is pickled (default: a
    function that calls ``op``)."""
    module, qualname = getattr(function, "__module__", None), getattr(function, "__qualname__", None)
    if module is None and qualname is None and isinstance(function, np.ufunc):
        # scipy.special's ufuncs have neither: their module is found as pickle finds it, by name
        qualname = function.__name__
        module = pickle.whichmodule(function, qualname)
    why = None
    if not isinstance(module, str) or not isinstance(qualname, str):
        why = "it has no module and qualified name"
    elif "<" in qualname:
        why = f"it is {qualname.rsplit('.', 1)[-1]}, defined inside a function or as a lambda (qualified name {qualname})"
    elif module == "__main__":
        why = "it is defined in __main__ (a script or notebook), which another module cannot import"
    else:
        found = sys.modules.get(module)
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if found is not function:
            why = f"{module}.{qualname} is not this callable"
    if why is not None:
        if pickling:
            raise UnsupportedOpError(
                f"cannot pickle {subject or f'a function that calls the registered function {op!r}'}: the loading "
                "process imports "
                f"its callable by module and name, but {why}; define it with 'def' at the top level of an "
                "importable module")
        raise UnsupportedOpError(
            f"standalone source must import the callable of the registered function {op!r}, but {why}; "
            "define it with 'def' at the top level of an importable module, or use the source without standalone=True")
    return module, qualname


def _user_header(names: Sequence[str], user: str, fresh: Callable[[str], str]) -> list[str]:
    """Module lines that import each registered function's callable and bind the namespace ``user``."""
    lines, items = [], []
    namespace_type = fresh("_SimpleNamespace")
    lines.append(f"from types import SimpleNamespace as {namespace_type}")
    for op in names:
        module, qualname = import_path(op, ops.op(op).numeric)
        top, _, rest = qualname.partition(".")
        local = fresh(f"_{op}")
        lines.append(f"from {module} import {top} as {local}")
        items.append(f"{op}={local}{'.' + rest if rest else ''}")
    lines.append(f"{user} = {namespace_type}({', '.join(items)})")
    return lines


def imported(op: str, module: str, qualname: str, subject: str | None = None) -> Callable:
    """The callable of the registered function ``op``, imported by a process loading a pickle; a named error
    when it cannot be (pickle's own would say only which module is missing).  ``subject``: as in
    :func:`import_path`."""
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        message = (f"cannot load {subject or f'a function that calls the registered function {op!r}'}: its callable "
                   f"{module}.{qualname} cannot be imported in this process ({type(error).__name__}: {error}); "
                   f"make {module!r} importable here (on sys.path, or installed) as where it was pickled")
        raise UserFunctionError(message, op, error) from error
    return found
