"""The rights of the person (RGPD art. 15 and 17): everything held about a household, and its
erasure on request. Opting out (STOP) is the objection to messaging (outreach.replies.optout).

The export reads the case and every row attached to it, columns as they are stored. Erasure
anonymises the case (outreach.privacy.retention.anonymise) so the indicators keep counting it,
closes it, and stops every sequence and pending send; its audit entry holds ids only.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from outreach import audit
from outreach.clock import Clock
from outreach.models import (
    Case,
    CaseNote,
    ConsentRecord,
    EngagementStep,
    InboxItem,
    Message,
    TeamUser,
    Visit,
)
from outreach.privacy.retention import anonymise, landlord_message_ids

log = logging.getLogger(__name__)

ERASE_CONFIRMATION = "EFFACER"


class ErasureNotConfirmed(ValueError):
    """The confirmation word was not given."""


def _row(obj: object, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    mapper = inspect(obj).mapper  # type: ignore[union-attr]
    data: dict[str, Any] = {}
    for column in mapper.column_attrs:
        if column.key in skip:
            continue
        value = getattr(obj, column.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        data[column.key] = value
    return data


def export_case(session: Session, *, case: Case) -> dict[str, Any]:
    """Everything held about the household of `case`, as plain JSON-ready data."""

    def rows(model: Any, *, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        query = select(model).where(model.case_id == case.id).order_by(model.id)
        return [_row(row, skip=skip) for row in session.scalars(query)]

    landlord_ids = landlord_message_ids(session, case_id=case.id)
    landlord_messages = session.scalars(
        select(Message).where(Message.id.in_(landlord_ids)).order_by(Message.id)
    )
    return {
        "case": _row(case, skip=("search_text",)),
        "sector": case.sector.name if case.sector else None,
        "people": [_row(person) for person in case.people],
        "contact_points": [_row(point) for point in case.contact_points],
        "landlord": _row(case.landlord) if case.landlord else None,
        "messages": rows(Message, skip=("raw",)),
        "landlord_messages": [_row(m, skip=("raw",)) for m in landlord_messages],
        "consents": rows(ConsentRecord),
        "visits": rows(Visit),
        "notes": rows(CaseNote),
        "engagement_steps": rows(EngagementStep),
        "inbox_items": rows(InboxItem),
    }


def erase_case(
    session: Session, *, clock: Clock, case: Case, actor: TeamUser, confirmation: str
) -> None:
    """Erase the household's personal data on request (the case stays, anonymous)."""
    if confirmation.strip().upper() != ERASE_CONFIRMATION:
        raise ErasureNotConfirmed(f"Tapez {ERASE_CONFIRMATION} pour confirmer l'effacement.")
    from outreach.models.outbox import OUTBOX_KINDS
    from outreach.sending.outbox import cancel_for_case  # the engine's modules import this package
    from outreach.sequences.runner import stop_for_case

    now = clock.now()
    stop_for_case(session, now=now, case_id=case.id, reason="erased")
    cancel_for_case(session, now=now, case_id=case.id, kinds=OUTBOX_KINDS, reason="erased")
    case.status = "closed"
    case.closed_at = case.closed_at or now
    case.opted_out = True  # never written to again
    case.opted_out_at = case.opted_out_at or now
    anonymise(session, clock=clock, case=case, reason="erasure")
    audit.record(session, clock=clock, actor=actor, action="case.erase", case_id=case.id)
    log.info("case %s erased on request", case.id)
