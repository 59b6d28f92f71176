"""Kept so that generated modules saved by earlier versions still import.

``Program.source(standalone=True)`` writes ``from symgraph.backends.runtime
import ...``; modules saved before the backends moved there import the same
runtime helpers from here.  New code imports :mod:`symgraph.backends.runtime`.
"""
from .backends.runtime import fit, namespace_of, prepare  # noqa: F401 - re-exported for saved modules

__all__ = ["fit", "namespace_of", "prepare"]
