"""The VM's kernel of one point: the VM's point kernel until native code pays for its compile, then native code.

Separate from :mod:`.vm` (the kernel behind compiled functions, which
calls it at every single point) because choosing and switching the tier
-- the ski-rental rule, the compile (:mod:`.native`), its failure -- is a
job of its own, the same for every program.  :class:`_Tier` is the part
the batch tier (:mod:`.vm_batch`) shares: one compile, and a failure that
leaves the VM running.
"""
from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np

from .native import break_even_calls, compile_native, write_ir
from .vm_instructions import _HEADER, CODES, FIRST, FUSED, SECOND
from .vm_jit import _kernel


class _Tier:
    """A program the VM runs until native code pays for its compile: what both tiers share.

    :meth:`go_native` compiles the program once (``compile``, the tier's
    own); a failure leaves the VM running, with one warning, and is not
    tried again.  ``after`` is 0 where native code would not pay.
    """

    what = ""  # what the native code runs, for the warning
    native: Any = None
    after = 0

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def compile(self) -> Any:
        raise NotImplementedError

    def go_native(self) -> bool:
        """Compile the program to native code now (if it pays at all); True when native code runs it."""
        failure = None
        with self._lock:
            if self.native is None and self.after:
                try:
                    self.native = self.compile()
                except Exception as error:  # the VM runs on: a slower call, never a failed one
                    failure = error
                if self.native is None:
                    self.after = 0  # never tried again (set before warning: warnings may be errors)
        if failure is not None:
            warnings.warn(f"symgraph: native code for {self.what} failed, the VM runs on ({failure})",
                          RuntimeWarning, stacklevel=3)
        return self.native is not None


class _Point(_Tier):
    """The kernel of one point: the VM's, until native code pays for its compile, then native code.

    Compiling native code (:mod:`symgraph.backends.native`) costs about as
    much as thousands of calls of the VM, and saves a part of each later
    call: so, as in the ski-rental problem, the VM runs the program until
    the calls have cost what the compile would (:func:`~symgraph.backends.native.break_even_calls`),
    then the program is compiled.  Whatever the number of calls, that is at
    most twice the time of the better choice made in hindsight.  Both tiers
    compute the same values, bit for bit.
    """

    what = "one point"

    def __init__(self, prog: np.ndarray):
        super().__init__()
        self.prog, self.vm = prog, _kernel("point")
        self.after, self.calls = break_even_calls(int(prog[0])), 0

    def __call__(self, io: np.ndarray) -> None:
        if self.native is not None:
            self.run(self.native.address, io)
            return
        self.vm(self.prog, io)
        self.calls += 1
        if self.after and self.calls >= self.after:  # >=: threads' counts may step over the mark together
            self.go_native()

    def compile(self) -> Any:
        self.run = _kernel("native")
        return compile_native(write_ir(self.prog, _HEADER, CODES, FUSED, FIRST, SECOND, _kernel("apply_c").address))
