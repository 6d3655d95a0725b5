"""Opt-out and opt-in: a household that answers just STOP is never written to again.

A message that is only an opt-out word (STOP, Stop, stop., ARRET, ARRÊT, arrêt, STOP SMS, in any
case, with accents, spaces or punctuation around) opts the household out of every channel at once:
running sequences stop, waiting sends are canceled, the withdrawal is recorded in the audit trail
and one confirmation is sent back where the STOP came from. START / OUI / REPRENDRE opt back in.
A sentence that merely contains "stop" ("stop les visites ?") is a reply for a human.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import gettext
from messages.sequence_texts import OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION
from outreach import audit
from outreach.clock import Clock
from outreach.models import Case, ContactPoint, Message
from outreach.models.outbox import OUTBOX_KINDS
from outreach.replies.intents import is_start_keyword, is_stop_keyword
from outreach.sending.outbox import cancel_for_case, enqueue_send
from outreach.sequences.runner import stop_for_case
from outreach.team import events

log = logging.getLogger(__name__)


def keyword(body: str) -> str | None:
    """Which opt word the whole message is: "opt_out", "opt_in", or None (for a human).

    The one keyword rule of the project is outreach.replies.intents' (STOP in French, English and
    Arabic, stretched or repeated: "STOOOP", "توقف", "Oui oui").
    """
    if is_stop_keyword(body or ""):
        return "opt_out"
    if is_start_keyword(body or ""):
        return "opt_in"
    return None


def withdraw(
    session: Session, *, clock: Clock, case: Case, source: str, confirm_to: Message | None
) -> bool:
    """Opt the household out everywhere; confirm to `confirm_to`'s sender. False if it already was.

    `source` is the channel the withdrawal came from (recorded, with the message id).
    """
    now = clock.now()
    changed = not case.opted_out
    case.opted_out = True
    case.opted_out_at = case.opted_out_at if not changed else now
    case.updated_at = now
    stop_for_case(session, now=now, case_id=case.id, reason="opt_out")
    # A second STOP keeps the first one's confirmation; a first STOP drops any stale one.
    kinds = OUTBOX_KINDS if changed else ("step", "send")
    cancel_for_case(session, now=now, case_id=case.id, kinds=kinds, reason="opt_out")
    if not changed:
        return False
    _cancel_unsent(session, now=now, case_id=case.id)
    audit.record(
        session,
        clock=clock,
        actor=None,
        action="case.opt_out",
        case_id=case.id,
        channel=source,
        message_id=confirm_to.id if confirm_to else None,
    )
    events.record(session, kind="case.opted_out", case_id=case.id, at=now, channel=source)
    if confirm_to is not None:
        _confirm(session, clock=clock, case=case, to=confirm_to, text=OPT_OUT_CONFIRMATION)
    log.info("case %s opted out (%s)", case.id, source)
    return True


def resume(session: Session, *, clock: Clock, case: Case, confirm_to: Message) -> bool:
    """Opt back in after START / OUI / REPRENDRE; False if the household was not opted out."""
    if not case.opted_out:
        return False
    now = clock.now()
    case.opted_out = False
    case.opted_out_at = None
    case.updated_at = now
    cancel_for_case(session, now=now, case_id=case.id, kinds=("confirmation",), reason="opt_in")
    audit.record(
        session,
        clock=clock,
        actor=None,
        action="case.opt_in",
        case_id=case.id,
        channel=confirm_to.channel,
        message_id=confirm_to.id,
    )
    events.record(
        session, kind="case.opted_in", case_id=case.id, at=now, channel=confirm_to.channel
    )
    _confirm(session, clock=clock, case=case, to=confirm_to, text=OPT_IN_CONFIRMATION)
    log.info("case %s opted back in (%s)", case.id, confirm_to.channel)
    return True


def _confirm(session: Session, *, clock: Clock, case: Case, to: Message, text: str) -> None:
    """Queue one confirmation on the channel and address the household wrote from."""
    now = clock.now()
    confirmation = Message(
        direction="out",
        channel=to.channel,
        case_id=case.id,
        contact_point_id=_contact_point_id(session, case=case, message=to),
        address=to.address,
        body=gettext(text, case.language),
        language=case.language,
        status="pending",
        processed=True,
        created_at=now,
    )
    session.add(confirmation)
    session.flush()
    enqueue_send(session, now=now, message=confirmation, kind="confirmation", due_at=now)


def _contact_point_id(session: Session, *, case: Case, message: Message) -> int | None:
    value = message.address.removeprefix("whatsapp:")
    return session.scalar(
        select(ContactPoint.id).where(ContactPoint.case_id == case.id, ContactPoint.value == value)
    )


def _cancel_unsent(session: Session, *, now: datetime, case_id: int) -> None:
    """Outbound messages not yet handed to a provider (e.g. a team message awaiting a retry)."""
    for message in session.scalars(
        select(Message).where(
            Message.case_id == case_id, Message.direction == "out", Message.status == "pending"
        )
    ):
        message.status = "canceled"
        message.status_at = now
