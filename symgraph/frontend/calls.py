"""Calls in the text: how many arguments each function takes, and functions the text defines.

A call's arity comes from the op table (``min``/``max`` fold two or more
arguments; ``log(x, base)`` is the table's overload).  A line
``f(u, v) = body`` records where the body's tokens start; each call expands
the body with the parameters bound to the arguments, in the scope the
definition saw (its parameters, the names assigned before it, earlier
definitions), so the graph is the one the written-out text gives.  The parser
(:mod:`symgraph.frontend.statements`) mixes these methods in.
"""
from __future__ import annotations

import keyword
from typing import NamedTuple

import sympy

from ..ir.operand_kinds import ordinal
from ..ops import COMPOSITES, FUNCTIONS, OPS, OVERLOADS, USER, VARIADIC
from .checking import CheckingBuilder
from .reductions import REDUCTIONS
from .tokens import Tokens, kind

#: definitions may call earlier definitions this deep (each level is one nested expansion)
MAX_DEFINITION_NESTING = 100


class Definition(NamedTuple):
    """A function the text defined: its parameters, where its body's tokens start, and what it sees."""

    params: tuple[str, ...]
    start: int
    scope: dict
    definitions: dict
    tokens: Tokens  # the tokens ``start`` indexes (a reduction's body has its own)
    calls: int  # the expansions one call makes: 1, plus those of the definitions its body calls


def _arity(word: str) -> int:
    """A grammar function's arity in the op table, read at the call (functions can be registered at run time)."""
    row = OPS.get(word)
    if row is not None:
        return row.arity
    return COMPOSITES[word][0] if word in COMPOSITES else 1


#: functions that take any number of arguments from two on, as a left fold of their binary op
_FOLDED = VARIADIC  # grammar name -> the binary op it folds over two or more arguments
#: functions with a second form of another arity: name -> {argument count: op} (``log(x, base)``)
_VARIANTS: dict[str, dict[int, str]] = {}
for (_spelling, _count), _op in OVERLOADS.items():
    _VARIANTS.setdefault(_spelling, {})[_count] = _op


class _At:
    """A builder for a composite's rule that reports an operand of the wrong kind at the call."""

    def __init__(self, parser, k: int):
        self.parser, self.k = parser, k

    def op(self, name: str, *args):
        return self.parser.apply(name, args, self.k)


def call_target(word: str, count: int) -> tuple[str, int | None]:
    """``(op, arity)`` a call of ``word`` with ``count`` arguments applies; arity None when the count is wrong."""
    variants = _VARIANTS.get(word)
    if variants is not None and count in variants:
        return variants[count], count
    if word in _FOLDED:
        return _FOLDED[word], (2 if count >= 2 else None)
    arity = _arity(word)
    return word, (arity if count == arity else None)


def arity_text(word: str) -> str:
    """How many arguments ``word`` takes, in words."""
    counts = sorted({_arity(word), *_VARIANTS.get(word, {})})
    if word in _FOLDED:
        return "two or more arguments"
    said = " or ".join({1: "one", 2: "two", 3: "three"}.get(c, str(c)) for c in counts)
    return f"{'exactly ' if len(counts) == 1 else ''}{said} argument{'s' * (counts[-1] != 1)}"


