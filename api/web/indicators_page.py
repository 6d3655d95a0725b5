"""The indicators page: the six key figures with their change, the monthly trend, the outreach
funnel, the outcome and delay indicators, as charts with their numbers folded under them and a
glossary; exported as CSV and XLSX for the State report. A worker sees the figures of their
sectors; an evaluator, the whole territory's with small cells hidden."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import ServicesDep, SessionDep
from api.web import bilan
from api.web import indicator_views as views
from api.web.auth import WebUser, WebUserDep
from api.web.charts import bar_chart, colour
from api.web.rendering import render, secure
from messages import gettext
from messages.formatting import time_of_day
from outreach import audit
from outreach.reports import export
from outreach.reports.bilan import FIRST_YEAR, LAST_YEAR, gather
from outreach.reports.cells import Cells
from outreach.reports.evaluation import Evaluation
from outreach.reports.figures import count
from outreach.reports.indicators import NO_SECTOR, Funnel, IndicatorFilters
from outreach.reports.tables import Table

router = APIRouter(include_in_schema=False)

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
Month = Annotated[str, Query(max_length=7)]
SECTOR = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SectorCode = Annotated[str, Query(max_length=40)]
Year = Annotated[int, Query(ge=0, le=LAST_YEAR)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/indicators")
def indicators(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    start: Month = "",
    end: Month = "",
    sector: SectorCode = "",
) -> Response:
    filters = _filters(start, end, sector)
    figures = services.figures.get(session, user=web.user, filters=filters)
    threshold = services.settings.small_cell_threshold
    cells = views.cells_for(web.user, threshold)
    context = {
        **page_context(figures.funnel, figures.tables, figures.evaluation, cells),
        "start": filters.month_from or "",
        "end": filters.month_to or "",
        "sector": filters.sector or "",
        "sectors": sorted(figures.evaluation.names.items(), key=lambda item: item[1]),
        "no_sector": NO_SECTOR,
        "query": _query(filters),
        "year": int(filters.month_to[:4]) if filters.month_to else services.clock.now().year,
        "counted_at": time_of_day(figures.counted_at, "fr"),
        "glossary": views.glossary(threshold),
        "hidden_cells": cells.threshold is not None,
        "threshold": threshold,
    }
    return render(request, "team/indicators.html", context, web=web)


@router.get("/indicators/bilan.pdf")
def bilan_pdf(
    session: SessionDep, services: ServicesDep, web: WebUserDep, year: Year = 0
) -> Response:
    """The yearly bilan for the préfet (this year's by default), as a PDF."""
    now = services.clock.now()
    year = year if FIRST_YEAR <= year <= LAST_YEAR else now.year
    audit.record(
        session, clock=services.clock, actor=web.user, action="indicators.export", format="pdf",
        start=f"{year}-01", end=f"{year}-12",
    )  # fmt: skip
    threshold = services.settings.small_cell_threshold
    document = bilan.html(
        gather(session, user=web.user, year=year, now=now),
        cells=views.cells_for(web.user, threshold),
        threshold=threshold,
        organisation=services.settings.organisation_name,
    )
    headers = {"Content-Disposition": f'attachment; filename="bilan-{year}.pdf"'}
    return secure(Response(bilan.pdf(document), media_type="application/pdf", headers=headers))


def page_context(
    result: Funnel, extras: list[Table], evaluation: Evaluation, cells: Cells
) -> dict[str, Any]:
    """What the indicators page and the bilan show: headline, trend, funnel, the outcome and
    delay indicators, then the outreach ones."""
    series = [gettext(stage.label) for stage in result.stages]
    by_sector = sorted(result.by_sector().items(), key=lambda item: result.sector_label(item[0]))
    by_month = sorted(result.by_month().items())
    total = [(gettext("All cases"), result.total())]
    sectors = [(result.sector_label(code), counts) for code, counts in by_sector]
    months = [(month or gettext("no month"), counts) for month, counts in by_month]
    return {
        "headline": views.headline(evaluation, cells),
        "previous": evaluation.previous,
        "trend": views.table(evaluation.trend, cells, chart_by="month"),
        "legend": [(name, colour(index)) for index, name in enumerate(series)],
        "series": series,
        "overall_chart": _chart(gettext("Outreach funnel, all cases"), series, result, total,
                                "overall", cells),
        "sector_chart": _chart(gettext("Funnel by sector"), series, result, sectors, "sector",
                               cells),
        "month_chart": _chart(gettext("Funnel by import month"), series, result, months,
                              "month", cells),
        "funnel_total": views.funnel_rows(result, total, cells),
        "by_sector": views.funnel_rows(result, sectors, cells),
        "by_month": views.funnel_rows(result, months, cells),
        "evaluation": [views.table(table, cells) for table in evaluation.tables],
        "extras": [_extra(table, cells) for table in extras],
    }  # fmt: skip


@router.get("/indicators/export.csv")
def export_csv(
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    start: Month = "",
    end: Month = "",
    sector: SectorCode = "",
) -> Response:
    sheets = _export(session, services, web, _filters(start, end, sector), "csv")
    return _download(export.csv_text(sheets), "text/csv; charset=utf-8", "csv")


@router.get("/indicators/export.xlsx")
def export_xlsx(
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    start: Month = "",
    end: Month = "",
    sector: SectorCode = "",
) -> Response:
    sheets = _export(session, services, web, _filters(start, end, sector), "xlsx")
    return _download(export.workbook(sheets), XLSX, "xlsx")


def _chart(
    title: str,
    series: list[str],
    result: Funnel,
    groups: list[tuple[str, dict[str, int]]],
    kind: str,
    cells: Cells,
) -> Any:
    return bar_chart(
        title,
        series,
        [views.funnel_group(label, counts, result.keys, cells) for label, counts in groups],
        chart_id=f"chart-{kind}",
    )


def _extra(table: Table, cells: Cells) -> dict[str, Any]:
    series = [table.columns[index] for index in table.charted]
    return {
        "key": table.key,
        "title": gettext(table.title),
        "columns": table.columns,
        "legend": [(name, colour(index)) for index, name in enumerate(series)],
        "charts": {by: views.extra_chart(table, cells, by) for by in ("sector", "month")},
        "rows": {
            by: [(label, cells.show(values, table.kinds, table.bases)) for label, values in rows]
            for by, rows in table.rows.items()
        },
    }


def _export(
    session: Session, services: Any, web: WebUser, filters: IndicatorFilters, kind: str
) -> list[export.Sheet]:
    """Counted now (not the kept figures): the funnel, the key figures, every indicator, and
    the definitions."""
    audit.record(
        session,
        clock=services.clock,
        actor=web.user,
        action="indicators.export",
        format=kind,
        start=filters.month_from,
        end=filters.month_to,
    )
    figures = count(session, user=web.user, filters=filters, now=services.clock.now())
    threshold = services.settings.small_cell_threshold
    cells = views.cells_for(web.user, threshold)
    evaluation = figures.evaluation
    return [
        export.funnel_sheet(figures.funnel, cells),
        export.headline_sheet(evaluation, cells),
        export.table_sheet(evaluation.trend, cells),
        *(export.table_sheet(table, cells) for table in evaluation.tables),
        *(export.table_sheet(table, cells) for table in figures.tables),
        export.definitions_sheet(threshold),
    ]


def _download(body: str | bytes, media_type: str, extension: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="indicateurs.{extension}"'}
    return secure(Response(body, media_type=media_type, headers=headers))


def _filters(start: str, end: str, sector: str = "") -> IndicatorFilters:
    return IndicatorFilters(
        month_from=start if MONTH.match(start) else None,
        month_to=end if MONTH.match(end) else None,
        sector=sector if SECTOR.match(sector) else None,
    )


def _query(filters: IndicatorFilters) -> str:
    parts = [f"start={filters.month_from}"] if filters.month_from else []
    parts += [f"end={filters.month_to}"] if filters.month_to else []
    parts += [f"sector={filters.sector}"] if filters.sector else []
    return ("?" + "&".join(parts)) if parts else ""
