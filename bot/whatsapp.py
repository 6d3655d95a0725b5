"""The WhatsApp channel, through Twilio (`whatsapp:+33…` addresses, same SDK as SMS).

WhatsApp's rule: free text only within 24 hours of the household's last message to us
(`Outgoing.in_session`); outside that window a business may only send a template Meta approved.
Each approved template has a Twilio Content SID, configured as
TWILIO_WHATSAPP_CONTENT_SIDS="intro=HX…,visit_reminder=HX…"; it is sent with content_sid and
content_variables.

The variables are numbered the way messages/templates.py numbers them (`template_variables`):
{{1}} is the first placeholder of the template's English msgid, {{2}} the next new one, and so on;
"visit_reminder" is {{1}} worker, {{2}} day, {{3}} window. The values are the ones the body was
rendered with, kept on the Message row. Outside the window, with no approved template for the
message or without a value for one of its variables, the channel refuses with WINDOW_CLOSED
before calling Twilio (never a template with holes): a sequence step moves on to its next channel
(SMS), any other message goes to the team's inbox.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.twilio_client import DEFAULT_TIMEOUT, TwilioSender, first_status
from bot.twilio_webhook import WHATSAPP_PREFIX, parse_inbound, parse_status
from messages.templates import template_variables
from outreach.sending.channel import (
    DeliveryError,
    ErrorKind,
    Inbound,
    Outgoing,
    SendReceipt,
    StatusReport,
)
from outreach.settings import Settings, SettingsError

NAME = "whatsapp"


class WhatsAppChannel:
    name = NAME

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not (settings.twilio_whatsapp_from or settings.twilio_messaging_service_sid):
            raise SettingsError(
                "TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID: "
                "required by the whatsapp channel"
            )
        self._sender = TwilioSender(settings, timeout=timeout)
        self._origin = _origin(settings)
        self.content_sids = settings.whatsapp_content_sids

    @property
    def client(self) -> Any:
        return self._sender.client

    def send(self, outgoing: Outgoing) -> SendReceipt:
        instance = self._sender.create(
            outgoing.message_id,
            to=whatsapp_address(outgoing.address),
            **self._content(outgoing),
            **self._origin,
        )
        return SendReceipt(provider_id=instance.sid, status=first_status(instance.status))

    def _content(self, outgoing: Outgoing) -> dict[str, str]:
        """Free text inside the 24-hour window; an approved template outside it."""
        if outgoing.in_session:
            return {"body": outgoing.body}
        sid = self.content_sids.get(outgoing.template or "")
        if sid is None:
            raise DeliveryError(
                ErrorKind.WINDOW_CLOSED,
                detail=f"no approved WhatsApp template for {outgoing.template or 'free text'}",
            )
        content = {"content_sid": sid}
        variables = numbered_variables(outgoing.template or "", outgoing.template_values)
        if variables:
            content["content_variables"] = json.dumps(variables)
        return content

    def parse_inbound(self, form: dict[str, str], received_at: datetime) -> Inbound | None:
        return parse_inbound(form, received_at=received_at)

    def parse_status(self, form: dict[str, str]) -> StatusReport | None:
        return parse_status(form)


def numbered_variables(template: str, values: Mapping[str, str]) -> dict[str, str]:
    """{"1": value of the first placeholder, ...}; WINDOW_CLOSED when a value is missing or empty
    (Meta refuses an empty variable)."""
    names = template_variables(template)
    missing = [name for name in names if not values.get(name)]
    if missing:
        raise DeliveryError(
            ErrorKind.WINDOW_CLOSED,
            detail=f"no value for {', '.join(missing)} in WhatsApp template {template}",
        )
    return {str(number): values[name] for number, name in enumerate(names, 1)}


def whatsapp_address(address: str) -> str:
    return address if address.startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + address


def _origin(settings: Settings) -> dict[str, str]:
    if settings.twilio_whatsapp_from:
        return {"from_": whatsapp_address(settings.twilio_whatsapp_from)}
    return {"messaging_service_sid": str(settings.twilio_messaging_service_sid)}
