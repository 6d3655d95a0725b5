"""Indicators: the outreach funnel by sector and month, its charts and its CSV / XLSX exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from outreach.indicators import STAGES, IndicatorFilters, Stage, add_stage, funnel
from outreach.models import AuditEvent, Case, Message, TeamUser
from tests.factories import make_case, make_user
from tests.web_support import https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _message(session, clock, case_id: int, direction: str, status: str) -> None:
    session.add(
        Message(
            direction=direction, channel="sandbox", case_id=case_id, address="+33639980001",
            body="…", status=status, processed=True, created_at=clock.now(),
        )
    )  # fmt: skip


@pytest.fixture
def population(sessions, clock) -> None:
    """Arras, March: 3 cases, 2 contacted, 1 reached. Lens, February: 2 cases, 1 failed send."""
    with sessions.begin() as session:
        arras = [make_case(session, clock=clock, sector_code="arras") for _ in range(3)]
        lens = [make_case(session, clock=clock, sector_code="lens") for _ in range(2)]
        for case in arras:
            case.import_month = "2026-03"
        for case in lens:
            case.import_month = "2026-02"
        _message(session, clock, arras[0].id, "out", "delivered")
        _message(session, clock, arras[0].id, "in", "received")
        _message(session, clock, arras[1].id, "out", "sent")
        _message(session, clock, arras[1].id, "out", "delivered")
        _message(session, clock, lens[0].id, "out", "failed")


def _coordinator(session, clock) -> TeamUser:
    user_id, _ = make_user(session, clock=clock, role="coordinator")
    return session.get_one(TeamUser, user_id)


def test_it_counts_each_stage_by_sector_and_month(session, clock, population) -> None:
    result = funnel(session, user=_coordinator(session, clock), filters=IndicatorFilters())
    assert result.total() == {"transferred": 5, "contacted": 2, "reached": 1}
    assert result.by_sector()["arras"] == {"transferred": 3, "contacted": 2, "reached": 1}
    assert result.by_sector()["lens"] == {"transferred": 2, "contacted": 0, "reached": 0}
    assert result.by_month()["2026-02"]["transferred"] == 2


def test_it_filters_months_and_follows_the_workers_sectors(session, clock, population) -> None:
    coordinator = _coordinator(session, clock)
    march = funnel(session, user=coordinator, filters=IndicatorFilters(month_from="2026-03"))
    assert march.total()["transferred"] == 3
    worker_id, _ = make_user(session, clock=clock, sector_codes=("lens",))
    worker = session.get_one(TeamUser, worker_id)
    assert funnel(session, user=worker, filters=IndicatorFilters()).total()["transferred"] == 2


def test_later_stages_plug_in_as_a_list(session, clock, population, monkeypatch) -> None:
    monkeypatch.setattr("outreach.indicators.STAGES", list(STAGES))
    add_stage(Stage("opted_out", "Opted out", lambda: Case.opted_out.is_(True)), after="reached")
    result = funnel(session, user=_coordinator(session, clock), filters=IndicatorFilters())
    assert result.keys == ["transferred", "contacted", "reached", "opted_out"]
    assert result.total()["opted_out"] == 0


def test_the_page_draws_svg_charts_and_exports_csv_and_xlsx(
    web, sessions, clock, population
) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/indicators")
    assert page.status_code == 200
    for chart in ("chart-overall", "chart-sector", "chart-month"):
        assert f'<svg class="chart" id="{chart}"' in page.text
    assert "<script" not in page.text.split("<main", 1)[1].split("</main>")[0]
    exported = web.get("/indicators/export.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Mois d'import", "Secteur", "Transmis par la CCAPEX"]
    assert ["2026-03", "Arras", "3", "2", "1"] in rows
    workbook = load_workbook(io.BytesIO(web.get("/indicators/export.xlsx").content))
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]][:2] == ["Mois d'import", "Secteur"]
    assert ["2026-02", "Lens", 2, 0, 0] in [list(row) for row in sheet.iter_rows(values_only=True)]
    with sessions() as session:
        formats = [
            event.detail["format"]
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "indicators.export")
            )
        ]
    assert formats == ["csv", "xlsx"]
