"""The mediation with the landlord, logged by the team: a call, a repayment plan proposed, the
landlord's answer, a meeting. Each entry shows on the case's history; its note is cleared when
the case is anonymised (outreach.privacy.retention)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.casework.procedure import paris_today
from outreach.clock import Clock
from outreach.models import Case, MediationEntry, TeamUser
from outreach.models.mediation import MEDIATION_KINDS

NOTE_MAX = 2000
KIND_LABELS = {
    "call": N_("Call with the landlord"),
    "plan_proposed": N_("Repayment plan proposed"),
    "landlord_answer": N_("The landlord's answer"),
    "meeting": N_("Meeting with the landlord"),
    "other": N_("Other exchange with the landlord"),
}


class MediationError(ValueError):
    """The entry cannot be saved as typed; the message (French) says why."""


def kind_label(kind: str) -> str:
    return gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def log(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    kind: str,
    happened_on: date | None,
    note: str,
    actor: TeamUser,
) -> MediationEntry:
    if kind not in MEDIATION_KINDS:
        raise MediationError(gettext("Choose what happened with the landlord."))
    if happened_on is None:
        raise MediationError(gettext("Give the date of the exchange."))
    today = paris_today(clock.now())
    if happened_on > today:
        raise MediationError(gettext("The exchange cannot be in the future."))
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise MediationError(gettext("A note is at most {limit} characters.", limit=NOTE_MAX))
    entry = MediationEntry(
        case_id=case.id,
        kind=kind,
        happened_on=happened_on,
        note=text or None,
        author_id=actor.id,
        created_at=clock.now(),
    )
    session.add(entry)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, action="mediation.log", case_id=case.id, kind=kind
    )
    return entry


def entries_of(session: Session, *, case_id: int) -> list[MediationEntry]:
    return list(
        session.scalars(
            select(MediationEntry)
            .where(MediationEntry.case_id == case_id)
            .order_by(MediationEntry.happened_on.desc(), MediationEntry.id.desc())
        )
    )
