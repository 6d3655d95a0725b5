"""Forms of the case page's desk: a visit booked by hand (at home or at a place nearby), changed,
cancelled or marked done; a consent given in person; the engagement contract agreed; the
landlord's contact details and the message telling them which guarantees they can call on.

Like the other case forms: CSRF, then back to the case page (303); a refused form shows the case
page again with the reason next to the form and what was typed kept.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import RowId, ServicesDep, SessionDep
from api.routes.landlords import write_to_landlord
from api.routes.visits import VISIT_ERRORS
from api.web.access import visible_case
from api.web.auth import FormUserDep
from api.web.case_actions import parse_date
from api.web.case_page import render_case
from api.web.rendering import PageError
from messages import gettext
from outreach.booking.visits import VisitError, mark_held, mark_no_show
from outreach.casework import contract
from outreach.casework.consents import ConsentInPersonError, record_in_person
from outreach.casework.visits import (
    VisitByHandError,
    book_by_hand,
    cancel_by_hand,
    change_by_hand,
)
from outreach.landlords.contact import LandlordNotReachable
from outreach.landlords.details import LandlordDetailsError, update_contact
from outreach.landlords.mediation import MediationError
from outreach.landlords.mediation import log as log_mediation
from outreach.models import Visit
from outreach.partners.received import PartnerInfoError, log_info
from outreach.team.calls import CallError, log_call
from outreach.team.followup import FollowupError

router = APIRouter(include_in_schema=False)

ShortText = Annotated[str, Form(max_length=200)]
HOME = "home"


def _back(case_id: int, anchor: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}#{anchor}", status_code=303)


def _slot(text: str) -> int:
    if not text.isdigit():
        raise VisitByHandError(gettext("Choose a date for the visit."))
    return int(text)


def _place(text: str) -> int | None:
    """ "home" (the household's home) or a meeting place's id."""
    if text in ("", HOME):
        return None
    if not text.isdigit():
        raise VisitByHandError(gettext("This place is not one of the sector's meeting places."))
    return int(text)


def _case_visit(session: SessionDep, case_id: int, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None or visit.case_id != case_id:
        raise PageError(404, gettext("Visit not found."))
    return visit


@router.post("/cases/{case_id}/visit")
def book_visit(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    slot: ShortText = "",
    place: ShortText = HOME,
    reached_by: ShortText = "",
) -> Response:
    """A household reached on the phone or at the door: the visit it agreed to."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        book_by_hand(
            session,
            clock=services.clock,
            case=case,
            slot_id=_slot(slot),
            place_id=_place(place),
            reached_by=reached_by,
            actor=web.user,
            enabled=services.sending_channels,
        )
    except VisitByHandError as error:
        drafts = {"visit_slot": slot, "visit_place": place, "visit_reached_by": reached_by}
        return render_case(
            request, session, services, web, case,
            errors={"visit": str(error)}, drafts=drafts, status_code=409,
        )  # fmt: skip
    return _back(case.id, "visit")