class Calls:
    """The parser's calls and definitions (mixed into the parser, which owns the token stream)."""

    def _is_definition(self) -> bool:
        """True when the statement here reads ``name(...) = ``: a function definition, not a call."""
        toks = self.toks
        k, depth = self.i + 1, 0
        while k < len(toks):
            text = toks[k]
            depth += (text == "(") - (text == ")")
            if depth == 0:
                return k + 1 < len(toks) and toks[k + 1] == "="
            if text in ("\n", ";", ""):
                return False
            k += 1
        return False

    def _numbers(self, word: str, args: list, k: int) -> None:
        """Refuse a condition among the arguments of ``word``, a call built from other ops, naming the call."""
        for slot, arg in enumerate(args):
            if self.builder.is_condition(arg):
                self.fail(f"the {ordinal(slot)} argument of {word}() is a condition, not a number; conditions go "
                          "into where(condition, a, b), 'and', 'or' and 'not' (where(condition, 1, 0) is its 0/1 "
                          "value)", k)

    def define(self, k: int) -> None:
        """``name(p, q) = body`` at token ``k``: remember the body's tokens; each call expands it with its arguments."""
        name = self.toks[k]
        if name in USER:  # not built in: the user registered it, and may free the name
            self.fail(f"cannot define {name!r}: it is a function registered with sg.function(); its handle's "
                      ".remove() frees the name", k)
        if name in FUNCTIONS or name == "pi" or name in REDUCTIONS or keyword.iskeyword(name):
            self.fail(f"cannot define {name!r}: it is a built-in name", k)
        if name in self.definitions or name in self.scope or name in self.inputs_used:
            self.fail(f"{name!r} is already a name in this text; a definition needs a new one", k)
        if name in self.indices:
            self.index_clash(name, "a function this text defines", (self.tokens, k))
        self.declared[name] = ("a function this text defines", self.tokens, k)
        params: list[str] = []
        self.i += 2  # the name and '('
        while True:
            param = self.peek()
            if param == ")" and not params:  # f() = 2
                self.fail(f"{name}() defines a function of no parameters; a definition takes one or more "
                          f"({name}(u) = ...), and a constant is an assignment ({name} = ...)", self.i)
            if kind(param) != "name" or param in FUNCTIONS or keyword.iskeyword(param):
                self.fail(f"a parameter of {name}() must be a plain name, got {param!r}", self.i)
            if param == "pi" or param in REDUCTIONS:  # pi would stay the constant in the body: f(3) ignored its 3
                self.fail(f"a parameter of {name}() cannot be {param!r}: it is a reserved name", self.i)
            if param in params:
                self.fail(f"{name}() names the parameter {param!r} twice", self.i)
            params.append(param)
            sep = self.peek(1)
            self.i += 2
            if sep == ")":
                break
            if sep != ",":
                self.fail(f"expected ',' or ')' in the parameters of {name}(), got {sep!r}", self.i - 1)
        self.i += 1  # the '='
        start = self.i
        depth = 0
        while self.peek() != "" and not (self.peek() in ("\n", ";") and depth == 0):
            depth += (self.peek() == "(") - (self.peek() == ")")
            self.i += 1
        if self.i == start:
            self.fail(f"the definition of {name}() has no body", self.i)
        toks, definitions = self.toks, self.definitions
        calls = 1 + sum(definitions[toks[j]].calls for j in range(start, self.i)
                        if toks[j] in definitions and toks[j + 1] == "(")
        definition = Definition(tuple(params), start, dict(self.scope), dict(definitions), self.tokens, calls)
        stop = self.i
        checker = CheckingBuilder.over(self.builder)
        # the body is checked once here, as text that makes no node: a line that never calls the function
        # would otherwise leave a typo in it unreported (its parameters may be numbers or conditions)
        body = self._body(name, definition, [checker.unknown() for _ in params], checker)
        body.inputs_used = dict(self.inputs_used)  # which names it reads as inputs depends on where it is called
        body.expression()
        self.definitions[name] = definition
        self.i = stop

    def expand(self, name: str, args: list, k: int) -> object:
        """The node of a call (token ``k``) of the defined function ``name``: its body with the parameters
        bound to ``args``."""
        definition = self.definitions[name]
        if len(args) != len(definition.params):
            self.fail(f"{name}() takes {len(definition.params)} argument(s) ({', '.join(definition.params)}), "
                      f"got {len(args)}", k)
        if self.nesting >= MAX_DEFINITION_NESTING:
            self.fail(f"definitions call each other more than {MAX_DEFINITION_NESTING} deep", k)
        if self.checking:  # its body was checked where it is defined; its value may be a number or a condition
            return self.builder.unknown()
        if definition.calls > 1:
            self.expanding(definition.calls, f"a call of {name}() expands {definition.calls:,} calls of definitions", k)
        else:
            self.expanding(1, f"a call of {name}()", k)
        self.expanded[0] += 1
        body = self._body(name, definition, args, self.builder)
        group = self.builder.begin_group(name)  # the nodes this call makes, for drawings to box
        ref, _ = body.expression()
        self.builder.end_group(group)
        return ref

    def _body(self, name: str, definition: Definition, args: list, builder) -> object:
        """A parser over the body of ``name``, in the definition's own scope with the parameters bound to ``args``."""
        body = object.__new__(type(self))  # a parser over the same tokens, in the definition's own scope
        body.text, body.builder, body.tokens, body.i = self.text, builder, definition.tokens, definition.start
        body.toks, body.known = definition.tokens.texts, {}
        body.integer_only, body.sizes, body.size_reads = self.integer_only, self.sizes, self.size_reads
        body.untaken = self.untaken
        body.over_index, body.copied_sums = self.over_index, self.copied_sums
        body.checking = self.checking or builder is not self.builder
        body.scope = {**definition.scope, **dict(zip(definition.params, args))}
        body.definitions, body.inputs_used, body.target = definition.definitions, self.inputs_used, None
        body.declared, body.indices = self.declared, self.indices
        body.nesting, body.defining, body.caller_scope = self.nesting + 1, name, self.scope
        body.expanded, body.repeats = self.expanded, self.repeats
        return body

    def call(self, frame: tuple, values: list) -> None:
        """Apply the call ``frame`` (``(0, "call", name, token index, commas' token indices)``) to its
        arguments on ``values``.

        The arity comes from the op table; ``min``/``max`` take two or more
        arguments (a left fold of the binary op), ``log`` one or two
        (``log(x, base)``: the op table's ``logb``).
        """
        _, _, word, k, commas = frame
        count = len(commas) + 1
        args = values[len(values) - count:]
        del values[len(values) - count:]
        if word in self.definitions:
            values.append(self.expand(word, args, k))
            return
        if word in COMPOSITES:  # clip(x, lo, hi): built from rows
            arity, build = COMPOSITES[word]
            if count != arity:
                self.fail(f"{word}() takes {arity_text(word)}, got {count}", commas[arity - 1] if count > arity else k)
            self._numbers(word, args, k)
            values.append(build(_At(self, k), *args))
            self._index_evaluated(word, args, values[-1], k)
            return
        op_name, arity = call_target(word, count)
        if arity is None:
            self.fail(f"{word}() takes {arity_text(word)}, got {count}",
                      commas[_arity(word) - 1] if count > _arity(word) else k)
        if op_name != word:  # log(x, b) is logb, logsumexp(a, b, c) the row logaddexp: errors name the call
            self._numbers(word, args, k)
        values.append(self.apply(op_name, tuple(args), k))  # max(a, b, c): one node, as every folded row's
        self._index_evaluated(word, args, values[-1], k)

    def _index_evaluated(self, word: str, args: list, value: object, k: int) -> None:
        """Refuse, at token ``k``, a call of ``word`` in an index or a bound that the parser could not
        evaluate: an index is computed while parsing, and functions other than pow() stay unevaluated there,
        so ``x[abs(i)]`` would otherwise be refused for a reason that is not its own.  A call on a checked
        definition's parameter (not a number yet) is left to the real expansion."""
        if self.integer_only and not isinstance(value, sympy.Basic) and all(isinstance(a, sympy.Basic) for a in args):
            self.fail(f"{word}() cannot compute an index or a bound: indices and bounds are integers computed "
                      "while parsing from sizes, the indices of enclosing reductions and whole numbers with "
                      "+ - * / ^ (or pow()) and where(); no other function is evaluated there", k)
