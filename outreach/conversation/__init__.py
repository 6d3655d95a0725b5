"""The conversation: what the bot does with a household's reply.

- table.py: the states and the one table of transitions, to read aloud;
- handlers.py: what the bot does on each line (consent, booking, check-in, language…);
- runner.py: a reply through the table (understand, act, ask again once, hand over);
- replies.py: the bot's messages, through the outbox;
- jobs.py: the daily jobs (slots, visit reminders, the 15-day check-in);
- timeline.py: the conversation in the case timeline and the indicators funnel.
"""

from __future__ import annotations

from functools import partial

from outreach.booking.config import BookingConfig
from outreach.conversation import runner
from outreach.conversation.turn import ConversationSettings
from outreach.replies.inbound import InboundHook
from outreach.sending.identity import Identity

__all__ = ["reply_handler"]


def reply_handler(
    *, public_url: str, booking: BookingConfig | None = None, identity: Identity | None = None
) -> InboundHook:
    """The conversation as the engine's reply handler (see outreach.engine.tick.ReplyPath)."""
    settings = ConversationSettings(
        public_url=public_url, booking=booking, identity=identity or Identity()
    )
    return partial(runner.on_reply, settings=settings)
