"""Arguments -> input values: the one place that binds them, for evaluation and compiled functions.

Two forms, each the only one of its kind:

* a :class:`Binder` knows the inputs' names in positional order and maps the
  positional and keyword arguments of a compiled function's call
  (``f(1, b=2)``) onto them; a wrong call is worded as Python words it
  (:class:`~symgraph.errors.ArgumentError`, a ``TypeError``);
* :func:`check_values` for ``Graph.evaluate(**values)`` and
  ``Program.evaluate``: one value per input by name, every missing and
  unknown name listed in one :class:`~symgraph.errors.GraphError`.

Keyword calls cost one dictionary lookup per keyword: CPython matches keywords
to a function's parameters by a linear scan per keyword, which made keyword
calls with thousands of inputs quadratic.  :func:`positional_order` checks
``args=[...]`` (sympy's ``lambdify`` name for the positional order).
Whether a value can be an input's is :mod:`symgraph.real_values`'s; the
API's own keyword options are checked by :mod:`symgraph.options`.

Examples
--------
>>> bind = Binder(("a", "b"), "f")
>>> bind((1,), {"b": 2})
[1, 2]
>>> bind((1,), {"c": 2})
Traceback (most recent call last):
...
symgraph.errors.ArgumentError: f() got an unexpected keyword argument 'c'
>>> check_values(("a", "b"), {"b": 2, "a": [1, 3]})["a"]
array([1., 3.])
>>> check_values(("a", "b"), {"a": 1, "q": 3})
Traceback (most recent call last):
...
symgraph.errors.GraphError: missing value(s) for b; unknown input(s) q (inputs: a, b)
"""
from __future__ import annotations

import inspect
import re
from collections import Counter
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .errors import ArgumentError, GraphError, closest_name, shown_names, shown
from .real_values import broadcast_shape, real_value

__all__ = ["Binder", "check_values", "free_name", "held_in_vector", "held_names", "meant_hint", "named_keys", "positional_only_error",
           "positional_order", "signature_text"]

_MISSING = object()
#: an element node's name, ``w_0`` or ``W_0_1`` (:mod:`symgraph.names`): the indexed input's name, then its indices
_ELEMENT_NODE = re.compile(r"([A-Za-z_]\w*?)(?:_\d+)+")


class Binder:
    """A call's arguments -> the values in positional order; O(inputs) per call."""

    __slots__ = ("names", "name", "index", "count", "leading", "optional", "inside")

    def __init__(self, names: Sequence[str], name: str, leading: int = 0, optional: int = 0,
                 inside: Iterable[str] = ()):
        self.names = tuple(names)
        self.name = name
        self.index = {n: i for i, n in enumerate(self.names)}
        self.count = len(self.names)
        #: positional parameters the function takes before these (a vector function's vector), for messages
        self.leading = leading
        #: how many of the last names may be left out (0.0 is passed): a derivative's wrt names the function
        #: never reads, whose values it ignores (:func:`symgraph.frontend.coerce.unused_inputs`)
        self.optional = optional
        #: the names whose values the leading vector holds, for messages: ``res.fun(theta, a=1.0)`` for a
        #: variable ``a`` of theta said only "unexpected keyword argument 'a'"
        self.inside = frozenset(inside)

    def __call__(self, args: tuple, kwargs: dict) -> Sequence[Any]:
        """Positional and keyword arguments -> values (``args`` itself when it is all of them)."""
        if not kwargs and len(args) == self.count:
            return args
        if len(args) > self.count:
            takes, given = self.count + self.leading, len(args) + self.leading
            raise ArgumentError(f"{self.name}() takes {takes} positional argument"
                                f"{'s' if takes != 1 else ''} but {given} {'was' if given == 1 else 'were'} given")
        values = list(args) + [_MISSING] * (self.count - len(args))
        index = self.index
        for key, value in kwargs.items():
            i = index.get(key)
            if i is None:
                if key in self.inside:
                    raise held_in_vector(self.name, key)
                raise _unexpected(self.name, key, index)
            if values[i] is not _MISSING:
                raise ArgumentError(f"{self.name}() got multiple values for argument {key!r}")
            values[i] = value
        if len(args) + len(kwargs) < self.count:
            for i in range(self.count - self.optional, self.count):
                if values[i] is _MISSING:
                    values[i] = 0.0
        if len(args) + len(kwargs) < self.count and any(v is _MISSING for v in values):
            missing = [n for n, v in zip(self.names, values) if v is _MISSING]
            raise ArgumentError(f"{self.name}() missing {len(missing):,} required positional argument"
                                f"{'s' if len(missing) != 1 else ''}: {missing_names(missing)}"
                                f"{self._vector_hint(args, kwargs)}")
        return values

    def _vector_hint(self, args: tuple, kwargs: dict) -> str:
        """Advice for one vector of every parameter given to a function of one argument per parameter: what
        scipy's optimisers pass (``minimize(fn, np.zeros(2))``), answered by the ``vector=True`` forms."""
        if self.leading or kwargs or len(args) != 1:
            return ""
        try:
            vector = np.ndim(args[0]) == 1 and len(args[0]) == self.count
        except Exception:  # a ragged list is no vector (NumPy refuses to give it a shape), nor a value that fails to convert
            vector = False
        if not vector:
            return ""
        return (f"; it was given one vector of {self.count} values, as scipy's optimisers pass: "
                f"sg.value_and_grad(f, vector=True) and a Jacobian's or Hessian's .lambdify(vector=True) "
                f"take the parameters as one vector")

    @property
    def signature(self) -> inspect.Signature:
        kind, first = inspect.Parameter.POSITIONAL_OR_KEYWORD, self.count - self.optional
        return inspect.Signature([inspect.Parameter(n, kind) if i < first else inspect.Parameter(n, kind, default=0.0)
                                  for i, n in enumerate(self.names)])


