"""Builds the channel objects the settings switch on: where the channel table
(outreach/sending/channels.py) meets the classes in bot/ that send.

One builder per sending row of the table (a listening row such as "voice" sends nothing and has
none), checked at import: a row without a builder (or a builder without
a row) stops start-up instead of leaving a channel silently off. Each builder imports its bot/
module only when its channel is switched on, so an installation without Telegram never loads it.
"""

from __future__ import annotations

from collections.abc import Callable

from outreach.sending.channel import Channel
from outreach.sending.channels import SENDING_CHANNELS
from outreach.settings import Settings

Builder = Callable[[Settings], Channel]


def build_channels(settings: Settings) -> dict[str, Channel]:
    """Channel name -> channel object, for each channel enabled in ALLERVERS_CHANNELS."""
    return {
        name: BUILDERS[name](settings) for name in settings.enabled_channels if name in BUILDERS
    }


def _sandbox(settings: Settings) -> Channel:
    from bot.sandbox import SandboxChannel

    return SandboxChannel(settings)


def _sms(settings: Settings) -> Channel:
    from bot.twilio_sms import TwilioSmsChannel

    return TwilioSmsChannel(settings)


def _whatsapp(settings: Settings) -> Channel:
    from bot.whatsapp import WhatsAppChannel

    return WhatsAppChannel(settings)


def _telegram(settings: Settings) -> Channel:
    from bot.telegram import TelegramChannel

    return TelegramChannel(settings)


# Keyed by the table's names (tests/test_channel_table.py allows this one dict).
BUILDERS: dict[str, Builder] = {
    "sms": _sms,
    "whatsapp": _whatsapp,
    "telegram": _telegram,
    "sandbox": _sandbox,
}


def _check_builders() -> None:
    missing = sorted(set(SENDING_CHANNELS) - set(BUILDERS))
    extra = sorted(set(BUILDERS) - set(SENDING_CHANNELS))
    if missing or extra:
        raise RuntimeError(
            f"api/wiring.py and the channel table disagree: no builder for {missing}, "
            f"no table row for {extra}"
        )


_check_builders()
