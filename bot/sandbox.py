"""The sandbox channel: a simulated phone for demos and development.

It "delivers" every message at once and stores nothing itself: the outbound rows are the
ordinary Message rows (channel "sandbox") that the sandbox page (api/web/sandbox.py) reads back.
The settings refuse this channel when ALLERVERS_ENV=production.
"""

from __future__ import annotations

import uuid

from outreach.sending.channel import Outgoing, SendReceipt
from outreach.settings import Settings

NAME = "sandbox"


class SandboxChannel:
    name = NAME

    def __init__(self, settings: Settings) -> None:
        if settings.is_production:
            # The settings already refuse it; this is the second lock.
            raise RuntimeError("the sandbox channel cannot run in production")
        self._settings = settings

    def send(self, outgoing: Outgoing) -> SendReceipt:
        segments, encoding = count_segments(outgoing.body)
        return SendReceipt(
            provider_id="SB" + uuid.uuid4().hex,
            status="delivered",
            segments=segments,
            encoding=encoding,
        )


def count_segments(body: str) -> tuple[int, str]:
    """Segments and encoding an SMS carrying `body` would use (bot/segments.py when present)."""
    try:
        from bot import segments as _segments
    except ImportError:
        return _fallback_count(body)
    counter = getattr(_segments, "count_segments", None)
    if counter is None:
        return _fallback_count(body)
    result = counter(body)
    if isinstance(result, tuple):
        return int(result[0]), str(result[1])
    return int(result.segments), str(result.encoding)


# GSM 03.38 basic set and extension table (the extension characters count twice).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


def _fallback_count(body: str) -> tuple[int, str]:
    """Used until bot/segments.py exists: the standard GSM-7 / UCS-2 rules."""
    if all(char in _GSM7_BASIC or char in _GSM7_EXTENDED for char in body):
        units = sum(2 if char in _GSM7_EXTENDED else 1 for char in body)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        # UTF-16 code units: characters outside the BMP (emoji) take two.
        units = len(body.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units <= single:
        return 1, encoding
    return -(-units // multi), encoding
