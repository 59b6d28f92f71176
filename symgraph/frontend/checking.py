"""A builder that builds nothing: it checks text whose terms the graph never gets.

Two stretches of a text make no node however they are written: the term of a
reduction over an empty range (``sum(x[i] +* 2, i, 0, n-1)`` with ``n=0``) and
the body of a definition no line calls.  Parsed lazily, a typo there, an
unknown function or a condition where a number belongs passed silently, and
the same text failed once ``n`` grew or a line called the function.  The
parser reads such a stretch once, in *checking* mode, into a
:class:`CheckingBuilder`: the grammar, the names and the kinds of operands
(number or condition) are checked as for any text; nothing enters the graph.

What a check cannot know is left to the real expansion: the value of an index
(the term is read with the index at the range's first value, and its elements'
ranges are not checked) and the kind of a definition's parameters (a
parameter, and a call of a definition inside checked text, may be a number or
a condition: :meth:`CheckingBuilder.unknown`).
"""
from __future__ import annotations

from typing import Any

from .. import constants, ops
from ..errors import GraphError
from ..ir.builder import GraphBuilder
from ..ir.input_names import element_label
from ..ir.operand_kinds import checked_fold, kind_error, op_row


class CheckingBuilder:
    """The builder calls of the parser, checked against a real builder's inputs; every node is a scratch one.

    Scratch nodes are negative ints, so they never meet a node id of the real
    builder (which the checked text may also use: the names assigned before it).
    """

    def __init__(self, builder: GraphBuilder, declaring: bool = False):
        self.real = builder
        #: True for the term of a reduction over an empty range in text the graph gets: the inputs it writes stay
        #: inputs of the function (an indexed one with no elements), as they are for any other range
        self.declaring = declaring
        self._count = 0
        self._conditions: set[int] = set()
        self._unknown: set[int] = set()  # a number or a condition: a parameter, a definition's value
        self._indexed: dict[str, int] = {}  # names used with indices here -> their number of indices
        self._plain: set[str] = set()  # names used without indices here

    @classmethod
    def over(cls, builder: "GraphBuilder | CheckingBuilder", declaring: bool = False) -> "CheckingBuilder":
        """A checking builder over ``builder``: itself when it checks already (its scratch nodes stay its own,
        and text it checks makes no input: a definition no line calls)."""
        return builder if isinstance(builder, CheckingBuilder) else cls(builder, declaring)

    def number(self) -> int:
        """A scratch node whose value is a number (a reduction's, in checked text)."""
        return self._node()

    def _node(self) -> int:
        self._count += 1
        return -self._count

    def size(self) -> int:
        """How many scratch nodes it has made (a reduction in checked text measures its first term too)."""
        return self._count

    def unknown(self) -> int:
        """A scratch node of unknown kind: checks that need a number or a condition both accept it."""
        node = self._node()
        self._unknown.add(node)
        return node

    def is_condition(self, ref: Any) -> bool:
        if ref.__class__ is int and ref < 0:
            return ref in self._conditions
        return self.real.is_condition(ref)

    def op(self, name: str, *operands) -> Any:
        """A scratch node for ``name(*operands)`` (or the folded constant), with the builder's kind checks."""
        row = op_row(name, operands)
        known = [k for k, x in enumerate(operands) if not (x.__class__ is int and x in self._unknown)]
        message = kind_error(row, [self.is_condition(operands[k]) for k in known]) if len(known) == len(operands) \
            else _kind_error_at(row, [(k, self.is_condition(operands[k])) for k in known])
        folded = checked_fold(row, operands, message)
        if folded is not None:
            return folded
        if len(operands) <= 2 and not any(x.__class__ is int for x in operands):
            folded = constants.fold(name, operands)
            if folded is not None:
                return folded
        node = self._node()
        if row.condition:
            self._conditions.add(node)
        return node

    def binary(self, name: str, x: Any, y: Any) -> Any:
        return self.op(name, x, y)

    def input(self, name: str, symbol: Any = None) -> int:
        """A scratch node for the input ``name``; an error when the text uses it with indices too."""
        real = self.real
        if name in self._indexed or real.is_indexed(name):
            raise GraphError(f"{name!r} is used with indices ({name}[...]) and without: an input is either "
                             "indexed or not")
        self._plain.add(name)
        if self.declaring:
            real.input(name)
        return self._node()

    def indexed_input(self, name: str, index: tuple[int, ...]) -> int:
        """A scratch node for an element; an error when the text uses ``name`` without indices, or with
        another number of them."""
        real = self.real
        if name in self._plain or real.is_input(name):
            raise GraphError(f"{name!r} is used without indices and with them ({name}[...]): "
                             "an input is either indexed or not")
        rank = self._indexed.setdefault(name, real.rank(name) or len(index))
        if rank != len(index):
            raise GraphError(f"{name} takes {rank} ind{'ex' if rank == 1 else 'ices'}, got "
                             f"{element_label(name, index)}")
        if self.declaring:
            real.indexed_without_elements(name, rank)
        return self._node()

    def begin_group(self, name: str) -> None:
        return None

    def end_group(self, group: None) -> None:
        return None


def _kind_error_at(row: ops.Op, slots: list[tuple[int, bool]]) -> str | None:
    """:func:`kind_error` for the operands at ``slots`` only (the others are of unknown kind)."""
    for slot, got in slots:
        padded = [row.kinds[min(k, len(row.kinds) - 1)] == "c" for k in range(slot)] + [got]
        message = kind_error(row, padded)
        if message:
            return message
    return None
