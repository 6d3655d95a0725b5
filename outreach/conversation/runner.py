"""A household's reply through the table: understand it, act, ask again once, or hand over.

Runs inside the inbound transaction, after the opt-out rules (outreach.engine.tick calls it for
every reply that is not STOP / START). The conversation row is locked, so two quick replies of one
household are handled one after the other. Each decision is an audit event (shown in the case
timeline); a reply the bot handled is filed in the inbox as already handled, so the team's list
shows only what needs a person.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import audit
from outreach.booking import checkin
from outreach.clock import Clock
from outreach.conversation.handlers import HANDLERS, not_understood
from outreach.conversation.state import conversation_of, keep_in_step, move
from outreach.conversation.table import FOLLOW_UP, SLOT_OFFERED, transition_for
from outreach.conversation.turn import ConversationSettings, Turn
from outreach.models import Case, Conversation, Enrolment, InboxItem, Message
from outreach.replies.intents import (
    Intent,
    Understanding,
    has_content,
    next_step_for,
    normalise,
    understand,
)

log = logging.getLogger(__name__)

CHECKIN_OPTIONS = 3


def on_reply(
    session: Session, clock: Clock, message: Message, case: Case, *, settings: ConversationSettings
) -> None:
    """The engine's reply handler: what the bot does with one reply of the household.

    The bot answers only households it wrote to (a sequence, or a conversation already under
    way); a reply from a case the team handles by hand stays with the team.
    """
    if not bot_started(session, case_id=case.id):
        return
    conversation = conversation_of(session, clock=clock, case=case)
    keep_in_step(session, clock=clock, conversation=conversation)
    understanding = understand(message.body, choices=_options(conversation))
    turn = Turn(session, clock, case, conversation, message, understanding, settings)
    before = conversation.state
    bot = _act(turn)
    _file(turn)
    audit.record(
        session,
        clock=clock,
        actor=None,
        action="conversation.decision",
        case_id=case.id,
        message_id=message.id,
        intent=str(understanding.intent),
        bot=bot,
        state=before,
        then=conversation.state,
    )
    log.info(
        "case %s: reply %s -> %s (%s -> %s)", case.id, message.id, bot, before, conversation.state
    )


def bot_started(session: Session, *, case_id: int) -> bool:
    for model in (Conversation, Enrolment):
        found = session.scalar(select(model.id).where(model.case_id == case_id).limit(1))
        if found is not None:
            return True
    return False


def _act(turn: Turn) -> str:
    """Run the line of the table; return the handler's name (or the policy's decision)."""
    conversation = turn.conversation
    understanding = turn.understanding
    if (
        conversation.state == SLOT_OFFERED
        and understanding.preference
        and understanding.intent in (Intent.YES, Intent.NO)
    ):
        # "je suis disponible mardi", "non pas le matin" to dates: other dates, at those times.
        understanding = turn.understanding = replace(understanding, intent=Intent.CHANGE)
    line = transition_for(conversation.state, understanding.intent)
    if line is None and understanding.intent is not Intent.HUMAN:
        # Understood words that make no sense here are not guessed either.
        understanding = Understanding(Intent.AMBIGUOUS)
    step = next_step_for(
        understanding,
        already_asked=conversation.asked_again,
        has_content=has_content(turn.reply.body),
    )
    if step == "ask_again":
        conversation.asked_again = True
        not_understood(turn)
        return "ask_again"
    conversation.asked_again = False
    if line is None or step == "hand_over":
        HANDLERS["hand_over"](turn)
        if understanding.intent is Intent.AMBIGUOUS:
            _not_understood_for_team(turn)
        return "hand_over"
    before = conversation.state
    then = HANDLERS[line.bot](turn)
    move(conversation, clock=turn.clock, state=then or line.then)
    if understanding.said_more or _free_text_checkin(turn, before):
        turn.for_team = True  # acted upon, and a person reads what else it says
    return line.bot


def _free_text_checkin(turn: Turn, state: str) -> bool:
    """An answer to the 15-day check-in with more than its number and the option's own words
    ("1 ça avance" is the option; "1 ça avance, j'ai vu la CAF" is for a person too)."""
    if state != FOLLOW_UP:
        return False
    labels = " ".join(label for _, label in checkin.answer_choices(turn.case.language))
    known = set(normalise(labels).split())
    words = [w for w in normalise(turn.reply.body).split() if not w.isdigit() and w not in known]
    return has_content(" ".join(words))


def _options(conversation: Conversation) -> int:
    """How many numbered options the bot's last question offered."""
    if conversation.state == SLOT_OFFERED:
        offered = len(conversation.offered_slot_ids or [])
        return offered + 1 if offered else 0  # the dates, then "another time"
    return CHECKIN_OPTIONS if conversation.state == FOLLOW_UP else 0


def _not_understood_for_team(turn: Turn) -> None:
    turn.session.add(
        InboxItem(
            kind="not_understood",
            case_id=turn.case.id,
            message_id=turn.reply.id,
            created_at=turn.clock.now(),
        )
    )


def _file(turn: Turn) -> None:
    """A reply the bot handled is filed as handled; one for a person stays open (inbound.py)."""
    turn.session.flush()
    if turn.for_team or _in_inbox(turn):
        return
    now = turn.clock.now()
    turn.session.add(
        InboxItem(
            kind="reply",
            case_id=turn.case.id,
            message_id=turn.reply.id,
            note="handled by the bot",
            created_at=now,
            handled_at=now,
        )
    )


def _in_inbox(turn: Turn) -> bool:
    found = turn.session.scalar(
        select(InboxItem.id).where(
            InboxItem.message_id == turn.reply.id, InboxItem.kind != "several_cases"
        )
    )
    return found is not None
