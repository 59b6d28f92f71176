"""Opaque functions registered from Python with their derivatives, as JAX's ``custom_jvp``.

>>> import numpy as np, symgraph as sg
>>> softsign = sg.function("softsign", numpy=lambda x: x / (1 + np.abs(x)),
...                        derivatives=["1/(1 + abs(x))^2"])
>>> sg.grad("softsign(a*b) + a", wrt=["a", "b"])
Gradient({'a': b/(Abs(a*b) + 1)**2 + 1, 'b': a/(Abs(a*b) + 1)**2})
>>> softsign.remove()

How it works: :func:`function` adds ONE row to the op table
(:func:`symgraph.ops.register`), so everything that reads the table -- the
parser, every sweep, the interpreters, the code generators, LaTeX, pictures,
``from_sympy`` -- handles the function as it handles ``sin``:

* ``sympy``: an undefined sympy ``Function`` subclass named after the
  function, whose ``fdiff`` is the derivative texts' sympy forms (so
  ``sympy.diff`` of a closed form agrees), printed as ``\\operatorname{name}``
  (or the ``latex`` head given), and numerically evaluable (``evalf`` calls
  the callable);
* ``numeric``: the callable itself (evaluation, ``.at``, constants);
* ``code``: ``user.name(...)``: generated code calls the callable through a
  namespace the backends bind (numba compiles the callable; standalone
  source imports it by module and qualified name);
* ``partials``: one rule per argument that replays the derivative text's
  parsed rows through the builder protocol ``B.op(name, *operands)``, so the
  same rule gives sympy edge labels and emitted instructions.  A row that
  applies the function itself to its own arguments is the node's own value
  (``out``), as exp' = exp is for ``exp``.

The derivative texts are parsed by the safe parser (never ``eval``) after the
name is registered, so they may call the function itself and any function
registered before.  Like ``sin(1)``, ``softsign(2)`` is not folded to a number.
Registering a name again replaces the function (notebook cells are re-run);
:meth:`UserFunction.remove` takes it out of the table.
"""
from __future__ import annotations

import copyreg
import inspect
from typing import Any, Callable, Sequence

import numpy as np
import sympy
from mpmath.libmp import prec_to_dps
from sympy.printing.precedence import PRECEDENCE

from . import ops
from .backends.registered import import_path, imported
from .options import checked_options
from .constants import SympyBuilder
from .errors import (ArgumentError, FunctionDefinitionError, ParseError, UnsupportedOpError, counted, refusing, shown,
                     shown_names)
from .frontend.parse import parse
from .frontend.tokens import scan
from .ir.graph import Graph
from .names import is_identifier
from .registered_calls import user_call

#: words of the grammar, and the op names every layer reads as leaves, that cannot name a function
GRAMMAR_WORDS = frozenset({"pi", "input", "const", "where", "clip", "sum", "prod", "and", "or", "not"})


