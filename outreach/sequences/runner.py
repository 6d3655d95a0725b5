"""Cases entering, moving through and leaving a sequence.

Versioning: an enrolment keeps a frozen copy of the steps it entered with (and the file's
version). Editing or replacing a sequence file never changes a case already running it; it
applies to the cases that enter afterwards.

Timing: day 0 is the first opening of the sending window at or after enrolment. Step N is due
`day` calendar days after day 0 at the same Paris wall-clock time (plus `hours`), then moved to
the next opening of the sending window. Only the next step of an enrolment is in the outbox.

Conditions: a step with `when` (the loader's CONDITIONS) is passed over, without an outbox row,
when it does not apply to the household at its turn to be queued, and checked again when it is
due (outreach.engine.attempts).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.casework import lifecycle
from outreach.clock import Clock
from outreach.letters.batch import has_mobile
from outreach.models import Case
from outreach.models.outbox import PRIORITY_BULK, Enrolment
from outreach.sending.config import EngineConfig, load_engine_config
from outreach.sending.outbox import cancel_for_case, enqueue
from outreach.sending.quiet_hours import Window, add_calendar_days
from outreach.sequences.loader import Sequence, SequenceStep, load_sequence

log = logging.getLogger(__name__)


def enrol(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    sequence: str | Sequence = "first_contact",
    config: EngineConfig | None = None,
) -> Enrolment | None:
    """Enter `case` into a sequence; idempotent (a case enters a sequence once).

    Returns None when the case cannot be written to (opted out, closed).
    """
    config = config or load_engine_config()
    if isinstance(sequence, str):
        sequence = load_sequence(sequence, config.sequences_dir)
    if case.opted_out or case.status == "closed":
        return None
    existing = _enrolment_in(session, case_id=case.id, sequence=sequence.name)
    if existing is not None:
        return existing
    now = clock.now()
    window = _send_window(config)
    enrolment = Enrolment(
        case_id=case.id,
        sequence=sequence.name,
        version=sequence.version,
        steps=sequence.snapshot(),
        status="active",
        next_step=0,
        started_at=now,
        anchor_at=window.next_opening(now) if window else now,
    )
    session.add(enrolment)
    session.flush()
    _pass_over_steps_that_do_not_apply(enrolment, case)
    if enrolment.next_step >= len(enrolment.steps):
        enrolment.status, enrolment.finished_at = "finished", now
        return enrolment
    _enqueue_step(session, now=now, enrolment=enrolment, window=window)
    lifecycle.advance(session, case=case, to="contacting", at=now)
    log.info("case %s entered sequence %s (%s)", case.id, sequence.name, sequence.version)
    return enrolment


def _enrolment_in(session: Session, *, case_id: int, sequence: str) -> Enrolment | None:
    return session.scalar(
        select(Enrolment)
        .where(Enrolment.case_id == case_id, Enrolment.sequence == sequence)
        .order_by(Enrolment.id.desc())
        .limit(1)
    )


def enrol_on_import(
    session: Session, *, clock: Clock, case: Case, config: EngineConfig | None = None
) -> Enrolment | None:
    """What the CCAPEX import calls for each new case: the ALLERVERS_IMPORT_SEQUENCE, if any."""
    config = config or load_engine_config()
    if not config.import_sequence:
        return None
    return enrol(session, clock=clock, case=case, sequence=config.import_sequence, config=config)


def step_of(enrolment: Enrolment, index: int) -> SequenceStep:
    return SequenceStep.from_dict(enrolment.steps[index])


def due_at(enrolment: Enrolment, step: SequenceStep, window: Window | None) -> datetime:
    """When a step runs: day 0 + calendar days (same wall time) + hours, then the window."""
    wanted = add_calendar_days(enrolment.anchor_at, step.day) + timedelta(hours=step.hours)
    return window.next_opening(wanted) if window else wanted


def advance(session: Session, *, now: datetime, enrolment: Enrolment, config: EngineConfig) -> None:
    """The current step is over (done, skipped or failed): queue the next one, or finish."""
    if enrolment.status != "active":
        return
    enrolment.next_step += 1
    if _has_conditions(enrolment):
        case = session.get(Case, enrolment.case_id)
        if case is not None:
            _pass_over_steps_that_do_not_apply(enrolment, case)
    if enrolment.next_step >= len(enrolment.steps):
        enrolment.status = "finished"
        enrolment.finished_at = now
        # Every step went and nobody answered: the case is unreachable (until a sign of life).
        case = session.get(Case, enrolment.case_id)
        if case is not None:
            lifecycle.advance(session, case=case, to="unreachable", at=now)
        return
    _enqueue_step(session, now=now, enrolment=enrolment, window=_send_window(config))


def applies(step: SequenceStep, case: Case) -> bool:
    """The step's condition (`when`) holds for this household now."""
    if step.when == "no_mobile":
        return not has_mobile(case)
    return True


def _has_conditions(enrolment: Enrolment) -> bool:
    return any(step.get("when") for step in enrolment.steps[enrolment.next_step :])


def _pass_over_steps_that_do_not_apply(enrolment: Enrolment, case: Case) -> None:
    while enrolment.next_step < len(enrolment.steps) and not applies(
        step_of(enrolment, enrolment.next_step), case
    ):
        enrolment.next_step += 1


def stop_for_case(session: Session, *, now: datetime, case_id: int, reason: str) -> int:
    """End every running sequence of a case (a reply, an opt-out) and cancel its waiting steps."""
    enrolments = list(
        session.scalars(
            select(Enrolment).where(Enrolment.case_id == case_id, Enrolment.status == "active")
        )
    )
    for enrolment in enrolments:
        enrolment.status = "stopped"
        enrolment.stop_reason = reason
        enrolment.finished_at = now
    cancel_for_case(session, now=now, case_id=case_id, kinds=("step",), reason=reason)
    if enrolments:
        log.info("case %s: %d sequence(s) stopped (%s)", case_id, len(enrolments), reason)
    return len(enrolments)


def _enqueue_step(
    session: Session, *, now: datetime, enrolment: Enrolment, window: Window | None
) -> None:
    step = step_of(enrolment, enrolment.next_step)
    enqueue(
        session,
        now=now,
        kind="step",
        case_id=enrolment.case_id,
        due_at=due_at(enrolment, step, window),
        priority=PRIORITY_BULK,
        send_window="send",
        enrolment_id=enrolment.id,
        step_index=enrolment.next_step,
    )


def _send_window(config: EngineConfig) -> Window | None:
    return config.windows["send"]
