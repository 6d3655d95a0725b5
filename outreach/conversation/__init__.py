"""The conversation: what the bot does with a household's reply.

- table.py: the states and the one table of transitions, to read aloud;
- handlers.py: what the bot does on each line (consent, booking, check-in, language…);
- runner.py: a reply through the table (understand, act, ask again once, hand over);
- replies.py: the bot's messages, through the outbox;
- jobs.py: the daily jobs (slots, visit reminders, the 15-day check-in);
- timeline.py: the conversation in the case timeline and the indicators funnel.
"""

from __future__ import annotations

from outreach.booking.config import BookingConfig
from outreach.conversation import runner
from outreach.conversation.turn import Settings

__all__ = ["install"]


def install(*, public_url: str, booking: BookingConfig | None = None) -> None:
    """Plug the conversation into the engine, the timeline and the indicators (idempotent)."""
    from outreach.conversation import jobs, timeline
    from outreach.engine import tick as engine

    runner.settings = Settings(public_url=public_url, booking=booking)
    engine.install(reply_handler=runner.on_reply)
    timeline.install()
    timeline.install_stages()
    for job in jobs.DAILY_JOBS:  # the scheduler runs engine.DAILY_JOBS
        if all(known.name != job.name for known in engine.DAILY_JOBS):
            engine.DAILY_JOBS.append(job)