class UserFunction:
    """A function registered with :func:`function`: its op-table row, sympy class and derivative texts.

    Calling the handle calls the NumPy callable.  :meth:`remove` takes the
    function out of the op table; :meth:`register` puts it back.
    """

    def __init__(self, name: str, args: tuple[str, ...], numpy: Callable, derivatives: tuple[str, ...],
                 latex: str | None):
        self.numpy = numpy  # called as methods, the others say to drop the ()
        self.name, self.args = refusing(name, "function.name"), refusing(tuple(args), "function.args")
        self.derivatives, self.latex = refusing(tuple(derivatives), "function.derivatives"), refusing(latex, "function.latex")
        #: the undefined sympy function closed forms use (``fdiff`` gives the derivatives)
        self.sympy: type = _sympy_class(self)
        self._graphs: list[Graph] = []
        #: per derivative, the other registered functions its text calls and with how many arguments
        self._calls: list[dict[str, int]] = []
        code = f"user.{name}({', '.join(f'{{{k}}}' for k in range(len(args)))})"
        rules = tuple(self._rule(k) for k in range(len(args)))
        #: the op-table row this function is
        self.row = ops.Op(name, len(args), self.sympy, numpy, code, rules)

    def __repr__(self) -> str:
        return f"UserFunction({self.name!r}, args={self.args!r}, derivatives={self.derivatives!r})"

    def __call__(self, *values: Any) -> Any:
        """The NumPy callable on ``values``."""
        return self.numpy(*values)

    def __reduce__(self) -> tuple:
        """Pickled as its registration: the loading process (a worker, a fresh kernel) imports the callable by
        module and name, as compiled functions carry it, and registers the function again, so texts there can
        call it.  A lambda or a function of ``__main__`` cannot be imported elsewhere: a named error says so."""
        subject = f"the registered function {self.name!r}"
        module, qualname = import_path(self.name, self.numpy, pickling=True, subject=subject)
        return _registered_again, (self.name, module, qualname, self.derivatives, self.args, self.latex)

    @property
    def registered(self) -> bool:
        """True while this handle's row is the op table's row of its name."""
        return ops.USER.get(self.name) is self.row

    @checked_options
    def register(self) -> "UserFunction":
        """Put the row in the op table (replacing a function of the same name) and parse the derivatives.

        The name is registered before the derivative texts are parsed, so
        they may call the function itself; on any error the table is left as
        it was.
        """
        previous = ops.USER.get(self.name)
        ops.register(self.row)
        try:
            self._graphs = [self._parse(k, text) for k, text in enumerate(self.derivatives)]
            self._calls = [{op: len(args) for _, op, args in graph.rows() if op in ops.USER and op != self.name}
                           for graph in self._graphs]
        except BaseException:
            ops.unregister(self.name)
            if previous is not None:
                ops.register(previous)
            raise
        return self

    @checked_options
    def remove(self) -> None:
        """Take the function out of the op table (nothing happens when another registration replaced it)."""
        if self.registered:
            ops.unregister(self.name)

    # -- derivatives ------------------------------------------------------
    def _which(self, k: int) -> str:
        return f"derivative {k + 1} of {self.name}({', '.join(self.args)}) (d/d{self.args[k]})"

    def _parse(self, k: int, text: str) -> Graph:
        """The graph of derivative text ``k``; a ParseError says which derivative and where."""
        try:
            graph = parse(text)
        except ParseError as error:
            raise ParseError(f"{self._which(k)}: {error.reason}", error.text, error.position) from None
        # an indexed element x[0] is an input node of a generated name (x_0), which must neither pass for
        # an argument of that name nor be looked up as a token: it is named as written, at its name
        elements = {node for known in graph.indexed.values() for node in known.nodes.values()}
        unknown = [str(graph.symbol(x)) for x in graph.input_nodes if x not in self.args or x in elements]
        if unknown:
            tokens = scan(text)
            word = unknown[0].split("[")[0]
            where = tokens.pos(tokens.texts.index(word)) if word in tokens.texts else 0
            kind = "an indexed element, not an argument" if "[" in unknown[0] else "not an argument"
            hint = "" if "[" in unknown[0] else f"; name the arguments with args=[...] (now {list(self.args)})"
            raise ParseError(f"{self._which(k)} uses {shown(unknown[0])}, which is {kind} "
                             f"({', '.join(self.args)}) nor a function{hint}", tokens.text, where)
        return graph

    def _rule(self, k: int) -> Callable[..., Any]:
        def partial(B: Any, out: Any, *operands: Any) -> Any:
            ops.check_call(self.name, len(operands))  # a graph built before the name was registered again
            return self._replay(k, B, out, operands)
        partial.__qualname__ = f"{self.name}.partial{k}"
        return partial

    def _check_calls(self, k: int) -> None:
        """Refuse derivative ``k`` when a function its text calls was removed or registered again with
        other arguments since this function was registered.

        Why: the text was parsed against the functions registered then; the
        generic errors (an op without a rule, "this expression calls ...")
        would point at the user's expression, which does not call that
        function -- this function's derivative does, and registering this
        function again (or the other one as it was) is the remedy.
        """
        for op, count in self._calls[k].items():
            row = ops.USER.get(op)
            if row is None:
                why = "which is no longer registered"
            elif row.arity != count:
                why = f"with {count} argument{'s' * (count != 1)}, but {op!r} is now registered with {row.arity}"
            else:
                continue
            raise UnsupportedOpError(
                f"{self._which(k)} calls {op!r}, {why}: register {op} as it was, or register "
                f"{self.name} again (its derivative texts are read when it is registered)")

    def _replay(self, k: int, B: Any, out: Any, operands: tuple) -> Any:
        """Derivative ``k`` built with ``B`` (sympy or an emitter), the arguments bound to ``operands``."""
        self._check_calls(k)
        graph = self._graphs[k]
        env: dict[str, Any] = dict(zip(self.args, operands))
        for node, op, args in graph.rows():
            if op == "input":
                continue
            if op == "const":
                env[node] = args[0]
                continue
            values = tuple(env[a] if a.__class__ is str else a for a in args)
            env[node] = out if op == self.name and values == operands else B.op(op, *values)
        return env[graph.output]

    @checked_options
    def derivative_form(self, k: int, arguments: Sequence[sympy.Expr]) -> sympy.Expr:
        """The sympy form of derivative ``k`` at ``arguments`` (what ``fdiff`` returns).

        Replayed as the sweeps replay it, not cached: a function the text
        calls may be registered again (another derivative), and the form must
        hold its current sympy class, as the sweeps use its current row.
        """
        head = f"{self.name}({', '.join(self.args)})"
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k < len(self.args):
            raise ArgumentError(f"derivative_form(): k= takes the index of an argument of {head}, "
                                f"{' to '.join(map(str, sorted({0, len(self.args) - 1})))}, got {shown(k)}")
        if isinstance(arguments, str) or not isinstance(arguments, Sequence) or len(arguments) != len(self.args):
            got = f"{len(arguments)}" if isinstance(arguments, Sequence) and not isinstance(arguments, str) else \
                f"{type(arguments).__name__} {shown(arguments)}"
            raise ArgumentError(f"derivative_form(): arguments= takes a list of {counted(len(self.args), 'expression')}, "
                                f"one per argument of {head}, got {got}")
        arguments = tuple(arguments)
        return self._replay(int(k), SympyBuilder, self.sympy(*arguments), arguments)

    @checked_options
    def evaluate(self, arguments: Sequence[sympy.Expr]) -> sympy.Float | None:
        """The callable's value at numeric sympy ``arguments`` (one per argument) as a Float, else None (``evalf``);
        anything else given (text, a list: no sympy numbers) is None too, where it raised AttributeError."""
        try:
            arguments = tuple(arguments)
        except TypeError:  # a number alone
            raise ArgumentError(f"UserFunction.evaluate() takes a list of sympy numbers, one per argument "
                                f"({', '.join(self.args)}), got {type(arguments).__name__} {shown(arguments)}") from None
        if len(arguments) != len(self.args) or not all(getattr(a, "is_Number", False) is True for a in arguments):
            return None
        values = tuple(np.float64(float(a)) for a in arguments)
        with np.errstate(all="ignore"):
            value = float(user_call(self.name, self.numpy, *values))
        return sympy.Float(value)


