"""The yearly bilan as a PDF: the page's figures, charts and glossary laid out for print
(templates/bilan/bilan.html, sharing the page's partials) and turned into a PDF by WeasyPrint.
Used by the page's button (GET /indicators/bilan.pdf) and by `allervers bilan`."""

from __future__ import annotations

from typing import Any

from api.web import indicator_views as views
from api.web.charts import PRINT, bar_chart, colour
from api.web.rendering import render_fragment
from api.web.templating import STATIC_DIR
from messages import gettext
from messages.formatting import month_name, short_date
from outreach.reports.bilan import Bilan
from outreach.reports.cells import Cells
from outreach.reports.evaluation import Evaluation


def html(bilan: Bilan, *, cells: Cells, threshold: int, organisation: str) -> str:
    """The bilan as one printable HTML document."""
    evaluation = bilan.evaluation
    result = bilan.funnel
    series = [gettext(stage.label) for stage in result.stages]
    total = [(gettext("All cases"), result.total())]
    sectors = sorted(result.by_sector().items(), key=lambda item: result.sector_label(item[0]))
    by_sector = [(result.sector_label(code), counts) for code, counts in sectors]
    context: dict[str, Any] = {
        "year": bilan.year,
        "organisation": organisation,
        "period": f"{month_name(f'{bilan.year}-01')} – {month_name(f'{bilan.year}-12')}",
        "produced_on": short_date(bilan.counted_at),
        "sector_names": [part.name for part in bilan.sectors],
        "hidden_cells": cells.threshold is not None,
        "threshold": threshold,
        "headline": views.headline(evaluation, cells),
        "trend": views.table(evaluation.trend, cells, chart_by="month", sizes=PRINT),
        "funnel_chart": bar_chart(
            gettext("Outreach funnel, all cases"),
            series,
            [views.funnel_group(label, counts, result.keys, cells) for label, counts in total],
            chart_id="bilan-funnel",
            sizes=PRINT,
        ),
        "series": series,
        "colours": [colour(index) for index in range(len(series))],
        "funnel_rows": views.funnel_rows(result, total + by_sector, cells),
        "sections": _sections(evaluation, cells),
        "sectors": [
            {"name": part.name, **_sector(part.evaluation, cells)} for part in bilan.sectors
        ],
        "glossary": views.glossary(threshold),
    }
    return render_fragment("bilan/bilan.html", context)


def _sections(evaluation: Evaluation, cells: Cells) -> list[dict[str, Any]]:
    """Each outcome and delay indicator: its chart, and its figures for all and by sector."""
    return [
        {**views.table(table, cells, sizes=PRINT), "crosstab": views.crosstab(table, cells)}
        for table in evaluation.tables
    ]


def _sector(evaluation: Evaluation, cells: Cells) -> dict[str, Any]:
    """A sector's page: its key figures and its main indicators, all households only (the
    delays: their medians)."""
    tables = {table.key: table for table in evaluation.tables}
    shown = []
    for key in ("closings", "unreachable", "stage_reply", "delays"):
        crosstab = views.crosstab(tables[key], cells)
        rows = [
            (name, values[0])
            for index, (name, values) in enumerate(crosstab["rows"])
            if key != "delays" or index % 3 == 1
        ]
        shown.append({"title": crosstab["title"], "rows": rows})
    return {"headline": views.headline(evaluation, cells), "tables": shown}


def pdf(document: str) -> bytes:
    """The PDF of an HTML document (WeasyPrint; fonts and SVG drawn locally, nothing fetched)."""
    from weasyprint import HTML  # imported here: only the bilan needs it, and it loads Pango

    return HTML(string=document, base_url=str(STATIC_DIR)).write_pdf()  # type: ignore[no-any-return]
