"""A graph's inputs as the user names them: indexed inputs, their elements' labels, parameters and points.

An input written with indices (``x[3]``, ``W[0, 1]``) is one input node per
element used (``x_3``), gathered in an :class:`IndexedInput`; the user passes
the whole array (``x=[...]``) or elements by their labels.  :class:`InputNames`
holds the graph's methods that translate between the two -- the user's
parameters, values keyed by node, labels, one checked point --, mixed into
:class:`~symgraph.ir.graph.Graph`, which owns the tables they read
(``inputs``, ``indexed``, ``addresses``).  Why apart: the graph's structure
never needs them; every API call that takes values does.
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from ..binding import meant_hint, named_keys
from ..options import checked_options, label_list
from ..real_values import as_array, beyond_float64, conversion_error, index_axes_error, real_value
from ..errors import ArgumentError, GraphError, GraphInputs, refusing_class, shown_names, shown


class IndexedInput(NamedTuple):
    """An input written with indices (``x[i]``, ``W[j, k]``): its extent and one input node per index used."""

    name: str
    shape: tuple[int, ...]  # one past the largest index used, per dimension
    nodes: dict  # index tuple -> input node, in row-major index order
    #: for an indexed input with no element node (written only in a reduction over an empty range): the input
    #: node it comes before in the order of first appearance, None when after every one
    before: str | None = None

    def label(self, index: tuple[int, ...]) -> str:
        """The user's name of one element: ``x[3]``, ``W[0, 1]``."""
        return element_label(self.name, index)


def element_label(name: str, index: tuple[int, ...]) -> str:
    """The user's name of element ``index`` of the indexed input ``name``: ``x[3]``, ``W[0, 1]``."""
    return f"{name}[{index[0]}]" if len(index) == 1 else f"{name}[{', '.join(map(str, index))}]"


#: ASCII digits only: a full-width '０' is no index, as in the text
_ELEMENT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*(\d+(?:\s*,\s*\d+)*)\s*,?\s*\]\s*", re.ASCII)


def read_element_label(label: str) -> tuple[str, tuple[int, ...]] | None:
    """``(name, index)`` of an element's label however it is spaced (``W[0,0]``, ``x[ 1 ]``); None for any other
    text."""
    match = _ELEMENT.fullmatch(label) if "[" in label else None
    if match is not None and len(match[2]) > 1000:  # int() of over 4,300 digits raises a bare ValueError
        raise GraphError(f"{shown(label)} has an index of {len(match[2]):,} characters; no indexed input has "
                         "an element that far")
    return None if match is None else (match[1], tuple(int(i) for i in match[2].split(",")))


