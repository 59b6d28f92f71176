"""The API's keyword options checked: :func:`checked_options` refuses a call its signature does not take.

A misspelt or misplaced option is a user's mistake, worded as an
:class:`~symgraph.errors.ArgumentError` naming the keyword, the closest
option and the keywords the function takes.  Apart from
:mod:`symgraph.binding`, which maps a compiled function's arguments onto its
inputs: this decorates the API's own functions and methods, once each.
"""
from __future__ import annotations

import functools
import inspect
import re
from typing import Any, Callable, Collection, TypeVar

import numpy as np

from .errors import ArgumentError, RefusesCall, closest_name, shown_names, shown

__all__ = ["checked_options", "is_size", "label_list"]

_F = TypeVar("_F", bound=Callable[..., Any])


def is_size(value: Any) -> bool:
    """True for what could be meant as a size (``n=1000``, ``W=(2, 3)``, also a wrong one such as ``n=-1`` or
    ``n=1.5``, which the parser refuses as a size); False for what is no size at all -- a list, a string of
    letters, None, a bool, a callable -- so a keyword given that is most likely an option the function does
    not take (``vector=True``, ``mode="reverse"``)."""
    if isinstance(value, tuple):
        return all(map(is_size, value))
    return not (isinstance(value, (list, dict, set, type(None), bool)) or callable(value) and not isinstance(value, RefusesCall)
                or isinstance(value, str) and not value.strip().isdigit())


def label_list(what: str, labels: Any, noun: str = "result label") -> list:
    """``labels``, the results (or the names, ``noun="node name"``) a method of ``what`` is asked for, as a list:
    one label (a str) as the list of it, any other iterable as its items; an :class:`ArgumentError` for what is
    no label and no list of them.

    Why: a str is iterable, so ``program.closed_forms("xy")`` read the labels ``x`` and ``y`` and returned
    their closed forms without a word (``graph.parameters("xy")`` the inputs ``x`` and ``y``), and a number
    raised Python's bare "'int' object is not iterable".

    >>> label_list("closed_forms()", "xy"), label_list("closed_forms()", ("x", "y"))
    (['xy'], ['x', 'y'])
    """
    if isinstance(labels, str):
        return [labels]
    try:
        return list(labels)
    except TypeError:  # not iterable, or a 0-d array (iterable by its class)
        raise ArgumentError(f"{what} takes a {noun} or a list of them, got {type(labels).__name__} "
                            f"{shown(labels)}") from None
    except Exception as error:  # the object's own iteration failed: named, the user's exception its cause
        raise ArgumentError(f"{what} takes a {noun} or a list of them; reading the {type(labels).__name__} "
                            f"given raised {type(error).__name__}: {shown(str(error), 120)}") from error


