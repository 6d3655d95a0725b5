"""The small interface every channel implements (see bot/), in the domain's own words.

The domain decides what a provider error means for the household (retry later, try another
channel, hand over to a human); channels only classify the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class ErrorKind(StrEnum):
    TEMPORARY = "temporary"  # retry with backoff (honour retry_after)
    OPTED_OUT = "opted_out"  # the person opted out at the provider: stop on every channel
    CANNOT_RECEIVE = "cannot_receive"  # this address cannot get this channel (landline, no app)
    NUMBER_DEAD = "number_dead"  # the number does not exist any more
    BLOCKED = "blocked"  # the user blocked the bot (Telegram)
    CONTENT_FILTERED = "content_filtered"  # the carrier filtered the text: stop, alert the team
    WINDOW_CLOSED = "window_closed"  # WhatsApp: free text outside the 24-hour window
    # The request reached the provider but no answer came back (read timeout): it may have been
    # sent. Never resend blindly: flag it for the team, as after a crash mid-call.
    UNCERTAIN = "uncertain"
    PERMANENT = "permanent"  # anything else that will not succeed by retrying


PERMANENT_FOR_ADDRESS = frozenset(
    {ErrorKind.CANNOT_RECEIVE, ErrorKind.NUMBER_DEAD, ErrorKind.BLOCKED}
)


class DeliveryError(Exception):
    """A provider refused or failed a send; `kind` says what to do next."""

    def __init__(
        self,
        kind: ErrorKind,
        *,
        code: str | None = None,
        detail: str = "",
        retry_after: float | None = None,
        max_attempts: int | None = None,
    ) -> None:
        super().__init__(f"{kind}: {code or ''} {detail}".strip())
        self.kind = kind
        self.code = code
        self.detail = detail
        self.retry_after = retry_after
        # For temporary errors that should only be retried a few times (Twilio 30003 / 30008).
        self.max_attempts = max_attempts

    @property
    def temporary(self) -> bool:
        return self.kind == ErrorKind.TEMPORARY


@dataclass(frozen=True)
class Choice:
    """One answer the household can pick: "1" by SMS, a button on Telegram."""

    reply: str  # what the household would type: "1", "OUI"
    label: str  # what a button shows


@dataclass(frozen=True)
class Outgoing:
    message_id: int  # our Message row: the provider's status callbacks come back keyed by it
    address: str  # E.164 for SMS / WhatsApp, chat id for Telegram
    body: str
    language: str = "fr"
    template: str | None = None  # template name (WhatsApp needs an approved one outside 24 h)
    # The values the body was rendered with, by placeholder name ({"day": "mardi 17 mars"}).
    template_values: dict[str, str] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    # The household wrote to us on this channel in the last 24 hours (WhatsApp session window).
    in_session: bool = False


@dataclass(frozen=True)
class SendReceipt:
    provider_id: str
    status: str  # the provider's first status, mapped to OUTBOUND_STATUSES
    segments: int | None = None
    encoding: str | None = None  # "GSM-7" | "UCS-2"


@dataclass(frozen=True)
class Inbound:
    """A message a household sent, as parsed from a provider request."""

    channel: str
    provider_id: str  # Twilio MessageSid, Telegram update_id, sandbox uuid
    address: str  # sender: E.164, or Telegram chat id
    body: str
    received_at: datetime
    raw: dict[str, Any] = field(default_factory=dict)
    link_token: str | None = None  # Telegram /start <token>


@dataclass(frozen=True)
class StatusReport:
    channel: str
    provider_id: str
    status: str
    error_code: str | None = None
    segments: int | None = None


class Channel(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> SendReceipt:
        """Hand one message to the provider; raise DeliveryError on failure."""
        ...
