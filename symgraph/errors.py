"""Named exceptions, so callers can catch exactly what went wrong.

Every error symgraph raises on purpose derives from :class:`SymgraphError`; the
ones caused by bad arguments also derive from :class:`ValueError`, so code that
already catches ``ValueError`` keeps working.
"""
from __future__ import annotations

import difflib
import functools
import importlib
import math
import numbers
import os
import pickle
import sys
import unicodedata
from typing import Any, Iterable, Mapping, Sequence


#: the package's directory: frames of files under it are symgraph's own
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def caller_level() -> int:
    """The ``stacklevel`` of the first frame outside symgraph, for a warning raised by the caller of this one:
    it points at the user's line however many of symgraph's calls lie between (``value_and_grad`` calls
    ``grad``, which calls ``wrt_names``), and Python's once-per-line filter then counts the user's lines."""
    frame, level = sys._getframe(2), 2  # 1: the function calling warn
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


class SymgraphError(Exception):
    """Base class of every symgraph error."""


class ParseError(SymgraphError, ValueError):
    """Malformed expression text.

    Attributes
    ----------
    position : int
        0-based character offset of the problem in the text.
    line, column : int
        1-based line and column of that offset (multi-line text reports these).
    reason : str
        The one-line description, without the caret excerpt.
    text : str
        The text that was parsed.
    """

    def __init__(self, reason: str, text: str, position: int):
        self.reason = reason
        self.text = text
        self.position = max(0, min(position, len(text)))
        #: 1-based line and column of the problem (text kept in files is read by line)
        self.line, self.column = line_column(text, self.position)
        where = f"line {self.line}, column {self.column}" if "\n" in text else f"position {self.position}"
        super().__init__(f"{reason} (at {where})\n{caret_excerpt(text, self.position)}")


