"""The ``symgraph`` command: gradients, Jacobians, cost tables, pictures and LaTeX from the shell.

Subcommands ``grad``, ``jacobian``, ``hessian``, ``compare``, ``graph``, ``explore``, ``latex`` and
``demo``; ``symgraph SUBCOMMAND --help`` shows a worked example of each (the
examples are checked against the real output by the tests).  EXPR is
expression text, a program of ``name = expr`` lines, ``-`` for standard input
or ``@FILE``; ``--functions MODULE[:NAME]`` makes the functions a module
registers with ``symgraph.function`` callable in it; ``--size n=1000``
binds the sizes its sums and indices use (``sum(x[i]^2, i, 0, n-1)``).  An
indexed input takes ``--at x=[1, 2, 3]`` (a bracketed list of constant
expressions, nested for more indices) or ``--at x[0]=1 ...``; results are
keyed ``x[0]``, ... and ``--wrt x`` means every ``x[j]``.

A ``--wrt`` name not in the expression gets derivative 0 and a ``warning:``
line on stderr naming the inputs and the closest match (``--allow-unused``
silences it), as the library does; ``--at`` may give it a number, which is
not used (as ``.at()`` takes it).  Bad input -- a malformed expression, a
bad ``--at`` or ``--size``, a size the text needs but
no ``--size`` gives, an ``--at`` list of the wrong length, an ``@FILE`` that
is missing, unreadable, not UTF-8 or empty (named, with why), ``--format`` disagreeing with ``-o``'s suffix,
an unknown option or word (shown with the subcommand's usage, and what it likely was:
:mod:`~symgraph.cli.usage`) -- prints one message
to stderr (the parse error's caret excerpt included) and exits with status 2;
no traceback reaches the user.  :func:`main` takes an argument list and
returns the exit status, so the command also runs in-process.

This module holds :func:`main` and the argument parser.  What each
subcommand does is in :mod:`~symgraph.cli.derivatives` (``grad``,
``jacobian``, ``hessian``, ``compare``) and :mod:`~symgraph.cli.exports`
(``graph``, ``explore``, ``latex``, ``demo``); both read their input
through :mod:`~symgraph.cli.inputs` (EXPR, ``--functions``, ``--size``) and
:mod:`~symgraph.cli.points` (``--at``), and print through
:mod:`~symgraph.cli.printing`.  :mod:`~symgraph.cli.examples` holds the
worked examples of the ``--help`` pages.
"""
from __future__ import annotations

import argparse
import errno
import re
import sys
import warnings
from typing import Callable, Sequence, TextIO

from .. import __version__
from ..errors import (ExpressionTooLargeError, OutputError, PathLimitError, ReadingWarning, RenderError, SymgraphError,
                      UnusedWrtWarning)
from ..export.draw import ENGINES
from ..hessian import STRATEGIES
from .derivatives import cmd_compare, cmd_grad, cmd_hessian, cmd_jacobian
from .examples import EXAMPLES, epilog
from .exports import FORMATS, cmd_demo, cmd_explore, cmd_graph, cmd_latex
from .inputs import UsageError, load_functions
from .points import parse_point
from .printing import ENTRY_LINES, unused_wrt_warning
from .usage import Parser, unrecognized

__all__ = ["EXAMPLES", "UsageError", "build_parser", "main", "parse_point", "protect_expressions"]

MODE_CHOICES = ("reverse", "forward", "paths", "elimination", "auto")
SIMPLIFY = ("fast", "full", "none")


def protect_expressions(argv: Sequence[str]) -> list[str]:
    """Let ``symgraph grad "-x^2"`` work: a leading-minus expression is not an option.

    argparse takes every word starting with '-' for an option.  The only
    short options are ``-h`` and ``-o``, so any other word of one '-' and
    more is a negative expression (``-x^2``, ``-x-y``, ``-1e5``, ``-x[0]``:
    a list of the characters an expression might hold missed some), as is a
    word of '--' and more that no long option looks like (``---x``,
    ``--x^2``; ``--x`` stays a misspelt option): it gets a leading space,
    which the parser ignores and argparse reads as a positional argument.
    The file name after ``-o`` is left as it is (a space would become part
    of the name).
    """
    result = []
    for k, arg in enumerate(argv):
        option = arg in ("-h", "-o", "--") or _LONG_OPTION.fullmatch(arg) is not None
        if arg.startswith("-") and len(arg) > 1 and not option and (k == 0 or argv[k - 1] not in ("-o", "--output")):
            arg = " " + arg
        result.append(arg)
    return result


#: what a long option looks like (--wrt, --allow-unused, --mode=forward): a word of two minus signs and more that
#: is not one (---x, --x^2, --(x)) is an expression too
_LONG_OPTION = re.compile(r"--[A-Za-z][A-Za-z0-9-]*(=.*)?", re.DOTALL)


