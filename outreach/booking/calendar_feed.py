"""A private calendar feed per worker: their visits as an `.ics` file calendars subscribe to.

The address holds a random 256-bit secret; only its SHA-256 is stored, so the address is shown
once, when it is made. Making a new one revokes the old one; revoking ends it (404 afterwards).
Each visit carries its case reference and address, nothing more: no names, no phone numbers, no
debt (a calendar is synced to places the team does not control).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from messages import N_, gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import CalendarFeed, TeamUser, Visit

PAST = timedelta(days=60)
FUTURE = timedelta(days=366)
SUMMARY = N_("Home visit — {reference}")
PRODID = "-//Aller-Vers//Agenda des visites//FR"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_feed(session: Session, *, clock: Clock, worker: TeamUser, actor: TeamUser) -> str:
    """A new feed secret for `worker` (any previous one is revoked); returned once, never stored."""
    revoke_feed(session, clock=clock, worker=worker, actor=None)
    secret = secrets.token_urlsafe(32)  # 256 bits
    session.add(
        CalendarFeed(worker_id=worker.id, secret_hash=secret_hash(secret), created_at=clock.now())
    )
    audit.record(session, clock=clock, actor=actor, action="calendar_feed.create", worker=worker.id)
    session.flush()
    return secret


def revoke_feed(session: Session, *, clock: Clock, worker: TeamUser, actor: TeamUser | None) -> int:
    """End every live feed of `worker`; how many there were."""
    result = session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.worker_id == worker.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    count = int(result.rowcount)  # type: ignore[attr-defined]
    if count and actor is not None:
        audit.record(
            session, clock=clock, actor=actor, action="calendar_feed.revoke", worker=worker.id
        )
    return count


def live_feed(session: Session, *, worker_id: int) -> CalendarFeed | None:
    return session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.worker_id == worker_id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    )


def worker_for_secret(session: Session, secret: str) -> TeamUser | None:
    """The worker of a live feed secret, or None (unknown, revoked, or inactive worker)."""
    if not secret or len(secret) > 200:
        return None
    wanted = secret_hash(secret)
    feed = session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.secret_hash == wanted, CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None or not hmac.compare_digest(feed.secret_hash, wanted):
        return None
    worker = session.get(TeamUser, feed.worker_id)
    return worker if worker is not None and worker.active else None


def feed_visits(session: Session, *, clock: Clock, worker_id: int) -> list[Visit]:
    now = clock.now()
    return list(
        session.scalars(
            select(Visit)
            .where(
                Visit.worker_id == worker_id,
                Visit.starts_at >= now - PAST,
                Visit.starts_at < now + FUTURE,
            )
            .options(selectinload(Visit.case))
            .order_by(Visit.starts_at, Visit.id)
        )
    )


def build_ics(visits: Iterable[Visit], *, now: datetime, host: str = "allervers") -> str:
    """The iCalendar text (RFC 5545) of the visits; times in UTC."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Visites Aller-Vers",
    ]
    for visit in visits:
        case = visit.case
        place = ", ".join(
            part
            for part in (
                (case.address or "").strip(),
                " ".join(
                    filter(None, ((case.postcode or "").strip(), (case.commune or "").strip()))
                ),
            )
            if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:visit-{visit.id}@{host}",
            f"DTSTAMP:{_utc(now)}",
            f"DTSTART:{_utc(visit.starts_at)}",
            f"DTEND:{_utc(visit.ends_at)}",
            f"SUMMARY:{_text(gettext(SUMMARY, reference=case.reference))}",
        ]
        if place:
            lines.append(f"LOCATION:{_text(place)}")
        cancelled = visit.status == "cancelled"
        lines.append(f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}")
        lines.append(f"SEQUENCE:{1 if cancelled else 0}")
        lines.append("TRANSP:OPAQUE")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "")
    )


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF + space, never cutting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = char, width, 74
        else:
            current += char
            size += width
    out.append(current)
    return "\r\n ".join(out)
