"""The partner's page for a referral: GET /orientation/{token} asks for the code sent in the
second e-mail; POST shows the summary once. A link that is unknown, used, expired or locked
(5 wrong codes) shows nothing but a sentence saying so and whom to ask; every try is audited
(outreach.partners.sharing). No session, no cookie: the link and the code are the only keys, so
the form needs no CSRF token. The page sends no referrer, is never cached nor indexed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ServicesDep, SessionDep
from api.web.templating import templates
from messages import N_, gettext, ngettext
from outreach.partners import sharing

router = APIRouter(include_in_schema=False)

PRIVATE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "X-Robots-Tag": "noindex, nofollow",
}
REFUSALS = {
    sharing.UNKNOWN: N_("This link is not valid. Ask the mobile team to send the referral again."),
    sharing.USED: N_(
        "This link was already used: the summary is shown only once. Ask the mobile team if you "
        "need it again."
    ),
    sharing.EXPIRED: N_("This link has expired. Ask the mobile team to send a new one."),
    sharing.LOCKED: N_(
        "Too many wrong codes: this link is locked. The mobile team has been told and can send a "
        "new one."
    ),
    sharing.WRONG_CODE: N_("Wrong code."),
}
Token = Annotated[str, Form(max_length=100)]


def _page(
    request: Request, services: ServicesDep, context: dict[str, object], status_code: int = 200
) -> Response:
    context = {
        "contact": services.settings.team_contact.strip(),
        "organisation": services.settings.organisation_name,
        **context,
    }
    response = templates.TemplateResponse(
        request, "referral_partner.html", context, status_code=status_code
    )
    response.headers.update(PRIVATE_HEADERS)
    return response


@router.get(f"{sharing.PAGE_PATH}/{{token}}", response_class=HTMLResponse)
def code_form(token: str, request: Request, session: SessionDep, services: ServicesDep) -> Response:
    referral = sharing.find(session, token=token)
    refused = sharing.check_link(referral, now=services.clock.now())
    if refused is not None:
        return _page(request, services, {"refused": gettext(REFUSALS[refused])}, 410)
    return _page(request, services, {"token": token})


@router.post(f"{sharing.PAGE_PATH}/{{token}}", response_class=HTMLResponse)
def open_with_code(
    token: str,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    opening = sharing.open_with_code(session, clock=services.clock, token=token, code=code)
    session.commit()  # every try is counted and audited, whatever the page shows
    if opening.refused == sharing.WRONG_CODE:
        left = ngettext("{count} try left.", "{count} tries left.", opening.tries_left)
        error = f"{gettext(REFUSALS[sharing.WRONG_CODE])} {left}"
        return _page(request, services, {"token": token, "error": error}, 403)
    if opening.refused is not None:
        return _page(request, services, {"refused": gettext(REFUSALS[opening.refused])}, 410)
    return _page(request, services, {"summary": opening.summary, "number": opening.number})
