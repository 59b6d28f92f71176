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

import functools
import inspect
import re
from collections import Counter
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence, TypeVar

import numpy as np

from .errors import ArgumentError, GraphError, closest_name, shown_names, shown

__all__ = ["Binder", "as_array", "broadcast_shape", "check_values", "checked_options", "free_name",
           "index_axes_error", "is_size", "named_keys", "positional_only_error", "positional_order", "real_value",
           "refuse_masked", "signature_text"]

_MISSING = object()
_F = TypeVar("_F", bound=Callable[..., Any])


def is_size(value: Any) -> bool:
    """True for what could be meant as a size (``n=1000``, ``W=(2, 3)``, also a wrong one such as ``n=-1`` or
    ``n=1.5``, which the parser refuses as a size); False for what is no size at all -- a list, a string of
    letters, None, a bool, a callable -- so a keyword given that is most likely an option the function does
    not take (``vector=True``, ``mode="reverse"``)."""
    if isinstance(value, tuple):
        return all(map(is_size, value))
    return not (isinstance(value, (list, dict, set, type(None), bool)) or callable(value)
                or isinstance(value, str) and not value.strip().isdigit())


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
    the wrapper; the others are bound first, a few microseconds a call: for
    the API's entry points, not for compiled functions.
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
        return ArgumentError(f"{name}() got an unexpected keyword argument {key}={shown(value)}{hint}; "
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

    if not flags and not keywords:
        @functools.wraps(function)
        def plain(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except TypeError as error:
                if error.__traceback__ is None or error.__traceback__.tb_next is not None:
                    raise  # raised inside the function: not about this call
                raise refused(args, kwargs) from None

        return plain  # type: ignore[return-value]

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
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


class Binder:
    """A call's arguments -> the values in positional order; O(inputs) per call."""

    __slots__ = ("names", "name", "index", "count", "leading", "optional")

    def __init__(self, names: Sequence[str], name: str, leading: int = 0, optional: int = 0):
        self.names = tuple(names)
        self.name = name
        self.index = {n: i for i, n in enumerate(self.names)}
        self.count = len(self.names)
        #: positional parameters the function takes before these (a vector function's vector), for messages
        self.leading = leading
        #: how many of the last names may be left out (0.0 is passed): a derivative's wrt names the function
        #: never reads, whose values it ignores (:func:`symgraph.frontend.coerce.unused_inputs`)
        self.optional = optional

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
                raise ArgumentError(f"{self.name}() got an unexpected keyword argument {key!r}")
            if values[i] is not _MISSING:
                raise ArgumentError(f"{self.name}() got multiple values for argument {key!r}")
            values[i] = value
        if len(args) + len(kwargs) < self.count:
            for i in range(self.count - self.optional, self.count):
                if values[i] is _MISSING:
                    values[i] = 0.0
        if len(args) + len(kwargs) < self.count and any(v is _MISSING for v in values):
            missing = [repr(n) for n, v in zip(self.names, values) if v is _MISSING]
            shown = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
            raise ArgumentError(f"{self.name}() missing {len(missing)} required positional argument"
                                f"{'s' if len(missing) != 1 else ''}: {shown}{self._vector_hint(args, kwargs)}")
        return values

    def _vector_hint(self, args: tuple, kwargs: dict) -> str:
        """Advice for one vector of every parameter given to a function of one argument per parameter: what
        scipy's optimisers pass (``minimize(fn, np.zeros(2))``), answered by the ``vector=True`` forms."""
        if self.leading or kwargs or len(args) != 1:
            return ""
        try:
            vector = np.ndim(args[0]) == 1 and len(args[0]) == self.count
        except ValueError:  # a ragged list is no vector (NumPy refuses to give it a shape)
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


def positional_only_error(name: str, params: Sequence[str], args: tuple, kwargs: Mapping[str, Any]) -> ArgumentError:
    """The error of a call ``name(*args, **kwargs)`` that passes fewer than the leading positional-only
    ``params`` by position, worded as Python words it for a function of that signature.

    A vector function's own ``(x, /, *data)`` would name an internal
    ``__call__`` or a closure in Python's message; this names the function
    the user called.

    >>> positional_only_error("hessp", ("x", "p"), (), {"y": 1.0})
    ArgumentError("hessp() missing 2 required positional arguments: 'x' and 'p'")
    >>> positional_only_error("hessp", ("x", "p"), (1.0,), {"p": 2.0})
    ArgumentError("hessp() got some positional-only arguments passed as keyword arguments: 'p'")
    """
    unfilled = tuple(params[len(args):])
    named = [p for p in unfilled if p in kwargs]
    if named:
        return ArgumentError(f"{name}() got some positional-only arguments passed as keyword arguments: "
                             f"'{', '.join(named)}'")
    shown = " and ".join(map(repr, unfilled)) if len(unfilled) <= 2 else \
        ", ".join(map(repr, unfilled[:-1])) + ", and " + repr(unfilled[-1])
    return ArgumentError(f"{name}() missing {len(unfilled)} required positional argument"
                         f"{'s' if len(unfilled) != 1 else ''}: {shown}")


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
    """``point`` with sympy Symbol and Indexed keys written as the names they print (``{x: 1.0, w[0]: 2.0}``,
    as sympy's ``subs`` takes them, is ``{"x": 1.0, "w[0]": 2.0}``), as ``result[x]`` reads an entry; other
    keys as they are.  A name given twice (a Symbol and its text) is an ArgumentError.

    >>> import sympy
    >>> named_keys("at()", {sympy.Symbol("x"): 1.0, "y": 2.0})
    {'x': 1.0, 'y': 2.0}
    """
    out = {}
    for key, value in point.items():
        if key.__class__ is not str and (getattr(key, "is_Symbol", False) or getattr(key, "is_Indexed", False)):
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
    parts = ([f"missing value(s) for {shown_names(missing)}"] if missing else []) + \
            ([f"unknown input(s) {shown_names(unknown)} (inputs: {shown_names(inputs)})"] if unknown else [])
    raise GraphError("; ".join(parts))


def broadcast_shape(shapes: Sequence[tuple[str, tuple[int, ...]]]) -> tuple[int, ...]:
    """The shape (name, shape) pairs broadcast to; a GraphError naming each input's shape when they do not.

    NumPy's own error (``operands could not be broadcast together``) names
    neither the inputs nor the call.

    >>> broadcast_shape([("a", (3,)), ("b", (2, 1))])
    (2, 3)
    >>> broadcast_shape([("a", (3,)), ("b", (2,))])
    Traceback (most recent call last):
    ...
    symgraph.errors.GraphError: input shapes do not broadcast together: a (3,), b (2,)
    """
    distinct = set(shape for _, shape in shapes)
    if len(distinct) <= 1:  # one shape (the common batch, or every value a scalar): nothing to broadcast
        return distinct.pop() if distinct else ()
    try:
        return np.broadcast_shapes(*distinct)
    except ValueError:
        shown = ", ".join(f"{name} {tuple(shape)}" for name, shape in shapes[:12])
        more = f", ... ({len(shapes) - 12:,} more)" if len(shapes) > 12 else ""
        raise GraphError(f"input shapes do not broadcast together: {shown}{more}") from None


def index_axes_error(name: str, extents: tuple[int, ...], shape: tuple[int, ...]) -> GraphError:
    """The error for an indexed input's array whose first axes are not its indices' ``extents``: one
    wording for evaluation (``.at``, ``Graph.evaluate``) and compiled functions alike.

    An array at least as large along every index axis (a data set of more
    columns than the model reads) is taken once its extents are declared, as
    sizes are (``X=(3, 5)``, ``--size X=(3,5)``): the message says so, since
    the extents otherwise come from the largest index the text uses.

    >>> index_axes_error("W", (2, 3), (3, 2))
    GraphError('W takes an array whose first axes are (2, 3) (its indices; batch axes follow), got shape (3, 2)')
    >>> print(index_axes_error("x", (4,), (6,)))
    x takes an array whose first axis is (4,) (its indices; batch axes follow), got shape (6,); its extent is one past the largest index the text uses: to pass an array of 6 entries along it, declare x=6 as sizes are
    """
    extents, shape = tuple(extents), tuple(shape)
    message = (f"{name} takes an array whose first ax{'is is' if len(extents) == 1 else 'es are'} "
               f"{extents} (its indices; batch axes follow), got shape {shape}")
    given = shape[:len(extents)]
    if len(given) == len(extents) and all(g >= e for g, e in zip(given, extents)):
        one = len(extents) == 1
        message += (f"; its extent{'' if one else 's'} {'is' if one else 'are'} one past the largest index the text "
                    f"uses: to pass an array of {' x '.join(map(str, given))} entries along "
                    f"{'it' if one else 'them'}, declare {name}={given[0] if one else given} as sizes are")
    return GraphError(message)


def as_array(name: str, value: Any) -> np.ndarray:
    """``np.asarray(value)``; a GraphError naming the input when NumPy cannot make one array of it
    (a ragged nested list), instead of NumPy's ``inhomogeneous shape`` ValueError; or for a masked array
    (:func:`refuse_masked`), which ``np.asarray`` would turn into its hidden data."""
    refuse_masked(name, value)
    try:
        return np.asarray(value)
    except (TypeError, ValueError):
        raise GraphError(f"value for {name} must be a real number or an array of them, "
                         f"got {type(value).__name__} {shown(value)} (not one array: ragged nesting?)") from None


def refuse_masked(name: str, value: Any) -> None:
    """A GraphError for a NumPy masked array: its masked entries hold no values, and NumPy's functions,
    indexing and conversions treat them differently (computed from the hidden data, skipped in a sum,
    or masked in the result), so backends would give different numbers for the same call."""
    if isinstance(value, np.ma.MaskedArray):
        raise GraphError(f"value for {name} is a masked array: its masked entries have no values; pass "
                         f"{name}.filled(...) with the value they should take, or the unmasked entries alone")


def real_value(name: str, value: Any) -> Any:
    """``value`` as a float64 scalar or array; a GraphError naming the input for anything that is not real numbers.

    NumPy would turn a numeric string into its number, ``None`` into nan and
    a complex array into its real part (with only a warning): each would give
    a wrong number without a word, so they are refused here.
    """
    kind = getattr(value, "dtype", None)
    if kind is not None:
        refuse_masked(name, value)
    kind = kind.kind if kind is not None else None
    if kind in ("f", "i", "u", "b") or (kind is None and isinstance(value, (float, int)) and not isinstance(value, bool)):
        try:
            return np.asarray(value, dtype=np.float64) if np.ndim(value) else np.float64(value)
        except OverflowError:
            raise GraphError(f"value for {name} is too large for a float64: {shown(value)}") from None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested lists
        array = None
    if array is not None and array.dtype.kind in "fiub":
        return array.astype(np.float64) if array.ndim else np.float64(array)
    if array is not None and array.dtype.kind == "O" and all(_real_scalar(e) for e in array.flat):
        try:
            return np.asarray(array, dtype=np.float64) if array.ndim else np.float64(array.item())
        except (OverflowError, TypeError, ValueError):
            raise GraphError(f"value for {name} is too large for a float64: {shown(value)}") from None
    what = f"{type(value).__name__} {shown(value)}" if array is None or array.ndim == 0 else \
        f"an array of {array.dtype} {shown(array)}"
    raise GraphError(f"value for {name} must be a real number or an array of them, got {what}")


def _real_scalar(e: Any) -> bool:
    """True for one element of an object array that converts to a real float64 (not a string, None or complex)."""
    if isinstance(e, (str, bytes)) or e is None:
        return False
    try:
        float(e)
    except (TypeError, ValueError):
        return False
    except OverflowError:
        return True  # a huge integer: real, and refused as too large where it is converted
    return True


def positional_order(inputs: Sequence[str], args: Iterable[str] | None) -> tuple[str, ...]:
    """The positional order of a compiled function: ``args`` (a permutation of ``inputs``) or ``inputs``."""
    if args is None:
        return tuple(inputs)
    if isinstance(args, str):
        args = [args]
    if isinstance(args, (set, frozenset, Mapping)) or not isinstance(args, Iterable):
        raise ArgumentError(f"args= takes a list of the input names in positional order, got "
                            f"{type(args).__name__} {shown(args)}" + (" (a set has no order)" if
                                                                     isinstance(args, (set, frozenset)) else ""))
    try:
        order = tuple(str(a) for a in args)
    except TypeError:  # Iterable by its class, but not this one: a 0-d array
        raise ArgumentError(f"args= takes a list of the input names in positional order, got "
                            f"{type(args).__name__} {shown(args)}") from None
    known, given = set(inputs), set(order)  # sets and a Counter: linear in the number of inputs
    repeated = sorted(a for a, k in Counter(order).items() if k > 1)
    missing = [n for n in inputs if n not in given]
    unknown = [a for a in dict.fromkeys(order) if a not in known]
    if missing or unknown or repeated:
        parts = ([f"inputs missing from args: {shown_names(missing)}"] if missing else []) + \
                ([f"names in args that are not inputs: {shown_names(unknown)}"] if unknown else []) + \
                ([f"names given twice: {shown_names(repeated)}"] if repeated else [])
        raise GraphError(f"args must list every input once (inputs: {shown_names(inputs)}); " + "; ".join(parts))
    return order


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
