"""Audit events: who did what, when, on which case (identifiers only, never personal data)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from outreach.clock import Clock
from outreach.models import AuditEvent, TeamUser


def record(
    session: Session,
    *,
    clock: Clock,
    actor: TeamUser | None,
    action: str,
    case_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add one audit event to the current transaction."""
    event = AuditEvent(
        at=clock.now(),
        actor_id=actor.id if actor else None,
        actor_label=f"user:{actor.id}" if actor else "system",
        action=action,
        case_id=case_id,
        detail=detail,
    )
    session.add(event)
    return event
