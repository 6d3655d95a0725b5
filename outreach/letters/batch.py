"""Letters in the daily print batch, and door-knock cards: adding them, listing, posting.

A letter joins the print batch of the Paris day it was written. The team downloads a batch as
one PDF and marks it posted. A batch is named by its day and the highest letter id the team
saw (`through`): a letter written after the page was shown is neither printed nor marked posted
with that batch by mistake; it waits for the next one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from outreach.casework.procedure import paris_today
from outreach.clock import Clock
from outreach.links import deep_link, issue_link_token
from outreach.models import Case, InboxItem, Letter, TeamUser
from outreach.sending.channels import CHANNELS

log = logging.getLogger(__name__)

# A letter waits in the batch, then in the post, then on a table: its link lives longer than
# an SMS's (outreach.links.DEFAULT_TTL, 30 days).
LETTER_LINK_TTL = timedelta(days=60)
DOOR_KNOCK = "door_knock"


def has_mobile(case: Case) -> bool:
    """The household can receive a message: a usable contact point of a real channel that sends
    (an SMS-capable number, a WhatsApp number, a Telegram chat). A landline alone is no mobile."""
    for spec in CHANNELS:
        if not spec.sends or spec.development_only:
            continue
        for point in case.contact_points:
            if point.kind != spec.contact_kind or not point.usable:
                continue
            if not spec.sms_capable or point.sms_capable:
                return True
    return False


def has_postal_address(case: Case) -> bool:
    return bool(case.address and case.address.strip() and case.postcode and case.commune)


def add_letter(
    session: Session, *, clock: Clock, case: Case, template: str, telegram_bot: str | None
) -> Letter | None:
    """Put a letter to the household in today's print batch; None without a postal address."""
    if not has_postal_address(case):
        log.info("case %s: no postal address, no letter", case.id)
        return None
    now = clock.now()
    letter = Letter(
        case_id=case.id,
        kind="letter",
        template=template,
        link=_link(session, clock=clock, case=case, telegram_bot=telegram_bot),
        batch_on=paris_today(now),
        created_at=now,
    )
    session.add(letter)
    session.flush()
    log.info("letter %s for case %s in the print batch of %s", letter.id, case.id, letter.batch_on)
    return letter


def door_card(
    session: Session, *, clock: Clock, case: Case, task: InboxItem, telegram_bot: str | None
) -> Letter:
    """The card to leave at the door for this door-knock task: made once, then the same card
    (the same link) each time it is printed again."""
    if task.case_id != case.id or task.note != DOOR_KNOCK:
        raise ValueError("a door card is printed from a door-knock task of the same case")
    card = session.scalar(select(Letter).where(Letter.task_id == task.id).limit(1))
    if card is not None:
        return card
    now = clock.now()
    card = Letter(
        case_id=case.id,
        kind="door_card",
        template="door_card",
        link=_link(session, clock=clock, case=case, telegram_bot=telegram_bot),
        task_id=task.id,
        batch_on=paris_today(now),
        created_at=now,
    )
    session.add(card)
    session.flush()
    log.info("door card %s printed for case %s", card.id, case.id)
    return card


def _link(session: Session, *, clock: Clock, case: Case, telegram_bot: str | None) -> str | None:
    """A fresh Telegram deep link, unless Telegram is off or the household already uses it."""
    if not telegram_bot or any(point.kind == "telegram" for point in case.contact_points):
        return None
    token = issue_link_token(session, clock=clock, case_id=case.id, ttl=LETTER_LINK_TTL)
    return deep_link(telegram_bot, token)


@dataclass(frozen=True)
class PrintBatch:
    day: date
    through: int  # the highest letter id in it
    letters: int
    waiting: int  # not yet posted
    posted_at: datetime | None  # when the last of its letters was marked posted


def print_batches(
    session: Session, *, scope: ColumnElement[bool] | None, since: date
) -> list[PrintBatch]:
    """The batches with letters still to post, and those since `since`, the newest first."""
    query = _letters(scope).where((Letter.batch_on >= since) | Letter.posted_at.is_(None))
    days: dict[date, list[Letter]] = {}
    for letter, _case in session.execute(query):
        days.setdefault(letter.batch_on, []).append(letter)
    return [
        PrintBatch(
            day=day,
            through=max(letter.id for letter in letters),
            letters=len(letters),
            waiting=sum(letter.posted_at is None for letter in letters),
            posted_at=max((ltr.posted_at for ltr in letters if ltr.posted_at), default=None),
        )
        for day, letters in sorted(days.items(), reverse=True)
    ]


def batch_letters(
    session: Session, *, scope: ColumnElement[bool] | None, day: date, through: int
) -> list[tuple[Letter, Case]]:
    """The letters of one batch, in postcode order (how the post office likes them)."""
    query = (
        _letters(scope)
        .where(Letter.batch_on == day, Letter.id <= through)
        .order_by(Case.postcode, Letter.id)
    )
    return [(letter, case) for letter, case in session.execute(query)]


def post_batch(
    session: Session,
    *,
    clock: Clock,
    user: TeamUser,
    scope: ColumnElement[bool] | None,
    day: date,
    through: int,
) -> int:
    """Mark the batch's letters posted (those already posted keep their date); how many."""
    now = clock.now()
    count = 0
    for letter, _case in batch_letters(session, scope=scope, day=day, through=through):
        if letter.posted_at is None:
            letter.posted_at, letter.posted_by_id = now, user.id
            count += 1
    session.flush()
    log.info("%d letters of the batch of %s marked posted", count, day)
    return count


def _letters(scope: ColumnElement[bool] | None):  # type: ignore[no-untyped-def]
    """Letters of the print batches the viewer may see. A household that said STOP meanwhile
    gets no letter: its letters leave the batch."""
    query = (
        select(Letter, Case)
        .join(Case, Case.id == Letter.case_id)
        .where(Letter.kind == "letter", Case.opted_out.is_(False))
    )
    return query if scope is None else query.where(scope)
