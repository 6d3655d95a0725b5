"""Public pages for landlords, in fr / en / ar: GET /garanties (what a landlord can call on, linked
from the landlord message) and GET /confidentialite/bailleurs (the landlord privacy notice)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import ServicesDep
from api.web.privacy import RTL_LANGUAGES, _autonym, _translate, page_language
from api.web.templating import templates
from messages import available_languages, privacy_texts
from messages import landlord_texts as texts
from outreach.landlords.contact import GUARANTEES_PATH, LANDLORD_PRIVACY_PATH

router = APIRouter(include_in_schema=False)


def _context(request: Request, lang: str | None, services: ServicesDep) -> dict[str, object]:
    language = page_language(lang, request.headers.get("accept-language", ""))
    return {
        "_": partial(_translate, language=language),
        "lang": language,
        "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
        "texts": texts,
        "privacy_texts": privacy_texts,
        "contact": services.settings.team_contact.strip(),
        "languages": [(code, _autonym(code)) for code in available_languages()],
        "privacy_path": LANDLORD_PRIVACY_PATH,
    }


@router.get(GUARANTEES_PATH, response_class=HTMLResponse)
def guarantees_page(
    request: Request, services: ServicesDep, lang: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    context = _context(request, lang, services)
    return templates.TemplateResponse(request, "landlord_guarantees.html", context)


@router.get(LANDLORD_PRIVACY_PATH, response_class=HTMLResponse)
def landlord_privacy_page(
    request: Request, services: ServicesDep, lang: Annotated[str | None, Query(max_length=8)] = None
) -> HTMLResponse:
    context = _context(request, lang, services)
    return templates.TemplateResponse(request, "landlord_privacy.html", context)
