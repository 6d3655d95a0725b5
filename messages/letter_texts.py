"""Texts printed on paper: the first-contact letter and the door-knock card (avis de passage).

French only: a letter goes to an address, not to a person whose language we know, and the
printer's fonts (Helvetica, WinAnsi) cannot shape Arabic. The msgids are English like every
other text; `gettext(msgid, "fr")` prints them. Same rules as the SMS (DOMAIN.md): who we are,
free and confidential, how to reach us, never the debt, never a threat. The outside of the
envelope shows the address only: the window holds nothing else.
"""

from __future__ import annotations

from messages import N_

# A letter template (outreach/sequences/*.toml: `send = "letter"`) -> its paragraphs.
LETTER_TEXTS: dict[str, tuple[str, ...]] = {
    "letter": (
        N_(
            "We are the eviction-prevention mobile team ({organisation}). We help tenants "
            "who have difficulties with their housing or their rent. Our help is free of "
            "charge and confidential."
        ),
        N_(
            "You may have received letters about your housing. We can help you see things "
            "clearly and find solutions with you: financial aid, a repayment plan, contacts "
            "with your landlord."
        ),
        N_(
            "We can come and see you at home, at a time that suits you, or talk to you on the "
            "phone. This letter commits you to nothing."
        ),
    ),
}

LETTER_SUBJECT = N_("Subject: help with your housing, free of charge")
LETTER_GREETING = N_("Dear Madam, dear Sir,")
TEXT_US = N_("Send a text message to {number}.")
CALL_US = N_("Call us on {phone}.")
LETTER_SCAN = N_(
    "Or scan this code with your phone to write to us on Telegram. It is free, and only our "
    "team reads your messages."
)
LETTER_SIGN_OFF = N_("Kind regards,")
LETTER_SIGNATURE = N_("The mobile team")
LETTER_HEADER = N_("Eviction-prevention mobile team")
DATE_LINE = N_("On {date}")

# The card left at the door when nobody answers. It may be read by someone else than the
# household (a neighbour, a child): it says "housing", not "eviction".
CARD_TITLE = N_("We came to see you")
CARD_TEXT = N_(
    "The mobile team ({organisation}) came to your home on ........ at ........ to offer you "
    "help with your housing. Our help is free of charge and confidential."
)
CARD_SCAN = N_("Or scan this code to write to us on Telegram.")
