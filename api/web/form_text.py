"""The one text rule (outreach.text_input) on the team's forms: a control character anywhere in
a posted form is refused with a 422 page, on every database alike, before any handler stores it.

Every field counts as a field of several lines: tab and line breaks are what a text area holds,
and a browser's one-line field cannot send them (the handlers fold a pasted line break into a
space). Passwords are never stored as text, only hashed, so they are left as typed. Uploaded
files are the import's business (outreach.ccapex checks each row).
"""

from __future__ import annotations

from fastapi import Request

from api.web.rendering import PageError
from messages import N_, gettext
from outreach import text_input

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_TEXT = frozenset({"password"})
# No position here, unlike the API's message: a person cannot count to an invisible character.
REFUSED = N_(
    "A field of the form holds an invisible character, often brought by a copy and paste from "
    "a PDF or a word processor. Nothing was saved. Go back with your browser's back button: what "
    "you typed is still there; type that passage again instead of pasting it, then send."
)


async def refuse_control_characters(request: Request) -> None:
    """Raise PageError(422) when a text field of the posted form breaks the rule."""
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return
    form = await request.form()  # read once: Starlette keeps it for the handler
    for name, value in form.multi_items():
        if not isinstance(value, str) or name in NOT_TEXT:
            continue
        if text_input.refused_at(value, multiline=True) is not None:
            raise PageError(422, gettext(REFUSED))
