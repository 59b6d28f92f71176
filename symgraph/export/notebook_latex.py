"""LaTeX as a notebook shows it: in ``$\\displaystyle ...$``, its notes visible and its size bounded.

Apart from :mod:`~symgraph.export.latex`, which writes the LaTeX: this is only
how a notebook displays it (every result's ``_repr_latex_``).
"""
from __future__ import annotations

from ..ir.listing import cut_listing, lines_within
from .latex_expressions import NOTE_TEXTS


#: a notebook shows at most about this many characters of an aligned block: its first and last lines and one
#: counting the rest (36 entries of up to 200 operations each, or a sparse Hessian's, were 60-110 kB of LaTeX)
DISPLAY_CHARS = 20_000

#: an aligned block's start, the end of each line but its last, and its end, as derivatives' LaTeX writes it
ALIGNED = ("\\begin{aligned}\n", " \\\\\n", "\n\\end{aligned}")


def notebook_math(latex: str) -> str:
    """``latex`` as a notebook shows it, in ``$\\displaystyle ...$``; after a last line holding a ``%`` comment (a
    large result ends with :data:`~symgraph.export.latex_expressions.EXPAND_NOTE`) the closing ``$`` goes on a
    line of its own, which the comment would hide from LaTeX (a notebook converted to PDF stopped at "Missing $
    inserted").  After an aligned block the note is the block's last line, as text (:data:`NOTE_TEXTS`): a
    notebook's MathJax drops a comment unseen.
    An aligned block longer than :data:`DISPLAY_CHARS` shows its first and last lines and one counting the rest."""
    for note, text in NOTE_TEXTS.items():
        end = "\\end{aligned}\n" + note
        if latex.endswith(end):
            latex = latex[:-len(end)].rstrip("\n") + " \\\\\n" + text + "\n\\end{aligned}"
    begin, sep, close = ALIGNED
    if len(latex) > DISPLAY_CHARS and latex.startswith(begin) and latex.endswith(close):
        lines = latex[len(begin):-len(close)].split(sep)
        keep = lines_within(lines, DISPLAY_CHARS)
        if keep is not None:
            latex = begin + cut_listing(lines, reversed(lines), len(lines), keep, "", omitted=_display_omitted,
                                        sep=sep) + close
    return "$\\displaystyle " + latex + ("\n$" if "%" in latex.rpartition("\n")[2] else "$")


def _display_omitted(count: int) -> str:
    """The line of a notebook's display that stands for the ``count`` lines left out, and where they are."""
    return rf"\text{{\dots {count:,} more line{'' if count == 1 else 's'}, too long to display: .latex() writes them}}"
