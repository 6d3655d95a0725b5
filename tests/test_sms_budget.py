"""Every SMS template, in every language, with long realistic values, fits its segment budget.

Run with -s to see the table of encodings and segments. A French or English text that uses a
character outside GSM-7 (ç ê â î ô û ’ « », a non-breaking space) fails unless its template is
marked `needs_ucs2`: one such character halves the room in every segment.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

import pytest

from bot.segments import count_segments, ucs2_characters
from messages import available_languages, gettext
from messages.formatting import PARIS, time_window, visit_date, visit_day
from messages.templates import MAX_SEGMENTS, REFERRAL_PURPOSES, TEMPLATES, UCS2_LANGUAGES, render
from outreach.booking.places import ADDRESS_MAX, NAME_MAX
from outreach.booking.texts import option_numbers
from outreach.links import deep_link
from outreach.partners.referrals import SMS_NAME_MAX
from outreach.privacy.consent import privacy_link

LANGUAGES = available_languages()
PUBLIC_URL = "https://aller-vers.prevention-expulsions62.fr"
WORKER = "Marie-Christine Delacroix-Vandenberghe"
TOKEN = "Xq3vT9bLm2Zr8Kw5Yd7Pn4Hs6Jc1Fg0A"  # a deep-link token is 32 characters
STEPS = {  # three engagement steps, as short labels for the household
    "fr": "demande FSL, plan d'apurement, dossier de surendettement",
    "en": "FSL application, repayment plan, over-indebtedness file",
    "ar": "طلب FSL، خطة سداد، ملف المديونية المفرطة",
}


@cache
def _days_of_a_year() -> tuple[datetime, ...]:
    first = date(2026, 1, 1)
    return tuple(
        datetime.combine(first + timedelta(days=n), time(10, 30), PARIS) for n in range(365)
    )


def _longest(values: list[str]) -> str:
    return max(values, key=len)


@cache
def values(language: str) -> dict[str, str]:
    """The longest values a template can receive in `language`."""
    days = _days_of_a_year()
    date_text = _longest([visit_date(day, language) for day in days])
    start = datetime(2026, 12, 9, 10, 30, tzinfo=PARIS)
    return {
        "date": date_text,
        "day": _longest([visit_day(day, language) for day in days]),
        "window": time_window(start, start + timedelta(hours=1), language),
        "worker": WORKER,
        "options": "\n".join(f"{n}) {date_text}" for n in (1, 2, 3)),
        "numbers": option_numbers(3, language),
        "link": privacy_link(PUBLIC_URL, language),
        "steps": STEPS.get(language, STEPS["fr"]),
        "organisation": "Association Solidarite Logement Artois62",  # 40 characters, the most
        "phone": "01 99 00 00 00",  # ARCEP's fiction range, 14 characters like any number
        # A meeting place: its name and address at their longest (outreach/booking/places.py).
        "place": "Espace France Services de l'Agglomeration Lens"[:NAME_MAX]
        + ", "
        + "Centre administratif, 123 avenue du Marechal Leclerc, 62300 Lens"[:ADDRESS_MAX],
        "step": "rendez-vous conseiller pour le dossier de surendettement",  # up to 60
        # A referral: the partner's name at its longest for a message, the longest purpose.
        "partner": "Maison du Departement Solidarite Arras 1"[:SMS_NAME_MAX],
        "purpose": _longest([gettext(text, language) for text in REFERRAL_PURPOSES.values()]),
    }


def rendered(name: str, language: str) -> str:
    filled = dict(values(language))
    if name == "reminder_link":
        filled["link"] = deep_link("AllerVersPasDeCalaisBot", TOKEN)
    return render(name, language, **filled)


CASES = [
    (name, language)
    for name, template in TEMPLATES.items()
    for language in LANGUAGES
    if not template.languages or language in template.languages
]
LATIN_CASES = [
    (name, language)
    for name, language in CASES
    if language not in UCS2_LANGUAGES and not TEMPLATES[name].needs_ucs2
]


@pytest.mark.parametrize(("name", "language"), CASES)
def test_it_fits_the_segment_budget(name: str, language: str) -> None:
    template = TEMPLATES[name]
    text = rendered(name, language)
    count = count_segments(text)

    assert template.budget(language) <= MAX_SEGMENTS, f"{name}: budget over {MAX_SEGMENTS}"
    assert count.segments <= template.budget(language), (
        f"{name} [{language}] takes {count.segments} segments ({count.encoding}, "
        f"{count.units} units), budget {template.budget(language)}:\n{text}"
    )


@pytest.mark.parametrize(("name", "language"), LATIN_CASES)
def test_it_keeps_latin_texts_in_gsm7(name: str, language: str) -> None:
    text = rendered(name, language)

    assert ucs2_characters(text) == [], f"{name} [{language}] forces UCS-2:\n{text}"


def test_it_uses_every_placeholder_it_is_given() -> None:
    for name, template in TEMPLATES.items():
        for language in LANGUAGES:
            text = rendered(name, language)
            assert "{" not in text and "}" not in text, f"{name} [{language}]: {text}"
            if "{options}" in template.msgid:
                assert values(language)["options"] in text


def test_it_prints_the_table_of_encodings() -> None:
    lines = [f"{'template':<22}" + "".join(f"{language:>24}" for language in LANGUAGES)]
    for name, template in TEMPLATES.items():
        cells = []
        for language in LANGUAGES:
            count = count_segments(rendered(name, language))
            cells.append(
                f"{count.encoding} {count.units:>3}u {count.segments}/{template.budget(language)}"
            )
        lines.append(f"{name:<22}" + "".join(f"{cell:>24}" for cell in cells))
    print("\n" + "\n".join(lines))  # shown with pytest -s
