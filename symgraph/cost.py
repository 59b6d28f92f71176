"""The report types of a derivation's cost: one row per mode, and the table they make.

A :class:`ModeCost` is what one derivation counted; a :class:`CostReport` puts
several side by side (``str()`` is an aligned table, ``to_dict()`` plain data,
``_repr_html_`` a table in Jupyter).  ``gradient.cost`` is a one-row report;
:func:`symgraph.compare` derives the same Jacobian in every mode and reports:

``sweeps``
    forward: one per wrt input; reverse: one per output; a Hessian strategy:
    its gradient's sweeps plus those over the gradient's program; None for
    paths and elimination, which are not organised in sweeps.
``multiplications``, ``additions``
    Edge-derivative products and sums the mode performed.  Products with 0 or
    +-1 and sums with 0 are free and not counted (they are never performed),
    as in the AD literature's operation counts.
``program_ops``
    Operations of the resulting straight-line Program (the function's own
    nodes plus the derivative instructions, after sharing and dead-code removal).
``expanded_ops``
    Operations of the same results written out as trees in the inputs,
    counted by dynamic programming on the program (never built) and capped
    at :data:`EXPANDED_CAP`: the expression swell that sharing avoids.
``paths``
    Number of wrt -> output paths, counted exactly by dynamic programming
    (only in the paths row).
``seconds``
    Wall-clock derivation time: the sweep plus building the program.

What the paths row counts: the path sum enumerates paths depth-first and
shares each prefix product with every path that extends it, so its
``multiplications`` are one per edge of the tree of path prefixes -- the
work it actually did, measured like every other row.  That is a lower bound
on the textbook's one-product-chain-per-path count (which pays ``len - 1``
products for every path), and it still grows with the number of paths,
exponentially in depth for layered graphs.  Above the path limit the row
shows the path count alone and no enumeration happens.

Building a row is :func:`mode_cost`'s job alone (grad, jacobian, jvp/vjp and
compare all call it); why ``mode="auto"`` picks what it picks is counted in
:mod:`symgraph.ad.modes`.
"""
from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping

from .ad.linearised import Counts
from .options import checked_options
from .errors import ArgumentError, FigureError, closest_name, no_entry, not_a_method, refusing
from .ir.listing import count_text
from .ir.program import Program

FIGURES = ("sweeps", "multiplications", "additions", "program_ops", "expanded_ops", "paths", "seconds")

#: the line under every cost table: what its figures count
COUNTED = ("multiplications, additions: edge-derivative products and sums the mode performed; "
           "products with 0 or ±1 and sums with 0 are free and not counted")

#: compare() rows, in table order
COMPARED_MODES = ("forward", "reverse", "paths", "elimination")

#: modes not organised in sweeps: their rows show no sweep count
UNSWEPT = ("paths", "elimination")

#: which mode the verdict names when several need the same multiplications (simplest first)
TIE_PREFERENCE = ("reverse", "forward", "elimination", "paths")

#: expanded_ops stops counting here (the closed form can be exponential in the program)
EXPANDED_CAP = 10**9

#: a printed table counts expanded_ops of programs up to this many operations; a larger program's count (a pass
#: over it: 3-9 s at 900,000 operations on a busy 2-core machine) is made when the figure is read, and the table says so
PRINT_COUNT = 100_000

#: the line under a table whose expanded_ops were not counted for printing
NOT_COUNTED = (f"expanded_ops ?: a program of more than {PRINT_COUNT:,} operations is counted when the figure is "
               "read (report[mode].expanded_ops, or to_dict())")


@dataclass
class ModeCost:
    """The counted work of one mode on one graph; None where a figure does not apply.

    ``expanded`` is ``expanded_ops`` or a function computing it: that count
    is a pass over the whole program, so derivations hand in the function and
    it runs only when the figure is read (``gradient.cost`` is rarely looked at).
    """

    mode: str
    sweeps: int | None = None
    multiplications: int | None = None
    additions: int | None = None
    program_ops: int | None = None
    paths: int | None = None
    #: a measurement, not part of what was counted: two reports of the same derivation compare equal
    seconds: float | None = field(default=None, compare=False)
    note: str = ""
    expanded: "int | Callable[[], int] | None" = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Each figure, called as a method (``cost.sweeps()``), says to drop the (), as every result's property."""
        for name in ("mode", "sweeps", "multiplications", "additions", "program_ops", "paths", "seconds", "note"):
            setattr(self, name, refusing(getattr(self, name), f"cost.{name}"))

    @property
    def expanded_ops(self) -> int | None:
        if callable(self.expanded):
            self.expanded = self.expanded()
        return refusing(self.expanded, "cost.expanded_ops")

    @property
    def counted(self) -> bool:
        """Whether printing shows ``expanded_ops``: counted already, or cheap to count (:data:`PRINT_COUNT`)."""
        return not callable(self.expanded) or (self.program_ops or 0) <= PRINT_COUNT

    @checked_options
    def to_dict(self) -> dict:
        """``{figure: value}`` for the seven FIGURES, None where a figure does not apply."""
        return {k: getattr(self, k) for k in FIGURES}


