"""The procedure's deadlines against written cases (outreach.casework.procedure).

Each expected date is worked out by hand from the rule the module cites.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from outreach.casework.procedure import (
    CDP_CHECKS,
    add_months,
    countdown,
    deadlines,
    derived_stage,
    next_deadline,
    paris_today,
    payment_deadline,
    refresh_procedures,
)
from outreach.models import Case


def _case(**dates: object) -> Case:
    return Case(reference="PROC-1", status="reached", **dates)


@pytest.mark.parametrize(
    ("cdp", "lease", "expected", "assumed"),
    [
        # Lease signed before the loi du 27 juillet 2023 came into force: two months.
        (date(2024, 3, 4), date(2023, 1, 15), date(2024, 5, 4), False),
        # Lease signed after: six weeks (42 days, same weekday).
        (date(2024, 3, 4), date(2024, 1, 10), date(2024, 4, 15), False),
        # The day before and the day the law came into force (published 28 July, in force 29).
        (date(2024, 9, 2), date(2023, 7, 28), date(2024, 11, 2), False),
        (date(2024, 9, 2), date(2023, 7, 29), date(2024, 10, 14), False),
        # Two months from 31 December: February has no 31st, so its last day; 2024 is leap.
        (date(2023, 12, 31), date(2020, 6, 1), date(2024, 2, 29), False),
        (date(2022, 12, 31), date(2020, 6, 1), date(2023, 2, 28), False),
        # Six weeks across the change to summer time (29 March 2026): calendar days only.
        (date(2026, 3, 16), date(2025, 9, 1), date(2026, 4, 27), False),
        # Unknown lease date: the six weeks, flagged as assumed (the earlier, safe date).
        (date(2026, 11, 2), None, date(2026, 12, 14), True),
    ],
)
def test_time_to_pay_after_a_commandement(
    cdp: date, lease: date | None, expected: date, assumed: bool
) -> None:
    deadline = payment_deadline(cdp, lease)
    assert (deadline.on, deadline.assumed) == (expected, assumed)
    assert "art. 24" in deadline.source


def test_months_end_on_the_same_day_or_the_last_day_of_the_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2026, 11, 30), 2) == date(2027, 1, 30)
    assert add_months(date(2026, 12, 15), 2) == date(2027, 2, 15)


def test_a_hearing_in_45_days_is_the_next_deadline_counted_down() -> None:
    today = date(2026, 12, 4)
    case = _case(date_cdp=date(2026, 6, 1), date_assignation=date(2026, 10, 1))
    case.date_audience = date(2027, 1, 18)
    found = next_deadline(case, today=today)
    assert found is not None and found.kind == "hearing" and found.on == date(2027, 1, 18)
    assert countdown(found, today) == "J-45"
    assert countdown(found, date(2027, 1, 18)) == "aujourd'hui"
    assert countdown(found, date(2027, 1, 21)) == "dépassé de 3 jours"


def test_the_earliest_eviction_date_moves_out_of_the_winter_truce() -> None:
    # CQL + two months (CPCE art. L. 412-1) falls on 15 November: in the truce, so 1 April.
    case = _case(date_cql=date(2026, 9, 15))
    cql = [d for d in deadlines(case, today=date(2026, 10, 1)) if d.kind == "cql_end"]
    assert cql[0].on == date(2027, 4, 1)
    # 10 March is in the truce too (it runs to 31 March included).
    case = _case(date_cql=date(2026, 1, 10))
    cql = [d for d in deadlines(case, today=date(2026, 1, 20)) if d.kind == "cql_end"]
    assert cql[0].on == date(2026, 4, 1)
    # 5 June is not.
    case = _case(date_cql=date(2026, 4, 5))
    cql = [d for d in deadlines(case, today=date(2026, 4, 20)) if d.kind == "cql_end"]
    assert cql[0].on == date(2026, 6, 5)


def test_after_a_judgment_the_truce_is_a_deadline() -> None:
    case = _case(date_jugement=date(2026, 5, 12))
    inside = next_deadline(case, today=date(2026, 12, 4))
    assert inside is not None and (inside.kind, inside.on) == ("truce_ends", date(2027, 3, 31))
    outside = next_deadline(case, today=date(2026, 6, 1))
    assert outside is not None
    assert (outside.kind, outside.on) == ("truce_starts", date(2026, 11, 1))
    # Before a judgment the truce is not mentioned.
    before = deadlines(_case(date_cdp=date(2026, 5, 1)), today=date(2026, 6, 1))
    assert all(d.kind != "truce_starts" for d in before)


def test_a_passed_deadline_is_not_the_next_one() -> None:
    case = _case(date_cdp=date(2026, 1, 5), lease_signed_on=date(2024, 2, 1))
    case.date_audience = date(2026, 12, 10)
    found = next_deadline(case, today=date(2026, 12, 4))
    assert found is not None and found.kind == "hearing"
    assert next_deadline(case, today=date(2026, 12, 11)) is None


def test_today_is_the_day_in_france() -> None:
    # 29 March 2026, 00:30 in Paris is still 28 March in UTC; 31 Dec 23:30 UTC is 1 Jan in Paris.
    assert paris_today(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == date(2026, 3, 29)
    assert paris_today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert paris_today(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)


def test_the_stage_is_the_latest_dated_step_or_the_ccapex_s_if_further() -> None:
    today = date(2026, 12, 4)
    assert derived_stage(_case(), today=today) is None
    assert derived_stage(_case(date_cdp=date(2026, 1, 5)), today=today) == "cdp"
    hearing = _case(date_cdp=date(2026, 1, 5), date_assignation=date(2026, 11, 2))
    hearing.date_audience = date(2027, 1, 18)
    # The summons gives the hearing's date: the stage is "audience" once that day has come.
    assert derived_stage(hearing, today=today) == "assignation"
    assert derived_stage(hearing, today=date(2027, 1, 18)) == "audience"
    judged = _case(stage="jugement", date_cdp=date(2026, 1, 5))
    assert derived_stage(judged, today=today) == "jugement"
    assert derived_stage(_case(stage="impaye"), today=today) == "impaye"


def test_every_check_of_the_commandement_names_its_source() -> None:
    assert len(CDP_CHECKS) >= 8
    for key, _label, source in CDP_CHECKS:
        assert key and ("art." in source), key


def test_the_daily_job_brings_stored_stages_and_deadlines_up_to_date(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_case

    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        case.stage = None
        case.date_cdp = date(2026, 1, 5)
        case.date_assignation = date(2026, 2, 20)
        case.date_audience = date(2026, 4, 2)
        quiet = make_case(session, clock=clock)
        quiet.stage = "impaye"
        case_id, quiet_id = case.id, quiet.id
    with sessions.begin() as session:
        assert refresh_procedures(session, today=date(2026, 3, 11)) == 1
    with sessions.begin() as session:
        stored = session.get_one(Case, case_id)
        assert (stored.stage, stored.next_deadline_on, stored.next_deadline_kind) == (
            "assignation",
            date(2026, 4, 2),
            "hearing",
        )
        assert session.get_one(Case, quiet_id).stage == "impaye"
        assert refresh_procedures(session, today=date(2026, 3, 12)) == 0  # nothing moved
        assert refresh_procedures(session, today=date(2026, 4, 2)) == 1
    with sessions.begin() as session:
        assert session.get_one(Case, case_id).stage == "audience"
        assert refresh_procedures(session, today=date(2026, 4, 3)) == 1
    with sessions() as session:
        assert session.get_one(Case, case_id).next_deadline_on is None  # the hearing is past


def test_while_the_two_months_after_the_order_to_leave_run_the_truce_is_not_a_deadline() -> None:
    case = _case(date_cql=date(2026, 2, 23))  # two months: 23 April, after the truce
    found = next_deadline(case, today=date(2026, 3, 11))
    assert found is not None and (found.kind, found.on) == ("cql_end", date(2026, 4, 23))
    # Once they are over, eviction may come any day outside the truce: its next start counts.
    later = next_deadline(case, today=date(2026, 5, 1))
    assert later is not None and (later.kind, later.on) == ("truce_starts", date(2026, 11, 1))
