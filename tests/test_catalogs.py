"""The catalogs: every text a household reads exists in French, English and Arabic, with the same
placeholders, and every catalog compiles.

"Tenant-facing" is the SMS templates (messages/templates.py, which include the engine's sequence
texts), the words inside them, the privacy page, and the Telegram link replies. Team pages stay in
French only: English and Arabic catalogs may leave them out (they fall back to French).
"""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from api.webhooks.telegram import LINK_REFUSED, LINKED
from messages import LOCALE_DIR, available_languages
from messages.privacy_texts import privacy_msgids
from messages.templates import tenant_msgids
from outreach.booking.checkin import tenant_msgids as checkin_msgids
from outreach.casework import step_kinds

REQUIRED_LANGUAGES = ("fr", "en", "ar")
TENANT_MSGIDS = (
    *tenant_msgids(),
    *checkin_msgids(),
    *privacy_msgids(),
    LINKED,
    LINK_REFUSED,
)


def _catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "allervers.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_it_has_the_three_languages() -> None:
    assert set(REQUIRED_LANGUAGES) <= set(available_languages())
    assert available_languages()[0] == "fr"


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_it_translates_every_tenant_text(language: str) -> None:
    catalog = _catalog(language)
    missing = [
        msgid for msgid in TENANT_MSGIDS if msgid not in catalog or not catalog[msgid].string
    ]
    fuzzy = [msgid for msgid in TENANT_MSGIDS if msgid in catalog and catalog[msgid].fuzzy]

    assert missing == [], f"{language}: {len(missing)} untranslated, first: {missing[:3]}"
    assert fuzzy == []


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_it_keeps_the_same_placeholders_in_every_translation(language: str) -> None:
    wrong = []
    for message in _catalog(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(_placeholders(text) for text in ids))
        wrong += [text for text in strings if text and _placeholders(text) != expected]

    assert wrong == []


@pytest.mark.parametrize("language", ("en", "ar"))
def test_it_only_translates_texts_the_french_catalog_knows(language: str) -> None:
    french = _catalog("fr")
    unknown = [
        message.id for message in _catalog(language) if message.id and message.id not in french
    ]

    assert unknown == []


@pytest.mark.parametrize("language", REQUIRED_LANGUAGES)
def test_it_compiles_every_catalog(language: str) -> None:
    catalog = _catalog(language)
    errors = [(message.id, error) for message, error in catalog.check()]
    write_mo(io.BytesIO(), catalog)

    assert errors == []


def test_it_writes_arabic_texts_in_arabic() -> None:
    arabic = _catalog("ar")
    letters = re.compile(r"[\u0600-\u06ff]")
    not_arabic = [msgid for msgid in TENANT_MSGIDS if not letters.search(arabic[msgid].string)]

    assert not_arabic == []


def _msgids_in(folder: Path, pattern: str, method: str) -> set[tuple[str, str]]:
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    found = set()
    for name, line, message, _, _ in extract_from_dir(
        folder, [(pattern, method)], {pattern: {}}, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.add((msgid, f"{folder.name}/{name}:{line}"))
    return found


def test_every_text_in_the_code_and_the_pages_has_its_french_translation() -> None:
    # The code is written in English; the team and the households read French first.
    root = LOCALE_DIR.parent.parent
    used = set()
    for package in ("api", "bot", "messages", "outreach"):
        used |= _msgids_in(root / package, "**.py", "python")
    used |= _msgids_in(root / "api" / "templates", "**.html", "jinja2.ext:babel_extract")
    french = _catalog("fr")
    missing = sorted(
        (where, msgid) for msgid, where in used if msgid not in french or not french[msgid].string
    )
    assert len(used) > 500
    assert missing == [], f"{len(missing)} texts without French, first: {missing[:5]}"


def test_the_kinds_of_demarche_of_the_data_file_read_in_french() -> None:
    # The data file holds English ids: the team reads them in French (the household's names of
    # them are tenant texts, checked in every language above).
    french = _catalog("fr")
    missing = [label for label, _ in step_kinds.msgids() if not _translated(french, label)]
    assert missing == []


def _translated(catalog: Catalog, msgid: str) -> bool:
    return msgid in catalog and bool(catalog[msgid].string)
