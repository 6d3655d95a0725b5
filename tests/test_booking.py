"""Home-visit booking: slots from availability, the soonest offers, atomic booking, changes."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.booking import bookings as booking
from outreach.booking.bookings import BookingError, TooLate
from outreach.booking.config import BookingConfig, load_booking_config
from outreach.booking.slots import earliest_start, materialise_slots, offer_slots
from outreach.booking.visits import VisitError, due_reminders, mark_reminded, reminder_due_at
from outreach.clock import FrozenClock
from outreach.db import make_session_factory
from outreach.models import Absence, AuditEvent, Case, OneOffSlot, Slot, TeamUser, Visit
from tests.booking_support import (
    MONDAY,
    SATURDAY,
    SUNDAY,
    TUESDAY,
    Worker,
    add_worker,
    household,
    paris,
    ready,
)


def _slots(session: Session, **where: object) -> list[Slot]:
    query = select(Slot).order_by(Slot.starts_at, Slot.worker_id)
    for name, value in where.items():
        query = query.where(getattr(Slot, name) == value)
    return list(session.scalars(query))


def _starts(slots: list[Slot]) -> list[datetime]:
    return [slot.starts_at for slot in slots]


# --- Materialising -------------------------------------------------------------------------


def test_it_materialises_weekly_windows_for_the_next_weeks(session, clock: FrozenClock) -> None:
    add_worker(session, clock=clock, weekdays=(TUESDAY,), start=time(9), end=time(12))

    report = materialise_slots(session, clock=clock)

    tuesdays = [date(2026, 3, 17), date(2026, 3, 24), date(2026, 3, 31), date(2026, 4, 7)]
    expected = [paris(d.year, d.month, d.day, h) for d in tuesdays for h in (9, 10, 11)]
    assert report.created == 12
    assert _starts(_slots(session)) == expected
    assert all(slot.ends_at - slot.starts_at == timedelta(hours=1) for slot in _slots(session))


def test_it_keeps_the_paris_wall_clock_across_the_daylight_saving_change(
    session, clock: FrozenClock
) -> None:
    add_worker(session, clock=clock, weekdays=(TUESDAY,), start=time(10), end=time(11))

    materialise_slots(session, clock=clock)

    # Summer time starts on Sunday 29 March 2026: 10:00 in Paris moves from 09:00 to 08:00 UTC.
    utc_times = {slot.starts_at.date(): slot.starts_at.time() for slot in _slots(session)}
    assert utc_times[date(2026, 3, 24)] == time(9)
    assert utc_times[date(2026, 3, 31)] == time(8)


def _one_off(session: Session, clock: FrozenClock, worker: Worker, day: date, **kw: object) -> None:
    values: dict[str, object] = {"start_time": time(1), "end_time": time(4), "slot_minutes": 60}
    values.update(kw)
    session.add(
        OneOffSlot(
            sector_id=worker.sector_id,
            worker_id=worker.id,
            day=day,
            created_at=clock.now(),
            **values,
        )
    )


def test_it_cuts_the_night_of_the_autumn_change_into_distinct_slots(
    session, clock: FrozenClock
) -> None:
    clock.set(paris(2026, 10, 20, 10))
    worker = add_worker(session, clock=clock, weekdays=())
    _one_off(session, clock, worker, date(2026, 10, 25))

    materialise_slots(session, clock=clock)

    # 25 October 2026: 02:00-03:00 happens twice; each wall time still gives one slot.
    starts = _starts(_slots(session))
    assert [s.astimezone(UTC).hour for s in starts] == [23, 0, 2]


def test_it_cuts_the_night_of_the_spring_change_without_duplicates(
    session, clock: FrozenClock
) -> None:
    worker = add_worker(session, clock=clock, weekdays=())
    _one_off(session, clock, worker, date(2026, 3, 29))

    materialise_slots(session, clock=clock)
    again = materialise_slots(session, clock=clock)

    # 02:00 does not exist on 29 March 2026: it reads as 03:00 summer time, like 03:00 itself.
    starts = _starts(_slots(session))
    assert [s.astimezone(UTC).hour for s in starts] == [0, 1]
    assert again.created == 0


def test_it_materialises_idempotently(session, clock: FrozenClock) -> None:
    add_worker(session, clock=clock)
    materialise_slots(session, clock=clock)

    again = materialise_slots(session, clock=clock)

    assert (again.created, again.cancelled, again.restored) == (0, 0, 0)
    assert session.scalar(select(func.count(Slot.id))) == 12


def test_it_offers_no_slot_on_public_holidays(session, clock: FrozenClock) -> None:
    add_worker(session, clock=clock, weekdays=(MONDAY,))

    materialise_slots(session, clock=clock)

    days = {slot.starts_at.date() for slot in _slots(session)}
    assert date(2026, 4, 6) not in days  # Easter Monday
    assert date(2026, 3, 30) in days


def test_it_adds_one_off_openings(session, clock: FrozenClock) -> None:
    worker = add_worker(session, clock=clock)
    _one_off(
        session,
        clock,
        worker,
        date(2026, 3, 13),
        start_time=time(14),
        end_time=time(15, 30),
        slot_minutes=45,
    )

    materialise_slots(session, clock=clock)

    friday = [s.starts_at for s in _slots(session) if s.starts_at.date() == date(2026, 3, 13)]
    assert friday == [paris(2026, 3, 13, 14), paris(2026, 3, 13, 14, 45)]


def test_it_leaves_out_and_withdraws_slots_during_an_absence(session, clock: FrozenClock) -> None:
    worker, case = ready(session, clock=clock)
    visit = booking.book(session, clock=clock, case=case, slot_id=_slots(session)[0].id)
    assert visit is not None
    session.add(
        Absence(
            worker_id=worker.id,
            starts_at=paris(2026, 3, 17, 0),
            ends_at=paris(2026, 3, 18, 0),
            created_at=clock.now(),
        )
    )

    report = materialise_slots(session, clock=clock)

    march_17 = [s for s in _slots(session) if s.starts_at.date() == date(2026, 3, 17)]
    assert [s.status for s in march_17] == ["booked", "cancelled", "cancelled"]
    assert report.cancelled == 2
    assert report.conflicts == [visit.id]


def test_it_offers_a_slot_again_when_the_absence_is_removed(session, clock: FrozenClock) -> None:
    worker, _ = ready(session, clock=clock)
    absence = Absence(
        worker_id=worker.id,
        starts_at=paris(2026, 3, 17, 9),
        ends_at=paris(2026, 3, 17, 10),
        created_at=clock.now(),
    )
    session.add(absence)
    materialise_slots(session, clock=clock)
    session.delete(absence)
    session.flush()

    report = materialise_slots(session, clock=clock)

    assert report.restored == 1
    assert _slots(session)[0].status == "free"


# --- Offering -------------------------------------------------------------------------------


def test_it_offers_the_three_soonest_free_slots_of_the_case_sector(
    session, clock: FrozenClock
) -> None:
    add_worker(session, clock=clock, sector="arras", weekdays=(TUESDAY,))
    add_worker(session, clock=clock, sector="arras", weekdays=(TUESDAY,))  # same times
    add_worker(session, clock=clock, sector="lens", weekdays=(MONDAY,))
    materialise_slots(session, clock=clock)
    case = household(session, clock=clock, sector="arras")

    offered = offer_slots(session, clock=clock, case=case)

    assert _starts(offered) == [
        paris(2026, 3, 17, 9),
        paris(2026, 3, 17, 10),
        paris(2026, 3, 17, 11),
    ]
    assert {slot.sector.code for slot in offered} == {"arras"}


def test_it_skips_a_taken_slot_and_offers_the_next_ones(session, clock: FrozenClock) -> None:
    _, case = ready(session, clock=clock)
    other = household(session, clock=clock, number=2)
    first = offer_slots(session, clock=clock, case=case)[0]
    assert booking.book(session, clock=clock, case=other, slot_id=first.id) is not None

    offered = offer_slots(session, clock=clock, case=case)

    assert first.id not in [slot.id for slot in offered]
    assert _starts(offered)[0] == paris(2026, 3, 17, 10)


def test_it_offers_nothing_to_a_case_without_a_sector(session, clock: FrozenClock) -> None:
    ready(session, clock=clock)
    case = household(session, clock=clock)
    case.sector_id = None

    assert offer_slots(session, clock=clock, case=case) == []


def test_it_never_offers_a_slot_before_the_next_working_day(session, clock: FrozenClock) -> None:
    clock.set(paris(2026, 3, 14, 8))  # a Saturday morning
    add_worker(
        session, clock=clock, weekdays=(SATURDAY, SUNDAY, MONDAY), start=time(9), end=time(10)
    )
    materialise_slots(session, clock=clock)
    case = household(session, clock=clock)

    offered = offer_slots(session, clock=clock, case=case)

    # Saturday's slot is too soon and Sunday is no working day: Monday comes first.
    assert _starts(offered)[0] == paris(2026, 3, 16, 9)


def test_it_skips_public_holidays_when_counting_the_notice(clock: FrozenClock) -> None:
    config = BookingConfig()
    # Thursday 30 April 2026: Friday 1 May is a holiday, so the next working day is Saturday.
    assert earliest_start(paris(2026, 4, 30, 15), config) == paris(2026, 5, 2)
    two_days = load_booking_config(min_notice_days=2)
    assert earliest_start(paris(2026, 4, 30, 15), two_days) == paris(2026, 5, 4)
    same_day = load_booking_config(min_notice_days=0, min_notice_hours=3)
    assert earliest_start(paris(2026, 4, 30, 15), same_day) == paris(2026, 4, 30, 18)


# --- Booking --------------------------------------------------------------------------------


def test_it_books_a_slot_and_records_the_visit(session, clock: FrozenClock) -> None:
    worker, case = ready(session, clock=clock)
    slot = offer_slots(session, clock=clock, case=case)[1]

    visit = booking.book(session, clock=clock, case=case, slot_id=slot.id)

    assert visit is not None
    assert (visit.status, visit.worker_id, visit.sector_id) == (
        "booked",
        worker.id,
        worker.sector_id,
    )
    assert visit.starts_at == paris(2026, 3, 17, 10)
    assert (visit.window_starts_at, visit.window_ends_at) == (
        paris(2026, 3, 17, 10),
        paris(2026, 3, 17, 11),
    )
    assert visit.time_window == "entre 10 h et 11 h"
    assert (slot.status, slot.case_id) == ("booked", case.id)
    assert case.status == "visit_booked"
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id))
    assert "visit.booked" in list(actions)


def test_it_refuses_a_taken_slot_to_a_second_household(session, clock: FrozenClock) -> None:
    _, first = ready(session, clock=clock)
    second = household(session, clock=clock, number=2)
    slot = offer_slots(session, clock=clock, case=first)[0]

    assert booking.book(session, clock=clock, case=first, slot_id=slot.id) is not None
    assert booking.book(session, clock=clock, case=second, slot_id=slot.id) is None
    assert booking.active_visit(session, case_id=second.id) is None


def test_it_returns_the_same_visit_when_the_household_repeats_its_answer(
    session, clock: FrozenClock
) -> None:
    _, case = ready(session, clock=clock)
    slot = offer_slots(session, clock=clock, case=case)[0]
    visit = booking.book(session, clock=clock, case=case, slot_id=slot.id)

    again = booking.book(session, clock=clock, case=case, slot_id=slot.id)

    assert again is visit
    assert session.scalar(select(func.count(Visit.id))) == 1
    other = offer_slots(session, clock=clock, case=case)[0]
    with pytest.raises(BookingError):
        booking.book(session, clock=clock, case=case, slot_id=other.id)


def test_it_refuses_a_slot_sooner_than_the_notice(session, clock: FrozenClock) -> None:
    _, case = ready(session, clock=clock)
    slot = offer_slots(session, clock=clock, case=case)[0]
    clock.set(paris(2026, 3, 17, 7))  # the same morning: sooner than the next working day

    assert booking.book(session, clock=clock, case=case, slot_id=slot.id) is None


@pytest.mark.parametrize("rounds", [6])
def test_it_gives_a_slot_to_exactly_one_of_two_households_answering_at_once(
    engine: Engine, clock: FrozenClock, rounds: int
) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        add_worker(session, clock=clock, weekdays=(TUESDAY, SATURDAY))
        materialise_slots(session, clock=clock)
        cases = [household(session, clock=clock, number=n).id for n in range(2 * rounds)]
        slot_ids = [slot.id for slot in _slots(session)][:rounds]

    for round_number, slot_id in enumerate(slot_ids):
        pair = cases[2 * round_number : 2 * round_number + 2]
        winners = _race(sessions, clock, pair, slot_id)
        assert len(winners) == 1, f"round {round_number}: {winners}"

    with sessions() as session:
        assert session.scalar(select(func.count(Visit.id))) == rounds
        for slot_id in slot_ids:
            owners = session.scalars(select(Visit.case_id).where(Visit.slot_id == slot_id))
            assert len(list(owners)) == 1


def _race(
    sessions: sessionmaker[Session], clock: FrozenClock, case_ids: list[int], slot_id: int
) -> list[int]:
    barrier = threading.Barrier(len(case_ids))
    winners: list[int] = []
    errors: list[BaseException] = []

    def answer(case_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            with sessions.begin() as session:
                case = session.get_one(Case, case_id)
                if booking.book(session, clock=clock, case=case, slot_id=slot_id) is not None:
                    winners.append(case_id)
        except BaseException as error:  # reported below, with the thread's name
            errors.append(error)

    threads = [threading.Thread(target=answer, args=(case_id,)) for case_id in case_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return winners


# --- Holding a slot while the household answers another question -----------------------------


def test_it_holds_a_slot_for_one_household_until_the_hold_runs_out(
    session, clock: FrozenClock
) -> None:
    _, case = ready(session, clock=clock)
    other = household(session, clock=clock, number=2)
    slot = offer_slots(session, clock=clock, case=case)[0]

    assert booking.hold(session, clock=clock, case=case, slot_id=slot.id) is not None
    assert slot.id not in [s.id for s in offer_slots(session, clock=clock, case=other)]
    assert booking.book(session, clock=clock, case=other, slot_id=slot.id) is None

    clock.advance(hours=3)  # the default hold is 2 hours
    assert slot.id in [s.id for s in offer_slots(session, clock=clock, case=other)]


def test_it_confirms_the_slot_the_household_holds(session, clock: FrozenClock) -> None:
    _, case = ready(session, clock=clock)
    first, second = offer_slots(session, clock=clock, case=case)[:2]
    booking.hold(session, clock=clock, case=case, slot_id=first.id)
    booking.hold(session, clock=clock, case=case, slot_id=second.id)  # changed its mind

    visit = booking.book(session, clock=clock, case=case, slot_id=second.id)

    assert visit is not None and visit.slot_id == second.id
    assert (first.status, first.case_id) == ("free", None)


# --- Changing, cancelling, the outcome ----------------------------------------------------------


def _booked(session: Session, clock: FrozenClock) -> tuple[Case, Visit]:
    _, case = ready(session, clock=clock)
    slot = offer_slots(session, clock=clock, case=case)[1]  # Tuesday 17 March, 10:00
    visit = booking.book(session, clock=clock, case=case, slot_id=slot.id)
    assert visit is not None
    return case, visit


def test_it_moves_a_visit_and_frees_the_old_slot(session, clock: FrozenClock) -> None:
    case, visit = _booked(session, clock)
    old_slot = visit.slot
    new_slot = offer_slots(session, clock=clock, case=case)[-1]

    moved = booking.change(session, clock=clock, visit=visit, slot_id=new_slot.id)

    assert moved is not None and moved.replaces_visit_id == visit.id
    assert (visit.status, visit.cancelled_by) == ("cancelled", "household")
    assert old_slot is not None and (old_slot.status, old_slot.case_id) == ("free", None)
    assert booking.active_visit(session, case_id=case.id) is moved
    assert case.status == "visit_booked"


def test_it_keeps_the_visit_when_the_new_slot_was_taken(session, clock: FrozenClock) -> None:
    case, visit = _booked(session, clock)
    other = household(session, clock=clock, number=2)
    wanted = offer_slots(session, clock=clock, case=case)[0]
    booking.book(session, clock=clock, case=other, slot_id=wanted.id)

    assert booking.change(session, clock=clock, visit=visit, slot_id=wanted.id) is None
    assert visit.status == "booked"


def test_it_cancels_and_offers_the_slot_to_others(session, clock: FrozenClock) -> None:
    case, visit = _booked(session, clock)
    other = household(session, clock=clock, number=2)

    assert booking.cancel(session, clock=clock, visit=visit) is True

    assert visit.status == "cancelled" and visit.cancelled_at == clock.now()
    assert case.status == "reached"
    assert visit.slot_id in [s.id for s in offer_slots(session, clock=clock, case=other)]
    assert booking.cancel(session, clock=clock, visit=visit) is False


def test_it_allows_changes_until_the_deadline_only(session, clock: FrozenClock) -> None:
    _, visit = _booked(session, clock)  # Tuesday 17 March 10:00; deadline Monday 10:00
    clock.set(paris(2026, 3, 16, 10))
    assert booking.can_change(visit, clock=clock)

    clock.advance(minutes=1)

    assert not booking.can_change(visit, clock=clock)
    with pytest.raises(TooLate):
        booking.cancel(session, clock=clock, visit=visit)
    with pytest.raises(TooLate):
        booking.change(session, clock=clock, visit=visit, slot_id=visit.slot_id or 0)
    later = load_booking_config(change_deadline_hours=2)
    assert booking.can_change(visit, clock=clock, config=later)


def test_it_lets_the_team_cancel_after_the_deadline(session, clock: FrozenClock) -> None:
    _, visit = _booked(session, clock)
    clock.set(paris(2026, 3, 17, 8))
    worker = session.get_one(TeamUser, visit.worker_id)

    assert booking.cancel(session, clock=clock, visit=visit, actor=worker) is True
    assert visit.cancelled_by == "team"


def test_it_records_a_no_show_once_the_visit_has_started(session, clock: FrozenClock) -> None:
    _, visit = _booked(session, clock)
    worker = session.get_one(TeamUser, visit.worker_id)
    with pytest.raises(VisitError):
        booking.mark_no_show(session, clock=clock, visit=visit, actor=worker)

    clock.set(paris(2026, 3, 17, 10, 20))
    booking.mark_no_show(session, clock=clock, visit=visit, actor=worker)

    assert (visit.status, visit.outcome_by_id, visit.outcome_at) == (
        "no_show",
        worker.id,
        clock.now(),
    )
    booking.mark_held(session, clock=clock, visit=visit, actor=worker)  # a correction
    assert visit.status == "held"


def test_it_refuses_an_outcome_on_a_cancelled_visit(session, clock: FrozenClock) -> None:
    _, visit = _booked(session, clock)
    booking.cancel(session, clock=clock, visit=visit)
    clock.set(paris(2026, 3, 17, 11))

    with pytest.raises(VisitError):
        booking.mark_held(session, clock=clock, visit=visit, actor=None)


# --- The reminder of the day before ---------------------------------------------------------------


def test_it_reminds_the_working_day_before_at_ten(session, clock: FrozenClock) -> None:
    _, visit = _booked(session, clock)  # Tuesday 17 March
    clock.set(paris(2026, 3, 16, 9, 59))
    assert due_reminders(session, clock=clock) == []

    clock.set(paris(2026, 3, 16, 10))
    assert due_reminders(session, clock=clock) == [visit]
    assert mark_reminded(session, clock=clock, visit=visit) is True

    assert due_reminders(session, clock=clock) == []
    assert mark_reminded(session, clock=clock, visit=visit) is False
    assert visit.status == "reminded"


def test_it_reminds_on_saturday_for_a_monday_visit(session, clock: FrozenClock) -> None:
    add_worker(session, clock=clock, weekdays=(MONDAY,))
    materialise_slots(session, clock=clock)
    case = household(session, clock=clock)
    visit = booking.book(session, clock=clock, case=case, slot_id=_slots(session)[0].id)
    assert visit is not None

    assert reminder_due_at(visit, BookingConfig()) == paris(2026, 3, 14, 10)


def test_it_sends_no_reminder_for_a_visit_booked_after_its_time(
    session, clock: FrozenClock
) -> None:
    clock.set(paris(2026, 3, 13, 15))  # Friday afternoon, for Monday 9:00
    add_worker(session, clock=clock, weekdays=(MONDAY,))
    materialise_slots(session, clock=clock)
    case = household(session, clock=clock)
    visit = booking.book(session, clock=clock, case=case, slot_id=_slots(session)[0].id)
    assert visit is not None
    assert reminder_due_at(visit, BookingConfig()) == paris(2026, 3, 14, 10)

    clock.set(paris(2026, 3, 14, 10, 30))
    visit.created_at = paris(2026, 3, 14, 10, 15)

    assert reminder_due_at(visit, BookingConfig()) is None
    assert due_reminders(session, clock=clock) == []
