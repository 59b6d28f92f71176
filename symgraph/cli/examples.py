"""The worked example at the end of each subcommand's ``--help``, with the output it prints.

Kept as data beside the parser so that the tests run every example and
compare its output: a ``--help`` page that shows a wrong answer fails the suite.
"""
from __future__ import annotations

# Each subcommand's --help ends with one of these; tests run them and compare the output.
EXAMPLES: dict[str, tuple[list[str], str]] = {
    "grad": (["grad", "(a+b)*(b+1)", "--wrt", "a", "b", "--at", "a=2", "b=1"],
             "df/da = b + 1          = 2\n"
             "df/db = a + 2*b + 1    = 5\n"),
    "jacobian": (["jacobian", "x*y", "x+y", "--wrt", "x", "y"],
                 "# f1 = x*y\n"
                 "# f2 = x+y\n"
                 "df1/dx = y\n"
                 "df1/dy = x\n"
                 "df2/dx = 1\n"
                 "df2/dy = 1\n"),
    "hessian": (["hessian", "x^2*y + y^3", "--at", "x=1", "y=2"],
                "# 2x2 Hessian of f (symmetric): the 3 entries on and above the diagonal\n"
                "d2f/dx^2  = 2*y    = 4\n"
                "d2f/dx dy = 2*x    = 2\n"
                "d2f/dy^2  = 6*y    = 12\n"
                "# at the point, f's Hessian:\n"
                "   4   2\n"
                "   2  12\n"),
    "graph": (["graph", "p = x + y; g = p * z", "--at", "x=1", "y=3", "z=-3", "--grad", "--format", "mermaid"],
              "flowchart LR\n"
              '    x["x"]\n'
              '    y["y"]\n'
              '    p(("p: +"))\n'
              '    z["z"]\n'
              '    g(("g: *"))\n'
              '    x -->|"1 | grad -3"| p\n'
              '    y -->|"3 | grad -3"| p\n'
              '    p -->|"4 | grad -3"| g\n'
              '    z -->|"-3 | grad 4"| g\n'
              '    g_out[" "]\n'
              "    style g_out fill:none,stroke:none\n"
              '    g -->|"-12 | grad 1"| g_out\n'),
    "latex": (["latex", "c = a + b; d = b + 1; e = c * d", "--wrt", "a", "b"],
              "\\frac{\\partial e}{\\partial a} = b + 1\n"
              "\\frac{\\partial e}{\\partial b} = a + 2 b + 1\n"),
}


def epilog(command: str, extra: str = "") -> str:
    argv, output = EXAMPLES[command]
    shown = " ".join(_quote(a) for a in ["symgraph", *argv])
    text = f"example:\n  $ {shown}\n"
    text += "".join(f"  {line}\n" for line in output.splitlines())
    return text + extra


def _quote(arg: str) -> str:
    return f'"{arg}"' if any(ch in arg for ch in " ()*;+<>|&$") else arg
