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
from messages import gettext
from outreach import text_input

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NOT_TEXT = frozenset({"password"})


async def refuse_control_characters(request: Request) -> None:
    """Raise PageError(422) when a text field of the posted form breaks the rule."""
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return
    form = await request.form()  # read once: Starlette keeps it for the handler
    for name, value in form.multi_items():
        if not isinstance(value, str) or name in NOT_TEXT:
            continue
        position = text_input.refused_at(value, multiline=True)
        if position is not None:
            raise PageError(
                422,
                gettext(
                    "The form holds an invisible control character (position {position} of a "
                    "field), often brought by a copy and paste: remove it and send again. Go "
                    "back: what you typed is still in the form.",
                    position=position,
                ),
            )
