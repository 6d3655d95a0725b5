"""The indicators as a reader sees them: figures written the French way, small cells hidden from
the State's readers (outreach.reports.cells), charts with their numbers. Shared by the indicators
page and the bilan (the same templates, on screen and in the PDF)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from api.web.charts import SCREEN, Group, Sizes, bar_chart, colour
from messages import gettext, ngettext
from outreach.models import TeamUser
from outreach.reports.cells import Cells, number
from outreach.reports.evaluation import Evaluation
from outreach.reports.glossary import definitions
from outreach.reports.headline import Figure
from outreach.reports.indicators import Funnel
from outreach.reports.tables import Table

BY_LABELS = {"all": "All households", "sector": "Sector", "month": "Import month"}
MINUS = "\u2212"


def cells_for(user: TeamUser, threshold: int) -> Cells:
    """Exact figures for the team; small cells hidden for an evaluator."""
    return Cells(threshold if user.is_evaluator else None)


def headline(evaluation: Evaluation, cells: Cells) -> list[dict[str, str]]:
    return [_card(figure, cells) for figure in evaluation.headline]


def _card(figure: Figure, cells: Cells) -> dict[str, str]:
    measure = figure.measure
    if measure.as_share:
        value = cells.share(figure.count, figure.whole)
        # French puts 0 and 1 in the singular ("0 ménage"); "< 5 ménages" in the plural.
        many = 2 if cells.hidden(figure.count) else figure.count
        shown = cells.count(figure.count)
        detail = ngettext("{shown} household", "{shown} households", many, shown=shown)
    else:
        value = cells.count(figure.count)
        share = cells.share(figure.count, figure.whole)
        detail = (
            gettext("{share} of the households transferred", share=share)
            if measure.key != "transferred" and figure.whole and share != cells.too_few
            else ""
        )
    return {
        "key": measure.key,
        "label": gettext(measure.label),
        "value": value,
        "detail": detail,
        "change": _change(figure, cells),
    }


def _change(figure: Figure, cells: Cells) -> str:
    """ "+4 (période précédente : 38)", "+3,5 points (…)"; "" with nothing to compare."""
    if figure.previous is None or figure.previous_whole is None:
        return ""
    hidden = any(cells.hidden(n) for n in (figure.count, figure.previous))
    if figure.measure.as_share:
        hidden = hidden or any(cells.hidden(n) for n in (figure.whole, figure.previous_whole))
        before = cells.share(figure.previous, figure.previous_whole)
        if hidden or not (figure.whole and figure.previous_whole):
            difference = ""
        else:
            points = 100 * (figure.count / figure.whole - figure.previous / figure.previous_whole)
            difference = gettext("{change} points", change=_signed(points))
    else:
        before = cells.count(figure.previous)
        difference = "" if hidden else _signed(figure.count - figure.previous)
    if hidden or not difference:
        return gettext("previous period: {value}", value=before)
    return gettext("{change} (previous period: {value})", change=difference, value=before)


def _signed(value: float) -> str:
    if round(value, 1) == 0:
        return gettext("no change")
    text = number(abs(value))
    return f"+{text}" if value > 0 else f"{MINUS}{text}"


def table(
    table: Table, cells: Cells, *, chart_by: str = "all", sizes: Sizes = SCREEN
) -> dict[str, Any]:
    """A table's rows as shown, and its chart: a bar per charted column for all households (one
    category a line), or the charted columns of each group (`chart_by`, e.g. each month)."""
    kinds, bases = table.kinds, table.bases
    rows = {
        by: [(label, cells.show(values, kinds, bases)) for label, values in table.rows[by]]
        for by in table.rows
    }
    title = gettext(table.title)
    if chart_by == "all":
        groups, series = _categories(table, cells)
    else:
        series = [table.columns[index] for index in table.charted]
        groups = [
            _group(label, values, table, cells) for label, values in table.rows.get(chart_by, [])
        ]
    return {
        "key": table.key,
        "title": title,
        "columns": table.columns,
        "rows": rows,
        "bys": [(by, gettext(BY_LABELS.get(by, by))) for by in rows],
        "legend": [(name, colour(index)) for index, name in enumerate(series)],
        "chart": bar_chart(title, series, groups, chart_id=f"chart-{table.key}", sizes=sizes),
    }


def _categories(table: Table, cells: Cells) -> tuple[list[Group], list[str]]:
    """One group per charted column of the "all" row, each with its one bar."""
    if not table.rows.get("all"):
        return [], []
    label, values = table.rows["all"][0]
    shown = _group(label, values, table, cells)
    groups = [
        Group(table.columns[index], [length], [text])
        for index, length, text in zip(table.charted, shown.values, shown.texts or [], strict=True)
    ]
    return groups, [label]


def _group(label: str, values: list[Any], table: Table, cells: Cells) -> Group:
    shown = cells.show(values, table.kinds, table.bases)
    lengths: list[float] = []
    texts: list[str] = []
    for index in table.charted:
        value = values[index]
        hidden = shown[index] in (cells.small, cells.too_few) and cells.threshold is not None
        lengths.append(0 if hidden or value is None else value)
        texts.append(shown[index])
    return Group(label, lengths, texts)


def extra_chart(table: Table, cells: Cells, by: str) -> Markup:
    """The team's other indicators (tables.py), charted by sector or by month."""
    series = [table.columns[index] for index in table.charted]
    groups = [_group(label, values, table, cells) for label, values in table.rows[by]]
    title = (
        gettext(table.title)
        + " · "
        + (gettext("by sector") if by == "sector" else gettext("by import month"))
    )
    return bar_chart(title, series, groups, chart_id=f"chart-{table.key}-{by}")


def funnel_rows(
    result: Funnel, groups: list[tuple[str, dict[str, int]]], cells: Cells
) -> list[tuple[str, list[str]]]:
    """Each stage's count and its share of the households transferred."""
    first = result.keys[0]
    rows = []
    for label, counts in groups:
        shown = []
        for index, key in enumerate(result.keys):
            text = cells.count(counts[key])
            share = cells.share(counts[key], counts[first]) if index and counts[first] else ""
            if share and share != cells.too_few:
                text += f" ({share})"
            shown.append(text)
        rows.append((label, shown))
    return rows


def funnel_group(label: str, counts: dict[str, int], keys: list[str], cells: Cells) -> Group:
    values = [counts[key] for key in keys]
    return Group(
        label,
        [0 if cells.hidden(value) else value for value in values],
        [cells.count(value) for value in values],
    )


def glossary(threshold: int) -> list[tuple[str, str]]:
    return definitions(threshold)


def crosstab(table: Table, cells: Cells) -> dict[str, Any]:
    """A table turned for print: one line per column, one column for all households and one
    per sector (what the bilan shows, narrow enough for a page)."""
    groups = [*table.rows.get("all", []), *table.rows.get("sector", [])]
    shown = [cells.show(values, table.kinds, table.bases) for _label, values in groups]
    return {
        "key": table.key,
        "title": gettext(table.title),
        "header": [label for label, _values in groups],
        "rows": [(name, [row[index] for row in shown]) for index, name in enumerate(table.columns)],
    }
