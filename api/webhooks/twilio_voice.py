"""The team's number answers calls (channel "voice" in ALLERVERS_CHANNELS).

POST /webhooks/twilio/voice: Twilio asks what to do with a call. Signed like the SMS webhooks
(X-Twilio-Signature over ALLERVERS_PUBLIC_URL + path); a forged request gets 403 and nothing is
stored. The call is stored once and attached to the caller's case at once (outreach.replies.voice:
it counts as a reply, and a "call back" task opens in the inbox), then the caller hears who we are
and leaves a message; outside the team's hours (ALLERVERS_TEAM_HOURS) the message says when the
team calls back. With ALLERVERS_VOICE_FORWARD_TO the team's phone rings first during opening
hours; unanswered, the task opens and the caller leaves a message.
POST …/voice/dialed, …/voice/recorded: the next TwiML. POST …/voice/recording: the voicemail's
address, kept once however many times Twilio sends it.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import get_services
from api.services import Services
from api.webhooks.spool import DATABASE_DOWN
from api.webhooks.twilio import _signed_params
from bot import twilio_voice as voice
from messages import gettext
from messages import voice_texts as texts
from messages.formatting import visit_date
from outreach.clock import PARIS
from outreach.replies.voice import CHANNEL, Call, attach_recording, missed, record_call
from outreach.sending.quiet_hours import Window

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
OFF = "The team's number does not answer calls here: add voice to ALLERVERS_CHANNELS."


def _twiml(body: str) -> Response:
    return Response(body, media_type="text/xml")


async def _voice_params(request: Request, path: str) -> tuple[Services, dict[str, str]]:
    services = get_services(request)
    if CHANNEL not in services.settings.enabled_channels:
        raise HTTPException(404, detail=OFF)
    return services, await _signed_params(request, services, path)


@router.post(voice.VOICE_PATH)
async def incoming_call(request: Request) -> Response:
    services, params = await _voice_params(request, voice.VOICE_PATH)
    settings = services.settings
    now = services.clock.now()
    hours = Window.parse(settings.team_hours, holiday_region="FR")
    open_now = hours.is_open(now)
    forward_to = settings.voice_forward_to if open_now else ""
    call = voice.parse_call(params, received_at=now)
    if call is not None:
        try:
            await run_in_threadpool(_store, services, call, not forward_to)
        except DATABASE_DOWN:  # the caller still leaves a message; Twilio keeps the call log
            log.error("call not stored: the database is down")
    greeting = gettext(texts.GREETING, organisation=settings.organisation_name)
    urls = voice.Urls.under(settings.public_url)
    if forward_to:
        return _twiml(voice.answer(greeting, gettext(texts.FORWARDING), urls=urls,
                                   forward_to=forward_to))  # fmt: skip
    if open_now:
        then = gettext(texts.LEAVE_MESSAGE)
    else:
        when = visit_date(hours.next_opening(now).astimezone(PARIS), "fr")
        then = gettext(texts.CLOSED, when=when)
    return _twiml(voice.answer(greeting, then, urls=urls))


def _store(services: Services, call: Call, call_back: bool) -> None:
    with services.sessions.begin() as session:
        record_call(session, clock=services.clock, call=call, call_back=call_back)


@router.post(voice.DIALED_PATH)
async def dialed(request: Request) -> Response:
    """The team's phone rang: answered, the call ends there; else a task and voicemail."""
    services, params = await _voice_params(request, voice.DIALED_PATH)
    if voice.answered(params):
        return _twiml(voice.goodbye())
    call_id = params.get("CallSid", "")
    if call_id:
        await run_in_threadpool(_missed, services, call_id)
    urls = voice.Urls.under(services.settings.public_url)
    return _twiml(voice.voicemail(gettext(texts.LEAVE_MESSAGE), urls=urls))


def _missed(services: Services, call_id: str) -> None:
    with services.sessions.begin() as session:
        missed(session, clock=services.clock, call_id=call_id)


@router.post(voice.RECORDED_PATH)
async def recorded(request: Request) -> Response:
    await _voice_params(request, voice.RECORDED_PATH)
    return _twiml(voice.goodbye(gettext(texts.THANKS)))


@router.post(voice.RECORDING_PATH)
async def recording(request: Request) -> Response:
    services, params = await _voice_params(request, voice.RECORDING_PATH)
    found = voice.parse_recording(params)
    if found is not None:
        await run_in_threadpool(_keep_recording, services, found)
    return Response(status_code=204)


def _keep_recording(services: Services, found: voice.Recording) -> None:
    with services.sessions.begin() as session:
        attach_recording(session, recording=found)
