"""The derivative subcommands: ``grad``, ``jacobian``, ``hessian`` and ``compare``.

One ``cmd_*`` function per subcommand, called by :func:`symgraph.cli.main`
with the parsed arguments; each writes its answer to ``out``.
"""
from __future__ import annotations

from functools import partial
from itertools import islice
from typing import Any, Sequence, TextIO

import numpy as np

from ..compare import compare
from ..cost import CostReport
from ..derive import grad, jacobian_program
from ..derivative_map import DerivativeMap
from ..export.display import expand_note, listing
from ..export.latex import function_name, hessian_latex
from ..export.latex_matrices import MATRIX_LIMIT, jacobian_head, program_matrix_latex
from ..export.latex_printer import LatexPrinter
from ..export.text import format_number
from ..frontend.coerce import wrt_names
from ..frontend.tokens import scan
from ..hessian import entry_label, hessian, hessian_cells, hessian_program
from ..names import output_labels
from .inputs import UsageError, _graph, one_line, parse_text, read_expr
from .points import _point
from .printing import (ADVICE, ENTRY_LINES, _aligned, _expression, _function_value, _json_number, _json_point, _mark,
                       _more, _no_variables, _print_json, _print_large)


def cmd_grad(args, out: TextIO) -> None:
    graph = _graph(args)
    point = _point(args, graph)
    gradient = grad(graph, wrt=args.wrt, mode=args.mode, simplify=args.simplify, allow_unused=args.allow_unused)
    name = function_name(graph)
    with np.errstate(all="ignore"):
        values = gradient.at(**point) if point is not None else None
    if args.json:
        data = {"function": name, "expression": _expression(graph, expand=args.expand), "wrt": list(gradient.wrt),
                "mode": gradient.mode, "gradient": gradient.printed_forms(gradient.wrt, args.expand)}
        if args.mode == "auto":
            data["why"] = gradient.cost.verdict
        if args.latex:
            data["latex"] = gradient.latex(limit=None)  # every entry, as the rest of the data
        if point is not None:
            data["at"] = _json_point(point)
            data["value"] = _json_number(_function_value(graph, point)[0])
            data["gradient_values"] = {x: _json_number(v) for x, v in values.items()}
        data["program"] = gradient.program.listing().splitlines()
        _print_json(data, out)
        return
    _auto_note(args, gradient.cost, gradient.mode, out)
    if not gradient.wrt:  # under --latex too, as LaTeX's comment: it printed an empty line
        print(f"{_mark(args)} {_no_variables(graph)} its gradient is empty", file=out)
        return
    if args.latex:
        print(gradient.latex(expand=args.expand, limit=ENTRY_LINES), file=out)
        if values is not None:
            shown = islice(values.items(), ENTRY_LINES)
            print("\n".join(_aligned([(f"d{name}/d{x}", format_number(v, 10)) for x, v in shown], None)
                            + _more(len(values), _mark(args))), file=out)
        return
    wrt = gradient.wrt[:ENTRY_LINES]
    texts = gradient.printed_forms(wrt, args.expand)
    _print_large(gradient, [x for x in wrt if texts[x] is None], out)
    rows = [(f"d{name}/d{x}", texts[x] or f"{gradient.program.results[x]}  (above)") for x in wrt]
    shown = [format_number(values[x], 10) for x in wrt] if values is not None else None
    print("\n".join(_aligned(rows, shown) + _more(len(gradient.wrt))), file=out)


def _auto_note(args, report: CostReport, chosen: str, out: TextIO) -> None:
    """Under --mode auto, a comment line saying which mode it chose and why (the report's verdict), for grad and
    jacobian alike: jacobian printed none, and its --json said "mode": "auto"."""
    if args.mode == "auto":
        print(f"{_mark(args)} {report.verdict}" if report.verdict else f"{_mark(args)} mode auto chose {chosen}",
              file=out)


def _graph_of_exprs(args) -> tuple[Any, list[str]]:
    """The graph of the EXPR arguments (one expression or program, or several expressions, one output each),
    and their texts."""
    if args.exprs.count("-") > 1:
        raise UsageError("'-' (standard input) may be given once: give the other expressions as "
                         "arguments or as @FILE, one file each")
    texts = [read_expr(e) for e in args.exprs]
    return parse_text(texts if len(texts) > 1 else texts[0], args.size), texts


