"""The SMS channel, through Twilio: from TWILIO_FROM_NUMBER or a Messaging Service.

Segments and encoding are counted before sending (bot.segments) and kept with the receipt:
Twilio's own count, when it gives one, is what it bills and wins.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.segments import count_segments
from bot.twilio_client import DEFAULT_TIMEOUT, TwilioSender, first_status, segments_of
from bot.twilio_webhook import parse_inbound, parse_status
from outreach.sending.channel import Inbound, Outgoing, SendReceipt, StatusReport
from outreach.settings import Settings, SettingsError

NAME = "sms"
log = logging.getLogger(__name__)


class TwilioSmsChannel:
    name = NAME

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not (settings.twilio_from_number or settings.twilio_messaging_service_sid):
            raise SettingsError(
                "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID: required by the sms channel"
            )
        self._sender = TwilioSender(settings, timeout=timeout)
        self._origin = _origin(settings)

    @property
    def client(self) -> Any:
        return self._sender.client

    def send(self, outgoing: Outgoing) -> SendReceipt:
        counted = count_segments(outgoing.body)
        instance = self._sender.create(
            outgoing.message_id, to=outgoing.address, body=outgoing.body, **self._origin
        )
        reported = segments_of(instance)
        if reported is not None and reported != counted.segments:
            log.warning(
                "message %s: twilio counts %s segments, we counted %s",
                outgoing.message_id,
                reported,
                counted.segments,
            )
        return SendReceipt(
            provider_id=instance.sid,
            status=first_status(instance.status),
            segments=reported or counted.segments,
            encoding=counted.encoding,
        )

    def parse_inbound(self, form: dict[str, str], received_at: datetime) -> Inbound | None:
        return parse_inbound(form, received_at=received_at)

    def parse_status(self, form: dict[str, str]) -> StatusReport | None:
        return parse_status(form)


def _origin(settings: Settings) -> dict[str, str]:
    """A Messaging Service picks the sender (and handles STOP) when configured."""
    if settings.twilio_messaging_service_sid:
        return {"messaging_service_sid": settings.twilio_messaging_service_sid}
    return {"from_": str(settings.twilio_from_number)}
