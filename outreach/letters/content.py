"""What a letter or a door card says, as plain data; bot/letter_pdf.py lays it out.

French only (messages/letter_texts.py says why). The address follows the French postal
addressing norm (NF Z 10-011): at most 6 lines of at most 38 characters, the last one the
postcode and the commune in capitals.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from messages import gettext
from messages.letter_texts import (
    CALL_US,
    CARD_SCAN,
    CARD_TEXT,
    CARD_TITLE,
    DATE_LINE,
    LETTER_GREETING,
    LETTER_HEADER,
    LETTER_SCAN,
    LETTER_SIGN_OFF,
    LETTER_SIGNATURE,
    LETTER_SUBJECT,
    LETTER_TEXTS,
    TEXT_US,
)
from outreach.models import Case, Letter
from outreach.phones import display_phone
from outreach.sending.identity import Identity

LANGUAGE = "fr"
ADDRESS_LINES = 6
ADDRESS_WIDTH = 38


@dataclass(frozen=True)
class Sender:
    """Who writes, and the numbers printed: the team's phone (ALLERVERS_TEAM_PHONE) and, when
    the SMS channel is on, the number that receives texts (TWILIO_FROM_NUMBER)."""

    identity: Identity
    text_number: str | None = None  # E.164


@dataclass(frozen=True)
class PaperContent:
    kind: str  # "letter" (A4, window envelope) or "door_card" (A6)
    organisation: str
    header: str  # under the organisation's name
    address: tuple[str, ...]  # the window's lines; empty on a card
    date_line: str
    title: str
    greeting: str | None
    paragraphs: tuple[str, ...]
    reach: tuple[str, ...]  # how to reach the team: call, text
    scan: str | None  # the words beside the QR code; None without a link
    link: str | None
    closing: tuple[str, ...]


def letter_content(letter: Letter, case: Case, sender: Sender) -> PaperContent:
    identity = sender.identity
    return PaperContent(
        kind="letter",
        organisation=identity.organisation,
        header=_fr(LETTER_HEADER),
        address=address_lines(case),
        date_line=date_line(letter.batch_on),
        title=_fr(LETTER_SUBJECT),
        greeting=_fr(LETTER_GREETING),
        paragraphs=tuple(
            _fr(text, organisation=identity.organisation) for text in LETTER_TEXTS[letter.template]
        ),
        reach=_reach(sender),
        scan=_fr(LETTER_SCAN) if letter.link else None,
        link=letter.link,
        closing=(_fr(LETTER_SIGN_OFF), _fr(LETTER_SIGNATURE), identity.organisation),
    )


def card_content(card: Letter, sender: Sender) -> PaperContent:
    """The door card names nobody and carries no address: it may be read by anyone."""
    identity = sender.identity
    return PaperContent(
        kind="door_card",
        organisation=identity.organisation,
        header="",  # not "eviction" on a card a neighbour may read
        address=(),
        date_line="",
        title=_fr(CARD_TITLE),
        greeting=None,
        paragraphs=(_fr(CARD_TEXT, organisation=identity.organisation),),
        reach=_reach(sender),
        scan=_fr(CARD_SCAN) if card.link else None,
        link=card.link,
        closing=(),
    )


def address_lines(case: Case) -> tuple[str, ...]:
    """Names, street lines, "POSTCODE COMMUNE": what shows through the envelope's window."""
    street = [
        wrapped
        for part in (case.address or "").splitlines()
        for wrapped in textwrap.wrap(part.strip(), ADDRESS_WIDTH)
    ]
    last = f"{case.postcode or ''} {(case.commune or '').upper()}".strip()
    lines = [_names(case), *street[: ADDRESS_LINES - 2], last[:ADDRESS_WIDTH]]
    return tuple(line for line in lines if line)


def _names(case: Case) -> str:
    tenants = [person for person in case.people if person.role == "tenant"] or case.people
    names = [
        " ".join(filter(None, (person.first_name, person.last_name.upper()))) for person in tenants
    ]
    together = " et ".join(names)
    return together if len(together) <= ADDRESS_WIDTH else names[0][:ADDRESS_WIDTH] if names else ""


def date_line(day: date) -> str:
    return _fr(DATE_LINE, date=format_date(day, "d MMMM y", locale=LANGUAGE))


def _reach(sender: Sender) -> tuple[str, ...]:
    lines = [_fr(CALL_US, phone=sender.identity.phone)]
    if sender.text_number:
        lines.append(_fr(TEXT_US, number=display_phone(sender.text_number)))
    return tuple(lines)


def _fr(msgid: str, **values: object) -> str:
    return gettext(msgid, LANGUAGE, **values)