def checked_options(function: _F | None = None, *, settings: Collection[str] = (),
                    what: str = "settings", name: str | None = None) -> _F:
    """``function``, refusing a call its signature does not take with an :class:`ArgumentError` that names the
    keyword (and the closest option) and lists the keywords the function takes, instead of Python's TypeError.

    Why: a misspelt or misplaced option (``g.lambdify(vector=True)``,
    ``hessian(f, sprase=True)``) is a user's mistake, worded by the library as
    every other one is, naming the function the user called (a method by
    the class of its object, ``Gradient.expand``).  A function with
    ``**sizes`` takes any other keyword as the size of an indexed input, so
    there only a value that is no size (:func:`is_size`) is an unknown
    keyword, and so is a size that is a misspelt option (``chnk=1000``: close
    to an option and not a word of the text given, so it could size
    nothing).  With ``settings`` (``checked_options(settings=names,
    what="LaTeX printer settings")``) the ``**`` parameter takes those names
    only.  A parameter annotated ``bool`` (``sparse``, ``vector``,
    ``parallel``, ``allow_unused``, ...) takes True or False only:
    ``sparse="yes"`` or ``vector="False"`` (a true string) would otherwise be
    taken by its truth value.  ``name`` is the function's public name when
    it differs from its own (``sg.paths`` is ``list_paths``).

    Cost: a function with neither flags nor ``**`` is called as it is, and
    only a TypeError raised by the call itself (not inside it: the traceback
    has no frame of the function) is looked at, so a method pays one call of
    the wrapper; so is a call of the others that passes no flag and no
    keyword beyond their named parameters.  Only the rest are bound first,
    a few microseconds a call: for the API's entry points, not for compiled
    functions.
    """
    if function is None:
        return lambda f: checked_options(f, settings=settings, what=what, name=name)  # type: ignore[return-value]
    signature = inspect.signature(function)
    method = next(iter(signature.parameters), None) in ("self", "cls")
    params = list(signature.parameters.values())[1 if method else 0:]
    options = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    keywords = next((p.name for p in params if p.kind is p.VAR_KEYWORD), None)
    sizes = keywords if keywords and not settings else None
    settings = frozenset(settings)
    flags = [p.name for p in params if p.annotation in ("bool", bool)]
    name = name or function.__qualname__
    usage = str(signature.replace(parameters=[p.replace(annotation=p.empty, default=p.empty) for p in params],
                                  return_annotation=inspect.Signature.empty))

    def called(args: tuple) -> str:
        """The function as the user called it: a method by the class of its object (``Gradient.lambdify``)."""
        if not (method and args):
            return name
        owner = args[0] if isinstance(args[0], type) else type(args[0])
        return f"{owner.__name__}.{function.__name__}"

    def unexpected(name: str, key: str, value: Any) -> ArgumentError:
        close = closest_name(key, [*options, *sorted(settings)])
        hint = f" (did you mean {close!r}?)" if close else ""
        beyond = ("; a keyword beyond these is the size of an indexed input (such as n=1000) and must be a "
                  "non-negative integer (or a tuple of them)") if sizes else \
            (f"; and the {what}: {shown_names(sorted(settings), 12)}" if settings else "")
        return ArgumentError(f"{name}() got an unexpected keyword argument {shown_names([key])}={shown(value)}{hint}; "
                             f"its keywords: {', '.join(options) or 'none'}{beyond}")

    def refused(args: tuple, kwargs: dict) -> ArgumentError:
        """The error of a call the signature does not take."""
        unknown = next((k for k in kwargs if k not in signature.parameters
                        or signature.parameters[k].kind is inspect.Parameter.POSITIONAL_ONLY), None)
        if unknown is not None and not keywords:
            return unexpected(called(args), unknown, kwargs[unknown])
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:
            return ArgumentError(f"{called(args)}(): {error}; it takes {called(args)}{usage}")
        return ArgumentError(f"{called(args)}(): wrong arguments; it takes {called(args)}{usage}")

    @functools.wraps(function)
    def plain(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except TypeError as error:
            if error.__traceback__ is None or error.__traceback__.tb_next is not None:
                raise  # raised inside the function: not about this call
            raise refused(args, kwargs) from None

    if not flags and not keywords:
        return plain  # type: ignore[return-value]

    # A call with no flag and no keyword beyond the named parameters needs no check before it runs
    # (sg.grad(g) on a 19-node graph: its four checked calls' binding was 16% of 75 µs)
    positional = list(signature.parameters.values())
    unchecked_arguments = next((k for k, p in enumerate(positional) if p.name in flags or p.kind not in (
        p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)), len(positional))
    unchecked_keywords = frozenset(options) - frozenset(flags)

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if len(args) <= unchecked_arguments and unchecked_keywords.issuperset(kwargs):
            return plain(*args, **kwargs)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            raise refused(args, kwargs) from None
        for flag in flags:
            value = bound.arguments.get(flag, False)
            if not isinstance(value, (bool, np.bool_)):
                raise ArgumentError(f"{called(args)}(): {flag}= takes True or False, got {shown(value)}")
        if keywords:
            for key, value in bound.arguments.get(keywords, {}).items():
                if settings and key not in settings and not (
                        isinstance(first := next(iter(bound.arguments.values()), None), str)
                        and is_size(value) and _spelt(key, first)):
                    raise unexpected(called(args), key, value)
                if sizes and (not is_size(value) or (
                        closest_name(key, options, cutoff=0.8)  # chnk=1000
                        and not _spelt(key, next(iter(bound.arguments.values()), None)))):
                    raise unexpected(called(args), key, value)
        return function(*args, **kwargs)

    return call  # type: ignore[return-value]


def _spelt(name: str, f: Any) -> bool:
    """True unless ``f`` is a text (or a list of texts) in which ``name`` is no word: what tells a size from
    a misspelt option (a graph or a sympy expression may be sized by any name)."""
    texts = [f] if isinstance(f, str) else list(f) if isinstance(f, (list, tuple)) else None
    if texts is None or not all(isinstance(t, str) for t in texts):
        return True
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", t) for t in texts)
