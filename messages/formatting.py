"""Dates, times and amounts written the way a household reads them, in its language (Babel).

Stored times are UTC; they are shown on the Europe/Paris wall clock. French is written the French
way for an appointment: "mardi 3 décembre à 10 h", "le 1er", "10 h 30", "entre 10 h et 11 h"
(Babel's French patterns say "10:00"). English is British ("Tuesday 3 December at 10:00 am"),
Arabic is Babel's "ar" locale. The words that join the parts ("at", "between ... and") come from
the catalogs. No non-breaking space is ever returned: in an SMS one forces UCS-2.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency

from messages import DEFAULT_LANGUAGE, N_, available_languages, gettext

PARIS = ZoneInfo("Europe/Paris")
# The Babel locale used for each catalog language (households in France: British English).
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB", "ar": "ar"}
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})

DAY_AT_TIME = N_("{day} at {time}")
BETWEEN_TIMES = N_("between {start} and {end}")


def text_language(language: str | None) -> str:
    """The language texts are written in: the household's if it has a catalog, else French."""
    return language if language in available_languages() else DEFAULT_LANGUAGE


def short_date(when: datetime | None) -> str:
    """The Paris day "11/03/2027" (team pages and CLI); "—" for none."""
    return when.astimezone(PARIS).strftime("%d/%m/%Y") if when else "—"


# The formatters below are pure functions of (instant, language) or (cents, language) and are
# kept: a case page or an agenda writes the same slots on every load, at ~0.1 ms each in Babel.
@lru_cache(maxsize=4096)
def visit_day(when: datetime, language: str) -> str:
    """ "mardi 3 décembre", "Tuesday 3 December", "الثلاثاء 3 ديسمبر"."""
    language = text_language(language)
    local = when.astimezone(PARIS)
    text = format_date(local.date(), "EEEE d MMMM", locale=_locale(language))
    if language == "fr" and local.day == 1:
        text = text.replace(" 1 ", " 1er ", 1)
    return _plain(text)


def time_of_day(when: datetime, language: str) -> str:
    """ "10 h", "10 h 30" (French); "10:00 am" (English); "10:00 ص" (Arabic)."""
    language = text_language(language)
    local = when.astimezone(PARIS)
    if language == "fr":
        return f"{local.hour} h" if local.minute == 0 else f"{local.hour} h {local.minute:02d}"
    return _plain(format_time(local.time(), "h:mm a", locale=_locale(language)))


@lru_cache(maxsize=4096)
def visit_date(when: datetime, language: str) -> str:
    """ "mardi 3 décembre à 10 h": the day and the time of a visit."""
    language = text_language(language)
    return gettext(
        DAY_AT_TIME, language, day=visit_day(when, language), time=time_of_day(when, language)
    )


def time_window(start: datetime, end: datetime, language: str) -> str:
    """ "entre 10 h et 11 h": the approximate arrival time of a home visit."""
    language = text_language(language)
    return gettext(
        BETWEEN_TIMES,
        language,
        start=time_of_day(start, language),
        end=time_of_day(end, language),
    )


def month_name(month: str, language: str = "fr") -> str:
    """ "2026-03" -> "mars 2026" (a month as the team reads it); anything else unchanged."""
    try:
        year, number = (int(part) for part in month.split("-"))
        return _plain(format_date(date(year, number, 1), "MMMM y", locale=_locale(language)))
    except ValueError:
        return month


@lru_cache(maxsize=4096)
def amount(cents: int, language: str) -> str:
    """ "1 234,56 €" (French), "€1,234.56" (English): an amount in euros."""
    language = text_language(language)
    return _plain(format_currency(cents / 100, "EUR", locale=_locale(language)))


@cache
def _locale(language: str) -> Locale:
    """The parsed Babel locale (parsed once: Babel parses a locale name on every call)."""
    return Locale.parse(BABEL_LOCALES.get(language, language))


def _plain(text: str) -> str:
    return text.translate(_SPACES)
