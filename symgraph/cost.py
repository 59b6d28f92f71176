"""Cost of a derivation: sweeps, edge multiplications, additions, program size, time.

A :class:`ModeCost` is what one derivation counted; a :class:`CostReport` puts
several side by side.  Multiplications by 0 or +-1 are free and not counted
(they are never performed), as in the AD literature's operation counts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Iterable, Iterator, Mapping

FIGURES = ("sweeps", "multiplications", "additions", "program_ops", "expanded_ops", "paths", "seconds")


@dataclass
class ModeCost:
    """The counted work of one mode on one graph; None where a figure does not apply."""

    mode: str
    sweeps: int | None = None
    multiplications: int | None = None
    additions: int | None = None
    program_ops: int | None = None
    expanded_ops: int | None = None
    paths: int | None = None
    seconds: float | None = None
    note: str = ""

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in FIGURES}


class CostReport(Mapping[str, ModeCost]):
    """Costs of one or more modes on the same graph; ``str()`` is an aligned table."""

    def __init__(self, costs: Iterable[ModeCost], n_inputs: int = 0, n_outputs: int = 0, verdict: str = ""):
        self.costs = {c.mode: c for c in costs}
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.verdict = verdict

    def __getitem__(self, mode: str) -> ModeCost:
        return self.costs[mode]

    def __iter__(self) -> Iterator[str]:
        return iter(self.costs)

    def __len__(self) -> int:
        return len(self.costs)

    # the figures of a single-mode report read directly: gradient.cost.sweeps
    def __getattr__(self, name: str):
        if name in FIGURES and len(self.__dict__.get("costs", {})) == 1:
            return getattr(next(iter(self.costs.values())), name)
        raise AttributeError(name)

    def to_dict(self) -> dict[str, dict]:
        return {mode: cost.to_dict() for mode, cost in self.costs.items()}

    def rows(self) -> list[list[str]]:
        header = ["mode", *FIGURES]
        body = [[mode, *(_fmt(getattr(c, k)) for k in FIGURES)] for mode, c in self.costs.items()]
        return [header, *body]

    def __str__(self) -> str:
        rows = self.rows()
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths)))
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.verdict:
            lines.append(self.verdict)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CostReport {', '.join(self.costs)}>"


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}s" if value >= 0.001 else f"{value * 1e3:.2g}ms"
    return f"{value:,}"
