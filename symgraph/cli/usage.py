"""What a usage error says beyond argparse's line: why EXPR is missing, and what an unrecognized word was.

argparse reports ``unrecognized arguments: -o f.txt`` and stops; each word
it could not place has a likely cause the message names here: an option of
another subcommand (``hessian x -o f.txt``), a second expression (``grad x + y``,
an expression with spaces not quoted), a ``-`` beside EXPR, or a misspelt
option (``--wrtt``).
"""
from __future__ import annotations

import argparse
import difflib
import sys
from typing import Sequence


class Parser(argparse.ArgumentParser):
    """argparse, plus a hint when an expression was taken for an option, or EXPR by a list."""

    _words: list[str] = []  # what this parser was given to read (a subcommand's parser: the words after its name)

    def parse_known_args(self, args=None, namespace=None):
        self._words = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        if message.endswith("required: EXPR"):
            message += self._missing_expr_hint()
        super().error(message)

    def _missing_expr_hint(self) -> str:
        """Why EXPR may be missing: a list option took it (``grad --wrt x y "x*y"``), or an expression starting
        with '--' was read as an unknown option (``grad --x``); nothing more when no word was given (``grad``
        alone said that --wrt, --at and --size take every word after them)."""
        known = [option for action in self._actions for option in action.option_strings]
        meant = {w: [o for o in known if o.startswith(w.split("=")[0])] for w in self._words
                 if w.startswith("--") and w != "--"}  # argparse takes an option's unambiguous prefix: --w is --wrt
        if any(len(options) == 1 and options[0] in ("--wrt", "--at", "--size") for options in meant.values()):
            return ("\n(--wrt, --at and --size take every word after them: put EXPR first, or end the "
                    f"list with '--': {self.prog} --wrt x y -- \"x*y\")")
        unknown = [w for w, options in meant.items() if not options]
        if unknown:
            return (f"\n({unknown[0]!r} is not an option of {self.prog}: an expression that starts with '--' goes "
                    f"after '--': {self.prog} -- \"{unknown[0]}\")")
        return ""


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [option for action in parser._actions for option in action.option_strings]


def _positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [action for action in parser._actions if not action.option_strings]


def unrecognized(root: argparse.ArgumentParser, parser: argparse.ArgumentParser, words: Sequence[str],
                 given: dict) -> str:
    """The usage error for the words ``parser`` (a subcommand's) could not place, with what the first one likely
    was; ``root``: the ``symgraph`` parser (its subcommands' options), ``given``: the parsed arguments."""
    rest = " ".join(w.strip() for w in words)
    message = f"unrecognized arguments: {rest}"
    words = [w for w in words if w != "--"] or words  # '--' ends the options: the word after it is the one to name
    word = words[0].strip()  # a word protect_expressions marked as an expression (' -y') is none of the options
    name = parser.prog
    commands = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction)).choices
    option = word.split("=", 1)[0]
    if words[0].startswith("-") and word != "-":
        others = [c for c, p in commands.items() if p is not parser and option in _options(p)]
        if others:
            listed = others[0] if len(others) == 1 else f"{', '.join(others[:-1])} and {others[-1]}"
            hint = f"{option} is an option of {root.prog} {listed}, not of {name}"
            if option in ("-o", "--output"):
                hint += f" ({name} prints its result: redirect it to a file with '> FILE')"
            if option == "-o":  # the negation of o
                hint += f"; an expression that starts with '-' goes after '--': {name} -- \"-o\""
            return f"{message}\n({hint})"
        close = difflib.get_close_matches(option, [o for o in _options(parser) if o.startswith("--")], n=1)
        if close:
            return f"{message}\n({option} is not an option of {name}: did you mean {close[0]}?)"
        return f"{message}\n({name} --help lists its options)"
    exprs = [given.get(action.dest) for action in _positionals(parser)]
    if not exprs:
        return f"{message}\n({name} takes no expression: run it alone)"
    if word == "-":
        return (f"{message}\n('-' reads EXPR from standard input, and EXPR is given already: give one or the "
                "other)")
    if _positionals(parser)[0].nargs == "+":
        return f"{message}\n(put every EXPR before the options: {name} \"x*y\" \"x + y\" --json)"
    option_like = (f", and {word} is no option of {name} ({name} --help lists them)" if words[0].startswith(" -")
                   else "")
    return (f"{message}\n({name} takes one EXPR, got {str(exprs[0]).strip()!r} and then {rest!r}{option_like}: quote an "
            f"expression that has spaces as one word, {name} \"x + y\"; a program's lines go in one word, "
            "separated by ';'"
            + ("; for several functions use symgraph jacobian)" if name.endswith(("grad", "hessian")) else ")"))
