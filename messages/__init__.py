"""Every word a tenant, landlord or team member reads: gettext catalogs managed with Babel.

Catalogs live in `messages/locale/<lang>/LC_MESSAGES/allervers.po` (French first). They are
compiled in memory from the .po files on first use, so a fresh checkout needs no build step;
`pybabel compile` still works for installations that prefer .mo files.

Not to be confused with `outreach.models.Message`: a row for one SMS or chat message sent or
received. This package holds the texts (translations); that table holds what was exchanged.
"""

from __future__ import annotations

import gettext as _gettext
import io
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "allervers"
DEFAULT_LANGUAGE = "fr"


@cache
def available_languages() -> tuple[str, ...]:
    """Languages that have a catalog, French first (read once: the catalogs ship with the code,
    and every date written for a household asks; globbing the folder each time was a quarter of
    a case page's CPU)."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return tuple(sorted(found, key=lambda lang: (lang != DEFAULT_LANGUAGE, lang)))


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language; French when the language has none."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        if language == DEFAULT_LANGUAGE:
            return _gettext.NullTranslations()
        return translations(DEFAULT_LANGUAGE)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    compiled = Translations(buffer, domain=DOMAIN)
    if language != DEFAULT_LANGUAGE:
        compiled.add_fallback(translations(DEFAULT_LANGUAGE))
    return compiled


def gettext(message: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """Translate `message` (an English msgid) into `language` and fill `{named}` values."""
    text = translations(language).gettext(message)
    return text.format(**values) if values else text


def ngettext(
    singular: str, plural: str, count: int, language: str = DEFAULT_LANGUAGE, **values: object
) -> str:
    text = translations(language).ngettext(singular, plural, count)
    return text.format(count=count, **values)


def babel_locale(language: str) -> Locale:
    return Locale.parse(language if language in available_languages() else DEFAULT_LANGUAGE)


# Marker for pybabel extraction of strings defined as data (e.g. rejection reasons).
def N_(message: str) -> str:
    return message
