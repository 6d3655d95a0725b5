"""What one outbox row does when its time comes, and what a failed send leads to.

`prepare` runs inside the dispatcher's batch transaction: it checks that the row still applies
(household not opted out, sequence still running, sending window open, channel not over its rate
limit), creates the team task or writes the message as `sending` (the attempt, recorded before the
provider is called). `record_failure_of` decides after a failed send: retry later with backoff,
skip to the next channel, or give up and move the sequence on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.clock import Clock
from outreach.letters.batch import add_letter
from outreach.models import Case, Message
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.sending.channel import DeliveryError, ErrorKind, Outgoing
from outreach.sending.config import EngineConfig
from outreach.sending.identity import Identity
from outreach.sending.outbox import close, owned, release
from outreach.sending.send_now import apply_consequences, claim, outgoing_for, record_failure
from outreach.sequences.loader import SequenceStep
from outreach.sequences.runner import advance, applies, step_of
from outreach.sequences.steps import choose_route, render, write_message
from outreach.team.tasks import create_task


class Sender(Protocol):
    """What an attempt needs from the one running it (outreach.engine.dispatcher.Dispatcher):
    this module does not import the dispatcher, the dispatcher imports this module."""

    @property
    def clock(self) -> Clock: ...

    @property
    def config(self) -> EngineConfig: ...

    @property
    def enabled(self) -> tuple[str, ...]: ...

    @property
    def telegram_bot(self) -> str | None: ...

    @property
    def identity(self) -> Identity: ...

    def take(self, channel: str, body: str) -> int | None: ...


SESSION_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Ready:
    """A row whose message is written (`sending`) and can go to its channel."""

    item_id: int
    message: Message
    in_session: bool
    charged: int  # rate-limit tokens taken (messages or segments)


@dataclass(frozen=True)
class Attempt:
    item_id: int
    message_id: int
    case_id: int | None
    channel: str
    outgoing: Outgoing
    charged: int

    @classmethod
    def of(cls, ready: Ready) -> Attempt:
        message = ready.message  # flushed: it has its id now
        outgoing = outgoing_for(message, in_session=ready.in_session)
        return cls(
            ready.item_id, message.id, message.case_id, message.channel, outgoing, ready.charged
        )


def prepare(session: Session, dispatcher: Sender, item: OutboxItem) -> Ready | str:
    """Get one claimed row ready to send, or finish it here; the string says what happened."""
    now = dispatcher.clock.now()
    enrolment = item.enrolment
    if item.case.opted_out and item.kind != "confirmation":
        return cancel(item, now=now, reason="opted_out")
    if item.kind == "step" and (enrolment is None or enrolment.status != "active"):
        return cancel(item, now=now, reason="sequence_over")
    window = dispatcher.config.windows[item.send_window]
    if window is not None and not window.is_open(now):
        release(item, due_at=window.next_opening(now))
        return "deferred"
    if item.message is None:
        assert enrolment is not None
        return _start_step(session, dispatcher, item, item.case, enrolment)
    return _resend(session, dispatcher, item, item.message)


def _resend(
    session: Session, dispatcher: Sender, item: OutboxItem, message: Message
) -> Ready | str:
    """A message already written (a retry, a reply of the bot, a team message)."""
    now = dispatcher.clock.now()
    if message.status != "pending":
        close(item, now=now, status="canceled", error=f"message {message.status}")
        return "canceled"
    charged = dispatcher.take(message.channel, message.body)
    if charged is None:
        release(item)
        return "limited"
    claim(session, message_id=message.id, now=now)
    item.attempts += 1
    in_session = item.kind == "confirmation" or wrote_recently(session, message, now=now)
    return Ready(item.id, message, in_session=in_session, charged=charged)


def wrote_recently(session: Session, message: Message, *, now: datetime) -> bool:
    """The household wrote on this channel in the last 24 hours (WhatsApp's session window)."""
    found = session.scalar(
        select(Message.id)
        .where(
            Message.case_id == message.case_id,
            Message.direction == "in",
            Message.channel == message.channel,
            Message.created_at >= now - SESSION_WINDOW,
        )
        .limit(1)
    )
    return found is not None


def _start_step(
    session: Session, dispatcher: Sender, item: OutboxItem, case: Case, enrolment: Enrolment
) -> Ready | str:
    now = dispatcher.clock.now()
    step = step_of(enrolment, item.step_index or 0)
    if not applies(step, case):
        close(item, now=now, status="skipped", error=f"not for this household ({step.when})")
        advance(session, now=now, enrolment=enrolment, config=dispatcher.config)
        return "skipped"
    if step.task is not None or step.letter:
        return _paper_step(session, dispatcher, item, case, enrolment, step)
    route = choose_route(case, step, dispatcher.enabled, list(item.skip_channels or ()))
    if route is None:
        close(item, now=now, status="skipped", error="no usable channel")
        advance(session, now=now, enrolment=enrolment, config=dispatcher.config)
        return "skipped"
    assert step.send is not None
    text = render(
        session,
        clock=dispatcher.clock,
        case=case,
        template=step.send,
        route=route,
        telegram_bot=dispatcher.telegram_bot,
        identity=dispatcher.identity,
    )
    charged = dispatcher.take(route.channel, text.body)
    if charged is None:
        item.channel = route.channel  # the next claims leave it aside while the channel is full
        release(item)
        return "limited"
    message = write_message(session, clock=dispatcher.clock, case=case, route=route, text=text)
    item.message, item.channel = message, route.channel
    item.attempts += 1
    return Ready(item.id, message, in_session=False, charged=charged)


def _paper_step(
    session: Session,
    dispatcher: Sender,
    item: OutboxItem,
    case: Case,
    enrolment: Enrolment,
    step: SequenceStep,
) -> str:
    """A step for people, not a channel: a task for the team, a letter in the print batch."""
    now = dispatcher.clock.now()
    if step.task is not None:
        create_task(session, clock=dispatcher.clock, case_id=case.id, task=step.task)
        outcome = "task"
    else:
        assert step.send is not None
        letter = add_letter(
            session,
            clock=dispatcher.clock,
            case=case,
            template=step.send,
            telegram_bot=dispatcher.telegram_bot,
        )
        outcome = "letter" if letter is not None else "skipped"
    if outcome == "skipped":
        close(item, now=now, status="skipped", error="no postal address")
    else:
        close(item, now=now, status="done")
    advance(session, now=now, enrolment=enrolment, config=dispatcher.config)
    return outcome


def record_failure_of(
    session: Session, dispatcher: Sender, attempt: Attempt, token: str, error: DeliveryError
) -> str:
    """The provider refused: record it on the message, then retry, skip or give up."""
    item = owned(session, item_id=attempt.item_id, token=token)
    message = item.message if item is not None else None
    message = message or session.get_one(Message, attempt.message_id)
    record_failure(session, clock=dispatcher.clock, message=message, error=error)
    if item is None:  # reconciled meanwhile (a very slow provider)
        return "late"
    if error.kind == ErrorKind.UNCERTAIN:  # maybe sent: never resent, the sequence moves on
        now = dispatcher.clock.now()
        close(item, now=now, status="uncertain", error=f"{error.kind} {error.code or ''}".strip())
        if item.kind == "step" and item.enrolment is not None:
            advance(session, now=now, enrolment=item.enrolment, config=dispatcher.config)
        return "uncertain"
    if error.temporary:
        return _retry_or_give_up(session, dispatcher, item, message, error)
    return _after_permanent(session, dispatcher, item, message, error)


def _retry_or_give_up(
    session: Session,
    dispatcher: Sender,
    item: OutboxItem,
    message: Message,
    error: DeliveryError,
) -> str:
    now = dispatcher.clock.now()
    backoff = dispatcher.config.backoff
    limit = min(backoff.max_attempts, error.max_attempts or backoff.max_attempts)
    item.last_error = f"{error.kind} {error.code or ''}".strip()
    if item.attempts < limit:
        due = now + timedelta(seconds=backoff.delay(item.attempts, error.retry_after))
        window = dispatcher.config.windows[item.send_window]
        release(item, due_at=window.next_opening(due) if window else due)
        return "retry"
    # Out of retries: from here on it is handled like a permanent failure.
    given_up = DeliveryError(ErrorKind.PERMANENT, code=error.code, detail="too many retries")
    message.status = "failed"
    apply_consequences(session, clock=dispatcher.clock, message=message, error=given_up)
    return _after_permanent(session, dispatcher, item, message, given_up)


def _after_permanent(
    session: Session,
    dispatcher: Sender,
    item: OutboxItem,
    message: Message,
    error: DeliveryError,
) -> str:
    now = dispatcher.clock.now()
    item.last_error = f"{error.kind} {error.code or ''}".strip()
    if error.kind == ErrorKind.OPTED_OUT:
        close(item, now=now, status="failed")
        return "opted_out"
    if item.kind == "step" and error.kind != ErrorKind.CONTENT_FILTERED:
        # Skip to the next channel of this step now, instead of retrying this one.
        item.skip_channels = [*(item.skip_channels or ()), message.channel]
        item.message, item.channel, item.attempts = None, None, 0
        release(item, due_at=now)
        return "next_channel"
    close(item, now=now, status="failed")
    if item.kind == "step" and item.enrolment is not None:
        advance(session, now=now, enrolment=item.enrolment, config=dispatcher.config)
    return "failed"


def cancel(item: OutboxItem, *, now: datetime, reason: str) -> str:
    close(item, now=now, status="canceled", error=reason)
    if item.message is not None and item.message.status == "pending":
        item.message.status = "canceled"
        item.message.status_at = now
    return "canceled"
