"""POST /webhooks/telegram: updates from Telegram, stored once per update_id, then processed.

Telegram sends the secret we gave it in setWebhook in X-Telegram-Bot-Api-Secret-Token; anything
without it gets 403 and is not stored. The webhook stores the update (and spends a deep-link
token in the same transaction, so any later processing already knows the chat), answers 200 at
once, and does the rest after the answer: attach to the case, send the link reply, answer the
button press. The polling loop (api/webhooks/telegram_polling.py) goes through the same two steps.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any, cast

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import get_services
from api.services import Services
from api.webhooks import spool
from api.webhooks.writes import webhook_transaction
from bot.telegram import NAME, TelegramChannel, callback_query_id, parse_update
from messages import gettext
from outreach.links import redeem_link_token
from outreach.models import Case, ContactPoint, Message
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import DeliveryError
from outreach.sending.send_now import Route, deliver, queue_message

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SPOOL_KIND = "telegram"
MAX_BODY_BYTES = 1_000_000
MAX_DEPTH = 32  # Telegram's updates nest a few levels; storing and cleaning recurse
LINKED = "Your Telegram account is now linked. You can write to us here, the team will answer."
LINK_REFUSED = (
    "This link is no longer valid (already used or expired). "
    "Ask the team that sent it for a new one."
)

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Received:
    """What storing one update did; what is left to do after answering Telegram."""

    message_id: int
    created: bool
    replies: tuple[int, ...] = ()
    callback_query_id: str | None = None


class DatabaseDown(Exception):
    """The update could not be stored because the database is unreachable."""


@router.post("/webhooks/telegram")
async def telegram_webhook(request: Request, background: BackgroundTasks) -> dict[str, Any]:
    services = get_services(request)
    _check_secret(services.settings.telegram_webhook_secret, request.headers.get(SECRET_HEADER))
    update = _json(await request.body())
    if update is None:
        # Answering an error would make Telegram retry the same junk for a day.
        return {"ok": True, "ignored": True}
    try:
        received = await run_in_threadpool(receive_update, services, update)
    except DatabaseDown:
        await run_in_threadpool(_spool, services, update)
        return {"ok": True, "spooled": True}
    if received is not None and received.created:
        background.add_task(finish_update, services, received)
    return {"ok": True}


def _check_secret(expected: str | None, given: str | None) -> None:
    if not expected:
        raise HTTPException(503, detail="Telegram webhook not configured.")
    if given is None or not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(403, detail="Forbidden.")


def _json(body: bytes) -> dict[str, Any] | None:
    if len(body) > MAX_BODY_BYTES:
        return None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting overflows the parser
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    return data if _depth(data) <= MAX_DEPTH else None


def _depth(value: Any) -> int:
    """How deeply lists and objects nest (iterative: a hostile value cannot overflow the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


# --- the two steps, shared with the polling loop ----------------------------------------------


def receive_update(services: Services, update: dict[str, Any]) -> Received | None:
    """Store the update (once per update_id) and spend its deep-link token; None if ignored."""
    inbound = parse_update(update, received_at=services.clock.now())
    if inbound is None:
        return None
    try:
        with webhook_transaction(services) as session:
            message, created = store_inbound(session, clock=services.clock, inbound=inbound)
            replies: tuple[int, ...] = ()
            if created and inbound.link_token:
                replies = _redeem(session, services, inbound.link_token, inbound.address)
            return Received(
                message_id=message.id,
                created=created,
                replies=replies,
                callback_query_id=callback_query_id(inbound.raw),
            )
    except spool.DATABASE_DOWN:
        # Connection refused, server gone, disk full, locked...: keep the update on disk instead.
        raise DatabaseDown from None


def finish_update(services: Services, received: Received) -> None:
    """After the answer: stop the button spinner, attach to the case, send the link reply."""
    # Services.channels holds the Channel interface; buttons are Telegram's own.
    channel = cast("TelegramChannel | None", services.channels.get(NAME))
    if received.callback_query_id and channel is not None:
        try:
            channel.answer_callback(received.callback_query_id)
        except DeliveryError as error:
            log.warning("telegram callback not answered: %s", error.kind)
    with services.sessions.begin() as session:
        process_inbound(
            session,
            clock=services.clock,
            message=session.get_one(Message, received.message_id),
            reply_path=services.reply_path,
        )
    for reply_id in received.replies:
        deliver(
            services.sessions,
            clock=services.clock,
            channels=services.channels,
            message_id=reply_id,
            in_session=True,
        )


def handle_update(services: Services, update: dict[str, Any]) -> Received | None:
    """Both steps at once (polling, spool replay)."""
    received = receive_update(services, update)
    if received is not None and received.created:
        finish_update(services, received)
    return received


# --- deep links ------------------------------------------------------------------------------


def _redeem(session: Session, services: Services, token: str, chat_id: str) -> tuple[int, ...]:
    """Link the chat to the token's case; queue the reply that says whether it worked."""
    case = redeem_link_token(session, clock=services.clock, token=token, chat_id=chat_id)
    if NAME not in services.channels:
        return ()
    if case is None:
        return (_queue_refusal(session, services, chat_id).id,)
    route = Route(channel=NAME, contact_point=_telegram_point(session, case, chat_id))
    reply = queue_message(
        session,
        clock=services.clock,
        case=case,
        route=route,
        body=gettext(LINKED, case.language),
        template="telegram_linked",
    )
    return (reply.id,)


def _telegram_point(session: Session, case: Case, chat_id: str) -> ContactPoint:
    return session.scalars(
        select(ContactPoint).where(
            ContactPoint.case_id == case.id,
            ContactPoint.kind == NAME,
            ContactPoint.value == chat_id,
        )
    ).one()


def _queue_refusal(session: Session, services: Services, chat_id: str) -> Message:
    """The chat belongs to no case: the reply is an outbox row without one."""
    message = Message(
        direction="out",
        channel=NAME,
        address=chat_id,
        body=gettext(LINK_REFUSED),
        template="telegram_link_refused",
        language="fr",
        status="pending",
        processed=True,
        created_at=services.clock.now(),
    )
    session.add(message)
    session.flush()
    return message


# --- database down ---------------------------------------------------------------------------


def _spool(services: Services, update: dict[str, Any]) -> None:
    spool.spool(services.settings, SPOOL_KIND, str(update["update_id"]), update)
    log.warning("database unreachable: telegram update spooled")


def replay_spooled(services: Services) -> int:
    """Store and process the updates spooled while the database was down."""
    return spool.replay(
        services.settings, SPOOL_KIND, lambda payload: handle_update(services, payload)
    )
