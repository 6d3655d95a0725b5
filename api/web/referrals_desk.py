"""Referrals from the case page: prepare one (partner, purpose), review what is shared, get the
household's agreement (by message or in person), send it, then record the partner's answer.

GET /cases/{id}/referrals/{rid} is the referral's own page: what will be shared, exactly as the
partner will read it, and the next thing to do. Forms follow the case forms: CSRF, then back to
the referral page (303); a refused form shows the page again with the reason and what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep
from api.services import Services
from api.web.access import visible_case
from api.web.auth import FormUserDep, WebUser, WebUserDep
from api.web.rendering import PageError, render
from messages import gettext
from messages.formatting import short_date
from outreach import audit
from outreach.casework.consents import METHOD_LABELS, how
from outreach.landlords.mail import mail_enabled
from outreach.models import Case, EngagementStep, Partner, Referral
from outreach.partners import referrals, sharing
from outreach.partners.directory import kind_label as partner_kind_label
from outreach.partners.referrals import (
    ANSWER_STATUSES,
    FIELDS,
    PURPOSES,
    ReferralError,
    field_label,
    purpose_label,
    referral_number,
    status_label,
)
from outreach.team.followup import step_kind_label
from outreach.team.page_reads import PageReads

router = APIRouter(include_in_schema=False)

ShortText = Annotated[str, Form(max_length=200)]
LongText = Annotated[str, Form(max_length=4000)]


def _page(case_id: int, referral_id: int, anchor: str = "") -> Response:
    suffix = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"/cases/{case_id}/referrals/{referral_id}{suffix}", status_code=303)


def _referral(session: Session, case: Case, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None or referral.case_id != case.id:
        raise PageError(404, gettext("Referral not found."))
    return referral


def referral_rows(reads: PageReads) -> list[dict[str, Any]]:
    """The case's referrals as the case page lists them."""
    referrals = reads.referrals()
    names = reads.partner_names() if referrals else {}
    return [
        {
            "id": referral.id,
            "partner": names.get(referral.partner_id or 0, gettext("partner removed")),
            "purpose": purpose_label(referral.purpose),
            "status": referral.status,
            "status_label": status_label(referral.status),
            "sent": short_date(referral.sent_at) if referral.sent_at else None,
        }
        for referral in referrals
    ]


def purpose_choices() -> list[tuple[str, str]]:
    return [(code, purpose_label(code)) for code in PURPOSES]


@router.post("/cases/{case_id}/referrals")
def prepare(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    partner: ShortText = "",
    purpose: ShortText = "",
) -> Response:
    """A new referral: the partner and the purpose; the summary is reviewed on its page."""
    from api.web.case_page import render_case

    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        referral = referrals.prepare(
            session,
            clock=services.clock,
            case=case,
            partner_id=int(partner) if partner.isdigit() else None,
            purpose=purpose,
            actor=web.user,
        )
    except ReferralError as error:
        return render_case(
            request, session, services, web, case,
            errors={"referral": str(error)}, status_code=422,
        )  # fmt: skip
    return _page(case.id, referral.id)


