"""How many SMS segments a text costs, and in which encoding, counted the way Twilio bills it.

A text that only uses the GSM 03.38 alphabet goes as GSM-7: 160 septets in one SMS, 153 a segment
once it needs several (the rest of each segment is the concatenation header). The extension
characters (€ [ ] { } ^ ~ | \\ and form feed) are an escape plus a character: two septets, and the
pair is never cut between two segments. One character outside the alphabet (ç ê ô « » ’, the
non-breaking space, any emoji) switches the whole text to UCS-2: 70 UTF-16 code units in one SMS,
67 a segment; an emoji outside the Basic Multilingual Plane is a surrogate pair (two units) and is
never cut either. That is why French texts avoid ç ê ô ’ « »: one of them halves the room.
"""

from __future__ import annotations

from typing import NamedTuple

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# GSM 03.38 default alphabet. Only the capital Ç is in it: a lowercase ç forces UCS-2.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + character, so it counts twice.
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")

SINGLE_CAPACITY = {GSM7: 160, UCS2: 70}
SEGMENT_CAPACITY = {GSM7: 153, UCS2: 67}


class SegmentCount(NamedTuple):
    segments: int
    encoding: str  # GSM-7 | UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


def encoding_for(text: str) -> str:
    """GSM-7 when every character is in the GSM alphabet (or its extension), else UCS-2."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text):
        return GSM7
    return UCS2


def ucs2_characters(text: str) -> list[str]:
    """The characters that force UCS-2, in order of first appearance (for template checks)."""
    return list(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENDED))


def count_segments(text: str) -> SegmentCount:
    """Segments, encoding and units of `text` sent as one SMS (an empty text is one segment)."""
    encoding = encoding_for(text)
    sizes = [_units(char, encoding) for char in text]
    total = sum(sizes)
    if total <= SINGLE_CAPACITY[encoding]:
        return SegmentCount(1, encoding, total)
    return SegmentCount(_pack(sizes, SEGMENT_CAPACITY[encoding]), encoding, total)


def _units(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in GSM7_EXTENDED else 1
    return 2 if ord(char) > 0xFFFF else 1  # a surrogate pair in UTF-16


def _pack(sizes: list[int], capacity: int) -> int:
    """Fill segments in order; a character whose units do not fit starts the next segment."""
    segments, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            segments, used = segments + 1, 0
        used += size
    return segments
