"""POST /webhooks/twilio/sms (inbound SMS and WhatsApp) and POST /webhooks/twilio/status.

Each request must carry a valid X-Twilio-Signature, computed with TWILIO_AUTH_TOKEN over
ALLERVERS_PUBLIC_URL + path (+ query string): the URL Twilio called, whatever proxy is in front.
Without the token the webhooks answer 503; a missing or wrong signature gets 403 and nothing is
stored. An inbound message is stored first (once per MessageSid, in one small transaction),
answered at once with empty TwiML, and attached to its case after the answer. A status callback
is recorded in one transaction with what it means (opt-out, dead number, retry...).
Twilio does not retry a failed inbound webhook: when the database is down the request goes to
the spool on disk (api/webhooks/spool.py), is acknowledged, and is replayed once the database
is back.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import MAX_ROW_ID, get_services
from api.services import Services
from api.webhooks import spool
from api.webhooks.inbound_processing import InboundProcessor, process_messages
from api.webhooks.writes import webhook_transaction
from bot.twilio_client import INBOUND_PATH, MESSAGE_ID_PARAM, STATUS_PATH
from bot.twilio_errors import classify
from bot.twilio_webhook import (
    SIGNATURE_HEADER,
    FormParams,
    parse_inbound,
    parse_status,
    valid_signature,
)
from outreach.engine.failures import apply_late_failure
from outreach.models import Message
from outreach.replies.inbound import store_inbound
from outreach.sending.channel import Inbound, StatusReport
from outreach.sending.status import apply_status

INBOUND_KIND = "twilio_inbound"
STATUS_KIND = "twilio_status"
MAX_BODY_BYTES = 64_000
MAX_ID_DIGITS = 19  # our message id in the status callback URL: at most MAX_ROW_ID
FAILED = frozenset({"failed", "undelivered"})
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
NOT_CONFIGURED = "Twilio webhooks are off: TWILIO_AUTH_TOKEN is not set."

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
_processor_lock = threading.Lock()


@dataclass(frozen=True)
class Stored:
    message_id: int
    created: bool


@router.post(INBOUND_PATH)
async def twilio_inbound(request: Request, background: BackgroundTasks) -> Response:
    services = get_services(request)
    params = await _signed_params(request, services, INBOUND_PATH)
    inbound = parse_inbound(params, received_at=services.clock.now())
    if inbound is None:
        return _twiml()
    try:
        stored = await run_in_threadpool(store, services, inbound)
    except spool.DATABASE_DOWN:
        await run_in_threadpool(_spool_inbound, services, inbound)
        return _twiml()
    if stored.created:
        background.add_task(_processor(request).submit, stored.message_id)
    _replay_if_spooled(services, background)
    return _twiml()


@router.post(STATUS_PATH)
async def twilio_status(request: Request, background: BackgroundTasks) -> Response:
    services = get_services(request)
    params = await _signed_params(request, services, STATUS_PATH)
    report = parse_status(params)
    if report is None:
        return _twiml()
    message_id = _message_id(request.query_params.get(MESSAGE_ID_PARAM))
    try:
        await run_in_threadpool(record_status, services, report, message_id)
    except spool.DATABASE_DOWN:
        await run_in_threadpool(_spool_status, services, report, params, message_id)
        return _twiml()
    _replay_if_spooled(services, background)
    return _twiml()


async def _signed_params(request: Request, services: Services, path: str) -> FormParams:
    """The form parameters, once the signature proves Twilio sent them."""
    token = services.settings.twilio_auth_token
    if not token:
        raise HTTPException(503, detail=NOT_CONFIGURED)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, detail="Request too large.")
    params = FormParams.from_body(body)
    query = request.url.query
    url = services.settings.public_url + path + (f"?{query}" if query else "")
    if not valid_signature(token, url, params, request.headers.get(SIGNATURE_HEADER)):
        raise HTTPException(403, detail="Invalid Twilio signature.")
    return params


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


def _message_id(value: str | None) -> int | None:
    if not value or not value.isascii() or not value.isdigit() or len(value) > MAX_ID_DIGITS:
        return None
    number = int(value)
    return number if number <= MAX_ROW_ID else None


# --- inbound: store, answer, then process ---------------------------------------------------


def store(services: Services, inbound: Inbound) -> Stored:
    """The only work done before answering Twilio: one small transaction."""
    with webhook_transaction(services) as session:
        message, created = store_inbound(session, clock=services.clock, inbound=inbound)
        return Stored(message.id, created)


def _processor(request: Request) -> InboundProcessor:
    """This app's inbound processor (one per app: it batches what its webhooks stored)."""
    state = request.app.state
    with _processor_lock:
        if getattr(state, "inbound_processor", None) is None:
            state.inbound_processor = InboundProcessor(get_services(request))
        return state.inbound_processor  # type: ignore[no-any-return]


