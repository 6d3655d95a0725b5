"""French phone numbers in every usual spelling, normalised to E.164 with phonenumbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_OPTIONAL_TRUNK = re.compile(r"\(\s*0\s*\)")
_SEPARATORS = re.compile(r"[\s.\-/]")
# The usual French spellings, read without phonenumbers.parse (the costly part of a 50,000-row
# import); validity and line type still come from phonenumbers, on the same number object.
_NATIONAL = re.compile(r"0([1-9]\d{8})")
_INTERNATIONAL = re.compile(r"\+33([1-9]\d{8})")
# ARCEP reserves 06 39 98 00 00 - 06 39 98 99 99 for fiction: they never reach anybody, so demo
# data and tests use them. phonenumbers calls them invalid; here they are mobiles.
FICTION_PREFIX = "+3363998"


@dataclass(frozen=True)
class Phone:
    e164: str
    line_type: str  # mobile | landline | unknown

    @property
    def sms_capable(self) -> bool:
        return self.line_type == "mobile"


def normalise_phone(raw: str, region: str = "FR") -> Phone | None:
    """E.164 and line type of a phone number, or None when it is not a valid number.

    Accepts "06 39 98 12 34", "06.39.98.12.34", "+33 6…", "0033 6…", "+33 (0)6…".
    """
    text = _OPTIONAL_TRUNK.sub("", raw or "").strip()
    if not text or sum(ch.isdigit() for ch in text) < 6:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    number = _french(text) if region == "FR" else None
    if number is None:
        try:
            number = phonenumbers.parse(text, region)
        except NumberParseException:
            return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if e164.startswith(FICTION_PREFIX) and len(e164) == 12:
        return Phone(e164=e164, line_type="mobile")
    if not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind in (PhoneNumberType.MOBILE,):
        line_type = "mobile"
    elif kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.VOIP):
        line_type = "landline"
    elif kind == PhoneNumberType.FIXED_LINE_OR_MOBILE:
        line_type = "mobile"
    else:
        line_type = "unknown"
    return Phone(e164=e164, line_type=line_type)


def _french(text: str) -> phonenumbers.PhoneNumber | None:
    """The number phonenumbers.parse would give for "06 39 98 12 34" or "+33 6 39…"; None for
    any other spelling (left to phonenumbers.parse)."""
    compact = _SEPARATORS.sub("", text)
    match = _NATIONAL.fullmatch(compact) or _INTERNATIONAL.fullmatch(compact)
    if match is None:
        return None
    return phonenumbers.PhoneNumber(country_code=33, national_number=int(match.group(1)))


def is_fictional(e164: str) -> bool:
    return e164.startswith(FICTION_PREFIX)


def display_phone(e164: str) -> str:
    """+33639980001 -> "06 39 98 00 01"; other numbers are shown as stored."""
    if e164.startswith("+33") and len(e164) == 12:
        digits = "0" + e164[3:]
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return e164