def _registered_again(name: str, module: str, qualname: str, derivatives: tuple[str, ...], args: tuple[str, ...],
                      latex: str | None) -> UserFunction:
    """A pickled :class:`UserFunction`, loaded: its callable imported and the function registered (again).

    Where this very registration holds the name (the process that pickled it: ``copy.deepcopy(handle)``, a closed
    form loaded back) its handle is returned, not replaced: a new one took the name from the user's handle, whose
    ``remove()`` then did nothing."""
    numpy = imported(name, module, qualname, subject=f"the registered function {name!r}")
    current = getattr(getattr(ops.USER.get(name), "sympy", None), "_symgraph_handle", None)
    if current is not None and current.numpy is numpy and \
            (current.derivatives, current.args, current.latex) == (tuple(derivatives), tuple(args), latex):
        return current
    return function(name, numpy, list(derivatives), args=list(args), latex=latex)


class RegisteredFunctionClass(type(sympy.Function)):
    """The metaclass of the sympy classes of registered functions, so that pickle reaches :func:`_reduce_class`:
    a class is otherwise pickled by its module and name, and none of symgraph's modules has one per function."""


def _reduce_class(cls: RegisteredFunctionClass) -> tuple:
    """A registered function's sympy class (in a closed form, a Jacobian) pickled as its handle's registration."""
    return _sympy_class_again, cls._symgraph_handle.__reduce__()[1]


