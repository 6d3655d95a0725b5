"""What Twilio posts to us: its signature, an inbound message, a status callback.

Twilio signs each request with the account's auth token over the URL it called plus the sorted
form parameters (X-Twilio-Signature). Behind a TLS proxy the URL we see is not the one Twilio
called, so the caller passes ALLERVERS_PUBLIC_URL + path (+ query string).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

from bot.twilio_client import STATUS_NAMES
from outreach.sending.channel import Inbound, StatusReport

SIGNATURE_HEADER = "X-Twilio-Signature"
WHATSAPP_PREFIX = "whatsapp:"


class FormParams(dict[str, str]):
    """Form parameters; `getall` keeps repeated names for the signature (RequestValidator)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        pairs = list(pairs)
        super().__init__(pairs)
        self._all: dict[str, list[str]] = {}
        for name, value in pairs:
            self._all.setdefault(name, []).append(value)

    def getall(self, name: str) -> list[str]:
        return self._all.get(name, [])

    @classmethod
    def from_body(cls, body: bytes) -> FormParams:
        text = body.decode("utf-8", errors="replace")
        return cls(parse_qsl(text, keep_blank_values=True))


def valid_signature(auth_token: str, url: str, params: FormParams, signature: str | None) -> bool:
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send (tests, benchmarks)."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


def channel_of(address: str) -> str:
    return "whatsapp" if address.startswith(WHATSAPP_PREFIX) else "sms"


def parse_inbound(params: dict[str, str], *, received_at: datetime) -> Inbound | None:
    """The household's message, or None when the request carries none (no MessageSid)."""
    sid = params.get("MessageSid") or params.get("SmsMessageSid") or params.get("SmsSid")
    sender = params.get("From", "")
    if not sid or not sender:
        return None
    return Inbound(
        channel=channel_of(sender),
        provider_id=sid,
        address=sender,
        body=params.get("Body", ""),
        received_at=received_at,
        raw=dict(params),
    )


def parse_status(params: dict[str, str]) -> StatusReport | None:
    """A delivery status, or None without MessageSid / status. Unknown parameters are ignored."""
    sid = params.get("MessageSid") or params.get("SmsSid")
    status = params.get("MessageStatus") or params.get("SmsStatus")
    if not sid or not status:
        return None
    try:
        segments: int | None = int(params.get("NumSegments", ""))
    except ValueError:
        segments = None
    return StatusReport(
        channel=channel_of(params.get("To", "")),
        provider_id=sid,
        status=STATUS_NAMES.get(status, status),
        error_code=params.get("ErrorCode") or None,
        segments=segments,
    )
