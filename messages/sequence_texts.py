"""Texts of the outreach engine: sequence messages, opt-out confirmations, team task labels.

The msgids are English; the French catalog is the reference. Every sequence message says who we
are, that the help is free and confidential, and offers STOP; none mentions the debt. French SMS
texts stay in GSM-7 (no ç ê â î ô û ’ « » or non-breaking space): one UCS-2 character would halve
the room in each segment and double the cost.
"""

from __future__ import annotations

from messages import N_

# Template name (as written in outreach/sequences/*.toml) -> msgid.
SEQUENCE_TEXTS = {
    "intro": N_(
        "Hello, this is the eviction-prevention mobile team ({organisation}). We help households "
        "with their housing, free of charge and in confidence. Reply to this message or call us "
        "on {phone}. Reply STOP to receive no more messages."
    ),
    "reminder": N_(
        "Hello, the eviction-prevention mobile team wrote to you recently. Our help is free "
        "and confidential. Reply YES and we will suggest a home visit. "
        "Reply STOP to receive no more messages."
    ),
    "whatsapp_hello": N_(
        "Hello, this is the eviction-prevention mobile team. We can help you with your housing, "
        "free of charge and in confidence. You can answer here whenever you like. "
        "Reply STOP to receive no more messages."
    ),
    "last_message": N_(
        "Hello, this is our last message: the eviction-prevention mobile team remains "
        "available, free of charge and in confidence. Reply to this message whenever you wish. "
        "Reply STOP to receive no more messages."
    ),
}

# The same message when a Telegram link can be offered ({link}: the bot's deep link). The link
# comes with the reminder: the first message names who writes and the number to call (issue #14),
# and both do not fit one SMS in Arabic.
LINK_TEXTS = {
    "reminder": N_(
        "Hello, the eviction-prevention mobile team wrote to you recently. Our help is free "
        "and confidential. Reply YES and we will suggest a home visit, or write to us on "
        "Telegram: {link} Reply STOP to receive no more messages."
    ),
}

OPT_OUT_CONFIRMATION = N_(
    "You will receive no more messages from the eviction-prevention mobile team. "
    "To start again, reply START."
)
OPT_IN_CONFIRMATION = N_(
    "Noted: you will receive our messages again. The eviction-prevention mobile team. "
    "Reply STOP to receive no more messages."
)

# What a team task asks for (InboxItem kind "task", note = the task type).
TASK_LABELS = {
    "phone_call": N_("Phone the household"),
    "door_knock": N_("Door-knock visit at the household's home"),
    "household_moved": N_("The household has moved: decide what comes next"),
    "call_back": N_("The household called the team's number: call back"),
    "referral_not_sent": N_(
        "A referral could not be e-mailed: check the partner's address, then send it again"
    ),
    "referral_locked": N_("A partner typed 5 wrong codes: the link is locked, send a new one"),
    "referral_no_answer": N_(
        "A partner has not answered a referral: remind them, or record that there was no answer"
    ),
}
