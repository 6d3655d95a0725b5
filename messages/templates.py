"""Every text the bot sends a household, with what it may cost.

Each template has a name (stored on the Message row), an English msgid (translated in the
catalogs), and a segment budget: how many SMS segments it may take in a language written in GSM-7
(French, English) with long realistic values. Arabic is UCS-2 by nature (70 characters in one SMS,
67 a segment): its budget is `ucs2_segments`, never more than 3. A French or English text that
needs a character outside GSM-7 (ç ê â î ô û ’ « ») must say so with `needs_ucs2`: it then costs
twice as much, so none does today. tests/test_sms_budget.py renders every template in every
language and holds each to its budget.

Values put into a text (a date, a name) go through `sms_safe` in GSM-7 languages: "août" becomes
"aout" (the 1990 spelling) and a non-breaking space a plain one, so a value never changes the
encoding of the whole message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter
from types import MappingProxyType
from typing import NamedTuple

from messages import N_, gettext
from messages.formatting import BETWEEN_TIMES, DAY_AT_TIME, text_language
from messages.landlord_texts import SMS_FOLLOWED, SMS_GENERAL
from messages.sequence_texts import (
    LINK_TEXTS,
    OPT_IN_CONFIRMATION,
    OPT_OUT_CONFIRMATION,
    SEQUENCE_TEXTS,
)

MAX_SEGMENTS = 3
# Languages whose script is outside GSM-7: every message in them is UCS-2.
UCS2_LANGUAGES = frozenset({"ar"})


@dataclass(frozen=True)
class SmsTemplate:
    name: str
    msgid: str
    segments: int = 1  # budget in GSM-7 languages (French, English)
    ucs2_segments: int = MAX_SEGMENTS  # budget in UCS-2 languages (Arabic)
    needs_ucs2: bool = False  # a French/English text allowed outside GSM-7 (costs double)
    # The languages it is ever sent in (empty: every language). Landlords are written to in
    # French: their texts are held to the budget in French only.
    languages: tuple[str, ...] = ()

    def budget(self, language: str) -> int:
        """How many segments the text may take in `language`."""
        if language in UCS2_LANGUAGES or self.needs_ucs2:
            return self.ucs2_segments
        return self.segments


# --- The conversation: consent, booking, languages, check-in ------------------------------------

CONSENT_QUESTION = N_(
    "To help you, the team reviews your social and financial situation with you (budget, "
    "housing). It is free and confidential. Do you agree? Reply YES or NO. Your data: {link}"
)
CONSENT_REFUSED = N_(
    "Noted, we respect your choice: nothing will be done without your agreement. If you change "
    "your mind or have a question, just reply to this message."
)
CONSENT_WITHDRAWN = N_(
    "Noted, your agreement is withdrawn: we will no longer use your information for the review. "
    "A member of the team may contact you."
)
SLOT_OFFER = N_("Here are the next dates for the home visit:\n{options}\nReply {numbers}")
SLOT_TAKEN = N_("Sorry, this time has just been taken. Other dates:\n{options}\nReply {numbers}")
NO_SLOT = N_(
    "We have no free date at the moment. A member of the mobile team will call you to arrange "
    "the visit."
)
BOOKING_CONFIRMATION = N_(
    "Visit confirmed on {date}. {worker}, from the mobile team, will come to your home {window}. "
    "To change, reply CHANGE; to cancel, CANCEL."
)
VISIT_REMINDER = N_(
    "Reminder: {worker}, from the mobile team, will come to your home on {day}, {window}. "
    "To change, reply CHANGE; to cancel, CANCEL."
)
# The same, for a visit at a place near the household's home (mairie, CCAS, France Services…).
# At a place near the home the household comes at the time (no arrival window); without the
# worker's name, the place's name and address take its room.
BOOKING_CONFIRMATION_PLACE = N_(
    "Appointment with the mobile team confirmed on {date}, at: {place}. To change, reply CHANGE; "
    "to cancel, CANCEL."
)
VISIT_REMINDER_PLACE = N_(
    "Reminder: appointment with the mobile team on {date}, at: {place}. To change, reply CHANGE; "
    "to cancel, CANCEL."
)
CHANGE_CONFIRMATION_PLACE = N_(
    "Noted, your appointment is moved to {date}, at: {place}. To cancel, reply CANCEL."
)
# The engagement contract's summary, for the household's agreement by message.
CONTRACT_QUESTION = N_(
    "Hello, this is the mobile team. Here are the steps we agreed: {steps}. Do you agree with "
    "this plan? Reply YES or NO."
)
CONTRACT_AGREED = N_(
    "Thank you, your agreement is recorded. The mobile team stays at your side: reply to this "
    "message if you need help."
)
# Sharing with a partner (referral): the partner by name, the purpose in the household's words
# (REFERRAL_PURPOSES below; the team's names of them are in outreach/partners/referrals.py).
REFERRAL_QUESTION = N_(
    "Hello, this is the mobile team. For {purpose}, we would like to send a summary of your "
    "situation to {partner}. Do you agree? Reply YES or NO."
)
# Two days before a démarche the household agreed to do itself is due.
STEP_NUDGE = N_(
    "Hello, this is the mobile team. As agreed, {step} is planned for {day}. If you need help, "
    "just reply to this message."
)
CHANGE_CONFIRMATION = N_(
    "Noted, your visit is moved to {date}. The team will come to your home {window}. "
    "To cancel, reply CANCEL."
)
CANCEL_CONFIRMATION = N_("Your visit on {date} is cancelled. For a new date, reply YES.")
TOO_LATE_TO_CHANGE = N_(
    "It is too late to change the visit by message. A member of the mobile team will call you."
)
LANGUAGE_CHANGED = N_(
    "Noted, we will write to you in English from now on. Other languages: reply FR (French) or "
    "AR (Arabic)."
)
HELP = N_(
    "This is the eviction-prevention mobile team ({organisation}): free and confidential help "
    "with your housing. To talk to us, call {phone} or reply YES for a home visit. "
    "Reply STOP to receive no more messages."
)
NOT_UNDERSTOOD = N_(
    "Sorry, we did not understand your answer. Please reply with the word or the number asked for."
)
HANDED_OVER = N_("Thank you, a member of the mobile team will read your message and answer you.")
CHECKIN_QUESTION = N_(
    "Hello, this is the mobile team. How are your steps going ({steps})? Reply 1 going well, "
    "2 need help, 3 my situation has changed"
)
CHECKIN_REMINDER = N_(
    "Hello, the mobile team is waiting for your news. How are your steps going? Reply 1 going "
    "well, 2 need help, 3 my situation has changed"
)

_CONVERSATION = (
    SmsTemplate("consent_question", CONSENT_QUESTION, segments=2),
    SmsTemplate("consent_refused", CONSENT_REFUSED),
    SmsTemplate("consent_withdrawn", CONSENT_WITHDRAWN),
    SmsTemplate("slot_offer", SLOT_OFFER, segments=2),
    SmsTemplate("slot_taken", SLOT_TAKEN, segments=2),
    SmsTemplate("no_slot", NO_SLOT),
    SmsTemplate("booking_confirmation", BOOKING_CONFIRMATION, segments=2),
    SmsTemplate("visit_reminder", VISIT_REMINDER, segments=2),
    SmsTemplate("change_confirmation", CHANGE_CONFIRMATION),
    SmsTemplate("booking_confirmation_place", BOOKING_CONFIRMATION_PLACE, segments=3),
    SmsTemplate("visit_reminder_place", VISIT_REMINDER_PLACE, segments=3),
    SmsTemplate("change_confirmation_place", CHANGE_CONFIRMATION_PLACE, segments=2),
    SmsTemplate("step_nudge", STEP_NUDGE, segments=2),
    SmsTemplate("contract_question", CONTRACT_QUESTION, segments=2),
    SmsTemplate("contract_agreed", CONTRACT_AGREED),
    SmsTemplate("referral_question", REFERRAL_QUESTION, segments=2),
    SmsTemplate("referral_agreed", CONTRACT_AGREED),
    SmsTemplate("cancel_confirmation", CANCEL_CONFIRMATION),
    SmsTemplate("too_late_to_change", TOO_LATE_TO_CHANGE),
    SmsTemplate("language_changed", LANGUAGE_CHANGED),
    SmsTemplate("help", HELP, segments=2),
    SmsTemplate("not_understood", NOT_UNDERSTOOD),
    SmsTemplate("handed_over", HANDED_OVER),
    SmsTemplate("checkin_question", CHECKIN_QUESTION, segments=2),
    SmsTemplate("checkin_reminder", CHECKIN_REMINDER),
)

# --- The outreach engine's texts (messages/sequence_texts.py), held to the same budgets --------

_ENGINE = (
    SmsTemplate("intro", SEQUENCE_TEXTS["intro"], segments=2),
    SmsTemplate("reminder", SEQUENCE_TEXTS["reminder"], segments=2),
    SmsTemplate("whatsapp_hello", SEQUENCE_TEXTS["whatsapp_hello"], segments=2),
    SmsTemplate("last_message", SEQUENCE_TEXTS["last_message"], segments=2),
    SmsTemplate("reminder_link", LINK_TEXTS["reminder"], segments=2),
    SmsTemplate("opt_out_confirmation", OPT_OUT_CONFIRMATION),
    SmsTemplate("opt_in_confirmation", OPT_IN_CONFIRMATION),
)

# --- To landlords (messages/landlord_texts.py): the guarantees they can call on -----------------

_LANDLORD = (
    SmsTemplate("landlord_general", SMS_GENERAL, segments=3, languages=("fr",)),
    SmsTemplate("landlord_followed", SMS_FOLLOWED, segments=3, languages=("fr",)),
)

TEMPLATES: dict[str, SmsTemplate] = {
    template.name: template for template in _CONVERSATION + _ENGINE + _LANDLORD
}
# Who comes, when the worker's name is unknown ("{worker}, from the mobile team, will come").
SOMEONE = N_("A team member")
# The last option of a date offer: none of these dates, a person finds another time.
ANOTHER_TIME = N_("Another time")
# What a referral is for, in the household's words ("For {purpose}, we would like…").
REFERRAL_PURPOSES = {
    "fsl": N_("an application for help from the FSL"),
    "caf": N_("your housing benefit"),
    "over_indebtedness": N_("an over-indebtedness file"),
    "budget": N_("help with your budget"),
    "legal": N_("legal advice on your situation"),
    "rehousing": N_("finding another home"),
    "social_support": N_("social support"),
}
# Words inside texts, translated in the catalogs too.
FRAGMENTS = (DAY_AT_TIME, BETWEEN_TIMES, SOMEONE, ANOTHER_TIME, *REFERRAL_PURPOSES.values())

# Characters replaced in values so that a value never turns a GSM-7 text into UCS-2.
_GSM_SAFE = str.maketrans(
    {
        **dict(zip("çâêîôûëïÿÂÊÎÔÛËÏÈÀÙ", "caeioueiyAEIOUEIEAU", strict=True)),
        **dict.fromkeys("\u00a0\u202f\u2009", " "),
        **dict.fromkeys("’‘", "'"),
        **dict.fromkeys("«»“”", '"'),
        **dict.fromkeys("–—", "-"),
        "œ": "oe",
        "Œ": "OE",
    }
)


def sms_safe(value: str) -> str:
    """`value` without the characters that force UCS-2 in a French or English text."""
    return value.translate(_GSM_SAFE)


def render(name: str, language: str, **values: object) -> str:
    """The text of template `name` in `language` (French when it has no catalog)."""
    template = TEMPLATES[name]
    language = text_language(language)
    if language not in UCS2_LANGUAGES:
        values = {key: sms_safe(str(value)) for key, value in values.items()}
    return gettext(template.msgid, language, **values)


class Text(NamedTuple):
    """A text for a household: its template name, its body, and the values it was rendered with.

    The values are stored on the Message row: WhatsApp sends them with the approved template
    outside the 24-hour window (bot/whatsapp.py).
    """

    template: str
    body: str
    values: Mapping[str, str] = MappingProxyType({})


def render_text(name: str, language: str, **values: object) -> Text:
    """`render`, keeping the template name and the values (as strings, before `sms_safe`)."""
    body = render(name, language, **values)
    return Text(name, body, {key: str(value) for key, value in values.items()})


def template_variables(name: str) -> tuple[str, ...]:
    """The placeholders of template `name`, in the order they first appear in its msgid.

    This order numbers a WhatsApp template's variables: {{1}} is the first placeholder, {{2}} the
    second… ("visit_reminder": {{1}} worker, {{2}} day, {{3}} window), whatever order a
    translation puts them in. A name outside the registry has none.
    """
    template = TEMPLATES.get(name)
    if template is None:
        return ()
    names: list[str] = []
    for _, field, _, _ in Formatter().parse(template.msgid):
        if field and field not in names:
            names.append(field)
    return tuple(names)


def tenant_msgids() -> tuple[str, ...]:
    """Every msgid of messages/ that a household reads (SMS and fragments)."""
    return tuple(template.msgid for template in TEMPLATES.values()) + FRAGMENTS