def _sympy_class_again(*registration: Any) -> type:
    """A pickled sympy class of a registered function, loaded: the function registered (see :func:`_registered_again`)."""
    return _registered_again(*registration).sympy


copyreg.pickle(RegisteredFunctionClass, _reduce_class)


def _sympy_class(handle: UserFunction) -> type:
    """An undefined sympy function named after ``handle``: derivatives, LaTeX and numbers from the handle."""

    def fdiff(self, argindex=1):
        return handle.derivative_form(argindex - 1, self.args)

    def _latex(self, printer, exp=None):
        # an underscore in math mode is a subscript (soft_sign would show as soft with a subscript s)
        escaped = handle.name.replace("_", r"\_")
        head = handle.latex or rf"\operatorname{{{escaped}}}"
        body = rf"{head}\left({', '.join(printer._print(a) for a in self.args)}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _eval_evalf(self, prec):
        return handle.evaluate([a.evalf(prec_to_dps(prec)) for a in self.args])

    def _as_function(self, printer):
        # sympy's printers dispatch on the class name (_print_<name>): a function named Symbol, Pow or
        # polylog would be printed as that sympy class, which it is not, and raise
        return printer._print_Function(self)

    namespace = {"nargs": len(handle.args), "fdiff": fdiff, "_latex": _latex, "_eval_evalf": _eval_evalf,
                 "_sympystr": _as_function, "_pretty": _as_function, "_sympyrepr": _as_function,
                 "precedence": PRECEDENCE["Func"],  # also looked up by class name
                 "_symgraph_name": handle.name,  # what ops.sympy_op reads once the name is registered again
                 "_symgraph_handle": handle,  # what the class pickles as (_reduce_class)
                 "__module__": __name__, "__doc__": f"{handle.name}: a function registered with symgraph.function"}
    return RegisteredFunctionClass(handle.name, (sympy.Function,), namespace)


def _check(name: Any, numpy: Any, derivatives: Any, args: Any, latex: Any) -> tuple[str, ...]:
    """The argument names, after every check of :func:`function`'s arguments."""
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii() or name.startswith("__"):
        raise FunctionDefinitionError(f"a function name must be an identifier (ASCII letters, digits and _, not starting "
                                      f"with a digit or with __), got {shown(name)}")
    if name in GRAMMAR_WORDS:
        raise FunctionDefinitionError(f"cannot define {name!r}: it is a word of the grammar")
    if not is_identifier(name):  # an identifier, but a keyword: generated code calls a function by its name
        raise FunctionDefinitionError(f"cannot define {name!r}: it is a Python keyword, which generated code "
                                      "cannot call")
    if (name in ops.OPS or name in ops.FUNCTIONS) and name not in ops.USER:
        raise FunctionDefinitionError(f"cannot define {name!r}: it is a built-in function")
    if not callable(numpy):
        raise FunctionDefinitionError(f"numpy= of {name}() must be a callable (a NumPy function of the "
                                      f"arguments), got {type(numpy).__name__}")
    if args is None:
        args = ("x",)
    if isinstance(args, str) or not isinstance(args, Sequence) or not args:
        raise FunctionDefinitionError(f"args= of {name}() must be a non-empty list of argument names, got {shown(args)}")
    args = tuple(args)
    for a in args:
        if not isinstance(a, str) or not is_identifier(a):
            raise FunctionDefinitionError(f"argument {shown(a)} of {name}() is not an identifier")
        if a == name or a in ops.FUNCTIONS or a in GRAMMAR_WORDS:
            raise FunctionDefinitionError(f"argument {a!r} of {name}() is the name of a function or a grammar word")
    if len(set(args)) != len(args):
        raise FunctionDefinitionError(f"{name}() names an argument twice: {', '.join(args)}")
    if isinstance(derivatives, str) or not isinstance(derivatives, Sequence) or \
            not all(isinstance(d, str) for d in derivatives):
        raise FunctionDefinitionError(f"derivatives= of {name}() must be a list of texts, one per argument "
                                      f"({', '.join(args)}), got {shown(derivatives)}")
    if len(derivatives) != len(args):
        raise FunctionDefinitionError(
            f"{name}() has {len(args)} argument{'s' * (len(args) != 1)} ({shown_names(args)}) but "
            f"{len(derivatives)} derivative{'s' * (len(derivatives) != 1)}: give one partial derivative per argument")
    _check_arity(name, numpy, args)
    if latex is not None and not isinstance(latex, str):
        raise FunctionDefinitionError(f"latex= of {name}() must be LaTeX text, got {type(latex).__name__}")
    return args


