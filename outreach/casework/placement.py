"""The unassigned queue: cases no sector of the table matches, and placing one in a sector.

Every team member sees the queue (reference, commune, postcode and month only: no name, no
phone), so a case in a rural commune the table missed does not wait for the coordinator. A
worker places a case of the queue in one of their own sectors ("Affecter à mon secteur"); a
coordinator in any sector. Each placement is audited; then the case follows the usual rules of
its sector (outreach.cases.case_scope).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import Case, Sector, TeamUser

QUEUE_LIMIT = 200


class PlacementError(ValueError):
    """This member cannot place this case in this sector (the message says why, in French)."""


def unassigned_cases(session: Session, *, limit: int = QUEUE_LIMIT) -> list[Case]:
    """The open cases without a sector, the newest first."""
    return list(
        session.scalars(
            select(Case)
            .where(Case.sector_id.is_(None), Case.status != "closed")
            .order_by(Case.id.desc())
            .limit(limit)
        )
    )


def sectors_for(session: Session, user: TeamUser) -> list[Sector]:
    """The sectors `user` may place a case in: their own; every one for a coordinator."""
    if user.is_coordinator:
        return list(session.scalars(select(Sector).order_by(Sector.name)))
    return sorted(user.sectors, key=lambda sector: sector.name)


def place_in_sector(
    session: Session, *, clock: Clock, case: Case, sector_id: int, actor: TeamUser
) -> None:
    """Put an unassigned case in a sector `actor` may place it in. The caller commits."""
    if case.sector_id is not None:
        raise PlacementError(gettext("This case already has a sector."))
    if sector_id not in {sector.id for sector in sectors_for(session, actor)}:
        raise PlacementError(gettext("You can only place a case in one of your sectors."))
    case.sector_id = sector_id
    case.updated_at = clock.now()
    audit.record(
        session,
        clock=clock,
        actor=actor,
        action="case.sector",
        case_id=case.id,
        sector_id=sector_id,
    )
