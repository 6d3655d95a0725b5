"""The Twilio account and its phone number, as `allervers doctor` and `providers configure` see it.

Checks the credentials with an authenticated call (fetch the account), finds the sender number
(IncomingPhoneNumbers, by its E.164 form) and reads or sets where Twilio posts its incoming SMS
and calls. Message status callbacks need no setting on the number: every message we send
carries its own StatusCallback URL (bot.twilio_client), so the number's StatusCallback (which is
about calls) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException

from bot.twilio_client import INBOUND_PATH, TwilioSender
from bot.twilio_voice import VOICE_PATH
from outreach.settings import Settings


class TwilioSetupError(Exception):
    """Twilio could not be asked or refused; `code` is Twilio's error code (20003: bad token)."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class NumberSettings:
    sid: str
    phone_number: str
    sms_url: str
    sms_method: str
    voice_url: str
    voice_method: str


def wanted_urls(settings: Settings) -> dict[str, str]:
    """The number's settings this instance needs: SMS always, voice with the voice channel."""
    wanted = {"sms_url": settings.public_url + INBOUND_PATH, "sms_method": "POST"}
    if "voice" in settings.enabled_channels:
        wanted |= {"voice_url": settings.public_url + VOICE_PATH, "voice_method": "POST"}
    return wanted


class TwilioAccount:
    def __init__(self, settings: Settings, *, timeout: float = 10.0) -> None:
        self._sender = TwilioSender(settings, timeout=timeout)
        self._client = self._sender.client
        self._sid = settings.twilio_account_sid

    def check_credentials(self) -> str:
        """The account's status ("active", "suspended"…); raises TwilioSetupError."""
        account = self._ask(lambda: self._client.api.v2010.accounts(self._sid).fetch())
        return str(account.status or "")

    def number(self, phone_number: str) -> NumberSettings | None:
        """The account's number with this E.164 value, or None when the account has none."""
        found = self._ask(
            lambda: self._client.incoming_phone_numbers.list(phone_number=phone_number, limit=5)
        )
        for each in found:
            if each.phone_number == phone_number:
                return _settings_of(each)
        return None

    def update_number(self, sid: str, changes: dict[str, str]) -> NumberSettings:
        updated = self._ask(lambda: self._client.incoming_phone_numbers(sid).update(**changes))
        return _settings_of(updated)

    def _ask(self, call):  # type: ignore[no-untyped-def]
        try:
            return call()
        except TwilioRestException as error:
            raise TwilioSetupError(f"HTTP {error.status}", code=error.code) from None
        except (TwilioException, RequestException) as error:
            raise TwilioSetupError(type(error).__name__) from None


def _settings_of(instance: object) -> NumberSettings:
    def value(name: str) -> str:
        return str(getattr(instance, name, None) or "")

    return NumberSettings(
        sid=value("sid"),
        phone_number=value("phone_number"),
        sms_url=value("sms_url"),
        sms_method=value("sms_method").upper(),
        voice_url=value("voice_url"),
        voice_method=value("voice_method").upper(),
    )