class CostReport(Mapping[str, ModeCost]):
    """Costs of one or more modes on the same graph: a mapping mode -> :class:`ModeCost`.

    ``str()`` is an aligned table, one line saying what it counts
    (:data:`COUNTED`) and a one-sentence verdict;
    ``to_dict()`` gives ``{mode: {"sweeps", "multiplications", "additions",
    "program_ops", "expanded_ops", "paths", "seconds"}}`` with None where a
    figure does not apply.  A single-mode report (``gradient.cost``) also
    reads its figures directly: ``gradient.cost.sweeps``.  ``n_inputs`` counts
    the wrt names, ``n_outputs`` the functions differentiated (1 for a
    Hessian, whose n rows are the gradients of one function).

    Examples
    --------
    >>> import symgraph as sg
    >>> report = sg.compare("x1*x2*x3*x4")
    >>> report["reverse"].sweeps, report["forward"].sweeps
    (1, 4)
    >>> sorted(report.to_dict()["paths"])[:3]
    ['additions', 'expanded_ops', 'multiplications']
    """

    def __init__(self, costs: Iterable[ModeCost], n_inputs: int = 0, n_outputs: int = 0, verdict: str = "",
                 read_as: str | None = "result.cost"):
        self._read_as = read_as  # the property that holds it, for the message of a call; None: compare()'s own
        self.costs = refusing({c.mode: c for c in costs}, "report.costs")  # called as methods, these say to drop the ()
        self.n_inputs = refusing(n_inputs, "report.n_inputs")
        self.n_outputs = refusing(n_outputs, "report.n_outputs")
        self.verdict = verdict

    @property
    def verdict(self) -> str:
        """The one sentence under the table naming the cheapest mode ("" for none); a property that compare()
        sets when every row is counted, kept as a value whose call says to drop the ()."""
        return self._verdict

    @verdict.setter
    def verdict(self, text: str) -> None:
        self._verdict = refusing(text, "report.verdict")

    def __getitem__(self, mode: str) -> ModeCost:
        try:
            return self.costs[mode]
        except (KeyError, TypeError):  # TypeError: an unhashable key, a list
            raise no_entry("mode", mode, list(self.costs)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.costs)

    def __len__(self) -> int:
        return len(self.costs)

    def __call__(self, *args, **kwargs) -> None:
        """Refused, saying how to read it: ``gradient.cost()`` raised "'CostReport' object is not callable"."""
        instead = f"; print it for the table, or read {self._reading()}, report.to_dict()"
        if self._read_as is not None:
            raise not_a_method(self._read_as, "the CostReport itself", instead)
        raise ArgumentError(f"a CostReport (what sg.compare returns) is a table, not a function{instead}")

    def _reading(self) -> str:
        """How to read one figure of this report: ``report.sweeps`` for one mode, else a row by its mode."""
        modes = list(self.__dict__.get("costs", {})) or ["reverse"]
        return "report.sweeps" if len(modes) == 1 else f"report[{modes[0]!r}].sweeps"

    # the figures of a single-mode report read directly: gradient.cost.sweeps
    def __getattr__(self, name: str):
        costs = self.__dict__.get("costs", {})
        if name in (*FIGURES, "mode", "note"):
            if len(costs) == 1:
                return getattr(next(iter(costs.values())), name)
            if costs:  # a table: say which row to read
                raise FigureError(f"this report has {len(costs)} modes ({', '.join(costs)}), so no single {name}; "
                                  f"read one row: report[{next(iter(costs))!r}].{name}")
        if name in costs:  # report.reverse: the rows are a mapping's items, read by their mode
            raise FigureError(f"a CostReport's rows are read by their mode, as a mapping's items: report[{name!r}] "
                              f"(modes: {', '.join(costs)}), not report.{name}")
        close = closest_name(name, (*FIGURES, "mode", "note")) if not name.startswith("_") else None
        hint = f" (did you mean {close!r}?)" if close is not None else ""  # report.sweep said only 'sweep'
        raise AttributeError(f"'CostReport' object has no attribute {name!r}{hint}", name=name, obj=self)

    @checked_options
    def to_dict(self) -> dict[str, dict]:
        """``{mode: {figure: value}}``, every mode's :meth:`ModeCost.to_dict`, in the table's order."""
        return {mode: cost.to_dict() for mode, cost in self.costs.items()}

    @checked_options
    def rows(self) -> list[list[str]]:
        """Header and one row per mode, every cell formatted as text (``?`` for an expanded_ops count
        left for when it is read: see :data:`PRINT_COUNT`)."""
        header = ["mode", *FIGURES]
        body = [[mode, *("?" if k == "expanded_ops" and not c.counted else _fmt(getattr(c, k), k) for k in FIGURES)]
                for mode, c in self.costs.items()]
        return [header, *body]

    def _notes(self) -> list[str]:
        """The lines under the table: what it counts, a count left for later, the verdict."""
        later = [NOT_COUNTED] if not all(c.counted for c in self.costs.values()) else []
        return [COUNTED, *later, *([self.verdict] if self.verdict else [])]

    def __str__(self) -> str:
        rows = self.rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths)))
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines + self._notes())

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter; what it counts and the verdict are the caption.

        Its cells carry their own padding and rules (:data:`_CELL`): outside Jupyter's style sheet (a page, an
        exported notebook) the columns ran together and "- 0.345ms" read as a negative number."""
        header, *body = self.rows()
        cell = f'<td style="{_CELL};text-align:right">{{}}</td>'.format
        head = "".join(f'<th style="{_CELL};border-bottom:1px solid #999">{html.escape(c)}</th>' for c in header)
        rows = "".join(f'<tr><th style="{_CELL};text-align:left">{html.escape(r[0])}</th>'
                       + "".join(cell(html.escape(c)) for c in r[1:]) + "</tr>" for r in body)
        caption = "<br>".join(html.escape(line) for line in self._notes())
        caption = f'<caption style="caption-side:bottom;text-align:left;padding-top:0.4em">{caption}</caption>'
        return (f'<table style="border-collapse:collapse">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>")

    def __repr__(self) -> str:
        return f"<CostReport {', '.join(self.costs)}>"


#: the inline style of every cell of the HTML table: room between the columns whatever the page's style sheet
_CELL = "padding:0.2em 0.9em"


def _fmt(value, figure: str = "") -> str:
    if value is None:
        return "-"
    if figure == "expanded_ops" and value >= EXPANDED_CAP:
        return f">={value:,}"
    if isinstance(value, float):  # seconds: milliseconds below one, so a column reads in one unit
        return f"{value:.3g}s" if value >= 1 else f"{value * 1e3:.3g}ms"
    return count_text(value)


def expanded_ops(program, cap: int = EXPANDED_CAP) -> int:
    """Operations of every result of ``program`` written as a tree in the inputs, summed and capped.

    Counted in one pass over the program (``Program.measure``): one count per result took 14 s of printing
    a gradient's cost at 100,000 inputs.
    """
    program.measure()
    return min(cap, sum(program.expanded_size(label, cap) for label in program.results))


def count_shown(report: CostReport) -> CostReport:
    """``report`` with the expanded_ops its table shows counted now (those :data:`PRINT_COUNT` lets it show), for
    a report whose table is the result (``sg.compare``): printing then only formats, where printing compare()'s
    table at Rosenbrock n = 5,000 counted three programs of 45,000-60,000 operations first (0.2-0.9 s)."""
    for cost in report.costs.values():
        if cost.counted:
            cost.expanded_ops  # noqa: B018 - counted and kept
    return report


def mode_cost(mode: str, counts: Counts | None = None, program: Program | None = None, seconds: float | None = None,
              note: str = "", paths: int | None = None) -> ModeCost:
    """The :class:`ModeCost` row of a derivation: what ``counts`` counted and the ``program`` it made.

    Sweeps are reported for every mode made of sweeps (forward, reverse, the
    Hessian strategies), not for the path sum or elimination; without counts
    or a program (a path sum counted but not enumerated) those figures are None.
    """
    return ModeCost(mode, sweeps=counts.sweeps if counts is not None and mode not in UNSWEPT else None,
                    multiplications=None if counts is None else counts.multiplications,
                    additions=None if counts is None else counts.additions,
                    program_ops=None if program is None else program.ops,
                    expanded=None if program is None else functools.partial(expanded_ops, program),  # pickles
                    paths=paths, seconds=seconds, note=note)