def handle_inbound(services: Services, inbound: Inbound) -> Stored:
    """Both steps at once (spool replay)."""
    stored = store(services, inbound)
    if stored.created:
        process_messages(services, [stored.message_id])
    return stored


# --- status callbacks -----------------------------------------------------------------------


def record_status(services: Services, report: StatusReport, message_id: int | None) -> bool:
    """Apply one status callback and what its error means; True when it changed the message."""
    with webhook_transaction(services) as session:
        if message_id is not None:
            _attach_provider_id(session, report, message_id)
        if not apply_status(session, clock=services.clock, report=report):
            return False
        if report.error_code and report.status in FAILED:
            message = session.scalars(
                select(Message).where(
                    Message.channel == report.channel, Message.provider_id == report.provider_id
                )
            ).one()
            error = classify(report.error_code)
            apply_late_failure(session, clock=services.clock, message=message, error=error)
        return True


def _attach_provider_id(session: Session, report: StatusReport, message_id: int) -> None:
    """A status can come before we recorded Twilio's id: the callback URL names our message."""
    message = session.get(Message, message_id)
    if (
        message is not None
        and message.direction == "out"
        and message.channel == report.channel
        and message.provider_id is None
    ):
        message.provider_id = report.provider_id
        session.flush()


# --- database down: the spool ---------------------------------------------------------------


def _spool_inbound(services: Services, inbound: Inbound) -> None:
    payload = {"params": inbound.raw, "received_at": inbound.received_at.isoformat()}
    spool.spool(services.settings, INBOUND_KIND, inbound.provider_id, payload)
    log.warning("database unreachable: inbound %s spooled", inbound.provider_id)


def _spool_status(
    services: Services, report: StatusReport, params: FormParams, message_id: int | None
) -> None:
    key = f"{report.provider_id}.{report.status}"
    payload = {"params": dict(params), "message_id": message_id}
    spool.spool(services.settings, STATUS_KIND, key, payload)
    log.warning("database unreachable: status %s of %s spooled", report.status, report.provider_id)


def _replay_inbound(services: Services, payload: dict[str, Any]) -> None:
    received_at = datetime.fromisoformat(payload["received_at"])
    inbound = parse_inbound(payload["params"], received_at=received_at)
    if inbound is not None:
        handle_inbound(services, inbound)


def _replay_status(services: Services, payload: dict[str, Any]) -> None:
    report = parse_status(payload["params"])
    if report is not None:
        record_status(services, report, payload.get("message_id"))


def replay_spool(services: Services) -> int:
    """Store what was spooled while the database was down; how many requests were replayed."""
    settings = services.settings
    replayed = spool.replay(settings, INBOUND_KIND, lambda p: _replay_inbound(services, p))
    return replayed + spool.replay(settings, STATUS_KIND, lambda p: _replay_status(services, p))


def _replay_if_spooled(services: Services, background: BackgroundTasks) -> None:
    """The database answered: if anything waits in the spool, replay it after this answer."""
    settings = services.settings
    if spool.has_pending(settings, INBOUND_KIND) or spool.has_pending(settings, STATUS_KIND):
        background.add_task(replay_spool, services)
