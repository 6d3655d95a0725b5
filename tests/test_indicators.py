"""Indicators: the outreach funnel by sector and month, its charts and its CSV / XLSX exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from outreach.booking.bookings import book
from outreach.booking.slots import materialise_slots, offer_slots
from outreach.booking.visits import mark_held
from outreach.models import AuditEvent, Case, Message, TeamUser
from outreach.privacy.consent import record_consent
from outreach.reports import indicators
from outreach.reports.indicators import STAGES, IndicatorFilters, Stage, funnel
from tests.booking_support import add_worker
from tests.factories import make_case, make_user
from tests.web_support import https_client, make_member, sign_in

FIRST = ["transferred", "contacted", "reached"]
CONVERSATION = ["consent", "visit_booked", "visit_held", "checkin"]


def _first(counts: dict[str, int]) -> dict[str, int]:
    return {key: counts[key] for key in FIRST}


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
    assert result.keys == FIRST + CONVERSATION
    assert result.total() == {"transferred": 5, "contacted": 2, "reached": 1} | dict.fromkeys(
        CONVERSATION, 0
    )
    assert _first(result.by_sector()["arras"]) == {"transferred": 3, "contacted": 2, "reached": 1}
    assert _first(result.by_sector()["lens"]) == {"transferred": 2, "contacted": 0, "reached": 0}
    assert result.by_month()["2026-02"]["transferred"] == 2


def test_the_funnel_has_the_outreach_stages_then_the_conversations() -> None:
    assert [stage.key for stage in indicators.STAGES] == FIRST + CONVERSATION


def test_it_counts_consent_and_visits(session, clock, population) -> None:
    """Arras: consent given by two households (one refused), one visit booked, another held."""
    add_worker(session, clock=clock, sector="arras")
    materialise_slots(session, clock=clock)
    cases = session.scalars(select(Case).order_by(Case.id)).all()
    arras = [case for case in cases if case.sector.code == "arras"]
    lens = [case for case in cases if case.sector.code == "lens"]
    for case, decision in ((arras[0], "given"), (arras[1], "given"), (lens[0], "refused")):
        record_consent(
            session, clock=clock, case=case, purpose="diagnostic", decision=decision,
            text_version="diagnostic-v1-test", language="fr", channel="sandbox",
        )  # fmt: skip
    visits = []
    for case in arras[:2]:
        slot = offer_slots(session, clock=clock, case=case, count=1)[0]
        visits.append(book(session, clock=clock, case=case, slot_id=slot.id))
    clock.advance(days=7)
    mark_held(session, clock=clock, visit=visits[0], actor=None)
    session.flush()

    result = funnel(session, user=_coordinator(session, clock), filters=IndicatorFilters())
    assert result.by_sector()["arras"] == {
        "transferred": 3, "contacted": 2, "reached": 1,
        "consent": 2, "visit_booked": 2, "visit_held": 1, "checkin": 0,
    }  # fmt: skip
    assert result.by_sector()["lens"]["consent"] == 0  # a refusal is no consent
    assert result.total()["visit_held"] == 1


def test_it_filters_months_and_follows_the_workers_sectors(session, clock, population) -> None:
    coordinator = _coordinator(session, clock)
    march = funnel(session, user=coordinator, filters=IndicatorFilters(month_from="2026-03"))
    assert march.total()["transferred"] == 3
    worker_id, _ = make_user(session, clock=clock, sector_codes=("lens",))
    worker = session.get_one(TeamUser, worker_id)
    assert funnel(session, user=worker, filters=IndicatorFilters()).total()["transferred"] == 2


def test_the_funnel_counts_any_list_of_stages(session, clock, population) -> None:
    opted_out = Stage("opted_out", "Opted out", lambda: Case.opted_out.is_(True))
    stages = (*STAGES[:3], opted_out, *STAGES[3:])
    result = funnel(
        session, user=_coordinator(session, clock), filters=IndicatorFilters(), stages=stages
    )
    assert result.keys == [*FIRST, "opted_out", *CONVERSATION]
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
    assert rows[0][5:] == [
        "Accord au diagnostic donné",
        "Visite à domicile réservée",
        "Visite à domicile effectuée",
        "Point à 15 jours répondu",
    ]
    assert ["2026-03", "Arras", "3", "2", "1", "0", "0", "0", "0"] in rows
    workbook = load_workbook(io.BytesIO(web.get("/indicators/export.xlsx").content))
    sheet = workbook.active
    assert sheet["A1"].value == "Entonnoir de l'aller-vers"  # a title row, then the header
    assert [cell.value for cell in sheet[2]][:2] == ["Mois d'import", "Secteur"]
    assert sheet.freeze_panes == "C3"
    sheet_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert ["2026-02", "Lens", 2, 0, 0, 0, 0, 0, 0] in sheet_rows
    with sessions() as session:
        formats = [
            event.detail["format"]
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "indicators.export")
            )
        ]
    assert formats == ["csv", "xlsx"]