def _check_arity(name: str, numpy: Callable, args: tuple[str, ...]) -> None:
    """Refuse a callable that cannot be called with one value per argument (when Python can tell).

    Why at registration: otherwise the mistake surfaces at the first
    evaluation, deep in generated code.  A ufunc's own count is ``nin`` (its
    signature also takes ``out``); a callable without a signature is taken on trust.
    """
    if isinstance(numpy, np.ufunc):
        takes = numpy.nin == len(args)
    else:
        try:
            signature = inspect.signature(numpy)
        except (TypeError, ValueError):  # no signature to read: called and judged at evaluation
            return
        try:
            signature.bind(*args)
            takes = True
        except TypeError:
            takes = False
    if not takes:
        count = f"{len(args)} argument{'s' * (len(args) != 1)} ({', '.join(args)})"
        raise FunctionDefinitionError(
            f"numpy= of {name}() cannot be called with {count}: its signature is "
            f"{getattr(numpy, '__name__', type(numpy).__name__)}"
            f"{f'(nin={numpy.nin})' if isinstance(numpy, np.ufunc) else inspect.signature(numpy)}; "
            f"give args=[...] naming each argument it takes")


@checked_options
def function(name: str, numpy: Callable, derivatives: Sequence[str], args: Sequence[str] | None = None,
             latex: str | None = None) -> UserFunction:
    """Register an opaque function with its derivatives: ``name`` becomes callable in every text.

    Parameters
    ----------
    name : str
        An identifier that is no built-in function and no grammar word.
        Registering a name again replaces the function.
    numpy : callable
        Computes the function on NumPy arrays (and on single float64 values),
        element by element: real numbers of the arguments' broadcast shape;
        with ``backend="numba"`` it is compiled by numba.
    derivatives : list of str
        One text per argument: the partial derivative with respect to it,
        written in the argument names (symgraph grammar: may call functions
        registered before and the function itself).
    args : list of str, optional
        The argument names (default ``["x"]``).
    latex : str, optional
        The LaTeX head (default ``\\operatorname{name}``).

    Returns
    -------
    UserFunction
        The handle: ``handle.remove()`` unregisters it, ``handle.sympy`` is
        its sympy function, ``handle(...)`` calls ``numpy``.  It pickles as its
        registration (the callable by module and name, so a top-level ``def``):
        loading it registers the function in that process.

    Raises
    ------
    FunctionDefinitionError
        For a bad name, argument list, callable or number of derivatives;
        and, when a program is evaluated, for a callable that returns anything
        but real numbers of its arguments' shape (a list, a string, a number
        for a whole batch: :func:`symgraph.registered_calls.user_result`).
    ParseError
        For a derivative text that does not parse or uses an unknown name
        (the message says which derivative; the position is in its text).

    Examples
    --------
    >>> import numpy as np, symgraph as sg
    >>> f = sg.function("scaled", numpy=lambda u, v: u * np.exp(v), derivatives=["exp(v)", "scaled(u, v)"],
    ...                 args=["u", "v"])
    >>> sg.grad("scaled(a, b)", wrt=["a", "b"]).at(a=2.0, b=0.0)
    {'a': 1.0, 'b': 2.0}
    >>> f.remove()
    """
    arguments = _check(name, numpy, derivatives, args, latex)
    return UserFunction(name, arguments, numpy, tuple(derivatives), latex).register()
