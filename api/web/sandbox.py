"""The sandbox pages: a simulated phone in the browser, for demos and development.

/sandbox lists the households that have a phone number; each opens a "phone" showing what it
received through the sandbox channel (with SMS segments and encoding) and lets you answer as the
household. Answers go through exactly the path real webhooks use: `store_inbound`, then
`process_inbound`.

These pages are unauthenticated on purpose, like a local device simulator: they are a development
tool. They are therefore only mounted when the sandbox channel is on AND the app is not in
production (the settings already refuse the sandbox in production; `install` checks again, and
every request checks a third time), so they can never be reachable from the internet by accident.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from api.deps import RowId, ServicesDep, SessionDep
from api.web.templating import paris_time, templates
from messages import gettext, ngettext
from outreach.models import Case, ContactPoint, Message
from outreach.phones import display_phone
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Inbound
from outreach.sending.status import MESSAGE_STATUS_LABELS
from outreach.settings import Settings

CHANNEL = "sandbox"
PER_PAGE = 30
CONVERSATION_LIMIT = 200  # the most recent messages a phone shows
MAX_REPLY_LENGTH = 1600  # what a phone lets you type in one SMS (10 concatenated segments)


def enabled(settings: Settings) -> bool:
    """The sandbox pages exist only when the sandbox channel is on, and never in production."""
    return CHANNEL in settings.enabled_channels and not settings.is_production


def install(app: FastAPI, settings: Settings) -> bool:
    """Mount the sandbox pages when `enabled`; return whether they were mounted."""
    if not enabled(settings):
        return False
    app.include_router(router)
    return True


def _never_in_production(services: ServicesDep) -> None:
    if not enabled(services.settings):
        raise HTTPException(404)


router = APIRouter(
    prefix="/sandbox", include_in_schema=False, dependencies=[Depends(_never_in_production)]
)


# --- pages -----------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def households(
    request: Request, session: SessionDep, page: Annotated[int, Query(ge=1, le=10_000)] = 1
) -> Response:
    with_phone = select(ContactPoint.case_id).where(ContactPoint.kind == "phone")
    query = select(Case).where(Case.id.in_(with_phone))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    cases = list(
        session.scalars(
            query.options(selectinload(Case.people), selectinload(Case.contact_points))
            .order_by(Case.id)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return templates.TemplateResponse(
        request,
        "sandbox/index.html",
        {
            "households": [_household(case) for case in cases],
            "page": page,
            "total": total,
            "has_previous": page > 1,
            "has_next": page * PER_PAGE < total,
        },
    )


@router.get("/{case_id}", response_class=HTMLResponse)
def phone(request: Request, case_id: RowId, session: SessionDep, services: ServicesDep) -> Response:
    case = _case_with_phone(session, case_id)
    return _render_phone(request, session, services.settings, case)


@router.get("/{case_id}/messages.json")
def messages_feed(case_id: RowId, session: SessionDep) -> dict[str, Any]:
    """What the phone page polls every few seconds to update itself."""
    case = _case_with_phone(session, case_id)
    bubbles = _conversation(session, case)
    return {"case_id": case.id, "signature": _signature(bubbles), "messages": bubbles}


@router.post("/{case_id}/reply", response_class=HTMLResponse)
def reply(
    request: Request,
    case_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    body: Annotated[str, Form(max_length=10_000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Answer as the household: stored and processed like a real inbound SMS."""
    if not hmac.compare_digest(csrf.encode(), csrf_token(services.settings, case_id).encode()):
        raise HTTPException(403, detail=gettext("This form has expired: reload the page."))
    case = _case_with_phone(session, case_id)
    text = body.strip()
    error = None
    if not text:
        error = gettext("Write an answer before sending it.")
    elif len(text) > MAX_REPLY_LENGTH:
        error = gettext("An answer is at most {limit} characters.", limit=MAX_REPLY_LENGTH)
    if error:
        return _render_phone(request, session, services.settings, case, error=error, draft=body)
    inbound = Inbound(
        channel=CHANNEL,
        provider_id=uuid.uuid4().hex,
        address=_phone_point(case).value,
        body=text,
        received_at=services.clock.now(),
        raw={"source": CHANNEL},
    )
    message, _created = store_inbound(session, clock=services.clock, inbound=inbound)
    process_inbound(session, clock=services.clock, message=message, reply_path=services.reply_path)
    session.commit()
    return RedirectResponse(f"/sandbox/{case_id}#reply", status_code=303)


