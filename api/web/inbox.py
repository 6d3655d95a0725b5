"""The inbox (home page), the team's worklist, refreshed by polling every few seconds.

Two tabs: **Réponses** (what households and landlords wrote, grouped by household, the last
messages shown) and **Tâches** (calls, door knocks, check-in follow-ups, sends to check), each
with its count; filters by sector, worker and kind. A call or a door knock is closed with what
came of it, in one tap (outreach.team.outcomes); anything else with "Traité", which can be undone
for a few seconds.

The page polls /inbox/feed with the signature of what it shows; the server answers "unchanged"
(nothing read, nothing audited) or the new list as HTML, recorded in the audit trail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any
from urllib.parse import quote_plus, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep
from api.web.auth import FormUserDep, WebUser, WebUserDep, safe_next
from api.web.rendering import PageError, render, render_fragment, secure
from messages import gettext, ngettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import InboxItem, Sector, TeamUser
from outreach.phones import display_phone
from outreach.team.inbox import (
    KIND_LABELS,
    TABS,
    UNDO_WINDOW,
    InboxEntry,
    item_exists,
    kind_label,
    list_open,
    mark_handled,
    open_ids,
    reopen,
    tab_counts,
    visible_item,
)
from outreach.team.outcomes import (
    TASKS_WITH_OUTCOME,
    OutcomeError,
    outcome_label,
    record_outcome,
)

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 3
Param = Annotated[str, Query(max_length=64)]
MAP_SEARCH = "https://www.openstreetmap.org/search?query="


@dataclass(frozen=True)
class InboxView:
    """What the page shows: the tab and its filters, as read from the query string."""

    tab: str = "replies"
    sector: str | None = None
    worker_id: int | None = None
    kind: str | None = None

    def query(self, **changes: Any) -> str:
        values = {"tab": self.tab, "sector": self.sector, "worker": self.worker_id}
        values |= {"kind": self.kind} | changes
        return urlencode({key: value for key, value in values.items() if value})


@dataclass
class Group:
    """The open replies of one household (or one unknown sender)."""

    key: str
    case_id: int | None
    title: str
    items: list[InboxEntry] = field(default_factory=list)

    # Read twice per group by the template, on every poll: computed once the group is built.
    @cached_property
    def alert(self) -> bool:
        return any(item.alert for item in self.items)

    @cached_property
    def ids(self) -> str:
        return ",".join(str(item.id) for item in self.items)


def _view(tab: str, sector: str, worker: str, kind: str) -> InboxView:
    tab = tab if tab in TABS else "replies"
    return InboxView(
        tab=tab,
        sector=sector or None,
        worker_id=int(worker) if worker.isdigit() and len(worker) < 12 else None,
        kind=kind if kind in TABS[tab] else None,
    )


@router.get("/")
def inbox_page(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    tab: Param = "",
    sector: Param = "",
    worker: Param = "",
    kind: Param = "",
    undo: Annotated[str, Query(max_length=400)] = "",
) -> Response:
    view = _view(tab, sector, worker, kind)
    entries = _read(session, services.clock, web, view)
    context = _context(session, web, view, entries)
    context["undo"] = _undoable(session, services.clock, web, undo)
    return render(request, "team/inbox.html", context, web=web)


@router.get("/inbox/feed")
def inbox_feed(
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    signature_seen: Annotated[str, Query(alias="signature", max_length=64)] = "",
    tab: Param = "",
    sector: Param = "",
    worker: Param = "",
    kind: Param = "",
) -> Response:
    """JSON for the polling page: {"changed": false} or the new list's HTML and signature."""
    view = _view(tab, sector, worker, kind)
    counts = tab_counts(session, user=web.user, sector=view.sector, worker_id=view.worker_id)
    current = signature(open_ids(session, user=web.user, **_filters(view)), counts)
    if current == signature_seen:  # nothing appeared or went: nothing else is read
        return secure(JSONResponse({"changed": False, "signature": current}))
    entries = _list(session, web, view)
    current = signature([entry.id for entry in entries], counts)
    _audit(session, services.clock, web, entries)
    context = _context(session, web, view, entries, counts=counts, filters=False)
    html = render_fragment("team/_inbox_items.html", {**context, "csrf": web.csrf})
    body = {
        "changed": True,
        "signature": current,
        "status": context["status"],
        "html": html,
        "counts": {tab_name: _tab_label(tab_name, count) for tab_name, count in counts.items()},
    }
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
    return RedirectResponse(_with_undo(safe_next(next), [item_id]), status_code=303)


