"""SMS segments and encoding, counted before sending the way Twilio bills them."""

from __future__ import annotations

import pytest

from bot.segments import GSM7, UCS2, count_segments, encoding_for, ucs2_characters
from tests.doubles.twilio_double import segments_of

EMOJI = "😀"  # outside the BMP: a surrogate pair, two UTF-16 code units


@pytest.mark.parametrize("char", list("éèàùÉÇ"))
def test_it_keeps_french_letters_of_the_gsm_alphabet_in_gsm7(char: str) -> None:
    assert count_segments(f"Oui {char}") == (1, GSM7, 5)


@pytest.mark.parametrize("char", ["ç", "ê", "ô", "«", "»", "’", "\xa0", "â", "î", "œ"])
def test_it_switches_to_ucs2_for_one_character_outside_the_alphabet(char: str) -> None:
    text = "a" * 69 + char
    assert count_segments(text) == (1, UCS2, 70)
    assert count_segments(text + "a") == (2, UCS2, 71)


@pytest.mark.parametrize("char", [*"€[]{}^~|\\", "\f"])
def test_it_counts_gsm_extension_characters_twice(char: str) -> None:
    assert count_segments(char) == (1, GSM7, 2)
    assert count_segments("a" * 158 + char) == (1, GSM7, 160)
    assert count_segments("a" * 159 + char) == (2, GSM7, 161)


def test_it_fits_160_gsm_characters_in_one_sms_and_153_a_segment_after() -> None:
    assert count_segments("a" * 160).segments == 1
    assert count_segments("a" * 161).segments == 2
    assert count_segments("a" * 306).segments == 2
    assert count_segments("a" * 307).segments == 3
    assert count_segments("a" * 459).segments == 3
    assert count_segments("a" * 460).segments == 4


def test_it_fits_70_ucs2_units_in_one_sms_and_67_a_segment_after() -> None:
    assert count_segments("ç" * 70).segments == 1
    assert count_segments("ç" * 71).segments == 2
    assert count_segments("ç" * 134).segments == 2
    assert count_segments("ç" * 135).segments == 3
    assert count_segments("ç" * 201).segments == 3
    assert count_segments("ç" * 202).segments == 4


def test_it_never_cuts_an_escape_pair_between_two_segments() -> None:
    # 152 septets, then € (2 septets) does not fit the first 153: it opens segment 2.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text) == (3, GSM7, 306)
    assert count_segments("a" * 151 + "€" + "a" * 153) == (2, GSM7, 306)


def test_it_counts_an_emoji_as_two_units_and_never_cuts_it() -> None:
    assert count_segments(EMOJI) == (1, UCS2, 2)
    assert count_segments("a" * 68 + EMOJI) == (1, UCS2, 70)
    assert count_segments("a" * 69 + EMOJI) == (2, UCS2, 71)
    # 66 units then an emoji: 68 would overflow the first 67, so it opens segment 2.
    assert count_segments("a" * 66 + EMOJI + "a" * 66) == (3, UCS2, 134)
    assert count_segments("a" * 65 + EMOJI + "a" * 67) == (2, UCS2, 134)


def test_it_counts_the_euro_as_one_unit_once_the_text_is_ucs2() -> None:
    assert count_segments("€ç") == (1, UCS2, 2)


def test_it_counts_a_real_french_message() -> None:
    gsm = "Bonjour, l'équipe mobile peut vous aider à garder votre logement. Répondez OUI. STOP"
    assert count_segments(gsm) == (1, GSM7, len(gsm))
    ucs2 = "Bonjour, l’équipe mobile « prévention » peut vous aider : ça reste gratuit. 12 €."
    assert encoding_for(ucs2) == UCS2
    assert count_segments(ucs2).segments == 2
    assert ucs2_characters(ucs2) == ["’", "«", "»", "ç"]


@pytest.mark.parametrize(
    "text",
    [
        "a" * 160,
        "a" * 161,
        "€" * 80,
        "€" * 81,
        "a" * 152 + "€" * 10,
        "é" * 400,
        "ç" * 70,
        "ç" * 67 * 3,
        "ç" * (67 * 3 + 1),
        EMOJI * 35,
        EMOJI * 36,
        "a" * 66 + EMOJI * 40,
        "Bonjour « Camille » ’ € [ ] { } ^ ~ | \\ " * 6,
    ],
)
def test_it_agrees_with_twilio_s_num_segments(text: str) -> None:
    assert count_segments(text).segments == segments_of(text)


def test_it_counts_an_empty_text_as_one_gsm_segment() -> None:
    assert count_segments("") == (1, GSM7, 0)