class InputNames:
    """The graph's inputs under the user's names (mixed into :class:`~symgraph.ir.graph.Graph`)."""

    @checked_options
    def parameters(self, inputs: Sequence[str], leave: Iterable[str] = ()) -> list[tuple[str, list[tuple[tuple, str]] | None]]:
        """The user's parameters for input nodes ``inputs``, in order: ``(name, None)`` for a plain input,
        ``(x, [(index, node), ...])`` for the elements of an indexed input ``x`` (one array), in index order.

        An indexed input is one parameter at the place of its first element in ``inputs``; one without
        elements (written only in a reduction over an empty range: ``(x, [])``) where the text first wrote
        it, unless ``leave`` names it (with ``vector=True``, an input the vector holds, in none of its entries).
        A str is one name (:func:`~symgraph.options.label_list`).
        """
        inputs = label_list("Graph.parameters()", inputs, "node name")
        leave = set(label_list("Graph.parameters()", leave, "node name"))
        if not self.indexed:
            return [(x, None) for x in inputs]
        base_of = {node: (name, index) for name, known in self.indexed.items() for index, node in known.nodes.items()}
        wanted = set(inputs)
        params, seen = [], set()
        place = {node: k for k, node in enumerate(self.input_nodes)}
        unmade = sorted(((len(self.input_nodes) if known.before is None else place[known.before], seq, name)
                         for seq, (name, known) in enumerate(self.indexed.items())  # in the order first written
                         if not known.nodes and name not in leave), reverse=True)
        for node in inputs:
            while unmade and unmade[-1][0] <= place.get(node, len(self.input_nodes)):
                params.append((unmade.pop()[2], []))
            found = base_of.get(node)
            if found is None:
                params.append((node, None))
            elif found[0] not in seen:
                seen.add(found[0])
                known = self.indexed[found[0]]
                params.append((found[0], [(index, n) for index, n in known.nodes.items() if n in wanted]))
        params.extend((name, []) for _, _, name in reversed(unmade))
        return params

    @checked_options
    def node_values(self, inputs: Sequence[str], values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` keyed by the user's names -> keyed by the input nodes: an indexed input's array
        (``x=[...]``, its index axes first) gives each element ``x[3]``; labels ``x[3]`` may be given one by one.
        An element within the extent that no node reads (``x[0]`` of ``x[2]*y``, whose gradient has an entry for it)
        is taken as such an element's value is by the array: checked, and not used.
        """
        if not isinstance(values, Mapping):  # dict(2.0) raised Python's bare "'float' object is not iterable"
            raise ArgumentError(f"{type(self).__name__}.node_values(): values= takes a mapping of input names to "
                                f"values, got {type(values).__name__} {shown(values)}")
        if not self.indexed:
            return dict(values)
        out, by = {}, {}  # by: element node (or unread element's label) -> the key that gave its value
        unread, whole = {}, set()  # an element no node reads: its key -> label; the indexed inputs given whole
        for key, value in values.items():
            known = self.indexed.get(key)
            if known is None:
                node = key if key in self._ops else self.addresses[key] if key in self.addresses else \
                    self._element_node(key)
                label = self._unread_element(node)
                if label is not None:  # within the extent (x=[...] holds it), read by no node: checked, not used
                    base = label[:label.index("[")]
                    first = by.get(label, base if base in whole else None)
                    if first is not None:
                        raise self._given_twice(label, first, key)
                    by[label], unread[key] = key, label
                    real_value(label, value)
                    continue
                if node in by:
                    raise self._given_twice(element_label(*self._elements[node]), by[node], key)
                if node in self._elements:
                    by[node] = key
                out[node] = value
                continue
            array = as_array(key, value)
            if array.shape[:len(known.shape)] != known.shape:
                raise index_axes_error(key, known.shape, array.shape)
            whole.add(key)
            clash = next((label for label in unread.values() if label.startswith(key + "[")), None)
            if clash is not None:
                raise self._given_twice(clash, by[clash], key)
            for index, node in known.nodes.items():
                if node in by:
                    raise self._given_twice(element_label(*self._elements[node]), by[node], key)
                by[node] = key
                out[node] = array[index]
        missing = [x for x in inputs if x not in out]
        missing += [name for name, known in self.indexed.items() if not known.nodes and name not in values]
        given = set(inputs)  # a program's own inputs (a seed name of jvp) count too
        unknown = [key for key in values if key not in self.indexed and key not in self.addresses and key not in
                   self._ops and key not in given and key not in unread and self._element_node(key) not in self._elements]
        if missing or unknown:  # worded with the user's names (x[3], or x for all of an indexed input)
            label = dict(zip(self.input_nodes, self.input_labels))
            bases = {self._elements[x][0] for x in missing if x in self._elements}
            said = list(dict.fromkeys(self._elements[x][0] if x in self._elements and all(
                n not in out for n in self.indexed[self._elements[x][0]].nodes.values()) else label.get(x, x)
                for x in missing))
            names = [name for name, _ in self.parameters(self.input_nodes)]
            meant = meant_hint(unknown[0], names) if len(unknown) == 1 else ""
            parts = ([f"missing value(s) for {shown_names(said)}"] if missing else []) + \
                    ([f"unknown input(s) {shown_names(unknown)}{meant}"] if unknown else [])
            raise GraphError("; ".join(parts) + f" (inputs: {shown_names(names)}"
                             + (f"; an indexed input takes one array, e.g. {next(iter(bases or self.indexed))}=[...]"
                                if self.indexed else "") + ")")
        return out

    def _element_node(self, key: Any) -> Any:
        """The node of an element's label however it is spaced (``W[0,1]``, as ``wrt`` reads it, for ``W[0, 1]``);
        ``key`` itself for any other key."""
        read = read_element_label(key) if isinstance(key, str) else None
        known = self.indexed.get(read[0]) if read is not None else None
        return key if known is None else known.nodes.get(read[1], key)

    @checked_options
    def entry_label(self, key: Any) -> Any:
        """The label results key an element by (``W[0, 1]``, ``x[0]``) for each spelling ``wrt`` takes (``W[0,1]``
        spaced any way, the node ``x_0``), so a result reads back the names it was asked for; another key as it is."""
        if not isinstance(key, str) or not self.indexed:
            return key
        node = self._element_node(key)
        return element_label(*self._elements[node]) if node in self._elements else self._unread_element(key) or key

    def _unread_element(self, key: Any) -> str | None:
        """The label of the element ``key`` names when it lies within its indexed input's extent but no node reads
        it (``x[0]`` of ``x[2]*y``: a gradient has its entry, ``x=[...]`` holds it), else None."""
        read = read_element_label(key) if isinstance(key, str) and key not in self._ops else None
        known = self.indexed.get(read[0]) if read is not None else None
        if known is None or read[1] in known.nodes or len(read[1]) != len(known.shape) or \
                any(i >= n for i, n in zip(read[1], known.shape)):
            return None
        return known.label(read[1])

    @staticmethod
    def _given_twice(label: str, first: str, second: str) -> GraphError:
        """An element given a value twice (``x=[...]`` and ``x[0]=...``): which would count hung on the order of the
        keywords."""
        return GraphError(f"{label} is given two values, by {first}= and by {second}=: give the whole array, or "
                          "its elements one by one")

    @property
    def inputs(self) -> tuple[str, ...]:
        """The inputs by the names the user wrote, in order of first appearance: ``x[0]`` for an element (its node,
        ``x_0``, is in :attr:`input_nodes`), as derivatives, ``.at()`` and every message name them."""
        return self.input_labels

    @cached_property
    def input_labels(self) -> tuple[str, ...]:
        """The user's name of each input, in order: the input's own name, or an element's label ``x[0]``
        (made on first use: a million elements' labels cost a parse a fifth of a second)."""
        if not self.indexed:  # a tuple that, called as a method (g.inputs()), says to drop the ()
            return GraphInputs(self.input_nodes)
        elements = self._elements
        return GraphInputs(element_label(*elements[x]) if x in elements else x for x in self.input_nodes)

    @property
    def element_labels(self) -> dict[str, str] | None:
        """Input node -> the user's name (``x_0`` -> ``x[0]``) when the graph has indexed inputs, else None
        (every input node is then named as the user wrote it): what messages about values say."""
        return refusing_class(dict, "g.element_labels")(zip(self.input_nodes, self.input_labels)) if self.indexed else None

    @cached_property
    def _elements(self) -> dict[str, tuple[str, tuple[int, ...]]]:
        """Input node -> (indexed input, index), for the elements of indexed inputs."""
        return {node: (name, index) for name, known in self.indexed.items() for index, node in known.nodes.items()}

    @checked_options
    def one_point(self, at: Any, what: str) -> dict[str, float]:
        """``at`` (the user's names -> numbers, as :meth:`evaluate` takes them) as one float per input node,
        checked: the point a walk-through steps through (``what``: the call, for the messages)."""
        if not isinstance(at, Mapping):
            raise ArgumentError(f"{what}(at=...) takes a mapping of input names to numbers (at={{'x': 1.0, ...}}), "
                                f"got {type(at).__name__} {shown(at)}")
        values = self.node_values(self.input_nodes, named_keys(f"{what}(at=...)", at))
        labels = dict(zip(self.input_nodes, self.input_labels))
        missing = [labels[x] for x in self.input_nodes if x not in values]
        unknown = [k if isinstance(k, str) else repr(k) for k in values if k not in labels]
        if missing or unknown:  # named a few at a time: a key of 100,000 characters is not all echoed
            said = [f"no value for {shown_names(missing)}"] if missing else []
            said += [f"{shown_names(unknown)} {'is' if len(unknown) == 1 else 'are'} not an input"] if unknown else []
            raise GraphError(f"{what}(at=...): {'; '.join(said)} (inputs: {shown_names(self.input_labels)})")
        point = {}
        for x in self.input_nodes:
            value = values[x]
            try:
                ndim = np.ndim(value)
            except ValueError:  # a ragged list, or one nested deeper than an array can be: NumPy's bare ValueError
                ndim = None
            except Exception as error:  # the value's own conversion failed (its __array__ or __len__ raised)
                raise GraphError(f"{what}(at=...): {conversion_error(labels[x], value, error)}") from error
            if ndim != 0:
                got = f"an array of shape {np.shape(value)}" if ndim else f"{type(value).__name__} {shown(value)}"
                raise GraphError(f"{what}(at=...) is one point: {labels[x]} takes one number, got {got}")
            try:
                point[x] = float(real_value(labels[x], value))
            except GraphError as error:
                said = error if beyond_float64(value) else f"{labels[x]} = {shown(value)} is not a number"
                raise GraphError(f"{what}(at=...): {said}") from None
        return point
