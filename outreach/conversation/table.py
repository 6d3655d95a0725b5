"""The conversation with a household, as one table a social worker can read aloud.

Read each line as: "when we are at <state> and the household says <intent>, the bot <does this>,
and we are then at <next state>". A few things can happen in any state (the second table). A reply
that fits no line is never guessed: the bot asks again once, then a person of the team reads it.

The path of a visit, top to bottom:
first contact → interested → consent asked → consent given → slot offered → visit booked →
reminded → visited → (contract asked: the team sends the engagement contract's summary, the
household answers YES) → follow-up (the 15-day check-in). At any point after the first answer the
team may ask to share a summary with a partner (referral asked): YES or NO, then back where it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach.replies.intents import Intent

# --- The states -------------------------------------------------------------------------------

FIRST_CONTACT = "first_contact"  # the bot wrote first; no answer yet
INTERESTED = "interested"  # the household wants help and asked to talk to someone first
CONSENT_ASKED = "consent_asked"  # the bot asked for agreement to the social review
CONSENT_GIVEN = "consent_given"  # agreed; no visit booked (none offered, or cancelled)
REFUSED = "refused"  # said no to help or to the review; the team decides what next
SLOT_OFFERED = "slot_offered"  # the bot offered dates "1, 2 or 3"
VISIT_BOOKED = "visit_booked"  # a date is booked and confirmed
REMINDED = "reminded"  # the reminder of the day before was sent
VISITED = "visited"  # the worker came (or nobody was home); the check-in comes 15 days later
FOLLOW_UP = "follow_up"  # the bot asked how the démarches are going (1, 2 or 3)
CONTRACT_ASKED = "contract_asked"  # the team sent the contract's summary: "do you agree? YES/NO"
# The team asked to share a summary with a partner, named, for a purpose: "YES/NO". After the
# answer the conversation goes back where it was (the referral remembers it).
REFERRAL_ASKED = "referral_asked"

STATES = (
    FIRST_CONTACT,
    INTERESTED,
    CONSENT_ASKED,
    CONSENT_GIVEN,
    REFUSED,
    SLOT_OFFERED,
    VISIT_BOOKED,
    REMINDED,
    VISITED,
    FOLLOW_UP,
    CONTRACT_ASKED,
    REFERRAL_ASKED,
)
SAME = "same"  # the state does not change


@dataclass(frozen=True)
class Transition:
    state: str
    says: Intent
    bot: str  # a handler of outreach/conversation/handlers.py
    then: str  # the next state (a handler may say otherwise, e.g. "the slot was just taken")


T = Transition
YES, NO, CHOICE = Intent.YES, Intent.NO, Intent.CHOICE
CHANGE, CANCEL, CALL_ME, NEED_HELP = Intent.CHANGE, Intent.CANCEL, Intent.CALL_ME, Intent.NEED_HELP

# fmt: off
TABLE: tuple[Transition, ...] = (
    # when we are at     and they say  the bot                 and we are then at
    T(FIRST_CONTACT,     YES,          "ask_consent",          CONSENT_ASKED),
    T(FIRST_CONTACT,     NO,           "respect_refusal",      REFUSED),
    T(FIRST_CONTACT,     CALL_ME,      "hand_over",            INTERESTED),
    T(INTERESTED,        YES,          "ask_consent",          CONSENT_ASKED),
    T(CONSENT_ASKED,     YES,          "record_consent",       SLOT_OFFERED),
    T(CONSENT_ASKED,     NO,           "record_refusal",       REFUSED),
    T(REFUSED,           YES,          "ask_consent",          CONSENT_ASKED),
    T(CONSENT_GIVEN,     YES,          "offer_slots",          SLOT_OFFERED),
    T(SLOT_OFFERED,      CHOICE,       "book_slot",            VISIT_BOOKED),
    T(SLOT_OFFERED,      CHANGE,       "offer_other_slots",    SLOT_OFFERED),
    T(SLOT_OFFERED,      NO,           "hand_over",            CONSENT_GIVEN),
    T(VISIT_BOOKED,      CHANGE,       "offer_change",         SLOT_OFFERED),
    T(VISIT_BOOKED,      CANCEL,       "cancel_visit",         CONSENT_GIVEN),
    T(REMINDED,          CHANGE,       "offer_change",         SLOT_OFFERED),
    T(REMINDED,          CANCEL,       "cancel_visit",         CONSENT_GIVEN),
    T(FOLLOW_UP,         CHOICE,       "checkin_answer",       VISITED),
    T(FOLLOW_UP,         NEED_HELP,    "checkin_need_help",    VISITED),
    T(VISITED,           NEED_HELP,    "checkin_need_help",    VISITED),
    T(CONTRACT_ASKED,    YES,          "record_contract",      VISITED),
    T(CONTRACT_ASKED,    NO,           "contract_declined",    VISITED),
    T(REFERRAL_ASKED,    YES,          "record_referral",      VISITED),
    T(REFERRAL_ASKED,    NO,           "referral_declined",    VISITED),
)

# In any state: the household asks who we are, changes language, takes back its agreement,
# or needs a person.
ANY_STATE: tuple[tuple[Intent, str, str], ...] = (
    # they say                   the bot               and we are then at
    (Intent.HELP,                "explain",            SAME),
    (Intent.LANGUAGE,            "change_language",    SAME),
    (Intent.CONSENT_WITHDRAWN,   "withdraw_consent",   REFUSED),
    (CALL_ME,                    "hand_over",          SAME),
    (NEED_HELP,                  "hand_over",          SAME),
    (Intent.HUMAN,               "hand_over",          SAME),
)
# fmt: on


def transition_for(state: str, says: Intent) -> Transition | None:
    """The line of the table for this state and reply; None: not understood here."""
    for line in TABLE:
        if line.state == state and line.says == says:
            return line
    for intent, bot, then in ANY_STATE:
        if intent == says:
            return Transition(state, says, bot, state if then == SAME else then)
    return None
