"""A household calls the team's number (channel "voice"): the call counts as a reply.

The call is stored once (by the provider's call id) as an inbound message on the "voice"
channel, attached to the caller's case like any reply: its automatic messages stop and the case
is "reached". A person must call back, so a "call back" task opens on the case at once, with the
call; a caller no case knows goes to the inbox as an unknown sender. When the team's phone is
rung first and someone answers, no task is needed: the call is only recorded. A voicemail's
recording stays with the provider: only its address is kept (in the message's raw data, which
retention clears), once, whatever the number of callbacks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.casework import lifecycle
from outreach.clock import Clock
from outreach.models import Case, InboxItem, Message
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Inbound
from outreach.sequences.runner import stop_for_case
from outreach.team.tasks import create_task

log = logging.getLogger(__name__)

CHANNEL = "voice"
CALL_BACK_TASK = "call_back"


@dataclass(frozen=True)
class Call:
    call_id: str  # the provider's call id (Twilio CallSid)
    caller: str  # E.164, or "" when the number is withheld
    received_at: datetime
    raw: dict[str, str]


@dataclass(frozen=True)
class Recording:
    call_id: str
    recording_id: str
    url: str
    seconds: int | None


def record_call(session: Session, *, clock: Clock, call: Call, call_back: bool) -> Message:
    """Store the call once and attach it to its case; a call-back task when `call_back`."""
    inbound = Inbound(
        channel=CHANNEL,
        provider_id=call.call_id,
        address=call.caller or "anonymous",
        body="",
        received_at=call.received_at,
        raw=call.raw,
    )
    message, created = store_inbound(session, clock=clock, inbound=inbound)
    if created:

        def reached(session: Session, clock: Clock, message: Message, case: Case) -> None:
            stop_for_case(session, now=clock.now(), case_id=case.id, reason="reply")
            lifecycle.advance(session, case=case, to="reached", at=clock.now())
            if call_back:
                _call_back_task(session, clock=clock, message=message)

        case = process_inbound(
            session, clock=clock, message=message, reply_path=reached, to_inbox=call_back
        )
        log.info("call %s stored (case %s)", message.id, case.id if case else None)
    return message


def missed(session: Session, *, clock: Clock, call_id: str) -> None:
    """Nobody of the team answered the call put through: the call-back task opens now."""
    message = _call(session, call_id)
    if message is not None and message.case_id is not None:
        _call_back_task(session, clock=clock, message=message)


def attach_recording(session: Session, *, recording: Recording) -> bool:
    """Keep the voicemail's address on its call, once; False when already kept or no call."""
    message = _call(session, recording.call_id)
    if message is None:
        return False
    raw = dict(message.raw or {})
    if raw.get("RecordingUrl"):
        return False
    raw.update(
        RecordingSid=recording.recording_id,
        RecordingUrl=recording.url,
        RecordingDuration=str(recording.seconds or ""),
    )
    message.raw = raw
    log.info("voicemail kept for call %s", message.id)
    return True


def recording_url(message: Message) -> str | None:
    return (message.raw or {}).get("RecordingUrl") if message.channel == CHANNEL else None


def _call(session: Session, call_id: str) -> Message | None:
    return session.scalar(
        select(Message).where(
            Message.channel == CHANNEL,
            Message.direction == "in",
            Message.provider_id == call_id,
        )
    )


def _call_back_task(session: Session, *, clock: Clock, message: Message) -> None:
    exists = session.scalar(
        select(InboxItem.id).where(
            InboxItem.message_id == message.id, InboxItem.note == CALL_BACK_TASK
        )
    )
    if exists is None and message.case_id is not None:
        item = create_task(session, clock=clock, case_id=message.case_id, task=CALL_BACK_TASK)
        item.message_id = message.id
