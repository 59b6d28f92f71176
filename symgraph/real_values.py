"""Input values checked: real float64 scalars or arrays, whose shapes broadcast together.

One wording for evaluation (``.at``, ``Graph.evaluate``) and compiled
functions alike: anything that is not real numbers (a numeric string,
None, a complex or masked array, a ragged list), and shapes that do not
broadcast, are a :class:`~symgraph.errors.GraphError` naming the input.
Apart from :mod:`symgraph.binding`, which says which value is which input:
this says whether a value can be one.

A bool is a number wherever a number enters: True is 1 and False 0, as NumPy
reads them, in an input's value (``.at``, ``Graph.evaluate``, compiled
functions, points of pictures and pages) and in a seed of ``jvp``, ``vjp`` and
``hvp`` alike (:func:`unboolean`); never where a count enters (an indexed
input's size, ``chunk=``), where True is a slip, not a 1.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .errors import GraphError, shown

__all__ = ["as_array", "beyond_float64", "broadcast_shape", "conversion_error", "index_axes_error", "real_value", "refuse_bytes",
           "refuse_masked", "unboolean"]


def unboolean(value: Any) -> Any:
    """True and False (Python's or NumPy's) as the ints 1 and 0, anything else as it is: a bool is the number NumPy
    reads it as wherever symgraph takes a number (the module docstring); a seed refused it, which values took.

    >>> unboolean(True), unboolean(False), unboolean(2.5)
    (1, 0, 2.5)
    """
    return int(value) if isinstance(value, (bool, np.bool_)) else value


def broadcast_shape(shapes: Sequence[tuple[str, tuple[int, ...]]]) -> tuple[int, ...]:
    """The shape (name, shape) pairs broadcast to; a GraphError naming each input's shape when they do not.

    NumPy's own error (``operands could not be broadcast together``) names
    neither the inputs nor the call.

    >>> broadcast_shape([("a", (3,)), ("b", (2, 1))])
    (2, 3)
    >>> broadcast_shape([("a", (3,)), ("b", (2,))])
    Traceback (most recent call last):
    ...
    symgraph.errors.GraphError: input shapes do not broadcast together: a (3,), b (2,)
    """
    distinct = set(shape for _, shape in shapes)
    if len(distinct) <= 1:  # one shape (the common batch, or every value a scalar): nothing to broadcast
        return distinct.pop() if distinct else ()
    try:
        return np.broadcast_shapes(*distinct)
    except TypeError:  # an unknown extent, nan: a Dask array whose chunk sizes are unknown (after x[x > 0])
        shape = _with_unknown_extents(distinct)
        if shape is not None:
            return shape
    except ValueError:
        pass
    except RuntimeError:  # NumPy's "only supports up to 32 dimensions" (a (1,)*33 input), no GraphError's words
        raise GraphError("NumPy broadcasts arrays of at most 32 axes; these inputs have "
                         + ", ".join(f"{name} {len(shape)} axes" for name, shape in shapes[:12])) from None
    shown = ", ".join(f"{name} {tuple(shape)}" for name, shape in shapes[:12])
    more = f", ... ({len(shapes) - 12:,} more)" if len(shapes) > 12 else ""
    unknown = [name for name, shape in shapes if any(extent != extent for extent in shape)][:3]
    hint = (f"; an extent nan is unknown (a Dask array after boolean indexing): "
            f"{', '.join(f'{name}.compute_chunk_sizes()' for name in unknown)} makes it known") if unknown else ""
    raise GraphError(f"input shapes do not broadcast together: {shown}{more}{hint}")


def _with_unknown_extents(shapes: "set[tuple]") -> tuple | None:
    """The broadcast shape of shapes with unknown (nan) extents, as Dask broadcasts them: an unknown extent
    goes with 1 or another unknown one and stays unknown; None where a known extent other than 1 meets it
    (Dask cannot tell whether they agree)."""
    ndim = max(map(len, shapes))
    padded = [(1,) * (ndim - len(shape)) + tuple(shape) for shape in shapes]
    out = []
    for sizes in zip(*padded):
        unknown = [s for s in sizes if s != s]
        known = {s for s in sizes if s == s and s != 1}
        if unknown and known or len(known) > 1:
            return None
        out.append(unknown[0] if unknown else known.pop() if known else 1)
    return tuple(out)


def index_axes_error(name: str, extents: tuple[int, ...], shape: tuple[int, ...]) -> GraphError:
    """The error for an indexed input's array whose first axes are not its indices' ``extents``: one
    wording for evaluation (``.at``, ``Graph.evaluate``) and compiled functions alike.

    An array at least as large along every index axis (a data set of more
    columns than the model reads) is taken once its extents are declared, as
    sizes are (``X=(3, 5)``, ``--size X=(3,5)``): the message says so, since
    the extents otherwise come from the largest index the text uses.

    >>> index_axes_error("W", (2, 3), (3, 2))
    GraphError('W takes an array whose first axes are (2, 3) (its indices; batch axes follow), got shape (3, 2)')
    >>> print(index_axes_error("x", (4,), (6,)))
    x takes an array whose first axis is (4,) (its indices; batch axes follow), got shape (6,); its extent is one past the largest index the text uses: to pass an array of 6 entries along it, declare x=6 as sizes are
    """
    extents, shape = tuple(extents), tuple(shape)
    message = (f"{name} takes an array whose first ax{'is is' if len(extents) == 1 else 'es are'} "
               f"{extents} (its indices; batch axes follow), got shape {shape}")
    given = shape[:len(extents)]
    if len(given) == len(extents) and all(g >= e for g, e in zip(given, extents)):
        one = len(extents) == 1
        message += (f"; its extent{'' if one else 's'} {'is' if one else 'are'} one past the largest index the text "
                    f"uses: to pass an array of {' x '.join(map(str, given))} entries along "
                    f"{'it' if one else 'them'}, declare {name}={given[0] if one else given} as sizes are")
    return GraphError(message)


def as_array(name: str, value: Any) -> np.ndarray:
    """``np.asarray(value)``; a GraphError naming the input when NumPy cannot make one array of it
    (a ragged nested list), instead of NumPy's ``inhomogeneous shape`` ValueError; or for a masked array
    (:func:`refuse_masked`), which ``np.asarray`` would turn into its hidden data."""
    refuse_masked(name, value)
    refuse_bytes(name, value)
    try:
        return np.asarray(value)
    except (TypeError, ValueError):
        raise GraphError(f"value for {name} must be a real number or an array of them, "
                         f"got {type(value).__name__} {shown(value)} (not one array: ragged nesting?)") from None
    except Exception as error:
        raise conversion_error(name, value, error) from error


def conversion_error(name: str, value: Any, error: Exception) -> GraphError:
    """The error for a value whose own conversion to numbers failed: an object whose ``__array__``, ``__float__``
    or ``__len__`` raised (a lazy array whose data is gone, a proxy of a closed file).  The user's exception is
    the cause; the message names the input, where the bare exception from inside NumPy named none.

    >>> class Gone:
    ...     def __float__(self): raise OSError("file closed")
    >>> print(conversion_error("x", Gone(), OSError("file closed")))
    value for x could not be read as numbers: converting its Gone raised OSError: file closed
    """
    said = str(error)
    said = said if len(said) <= 120 else said[:117] + "..."
    return GraphError(f"value for {name} could not be read as numbers: converting its {type(value).__name__} "
                      f"raised {type(error).__name__}: {said}")


def refuse_masked(name: str, value: Any) -> None:
    """A GraphError for a NumPy masked array: its masked entries hold no values, and NumPy's functions,
    indexing and conversions treat them differently (computed from the hidden data, skipped in a sum,
    or masked in the result), so backends would give different numbers for the same call."""
    if isinstance(value, np.ma.MaskedArray):
        # a name that is no variable ("the vector", "hessp()'s point") is not written as one: "the vector.filled"
        filled = f"{name}.filled(...)" if name.isidentifier() else "the array's .filled(...)"
        raise GraphError(f"value for {name} is a masked array: its masked entries have no values; pass "
                         f"{filled} with the value they should take, or the unmasked entries alone")


def refuse_bytes(name: str, value: Any) -> None:
    """A GraphError for a bytearray, or a memoryview of bytes: text as bytes, which NumPy reads as the byte values
    (``bytearray(b"12")`` was the numbers 49 and 50, where ``b"12"`` is refused as text)."""
    if isinstance(value, bytearray) or isinstance(value, memoryview) and isinstance(value.obj, (bytes, bytearray)):
        raise GraphError(f"value for {name} must be a real number or an array of them, got {type(value).__name__} "
                         f"{shown(bytes(value[:60]))} (bytes of text, not numbers)")


def real_value(name: str, value: Any) -> Any:
    """``value`` as a float64 scalar or array; a GraphError naming the input for anything that is not real numbers.

    NumPy would turn a numeric string into its number, ``None`` into nan and
    a complex array into its real part (with only a warning): each would give
    a wrong number without a word, so they are refused here.
    """
    kind = getattr(value, "dtype", None)
    if kind is not None:
        refuse_masked(name, value)
    refuse_bytes(name, value)
    kind = kind.kind if kind is not None else None
    if kind in ("f", "i", "u", "b") or (kind is None and isinstance(value, (float, int)) and not isinstance(value, bool)):
        try:
            return np.asarray(value, dtype=np.float64) if np.ndim(value) else np.float64(value)
        except OverflowError:
            raise GraphError(f"value for {name} is too large for a float64: {shown(value)}") from None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested lists
        array = None
    except Exception as error:  # the value's own conversion failed
        raise conversion_error(name, value, error) from error
    if array is not None and array.dtype.kind in "fiub":
        return array.astype(np.float64) if array.ndim else np.float64(array)
    if array is not None and array.dtype.kind == "O" and all(_real_scalar(e) for e in array.flat):
        try:
            converted = np.asarray(array, dtype=np.float64) if array.ndim else np.float64(array.item())
        except (OverflowError, TypeError, ValueError):
            converted = None
        # a finite Decimal, Fraction or sympy number past float64 became inf without a word, where an int says so
        large = next((k for k, e in enumerate(array.flat) if beyond_float64(e)), None)
        if converted is None or large is not None:
            where = ", ".join(map(str, np.unravel_index(large, array.shape))) if array.ndim and large is not None else ""
            which = f"its entry [{where}] is " if where else ""
            raise GraphError(f"value for {name} is too large for a float64: {which}"
                             f"{shown(value if not which else array.flat[large])}") from None
        return converted
    if array is None or array.ndim:
        what = f"{type(value).__name__} {shown(value)}" if array is None else f"an array of {array.dtype} {shown(array)}"
    else:  # one value; a 0-d array made of one (np.asarray('abc')) is named by what it holds
        one = array.item() if isinstance(value, np.ndarray) else value
        what = f"{type(one).__name__} {shown(one)}"
    raise GraphError(f"value for {name} must be a real number or an array of them, got {what}")


def beyond_float64(number: Any) -> bool:
    """True for a finite real number float64 cannot hold, which NumPy and sympy would make inf or oo without a word:
    an int of 400 digits, a Fraction or Decimal past 1.8e308, sympy's ``Float('1e400')``; False for inf itself.

    >>> beyond_float64(10**400), beyond_float64(-10**400), beyond_float64(float("inf")), beyond_float64(2)
    (True, True, False, False)
    """
    try:
        value = float(number)
    except OverflowError:
        return True
    except Exception:  # not a real number: refused elsewhere for what it is
        return False
    if not math.isinf(value):
        return False
    finite = getattr(number, "is_finite", None)  # sympy's property (oo is not finite), Decimal's method
    finite = finite() if callable(finite) else finite
    return bool(finite)  # None: a float (or NumPy's) at inf is inf itself


def _real_scalar(e: Any) -> bool:
    """True for one element of an object array that converts to a real float64 (not a string, None or complex)."""
    if isinstance(e, (str, bytes)) or e is None:
        return False
    try:
        float(e)
    except OverflowError:
        return True  # a huge integer: real, and refused as too large where it is converted
    except Exception:  # TypeError, ValueError, or an object whose __float__ fails: no real number
        return False
    return True
