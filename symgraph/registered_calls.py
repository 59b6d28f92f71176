"""Calling a registered function's callable: its exceptions and wrong results as named errors.

:mod:`symgraph.ops` keeps the registered rows (:func:`~symgraph.ops.register`);
this module is the one way every evaluator (the interpreter, constants,
``evalf``, generated NumPy code) calls such a row's callable and checks what
it returned.  Why apart from the table: it is about a user's callable at run
time, not about the rows, and generated code imports it by name.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .errors import FunctionDefinitionError, UserFunctionError


def user_call(name: str, function: Callable, *args: Any) -> Any:
    """What the registered function ``name`` (callable ``function``) gives on ``args``, checked (:func:`user_result`).

    The one way every evaluator calls a registered function's callable (the
    interpreter, constants, ``evalf``, generated NumPy code).  Why: an
    exception the callable raises -- a ZeroDivisionError, its own
    ValueError -- would otherwise reach the caller with nothing saying which
    registered function was called on what; it becomes a
    :class:`~symgraph.errors.UserFunctionError` naming both, the original
    chained.  ``KeyboardInterrupt`` and other non-``Exception`` exits pass through.

    Array arguments are passed read-only: they are the caller's inputs or values the program shares, so a
    callable that changed one in place (``u *= 2``) changed the user's array and every other use of it without
    a word (``f(x) + x`` read the doubled x); it now fails, saying so.
    """
    args = tuple(_read_only(a) if a.__class__ is np.ndarray else a for a in args)
    try:
        value = function(*args)
    except Exception as error:
        wrote = isinstance(error, ValueError) and "read-only" in str(error)
        raise UserFunctionError(
            f"the registered function {name!r} raised {type(error).__name__} when called as "
            f"{name}({', '.join(map(_argument, args))}): {error}"
            + ("; its callable wrote into an argument, which it is given read-only (the arguments are the caller's "
               "arrays and values the program shares): copy one before changing it" if wrote else ""),
            name, error) from error
    return user_result(name, value, *args)


def _read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (no copy), or ``array`` when it is read-only already."""
    if not array.flags.writeable:
        return array
    view = array.view()
    view.flags.writeable = False
    return view


def _argument(value: Any) -> str:
    """An argument as an error shows it, as the callable got it: a Python or float64 number as the number
    (``10.0``), another NumPy scalar with its type (``float32(10.0)``), an array of one value as an array
    (``array([10.0], dtype=float32)``), a larger array by its shape (and dtype, when not float64).

    Why: a float32 point and the array path at a point hand the callable a one-element array, which the
    message said was ``picky(10.0)``; a callable written for numbers fails on arrays, and the message should
    say that it got one."""
    dtype = getattr(value, "dtype", None)
    of = "" if dtype is None or dtype == np.float64 else f", dtype={dtype}"
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return f"<array of shape {value.shape}{of.replace(', dtype=', ' and dtype ')}>"
        number = _number(value.reshape(-1)[0])
        return f"array({number}{of})" if value.ndim == 0 else \
            f"array({'[' * value.ndim}{number}{']' * value.ndim}{of})"
    if dtype is not None and of and getattr(value, "shape", None) == ():  # a NumPy scalar other than float64
        return f"{dtype}({_number(value)})"
    shape = getattr(value, "shape", None)
    if shape is not None and getattr(value, "size", 1) != 1:  # an array of another namespace
        return f"<array of shape {tuple(shape)}>"
    return _number(value)


def _number(value: Any) -> str:
    """``value`` as a float's repr (``10.0``), or its type's name when it is no number."""
    try:
        return repr(float(np.asarray(value).reshape(-1)[0]) if hasattr(value, "shape") else float(value))
    except (TypeError, ValueError):
        return type(value).__name__


def user_result(name: str, value: Any, *args: Any) -> Any:
    """``value``, what the registered function ``name`` returned on ``args``, once it is real numbers of their shape.

    Every evaluator takes a registered function's result through this check
    (the interpreter, constants, ``evalf``, generated NumPy code), not
    through a wrapper of the callable: numba compiles that callable and
    standalone source imports it as it is.  Why: a callable that returns a
    list, a string, or an array of another shape -- ``np.sum(x)``, a number
    for a whole batch -- otherwise fails later in NumPy's words, or
    broadcasts into wrong numbers without a word.  Costs nothing for
    programs without registered functions (no call is made).
    """
    given = value
    if isinstance(value, np.ma.MaskedArray):  # its masked entries have no values: NumPy's steps read the hidden data
        raise wrong_result(name, "a masked array (its masked entries have no values)",
                           np.broadcast_shapes(*map(np.shape, args)))
    if value.__class__ is int:  # a Python int may be beyond int64 (np.sin(2**70) is a TypeError) or float64 (10**400)
        try:
            value = float(value)
        except OverflowError:
            raise wrong_result(name, f"{_described(given)}, beyond float64's range",
                               np.broadcast_shapes(*map(np.shape, args))) from None
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if dtype is None and value.__class__ in (float, int, bool):
        shape, dtype = (), np.dtype(type(value))
    kind = getattr(dtype, "kind", None)
    if kind in ("f", "i", "u", "b") and shape is not None:
        for a in args:  # the common case: every argument of the result's shape
            if getattr(a, "shape", ()) != shape:
                break
        else:
            return value if kind == "f" else _as_float(value)
        if shape == np.broadcast_shapes(*map(np.shape, args)):
            return value if kind == "f" else _as_float(value)
    raise wrong_result(name, _described(given), np.broadcast_shapes(*map(np.shape, args)))


def _as_float(value: Any) -> Any:
    """A bool or integer result as float64, the number every op and backend computes with.

    Why: a callable returning ``x > 0`` (bools) or ``np.round(x).astype(int)`` handed NumPy's bool or
    integer arithmetic to the ops after it: ``f(x) - f(x)`` and ``-f(x)`` raised NumPy's TypeError (no
    boolean subtract), ``f(x)^-1`` its ValueError (integers to negative powers), and ``Graph.evaluate``
    showed the node's value as ``True`` where the compiled code and numba computed 1.0."""
    if value.__class__ in (bool, int):
        return float(value)
    return value.astype(np.float64) if hasattr(value, "astype") else np.float64(value)


def wrong_result(name: str, returned: str, expected: tuple) -> FunctionDefinitionError:
    """The error for a registered function whose callable returned ``returned`` where ``expected`` was due."""
    want = "one real number (its arguments are single numbers)" if expected == () else \
        f"real numbers in an array of shape {expected} (its arguments' broadcast shape)"
    return FunctionDefinitionError(
        f"the registered function {name!r} returned {returned} where {want} was expected: its numpy= "
        "callable must compute element by element and return a real number or array of its arguments' shape")


def _described(value: Any) -> str:
    """A short description of a wrong result: its type, and its shape and dtype when it has them."""
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        return f"{'an array' if shape else 'a number'} of shape {tuple(shape)} and dtype {dtype}"
    text, kind = repr(value), type(value).__name__
    return f"{'an' if kind[0] in 'aeiouAEIOU' else 'a'} {kind} ({text[:40]}{'...' if len(text) > 40 else ''})"
