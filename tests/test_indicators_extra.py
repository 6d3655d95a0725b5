"""The State report's other indicators (reply rates by channel and step, time to first reply,
visits, opt-outs, SMS segments) by sector and month, on the page and in the exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from outreach.models import Message, OutboxItem, TeamUser, Visit
from outreach.reports.indicators import IndicatorFilters
from outreach.reports.tables import Table, tables
from tests.factories import make_case, make_user
from tests.web_support import https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _message(session, clock, case_id, direction, channel, *, hours=0.0, status=None,
             segments=None, step=None) -> None:  # fmt: skip
    at = clock.now() + timedelta(hours=hours)
    message = Message(
        direction=direction, channel=channel, case_id=case_id, address="+33639980001",
        body="…", status=status or ("delivered" if direction == "out" else "received"),
        segments=segments, processed=True, created_at=at,
    )  # fmt: skip
    session.add(message)
    session.flush()
    if step is not None:
        session.add(
            OutboxItem(
                kind="sequence", due_at=at, case_id=case_id, step_index=step,
                message_id=message.id, channel=channel, status="done", created_at=at,
            )
        )  # fmt: skip


def _visit(session, clock, case_id, status) -> None:
    at = clock.now() + timedelta(days=3)
    session.add(
        Visit(
            case_id=case_id, starts_at=at, ends_at=at + timedelta(hours=1), status=status,
            window_starts_at=at, window_ends_at=at + timedelta(hours=1),
            time_window="entre 10 h et 11 h", created_at=clock.now(),
        )
    )  # fmt: skip


@pytest.fixture
def population(sessions, clock) -> None:
    """Arras, March: A (sms, replied on sms after step 1), B (sms then whatsapp, replied on
    whatsapp after step 2), C (failed sms, opted out). Lens, February: D (whatsapp outside any
    sequence, replied 10 h later, opted out), E (nothing)."""
    with sessions.begin() as session:
        a, b, c = (make_case(session, clock=clock, sector_code="arras") for _ in range(3))
        d, e = (make_case(session, clock=clock, sector_code="lens") for _ in range(2))
        for case, month in ((a, "2026-03"), (b, "2026-03"), (c, "2026-03"), (d, "2026-02")):
            case.import_month = month
        e.import_month = "2026-02"
        c.opted_out = d.opted_out = True
        _message(session, clock, a.id, "out", "sms", segments=2, step=0)
        _message(session, clock, a.id, "in", "sms", hours=2)
        _message(session, clock, a.id, "out", "sms", hours=3, segments=1, step=1, status="sent")
        _message(session, clock, b.id, "out", "sms", segments=3, step=0)
        _message(session, clock, b.id, "out", "whatsapp", hours=1, step=1)
        _message(session, clock, b.id, "in", "whatsapp", hours=5)
        _message(session, clock, c.id, "out", "sms", segments=1, step=0, status="failed")
        _message(session, clock, d.id, "out", "whatsapp", status="sent")
        _message(session, clock, d.id, "in", "whatsapp", hours=10)
        _visit(session, clock, a.id, "held")
        _visit(session, clock, b.id, "no_show")
        _visit(session, clock, b.id, "cancelled")
        _visit(session, clock, d.id, "booked")


def _tables(session, clock, filters=IndicatorFilters()) -> dict[str, Table]:  # type: ignore[no-untyped-def]
    user_id, _ = make_user(session, clock=clock, role="coordinator")
    user = session.get_one(TeamUser, user_id)
    return {table.key: table for table in tables(session, user=user, filters=filters)}


def test_each_indicator_by_sector_and_month(session, clock, population) -> None:
    result = _tables(session, clock)
    channel = result["reply_channel"]
    assert channel.columns[:3] == [
        "sms : ménages contactés", "sms : ménages ayant répondu", "sms : taux de réponse (%)",
    ]  # fmt: skip
    assert channel.charted == [2, 5]
    assert channel.rows["sector"] == [
        ("Arras", [2, 1, 50, 1, 1, 100]),
        ("Lens", [0, 0, None, 1, 1, 100]),
    ]
    assert channel.rows["month"] == [
        ("2026-02", [0, 0, None, 1, 1, 100]),
        ("2026-03", [2, 1, 50, 1, 1, 100]),
    ]
    step = result["reply_step"]
    assert step.columns[0] == "Étape 1 : ménages contactés"
    assert step.rows["sector"] == [("Arras", [2, 1, 50, 2, 1, 50])]
    assert result["first_reply"].rows["sector"] == [("Arras", [2, 3.5]), ("Lens", [1, 10.0])]
    assert result["first_reply"].rows["month"] == [("2026-02", [1, 10.0]), ("2026-03", [2, 3.5])]
    assert result["visits"].rows["sector"] == [("Arras", [2, 1, 1]), ("Lens", [1, 0, 0])]
    assert result["optouts"].rows["month"] == [("2026-02", [1]), ("2026-03", [1])]
    assert result["sms_segments"].rows["sector"] == [("Arras", [3, 6])]


def test_the_month_filter_applies(session, clock, population) -> None:
    result = _tables(session, clock, IndicatorFilters(month_from="2026-03"))
    assert result["first_reply"].rows["month"] == [("2026-03", [2, 3.5])]
    assert result["visits"].rows["sector"] == [("Arras", [2, 1, 1])]
    assert result["optouts"].rows["sector"] == [("Arras", [1])]
    assert result["reply_channel"].rows["sector"] == [("Arras", [2, 1, 50, 1, 1, 100])]


def test_the_page_charts_them_and_the_exports_hold_them(web, sessions, clock, population) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/indicators")
    assert page.status_code == 200
    for key in (
        "reply_channel",
        "reply_step",
        "first_reply",
        "visits",
        "task_outcomes",
        "optouts",
        "sms_segments",
    ):
        for by in ("sector", "month"):
            assert f'<svg class="chart" id="chart-{key}-{by}"' in page.text
    # The trend and the ten outcome, orientation and delay indicators come first (issue #17).
    assert page.text.count('<svg class="chart"') == 3 + 7 * 2 + 1 + 10
    assert "Délai médian de première réponse (heures)" in page.text
    exported = web.get("/indicators/export.csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["Mois d'import", "Secteur"]  # the funnel first
    assert any(row[:5] == ["2026-03", "Arras", "3", "2", "2"] for row in rows)
    assert ["Taux de réponse par canal"] in rows
    assert ["Arras", "Tous les mois", "2", "1", "50", "1", "1", "100"] in rows
    assert ["Lens", "Tous les mois", "1", "10"] in rows  # French decimals: "10", "12,5"
    assert ["Segments SMS envoyés (coût)"] in rows
    assert ["Arras", "Tous les mois", "3", "6"] in rows
    book = load_workbook(io.BytesIO(web.get("/indicators/export.xlsx").content))
    assert len(book.sheetnames) == 1 + 1 + 1 + 10 + 7 + 1  # … and the definitions
    [name] = [name for name in book.sheetnames if name.endswith("Visites et absences")]
    visits = [list(row) for row in book[name].iter_rows(values_only=True)]
    assert visits[0][0] == "Visites et absences"  # the title row
    assert visits[1] == [
        "Secteur",
        "Mois d'import",
        "Visites réservées",
        "Visites effectuées",
        "Absences au rendez-vous",
    ]
    assert ["Arras", "Tous les mois", 2, 1, 1] in visits
    assert ["Tous les secteurs", "2026-02", 1, 0, 0] in visits
    [name] = [name for name in book.sheetnames if "par étape" in name]
    step = [list(row) for row in book[name].iter_rows(values_only=True)]
    assert ["Arras", "Tous les mois", 2, 1, 50, 2, 1, 50] in step
    assert book[name]["E3"].number_format == '0.0" %"'
    assert book.sheetnames[-1].endswith("Définitions")


@pytest.mark.postgres
def test_time_to_first_reply_stays_fast_on_a_database_postgresql_has_not_analysed(
    postgres_url, clock
) -> None:
    # Before its statistics exist PostgreSQL guessed one row per subquery and re-ran the
    # households' first messages for each household: 15 s for 1,500 households.
    import time

    from sqlalchemy import insert

    from outreach.db import make_engine, make_session_factory
    from tests.reliability.support import NOW, add_due_sends, phone

    cases = add_due_sends(postgres_url, 1_000)
    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as session:
            rows = [
                {"direction": "out", "channel": "sms", "case_id": n, "address": phone(n),
                 "body": "…", "status": "delivered", "created_at": NOW, "processed": True}
                for n in cases
            ] + [
                {"direction": "in", "channel": "sms", "case_id": n, "address": phone(n),
                 "body": "Oui", "status": "received", "created_at": NOW + timedelta(hours=n % 7),
                 "processed": True}
                for n in cases[:200]
            ]  # fmt: skip
            session.execute(insert(Message), rows)
            user_id, _ = make_user(session, clock=clock, role="coordinator")
        with sessions() as session:
            coordinator = session.get_one(TeamUser, user_id)
            started = time.perf_counter()
            [first] = [
                table for table in tables(session, user=coordinator, filters=IndicatorFilters())
                if table.key == "first_reply"
            ]  # fmt: skip
            elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    assert elapsed < 1.5, f"indicators took {elapsed:.1f} s"  # was 3.3 s here, 0.3 s now
    [(_, values)] = first.rows["month"]
    assert values[0] == 200