def held_in_vector(name: str, key: str) -> ArgumentError:
    """The error of a call ``name(..., key=...)`` passing by keyword a variable whose value the vector holds."""
    return ArgumentError(f"{name}() got an unexpected keyword argument {key!r}: {key} is a variable, whose value is "
                         f"an entry of the vector, the first argument")


def held_names(labels: Iterable[Any]) -> list[str]:
    """The names whose values a vector holds, for the message of a call passing one by keyword: each entry's
    label, and an indexed input's own name (``w`` of ``w[0]``, ``w[1]``).

    >>> held_names(["a", "w[0]", "w[1]", None])
    ['a', 'w[0]', 'w[1]', 'w']
    """
    held = [str(n) for n in labels if n is not None]
    return list(dict.fromkeys(held + [n.split("[", 1)[0] for n in held if "[" in n]))


def free_name(taken: Iterable[str], choices: Sequence[str]) -> str:
    """The first of ``choices`` that ``taken`` does not hold, else the first with underscores appended until it
    is free: the name of a vector parameter beside data parameters that may be called anything.

    >>> free_name(("y", "t"), ("x", "theta"))
    'x'
    >>> free_name(("x", "theta", "x_"), ("x", "theta"))
    'x__'
    """
    taken = set(taken)
    for name in choices:
        if name not in taken:
            return name
    name = choices[0] + "_"
    while name in taken:
        name += "_"
    return name


def positional_only_error(name: str, params: Sequence[str], args: tuple, kwargs: Mapping[str, Any],
                          keywords: Sequence[str] | None = None) -> ArgumentError:
    """The error of a call ``name(*args, **kwargs)`` that passes fewer than the leading positional-only
    ``params`` by position, worded as Python words it for a function of that signature.

    A vector function's own ``(x, /, *data)`` would name an internal
    ``__call__`` or a closure in Python's message; this names the function
    the user called.  With ``keywords``, the names it takes by keyword, an
    unknown keyword is reported before the missing arguments, in Python's
    order: it is often the misspelt missing one (``hessp(x, q=...)``).

    >>> positional_only_error("hessp", ("x", "p"), (), {"y": 1.0})
    ArgumentError("hessp() missing 2 required positional arguments: 'x' and 'p'")
    >>> positional_only_error("hessp", ("x", "p"), (1.0,), {"p": 2.0})
    ArgumentError("hessp() got some positional-only arguments passed as keyword arguments: 'p'")
    >>> positional_only_error("hessp", ("x", "p"), (1.0,), {"y": 1.0, "p_": 2.0}, ("y",))
    ArgumentError("hessp() got an unexpected keyword argument 'p_' (did you mean 'p'?)")
    """
    unfilled = tuple(params[len(args):])
    named = [p for p in params if p in kwargs]
    if named:
        return ArgumentError(f"{name}() got some positional-only arguments passed as keyword arguments: "
                             f"'{', '.join(named)}'")
    if keywords is not None:
        index = dict.fromkeys((*keywords, *params))
        unknown = next((key for key in kwargs if key not in index), None)
        if unknown is not None:
            return _unexpected(name, unknown, index)
    return ArgumentError(f"{name}() missing {len(unfilled):,} required positional argument"
                         f"{'s' if len(unfilled) != 1 else ''}: {missing_names(unfilled)}")


