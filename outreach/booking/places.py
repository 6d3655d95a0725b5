"""Meeting places near the households of a sector (mairie, CCAS, France Services…), where a
worker can meet a household that prefers not to be visited at home.

The team enters them (name and address, as it knows them); nothing is filled in for it: a place
whose address is unknown is shown as such ("à compléter") and named without address in the SMS.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import MeetingPlace, Sector, TeamUser

NAME_MAX = 36  # the SMS that names the place keeps its budget with these lengths
ADDRESS_MAX = 50


class PlaceError(ValueError):
    """The place cannot be saved as asked; the message (French) says why."""


def places_of(session: Session, *, sector_id: int | None) -> list[MeetingPlace]:
    """The active meeting places of a sector, by name."""
    if sector_id is None:
        return []
    return list(
        session.scalars(
            select(MeetingPlace)
            .where(MeetingPlace.sector_id == sector_id, MeetingPlace.active.is_(True))
            .order_by(MeetingPlace.name, MeetingPlace.id)
        )
    )


def all_places(session: Session) -> list[MeetingPlace]:
    return list(
        session.scalars(
            select(MeetingPlace)
            .where(MeetingPlace.active.is_(True))
            .order_by(MeetingPlace.sector_id, MeetingPlace.name, MeetingPlace.id)
        )
    )


def add_place(
    session: Session,
    *,
    clock: Clock,
    sector: Sector,
    name: str,
    address: str | None,
    actor: TeamUser | None,
) -> MeetingPlace:
    clean_name = " ".join(name.split())
    clean_address = " ".join((address or "").split()) or None
    if not clean_name:
        raise PlaceError(gettext("Give the name of the place."))
    if len(clean_name) > NAME_MAX:
        raise PlaceError(gettext("A place name is at most {limit} characters.", limit=NAME_MAX))
    if clean_address and len(clean_address) > ADDRESS_MAX:
        raise PlaceError(gettext("An address is at most {limit} characters.", limit=ADDRESS_MAX))
    place = MeetingPlace(
        sector_id=sector.id,
        name=clean_name,
        address=clean_address,
        active=True,
        created_at=clock.now(),
    )
    session.add(place)
    session.flush()
    audit.record(session, clock=clock, actor=actor, action="place.add", place_id=place.id)
    return place


def remove_place(
    session: Session, *, clock: Clock, place: MeetingPlace, actor: TeamUser | None
) -> None:
    """No longer offered; visits already booked there keep it."""
    place.active = False
    audit.record(session, clock=clock, actor=actor, action="place.remove", place_id=place.id)
    session.flush()


def usable_place(session: Session, *, place_id: int, sector_id: int | None) -> MeetingPlace:
    """The place a worker chose for a case, if it is an active place of the case's sector."""
    place = session.get(MeetingPlace, place_id)
    if place is None or not place.active or place.sector_id != sector_id:
        raise PlaceError(gettext("This place is not one of the sector's meeting places."))
    return place