@router.post("/inbox/handled")
def handled_group(
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    ids: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """ "Traité" on a household's group of replies: each of its items."""
    closed = []
    for item_id in _ids(ids):
        if mark_handled(session, clock=services.clock, user=web.user, item_id=item_id):
            closed.append(item_id)
    if not closed:
        raise PageError(404, gettext("Item not found."))
    return RedirectResponse(_with_undo(safe_next(next), closed), status_code=303)


@router.post("/inbox/{item_id}/outcome")
def outcome(
    item_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    result: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """What came of a call or a door knock, in one tap: closes the task and acts on it."""
    item = visible_item(session, user=web.user, item_id=item_id)
    if item is None:
        raise PageError(404, gettext("Item not found."))
    try:
        record_outcome(session, clock=services.clock, user=web.user, item=item, outcome=result)
    except OutcomeError:
        raise PageError(422, gettext("Choose what came of it.")) from None
    return RedirectResponse(_with_undo(safe_next(next), [item_id]), status_code=303)


@router.post("/inbox/reopen")
def reopen_items(
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    ids: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Undo "Traité" (or an outcome) a few seconds after."""
    reopened = [
        item_id
        for item_id in _ids(ids)
        if reopen(session, clock=services.clock, user=web.user, item_id=item_id)
    ]
    if not reopened:
        raise PageError(409, gettext("It is too late to undo: open the case to follow it up."))
    return RedirectResponse(safe_next(next), status_code=303)


def signature(ids: list[int], counts: dict[str, int] | None = None) -> str:
    """Changes whenever an item appears or goes: the page redraws only then."""
    state = ",".join(map(str, ids)) + repr(sorted((counts or {}).items()))
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _list(session: Session, web: WebUser, view: InboxView) -> list[InboxEntry]:
    return list_open(session, user=web.user, **_filters(view))


def _filters(view: InboxView) -> dict[str, Any]:
    return {
        "kinds": TABS[view.tab],
        "kind": view.kind,
        "sector": view.sector,
        "worker_id": view.worker_id,
        "limit": 200,
    }


def _read(session: Session, clock: Clock, web: WebUser, view: InboxView) -> list[InboxEntry]:
    entries = _list(session, web, view)
    _audit(session, clock, web, entries)
    return entries


def _context(
    session: Session,
    web: WebUser,
    view: InboxView,
    entries: list[InboxEntry],
    *,
    counts: dict[str, int] | None = None,
    filters: bool = True,
) -> dict[str, Any]:
    """What the page shows; `filters=False` for the polled list, which has no filter menus."""
    counts = counts or tab_counts(
        session, user=web.user, sector=view.sector, worker_id=view.worker_id
    )
    here = "/?" + view.query()
    status = (
        ngettext("{count} reply to read", "{count} replies to read", len(entries))
        if view.tab == "replies"
        else ngettext("{count} task to do", "{count} tasks to do", len(entries))
    )
    return {
        "view": view,
        "here": here,
        "tabs": [
            {
                "name": name,
                "label": _tab_label(name, counts[name]),
                "url": "/?" + view.query(tab=name, kind=None),
                "current": name == view.tab,
            }
            for name in TABS
        ],
        "groups": _groups(entries) if view.tab == "replies" else [],
        "tasks": [_task(entry) for entry in entries] if view.tab == "tasks" else [],
        "status": status,
        "signature": signature([entry.id for entry in entries], counts),
        "poll_seconds": POLL_SECONDS,
        "feed": "/inbox/feed?" + view.query(),
        "sectors": _sectors(session, web) if filters else [],
        "workers": _workers(session) if filters else [],
        "kinds": [(kind, gettext(KIND_LABELS[kind])) for kind in TABS[view.tab]],
        "empty": not entries,
    }


def _tab_label(name: str, count: int) -> str:
    if name == "replies":
        return gettext("Replies ({count})", count=count)
    return gettext("Tasks ({count})", count=count)


def _groups(entries: list[InboxEntry]) -> list[Group]:
    """Replies by household, the household with the newest reply first."""
    groups: dict[str, Group] = {}
    for entry in entries:
        key = f"case-{entry.case_id}" if entry.case_id else f"item-{entry.id}"
        if key not in groups:
            title = (
                f"{entry.household} · {entry.case_reference}"
                if entry.case_id
                else gettext("No case matches this sender")
            )
            groups[key] = Group(key=key, case_id=entry.case_id, title=title)
        groups[key].items.append(entry)
    return list(groups.values())


def _task(entry: InboxEntry) -> dict[str, Any]:
    outcomes = TASKS_WITH_OUTCOME.get(entry.task or "", ()) if entry.kind == "task" else ()
    return {
        "entry": entry,
        "outcomes": [(name, outcome_label(name)) for name in outcomes],
        "map_url": MAP_SEARCH + quote_plus(entry.address) if entry.address else None,
        "phones": [(display_phone(phone), "tel:" + phone) for phone in entry.phones],
        "show_address": entry.task == "door_knock",
    }


def _sectors(session: Session, web: WebUser) -> list[tuple[str, str]]:
    if web.is_coordinator:
        rows = session.execute(select(Sector.code, Sector.name).order_by(Sector.name)).all()
        return [(code, name) for code, name in rows]
    return sorted(((s.code, s.name) for s in web.user.sectors), key=lambda pair: pair[1])


def _workers(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(TeamUser.id, TeamUser.name).where(TeamUser.active.is_(True)).order_by(TeamUser.name)
    ).all()
    return [(user_id, name) for user_id, name in rows]


def _ids(value: str) -> list[int]:
    return [int(part) for part in value.split(",")[:200] if part.strip().isdigit()][:200]


def _with_undo(target: str, ids: list[int]) -> str:
    """Back to the inbox with the offer to undo; anywhere else (the case page) as it is."""
    if target.split("?", 1)[0].split("#", 1)[0] != "/" or "#" in target:
        return target
    joined = ",".join(str(item_id) for item_id in ids)
    return f"{target}{'&' if '?' in target else '?'}undo={joined}"


def _undoable(session: Session, clock: Clock, web: WebUser, undo: str) -> dict[str, Any] | None:
    """The items just closed by this member, still within the undo window."""
    items = [session.get(InboxItem, item_id) for item_id in _ids(undo)]
    recent = [
        item
        for item in items
        if item is not None
        and item.handled_at is not None
        and item.handled_by_id == web.user.id
        and clock.now() - item.handled_at <= UNDO_WINDOW
    ]
    if not recent:
        return None
    first = recent[0]
    what = outcome_label(first.outcome) if first.outcome else kind_label(first.kind, first.note)
    return {"ids": ",".join(str(item.id) for item in recent), "what": what}


def _audit(session: Session, clock: Clock, web: WebUser, entries: list[InboxEntry]) -> None:
    case_ids: list[Any] = sorted({entry.case_id for entry in entries if entry.case_id})
    audit.record(session, clock=clock, actor=web.user, action="inbox.list", case_ids=case_ids)
