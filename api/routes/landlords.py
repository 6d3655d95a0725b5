"""The team writes to a case's landlord about the guarantees they can call on.

POST /api/cases/{id}/landlord-message {"channel": "sms" | "email"}: outbox first (the row and its
audit event are committed), then the SMS goes through the channel or the e-mail through SMTP.
POST /api/cases/{id}/landlord-consent records the tenant's answer, given in person, to "may we
tell your landlord that we help you?" (consent purpose "landlord_contact").
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.deps import CurrentUser, RowId, ServicesDep, SessionDep
from api.routes.contract import CONFLICT
from api.routes.messages import _visible_case
from api.services import Services
from outreach import audit
from outreach.landlords import contact as landlords
from outreach.landlords.mail import Mail, MailError, send_mail
from outreach.models import Case, Message, TeamUser
from outreach.privacy.consent import TEXT_VERSIONS, record_consent
from outreach.sending.send_now import deliver

router = APIRouter(prefix="/api", tags=["landlords"])


class LandlordMessageCreate(BaseModel):
    channel: Literal["sms", "email"]


class LandlordMessagePublic(BaseModel):
    id: int
    channel: str
    status: str
    template: str  # landlord_general | landlord_followed
    followed: bool  # the text says the household is followed (the tenant agreed)
    body: str
    created_at: datetime


class LandlordConsentCreate(BaseModel):
    decision: Literal["given", "refused", "withdrawn"]


class LandlordConsentPublic(BaseModel):
    id: int
    decision: str
    recorded_at: datetime


@router.post(
    "/cases/{case_id}/landlord-message",
    response_model=LandlordMessagePublic,
    status_code=201,
    responses=CONFLICT,
)
def send_landlord_message(
    case_id: RowId,
    payload: LandlordMessageCreate,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> LandlordMessagePublic:
    case = _visible_case(session, user=user, case_id=case_id)
    try:
        message = write_to_landlord(
            session, services, case=case, channel=payload.channel, author=user
        )
    except landlords.LandlordNotReachable as refusal:
        raise HTTPException(409, detail=str(refusal)) from None
    session.refresh(message)
    return LandlordMessagePublic(
        id=message.id,
        channel=message.channel,
        status=message.status,
        template=message.template or "",
        followed=message.template == "landlord_followed",
        body=message.body,
        created_at=message.created_at,
    )


def write_to_landlord(
    session: Session, services: Services, *, case: Case, channel: str, author: TeamUser
) -> Message:
    """Outbox first: the landlord's message and its audit event are committed, then the SMS goes
    through the channel or the e-mail through SMTP. LandlordNotReachable says why it cannot go.
    The API and the case page both send with it."""
    settings = services.settings
    if channel == "sms":
        message, _text = landlords.queue_sms(
            session,
            clock=services.clock,
            case=case,
            enabled=services.sending_channels,
            public_url=settings.public_url,
            organisation=settings.organisation_name,
            author_id=author.id,
        )
        mail = None
    else:
        message, mail = landlords.record_email(
            session,
            clock=services.clock,
            case=case,
            public_url=settings.public_url,
            contact=settings.team_contact,
            author_id=author.id,
        )
    audit.record(
        session,
        clock=services.clock,
        actor=author,
        action="landlord.message",
        case_id=case.id,
        message_id=message.id,
        channel=message.channel,
        template=message.template,
    )
    message_id = message.id
    session.commit()  # outbox first
    if mail is None:
        deliver(
            services.sessions,
            clock=services.clock,
            channels=services.channels,
            message_id=message_id,
        )
    else:
        _send_mail(services, message_id=message_id, mail=mail)
    session.refresh(message)
    return message


def _send_mail(services: Services, *, message_id: int, mail: Mail) -> None:

    try:
        send_mail(services.settings, mail)
        error = None
    except MailError as failure:
        error = str(failure)
    with services.sessions.begin() as session:
        message = session.get_one(Message, message_id)
        landlords.mark_email(session, clock=services.clock, message=message, error=error)


@router.post(
    "/cases/{case_id}/landlord-consent", response_model=LandlordConsentPublic, status_code=201
)
def record_landlord_consent(
    case_id: RowId,
    payload: LandlordConsentCreate,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> LandlordConsentPublic:
    """The tenant's answer given in person (channel "visit"), recorded by a team member."""
    case = _visible_case(session, user=user, case_id=case_id)
    record = record_consent(
        session,
        clock=services.clock,
        case=case,
        purpose="landlord_contact",
        decision=payload.decision,
        text_version=f"{TEXT_VERSIONS['landlord_contact']}-visit",
        language=case.language,
        channel="visit",
        actor=user,
    )
    return LandlordConsentPublic(
        id=record.id, decision=record.decision, recorded_at=record.recorded_at
    )