def line_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of ``position`` in ``text``."""
    start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - start + 1


def caret_excerpt(text: str, position: int, width: int = 60) -> str:
    """Return the line holding ``position`` (cut to ``width`` columns) and a caret under it."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    end = len(text) if end < 0 else end
    line, column = text[start:end], position - start
    if len(line) > width:
        lo = max(0, min(column - width // 2, len(line) - width))
        line = ("..." if lo else "") + line[lo:lo + width] + ("..." if lo + width < len(line) else "")
        column = column - lo + (3 if lo else 0)
    # a tab is blank space, shown as one space (the caret counts it as one column); a character that is not one
    # column wide (a control, a combining mark, a wide CJK character) is shown as '?', so the caret stays under
    # its column; the rest as written (the minus sign, the en dash, '≤' copied from a paper)
    printable = "".join(" " if ch == "\t" else ch if ch == " " or ch.isprintable() and not unicodedata.combining(ch)
                        and unicodedata.east_asian_width(ch) not in ("W", "F") else "?" for ch in line)
    return f"  {printable}\n  {' ' * column}^"


class UnsupportedOpError(SymgraphError, ValueError):
    """A sympy expression or op that symgraph has no rule for."""


class PathLimitError(SymgraphError, ValueError):
    """Path enumeration refused because the graph has too many input-output paths."""


class GraphError(SymgraphError, ValueError):
    """A request that does not fit the graph (unknown name, several outputs where one is needed, ...)."""


class EntryError(GraphError, KeyError, IndexError):
    """A result asked for an entry it does not have (a wrt name, a mode, a matrix index), with the ones it has.

    Also a ``KeyError`` and an ``IndexError``, so ``name in result``,
    ``result.get(name)`` and loops over indices keep working as for any
    mapping or sequence.
    """

    def __str__(self) -> str:  # KeyError's own would print the message as a quoted repr
        return str(self.args[0]) if self.args else ""


def shown(value: object, width: int = 60) -> str:
    """``repr(value)`` for a message, cut to ``width`` characters: a message stays one short line whatever the
    caller gave (a 100,000-character string, a list of 10,000 names).  An integer of more digits than fit is
    described by its number of digits: Python refuses to write one of over 4,300 digits as text at all, so its
    repr would raise a ValueError in place of the message.

    >>> shown("x" * 100, 12), shown(-10**5000), shown(2.5)
    ("'xxxxxxxx...", '-(an integer of 5,001 digits)', '2.5')
    """
    try:  # NumPy's timedelta64 is an Integral that int() refuses (it makes a datetime.timedelta)
        number = int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is not None:
        if number.bit_length() > 3.3 * width:  # more than `width` digits: count them without writing them
            digits = int(math.log10(abs(number))) + 1
            digits -= abs(number) < 10 ** (digits - 1)  # the logarithm of 10**k - 1 rounds up to k
            return f"{'-' * (number < 0)}(an integer of {digits:,} digits)"
    try:
        text = repr(value)
    except Exception:  # a container holding such an integer, or a repr that fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= width else text[:width - 3] + "..."


def shown_names(names: "Sequence[object]", most: int = 20) -> str:
    """The first ``most`` names, comma separated, and how many more: a message stays one short line
    whatever the list (20,000 missing inputs are not 120 kB of message, a name of 10,000 letters is cut).

    >>> shown_names([f"x{i}" for i in range(25)], 3)
    'x0, x1, x2, ... (22 more)'
    """
    names = list(names)
    cut = [name if len(name) <= 60 else name[:57] + "..." for name in map(str, names[:most])]
    return ", ".join(cut) + (f", ... ({len(names) - most:,} more)" if len(names) > most else "")


def closest_name(word: str, names: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The one of ``names`` that ``word`` most likely meant, or None: the same name in another case first
    (``A`` for ``a``, which spelling similarity misses: one letter, and that one different), else difflib's
    closest above ``cutoff``.  Every "did you mean" of the package asks here.

    >>> closest_name("A", ["a", "b"]), closest_name("alpah", ["alpha", "b"]), closest_name("q", ["a"])
    ('a', 'alpha', None)
    """
    names = list(names)
    folded = word.casefold()
    same = next((name for name in names if name != word and name.casefold() == folded), None)
    if same is not None:
        return same
    close = difflib.get_close_matches(word, names, n=1, cutoff=cutoff)
    return close[0] if close else None


def counted(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless n is 1: ``counted(1, "term")`` is '1 term', ``counted(2000, "term")`` '2,000 terms'."""
    number = f"{n:,}" if abs(n) < 10**60 else shown(n)  # not 5,000 digits in a message
    return f"{number} {word}{'s' * (n != 1)}"


def no_entry(what: str, key: object, known: "Sequence[object]", plural: str = "") -> EntryError:
    """``EntryError`` for ``key`` missing among ``known`` (named ``plural``, default ``what`` + s), naming a few
    and the one meant, if one is close (:func:`closest_name`)."""
    close = closest_name(key, map(str, known)) if isinstance(key, str) and len(known) <= 10_000 else None
    hint = f" (did you mean {close!r}?)" if close is not None else ""
    return EntryError(f"no {what} {shown(key)}{hint}; {plural or what + 's'}: {shown_names(known, 10) or 'none'}")


class NotNumbersError(SymgraphError, AttributeError):
    """A result holding closed forms asked for what a matrix of numbers has (``S.toarray()`` of a symbolic sparse
    Hessian, as of a scipy matrix; ``H.todense()``): the message says what gives the numbers (``.at(...)`` at a
    point, ``.lambdify()``).  An AttributeError too, so ``hasattr(S, "toarray")`` stays False: code that tells
    sparse matrices apart by their attributes keeps working."""


class FigureError(SymgraphError, AttributeError):
    """A report's figure read where it has no single value (a table of several modes): hasattr stays False."""


class ArgumentError(GraphError, TypeError):
    """An argument wrong in itself, whatever the graph: a wrt name listed twice, seeds of the wrong number, an
    unknown option, a compiled function called with missing or too many arguments (worded as Python words it).
    A GraphError too, the class such slips raised before, so code catching that keeps working."""


class NoProgramError(GraphError, AttributeError):
    """A matrix sympy derived from a Jacobian or Hessian (``2*H``, ``H.T``) asked for the program it has not:
    its entries are no longer what a program computes.  An AttributeError too, so ``hasattr(M, "program")``
    stays False, as it was when Python's bare AttributeError said only "no attribute 'program'"."""


def not_a_method(read_as: str, what: str, instead: str = "") -> ArgumentError:
    """The error of a property called as a method (``g.inputs()``, ``gradient.program()``): Python said only
    "'tuple' object is not callable", naming neither the property nor how to read it."""
    return ArgumentError(f"{read_as} is a property ({what}), not a method: write {read_as}, without (){instead}")


class RefusesCall:
    """Mixed into the value a property holds (a tuple, a sparse matrix), so that a call of it (``g.order()``,
    ``S.pattern()``) is :func:`not_a_method` naming the property (:attr:`read_as`) and what it holds
    (:meth:`held`), where Python said only "'list' object is not callable"; the value is as its own
    class in every other way.  The one mechanism of every such property."""

    __slots__ = ()
    read_as = "this property"
    #: what to call instead, when the property has a method of a like name elsewhere (``f.source`` is the
    #: text, where ``program.source()`` makes one): "; ..." added to the message
    instead = ""

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise not_a_method(self.read_as, self.held(), self.instead)

    def held(self) -> str:
        """What the property holds, in a few words: its value while short, else its class and size (a
        program's 900,000 rows are not written out to be cut to 60 characters)."""
        plain = self.value_class()
        if isinstance(self, str):
            return f"the {plain.__name__} {shown(str(self[:80]))}" + (f" ({len(self):,} characters)" if len(self) > 80 else "")
        if plain not in _PLAIN:  # another library's object (networkx's DiGraph): its repr says nothing
            return f"a {plain.__module__.partition('.')[0]} {plain.__name__}"
        size = len(self) if hasattr(self, "__len__") else None
        if size is not None and size > 20:
            return f"a {plain.__name__} of {size:,} entries"
        return f"the {plain.__name__} {shown(plain(self))}"

    @classmethod
    def value_class(cls) -> type:
        """The class this one is mixed with (``tuple``, scipy's ``csr_matrix``)."""
        return next(c for c in cls.__mro__ if not issubclass(c, RefusesCall))


#: the classes :func:`refusing` gives a class of its own
_PLAIN = frozenset({str, int, float, tuple, list, dict, frozenset})


@functools.cache
def refusing_class(base: type, read_as: str, instead: str = "") -> type:
    """``base`` with :class:`RefusesCall` mixed in for the property ``read_as``, made once per property: what
    :func:`refusing` makes its values of, and what a property holding another library's object (``g.nx``, a
    networkx DiGraph) builds it as, so that it is never copied.  Pickled as the plain value and remade."""
    return type(base.__name__, (RefusesCall, base),
                {"__slots__": (), "read_as": read_as, "instead": instead, "__module__": __name__,
                 "__reduce__": lambda self: (_remade, (base, read_as, instead, base(self)))})


def _remade(base: type, read_as: str, instead: str, value: Any) -> Any:
    """A pickled :func:`refusing_class` value, loaded."""
    return refusing_class(base, read_as, instead)(value)


def refusing(value: Any, read_as: str, instead: str = "") -> Any:
    """``value`` (a str, int, tuple, list or dict a property holds) as a class of its own whose call is
    :func:`not_a_method` naming ``read_as`` (``"program.instructions"``) and ``instead`` ("; ..."); equal to,
    printed and pickled as the plain value (a loaded one refuses a call too); another property's value (``program.ops``
    read as a cost's ``program_ops``) is renamed.  Any other value (``None`` and a
    bool, whose classes take no subclass; a value of a class of its own) is returned as it is.

    >>> rows = refusing([1, 2], "program.instructions")
    >>> rows == [1, 2], rows[0]
    (True, 1)
    >>> rows()
    Traceback (most recent call last):
    ...
    symgraph.errors.ArgumentError: program.instructions is a property (the list [1, 2]), not a method: write program.instructions, without ()
    """
    kind = value.value_class() if isinstance(value, RefusesCall) else value.__class__  # another property's: renamed
    if kind not in _PLAIN or value.__class__ is refusing_class(kind, read_as, instead):
        return value
    return refusing_class(kind, read_as, instead)(value)


class NameTuple(RefusesCall, tuple):
    """A tuple of names that a property holds (:attr:`read_as` says which), refusing a call with
    :func:`not_a_method`; as a tuple in every other way (equal to one, printed as one, same speed)."""

    __slots__ = ()
    read_as = "this tuple of names"


class GraphInputs(NameTuple):
    __slots__ = ()
    read_as = "g.inputs"


class GraphOutputs(NameTuple):
    __slots__ = ()
    read_as = "g.outputs"


class ProgramInputs(NameTuple):
    __slots__ = ()
    read_as = "program.inputs"


class ResultLabels(NameTuple):
    __slots__ = ()
    read_as = "result.labels"


class WrtNames(NameTuple):
    __slots__ = ()
    read_as = "result.wrt"


class GraphOrder(RefusesCall, list):
    """The graph's node names in order: a new list at each read (a list, as it always was)."""

    __slots__ = ()
    read_as = "g.order"


class GraphInputNodes(NameTuple):
    __slots__ = ()
    read_as = "g.input_nodes"


class RenderError(SymgraphError, RuntimeError):
    """A picture could not be rendered (unknown format or engine, Graphviz missing or failing)."""


class OutputError(SymgraphError, OSError):
    """A result could not be written to a file (a missing folder, no permission); ``errno``, ``strerror`` and
    ``filename`` as the ``OSError`` Python raised."""

    def __str__(self) -> str:
        return f"cannot write {shown(self.filename, 200)}: {self.strerror}"


class SymgraphWarning(UserWarning):
    """Base class of every warning symgraph issues."""


class UnusedWrtWarning(SymgraphWarning):
    """A ``wrt`` name does not occur in the function: its derivative is 0.

    A warning, not an error, because 0 is the right answer (as in sympy, JAX
    and CasADi); ``allow_unused=True`` (PyTorch's name) says the name is
    meant to be absent and silences it.  ``absent``, ``inputs``,
    ``closest`` (absent name -> the closest name that occurs, if any) and
    ``reserved`` (absent name -> what the grammar reads it as: ``sin`` a
    function, ``pi`` the constant) let a caller such as the command line
    word it its own way.
    """

    def __init__(self, absent: "Sequence[str]", inputs: "Sequence[str]", closest: "Mapping[str, str]",
                 hint: str = "pass allow_unused=True if that is meant", reserved: "Mapping[str, str] | None" = None):
        self.absent, self.inputs, self.closest = tuple(absent), tuple(inputs), dict(closest)
        self.reserved = dict(reserved or {})
        names = ", ".join(shown(w) + (f" ({self.reserved[w]}, not a variable)" if w in self.reserved else
                                      f" (did you mean {closest[w]!r}?)" if w in closest else "") for w in absent[:20])
        names += f", ... ({len(absent) - 20:,} more)" if len(absent) > 20 else ""
        listed = ", ".join(self.inputs[:20]) + (", ..." if len(self.inputs) > 20 else "") or "none"
        many = len(self.absent) > 1
        super().__init__(f"wrt name{'s' * many} {names} not in the function (inputs: {listed}): "
                         f"{'their derivatives are' if many else 'its derivative is'} 0; {hint}")


class ReadingWarning(SymgraphWarning):
    """A text that parses, whose result stands, but which may not say what was meant: ``e^x`` (``e`` is a
    variable here, not Euler's number: ``exp(x)`` is the exponential), ``x^2*sinx`` (``sinx`` is one name:
    ``sin(x)`` was meant).  The command line prints each as a ``symgraph: note:`` line; silence it with
    ``warnings.filterwarnings("ignore", category=sg.ReadingWarning)``."""


class ConstantWrtWarning(UnusedWrtWarning):
    """A ``wrt`` name the text assigns a constant (``d = 1``): it is no variable of the function, so its
    derivative is 0 (the constant is folded into the graph).  An :class:`UnusedWrtWarning`, silenced by
    ``allow_unused=True`` alike; ``absent`` holds these names."""

    def __init__(self, constants: "Sequence[str]", inputs: "Sequence[str]"):
        super().__init__(constants, inputs, {})
        many = len(self.absent) > 1
        names = ", ".join(map(shown, self.absent[:20])) + (f", ... ({len(self.absent) - 20:,} more)" if len(self.absent) > 20 else "")
        self.args = (f"wrt name{'s' * many} {names} {'are' if many else 'is'} assigned a constant in the text, not a "
                     f"variable: {'their derivatives are' if many else 'its derivative is'} 0; to differentiate by "
                     f"{'them' if many else 'it'}, make {'them inputs' if many else 'it an input'} (drop the "
                     "assignment and give the value when evaluating), or pass allow_unused=True if 0 is meant",)


class ExpressionTooLargeError(SymgraphError, ValueError):
    """A closed form too deep (or too large) to build as a sympy expression; the program has it."""


class BatchTooLargeError(SymgraphError, MemoryError):
    """A compiled function's call whose points need more memory than there is, named with the inputs' shapes
    (a column against a row broadcasts to a table of every pair); a ``MemoryError`` too, what NumPy raises."""


class NotPicklableError(SymgraphError, pickle.PicklingError):
    """A compiled function that cannot be pickled (a numba kernel calling a registered function): a
    :class:`pickle.PicklingError` too, what pickle raises for what it cannot pickle, so code that catches that
    (Dask's serialisation) keeps working."""


class MissingDependencyError(SymgraphError, ImportError):
    """An optional package a call needs is not installed (scipy for sparse matrices); an ``ImportError`` too, what
    Python raises for a missing package, so code that catches that keeps working."""


def optional_module(name: str, needed_for: str) -> Any:
    """The optional module ``name`` (``"scipy.sparse"``), imported, or a :class:`MissingDependencyError` saying what
    needs it and how to install it: its bare ModuleNotFoundError reached the command line as a traceback."""
    try:
        return importlib.import_module(name)
    except ImportError:
        package = name.partition(".")[0]
        raise MissingDependencyError(f"{needed_for} needs {package}, which is not installed: pip install {package}",
                                     name=package) from None


class FunctionDefinitionError(SymgraphError, ValueError):
    """A function registered with ``symgraph.function`` is defined wrongly (name, arguments, derivatives, callable)."""


class UserFunctionError(SymgraphError, RuntimeError):
    """The callable of a function registered with ``symgraph.function`` raised while symgraph evaluated it.

    Why wrap: the user's exception alone does not say which registered
    function, called from which expression, on what; this one names the
    function and its arguments (values at a point, shapes on arrays).  The
    user's exception is chained (``__cause__``, also ``original``), so its
    traceback, pointing into their code, is printed in full under this one.

    Attributes
    ----------
    function : str
        The registered function's name.
    original : BaseException
        What its callable raised.
    """

    def __init__(self, message: str, function: str, original: BaseException):
        super().__init__(message)
        self.function, self.original = function, original
