"""Paper: letters posted in a daily print batch, and the card left at the door (issue #18).

Why a letter is a sequence step and not a row of the channel table: a channel sends a Message
through a provider, gets delivery receipts and replies from the same address, counts SMS
segments and honours rate limits. A letter does none of that. A person prints it, folds it and
posts it; nothing comes back on paper. So `send = "letter"` in a sequence file is a step of its
own kind, like `task = "door_knock"`: when its time comes it adds a `Letter` row to the day's
print batch, and the sequence moves on. The household answers on a real channel: by phone, by
SMS, or by opening the Telegram deep link printed as a QR code (outreach/links.py: the same
single-use token as in an SMS, so the chat is linked to the case on `/start <token>`).

- outreach.letters.batch: adding letters and cards, the print batches, marking a batch posted.
- outreach.letters.content: what a letter or a card says, as plain data (the texts are in
  messages/letter_texts.py); bot/letter_pdf.py lays it out as PDF.
- outreach.letters.timeline: the case timeline's entries (prepared, posted, card printed).

WhatsApp has no deep link here: a WhatsApp conversation is matched by the sender's phone number,
and nothing yet reads a token out of a first WhatsApp message, so paper offers Telegram only.
"""

from outreach.letters.batch import (
    LETTER_LINK_TTL,
    PrintBatch,
    add_letter,
    batch_letters,
    door_card,
    has_mobile,
    has_postal_address,
    post_batch,
    print_batches,
)
from outreach.letters.content import PaperContent, Sender, card_content, letter_content

__all__ = [
    "LETTER_LINK_TTL",
    "PaperContent",
    "PrintBatch",
    "Sender",
    "add_letter",
    "batch_letters",
    "card_content",
    "door_card",
    "has_mobile",
    "has_postal_address",
    "letter_content",
    "post_batch",
    "print_batches",
]