def _unprotected(word: str) -> str:
    """``word`` without the space :func:`protect_expressions` put before it."""
    return word[1:] if word.startswith(" -") else word


def _add_expr(p: argparse.ArgumentParser) -> None:
    p.add_argument("expr", metavar="EXPR",
                   help="expression or program ('c = a + b; e = c * 2'); '-' reads standard input, @FILE a file")
    _add_functions(p)
    _add_size(p)


def _add_exprs(p: argparse.ArgumentParser) -> None:
    p.add_argument("exprs", nargs="+", metavar="EXPR",
                   help="expressions, one output each ('-' reads standard input, at most once; @FILE a file)")
    _add_functions(p)
    _add_size(p)


def _add_functions(p: argparse.ArgumentParser) -> None:
    p.add_argument("--functions", action="append", metavar="MODULE[:NAME]", default=[],
                   help="import MODULE (from the current directory or the path) so the functions it registers "
                        "with symgraph.function can be called in EXPR; NAME: the attribute holding a function "
                        "handle or a list of them (repeatable)")


def _add_size(p: argparse.ArgumentParser) -> None:
    p.add_argument("--size", action="extend", nargs="+", metavar="NAME=INT", default=[],
                   help="a size the expression's sums and indices use: --size n=1000 (repeatable; several at "
                        "once: --size n=3 m=4); x=3 or W=(2,3) fixes an indexed input's extent")


def _add_wrt(p: argparse.ArgumentParser, default: str = "all inputs") -> None:
    p.add_argument("--wrt", action="extend", nargs="+", metavar="NAME",
                   help=f"variables to differentiate by (default: {default}; repeatable); a name not in the "
                        "expression gets derivative 0 and a warning")
    p.add_argument("--allow-unused", action="store_true",
                   help="no warning for --wrt names not in the expression (their derivative is 0)")


def _add_at(p: argparse.ArgumentParser, help: str = "evaluate at this point too") -> None:
    p.add_argument("--at", action="extend", nargs="+", metavar="NAME=VALUE",
                   help=help + "; an indexed input takes a list, x=[1,2,3], or its elements, x[0]=1 "
                               "(repeatable: --at x=1 --at y=2)")


def _add_simplify(p: argparse.ArgumentParser) -> None:
    p.add_argument("--simplify", choices=SIMPLIFY, default="fast",
                   help="fast: bounded canonical steps (default); full: sympy.simplify up to 40 operations; none: raw form")
    p.add_argument("--expand", action="store_true",
                   help="print every closed form, however large (default: large ones print as their program)")


