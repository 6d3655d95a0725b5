"""A team member writes to a household: one rule for the JSON API and the case page.

The text is checked (not empty, not too long), put on the case's best channel as a pending
message, and audited. Inside the reply window (08:00-21:00 in Paris by default,
ALLERVERS_REPLY_WINDOW) the caller sends it at once. Outside it the message waits in the
outbox until the window opens: a household is never woken up by a message, whoever wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from messages import gettext
from outreach import audit
from outreach.clock import Clock
from outreach.engine.attempts import wrote_recently
from outreach.models import Case, Message, TeamUser
from outreach.sending.outbox import enqueue_send
from outreach.sending.quiet_hours import Window
from outreach.sending.send_now import best_route, queue_message
from outreach.team.inbox import close_answered

MAX_LENGTH = 1000


class MessageRefused(ValueError):
    """The text cannot be sent as it is; the message says why, for the team."""


@dataclass(frozen=True)
class TeamMessage:
    # The pending message, kept so the caller claims and sends it without reading it again.
    message: Message = field(compare=False, repr=False)
    in_session: bool  # the household wrote within 24 h (WhatsApp's free-text window)
    send_at: datetime | None  # None: send now; else the outbox sends it then


def write_to_household(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    author: TeamUser,
    text: str,
    channels: tuple[str, ...],
    reply_window: Window | None,
) -> TeamMessage:
    """Queue the team member's message (NotSendable, MessageRefused); the caller commits."""
    body = text.strip()
    if not body:
        raise MessageRefused(gettext("The message is empty."))
    if len(body) > MAX_LENGTH:
        raise MessageRefused(
            gettext(
                "The message is too long ({length} characters, at most {limit}).",
                length=len(body),
                limit=MAX_LENGTH,
            )
        )
    route = best_route(case, channels)
    message = queue_message(
        session, clock=clock, case=case, route=route, body=body, author_id=author.id
    )
    audit.record(
        session,
        clock=clock,
        actor=author,
        action="message.send",
        case_id=case.id,
        message_id=message.id,
        channel=route.channel,
    )
    close_answered(session, clock=clock, user=author, case_id=case.id)  # answered: read
    now = clock.now()
    in_session = wrote_recently(session, message, now=now)
    if reply_window is None or reply_window.is_open(now):
        return TeamMessage(message, in_session, send_at=None)
    opening = reply_window.next_opening(now)
    enqueue_send(session, now=now, message=message, due_at=opening)
    return TeamMessage(message, in_session, send_at=opening)
