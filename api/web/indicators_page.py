"""The indicators page: the outreach funnel by sector and by month, as charts and tables,
exported as CSV and XLSX for the State report. A worker sees the figures of their sectors."""

from __future__ import annotations

import io
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from api.deps import ServicesDep, SessionDep
from api.web.auth import WebUser, WebUserDep
from api.web.charts import Group, bar_chart, colour
from api.web.rendering import render, secure
from messages import gettext
from messages.formatting import time_of_day
from outreach import audit
from outreach.reports.indicators import Funnel, IndicatorFilters, export_rows, funnel
from outreach.reports.tables import Table, export_sections, tables
from outreach.spreadsheet import SafeCsvWriter, safe_row

router = APIRouter(include_in_schema=False)

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
Month = Annotated[str, Query(max_length=7)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/indicators")
def indicators(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    start: Month = "",
    end: Month = "",
) -> Response:
    filters = _filters(start, end)
    figures = services.figures.get(session, user=web.user, filters=filters)
    result = figures.funnel
    series = [gettext(stage.label) for stage in result.stages]
    by_sector = sorted(result.by_sector().items(), key=lambda item: result.sector_label(item[0]))
    by_month = sorted(result.by_month().items())
    context = {
        "start": filters.month_from or "",
        "end": filters.month_to or "",
        "legend": [(name, colour(index)) for index, name in enumerate(series)],
        "series": series,
        "keys": result.keys,
        "total": result.total(),
        "overall_chart": bar_chart(
            gettext("Outreach funnel, all cases"),
            series,
            [Group(gettext("All cases"), list(result.total().values()))],
            chart_id="chart-overall",
        ),
        "sector_chart": _chart(gettext("Funnel by sector"), series, result, by_sector, "sector"),
        "month_chart": _chart(gettext("Funnel by import month"), series, result, by_month, "month"),
        "by_sector": [(result.sector_label(code), counts) for code, counts in by_sector],
        "by_month": [(month or gettext("no month"), counts) for month, counts in by_month],
        "query": _query(filters),
        "extras": [_extra(table) for table in figures.tables],
        "counted_at": time_of_day(figures.counted_at, "fr"),
    }
    return render(request, "team/indicators.html", context, web=web)


@router.get("/indicators/export.csv")
def export_csv(
    session: SessionDep, services: ServicesDep, web: WebUserDep, start: Month = "", end: Month = ""
) -> Response:
    rows, sections = _export(session, services.clock, web, _filters(start, end), "csv")
    out = io.StringIO()
    writer = SafeCsvWriter(out, delimiter=";")
    writer.writerows(rows)
    for title, section in sections:
        writer.writerows([[], [title], *section])
    return _download("\ufeff" + out.getvalue(), "text/csv; charset=utf-8", "csv")


@router.get("/indicators/export.xlsx")
def export_xlsx(
    session: SessionDep, services: ServicesDep, web: WebUserDep, start: Month = "", end: Month = ""
) -> Response:
    rows, sections = _export(session, services.clock, web, _filters(start, end), "xlsx")
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Funnel")[:31]
    for row in rows:
        sheet.append(safe_row(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for title, section in sections:
        extra = book.create_sheet(_sheet_title(title))
        for row in section:
            extra.append(safe_row(row))
            if row[0] in (gettext("Sector"), gettext("Import month")):
                for cell in extra[extra.max_row]:
                    cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(), XLSX, "xlsx")


def _chart(
    title: str,
    series: list[str],
    result: Funnel,
    groups: list[tuple[str, dict[str, int]]],
    kind: str,
) -> Any:
    def name(key: str) -> str:
        if kind == "sector":
            return result.sector_label(key)
        return key or gettext("no month")

    return bar_chart(
        title,
        series,
        [Group(name(key), [counts[stage] for stage in result.keys]) for key, counts in groups],
        chart_id=f"chart-{kind}",
    )


def _extra(table: Table) -> dict[str, Any]:
    series = [table.columns[index] for index in table.charted]

    def chart(by: str) -> Any:
        groups = [
            Group(label, [values[index] or 0 for index in table.charted])
            for label, values in table.rows[by]
        ]
        title = (
            gettext(table.title)
            + " · "
            + (gettext("by sector") if by == "sector" else gettext("by import month"))
        )
        return bar_chart(title, series, groups, chart_id=f"chart-{table.key}-{by}")

    return {
        "key": table.key,
        "title": gettext(table.title),
        "columns": table.columns,
        "legend": [(name, colour(index)) for index, name in enumerate(series)],
        "charts": {by: chart(by) for by in ("sector", "month")},
        "rows": table.rows,
    }


def _export(
    session: Session, clock: Any, web: WebUser, filters: IndicatorFilters, kind: str
) -> tuple[list[list[Any]], list[tuple[str, list[list[Any]]]]]:
    result = funnel(session, user=web.user, filters=filters)
    audit.record(
        session,
        clock=clock,
        actor=web.user,
        action="indicators.export",
        format=kind,
        start=filters.month_from,
        end=filters.month_to,
    )
    extras = tables(session, user=web.user, filters=filters)
    return export_rows(result), export_sections(extras)


def _sheet_title(title: str) -> str:
    """A worksheet's name: at most 31 characters, none of []:*?/\\ (Excel refuses them)."""
    return re.sub(r"[\[\]:*?/\\]", "-", title).strip()[:31]


def _download(body: str | bytes, media_type: str, extension: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="indicateurs.{extension}"'}
    return secure(Response(body, media_type=media_type, headers=headers))


def _filters(start: str, end: str) -> IndicatorFilters:
    return IndicatorFilters(
        month_from=start if MONTH.match(start) else None,
        month_to=end if MONTH.match(end) else None,
    )


def _query(filters: IndicatorFilters) -> str:
    parts = [f"start={filters.month_from}"] if filters.month_from else []
    parts += [f"end={filters.month_to}"] if filters.month_to else []
    return ("?" + "&".join(parts)) if parts else ""