def cmd_jacobian(args, out: TextIO) -> None:
    graph, texts = _graph_of_exprs(args)
    point = _point(args, graph)
    wrt = wrt_names(graph, args.wrt, args.allow_unused)
    names = output_labels(graph)  # one distinct label per function, in order, even for repeats
    cells = [[f"d{f}/d{x}" for x in wrt] for f in names]  # the entries' labels, as sg.jacobian's program has them
    every = [(i, j) for i in range(len(names)) for j in range(len(wrt))]
    program, cost = jacobian_program(graph, wrt, args.mode)
    report = CostReport([cost], len(wrt), len(graph.outputs), cost.note)  # as sg.jacobian's .cost: auto says why
    entries = DerivativeMap(graph, list(program.results), program, report, cost.mode, args.simplify)
    values = None
    if point is not None:  # the program derived above: every mode gives the same numbers (it was derived twice)
        with np.errstate(all="ignore"):
            numbers = program.evaluate(**point)
        values = [[numbers[label] for label in row] for row in cells]
    if args.json:
        forms = entries.printed_forms([label for row in cells for label in row], args.expand)
        data = {"outputs": dict(zip(names, (_expression(graph, y, args.expand) for y in graph.outputs))),
                "wrt": wrt, "mode": cost.mode,
                "jacobian": [[forms[label] for label in row] for row in cells]}
        if args.mode == "auto":  # as grad's: the mode chosen, and why
            data["why"] = report.verdict
        if args.latex:
            data["latex"] = _matrix_latex(entries, cells, wrt, args.expand, limit=None)  # every entry, as the data
        if values is not None:
            data["at"] = _json_point(point)
            data["value"] = [_json_number(v) for v in _function_value(graph, point)]
            data["jacobian_values"] = [[_json_number(v) for v in row] for row in values]
        data["program"] = entries.program.listing().splitlines()
        _print_json(data, out)
        return
    _auto_note(args, report, cost.mode, out)
    if len(names) > 1 and any(f not in graph.user_names for f in names):
        for f, text in zip(names, texts):  # a text that assigns its label ("c = x+1") shows it itself
            shown = one_line(text)
            if shown != f:  # an input as a function is its own label: it printed "# x = x"
                print(f"{_mark(args)} {shown}" if _assigns(text, f) else f"{_mark(args)} {f} = {shown}", file=out)
    if not wrt:  # under --latex too: it printed an empty pmatrix
        print(f"{_mark(args)} {', '.join(names)} {'have' if len(names) > 1 else 'has'} no variables: the Jacobian "
              "is empty", file=out)
        return
    if args.latex:
        print(_matrix_latex(entries, cells, wrt, args.expand), file=out)
        if values is not None:
            print("\n".join(_aligned([(f"d{f}/d{x}", format_number(values[i][j], 10)) for i, f in enumerate(names)
                                       for j, x in enumerate(wrt)], None)), file=out)
        return
    shown_cells = every[:ENTRY_LINES]
    labels = [cells[i][j] for i, j in shown_cells]
    closed = entries.printed_forms(labels, args.expand)
    _print_large(entries, [k for k in labels if closed[k] is None], out)
    rows = [(label, closed[label] or f"{entries.program.results[label]}  (above)") for label in labels]
    shown = [format_number(values[i][j], 10) for i, j in shown_cells] if values is not None else None
    print("\n".join(_aligned(rows, shown) + _more(len(every))), file=out)


def _assigns(text: str, name: str) -> bool:
    """Whether ``text`` has a line ``name = ...``."""
    tokens = scan(text).texts
    return any(t == name and tokens[k + 1] == "=" for k, t in enumerate(tokens[:-1]))


def _matrix_latex(entries: Any, cells: list[list[str]], wrt: list[str], expand: bool,
                  limit: int | None = MATRIX_LIMIT) -> str:
    """The Jacobian of the entries labelled ``cells`` as a LaTeX equation, ``\\frac{\\partial (f_1, f_2)}{\\partial
    (x, y)} = `` its matrix, as ``sg.jacobian(...).latex()`` writes it, cut beyond ``limit`` rows or columns;
    only the entries shown are built, and one too large to print is its program's result name, defined by
    the assignments after the matrix."""
    printer = LatexPrinter({})
    printer.look_at(entries.graph, wrt)
    return program_matrix_latex(entries.program, cells, lambda i, j: partial(entries.expand, cells[i][j], limit=None),
                                expand, limit, printer, jacobian_head(printer, entries.graph, wrt))


#: a Hessian's values at --at also print as a grid up to this many rows
HESSIAN_GRID = 10


class _DenseHessian:
    """A dense Hessian as LaTeX reads it (:func:`~symgraph.export.latex.hessian_latex`): its program, the
    result label of every cell, and an entry's closed form built only when asked for (``H[i, j]``)."""

    order = 2

    def __init__(self, graph: Any, names: Sequence[str], entries: DerivativeMap):
        self.graph, self.program, self.wrt = graph, entries.program, tuple(names)
        self.cells = hessian_cells(names)
        self._entries = entries

    def __getitem__(self, key: tuple[int, int]) -> Any:
        i, j = key
        return self._entries.expand(self.cells[i][j], limit=None)

    def latex(self, expand: bool = False) -> str:
        return hessian_latex(self, expand=expand)


