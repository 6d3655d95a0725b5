"""What a caller hears on the team's number (Twilio Voice, a French voice): who we are, that the
help is free and confidential, to leave a message after the beep, and when the team calls back.
Said in French only: the voice is French, and the team calls back in the household's language."""

from __future__ import annotations

from messages import N_

GREETING = N_(
    "Hello, you have reached the eviction-prevention mobile team of {organisation}. Our help is "
    "free and confidential."
)
FORWARDING = N_("We are putting you through to a member of the team.")
LEAVE_MESSAGE = N_(
    "Please leave your name and your message after the beep: we will call you back today."
)
CLOSED = N_(
    "The team is away at the moment. Please leave your name and your message after the beep: we "
    "will call you back from {when}."
)
THANKS = N_("Thank you, we have your message. Goodbye.")
