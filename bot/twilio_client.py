"""The Twilio REST client both Twilio channels (SMS, WhatsApp) send through.

The real SDK, pointed at TWILIO_API_BASE_URL when set (a provider double in tests). Every send
carries a StatusCallback URL built from ALLERVERS_PUBLIC_URL, with our message id in it, so a
status that arrives before we recorded Twilio's id still finds its message.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from requests import RequestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.twilio_errors import REST_ERRORS, from_rest_exception, from_transport_error
from outreach.settings import Settings, SettingsError

STATUS_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/sms"
MESSAGE_ID_PARAM = "m"
DEFAULT_TIMEOUT = 10.0

# The SDK logs each request at INFO; our logs carry message ids only.
_sdk_log = logging.getLogger("bot.twilio_http")
_sdk_log.setLevel(logging.WARNING)


class _HeaderKeepingHttpClient(TwilioHttpClient):
    """Keeps the headers of this thread's last response (a 429's Retry-After)."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=_sdk_log)
        self._local = threading.local()

    def request(self, *args: Any, **kwargs: Any) -> Response:
        self._local.headers = {}
        response = super().request(*args, **kwargs)
        self._local.headers = dict(response.headers or {})
        return response

    def last_headers(self) -> dict[str, str]:
        return dict(getattr(self._local, "headers", {}))


class TwilioSender:
    """Creates messages through the SDK; raises DeliveryError, classified by bot.twilio_errors."""

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", settings.twilio_account_sid),
                ("TWILIO_AUTH_TOKEN", settings.twilio_auth_token),
            )
            if not value
        ]
        if missing:
            raise SettingsError(f"{', '.join(missing)}: required by the Twilio channels")
        self._http = _HeaderKeepingHttpClient(timeout)
        self.client = Client(
            settings.twilio_account_sid, settings.twilio_auth_token, http_client=self._http
        )
        if settings.twilio_api_base_url:
            self.client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self.status_url = settings.public_url + STATUS_PATH

    def callback_url(self, message_id: int) -> str:
        return f"{self.status_url}?{MESSAGE_ID_PARAM}={message_id}"

    def create(self, message_id: int, **params: Any) -> Any:
        """messages.create(...) with our status callback; Twilio's MessageInstance."""
        try:
            return self.client.messages.create(
                status_callback=self.callback_url(message_id), **params
            )
        except REST_ERRORS as error:
            raise from_rest_exception(error, self._http.last_headers()) from None
        except RequestException as error:
            raise from_transport_error(error) from None

    def fetch(self, provider_id: str) -> Any:
        """The message as Twilio knows it now (status, error code, segments)."""
        try:
            return self.client.messages(provider_id).fetch()
        except REST_ERRORS as error:
            raise from_rest_exception(error, self._http.last_headers()) from None
        except RequestException as error:
            raise from_transport_error(error) from None


# Twilio's statuses in our words: its "sending" comes after our own "sending" (in flight to it).
STATUS_NAMES = {"sending": "sending_provider"}


def first_status(status: str | None) -> str:
    return STATUS_NAMES.get(status or "", status or "queued")


def segments_of(instance: Any) -> int | None:
    try:
        value = int(instance.num_segments)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None
