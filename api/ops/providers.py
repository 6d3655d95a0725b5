"""`allervers providers configure`: tell Twilio and Telegram where this instance listens.

`plan(settings)` reads what each provider has now and lists the changes (nothing is written);
`apply(settings, changes)` makes them. Twilio: the sender number's incoming SMS URL (and voice
URL with the voice channel), by the IncomingPhoneNumbers API. Telegram: setWebhook with our URL
and TELEGRAM_WEBHOOK_SECRET. Telegram never tells the secret back, so its webhook is always set
again (an unchanged URL still gets the current secret).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from messages import gettext
from outreach.settings import Settings


class ProviderSetupError(Exception):
    """A provider could not be read or changed; the message says which and why (French)."""


@dataclass(frozen=True)
class Change:
    provider: str  # "twilio" | "telegram"
    what: str  # the setting, as the provider names it
    before: str
    after: str
    # Twilio: the number's sid; Telegram: the secret to send.
    target: str = field(default="", repr=False)


def plan(settings: Settings) -> list[Change]:
    return [*_twilio_plan(settings), *_telegram_plan(settings)]


def apply(settings: Settings, changes: list[Change]) -> None:
    twilio = [change for change in changes if change.provider == "twilio"]
    if twilio:
        _apply_twilio(settings, twilio)
    for change in changes:
        if change.provider == "telegram":
            _apply_telegram(settings, change)


# --- Twilio -----------------------------------------------------------------------------------


def _twilio_plan(settings: Settings) -> list[Change]:
    from bot.twilio_numbers import TwilioAccount, TwilioSetupError, wanted_urls

    if "sms" not in settings.enabled_channels and "voice" not in settings.enabled_channels:
        return []
    if not settings.twilio_from_number:
        raise ProviderSetupError(
            gettext("Twilio: set TWILIO_FROM_NUMBER, the number whose webhooks to set.")
        )
    try:
        number = TwilioAccount(settings).number(settings.twilio_from_number)
    except TwilioSetupError as error:
        raise ProviderSetupError(
            gettext("Twilio: cannot read the number ({reason}).", reason=error)
        ) from None
    if number is None:
        raise ProviderSetupError(
            gettext(
                "Twilio: the number {number} is not in this account.",
                number=settings.twilio_from_number,
            )
        )
    now = {
        "sms_url": number.sms_url,
        "sms_method": number.sms_method,
        "voice_url": number.voice_url,
        "voice_method": number.voice_method,
    }
    return [
        Change("twilio", name, now[name], value, target=number.sid)
        for name, value in wanted_urls(settings).items()
        if now[name] != value
    ]


def _apply_twilio(settings: Settings, changes: list[Change]) -> None:
    from bot.twilio_numbers import TwilioAccount, TwilioSetupError

    try:
        TwilioAccount(settings).update_number(
            changes[0].target, {change.what: change.after for change in changes}
        )
    except TwilioSetupError as error:
        raise ProviderSetupError(
            gettext("Twilio: the number was not changed ({reason}).", reason=error)
        ) from None


# --- Telegram ---------------------------------------------------------------------------------


def _telegram_plan(settings: Settings) -> list[Change]:
    from api.webhooks.telegram_polling import WEBHOOK_PATH
    from bot.telegram import TelegramChannel
    from outreach.sending.channel import DeliveryError

    if "telegram" not in settings.enabled_channels or not settings.telegram_bot_token:
        return []
    if not settings.telegram_webhook_secret:
        raise ProviderSetupError(
            gettext("Telegram: set TELEGRAM_WEBHOOK_SECRET first (without it the bot polls).")
        )
    if not settings.public_url.startswith("https://"):
        raise ProviderSetupError(
            gettext("Telegram: a webhook needs an https ALLERVERS_PUBLIC_URL.")
        )
    bot = TelegramChannel(settings)
    try:
        before = str(bot.webhook_info().get("url") or "")
    except DeliveryError as error:
        raise ProviderSetupError(
            gettext("Telegram: cannot read the webhook ({reason}).", reason=error.code)
        ) from None
    finally:
        bot.close()
    url = settings.public_url + WEBHOOK_PATH
    return [Change("telegram", "webhook", before, url, target=settings.telegram_webhook_secret)]


def _apply_telegram(settings: Settings, change: Change) -> None:
    from bot.telegram import TelegramChannel
    from outreach.sending.channel import DeliveryError

    bot = TelegramChannel(settings)
    try:
        bot.set_webhook(url=change.after, secret=change.target)
    except DeliveryError as error:
        raise ProviderSetupError(
            gettext("Telegram: the webhook was not set ({reason}).", reason=error.code)
        ) from None
    finally:
        bot.close()