def missing_names(names: Sequence[str], most: int = 20) -> str:
    """The missing arguments ``names`` as Python words them (``'a', 'b', and 'c'``), cut as :func:`shown_names` cuts a
    list: a call leaving out 6,000 inputs had a message of 52,000 characters.

    >>> missing_names(["a"]), missing_names(["a", "b"]), missing_names(["a", "b", "c"])
    ("'a'", "'a' and 'b'", "'a', 'b', and 'c'")
    >>> missing_names([f"x{i}" for i in range(25)], 3)
    "'x0', 'x1', 'x2', ... (22 more)"
    """
    if len(names) > most:
        return shown_names([shown(n) for n in names], most)
    said = [shown(n) for n in names]
    return " and ".join(said) if len(said) <= 2 else ", ".join(said[:-1]) + ", and " + said[-1]


def point_values(what: str, point: tuple, values: dict[str, Any]) -> dict[str, Any]:
    """The values of ``evaluate``/``at``: by keyword, or one mapping given positionally (``at({"x[0]": 1})``,
    the form ``at=`` of the pictures takes, and the only one for names that are not identifiers), or both.

    >>> point_values("at", ({"a": 1},), {"b": 2})
    {'a': 1, 'b': 2}
    >>> point_values("at", (1, 2), {})
    Traceback (most recent call last):
    ...
    symgraph.errors.ArgumentError: at() takes the values by name, at(x=1.0, ...), or as one mapping, at({'x': 1.0, ...}); got 1, 2
    """
    if not point:
        return values
    if len(point) != 1 or not isinstance(point[0], Mapping):
        given = ", ".join(shown(p, 40) for p in point[:3]) + (", ..." if len(point) > 3 else "")
        raise ArgumentError(f"{what}() takes the values by name, {what}(x=1.0, ...), or as one mapping, "
                            f"{what}({{'x': 1.0, ...}}); got {given}")
    given = named_keys(what + "()", point[0])
    twice = [name for name in given if name in values]
    if twice:
        raise ArgumentError(f"{what}() got {shown_names([repr(n) for n in twice])} both in the mapping and by keyword")
    return {**given, **values}


def named_keys(what: str, point: Mapping) -> dict:
    """``point`` with sympy Symbol, Indexed and IndexedBase keys written as the names they print
    (``{x: 1.0, w[0]: 2.0}``, as sympy's ``subs`` takes them, is ``{"x": 1.0, "w[0]": 2.0}``; ``{W: array}``
    an indexed input's array, as ``args=`` takes ``W``), as ``result[x]`` reads an entry; other keys as they are.
    A name given twice (a Symbol and its text) is an ArgumentError.

    >>> import sympy
    >>> named_keys("at()", {sympy.Symbol("x"): 1.0, "y": 2.0, sympy.IndexedBase("W"): [1.0]})
    {'x': 1.0, 'y': 2.0, 'W': [1.0]}
    """
    out = {}
    for key, value in point.items():
        # is_symbol: a Symbol, an Indexed and an IndexedBase (whose key said "missing value for W; unknown input W")
        if key.__class__ is not str and (getattr(key, "is_symbol", False) is True or getattr(key, "is_Indexed", False)):
            key = str(key)
        if key in out:  # only a symbol and its text meet here: the mapping's own keys are distinct
            raise ArgumentError(f"{what} got {key!r} twice in the mapping, as a sympy symbol and as text")
        out[key] = value
    return out


