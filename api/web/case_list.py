"""The case list: filters, search (reference, name, phone in any spelling), sort, pagination."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import ServicesDep, SessionDep
from api.web.auth import WebUserDep
from api.web.labels import CASE_STATUS_LABELS, SORT_LABELS, STAGE_LABELS, label
from api.web.rendering import PageError, render
from messages import gettext, ngettext
from messages.formatting import amount
from outreach import audit
from outreach.cases import DEFAULT_SORT, SORTS, CaseFilters, list_cases
from outreach.casework.procedure import paris_today, short_countdown
from outreach.models import CASE_STATUSES, STAGES, Case, Sector, TeamUser
from outreach.team.inbox import household_name

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
Text = Annotated[str, Query(max_length=200)]


@router.get("/cases")
def case_list(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    q: Text = "",
    status: Text = "",
    sector: Text = "",
    stage: Text = "",
    worker: Text = "",
    month: Text = "",
    opted_out: Text = "",
    reachable: Text = "",
    sort: Text = DEFAULT_SORT,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    chosen = {
        "q": q.strip(),
        "status": status if status in CASE_STATUSES else "",
        "sector": sector,
        "stage": stage if stage in STAGES else "",
        "worker": worker if worker == "none" or worker.isdigit() else "",
        "month": month if MONTH.match(month) else "",
        "opted_out": opted_out if opted_out in ("yes", "no") else "",
        "reachable": reachable if reachable in ("yes", "no") else "",
        "sort": sort if sort in SORTS else DEFAULT_SORT,
    }
    result = list_cases(
        session,
        user=web.user,
        filters=_filters(chosen),
        page=page,
        per_page=PER_PAGE,
        sort=chosen["sort"],
    )
    audit.record(
        session,
        clock=services.clock,
        actor=web.user,
        action="case.list",
        case_ids=[case.id for case in result.items],
        page=page,
    )
    names = _team_names(session)
    today = paris_today(services.clock.now())
    pages = max(1, math.ceil(result.total / PER_PAGE))
    if page > pages:
        raise PageError(
            404,
            ngettext(
                "This page of the list does not exist: the list has {count} page.",
                "This page of the list does not exist: the list has {count} pages.",
                pages,
            ),
            back=(_page_url(chosen, 1), gettext("Back to the first page of the list")),
        )
    context = {
        "chosen": chosen,
        "rows": [_row(case, names, today) for case in result.items],
        "total": result.total,
        "page": page,
        "pages": pages,
        "previous_url": _page_url(chosen, page - 1) if page > 1 else None,
        "next_url": _page_url(chosen, page + 1) if page < pages else None,
        "options": _options(session, web.user, names),
        # Filters other than the search are set: the "Filtres" fold opens on a phone too.
        "filtered": any(chosen[key] for key in FILTER_KEYS),
    }
    return render(request, "team/cases.html", context, web=web)


FILTER_KEYS = ("status", "sector", "stage", "worker", "month", "opted_out", "reachable")


def _filters(chosen: dict[str, str]) -> CaseFilters:
    def yes_no(value: str) -> bool | None:
        return {"yes": True, "no": False}.get(value)

    return CaseFilters(
        status=chosen["status"] or None,
        sector=chosen["sector"] or None,
        stage=chosen["stage"] or None,
        month=chosen["month"] or None,
        q=chosen["q"] or None,
        opted_out=yes_no(chosen["opted_out"]),
        worker=chosen["worker"] or None,
        reachable=yes_no(chosen["reachable"]),
    )


def _row(case: Case, names: dict[int, str], today: date) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "name": household_name(case),
        "sector": case.sector.name if case.sector else "",
        "stage": label(STAGE_LABELS, case.stage),
        "deadline": short_countdown(case.next_deadline_kind, case.next_deadline_on, today),
        "urgent": case.next_deadline_on is not None and (case.next_deadline_on - today).days <= 14,
        "status": label(CASE_STATUS_LABELS, case.status),
        "worker": names.get(case.assigned_worker_id or 0, ""),
        "month": case.import_month or "",
        "debt": amount(case.debt_cents, "fr") if case.debt_cents is not None else "",
        # A reply, a call that reached the household, a visit: never the bot's own messages.
        "last_contact": case.last_contact_at,
        "opted_out": case.opted_out,
        "reachable": any(
            point.usable and (point.kind != "phone" or point.sms_capable)
            for point in case.contact_points
        ),
    }


def _options(session: Session, user: TeamUser, names: dict[int, str]) -> dict[str, Any]:
    sectors = (
        list(session.scalars(select(Sector).order_by(Sector.name)))
        if user.is_coordinator
        else sorted(user.sectors, key=lambda sector: sector.name)
    )
    months = session.scalars(
        select(Case.import_month).where(Case.import_month.is_not(None)).distinct()
    )
    return {
        "statuses": [(code, label(CASE_STATUS_LABELS, code)) for code in CASE_STATUSES],
        "stages": [(code, label(STAGE_LABELS, code)) for code in STAGES],
        "sectors": [(sector.code, sector.name) for sector in sectors],
        "workers": sorted(names.items(), key=lambda item: item[1]),
        "months": [(month, month) for month in sorted(months, reverse=True)],
        "sorts": [(code, label(SORT_LABELS, code)) for code in SORTS],
    }


def _team_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(TeamUser.id, TeamUser.name)).all())


def _page_url(chosen: dict[str, str], page: int) -> str:
    query = {key: value for key, value in chosen.items() if value}
    query["page"] = str(page)
    return "/cases?" + urlencode(query)