@router.post("/cases/{case_id}/visit/{visit_id}/change")
def change_visit(
    case_id: RowId,
    visit_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    slot: ShortText = "",
    place: ShortText = HOME,
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    visit = _case_visit(session, case.id, visit_id)
    try:
        slot_id = visit.slot_id if slot in ("", "same") and visit.slot_id else _slot(slot)
        change_by_hand(
            session,
            clock=services.clock,
            visit=visit,
            slot_id=slot_id,
            place_id=_place(place),
            actor=web.user,
            enabled=services.sending_channels,
        )
    except VisitByHandError as error:
        return render_case(
            request, session, services, web, case, errors={"visit": str(error)}, status_code=409
        )
    return _back(case.id, "visit")


@router.post("/cases/{case_id}/visit/{visit_id}/cancel")
def cancel_visit(
    case_id: RowId, visit_id: RowId, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    visit = _case_visit(session, case.id, visit_id)
    cancel_by_hand(
        session,
        clock=services.clock,
        visit=visit,
        actor=web.user,
        enabled=services.sending_channels,
    )
    return _back(case.id, "visit")


@router.post("/cases/{case_id}/visit/{visit_id}/{outcome}")
def visit_outcome(
    case_id: RowId,
    visit_id: RowId,
    outcome: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
) -> Response:
    """ "Visite faite" or "personne n'était là", from the case page."""
    if outcome not in ("held", "no-show"):
        raise PageError(404, gettext("Page not found."))
    case = visible_case(session, user=web.user, case_id=case_id)
    visit = _case_visit(session, case.id, visit_id)
    action = mark_held if outcome == "held" else mark_no_show
    try:
        action(session, clock=services.clock, visit=visit, actor=web.user)
    except VisitError as error:
        return render_case(
            request, session, services, web, case,
            errors={"visit": gettext(VISIT_ERRORS[error.reason])}, status_code=409,
        )  # fmt: skip
    return _back(case.id, "visit")


@router.post("/cases/{case_id}/consents")
def consent_in_person(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    purpose: ShortText = "",
    decision: ShortText = "",
    method: ShortText = "",
    document_ref: ShortText = "",
) -> Response:
    """The household's answer given in person, read from the text shown on the page."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        record_in_person(
            session,
            clock=services.clock,
            case=case,
            purpose=purpose,
            decision=decision,
            method=method,
            actor=web.user,
            document_ref=document_ref,
        )
    except ConsentInPersonError as error:
        drafts = {"consent_purpose": purpose, "consent_document_ref": document_ref}
        return render_case(
            request, session, services, web, case,
            errors={"consent": str(error)}, drafts=drafts, status_code=422,
        )  # fmt: skip
    return _back(case.id, "consents")


@router.post("/cases/{case_id}/contract/agreed")
def contract_agreed(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    method: ShortText = "",
    document_ref: ShortText = "",
) -> Response:
    """The household agreed to its engagement contract (signed on paper at the visit)."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        contract.agree(
            session,
            clock=services.clock,
            case=case,
            method=method,
            actor=web.user,
            document_ref=document_ref,
        )
    except ConsentInPersonError as error:
        return render_case(
            request, session, services, web, case, errors={"contract": str(error)},
            drafts={"contract_document_ref": document_ref}, status_code=422,
        )  # fmt: skip
    return _back(case.id, "steps")


@router.post("/cases/{case_id}/contract/ask")
def contract_by_message(
    case_id: RowId, request: Request, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    """Send the contract's summary to the household: it agrees by answering YES."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        sent = contract.ask_by_message(
            session, clock=services.clock, case=case, enabled=services.sending_channels
        )
    except ConsentInPersonError as error:
        return render_case(
            request, session, services, web, case, errors={"contract": str(error)}, status_code=422
        )
    if not sent:
        refusal = gettext("The household cannot be written to: have the contract signed.")
        return render_case(
            request, session, services, web, case, errors={"contract": refusal}, status_code=409
        )
    return _back(case.id, "steps")


@router.post("/cases/{case_id}/landlord")
def landlord_details(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    phone: ShortText = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """The landlord's phone and e-mail, completed or corrected by the team."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        update_contact(
            session, clock=services.clock, case=case, phone=phone, email=email, actor=web.user
        )
    except LandlordDetailsError as error:
        drafts = {"landlord_phone": phone, "landlord_email": email}
        return render_case(
            request, session, services, web, case,
            errors={"landlord": str(error)}, drafts=drafts, status_code=422,
        )  # fmt: skip
    return _back(case.id, "landlord")


@router.post("/cases/{case_id}/landlord/message")
def landlord_message(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    channel: ShortText = "",
) -> Response:
    """ "Informer le bailleur des garanties": the text shown on the page, by SMS or e-mail."""
    case = visible_case(session, user=web.user, case_id=case_id)
    if channel not in ("sms", "email"):
        raise PageError(422, gettext("Choose how to write to the landlord."))
    try:
        write_to_landlord(session, services, case=case, channel=channel, author=web.user)
    except LandlordNotReachable as refusal:
        return render_case(
            request, session, services, web, case, errors={"landlord": str(refusal)},
            status_code=409,
        )  # fmt: skip
    return _back(case.id, "landlord")


@router.post("/cases/{case_id}/landlord/mediation")
def mediation(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    kind: ShortText = "",
    happened_on: ShortText = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """A call, a repayment plan proposed, the landlord's answer: the mediation's log."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        day = parse_date(happened_on)
        log_mediation(
            session,
            clock=services.clock,
            case=case,
            kind=kind,
            happened_on=day,
            note=note,
            actor=web.user,
        )
    except (MediationError, FollowupError) as error:
        drafts = {"mediation_note": note, "mediation_kind": kind}
        return render_case(
            request, session, services, web, case,
            errors={"mediation": str(error)}, drafts=drafts, status_code=422,
        )  # fmt: skip
    return _back(case.id, "landlord")


@router.post("/cases/{case_id}/partners/info")
def partner_info(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    partner: ShortText = "",
    kind: ShortText = "",
    means: ShortText = "",
    received_on: ShortText = "",
    summary: Annotated[str, Form(max_length=4000)] = "",
    document_ref: ShortText = "",
) -> Response:
    """What a partner told the team (a decision, an answer), logged on the case."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        log_info(
            session,
            clock=services.clock,
            case=case,
            partner_id=int(partner) if partner.isdigit() else None,
            kind=kind,
            means=means,
            received_on=parse_date(received_on),
            summary=summary,
            document_ref=document_ref,
            actor=web.user,
        )
    except (PartnerInfoError, FollowupError) as error:
        drafts = {"info_summary": summary, "info_document_ref": document_ref}
        return render_case(
            request, session, services, web, case,
            errors={"partner_info": str(error)}, drafts=drafts, status_code=422,
        )  # fmt: skip
    return _back(case.id, "partners")


@router.post("/cases/{case_id}/calls")
def call_logged(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    outcome: ShortText = "",
    minutes: ShortText = "",
    note: Annotated[str, Form(max_length=6000)] = "",
    call_back_on: ShortText = "",
) -> Response:
    """ "J'ai appelé": what came of the call, acted on at once."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        if minutes.strip() and not minutes.strip().isdigit():
            raise CallError(
                gettext("The length of the call is in minutes, up to {limit}.", limit=600)
            )
        log_call(
            session,
            clock=services.clock,
            case=case,
            user=web.user,
            outcome=outcome,
            minutes=int(minutes) if minutes.strip() else None,
            note=note,
            call_back_on=parse_date(call_back_on),
        )
    except (CallError, FollowupError) as error:
        drafts = {"call_note": note, "call_minutes": minutes}
        return render_case(
            request, session, services, web, case,
            errors={"call": str(error)}, drafts=drafts, status_code=422,
        )  # fmt: skip
    return _back(case.id, "facts")
