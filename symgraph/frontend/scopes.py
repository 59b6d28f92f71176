"""What a name stands for across several texts parsed into one graph.

Each text has its own assigned names and the inputs are shared by name, so one name can stand for
different nodes in different texts: ``outputs=`` and ``wrt=`` refuse such a name as ambiguous (a wrt name
took the first text's meaning, a silent 0 in the other texts' rows).  Both ask :func:`_meanings`.
"""
from __future__ import annotations

from ..constants import constant_key as _constant_key
from ..errors import ArgumentError, closest_name, shown, shown_names
from ..ir.builder import GraphBuilder
from ..ir.input_names import element_label, read_element_label
from ..ir.operand_kinds import CONDITION_RESULT as _CONDITION_RESULT


def _meanings(name: str, scopes: list[dict], builder: GraphBuilder) -> tuple[list, set]:
    """What ``name`` stands for in the texts (``scopes``: each text's assigned names), an input or an element
    included, and those of them that differ: more than one is a name the texts give different meanings."""
    found = [scope[name] for scope in scopes if name in scope]
    if builder.is_input(name):
        found.append(builder.input(name))
    element = read_element_label(name)  # an element of an indexed input, x[0], as wrt names it
    if element is not None and builder.element(*element) is not None:
        found.append(builder.element(*element))
    return found, {ref if ref.__class__ is int else _constant_key(ref) for ref in found}


def _ambiguous(scopes: list[dict], builder: GraphBuilder) -> frozenset[str]:
    """The names several texts assign, or one assigns and another reads as an input, with different meanings:
    a wrt name among them would pick one text's (:attr:`Graph.ambiguous`)."""
    if len(scopes) < 2:
        return frozenset()
    seen: dict[str, object] = {}
    twice = set()  # assigned in several texts: only these can differ (one pass, not one per name and text)
    for scope in scopes:
        for name, ref in scope.items():
            if seen.setdefault(name, ref) != ref:
                twice.add(name)
    return frozenset(name for name in twice.union(n for n in seen if builder.is_input(n))
                     if len(_meanings(name, scopes, builder)[1]) > 1)


def _output(name: str, scopes: list[dict], builder: GraphBuilder):
    """The ref an ``outputs=[...]`` name stands for: an input, or a name one text assigned.  A name that
    stands for none is the argument's fault, not the text's: an ArgumentError naming the names there are."""
    found, distinct = _meanings(name, scopes, builder)
    element = read_element_label(name)
    if not found and builder.is_indexed(name):
        raise ArgumentError(f"outputs= names {shown(name)}, an indexed input: name one of its elements, such as "
                            f"{element_label(name, (0,) * builder.rank(name))}")
    if not found:
        known = list(dict.fromkeys([*(n for scope in scopes for n in scope), *builder.input_names()]))
        close = closest_name(name, known) if isinstance(name, str) else None
        hint = f" (did you mean {close!r}?)" if close is not None else ""
        raise ArgumentError(f"outputs= names {shown(name)}{hint}, which the text neither assigns nor reads; "
                            f"its names: {shown_names(known, 20) or 'none'}")
    if builder.is_condition(found[0]):
        raise ArgumentError(f"outputs= names {shown(name)}: {_CONDITION_RESULT}")
    if len(distinct) > 1:
        raise ArgumentError(f"outputs= names {shown(name)}, which is ambiguous: it names different things in different texts")
    return found[0]
