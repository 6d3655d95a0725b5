"""The team's overdue view: every démarche still open past its due date, the most overdue first,
with who does it, so nothing agreed with a household is forgotten."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ServicesDep, SessionDep
from api.web.auth import WebUserDep
from api.web.rendering import render
from outreach.cases import case_scope
from outreach.casework.procedure import paris_today
from outreach.team.followup import overdue_steps, step_actor_label, step_kind_label
from outreach.team.inbox import household_name

router = APIRouter(include_in_schema=False)


@router.get("/steps/overdue")
def overdue(
    request: Request, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    today = paris_today(services.clock.now())
    rows = [
        {
            "case_id": case.id,
            "household": household_name(case),
            "reference": case.reference,
            "sector": case.sector.name if case.sector else "",
            "label": step_kind_label(step.kind),
            "objective": step.objective,
            "who": step_actor_label(step.actor),
            "due": step.due_date.strftime("%d/%m/%Y") if step.due_date else "",
            "late": (today - step.due_date).days if step.due_date else 0,
        }
        for step, case in overdue_steps(session, today=today, scope=case_scope(web.user))
    ]
    return render(request, "team/overdue.html", {"rows": rows}, web=web)
