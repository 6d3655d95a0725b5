"""A case's status follows what happened to it, never a hand edit.

The path a case walks, in order (a status only moves forward along it):
transmis (new) → en contact (contacting: the first message went) → joint (reached: the household
answered, or a worker reached it) → accord au diagnostic (consented) → visite prévue
(visit_booked) → visite faite (visited) → accompagné (supported: the engagement contract is
agreed) → suivi (follow_up: the 15-day check-ins) → clos (closed, with an outcome; see
outreach.casework.closing).

Beside the path, three statuses set a case aside: injoignable (unreachable: the sequence ended
without an answer), refus (refused: the household declined help or the diagnostic) and hors
dispositif (out_of_scope: already followed by a social service, social housing, not a tenant).
Any later sign of life (a reply, a consent, a visit) puts the case back on the path.

The one exception to "forward only": a cancelled visit takes a case from "visite prévue" back to
where it stood before (`visit_cancelled`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach.models import Case
from outreach.models.case import CASE_ASIDE, CASE_PATH, CASE_STATUSES
from outreach.team import events

PATH = CASE_PATH
ASIDE = CASE_ASIDE
CLOSED = "closed"
STATUSES = CASE_STATUSES
# English msgids, shown in French: "transmis", "en contact", "joint"...
STATUS_LABELS = {
    "new": N_("transmitted"),
    "contacting": N_("contacting"),
    "reached": N_("reached"),
    "consented": N_("agreed to the diagnostic"),
    "visit_booked": N_("visit booked"),
    "visited": N_("visit done"),
    "supported": N_("supported"),
    "follow_up": N_("follow-up"),
    "closed": N_("closed"),
    "unreachable": N_("unreachable"),
    "refused": N_("refused"),
    "out_of_scope": N_("out of scope"),
}
# What a worker may give as the reason a case is out of scope.
OUT_OF_SCOPE_REASONS = {
    "social_service": N_("already followed by a social service"),
    "social_housing": N_("social housing (the landlord's own procedure applies)"),
    "not_tenant": N_("not a tenant"),
    "other": N_("other reason"),
}


def status_label(status: str | None) -> str:
    if not status:
        return ""
    return gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def is_open(case: Case) -> bool:
    return case.status != CLOSED


def advance(session: Session, *, case: Case, to: str, at: datetime) -> bool:
    """Move the case to `to` if that is further along the path (or back onto it from aside);
    set it aside (`to` in ASIDE) only from where that makes sense. A closed case never moves:
    reopening is a decision (outreach.casework.closing). True if the status changed."""
    if to not in STATUSES or to == CLOSED:
        raise ValueError(f"not a status a case moves to by itself: {to}")
    current = case.status
    if current in (CLOSED, to):
        return False
    if to in ASIDE:
        # Unreachable only while nobody answered; refused and out of scope at any point.
        if to == "unreachable" and current not in ("new", "contacting"):
            return False
    elif current in PATH and PATH.index(to) <= PATH.index(current):
        return False
    _set(session, case=case, to=to, at=at)
    return True


def visit_cancelled(session: Session, *, case: Case, consented: bool, at: datetime) -> bool:
    """No visit left: from "visite prévue" back to "accord au diagnostic" or "joint"."""
    if case.status != "visit_booked":
        return False
    _set(session, case=case, to="consented" if consented else "reached", at=at)
    return True


def _set(session: Session, *, case: Case, to: str, at: datetime) -> None:
    before = case.status
    case.status = to
    case.updated_at = at
    events.record(session, kind="case.status", case_id=case.id, at=at, before=before, after=to)
