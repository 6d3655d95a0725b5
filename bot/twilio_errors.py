"""What a Twilio error means for the household: the whole table, in one place.

Twilio reports an error in two ways: at once, when the create call is refused (HTTP status and
`code` of a TwilioRestException), or later, as `ErrorCode` on a status callback (the message was
accepted, then the carrier failed it). Both go through `classify`, so a code means the same thing
whenever it arrives. The domain (outreach.sending.send_now) decides what to do with the kind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from requests import ReadTimeout, RequestException
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from outreach.sending.channel import DeliveryError, ErrorKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    kind: ErrorKind
    why: str
    max_attempts: int | None = None  # temporary errors only: give up after this many attempts


TABLE: dict[int, Rule] = {
    21610: Rule(ErrorKind.OPTED_OUT, "the person sent STOP to our number: stop on every channel"),
    21614: Rule(ErrorKind.CANNOT_RECEIVE, "not a mobile number: another channel or a call"),
    30006: Rule(ErrorKind.CANNOT_RECEIVE, "landline or unreachable carrier"),
    30005: Rule(ErrorKind.NUMBER_DEAD, "unknown or inactive number"),
    30003: Rule(ErrorKind.TEMPORARY, "handset off or out of coverage", max_attempts=3),
    30008: Rule(ErrorKind.TEMPORARY, "unknown carrier error", max_attempts=3),
    30007: Rule(ErrorKind.CONTENT_FILTERED, "filtered by the carrier: stop, alert the team"),
    20429: Rule(ErrorKind.TEMPORARY, "too many requests"),
    # WhatsApp
    63016: Rule(ErrorKind.WINDOW_CLOSED, "free text outside the 24-hour window"),
    63003: Rule(ErrorKind.CANNOT_RECEIVE, "no WhatsApp account for this number"),
    63024: Rule(ErrorKind.CANNOT_RECEIVE, "not a valid WhatsApp recipient"),
    63018: Rule(ErrorKind.TEMPORARY, "WhatsApp rate limit"),
}


def classify(
    code: int | str | None,
    *,
    http_status: int | None = None,
    retry_after: float | None = None,
    detail: str = "",
) -> DeliveryError:
    """The DeliveryError for a Twilio error code (and HTTP status, for a refused create)."""
    number = _as_int(code)
    text = str(number) if number is not None else (str(http_status) if http_status else None)
    if http_status == 429 or number == 20429:
        return DeliveryError(ErrorKind.TEMPORARY, code=text, detail=detail, retry_after=retry_after)
    if http_status is not None and http_status >= 500:
        return DeliveryError(ErrorKind.TEMPORARY, code=text, detail=detail, retry_after=retry_after)
    rule = TABLE.get(number) if number is not None else None
    if rule is None:
        log.warning("unknown twilio error %s (HTTP %s): treated as permanent", text, http_status)
        return DeliveryError(ErrorKind.PERMANENT, code=text, detail=detail or "unknown error")
    return DeliveryError(
        rule.kind, code=text, detail=detail or rule.why, max_attempts=rule.max_attempts
    )


REST_ERRORS = (TwilioRestException, TwilioServiceException)


def from_rest_exception(
    error: TwilioRestException | TwilioServiceException, headers: dict[str, str] | None = None
) -> DeliveryError:
    """A create call Twilio refused; `headers` of that response give Retry-After."""
    return classify(
        error.code,
        http_status=error.status,
        retry_after=retry_after_seconds(headers or {}),
        detail=f"HTTP {error.status}",
    )


def from_transport_error(error: RequestException) -> DeliveryError:
    """No answer from Twilio: retry later, unless it may have been sent.

    A read timeout means Twilio had the whole request and did not answer in time: it may have
    accepted the message, so resending could reach the household twice. That attempt is
    uncertain (the team checks; a late status callback still finds the row by its id).
    """
    if isinstance(error, ReadTimeout):
        return DeliveryError(ErrorKind.UNCERTAIN, code="read_timeout", detail="no answer in time")
    return DeliveryError(ErrorKind.TEMPORARY, code="connection", detail=type(error).__name__)


def retry_after_seconds(headers: dict[str, str]) -> float | None:
    """Retry-After as seconds, or as an HTTP date measured against the response's own Date."""
    value = _header(headers, "retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    answered = _header(headers, "date")
    try:
        until: datetime = parsedate_to_datetime(value)
        since: datetime = parsedate_to_datetime(answered) if answered else until
    except (TypeError, ValueError):
        return None
    return max(0.0, (until - since).total_seconds())


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _as_int(code: int | str | None) -> int | None:
    if code is None or code == "":
        return None
    try:
        return int(code)
    except (TypeError, ValueError):
        return None
