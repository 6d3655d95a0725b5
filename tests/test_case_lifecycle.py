"""A case's status follows what happens to it, on SQLite and PostgreSQL (outreach.casework).

The walk goes through the real functions: enrolment, a reply through the reply path, consent,
booking, the visit held, the contract agreed, the 15-day check-in, closing and reopening.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.booking.bookings import book, cancel
from outreach.booking.slots import materialise_slots
from outreach.booking.visits import mark_held, mark_no_show
from outreach.casework import lifecycle
from outreach.casework.closing import OUTCOMES, ClosingError, close, reopen, set_out_of_scope
from outreach.clock import FrozenClock
from outreach.conversation.jobs import run_checkins
from outreach.engine.tick import ReplyPath
from outreach.models import Case, CaseEvent, CaseNote, Message, OutboxItem, Slot, TeamUser, Visit
from outreach.models.outbox import Enrolment
from outreach.privacy.consent import record_consent
from outreach.privacy.retention import due_cases
from outreach.replies.inbound import Inbound, process_inbound, store_inbound
from outreach.sending.config import load_engine_config
from outreach.sequences.runner import advance as advance_sequence
from outreach.sequences.runner import enrol
from tests.booking_support import add_worker, household
from tests.factories import make_user

PHONE = "+33639981001"


def _engine_config():  # type: ignore[no-untyped-def]
    return load_engine_config()


def _reply(session: Session, clock: FrozenClock, body: str, sid: str) -> None:
    inbound = Inbound(
        channel="sms", provider_id=sid, address=PHONE, body=body, received_at=clock.now()
    )
    message, _ = store_inbound(session, clock=clock, inbound=inbound)
    process_inbound(session, clock=clock, message=message, reply_path=ReplyPath())


def _consent(session: Session, clock: FrozenClock, case: Case, purpose: str, decision: str) -> None:
    record_consent(
        session,
        clock=clock,
        case=case,
        purpose=purpose,
        decision=decision,
        text_version=f"{purpose}-v1-visit",
        language="fr",
        channel="visit",
    )


def _coordinator(session: Session, clock: FrozenClock) -> TeamUser:
    user_id, _ = make_user(session, clock=clock, role="coordinator")
    return session.get_one(TeamUser, user_id)


def _statuses(session: Session, case_id: int) -> list[str]:
    events = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.kind == "case.status")
        .order_by(CaseEvent.id)
    )
    return [event.detail["after"] for event in events]


def test_a_case_walks_every_status_and_closes(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        worker = add_worker(session, clock=clock, sector="arras", name="Bruno")
        case = household(session, clock=clock, number=1)
        boss = _coordinator(session, clock)
        assert case.status == "new" and case.assigned_worker_id is None
        enrol(session, clock=clock, case=case, config=_engine_config())
        assert case.status == "contacting"
        case_id = case.id

    with sessions.begin() as session:
        _reply(session, clock, "Bonjour c'est bien moi", "SM-walk-1")
        case = session.get_one(Case, case_id)
        assert case.status == "reached"
        _consent(session, clock, case, "diagnostic", "given")
        assert case.status == "consented"

    with sessions.begin() as session:
        materialise_slots(session, clock=clock)
        slot = session.scalars(select(Slot).order_by(Slot.starts_at)).first()
        assert slot is not None
        case = session.get_one(Case, case_id)
        visit = book(session, clock=clock, case=case, slot_id=slot.id)
        assert visit is not None
        assert case.status == "visit_booked"
        # The worker who holds the visit holds the case: the SMS and the page say the same name.
        assert case.assigned_worker_id == worker.id
        visit_id, starts_at = visit.id, visit.starts_at

    clock.set(starts_at + timedelta(hours=1))
    with sessions.begin() as session:
        mark_held(session, clock=clock, visit=session.get_one(Visit, visit_id), actor=None)
        case = session.get_one(Case, case_id)
        assert case.status == "visited"
        _consent(session, clock, case, "contract", "given")
        assert case.status == "supported"

    clock.set(starts_at + timedelta(days=16))
    report = run_checkins(sessions, clock=clock, enabled=("sandbox",))
    assert report["question"] == 1
    with sessions.begin() as session:
        case = session.get_one(Case, case_id)
        assert case.status == "follow_up"
        assert _statuses(session, case_id) == [
            "contacting",
            "reached",
            "consented",
            "visit_booked",
            "visited",
            "supported",
            "follow_up",
        ]
        # A team message waits in the outbox (outside the sending window, say): closing cancels it.
        waiting = session.scalar(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending")
        )
        close(session, clock=clock, case=case, outcome="repayment_plan", comment="", actor=boss)
        assert case.status == "closed" and case.outcome == "repayment_plan"
        assert case.closed_at == clock.now() and case.closed_by_id == boss.id
        pending = session.scalar(
            select(func.count())
            .select_from(OutboxItem)
            .where(OutboxItem.case_id == case_id, OutboxItem.status == "pending")
        )
        assert pending == 0 and waiting is not None
        closed_at = clock.now()

    # A closed case receives nothing: no sequence, no check-in.
    with sessions.begin() as session:
        case = session.get_one(Case, case_id)
        assert enrol(session, clock=clock, case=case, config=_engine_config()) is None
    sent_before = _messages_out(sessions, case_id)
    clock.set(closed_at + timedelta(days=40))
    assert run_checkins(sessions, clock=clock, enabled=("sandbox",))["question"] == 0
    assert _messages_out(sessions, case_id) == sent_before

    # The retention clock starts at the close (24 months by default).
    with sessions() as session:
        assert case_id not in due_cases(session, now=closed_at + timedelta(days=720), months=24)
        assert case_id in due_cases(session, now=closed_at + timedelta(days=732), months=24)

    # Reopened with a reason: back where it stood, the reason in the notes.
    with sessions.begin() as session:
        case = session.get_one(Case, case_id)
        with pytest.raises(ClosingError, match="pourquoi"):
            reopen(session, clock=clock, case=case, reason="  ", actor=boss)
        reopen(session, clock=clock, case=case, reason="Nouvel impayé signalé", actor=boss)
        assert case.status == "follow_up" and case.outcome is None and case.closed_at is None
        notes = session.scalars(select(CaseNote.body).where(CaseNote.case_id == case_id)).all()
        assert any("Nouvel impayé signalé" in note for note in notes)
        with pytest.raises(ClosingError, match="pas clos"):
            reopen(session, clock=clock, case=case, reason="encore", actor=boss)


def _messages_out(sessions: sessionmaker[Session], case_id: int) -> int:
    with sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.case_id == case_id, Message.direction == "out")
            )
            or 0
        )


def test_a_case_closes_with_each_outcome_and_reopens(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        case = household(session, clock=clock, number=2)
        boss = _coordinator(session, clock)
        enrol(session, clock=clock, case=case, config=_engine_config())
        for outcome in OUTCOMES:
            close(session, clock=clock, case=case, outcome=outcome, comment="vu", actor=boss)
            assert (case.status, case.outcome, case.outcome_comment) == ("closed", outcome, "vu")
            with pytest.raises(ClosingError, match="déjà clos"):
                close(session, clock=clock, case=case, outcome=outcome, comment="", actor=boss)
            reopen(session, clock=clock, case=case, reason="vérification", actor=boss)
            assert case.status == "contacting"
        with pytest.raises(ClosingError, match="issue"):
            close(session, clock=clock, case=case, outcome="bof", comment="", actor=boss)
        assert case.status == "contacting"
        stopped = session.scalar(select(Enrolment.status).where(Enrolment.case_id == case.id))
        assert (
            stopped == "stopped"
        )  # the first close stopped the sequence; reopening does not restart it


def test_a_case_with_a_booked_visit_is_not_closed_until_the_visit_is_cancelled(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        add_worker(session, clock=clock, sector="arras")
        case = household(session, clock=clock, number=3)
        boss = _coordinator(session, clock)
        materialise_slots(session, clock=clock)
        slot = session.scalars(select(Slot).order_by(Slot.starts_at)).first()
        assert slot is not None
        visit = book(session, clock=clock, case=case, slot_id=slot.id)
        assert visit is not None and case.status == "visit_booked"
        with pytest.raises(ClosingError, match="annulez-la"):
            close(session, clock=clock, case=case, outcome="moved_out", comment="", actor=boss)
        assert case.status == "visit_booked"
        cancel(session, clock=clock, visit=visit, actor=boss)
        assert case.status == "reached"  # no consent yet: back to "joint"
        close(session, clock=clock, case=case, outcome="moved_out", comment="", actor=boss)
        assert case.status == "closed"


def test_statuses_aside_and_back_on_the_path(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        case = household(session, clock=clock, number=1)
        boss = _coordinator(session, clock)
        enrolment = enrol(session, clock=clock, case=case, config=_engine_config())
        assert enrolment is not None
        # Every step went, nobody answered: unreachable.
        while enrolment.status == "active":
            advance_sequence(session, now=clock.now(), enrolment=enrolment, config=_engine_config())
        assert case.status == "unreachable"
        case_id = case.id

    with sessions.begin() as session:
        _reply(session, clock, "Désolé j'étais à l'hôpital", "SM-aside-1")
        case = session.get_one(Case, case_id)
        assert case.status == "reached"  # a sign of life puts it back on the path
        _consent(session, clock, case, "diagnostic", "refused")
        assert case.status == "refused"
        _consent(session, clock, case, "diagnostic", "given")
        assert case.status == "consented"  # changed their mind
        with pytest.raises(ClosingError, match="hors dispositif"):
            set_out_of_scope(session, clock=clock, case=case, reason="bof", actor=boss)
        set_out_of_scope(session, clock=clock, case=case, reason="social_service", actor=boss)
        assert (case.status, case.aside_reason) == ("out_of_scope", "social_service")
        close(session, clock=clock, case=case, outcome="referred", comment="", actor=boss)
        reopen(session, clock=clock, case=case, reason="erreur", actor=boss)
        assert case.status == "out_of_scope"


def test_a_no_show_takes_the_case_back_and_a_status_never_moves_back_by_itself(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    with sessions.begin() as session:
        add_worker(session, clock=clock, sector="arras")
        case = household(session, clock=clock, number=4)
        _consent(session, clock, case, "diagnostic", "given")
        materialise_slots(session, clock=clock)
        slot = session.scalars(select(Slot).order_by(Slot.starts_at)).first()
        assert slot is not None
        visit = book(session, clock=clock, case=case, slot_id=slot.id)
        assert visit is not None
        clock.set(visit.starts_at + timedelta(minutes=30))
        mark_no_show(session, clock=clock, visit=visit, actor=None)
        assert case.status == "consented"
        assert not lifecycle.advance(session, case=case, to="reached", at=clock.now())
        assert not lifecycle.advance(session, case=case, to="unreachable", at=clock.now())
        assert case.status == "consented"
        with pytest.raises(ValueError):
            lifecycle.advance(session, case=case, to="closed", at=clock.now())
