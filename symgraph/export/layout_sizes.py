"""How big the things a picture holds are, in inches: the layout's text sizes and clearances, the widths
of texts and the outlines of nodes and edge labels.

Text widths are estimated from DejaVu Sans Bold's advance widths (an upper
bound; a test checks them against the renderer), so layout needs no
plotting library.  Apart from :mod:`~symgraph.export.layout` (the scene) and
:mod:`~symgraph.export.layout_placement` (where rows and columns go) because
both measure with these numbers.
"""
from __future__ import annotations

from .text import NodeLabel


#: Text sizes in points: nodes' names and ops, the numbers on edges.
FONT_SIZE, LABEL_SIZE = 12, 10
#: Lines of an edge label are this many text sizes apart.
LINE_SPACING = 1.25
#: Clearances in a column, inches: between nodes, between a node and an edge's row, between edges' rows
#: (labels); and around a label's text.
NODE_GAP, EDGE_GAP, LABEL_GAP, LABEL_PAD = 0.35, 0.2, 0.1, 0.04
#: Narrowest label column (room for an unlabelled edge's slope), inches.
MIN_COLUMN = 0.45
#: Gaps between columns: at least these (inches), more where edges must slant across them.
GAP_OUT, GAP_IN, SLANT = 0.3, 0.35, 0.4
MAX_GAP = 1.6
#: Arrowhead length and half width, inches; GAP_IN keeps every arrowhead out of the label columns.
ARROW_LENGTH, ARROW_HALF_WIDTH = 0.13, 0.05
#: Barycentre ordering sweeps (odd, so the last sweep runs left to right); least-squares row passes.
CROSSING_PASSES, ROW_PASSES = 7, 12
#: Height of a folded sum's bar per term, and how far from its ends edges meet it, inches.
TERM_PITCH, BAR_INSET = 0.3, 0.1
#: Extra room between rows of different calls, and a call outline's margin (growing with the calls inside), inches.
CALL_GAP, CALL_PAD, CALL_NEST = 0.5, 0.1, 0.22
#: Blank border around the drawing and the legend's distance above it, inches.
MARGIN, LEGEND_GAP = 0.3, 0.25

Point = tuple[float, float]
Shape = tuple[str, float, float]

#: Advance widths (fractions of the text size) of DejaVu Sans Bold, rounded up; other characters take _WIDE.
_EM = {**dict.fromkeys(".,:;'|!ijl", 0.40), **dict.fromkeys(" -/()[]{}ftrI", 0.50),
       **dict.fromkeys("*∂sJ_\"", 0.60), **dict.fromkeys("+=<>^~", 0.84), **dict.fromkeys("mwMW%@", 1.11)}
_WIDE = 0.72


def text_width(text: str, size: float) -> float:
    """Width of one line of text in inches (DejaVu Sans Bold; regular text is narrower)."""
    return sum(_EM.get(ch, _WIDE) for ch in text) * size / 72


def node_shape(node: NodeLabel) -> Shape:
    """("box" | "bar" | "ellipse" | "point", half width, half height) in inches; circles are round ellipses.

    A box is an input, a bar a folded sum (``walk(..., fold_sums=True)``).
    """
    if node.shape == "none":
        return "point", 0.0, 0.0
    width = text_width(node.label, FONT_SIZE) * 0.92  # regular weight
    if node.terms:  # a folded sum: a bar tall enough for its terms' arrows to meet it side by side
        return "bar", width / 2 + 0.15, max(0.3, TERM_PITCH * node.terms / 2)
    if node.shape == "box":
        return "box", width / 2 + 0.12, 0.22
    radius = max(0.3, width / 2 + 0.1)
    return "ellipse", radius, min(radius, 0.42)


def _label_size(lines: list[tuple[str, str]]) -> tuple[float, float]:
    """Width and height (inches) of an edge label's box: its lines, centred, with padding."""
    if not lines:
        return 0.0, 0.0
    width = max(text_width(text, LABEL_SIZE) for text, _ in lines)
    return width + 2 * LABEL_PAD, len(lines) * LINE_SPACING * LABEL_SIZE / 72 + 2 * LABEL_PAD
