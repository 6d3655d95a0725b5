"""The case page, a desk with the facts first: the household (phones to call, the address with
a map), the visit, the consents, the diagnostic, the démarches of the engagement contract, the
procedure, then the history, the answer box, tasks, assignment, closing and notes; and the
printable engagement contract.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote_plus

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep
from api.services import Services
from api.web.access import visible_case
from api.web.auth import WebUser, WebUserDep
from api.web.inbox import MAP_SEARCH
from api.web.labels import CASE_STATUS_LABELS, STAGE_LABELS, label
from api.web.referrals_desk import partner_choices, purpose_choices, referral_rows
from api.web.rendering import render
from messages import gettext
from messages.formatting import visit_date
from outreach import audit
from outreach.booking.places import places_of
from outreach.booking.visits import VISIT_STATUS_LABELS
from outreach.casework import step_kinds
from outreach.casework.checks import needs_orientation, verdicts
from outreach.casework.closing import OUTCOMES as CLOSING_OUTCOMES
from outreach.casework.closing import outcome_label as closing_outcome_label
from outreach.casework.consents import (
    DECISION_LABELS,
    IN_PERSON_TEXTS,
    METHOD_LABELS,
    PURPOSE_LABELS,
    consents_shown,
)
from outreach.casework.consents import how as consent_how
from outreach.casework.contract import agreement as contract_agreement
from outreach.casework.diagnostic import panel as diagnostic_panel
from outreach.casework.lifecycle import OUT_OF_SCOPE_REASONS
from outreach.casework.procedure import (
    CDP_CHECKS,
    DATE_FIELDS,
    DATE_LABELS,
    LEASE_LABEL,
    VERDICTS,
    countdown,
    paris_today,
)
from outreach.casework.summary import procedure_of, visit_of
from outreach.casework.visits import REACHED_BY_LABELS, free_slots
from outreach.clock import PARIS
from outreach.landlords import contact as landlords
from outreach.landlords.mail import mail_enabled
from outreach.landlords.mediation import entries_of as mediation_entries
from outreach.landlords.mediation import kind_label as mediation_kind_label
from outreach.models import (
    Case,
    ConsentRecord,
    Diagnostic,
    EngagementStep,
    InboxItem,
    MediationEntry,
    MeetingPlace,
    ProcedureCheck,
    Slot,
    TeamUser,
    Visit,
)
from outreach.models.followup import OPEN_STEP_STATUSES, STEP_ACTORS, STEP_STATUSES
from outreach.models.mediation import MEDIATION_KINDS
from outreach.models.partner import INFO_KINDS, INFO_MEANS
from outreach.partners.directory import partners
from outreach.partners.received import kind_label as partner_kind_label
from outreach.partners.received import means_label as partner_means_label
from outreach.phones import display_phone
from outreach.sending.channels import SMS_CHANNELS, contact_kind_label
from outreach.sending.send_now import NotSendable, best_route
from outreach.team.calls import outcomes as call_outcomes
from outreach.team.followup import (
    contract_steps,
    step_actor_label,
    step_kind_label,
    step_status_label,
    steps_for,
)
from outreach.team.inbox import household_name
from outreach.team.outcomes import outcome_label, outcomes_for
from outreach.team.page_reads import PageReads
from outreach.team.tasks import day_label, open_tasks, task_label
from outreach.team.timeline import build_timeline

router = APIRouter(include_in_schema=False)


@router.get("/cases/{case_id}")
def case_page(
    case_id: RowId, request: Request, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    audit.record(session, clock=services.clock, actor=web.user, action="case.read", case_id=case.id)
    return render_case(request, session, services, web, case)


@router.get("/cases/{case_id}/contract")
def contract(
    case_id: RowId, request: Request, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    """The engagement contract (contrat d'engagement), laid out for printing."""
    case = visible_case(session, user=web.user, case_id=case_id)
    audit.record(
        session, clock=services.clock, actor=web.user, action="case.contract", case_id=case.id
    )
    steps = [_step(step) for step in contract_steps(session, case_id=case.id)]
    context = {
        "case": case,
        "household": household_name(case),
        "steps": steps,
        "today": services.clock.now().astimezone(PARIS).date(),
        "worker": case.assigned_worker.name if case.assigned_worker else web.user.name,
    }
    return render(request, "team/contract.html", context, web=web)


def render_case(
    request: Request,
    session: Session,
    services: Services,
    web: WebUser,
    case: Case,
    *,
    errors: dict[str, str] | None = None,
    drafts: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The case page, with the errors of a refused form when there is one."""
    today = paris_today(services.clock.now())
    # What the panels and the history both show, read once; and the tables with nothing for
    # this case, not read at all.
    reads = PageReads(session, case.id)
    found = verdicts(session, case_id=case.id) if reads.holds(ProcedureCheck) else {}
    has_consents = reads.holds(ConsentRecord)
    directory = partners(session, sector_code=case.sector.code if case.sector else None)
    context = {
        "case": case,
        "facts": _facts(case),
        "visit": _visit(session, services, case) if reads.holds(Visit) else None,
        "slots": [
            (slot.id, _slot_label(slot))
            for slot in free_slots(session, clock=services.clock, case=case)
        ],
        "places": [
            (place.id, _place_label(place))
            for place in places_of(session, sector_id=case.sector_id)
        ],
        "reached_by": [
            (code, gettext(text)) for code, text in REACHED_BY_LABELS.items() if code != "reply"
        ],
        "consents": consents_shown(session, case_id=case.id) if has_consents else [],
        "consent_texts": [
            (purpose, gettext(PURPOSE_LABELS[purpose]), gettext(text))
            for purpose, text in IN_PERSON_TEXTS.items()
        ],
        "consent_decisions": [(code, gettext(text)) for code, text in DECISION_LABELS.items()],
        "consent_methods": [(code, gettext(text)) for code, text in METHOD_LABELS.items()],
        "contract": _contract(session, case) if has_consents else None,
        "diagnostic": diagnostic_panel(session, case_id=case.id)
        if reads.holds(Diagnostic)
        else None,
        "landlord": _landlord(session, services, case, reads),
        "call_outcomes": [(code, outcome_label(code)) for code in call_outcomes()],
        "partner_infos": [
            {
                "kind": partner_kind_label(info.kind),
                "partner": partner.name if partner else None,
                "on": info.received_on.strftime("%d/%m/%Y"),
                "means": partner_means_label(info.means),
                "summary": info.summary,
                "document_ref": info.document_ref,
            }
            for info, partner in reads.partner_infos()
        ],
        "partner_choices": [(partner.id, partner.name) for partner in directory],
        "referrals": referral_rows(reads),
        "referral_partners": partner_choices(directory),
        "referral_purposes": purpose_choices(),
        "info_kinds": [(code, partner_kind_label(code)) for code in INFO_KINDS],
        "info_means": [(code, partner_means_label(code)) for code in INFO_MEANS],
        "step_actors": [(code, step_actor_label(code)) for code in STEP_ACTORS],
        "household": household_name(case),
        "phones": [_point(point) for point in case.contact_points],
        "refusal": sending_refusal(services, case),
        "timeline": build_timeline(session, case=case, reads=reads),
        "tasks": [
            {
                "id": item.id,
                "label": day_label(task_label(item.note or ""), item.due_on),
                "created_at": item.created_at,
                "outcomes": [(name, outcome_label(name)) for name in outcomes_for(item)],
                "door_knock": item.note == "door_knock",
            }
            for item in (open_tasks(session, case_id=case.id) if reads.holds(InboxItem) else [])
        ],
        "steps": [
            _step(step, today=today)
            for step in (steps_for(session, case_id=case.id) if reads.holds(EngagementStep) else [])
        ],
        "step_kinds": [(kind, step_kind_label(kind)) for kind in step_kinds.kind_keys()],
        "step_statuses": [(status, step_status_label(status)) for status in STEP_STATUSES],
        "workers": _assignable(reads) if web.user.is_coordinator else [],
        "procedure": _procedure(case, today=today),
        "date_fields": [
            (name, gettext(DATE_LABELS.get(name, LEASE_LABEL)), getattr(case, name))
            for name in DATE_FIELDS
        ],
        "checks": _checks(case, found),
        "verdicts": [(code, gettext(text)) for code, text in VERDICTS.items()],
        "needs_orientation": needs_orientation(session, case=case, found=found),
        "closing": _closing(session, case),
        "outcomes": [(code, closing_outcome_label(code)) for code in CLOSING_OUTCOMES],
        "aside_reasons": [(code, gettext(text)) for code, text in OUT_OF_SCOPE_REASONS.items()],
        "errors": errors or {},
        "drafts": drafts or {},
    }
    return render(request, "team/case.html", context, web=web, status_code=status_code)


def sending_refusal(services: Services, case: Case) -> str | None:
    """Why the team cannot write to the household now (opted out, no usable number), or None."""
    try:
        best_route(case, services.sending_channels)
    except NotSendable as refusal:
        return str(refusal)
    return None


def _facts(case: Case) -> dict[str, Any]:
    address = ", ".join(
        filter(None, (case.address, " ".join(filter(None, (case.postcode, case.commune)))))
    )
    return {
        "map": MAP_SEARCH + quote_plus(address) if address else None,
        "status": label(CASE_STATUS_LABELS, case.status),
        "stage": label(STAGE_LABELS, case.stage),
        "sector": case.sector.name if case.sector else None,
        "worker": case.assigned_worker.name if case.assigned_worker else None,
        "address": address,
        "landlord": case.landlord.name if case.landlord else None,
        "debt": f"{case.debt_cents / 100:,.2f} €".replace(",", " ").replace(".", ",")
        if case.debt_cents is not None
        else None,
    }


def _procedure(case: Case, *, today: date) -> dict[str, Any]:
    """The procedure panel: where it stands, what is next and in how many days, the dates."""
    procedure = procedure_of(case, today=today)
    upcoming = procedure.next_deadline
    return {
        "stage": label(STAGE_LABELS, procedure.stage),
        "next": {
            "label": upcoming.label,
            "date": _day(upcoming.on),
            "countdown": countdown(upcoming, today),
            "urgent": upcoming.days_left(today) <= 14,
            "assumed": upcoming.assumed,
            "source": upcoming.source,
        }
        if upcoming
        else None,
        "dates": [
            (gettext(DATE_LABELS[column]), _day(value))
            for column, value in procedure.dates.items()
            if value is not None
        ],
        "lease": _day(case.lease_signed_on) if case.lease_signed_on else None,
        "needs_lease": case.date_cdp is not None and case.lease_signed_on is None,
    }


def _checks(case: Case, found: dict[str, ProcedureCheck]) -> list[dict[str, Any]]:
    """The points the commandement de payer must show, with the verdict given (if any)."""
    if case.date_cdp is None:
        return []
    return [
        {
            "key": key,
            "label": gettext(text),
            "source": source,
            "verdict": found[key].verdict if key in found else "",
        }
        for key, text, source in CDP_CHECKS
    ]


def _closing(session: Session, case: Case) -> dict[str, Any] | None:
    if case.status != "closed":
        return None
    closer = session.get(TeamUser, case.closed_by_id) if case.closed_by_id else None
    return {
        "outcome": closing_outcome_label(case.outcome),
        "comment": case.outcome_comment,
        "at": case.closed_at,
        "by": closer.name if closer else None,
    }


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _point(point: Any) -> dict[str, Any]:
    value = display_phone(point.value) if point.kind == "phone" else point.value
    return {
        # A worker calls a phone number: say so, whatever channel the messages use.
        "kind": gettext("Phone") if point.kind == "phone" else contact_kind_label(point.kind),
        "value": value,
        "tel": point.value if point.kind == "phone" else None,
        "usable": point.usable,
        "state": point.state,
    }


def _step(step: Any, *, today: date | None = None) -> dict[str, Any]:
    return {
        "id": step.id,
        "kind": step.kind,
        "label": step_kind_label(step.kind),
        "status": step.status,
        "status_label": step_status_label(step.status),
        "due_date": step.due_date,
        "detail": step.detail,
        "objective": step.objective,
        "who": step_actor_label(step.actor),
        "result": step.result,
        "referral_id": getattr(step, "referral_id", None),
        "overdue": today is not None
        and step.due_date is not None
        and step.due_date < today
        and step.status in OPEN_STEP_STATUSES,
    }


def _visit(session: Session, services: Services, case: Case) -> dict[str, Any] | None:
    """The booked visit, else the latest one; what the worker needs to go there."""
    visit = visit_of(session, case_id=case.id)
    if visit is None:
        return None
    now = services.clock.now()
    return {
        "id": visit.id,
        "active": visit.active,
        "when": visit_date(visit.starts_at, "fr"),
        "window": visit.time_window,
        "worker": visit.worker.name if visit.worker else None,
        "place": _visit_place(visit),
        "booked": gettext(REACHED_BY_LABELS.get(visit.reached_by, REACHED_BY_LABELS["reply"])),
        "status": gettext(VISIT_STATUS_LABELS.get(visit.status, visit.status)),
        "markable": visit.status != "cancelled" and now >= visit.starts_at,
        "today": visit.starts_at.astimezone(PARIS).date() == now.astimezone(PARIS).date(),
        "slot_id": visit.slot_id,
        "place_id": visit.place_id,
    }


def _visit_place(visit: Visit) -> str:
    if visit.place_kind == "nearby" and visit.place is not None:
        return _place_label(visit.place)
    return gettext("at the household's home")


def _place_label(place: MeetingPlace) -> str:
    address = place.address or gettext("address to be completed")
    return f"{place.name} — {address}"


def _slot_label(slot: Slot) -> str:
    worker = slot.worker.name if slot.worker else ""
    return (
        f"{visit_date(slot.starts_at, 'fr')} — {worker}"
        if worker
        else visit_date(slot.starts_at, "fr")
    )


def _landlord(
    session: Session, services: Services, case: Case, reads: PageReads
) -> dict[str, Any] | None:
    """The landlord block: who, how to reach them, and exactly what a message would say."""
    landlord = case.landlord
    if landlord is None:
        return None
    settings = services.settings
    sms = landlords.compose_sms(
        session, case=case, public_url=settings.public_url, organisation=settings.organisation_name
    )
    routes = []
    if landlord.phone and any(name in services.sending_channels for name in SMS_CHANNELS):
        routes.append(("sms", gettext("Send by SMS"), sms.body))
    if landlord.email and mail_enabled(settings):
        mail = landlords.compose_email(
            session, case=case, public_url=settings.public_url, contact=settings.team_contact
        )
        routes.append(("email", gettext("Send by e-mail"), f"{mail.subject}\n\n{mail.body}"))
    return {
        "name": landlord.name,
        "phone": display_phone(landlord.phone) if landlord.phone else None,
        "phone_value": landlord.phone_raw
        or (display_phone(landlord.phone) if landlord.phone else ""),
        "tel": landlord.phone,
        "email": landlord.email,
        "followed": sms.followed,
        "routes": routes,
        "mail_off": bool(landlord.email) and not mail_enabled(settings),
        "mediation": [
            {
                "kind": mediation_kind_label(entry.kind),
                "on": entry.happened_on.strftime("%d/%m/%Y"),
                "note": entry.note,
            }
            for entry in (
                mediation_entries(session, case_id=case.id) if reads.holds(MediationEntry) else []
            )
        ],
        "mediation_kinds": [(code, mediation_kind_label(code)) for code in MEDIATION_KINDS],
    }


def _assignable(reads: PageReads) -> list[tuple[int, str]]:
    """The active team members a coordinator can assign the case to, by name."""
    return [(member_id, name) for member_id, name, active in reads.team_members() if active]


def _contract(session: Session, case: Case) -> dict[str, Any] | None:
    """The household's agreement to its contract, if given: when, how, who recorded it."""
    record = contract_agreement(session, case_id=case.id)
    if record is None:
        return None
    recorder = session.get(TeamUser, record.recorded_by_id) if record.recorded_by_id else None
    return {
        "at": record.recorded_at,
        "how": consent_how(record),
        "by": recorder.name if recorder else None,
        "document_ref": record.document_ref,
    }
