"""Services that layers above the IR lend to it, so that the IR never imports them.

Three conveniences of the IR's classes belong to upper layers:
``Graph.from_sympy`` (the sympy front end), ``Graph._repr_svg_`` (pictures,
for Jupyter) and ``Program.source`` (NumPy code generation).  Each upper
module registers its function here when it is imported -- importing any part
of symgraph imports the package, which imports them all -- the way Jupyter
registers display formatters.  The IR calls through this table, so every
import points down the layers (see :mod:`symgraph`).
"""
from __future__ import annotations

from typing import Callable

from ..errors import SymgraphError

#: service name -> the function an upper layer registered
SERVICES: dict[str, Callable] = {}


def provide(name: str, function: Callable) -> Callable:
    """Register ``function`` as the service ``name``; returns it (usable as a decorator's body)."""
    SERVICES[name] = function
    return function


def service(name: str) -> Callable:
    """The registered service ``name``; a named error if its module was never imported."""
    try:
        return SERVICES[name]
    except KeyError:
        raise SymgraphError(f"the {name!r} service is not registered: import symgraph first") from None
