"""The inbox (home page): what needs a human, newest first, refreshed by polling every few seconds.

The page polls /inbox/feed with the signature of what it shows; the server answers "unchanged"
(nothing read, nothing audited) or the new list as HTML, recorded in the audit trail.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep
from api.web.auth import FormUserDep, WebUser, WebUserDep, safe_next
from api.web.rendering import PageError, render, render_fragment, secure
from messages import gettext, ngettext
from outreach import audit
from outreach.clock import Clock
from outreach.team.inbox import InboxEntry, item_exists, list_open, mark_handled

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 3


@router.get("/")
def inbox_page(
    request: Request, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    entries = _read(session, services.clock, web)
    return render(
        request,
        "team/inbox.html",
        {"entries": entries, "signature": signature(entries), "poll_seconds": POLL_SECONDS},
        web=web,
    )


@router.get("/inbox/feed")
def inbox_feed(
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    signature_seen: Annotated[str, Query(alias="signature", max_length=64)] = "",
) -> Response:
    """JSON for the polling page: {"changed": false} or the new list's HTML and signature."""
    entries = list_open(session, user=web.user)
    current = signature(entries)
    if current == signature_seen:
        return secure(JSONResponse({"changed": False, "signature": current}))
    _audit(session, services.clock, web, entries)
    html = render_fragment("team/_inbox_items.html", {"entries": entries, "csrf": web.csrf})
    status = ngettext("{count} item needs a human", "{count} items need a human", len(entries))
    body = {"changed": True, "signature": current, "status": status, "html": html}
    return secure(JSONResponse(body))


@router.post("/inbox/{item_id}/handled")
def handled(
    item_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    item = mark_handled(session, clock=services.clock, user=web.user, item_id=item_id)
    if item is None:
        if item_exists(session, item_id=item_id):
            raise PageError(403, gettext("This item is not in your sectors."))
        raise PageError(404, gettext("Item not found."))
    return RedirectResponse(safe_next(next), status_code=303)


def signature(entries: list[InboxEntry]) -> str:
    """Changes whenever an item appears or goes: the page redraws only then."""
    state = ",".join(str(entry.id) for entry in entries)
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _read(session: Session, clock: Clock, web: WebUser) -> list[InboxEntry]:
    entries = list_open(session, user=web.user)
    _audit(session, clock, web, entries)
    return entries


def _audit(session: Session, clock: Clock, web: WebUser, entries: list[InboxEntry]) -> None:
    case_ids: list[Any] = sorted({entry.case_id for entry in entries if entry.case_id})
    audit.record(session, clock=clock, actor=web.user, action="inbox.list", case_ids=case_ids)
