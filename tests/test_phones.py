"""French phone numbers: every usual spelling, and the shortcut for the common ones gives exactly
the number phonenumbers.parse gives."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.phones import _french, normalise_phone

SEPARATORS = st.sampled_from(["", " ", ".", "-", "  ", "/"])


@st.composite
def french_spellings(draw: st.DrawFn) -> str:
    first = draw(st.integers(1, 9))
    rest = draw(st.text("0123456789", min_size=8, max_size=8))
    digits = f"{first}{rest}"
    pairs = [digits[0], *(digits[i : i + 2] for i in range(1, 9, 2))]
    separator = draw(SEPARATORS)
    prefix = draw(st.sampled_from(["0", "+33 ", "+33", "0033 ", "+33 (0)"]))
    return prefix + separator.join(pairs)


@settings(max_examples=2000, deadline=None)
@given(french_spellings())
def test_the_shortcut_reads_a_number_exactly_like_phonenumbers(text: str) -> None:
    cleaned = text.replace("(0)", "").strip()
    cleaned = "+" + cleaned[2:] if cleaned.startswith("00") else cleaned
    shortcut = _french(cleaned)
    if shortcut is not None:
        assert shortcut == phonenumbers.parse(cleaned, "FR")


def test_every_usual_spelling_gives_the_same_number() -> None:
    spellings = [
        "06 39 98 12 34", "06.39.98.12.34", "06-39-98-12-34", "0639981234", "+33 6 39 98 12 34",
        "+33639981234", "0033 6 39 98 12 34", "+33 (0)6 39 98 12 34", " 06 39 98 12 34 ",
    ]  # fmt: skip
    assert {normalise_phone(text) for text in spellings} == {normalise_phone("+33639981234")}
    phone = normalise_phone("06 39 98 12 34")
    assert phone is not None and (phone.e164, phone.line_type) == ("+33639981234", "mobile")


def test_landlines_and_invalid_numbers() -> None:
    landline = normalise_phone("03 53 01 00 12")
    assert landline is not None and landline.e164 == "+33353010012"
    assert landline.line_type == "landline" and not landline.sms_capable
    assert normalise_phone("06 39 98 12") is None  # too short
    assert normalise_phone("00 00 00 00 00") is None
    assert normalise_phone("n/a") is None
