"""Builds the channel objects the settings switch on. The only place that knows every channel."""

from __future__ import annotations

from typing import Any

from outreach.settings import Settings


def build_channels(settings: Settings) -> dict[str, Any]:
    """Channel name -> channel object, for each channel enabled in ALLERVERS_CHANNELS."""
    channels: dict[str, Any] = {}
    for name in settings.enabled_channels:
        builder = _BUILDERS.get(name)
        if builder is not None:
            channels[name] = builder(settings)
    return channels


def _sandbox(settings: Settings) -> Any:
    from bot.sandbox import SandboxChannel

    return SandboxChannel(settings)


def _sms(settings: Settings) -> Any:
    from bot.twilio_sms import TwilioSmsChannel

    return TwilioSmsChannel(settings)


def _whatsapp(settings: Settings) -> Any:
    from bot.whatsapp import WhatsAppChannel

    return WhatsAppChannel(settings)


def _telegram(settings: Settings) -> Any:
    from bot.telegram import TelegramChannel

    return TelegramChannel(settings)


_BUILDERS = {"sandbox": _sandbox, "sms": _sms, "whatsapp": _whatsapp, "telegram": _telegram}