@router.get("/cases/{case_id}/referrals/{referral_id}")
def referral_page(
    case_id: RowId,
    referral_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    referral = _referral(session, case, referral_id)
    audit.record(
        session, clock=services.clock, actor=web.user, action="referral.read", case_id=case.id,
        referral_id=referral.id,
    )  # fmt: skip
    return render_referral(request, session, services, web, case, referral)


def render_referral(
    request: Request,
    session: Session,
    services: Services,
    web: WebUser,
    case: Case,
    referral: Referral,
    *,
    error: str | None = None,
    drafts: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    partner = session.get(Partner, referral.partner_id) if referral.partner_id else None
    consent = referrals.consent_of(session, referral)
    facts = dict(referrals.summary_lines(session, case=case, referral=referral))
    allowed = PURPOSES[referral.purpose].fields if referral.purpose in PURPOSES else ()
    values = {
        key: value
        for key, value in referrals.summary_lines(
            session, case=case, referral=_all_fields(referral, allowed)
        )
    }
    question = (
        referrals.question(referral, partner, case.language).body
        if partner is not None and referral.purpose in PURPOSES
        else None
    )
    linked = session.scalar(
        select(EngagementStep.id).where(EngagementStep.referral_id == referral.id).limit(1)
    )
    context = {
        "case": case,
        "referral": referral,
        "number": referral_number(referral),
        "partner": partner,
        "partner_kind": partner_kind_label(partner.kind) if partner else "",
        "purpose": purpose_label(referral.purpose),
        "status_label": status_label(referral.status),
        "fields": [
            {
                "key": key,
                "label": field_label(key),
                "value": values.get(field_label(key), ""),
                "checked": key in referral.fields,
            }
            for key in allowed
        ],
        "shared": facts,
        "editable": referral.status in ("draft", "consent_asked", "ready"),
        "consent": consent,
        "consent_how": how(consent) if consent is not None else None,
        "consent_text": referrals.consent_text(referral, partner) if partner else "",
        "question": question,
        "methods": [(code, gettext(text)) for code, text in METHOD_LABELS.items()],
        "answers": [(code, status_label(code)) for code in ANSWER_STATUSES],
        "mail_ready": mail_enabled(services.settings) and bool(partner and partner.email),
        "mail_configured": mail_enabled(services.settings),
        "steps": [
            (step.id, step_kind_label(step.kind))
            for step in session.scalars(
                select(EngagementStep)
                .where(EngagementStep.case_id == case.id)
                .order_by(EngagementStep.id)
            )
        ],
        "linked_step": linked,
        "expired": referral.expires_at is not None and referral.expires_at <= services.clock.now(),
        "error": error,
        "drafts": drafts or {},
    }
    return render(request, "team/referral.html", context, web=web, status_code=status_code)


def _all_fields(referral: Referral, allowed: tuple[str, ...]) -> Referral:
    """A copy of the referral with every field its purpose allows: the values to show."""
    return Referral(id=referral.id, case_id=referral.case_id, fields=list(allowed))


@dataclass
class Desk:
    """One referral of one visible case, for a form posted on its page."""

    request: Request
    session: Session
    services: Services
    web: WebUser
    case: Case
    referral: Referral

    def refused(self, error: ReferralError, drafts: dict[str, str] | None = None) -> Response:
        """The page again, with the reason; nothing of the refused form written."""
        self.session.rollback()
        self.session.refresh(self.referral)
        return render_referral(
            self.request, self.session, self.services, self.web, self.case, self.referral,
            error=str(error), drafts=drafts, status_code=422,
        )  # fmt: skip

    def back(self, anchor: str) -> Response:
        return _page(self.case.id, self.referral.id, anchor)

    def send_now(self) -> str | None:
        """Commit what the form did, then e-mail the referral; None when it went."""
        self.session.commit()
        settings = self.services.settings
        if not mail_enabled(settings):
            return "no mail"
        return sharing.send_one(
            self.services.sessions, clock=self.services.clock, settings=settings,
            referral_id=self.referral.id,
        )  # fmt: skip


def _desk(
    case_id: RowId,
    referral_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
) -> Desk:
    case = visible_case(session, user=web.user, case_id=case_id)
    return Desk(request, session, services, web, case, _referral(session, case, referral_id))


DeskDep = Annotated[Desk, Depends(_desk)]
PATH = "/cases/{case_id}/referrals/{referral_id}"


@router.post(f"{PATH}/review")
def review(
    desk: DeskDep,
    fields: Annotated[list[str], Form(max_length=30)] = [],  # noqa: B006 (FastAPI copies it)
    note: LongText = "",
    delivery: ShortText = "link",
) -> Response:
    """The facts ticked, the note, the way it goes: saved before asking anything."""
    try:
        referrals.review(
            desk.session, clock=desk.services.clock, referral=desk.referral, fields=fields,
            note=note, delivery=delivery, actor=desk.web.user,
        )  # fmt: skip
    except ReferralError as error:
        return desk.refused(error, {"note": note})
    return desk.back("consent")


@router.post(f"{PATH}/ask")
def ask(desk: DeskDep) -> Response:
    """Ask the household by message, naming the partner; its YES sends the referral."""
    try:
        referrals.ask_by_message(
            desk.session, clock=desk.services.clock, case=desk.case, referral=desk.referral,
            enabled=desk.services.sending_channels, actor=desk.web.user,
        )  # fmt: skip
    except ReferralError as error:
        return desk.refused(error)
    return desk.back("consent")


@router.post(f"{PATH}/agreed")
def agreed_in_person(
    desk: DeskDep, method: ShortText = "", document_ref: ShortText = ""
) -> Response:
    """The household agreed in person: recorded, and the referral goes at once."""
    try:
        referrals.agree_in_person(
            desk.session, clock=desk.services.clock, case=desk.case, referral=desk.referral,
            method=method, document_ref=document_ref, actor=desk.web.user,
        )  # fmt: skip
    except ReferralError as error:
        return desk.refused(error, {"document_ref": document_ref})
    desk.send_now()
    return desk.back("sending")


@router.post(f"{PATH}/send")
def send_now(desk: DeskDep) -> Response:
    """Send (again) a referral the household agreed to: after a failure, or an address fixed."""
    referral = desk.referral
    if referral.status != "ready" or not referrals.has_consent(desk.session, referral):
        return desk.refused(
            ReferralError(gettext("Nothing is sent without the household's agreement."))
        )
    referral.send_attempts = 0
    if desk.send_now() is not None:
        desk.session.expire_all()
        error = gettext("The e-mail could not be sent: check the partner's address and try again.")
        return render_referral(
            desk.request, desk.session, desk.services, desk.web, desk.case,
            _referral(desk.session, desk.case, referral.id), error=error, status_code=502,
        )  # fmt: skip
    return desk.back("sending")


@router.post(f"{PATH}/new-link")
def new_link(desk: DeskDep) -> Response:
    """A link expired, locked or lost: a new link and code (the old ones die)."""
    try:
        sharing.prepare_new_link(
            desk.session, clock=desk.services.clock, referral=desk.referral, actor=desk.web.user
        )
    except ReferralError as error:
        return desk.refused(error)
    desk.send_now()
    return desk.back("sending")


@router.post(f"{PATH}/answer")
def partner_answer(desk: DeskDep, status: ShortText = "", answer: LongText = "") -> Response:
    try:
        referrals.record_partner_answer(
            desk.session, clock=desk.services.clock, referral=desk.referral, status=status,
            answer=answer, actor=desk.web.user,
        )  # fmt: skip
    except ReferralError as error:
        return desk.refused(error, {"answer": answer})
    return desk.back("answer")


@router.post(f"{PATH}/step")
def link_step(desk: DeskDep, step: ShortText = "") -> Response:
    """The démarche of the contract this referral serves (or none)."""
    try:
        referrals.link_step(
            desk.session, clock=desk.services.clock, referral=desk.referral,
            step_id=int(step) if step.isdigit() else None, actor=desk.web.user,
        )  # fmt: skip
    except ReferralError as error:
        return desk.refused(error)
    return desk.back("step")


@router.post(f"{PATH}/cancel")
def cancel(desk: DeskDep) -> Response:
    try:
        referrals.cancel(
            desk.session, clock=desk.services.clock, case=desk.case, referral=desk.referral,
            actor=desk.web.user,
        )  # fmt: skip
    except ReferralError as error:
        return desk.refused(error)
    return RedirectResponse(f"/cases/{desk.case.id}#partners", status_code=303)


def partner_choices(directory: list[Partner]) -> list[dict[str, Any]]:
    """The directory's partners (those serving the case's sector), with whether they can get
    e-mail."""
    return [
        {"id": partner.id, "name": partner.name, "email": bool(partner.email)}
        for partner in directory
    ]


__all__ = ["FIELDS", "partner_choices", "purpose_choices", "referral_rows", "router"]