def build_parser() -> argparse.ArgumentParser:
    """The ``symgraph`` argument parser, one subparser per subcommand."""
    raw = argparse.RawDescriptionHelpFormatter
    parser = Parser(prog="symgraph", formatter_class=raw,
                     description="Computational graphs and exact symbolic gradients, from the shell.",
                     epilog="Run 'symgraph SUBCOMMAND --help' for a worked example; 'symgraph demo' for a tour.")
    parser.add_argument("--version", action="version", version=f"symgraph {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND", parser_class=Parser)

    p = sub.add_parser("grad", formatter_class=raw, help="gradient of a scalar expression",
                       description=f"Print df/dx for each x, and their values with --at; at most {ENTRY_LINES} lines, "
                                   "--json gives every entry.",
                       epilog=epilog("grad", "\nWith --json the same as JSON; --latex prints LaTeX fractions."))
    _add_expr(p)
    _add_wrt(p)
    p.add_argument("--mode", choices=MODE_CHOICES, default="reverse",
                   help="how to apply the chain rule; every mode gives equal results (default: reverse)")
    _add_at(p)
    p.add_argument("--latex", action="store_true", help="print LaTeX instead of plain formulas")
    _add_simplify(p)
    p.add_argument("--json", action="store_true",
                   help="print JSON: gradient, program; with --at the function's 'value' and 'gradient_values'; "
                        "with --latex also 'latex'")
    p.set_defaults(run=cmd_grad, parser=p)

    p = sub.add_parser("jacobian", formatter_class=raw, help="Jacobian of several expressions",
                       description=f"Print d fi / d x for every expression fi (f1, f2, ...) and variable x; at most "
                                   f"{ENTRY_LINES} lines, --json gives every entry.",
                       epilog=epilog("jacobian"))
    _add_exprs(p)
    _add_wrt(p)
    p.add_argument("--mode", choices=MODE_CHOICES, default="reverse", help="sweep direction (default: reverse)")
    _add_at(p)
    p.add_argument("--latex", action="store_true", help="print the matrix as LaTeX")
    _add_simplify(p)
    p.add_argument("--json", action="store_true",
                   help="print JSON: jacobian, program; with --at the functions' 'value' and 'jacobian_values'")
    p.set_defaults(run=cmd_jacobian, parser=p)

    p = sub.add_parser("hessian", formatter_class=raw, help="Hessian of a scalar expression",
                       description="Print d2f/dx dy for the entries on and above the diagonal (a Hessian is "
                                   "symmetric), or with --sparse its structural nonzeros; at most "
                                   f"{ENTRY_LINES} lines, --json gives every entry.",
                       epilog=epilog("hessian", "\nWith --sparse only the structural nonzeros are derived "
                                                "(Rosenbrock: symgraph hessian \"sum(100*(x[i+1] - x[i]^2)^2 "
                                                "+ (1 - x[i])^2, i, 0, n-2)\" --size n=1000 --sparse)."))
    _add_expr(p)
    _add_wrt(p)
    p.add_argument("--mode", choices=tuple(STRATEGIES), default="forward-over-reverse",
                   help="how the two derivatives are taken; every strategy gives equal entries "
                        "(default: forward-over-reverse)")
    p.add_argument("--sparse", action="store_true",
                   help="derive only the structural nonzeros and print the pattern's size and those entries")
    _add_at(p)
    p.add_argument("--latex", action="store_true", help="print LaTeX: the pmatrix, or the sparse nonzeros")
    _add_simplify(p)
    p.add_argument("--json", action="store_true",
                   help="print JSON: every entry on and above the diagonal as {row, col, entry}, program; with "
                        "--at the function's 'value' and 'hessian_values' (same order); with --latex also 'latex'")
    p.set_defaults(run=cmd_hessian, parser=p)

    p = sub.add_parser("compare", formatter_class=raw, help="cost of every mode side by side",
                       description="Derive the gradient, or the Jacobian of several expressions, in every mode "
                                   "and print what each one cost: sweeps, multiplications, additions, program "
                                   "size, paths, time.",
                       epilog="example:\n  $ symgraph compare \"x1*x2*x3*x4\"\n"
                              "  (a table: forward needs 4 sweeps, reverse 1)\n"
                              "  $ symgraph compare \"sin(x*y)\" \"x + y\" \"x*y*z\"\n"
                              "  (a Jacobian of 3 functions of 3 inputs)\n"
                              "  $ symgraph compare \"x1*x2*x3*x4\" --json\n"
                              "  $ symgraph compare \"x^2*y + y^3\" --order 2\n"
                              "  (every Hessian strategy side by side)")
    _add_exprs(p)
    _add_wrt(p)
    p.add_argument("--order", type=int, choices=(1, 2), default=1,
                   help="1: the gradient's or Jacobian's modes (default); 2: the Hessian's strategies")
    p.add_argument("--json", action="store_true",
                   help="print JSON: sg.compare(...).to_dict(), {mode: {sweeps, multiplications, additions, "
                        "program_ops, expanded_ops, paths, seconds}} with null where a figure does not apply")
    p.set_defaults(run=cmd_compare, parser=p)

    p = sub.add_parser("graph", formatter_class=raw, help="the graph as Mermaid, DOT, PNG or SVG",
                       description="Inputs as boxes, operations as circles; with --at the edges carry "
                                   "forward values (green), with --grad also gradients (red).",
                       epilog=epilog("graph", "\nA picture: symgraph graph \"(x+y)*z\" --at x=1 y=3 z=-3 "
                                               "--grad --format png -o g.png"))
    _add_expr(p)
    _add_at(p, "label edges with forward values at this point")
    p.add_argument("--grad", action="store_true", help="label edges with gradients d output / d node (needs --at)")
    p.add_argument("--derivatives", action="store_true",
                   help="label edges with their local derivatives (numbers with --at, formulas without)")
    p.add_argument("--format", choices=FORMATS,
                   help="default: from -o's suffix (.mmd .mermaid .dot .gv .png .svg), else mermaid; "
                        "with one of those suffixes it must agree")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--engine", choices=ENGINES,
                   help="picture renderer for png and svg (default auto: Graphviz when 'dot' is installed)")
    p.set_defaults(run=cmd_graph, parser=p)

    p = sub.add_parser("explore", formatter_class=raw, help="an interactive page stepping through every mode",
                       description="Write one self-contained HTML page (no network) that steps through the "
                                   "forward pass, the local derivatives, reverse mode, forward mode, the path "
                                   "sum and Markowitz elimination, with each mode's multiplications counted as "
                                   "'symgraph compare' counts them; the inputs can be edited in the page.",
                       epilog="example:\n  $ symgraph explore \"(a+b)*(b+1)\" --at a=2 b=1 -o e.html\n"
                              "  (open e.html in a browser: arrow keys step, space plays)")
    _add_expr(p)
    _add_wrt(p)
    _add_at(p, "the point the page opens at (default: every input 1)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the page here (needed at a terminal; '-o -' prints it, and without -o a pipe or "
                        "redirection gets it)")
    p.set_defaults(run=cmd_explore, parser=p)

    p = sub.add_parser("latex", formatter_class=raw, help="LaTeX of an expression or its gradient",
                       description="LaTeX of the expression, or with --wrt of its partial derivatives.",
                       epilog=epilog("latex"))
    _add_expr(p)
    _add_wrt(p, "none: the expression itself")
    p.add_argument("--aligned", action="store_true", help="one aligned environment (&= and \\\\)")
    _add_simplify(p)
    p.set_defaults(run=cmd_latex, parser=p)

    p = sub.add_parser("demo", formatter_class=raw, help="the textbook graph e = (a+b)*(b+1), step by step",
                       description="The textbook graph: program, forward values, edge derivatives, adjoints, "
                                   "gradient, derivative program and cost table.",
                       epilog="example:\n  $ symgraph demo")
    p.set_defaults(run=cmd_demo, parser=p)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command; return the exit status (0 ok, 1 failure or internal error, 2 bad input)."""
    out = out or sys.stdout or _ClosedOutput()
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(protect_expressions(sys.argv[1:] if argv is None else argv))
        if extra:  # argparse reports these with the top-level usage; the subcommand's is the helpful one
            args.parser.error(unrecognized(parser, args.parser, extra, vars(args)))
        if getattr(args, "wrt", None):  # a name is not an expression: its message shows it as typed ('-x', not ' -x')
            args.wrt = [_unprotected(name) for name in args.wrt]
    except SystemExit as stop:  # --help, --version and usage errors; keep their status
        return int(stop.code or 0) if not isinstance(stop.code, str) else 2
    try:
        run: Callable = args.run
        load_functions(getattr(args, "functions", ()))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnusedWrtWarning)
            warnings.simplefilter("always", ReadingWarning)
            try:
                run(args, out)
            finally:  # what the text may have meant is said whatever came of it: e^x's missing --at e=... too
                for note in dict.fromkeys(str(w.message) for w in caught if isinstance(w.message, ReadingWarning)):
                    print(f"symgraph: note: {note}", file=sys.stderr)
        out.flush()
        for said in dict.fromkeys(unused_wrt_warning(w.message) for w in caught
                                  if isinstance(w.message, UnusedWrtWarning)):
            print(said, file=sys.stderr)
        for w in caught:  # any other warning is shown as Python would have shown it
            if not isinstance(w.message, (UnusedWrtWarning, ReadingWarning)):
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    except (SymgraphError, ValueError, OSError) as error:
        if isinstance(error, BrokenPipeError):
            return 0
        if isinstance(error, ValueError) and not isinstance(error, SymgraphError):  # not bad input: a defect
            print(f"symgraph: internal error ({type(error).__name__}: {error}); please report it with the "
                  "command line that caused it", file=sys.stderr)
            return 1
        print(f"symgraph: {_describe(error)}", file=sys.stderr)
        return 2
    except RecursionError:
        print("symgraph: the result is too deeply nested to print as a formula; "
              "try --json (its 'program' is the straight-line form)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


class _ClosedOutput:
    """Standard output when the command was started without one (``>&-``): writing the result fails as a write to
    a closed descriptor does (it was None, so the final flush raised an AttributeError's traceback), and a
    command that writes only its ``-o`` file still succeeds."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass


def _describe(error: BaseException) -> str:
    if isinstance(error, PathLimitError) and getattr(error, "problem", None):  # the library's advice is Python's
        return f"{error.problem}; use --mode reverse or --mode forward (they merge paths)"
    if isinstance(error, ExpressionTooLargeError) and (getattr(error, "depth", None) or getattr(error, "expanded", None)):
        # --expand of a result nested too deep, or too large, to write out
        return (f"{error.problem}: leave out --expand, and it prints as the program that computes it "
                "(with --at NAME=VALUE, its value)")
    if isinstance(error, ExpressionTooLargeError) and getattr(error, "problem", None):  # a dense matrix too large
        return (f"{error.problem}: add --sparse, which derives only the structural nonzeros and prints an entry "
                "too large for a formula as its program")
    if isinstance(error, RenderError) and getattr(error, "problem", None):  # a picture too big to read
        return (f"{error.problem}: draw a smaller piece of it (--size n=2 or 3 shows an indexed model's structure), "
                "or write it with --format dot or --format mermaid for a viewer that zooms")
    if isinstance(error, OutputError):  # says the file and why
        return str(error)
    if isinstance(error, OSError) and error.filename:
        return f"{error.strerror or error}: {error.filename}"
    if isinstance(error, OSError) and error.strerror:  # a failed write to standard output or an open file
        return f"cannot write the result: {error.strerror}"
    return str(error)