def check_values(inputs: Sequence[str], values: Mapping[str, Any],
                 labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One value per input, by name, as float64 scalars or arrays that broadcast together; a GraphError
    names every missing and unknown name, or each input's shape when the shapes do not broadcast.

    The keyword form of binding, for ``Graph.evaluate(**values)`` and
    ``Program.evaluate``: unlike a call, it reports all the problems at once.
    ``labels`` (input -> the user's name, such as ``x[0]`` for an element
    node) words the messages.
    """
    if len(values) == len(inputs):
        try:  # as many values as inputs and every input found: none is unknown (the common case, no sets)
            given = [values[n] for n in inputs]
        except KeyError:
            pass
        else:
            label = labels.get if labels else (lambda n, _=None: n)
            out = {n: real_value(label(n, n), v) for n, v in zip(inputs, given)}
            broadcast_shape([(label(n, n), np.shape(v)) for n, v in out.items()])
            return out
    known = set(inputs)
    missing = [n for n in inputs if n not in values]
    unknown = [n for n in values if n not in known]
    meant = meant_hint(unknown[0], missing or inputs) if len(unknown) == 1 else ""
    parts = ([f"missing value(s) for {shown_names(missing)}"] if missing else []) + \
            ([f"unknown input(s) {shown_names(unknown)}{meant} (inputs: {shown_names(inputs)})"] if unknown else [])
    raise GraphError("; ".join(parts))


def meant_hint(key: Any, names: Sequence[str]) -> str:
    """`` (did you mean 'X'?)`` for a misspelt name ``key`` (``x=`` for ``X``), the closest of ``names``, or ''."""
    if not isinstance(key, str) or len(key) > 60 or len(names) > 10_000:
        return ""
    close = closest_name(key, names)
    return f" (did you mean {close!r}?)" if close is not None else ""


def _unexpected(name: str, key: Any, index: Mapping[str, Any]) -> ArgumentError:
    """Python's error for the keyword ``key`` that the function ``name`` (taking the keywords of ``index``)
    does not take, with a hint at the one meant."""
    return ArgumentError(f"{name}() got an unexpected keyword argument {shown(key)}{_keyword_hint(key, index)}")


def _keyword_hint(key: Any, index: Mapping[str, Any]) -> str:
    """A compiled function's unknown keyword's hint: the indexed input whose element it names (``x[1]=``, or
    ``x_1=`` as ``g.input_nodes`` and ``g.nx`` name the element, where x takes one array), or the closest parameter."""
    base = key.split("[", 1)[0].strip() if isinstance(key, str) and len(key) <= 60 else key
    if base == key and isinstance(key, str) and len(key) <= 60:
        node = _ELEMENT_NODE.fullmatch(key)
        base = node.group(1) if node else key
    if base != key and base in index:
        return f" ({base} takes one array of all its elements)"
    return meant_hint(key, list(index))


def positional_order(inputs: Sequence[str], args: Iterable[str] | None) -> tuple[str, ...]:
    """The positional order of a compiled function: ``args`` (a permutation of ``inputs``) or ``inputs``."""
    if args is None:
        return tuple(inputs)
    if isinstance(args, str):
        args = [args]
    if isinstance(args, (set, frozenset, Mapping, bytes, bytearray)) or not isinstance(args, Iterable):
        raise ArgumentError(f"args= takes a list of the input names in positional order, got "
                            f"{type(args).__name__} {shown(args)}" + (" (a set has no order)" if
                                                                     isinstance(args, (set, frozenset)) else ""))
    try:
        order = tuple(map(_arg_name, args))
    except TypeError:  # Iterable by its class, but not this one (a 0-d array), or holding what is no name
        raise ArgumentError(f"args= takes a list of the input names in positional order, got "
                            f"{type(args).__name__} {shown(args)}") from None
    except Exception as error:  # the object's own iteration failed
        raise ArgumentError(f"args= takes a list of the input names in positional order; reading the "
                            f"{type(args).__name__} given raised {type(error).__name__}: {shown(str(error), 120)}") from error
    known, given = set(inputs), set(order)  # sets and a Counter: linear in the number of inputs
    repeated = sorted(a for a, k in Counter(order).items() if k > 1)
    missing = [n for n in inputs if n not in given]
    unknown = [a for a in dict.fromkeys(order) if a not in known]
    if missing or unknown or repeated:
        parts = ([f"inputs missing from args: {shown_names(missing)}"] if missing else []) + \
                ([f"names in args that are not inputs: {shown_names(unknown)}"] if unknown else []) + \
                ([f"names given twice: {shown_names(repeated)}"] if repeated else [])
        raise ArgumentError(f"args must list every input once (inputs: {shown_names(inputs)}); " + "; ".join(parts))
    return order


def _arg_name(a: Any) -> str:
    """One entry of ``args=``, an input's name: a str, or a sympy symbol (or ``IndexedBase``) as the name it
    prints; a TypeError for anything else.  Why: ``str()`` of a list made a name "['x']" that no input has
    (and recursed without end on a list nested thousands deep), and of a number the name "1"."""
    if isinstance(a, str) or (type(a).__module__ or "").partition(".")[0] == "sympy":
        return str(a)
    raise TypeError(f"no input name: {type(a).__name__}")


def signature_text(signature: inspect.Signature | None, most: int = 20) -> str:
    """A signature as Python writes it, ``(a, b)``, cut to its first ``most`` parameters and how many more: a
    compiled function's repr stays one short line (a gradient of 100,000 inputs' was 700 kB).

    >>> signature_text(inspect.Signature([inspect.Parameter(f"x{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ...                                   for i in range(25)]), 3)
    '(x0, x1, x2, ... (22 more))'
    """
    if signature is None:
        return "(...)"
    params = signature.parameters
    if len(params) <= most:
        return str(signature)
    first = inspect.Signature(list(params.values())[:most])
    return f"{str(first)[:-1]}, ... ({len(params) - most:,} more))"