def cmd_hessian(args, out: TextIO) -> None:
    """The entries on and above the diagonal (or the structural nonzeros with --sparse), bounded."""
    graph = _graph(args)
    point = _point(args, graph)
    if args.sparse:
        matrix = hessian(graph, args.wrt, mode=args.mode, simplify=args.simplify, sparse=True,
                         allow_unused=args.allow_unused)
        program, names, pattern = matrix.program, list(matrix.wrt), matrix.pattern
        pairs = [(i, int(pattern.indices[k]), matrix.labels[k]) for i in range(len(names))
                 for k in range(pattern.indptr[i], pattern.indptr[i + 1]) if pattern.indices[k] >= i]
    else:  # the program, not sg.hessian's sympy Matrix, which builds every entry first and refuses large ones
        program, names, _, _ = hessian_program(graph, args.wrt, mode=args.mode, allow_unused=args.allow_unused)
    entries = DerivativeMap(graph, list(program.results), program, CostReport([]), args.mode, args.simplify)
    if not args.sparse:
        matrix = _DenseHessian(graph, names, entries)
        pairs = [(i, j, matrix.cells[i][j]) for i in range(len(names)) for j in range(i, len(names))]
    name = function_name(graph)
    n = len(names)

    def closed(chosen: list[tuple], expand: bool) -> list[str | None]:
        """Entries ``(i, j, label)`` as text, printed as a gradient's are (:meth:`DerivativeMap.printed_forms`:
        simplified together or not at all, built within a budget); None for one too large to print unless
        --expand."""
        texts = entries.printed_forms(list(dict.fromkeys(label for _, _, label in chosen if label)), expand)
        return [texts[label] if label else "0" for _, _, label in chosen]

    values = None
    if point is not None:
        with np.errstate(all="ignore"):
            numbers = program.evaluate(**point)
        values = {label: numbers[label] for _, _, label in pairs if label is not None}
    entry = lambda i, j: entry_label(names[i], names[j], name)  # noqa: E731
    if args.json:
        data = {"function": name, "expression": _expression(graph, expand=args.expand), "wrt": names,
                "mode": args.mode, "sparse": args.sparse, "shape": [n, n]}
        if args.sparse:
            data["nnz"] = matrix.nnz
        data["hessian"] = [{"row": i, "col": j, "entry": text}
                           for (i, j, _), text in zip(pairs, closed(pairs, args.expand))]
        if args.latex:
            data["latex"] = matrix.latex(expand=args.expand)
        if point is not None:
            data["at"] = _json_point(point)
            data["value"] = _json_number(_function_value(graph, point)[0])
            data["hessian_values"] = [_json_number(values[label]) if label is not None else 0.0
                                      for _, _, label in pairs]
        data["program"] = program.listing().splitlines()
        _print_json(data, out)
        return
    if not n:
        print(f"{_mark(args)} {_no_variables(graph)} its Hessian is empty", file=out)
        return
    shown = pairs[:ENTRY_LINES]
    more = (_more(len(pairs), _mark(args)) or [None])[0]
    if args.latex:
        print(matrix.latex(expand=args.expand), file=out)
        if values is not None:
            lines = _aligned([(entry(i, j), format_number(values[label], 10) if label else "0")
                              for i, j, label in shown], None)
            print("\n".join(lines + ([more] if more else [])), file=out)
        return
    texts = closed(shown, args.expand)  # before the heading: an entry --expand cannot build is an error alone
    if args.sparse:
        print(f"# {n}x{n} sparse Hessian of {name}: {matrix.nnz:,} structural nonzero"
              f"{'' if matrix.nnz == 1 else 's'}, {len(pairs):,} on and above the diagonal", file=out)
    else:
        print(f"# {n}x{n} Hessian of {name}" + (f" (symmetric): the {len(pairs):,} entries on and above the diagonal"
                                                  if n > 1 else ": one entry"), file=out)
    large = [label for (_, _, label), text in zip(shown, texts) if text is None]
    if large:
        large = list(dict.fromkeys(large))
        print(listing(program, large, advice=ADVICE), file=out)
        print(expand_note(program, large, advice=ADVICE), file=out)
    rows = [(entry(i, j), text or f"{program.results[label]}  (above)") for (i, j, label), text in zip(shown, texts)]
    numbers_shown = [format_number(values[label], 10) if label else "0" for _, _, label in shown] \
        if values is not None else None
    lines = _aligned(rows, numbers_shown) + ([more] if more else [])
    if lines:  # a sparse Hessian without nonzeros has only its heading
        print("\n".join(lines), file=out)
    if values is not None and not args.sparse and n <= HESSIAN_GRID:
        full = {(i, j): values[label] if label else 0.0 for i, j, label in pairs}
        grid = [[format_number(full[min(i, j), max(i, j)], 10) for j in range(n)] for i in range(n)]
        width = max(len(v) for row in grid for v in row)
        print(f"# at the point, {name}'s Hessian:", file=out)
        for row in grid:
            print("  " + "  ".join(v.rjust(width) for v in row), file=out)


def cmd_compare(args, out: TextIO) -> None:
    graph, _ = _graph_of_exprs(args)
    report = compare(graph, wrt=args.wrt, allow_unused=args.allow_unused, order=args.order)
    if args.json:  # the report's own dict, as sg.compare(f).to_dict() gives it; the verdict is the table's
        _print_json(report.to_dict(), out)
    else:
        print(report, file=out)
