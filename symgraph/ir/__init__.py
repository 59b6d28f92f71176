"""The intermediate representation: what every front end builds and every pass reads.

A :class:`~symgraph.ir.graph.Graph` is the hash-consed DAG of a function
(built by :mod:`~symgraph.ir.builder`, which makes a reduction's terms in
:mod:`~symgraph.ir.term_loop`, names and freezes the graph in
:mod:`~symgraph.ir.finishing` and checks operands' kinds by
:mod:`~symgraph.ir.operand_kinds`; its values and closed forms in
:mod:`~symgraph.ir.graph_values`, its inputs under the user's names in
:mod:`~symgraph.ir.input_names`); a :class:`~symgraph.ir.program.Program`
is a straight-line let-listing of derivatives, built on top of the graph's own
rows by the :mod:`~symgraph.ir.emitter` (with its constants and folds in
:mod:`~symgraph.ir.folding`, its hash-consing keys in
:mod:`~symgraph.ir.instruction_keys`, ``where`` and the guards of branches in
:mod:`~symgraph.ir.branches`, the cancellation of d*(a/d) in :mod:`~symgraph.ir.cancelling`, partial rules
recorded as recipes in
:mod:`~symgraph.ir.recipes`), and pruned to what the results need by
:mod:`~symgraph.ir.liveness`.  Both are rows ``(target, op, args)``
in topological order, so one interpreter (:mod:`~symgraph.ir.interpret`)
evaluates them, builds their sympy closed forms and counts those forms' size
before building them (many results alike up to their inputs built once and renamed,
:mod:`~symgraph.ir.alike`); :mod:`~symgraph.ir.listing` prints them.  The IR knows
the op table (:mod:`symgraph.ops`) and nothing above it: the conveniences that
belong higher up are lent to it through :mod:`~symgraph.ir.hooks`.
"""
