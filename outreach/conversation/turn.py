"""One reply being handled: everything a handler needs, and what it decided."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from messages.templates import Text
from outreach.booking.config import BookingConfig, current_booking_config
from outreach.clock import Clock
from outreach.conversation import replies
from outreach.models import Case, Conversation, Message
from outreach.replies.intents import Understanding
from outreach.sending.identity import Identity


@dataclass(frozen=True)
class ConversationSettings:
    """What the composition root tells the conversation (outreach.conversation.reply_handler)."""

    public_url: str = "http://127.0.0.1:8000"
    booking: BookingConfig | None = None
    identity: Identity = field(default_factory=Identity)  # who writes: named when asked


@dataclass
class Turn:
    session: Session
    clock: Clock
    case: Case
    conversation: Conversation
    reply: Message  # the household's message
    understanding: Understanding
    settings: ConversationSettings
    for_team: bool = False  # a person should read this reply (the inbox item stays open)

    def say(self, text: Text, choices: replies.Choices = ()) -> Message:
        return replies.reply(
            self.session,
            clock=self.clock,
            case=self.case,
            conversation=self.conversation,
            to=self.reply,
            text=text,
            choices=choices,
        )

    @property
    def booking(self) -> BookingConfig:
        return self.settings.booking or current_booking_config()
