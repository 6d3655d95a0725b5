"""The print batches of letters (download one PDF, mark it posted) and the door card printed
from a door-knock task. A worker sees the letters of their sectors' cases, like everything else.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import MAX_ROW_ID, RowId, ServicesDep, SessionDep
from api.services import Services
from api.web.access import visible_case
from api.web.auth import FormUserDep, WebUserDep
from api.web.rendering import PageError, render, secure
from bot.letter_pdf import card_pdf, letters_pdf
from messages import gettext
from outreach import audit
from outreach.cases import case_scope
from outreach.casework.procedure import paris_today
from outreach.letters import (
    Sender,
    batch_letters,
    card_content,
    door_card,
    letter_content,
    post_batch,
    print_batches,
)
from outreach.models import InboxItem

router = APIRouter(include_in_schema=False)

RECENT_DAYS = 14  # posted batches stay listed this long, to print one again
Through = Annotated[int, Query(ge=1, le=MAX_ROW_ID)]
ThroughForm = Annotated[int, Form(ge=1, le=MAX_ROW_ID)]


def sender(services: Services) -> Sender:
    """Who signs, and the number that receives texts when the SMS channel is on."""
    settings = services.settings
    text_number = settings.twilio_from_number if "sms" in services.channels else None
    return Sender(identity=settings.identity, text_number=text_number)


def telegram_bot(services: Services) -> str | None:
    on = "telegram" in services.channels
    return services.settings.telegram_bot_username if on else None


@router.get("/letters")
def letters(
    request: Request, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    today = paris_today(services.clock.now())
    batches = print_batches(
        session, scope=case_scope(web.user), since=today - timedelta(days=RECENT_DAYS)
    )
    return render(
        request,
        "team/letters.html",
        {"batches": batches, "today": today, "telegram": telegram_bot(services) is not None},
        web=web,
    )


@router.get("/letters/{day}/batch.pdf")
def batch_pdf(
    day: date, through: Through, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    """One PDF for the batch: one A4 page per letter, in postcode order."""
    rows = batch_letters(session, scope=case_scope(web.user), day=day, through=through)
    if not rows:
        raise PageError(404, gettext("No letter in this print batch."))
    audit.record(
        session,
        clock=services.clock,
        actor=web.user,
        action="letters.print",
        day=day.isoformat(),
        letters=len(rows),
    )
    who = sender(services)
    title = gettext("Letters of {day}", day=day.strftime("%d/%m/%Y"))
    body = letters_pdf((letter_content(letter, case, who) for letter, case in rows), title=title)
    return _pdf(body, f"courriers-{day.isoformat()}.pdf")


@router.post("/letters/{day}/posted")
def posted(
    day: date, through: ThroughForm, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    scope = case_scope(web.user)
    post_batch(session, clock=services.clock, user=web.user, scope=scope, day=day, through=through)
    return RedirectResponse("/letters", status_code=303)


@router.post("/tasks/{item_id}/door-card")
def door_card_pdf(
    item_id: RowId, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    """The card to leave at the door, printed from the door-knock task."""
    task = session.get(InboxItem, item_id)
    if task is None or task.case_id is None or task.note != "door_knock":
        raise PageError(404, gettext("No door-knock task here."))
    case = visible_case(session, user=web.user, case_id=task.case_id)
    card = door_card(
        session, clock=services.clock, case=case, task=task, telegram_bot=telegram_bot(services)
    )
    audit.record(
        session, clock=services.clock, actor=web.user, action="letters.door_card", case_id=case.id
    )
    body = card_pdf(card_content(card, sender(services)), title=gettext("Door card"))
    return _pdf(body, f"avis-de-passage-{card.id}.pdf")


def _pdf(body: bytes, filename: str) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"}
    return secure(Response(body, media_type="application/pdf", headers=headers))
