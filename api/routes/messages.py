"""The team writes to a household, and reads the conversation of a case.

POST /api/cases/{id}/messages sends a team member's free text on the case's best channel, outbox
first: the row is committed (with its audit event) before the channel is called. A temporary
provider failure leaves the message `pending` (202): `deliver` hands it to the outbox and the
dispatcher retries it with backoff. Outside the reply window (at night) it waits in the outbox
until the window opens (202 with `send_at`). An opted-out household is refused with 409 and the
reason. The rules are outreach.team.messages's, shared with the case page.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.deps import CurrentUser, RowId, ServicesDep, SessionDep
from api.routes.contract import CONFLICT
from api.services import Services
from messages import gettext
from outreach import audit
from outreach.cases import case_exists, get_case
from outreach.models import Case, Message, TeamUser
from outreach.sending.send_now import NotSendable, claim, outgoing_for, send_claimed
from outreach.team.messages import MAX_LENGTH, MessageRefused, TeamMessage, write_to_household
from outreach.text_input import FilledText

router = APIRouter(prefix="/api", tags=["messages"])

WAITING = frozenset({"pending", "sending"})


class TeamMessageCreate(BaseModel):
    body: FilledText = Field(max_length=MAX_LENGTH)


class MessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    direction: str  # "out": to the household, "in": from the household
    channel: str
    status: str
    body: str
    segments: int | None
    encoding: str | None
    author_id: int | None
    error_kind: str | None
    created_at: datetime
    sent_at: datetime | None


class SentMessagePublic(MessagePublic):
    # True when the provider could not take it yet: it stays pending and the dispatcher
    # retries it with backoff. The answer is then 202, not 201.
    will_retry: bool
    # Written outside the reply window (at night, by default 21:00-08:00 in Paris): it waits
    # in the outbox and is sent at this time. The answer is then 202, not 201.
    send_at: datetime | None


class MessageListPublic(BaseModel):
    items: list[MessagePublic]  # oldest first, newest last
    total: int
    page: int  # page 1 holds the most recent messages, page 2 the ones before...
    per_page: int


@router.post(
    "/cases/{case_id}/messages",
    response_model=SentMessagePublic,
    status_code=201,
    responses={
        202: {
            "description": "Kept pending: after a temporary failure (retried later), or written"
            " outside the reply window (sent when it opens, at `send_at`).",
            "model": SentMessagePublic,
        },
        **CONFLICT,
    },
)
def send_team_message(
    case_id: RowId,
    payload: TeamMessageCreate,
    response: Response,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> SentMessagePublic:
    case = _visible_case(session, user=user, case_id=case_id)
    try:
        queued = write_and_send(session, services, case=case, author=user, text=payload.body)
    except NotSendable as refusal:
        raise HTTPException(409, detail=str(refusal)) from None
    except MessageRefused as refusal:
        raise HTTPException(422, detail=str(refusal)) from None
    will_retry = queued.send_at is None and queued.message.status in WAITING
    if will_retry or queued.send_at is not None:
        response.status_code = 202
    public = MessagePublic.model_validate(queued.message)
    return SentMessagePublic(**public.model_dump(), will_retry=will_retry, send_at=queued.send_at)


def write_and_send(
    session: Session, services: Services, *, case: Case, author: TeamUser, text: str
) -> TeamMessage:
    """A team member's message to the household (the API and the case page): committed with its
    audit event, then sent at once inside the reply window, else left to the outbox. The message
    returned is as it stands after the attempt (sent, failed, waiting)."""
    queued = write_to_household(
        session,
        clock=services.clock,
        case=case,
        author=author,
        text=text,
        channels=services.sending_channels,
        reply_window=services.engine_config.windows["reply"],
    )
    message = queued.message
    outgoing = None
    if queued.send_at is None and claim(session, message_id=message.id, now=services.clock.now()):
        outgoing = outgoing_for(message, in_session=queued.in_session)
    session.commit()  # outbox first: the row exists, claimed, before the provider is called
    if outgoing is None:
        if queued.send_at is None:
            session.refresh(message)  # another sender claimed it first: as it stands now
        return queued
    sent = send_claimed(
        services.sessions,
        clock=services.clock,
        channel=services.channels.get(message.channel),
        outgoing=outgoing,
    )
    return replace(queued, message=sent)


@router.get("/cases/{case_id}/messages", response_model=MessageListPublic)
def case_messages(
    case_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessageListPublic:
    """Messages both ways, newest last; page 1 is the most recent `per_page` messages."""
    case = _visible_case(session, user=user, case_id=case_id)
    query = select(Message).where(Message.case_id == case.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(
            query.order_by(Message.created_at.desc(), Message.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    audit.record(
        session,
        clock=services.clock,
        actor=user,
        action="message.list",
        case_id=case.id,
        message_ids=[row.id for row in rows],
        page=page,
    )
    return MessageListPublic(
        items=[MessagePublic.model_validate(row) for row in reversed(rows)],
        total=total,
        page=page,
        per_page=per_page,
    )


def _visible_case(session: Session, *, user: TeamUser, case_id: int) -> Case:
    """The case, or 404 / 403 exactly like GET /api/cases/{id}."""
    case = get_case(session, user=user, case_id=case_id)
    if case is None:
        if case_exists(session, case_id=case_id):
            raise HTTPException(403, detail=gettext("This case is not in your sectors."))
        raise HTTPException(404, detail=gettext("Case not found."))
    return case
