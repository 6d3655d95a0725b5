"""Horizontal bar charts as inline SVG, drawn on the server: no script, no CDN, printable.

Each chart is a list of groups (a sector, a month, or one "all cases" group) with one bar per
funnel stage. Bars are scaled to the largest value of the chart; colours follow the stage order
and the legend. Jinja escapes every label; the SVG carries a title for screen readers, and the
page shows the same numbers in a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from outreach.reports.cells import number

# Colour-blind-safe palette (Okabe–Ito), darkest first, all readable against white.
COLOURS = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MAX_BAR_PERCENT = 85  # the longest bar; the rest of the width holds its number
LABEL_HEIGHT = 22
BAR_HEIGHT = 16
BAR_GAP = 4
GROUP_GAP = 14
FONT_SIZE = 14


@dataclass(frozen=True)
class Group:
    label: str
    values: list[int] | list[float]  # bar lengths, one per series, in series order
    # What each bar says ("1 234", "< 5" for an evaluator's hidden cell, whose bar is 0); the
    # value in French digits when None.
    texts: list[str] | None = None


def colour(index: int) -> str:
    return COLOURS[index % len(COLOURS)]


@dataclass(frozen=True)
class Sizes:
    label: int = LABEL_HEIGHT
    bar: int = BAR_HEIGHT
    gap: int = BAR_GAP
    group_gap: int = GROUP_GAP
    font: int = FONT_SIZE


SCREEN = Sizes()
PRINT = Sizes(label=15, bar=9, gap=2, group_gap=6, font=10)  # the bilan: an A4 page holds it


def bar_chart(
    title: str, series: list[str], groups: list[Group], *, chart_id: str, sizes: Sizes = SCREEN
) -> Markup:
    """An SVG chart: for each group, its label on one line, then one bar per series.

    Bar lengths are percentages of the chart's width, so the chart fills any screen while its
    text keeps its real size (no viewBox scaling: still readable at 360 px)."""
    largest = max((value for group in groups for value in group.values), default=0) or 1
    parts: list[str] = []
    y = 0
    for group in groups:
        parts.append(_text("0", y + sizes.font, group.label, weight="600"))
        y += sizes.label
        for index, value in enumerate(group.values):
            percent = MAX_BAR_PERCENT * value / largest
            text = group.texts[index] if group.texts else number(value)
            label = f"{series[index]} : {text}"
            parts.append(_bar(y, percent, sizes.bar, colour(index), label))
            parts.append(_text(f"{percent + 1.5:.2f}%", y + sizes.bar - 2, text))
            y += sizes.bar + sizes.gap
        y += sizes.group_gap
    height = max(y, sizes.label)
    title_id = f"{chart_id}-title"
    svg = (
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{title_id}" '
        f'width="100%" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{sizes.font}">'
        f'<title id="{title_id}">{escape(title)}</title>{"".join(parts)}</svg>'
    )
    return Markup(svg)


def _bar(y: float, percent: float, height: int, fill: str, label: str) -> str:
    # A zero still gets a sliver, so the bar's place (and its colour) stays visible.
    width = f"{percent:.2f}%" if percent >= 0.5 else "2"
    return (
        f'<rect x="0" y="{y}" width="{width}" height="{height}" rx="2" fill="{fill}">'
        f"<title>{escape(label)}</title></rect>"
    )


def _text(x: str, y: float, content: str, *, weight: str = "400") -> str:
    return f'<text x="{x}" y="{y}" font-weight="{weight}" fill="#1b1b1f">{escape(content)}</text>'
