"""GET /confidentialite (and /privacy): the privacy notice, in the household's language.

Public, no login: the consent question links to it. `?lang=fr|en|ar`; without it, the browser's
preferred language among those with a catalog, else French. ALLERVERS_TEAM_CONTACT (a phone
number, an address) is shown as the way to exercise one's rights, when set.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from babel import Locale
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.web.templating import templates
from messages import DEFAULT_LANGUAGE, available_languages, gettext
from messages import privacy_texts as texts

router = APIRouter(include_in_schema=False)

RTL_LANGUAGES = frozenset({"ar"})


class PrivacyConfig(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    team_contact: str = Field("", validation_alias=AliasChoices("ALLERVERS_TEAM_CONTACT"))


def page_language(requested: str | None, accept_language: str) -> str:
    """`?lang=` if it has a catalog, else the browser's first language that has one, else French."""
    languages = available_languages()
    if requested and requested.lower() in languages:
        return requested.lower()
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in languages:
            return code
    return DEFAULT_LANGUAGE


@router.get("/confidentialite", response_class=HTMLResponse)
@router.get("/privacy", response_class=HTMLResponse)
def privacy_notice(
    request: Request, lang: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    language = page_language(lang, request.headers.get("accept-language", ""))
    contact = PrivacyConfig().team_contact.strip()
    context = {
        "_": partial(_translate, language=language),
        "lang": language,
        "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
        "texts": texts,
        "contact": contact,
        "languages": [(code, _autonym(code)) for code in available_languages()],
    }
    return templates.TemplateResponse(request, "privacy.html", context)


def _translate(message: str, language: str, **values: object) -> str:
    return gettext(message, language, **values)


def _autonym(code: str) -> str:
    """ "Français", "English", "العربية": each language in its own words."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]