def csrf_token(settings: Settings, case_id: int) -> str:
    """The reply form's token: tied to the app secret and the case, so no other site can post."""
    key = settings.secret_key.encode()
    return hmac.new(key, f"sandbox-reply:{case_id}".encode(), hashlib.sha256).hexdigest()


# --- helpers ---------------------------------------------------------------------------------


def _render_phone(
    request: Request,
    session: Session,
    settings: Settings,
    case: Case,
    *,
    error: str | None = None,
    draft: str = "",
) -> Response:
    bubbles = _conversation(session, case)
    return templates.TemplateResponse(
        request,
        "sandbox/phone.html",
        {
            "household": _household(case),
            "bubbles": bubbles,
            "signature": _signature(bubbles),
            "csrf": csrf_token(settings, case.id),
            "error": error,
            "draft": draft,
            "max_length": MAX_REPLY_LENGTH,
            "quick_replies": ("OUI", "NON", "STOP"),
        },
        status_code=422 if error else 200,
    )


def _case_with_phone(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not any(point.kind == "phone" for point in case.contact_points):
        raise HTTPException(404, detail=gettext("No household with a phone number here."))
    return case


def _phone_point(case: Case) -> ContactPoint:
    """The household's phone: the one the sandbox channel would write to, else the first."""
    phones = [point for point in case.contact_points if point.kind == "phone"]
    usable = [point for point in phones if point.usable and point.sms_capable]
    return (usable or phones)[0]


def _household(case: Case) -> dict[str, Any]:
    tenant = case.people[0] if case.people else None
    name = " ".join(filter(None, (tenant.first_name, tenant.last_name))) if tenant else ""
    return {
        "id": case.id,
        "reference": case.reference,
        "name": name,
        "phone": display_phone(_phone_point(case).value),
        "opted_out": case.opted_out,
    }


def _conversation(session: Session, case: Case) -> list[dict[str, Any]]:
    """The sandbox messages to and from the household's numbers, newest last."""
    numbers = [point.value for point in case.contact_points if point.kind == "phone"]
    rows = session.scalars(
        select(Message)
        .where(Message.channel == CHANNEL, Message.address.in_(numbers))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(CONVERSATION_LIMIT)
    )
    return [_bubble(message) for message in reversed(list(rows))]


def _bubble(message: Message) -> dict[str, Any]:
    """One message as the phone shows it: "received" was sent by us, "sent" is the answer."""
    received = message.direction == "out"
    status = gettext(MESSAGE_STATUS_LABELS.get(message.status, message.status))
    details = []
    if received and message.segments:
        details.append(ngettext("{count} segment", "{count} segments", message.segments))
    if received and message.encoding:
        details.append(message.encoding)
    details.append(status)
    return {
        "id": message.id,
        "side": "received" if received else "sent",
        "body": message.body,
        "time": paris_time(message.sent_at or message.created_at),
        "status": message.status,
        "segments": message.segments,
        "encoding": message.encoding,
        "meta": " · ".join(details),
    }


def _signature(bubbles: list[dict[str, Any]]) -> str:
    """Changes whenever a message appears or changes status: the page redraws only then."""
    state = ";".join(f"{b['id']}:{b['status']}:{b['segments']}" for b in bubbles)
    return hashlib.sha256(state.encode()).hexdigest()[:16]
