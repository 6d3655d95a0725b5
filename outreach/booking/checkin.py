"""The 15-day check-in: how are the démarches going, 15 days after the last exchange.

A daily job (outreach/conversation/jobs.py, 10:00 Paris) looks at the cases the team works with
(a visit took place, or démarches are open). When the last exchange with the household (any
message either way, or the visit) is 15 days old, the bot asks "1 going well, 2 need help,
3 my situation has changed", naming the open démarches. No answer 3 days later: one reminder.
Still none 3 days after that: a task for the team. Every new exchange moves the 15-day mark by
itself, since it is read from the messages and visits at each run.

Never twice: the question is asked only from a state that is not already "follow-up", with the
conversation row locked; sends go through the outbox in the ordinary sending window (never at
night, on Sundays or public holidays).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from messages import N_, gettext
from messages.formatting import text_language
from messages.sequence_texts import TASK_LABELS
from messages.templates import Text, render_text
from outreach.casework import step_kinds
from outreach.clock import PARIS, Clock
from outreach.models import Case, Conversation, EngagementStep, Message, Visit
from outreach.models.followup import OPEN_STEP_STATUSES

log = logging.getLogger(__name__)

# Counted in Paris calendar days (the job runs once a morning, whatever the hour of the exchange).
AFTER = timedelta(days=15)
REMIND_AFTER = timedelta(days=3)
TASK_AFTER = timedelta(days=3)
MAX_STEPS_NAMED = 3  # keeps the question within two SMS segments

ANSWERS = (N_("going well"), N_("need help"), N_("situation changed"))
CHECKIN_THANKS = N_("Thank you, good to hear. If you need the team, just reply to this message.")
GOING_WELL, NEED_HELP, CHANGED = 1, 2, 3

# The team tasks a check-in creates (registered with the sequence tasks' labels).
NEED_HELP_TASK = "checkin_need_help"
CHANGED_TASK = "checkin_changed"
NO_ANSWER_TASK = "checkin_no_answer"
TASK_LABELS.setdefault(NEED_HELP_TASK, N_("Check-in: the household needs help"))
TASK_LABELS.setdefault(CHANGED_TASK, N_("Check-in: the household's situation has changed"))
TASK_LABELS.setdefault(NO_ANSWER_TASK, N_("Check-in: no answer after a reminder, phone them"))


def tenant_msgids() -> tuple[str, ...]:
    households = tuple(household for _, household in step_kinds.msgids())
    return (*households, *ANSWERS, CHECKIN_THANKS)


def steps_text(kinds: list[str], language: str) -> str:
    """ "demande FSL, plan d'apurement": the open démarches, at most three."""
    language = text_language(language)
    ordered = [kind for kind in step_kinds.kind_keys() if kind in kinds][:MAX_STEPS_NAMED]
    separator = "، " if language == "ar" else ", "
    return separator.join(step_kinds.household_label(kind, language) for kind in ordered)


def question(kinds: list[str], language: str) -> Text:
    """The check-in question naming the open démarches."""
    return render_text("checkin_question", language, steps=steps_text(kinds, language))


def reminder(language: str) -> Text:
    return render_text("checkin_reminder", language)


def thanks(language: str) -> Text:
    return Text("checkin_thanks", gettext(CHECKIN_THANKS, text_language(language)))


def answer_choices(language: str) -> list[tuple[str, str]]:
    """The three answers as buttons: ("1", "ça avance")…"""
    language = text_language(language)
    return [(str(number), gettext(label, language)) for number, label in enumerate(ANSWERS, 1)]


def open_step_kinds(session: Session, *, case_id: int) -> list[str]:
    return list(
        session.scalars(
            select(EngagementStep.kind).where(
                EngagementStep.case_id == case_id, EngagementStep.status.in_(OPEN_STEP_STATUSES)
            )
        )
    )


def last_exchange(session: Session, *, case: Case) -> datetime | None:
    """The latest message either way (sent or received) or visit that took place."""
    messages = session.scalar(
        select(func.max(func.coalesce(Message.sent_at, Message.created_at))).where(
            Message.case_id == case.id,
            or_(Message.direction == "in", Message.sent_at.is_not(None)),
        )
    )
    visits = session.scalar(
        select(func.max(Visit.starts_at)).where(
            Visit.case_id == case.id, Visit.status.in_(("held", "no_show"))
        )
    )
    known = [when for when in (messages, visits, case.last_contact_at) if when is not None]
    return max(known) if known else None


def followed_cases(session: Session) -> list[int]:
    """Cases the team works with: a visit took place or démarches are open; not closed."""
    visited = select(Visit.case_id).where(Visit.status == "held")
    with_steps = select(EngagementStep.case_id).where(EngagementStep.status.in_(OPEN_STEP_STATUSES))
    return list(
        session.scalars(
            select(Case.id)
            .where(
                or_(Case.id.in_(visited), Case.id.in_(with_steps)),
                Case.opted_out.is_(False),
                Case.status != "closed",
            )
            .order_by(Case.id)
        )
    )


def what_is_due(
    conversation: Conversation | None, *, last: datetime | None, now: datetime, answered: bool
) -> str | None:
    """ "question", "reminder", "task" or None, for one case now."""
    if conversation is not None and conversation.state == "follow_up" and not answered:
        asked = conversation.checkin_asked_at
        reminded = conversation.checkin_reminded_at
        if reminded is None and asked is not None and days_between(asked, now) >= REMIND_AFTER:
            return "reminder"
        if reminded is not None and days_between(reminded, now) >= TASK_AFTER:
            return "task"
        return None
    if last is not None and days_between(last, now) >= AFTER:
        return "question"
    return None


def days_between(earlier: datetime, later: datetime) -> timedelta:
    """Calendar days in Paris: the 1st at 18:00 to the 16th at 10:00 is 15 days."""
    return later.astimezone(PARIS).date() - earlier.astimezone(PARIS).date()


def answered_since(session: Session, *, case_id: int, since: datetime | None) -> bool:
    if since is None:
        return False
    found = session.scalar(
        select(Message.id)
        .where(Message.case_id == case_id, Message.direction == "in", Message.created_at > since)
        .limit(1)
    )
    return found is not None


def log_run(clock: Clock, counts: dict[str, int]) -> None:
    log.info("check-in at %s: %s", clock.now().isoformat(), counts)
