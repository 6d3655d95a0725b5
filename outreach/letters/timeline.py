"""The case timeline's entries for paper: a letter prepared, then posted; a door card printed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from messages import N_, gettext
from outreach.models import Letter
from outreach.team.timeline_entry import PER_SOURCE, TimelineContext, TimelineEntry

PREPARED = N_("Letter added to the print batch of {day}")
POSTED = N_("Letter posted")
CARD = N_("Door card printed")
POSTED_BY = N_("posted by {name}")
WITH_QR = N_("with a QR code to write on Telegram")
WITHOUT_QR = N_("without a QR code (Telegram is off)")


def letter_entries(context: TimelineContext) -> list[TimelineEntry]:
    rows = context.session.scalars(
        select(Letter)
        .where(Letter.case_id == context.case.id)
        .order_by(Letter.id.desc())
        .limit(PER_SOURCE)
    )
    entries = []
    for letter in rows:
        details = (gettext(WITH_QR if letter.link else WITHOUT_QR),)
        if letter.kind == "door_card":
            entries.append(_entry(letter.created_at, gettext(CARD), letter, details, "team"))
            continue
        day = letter.batch_on.strftime("%d/%m/%Y")
        prepared = gettext(PREPARED, day=day)
        facts = () if letter.posted_at else (gettext("to do"),)
        entries.append(_entry(letter.created_at, prepared, letter, details, "system", facts))
        if letter.posted_at is not None:
            name = context.users.get(letter.posted_by_id) if letter.posted_by_id else None
            by = (gettext(POSTED_BY, name=name),) if name else ()
            entries.append(_entry(letter.posted_at, gettext(POSTED), letter, details, "out", by))
    return entries


def _entry(
    at: datetime,
    title: str,
    letter: Letter,
    details: tuple[str, ...],
    tone: str,
    facts: tuple[str, ...] = (),
) -> TimelineEntry:
    return TimelineEntry(
        at=at, kind="letter", title=title, facts=facts, details=details, tone=tone, key=letter.id
    )
