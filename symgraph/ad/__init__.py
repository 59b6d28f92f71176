"""Layer 4, automatic differentiation on the graph: every mode that turns a Graph into derivative refs.

:mod:`~symgraph.ad.linearised` holds what every mode shares (each edge's local
derivative, from :mod:`~symgraph.ad.partials`; the one adjacency structure and
walk, from :mod:`~symgraph.ad.adjacency`; and the rule that products with 0 or
+-1 are free); :mod:`~symgraph.ad.forward`,
:mod:`~symgraph.ad.reverse`, :mod:`~symgraph.ad.paths` and
:mod:`~symgraph.ad.eliminate` are the four ways of accumulating the chain rule
over it, each emitting into one :class:`~symgraph.ir.program.Emitter` and
counting its work; :mod:`~symgraph.ad.modes` is the table from mode names to
sweeps, the choice behind ``mode="auto"`` (whose count is :mod:`~symgraph.ad.estimate`'s) and
the one function that runs a mode.  Nothing here builds result objects or reports: that is the API
layer above (:mod:`symgraph.derive`, :mod:`symgraph.cost`).

Where the modes may differ
--------------------------
Every mode sums the same products of the same local derivatives, in another
order.  Where every node's value and every edge's local derivative is a
finite number, that order changes the last bits only.  Elsewhere the
contract, which tests/test_agreement_audit8.py and tests/test_mode_agreement.py
check over generated programs, is:

* **Zeros the graph knows are never multiplied.**  An edge whose local
  derivative is an exact 0 (``y - y``, ``y/y``, ``log(y, y)``: an op constant
  on one node twice, :data:`~symgraph.ad.partials.CONSTANT_ON_ONE_OPERAND`),
  the untaken branch of ``where`` and the operands of ``max(a, b, c)`` that
  are not the maximum (selects the emitter guards, :mod:`symgraph.ir.branches`),
  a seed of 0 or 0.0 in jvp/vjp/hvp: none of them turns an infinite or nan
  adjoint or tangent into nan, in any mode.  d/dy acos(y*((y^y)/(y/y))) at
  y = 1 is -inf in every mode (it was nan in reverse mode and the path sum).
* **An infinity may meet a zero the numbers make.**  Where a local derivative
  is infinite (acos' at 1, sqrt' and log' at 0, 1/x past float64's range), one
  order of products may meet it with a 0 that is a cancellation of other
  terms (y + 1 - y; like terms c1/x + c2/x are summed as (c1 + c2)/x in
  every mode, :mod:`symgraph.ir.like_terms`, so log(x) - 2*log(x) is -inf
  at 0 in all), or the step of binary ``max``/``min`` (a product
  heaviside(x - y)*adjoint, 0 for the operand not taken, as JAX's max rule
  multiplies too; guarding it as a select, measured, doubled the
  instructions of max-heavy gradients and tripled their time), where another
  order adds those terms first.  There one mode gives nan and another
  the derivative's infinity (d/dy acos(y*(y + 1 - y)) at 1: -inf forward, reverse
  and by elimination, nan by paths; max(log(y, x), y)/acos(x + 1) at
  (0, 1): +inf forward, nan reverse), never another finite number and never
  the other infinity.  Only symbolic limits decide every such product: writing
  0*inf as 0 would turn honest nans into wrong numbers (v*(1/(2*v)) at v = 0
  is 0*inf, and 0 is not its limit 1/2).  The emitter cancels the exact
  quotients of powers of one base instead (:mod:`symgraph.ir.cancelling`):
  sqrt(x)*sqrt(x) has derivative 1 and sqrt(x)^3 has 0 at 0 in every mode.
* **A nan local derivative may be cancelled away in one order.**  Where an
  edge's local derivative is nan (y^x in x at y = -1), a mode whose products
  cancel to an exact 0 before they reach it gives a number, another nan.
* **Under- and overflow are float64's.**  Where an intermediate value or
  partial leaves float64's range (1/x at x = 1e-320, x/y at y = 1e308) the
  modes round differently; none of their answers is more right.
* **A zero's sign is not part of it.**  -0.0 and 0.0 are the same derivative:
  sums in another order give either (-0.0 + 0.0 is 0.0).
* **Kinks follow one convention in every mode**: tied ``max``/``min``
  operands share the derivative evenly (JAX's), ``abs'(0) = relu'(0) = 0``
  (PyTorch's; ``max(x, 0)`` at 0 is a tie, 1/2, as in JAX), ``where``
  follows its condition exactly on its boundary, piecewise constant ops have
  derivative 0, and 0^y, log0 and hypot at 0 are as :mod:`symgraph.op_partials`
  says.

One mode on one backend gives the same bits however it is called (arrays,
single floats, 0-d arrays, batches of one, Dask chunks, ``.at()``,
``Program.evaluate``); the VM, its native tier and numba give NumPy's numbers
to libm's last bits (:mod:`symgraph.backends`).  A closed form is sympy's view
of the program: it agrees with the numbers wherever the function's value is
finite, and where it is not (x^y at x = 0, y < 0) sympy's ``subs`` may read 0
where the numbers say nan (putting x = 0 in first, it reads 0^y * 0 as 0; ``xreplace``, all
symbols at once, gives nan).  d(0^y)/dy with the constant base 0 is the select
where(y >= 0, 0, nan) in the numbers and the closed form alike.
"""
