"""The evaluation's figures (issue #17), each definition checked against values worked out by
hand on five households:

Arras, March 2026 (transferred 1 March, 10 h):
- A: message after 1 day, reply 2 days later, visit held 5 days later, contract 1 day later;
  diagnostic (job loss, separation); FSL done, DLS to do; CDP dated 1 February; closed: stays.
- B: message after half a day, reply 3.5 days later; CDP dated after the reply.
- C: message after 2 days, never answered; its number found dead; closed: unreachable.
Lens, February 2026 (transferred 1 February, 10 h):
- D: message at once, reply 1 day later, visit held 8 days later; diagnostic (income drop);
  stage "assignation" given, no date; closed: repayment plan.
- E: no phone number, nothing sent.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from outreach.models import (
    Case,
    ConsentRecord,
    Diagnostic,
    EngagementStep,
    Message,
    Partner,
    Referral,
    TeamUser,
    Visit,
)
from outreach.reports.cells import Cells, csv_value, number, percent
from outreach.reports.evaluation import Evaluation, evaluate
from outreach.reports.headline import previous_period
from outreach.reports.indicators import IndicatorFilters
from outreach.reports.tables import Table
from tests.factories import fiction_phone, make_case, make_user

MARCH = datetime.fromisoformat("2026-03-01T09:00:00+00:00")
FEBRUARY = datetime.fromisoformat("2026-02-01T09:00:00+00:00")


def _message(session, case_id: int, direction: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    session.add(
        Message(
            direction=direction, channel="sms", case_id=case_id, address="+33639980001",
            body="…", status="delivered" if direction == "out" else "received",
            processed=True, created_at=at,
        )
    )  # fmt: skip


def _visit_held(session, case_id: int, at: datetime) -> None:  # type: ignore[no-untyped-def]
    session.add(
        Visit(
            case_id=case_id, starts_at=at, ends_at=at + timedelta(hours=1), status="held",
            window_starts_at=at, window_ends_at=at + timedelta(hours=1),
            time_window="entre 10 h et 11 h", created_at=at,
        )
    )  # fmt: skip


def _diagnostic(session, case_id: int, causes: list[str], at: datetime) -> None:  # type: ignore[no-untyped-def]
    session.add(
        Diagnostic(
            case_id=case_id, answers=json.dumps({"causes": causes}), form_version="test",
            status="submitted", revision=1, updated_at=at, submitted_at=at,
        )
    )  # fmt: skip


def _contract(session, case_id: int, at: datetime) -> None:  # type: ignore[no-untyped-def]
    session.add(
        ConsentRecord(
            case_id=case_id, purpose="contract", decision="given", text_version="contract-v1",
            language="fr", channel="visit", recorded_at=at,
        )
    )  # fmt: skip


def _step(session, case_id: int, kind: str, status: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    session.add(
        EngagementStep(case_id=case_id, kind=kind, status=status, created_at=at, updated_at=at)
    )


def _close(case, outcome: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    case.status, case.outcome, case.closed_at = "closed", outcome, at


@pytest.fixture
def five(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    day = timedelta(days=1)
    with sessions.begin() as session:
        a, b, c = (
            make_case(session, clock=clock, sector_code="arras", phones=(fiction_phone(n),))
            for n in (1, 2, 3)
        )
        d = make_case(session, clock=clock, sector_code="lens", phones=(fiction_phone(4),))
        e = make_case(session, clock=clock, sector_code="lens", phones=())
        for case, month, at in ((a, "2026-03", MARCH), (b, "2026-03", MARCH),
                                (c, "2026-03", MARCH), (d, "2026-02", FEBRUARY),
                                (e, "2026-02", FEBRUARY)):  # fmt: skip
            case.import_month, case.created_at = month, at
        _message(session, a.id, "out", MARCH + day)
        _message(session, a.id, "in", MARCH + 3 * day)
        _visit_held(session, a.id, MARCH + 8 * day)
        _contract(session, a.id, MARCH + 9 * day)
        _diagnostic(session, a.id, ["job_loss", "separation"], MARCH + 8 * day)
        _step(session, a.id, "fsl", "done", MARCH + 9 * day)
        _step(session, a.id, "dls", "todo", MARCH + 9 * day)
        a.date_cdp = date(2026, 2, 1)
        _close(a, "kept_home", MARCH + 10 * day)
        _message(session, b.id, "out", MARCH + day / 2)
        _message(session, b.id, "in", MARCH + 4 * day)
        b.date_cdp = date(2026, 3, 10)
        _message(session, c.id, "out", MARCH + 2 * day)
        c.contact_points[0].state = "dead"
        _close(c, "unreachable", MARCH + 10 * day)
        _message(session, d.id, "out", FEBRUARY)
        _message(session, d.id, "in", FEBRUARY + day)
        _visit_held(session, d.id, FEBRUARY + 9 * day)
        _diagnostic(session, d.id, ["income_drop"], FEBRUARY + 9 * day)
        d.stage = "assignation"
        _close(d, "repayment_plan", MARCH)


def _evaluate(session, clock, filters: IndicatorFilters) -> Evaluation:  # type: ignore[no-untyped-def]
    user_id, _ = make_user(session, clock=clock, role="coordinator")
    return evaluate(session, user=session.get_one(TeamUser, user_id), filters=filters)


def _all(table: Table) -> dict[str, int | float | None]:
    return dict(zip(table.columns, table.rows["all"][0][1], strict=True))


def _tables(result: Evaluation) -> dict[str, Table]:
    return {table.key: table for table in result.tables}


def test_the_six_headline_figures_and_their_change(session, clock, five) -> None:
    result = _evaluate(session, clock, IndicatorFilters("2026-03", "2026-03"))
    figures = {f.measure.key: (f.count, f.whole, f.previous) for f in result.headline}
    # March: A, B, C; February (the period before): D, E.
    assert figures == {
        "transferred": (3, 3, 2),
        "reached": (2, 3, 1),
        "diagnosed": (1, 3, 1),
        "visited": (1, 3, 1),
        "supported": (1, 3, 0),
        "closed_favourably": (1, 3, 1),
    }
    whole = _evaluate(session, clock, IndicatorFilters("2026-02", "2026-03"))
    assert [f.count for f in whole.headline] == [5, 3, 2, 2, 1, 2]
    assert _evaluate(session, clock, IndicatorFilters()).headline[0].previous is None


def test_the_previous_period_has_the_same_number_of_months() -> None:
    assert previous_period(IndicatorFilters("2026-01", "2026-12")) == IndicatorFilters(
        "2025-01", "2025-12"
    )
    assert previous_period(IndicatorFilters("2026-01", "2026-02", "arras")) == IndicatorFilters(
        "2025-11", "2025-12", "arras"
    )
    assert previous_period(IndicatorFilters("2026-03", None)) is None


def test_a_sector_filter_counts_that_sector_only(session, clock, five) -> None:
    result = _evaluate(session, clock, IndicatorFilters(sector="lens"))
    assert [f.count for f in result.headline] == [2, 1, 1, 1, 0, 1]


def test_delays_median_and_90th_percentile_in_days(session, clock, five) -> None:
    delays = _all(_tables(_evaluate(session, clock, IndicatorFilters()))["delays"])
    values = list(delays.values())
    # transfer → first message: 1, 0.5, 2, 0 days: median 0.75, 90th percentile the 4th of 4.
    assert values[0:3] == [4, 0.75, 2]
    # first message → first reply: 2, 3.5, 1: median 2, 90th percentile the 3rd of 3.
    assert values[3:6] == [3, 2, 3.5]
    # first reply → visit: 5, 8; visit → contract: 1; transfer → contract: 9.
    assert values[6:9] == [2, 6.5, 8]
    assert values[9:12] == [1, 1, 1]
    assert values[12:15] == [1, 9, 9]


def test_closings_steps_stages_reachability_and_causes(session, clock, five) -> None:
    tables = _tables(_evaluate(session, clock, IndicatorFilters()))
    # Cases closed; stays, repayment plan, debt paid off, rehoused; referred, refused,
    # unreachable, left, evicted, other.
    assert tables["closings"].rows["all"][0][1] == [3, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0]
    agreed, done = _all(tables["steps_agreed"]), _all(tables["steps_done"])
    assert sum(agreed.values()) == 2 and list(agreed.values())[:2] == [1, 1]  # FSL, DLS
    assert list(done.values())[:2] == [1, 0]
    stage_reply = list(_all(tables["stage_reply"]).values())
    # A: CDP dated before its reply; B: its CDP came after (unpaid rent); D: assignation given.
    assert stage_reply == [1, 1, 1, 0, 0, 0, 0, 0]  # impayé, CDP, assignation, …, not known
    stage_close = list(_all(tables["stage_close"]).values())
    assert stage_close == [0, 2, 1, 0, 0, 0, 0, 0]  # A and C (given CDP) at CDP, D assignation
    assert list(_all(tables["unreachable"]).values()) == [5, 2, 1]  # C and E; C
    causes = _all(tables["causes"])
    assert list(causes.values())[:3] == [2, 1, 1]  # diagnostics; job loss, income drop
    assert sum(list(causes.values())[1:]) == 3
    by_sector = tables["unreachable"].rows["sector"]
    assert by_sector == [("Arras", [3, 1, 1]), ("Lens", [2, 1, 0])]
    assert [label for label, _ in tables["delays"].rows["month"]] == ["février 2026", "mars 2026"]


def test_the_monthly_trend(session, clock, five) -> None:
    trend = _evaluate(session, clock, IndicatorFilters()).trend
    assert trend.rows["month"] == [("février 2026", [2, 1, 1]), ("mars 2026", [3, 2, 1])]


def test_numbers_are_written_the_french_way() -> None:
    assert number(1234, decimals=0) == "1\u202f234"
    assert number(0.75) == "0,8" and number(2.0) == "2" and number(12.5) == "12,5"
    assert percent(12.5) == "12,5\u00a0%"
    assert csv_value(6.5) == "6,5" and csv_value(3) == 3


def test_an_evaluator_sees_small_counts_as_fewer_than_five() -> None:
    team, evaluator = Cells(), Cells(5)
    kinds, bases = ["count", "count", "percent", "days"], {2: (0, 1), 3: (1,)}
    assert team.show([12, 3, 25.0, 1.5], kinds, bases) == ["12", "3", "25\u00a0%", "1,5"]
    shown = evaluator.show([12, 3, 25.0, 1.5], kinds, bases)
    assert shown[:2] == ["12", "<\u00a05"] and shown[2] == shown[3] == "masqué"
    assert evaluator.show([0, 5, None, 2.0], kinds, bases) == ["0", "5", "–", "2"]
    assert evaluator.export([12, 3, 25.0, 1.5], kinds, bases) == [12, "<\u00a05", "masqué",
                                                                  "masqué"]  # fmt: skip
    assert evaluator.share(3, 40) == "masqué" and evaluator.share(10, 40) == "25\u00a0%"


def test_orientations_by_partner_and_what_came_of_them(session, clock, five) -> None:
    """A: oriented to the CAF (taken on) and to the ADIL twice (refused, then no answer);
    D: oriented to the CAF (still waiting); B: a referral prepared but never sent (not counted)."""
    ids = {case.reference: case.id for case in session.scalars(select(Case))}
    refs = sorted(ids)
    a, b, d = ids[refs[0]], ids[refs[1]], ids[refs[3]]
    caf = Partner(name="CAF (test)", kind="caf", sector_codes=[], confirmed=False, active=True,
                  created_at=MARCH, updated_at=MARCH)  # fmt: skip
    adil = Partner(name="ADIL (test)", kind="adil", sector_codes=[], confirmed=False, active=True,
                   created_at=MARCH, updated_at=MARCH)  # fmt: skip
    session.add_all([caf, adil])
    session.flush()
    for case_id, partner, status, sent in (
        (a, caf, "taken", True), (a, adil, "refused", True), (a, adil, "no_answer", True),
        (d, caf, "received", True), (b, caf, "draft", False),
    ):  # fmt: skip
        session.add(
            Referral(
                case_id=case_id, partner_id=partner.id, purpose="caf", status=status,
                delivery="link", fields=["identity"], wrong_codes=0, send_attempts=0,
                sent_at=MARCH if sent else None, created_at=MARCH, updated_at=MARCH,
            )
        )  # fmt: skip
    session.flush()
    tables = _tables(_evaluate(session, clock, IndicatorFilters()))
    by_partner = _all(tables["referrals"])
    assert by_partner["CAF"] == 2 and by_partner["ADIL (conseil juridique)"] == 1
    assert sum(by_partner.values()) == 3
    # Households oriented: A, D; taken on: A; refused: A; no answer: A; waiting: D.
    assert list(_all(tables["referral_results"]).values()) == [2, 1, 1, 1, 1]
    assert [label for label, _ in tables["referral_results"].rows["sector"]] == ["Arras", "Lens"]
