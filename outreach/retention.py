"""Retention limits (CNIL: active data 2 years after the last contact) and anonymisation.

A closed case whose last contact is older than ALLERVERS_RETENTION_MONTHS is anonymised: names,
contact points, addresses, amounts, free text and message bodies go; what the indicators count
stays (the case row with its sector, import month, stage and status; messages' direction, channel
and status; consents, visits, steps). Erasure on request (outreach.person_rights) uses the same
`anonymise`. Each case is done in its own transaction, so one failure does not stop the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from outreach import audit
from outreach.clock import Clock
from outreach.models import (
    Anonymisation,
    AuditEvent,
    Case,
    CaseNote,
    EngagementStep,
    InboxItem,
    Landlord,
    Message,
)

log = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    anonymised: list[int] = field(default_factory=list)  # case ids
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"anonymised": len(self.anonymised), "failed": len(self.failed)}


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def due_cases(session: Session, *, now: datetime, months: int) -> list[int]:
    """Closed cases last contacted before the limit and not yet anonymised."""
    limit = months_before(now, months)
    last = func.coalesce(Case.last_contact_at, Case.updated_at)
    done = select(Anonymisation.case_id)
    return list(
        session.scalars(
            select(Case.id)
            .where(Case.status == "closed", last < limit, Case.id.not_in(done))
            .order_by(Case.id)
        )
    )


def run(sessions: sessionmaker[Session], *, clock: Clock, months: int) -> RetentionReport:
    """The daily job: anonymise every case past the retention limit."""
    report = RetentionReport()
    with sessions() as session:
        ids = due_cases(session, now=clock.now(), months=months)
    for case_id in ids:
        try:
            with sessions.begin() as session:
                case = session.get_one(Case, case_id)
                anonymise(session, clock=clock, case=case, reason="retention")
                audit.record(
                    session, clock=clock, actor=None, action="case.anonymise", case_id=case_id
                )
            report.anonymised.append(case_id)
        except Exception:
            log.exception("retention: case %s could not be anonymised", case_id)
            report.failed.append(case_id)
    log.info("retention: %s", report.as_dict())
    return report


def landlord_message_ids(session: Session, *, case_id: int) -> list[int]:
    """Messages sent to the case's landlord (they carry no case id: the audit trail links them)."""
    events = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "landlord.message"
        )
    )
    sent = [int(detail["message_id"]) for detail in events if detail and "message_id" in detail]
    replies = session.scalars(
        select(InboxItem.message_id).where(
            InboxItem.case_id == case_id, InboxItem.kind == "landlord_reply"
        )
    )
    return sent + [message_id for message_id in replies if message_id is not None]


def anonymise(session: Session, *, clock: Clock, case: Case, reason: str) -> None:
    """Remove the personal data of a case; keep what the indicators count."""
    now = clock.now()
    case.people.clear()
    case.contact_points.clear()
    case.reference = f"ANON-{case.id}"
    for name in ("address", "postcode", "commune", "debt_cents"):
        setattr(case, name, None)
    for name in ("date_cdp", "date_assignation", "date_audience"):
        setattr(case, name, None)
    case.search_text = ""
    _forget_landlord(session, case)
    _clear_messages(
        session, case_id=case.id, extra_ids=landlord_message_ids(session, case_id=case.id)
    )
    session.execute(update(InboxItem).where(InboxItem.case_id == case.id).values(note=None))
    session.execute(
        update(EngagementStep).where(EngagementStep.case_id == case.id).values(detail=None)
    )
    for note in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)):
        session.delete(note)
    case.updated_at = now
    existing = session.get(Anonymisation, case.id)
    if existing is None:
        session.add(Anonymisation(case_id=case.id, reason=reason, at=now))
    session.flush()
    log.info("case %s anonymised (%s)", case.id, reason)


def _forget_landlord(session: Session, case: Case) -> None:
    landlord_id = case.landlord_id
    case.landlord_id = None
    case.landlord = None
    session.flush()
    if landlord_id is None:
        return
    others = session.scalar(select(func.count()).where(Case.landlord_id == landlord_id))
    if not others:
        landlord = session.get(Landlord, landlord_id)
        if landlord is not None:
            session.delete(landlord)


def _clear_messages(session: Session, *, case_id: int, extra_ids: Iterable[int]) -> None:
    blank = {"body": "", "address": "", "raw": None, "choices": None}
    session.execute(
        update(Message)
        .where(Message.case_id == case_id)
        .values(**blank)
        .execution_options(synchronize_session=False)
    )
    ids = list(extra_ids)
    if ids:
        session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(**blank)
            .execution_options(synchronize_session=False)
        )
