"""The ``symgraph`` command: ``symgraph demo`` and ``symgraph grad EXPR``.

Bad input prints the parse error's caret message to stderr and exits 2; no
traceback reaches the user.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .derive import grad
from .errors import SymgraphError
from .graph import Graph
from .parse import parse
from .passes.local import annotate_edges

TEXTBOOK = "c = a + b\nd = b + 1\ne = c * d"


def demo(out=None) -> None:
    """The textbook graph e = (a+b)*(b+1): structure, values at a=2, b=1, edge derivatives, gradient."""
    out = out or sys.stdout
    g = annotate_edges(parse(TEXTBOOK))
    print("The textbook graph e = (a+b)*(b+1), as a program:", file=out)
    print("  " + str(g).replace("\n", "\n  "), file=out)
    values = g.evaluate(a=2, b=1)
    print("\nForward values at a=2, b=1:", file=out)
    for node in g.order:
        print(f"  {node} = {values[node]:g}", file=out)
    print("\nLocal derivative on each edge (d child / d parent):", file=out)
    for u, v, data in g.nx.edges(data=True):
        print(f"  d{v}/d{u} = {data['derivative']}", file=out)
    gradient = grad(g, wrt=["a", "b"])
    at = gradient.at(a=2, b=1)
    print("\nGradient by reverse mode (one sweep):", file=out)
    for name, expr in gradient.items():
        print(f"  de/d{name} = {expr}    = {at[name]:g} at a=2, b=1", file=out)
    print("\nDerivative program:", file=out)
    print("  " + str(gradient.program).replace("\n", "\n  "), file=out)


def _read_expr(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as handle:
            return handle.read()
    return text


def _values(pairs: Sequence[str]) -> dict[str, float]:
    values = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        if not sep:
            raise SystemExit(f"symgraph: --at expects name=value, got {pair!r}")
        try:
            values[name] = float(number)
        except ValueError:
            raise SystemExit(f"symgraph: --at value for {name!r} is not a number: {number!r}") from None
    return values


def _cmd_grad(args) -> None:
    gradient = grad(_read_expr(args.expr), wrt=args.wrt, mode=args.mode)
    at = gradient.at(**_values(args.at)) if args.at else None
    for name, expr in gradient.items():
        line = f"d/d{name} = {expr}"
        if at is not None:
            line += f"    = {at[name]:g}"
        print(line)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="symgraph", description="Computational graphs and symbolic gradients.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="the textbook graph e = (a+b)*(b+1), its values and gradient")
    p = sub.add_parser("grad", help="gradient of an expression",
                       epilog='example: symgraph grad "(a+b)*(b+1)" --wrt a b --at a=2 b=1',
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expr", help="expression or program; '-' reads standard input, @FILE reads a file")
    p.add_argument("--wrt", nargs="+", help="variables (default: all inputs)")
    p.add_argument("--mode", default="reverse", choices=["reverse", "forward", "paths"])
    p.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE", help="evaluate at a point")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            demo()
        elif args.command == "grad":
            _cmd_grad(args)
    except SymgraphError as error:
        print(f"symgraph: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"symgraph: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
