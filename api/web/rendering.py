"""Rendering team pages: the shared layout's context, security headers, and error pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import EVALUATOR_PAGES
from api.validation_messages import in_french
from api.web import sandbox
from api.web.templating import templates
from messages import N_, gettext

if TYPE_CHECKING:
    from api.web.auth import WebUser

# Pages show personal data: never cached, never framed, only our own scripts and styles.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class NavLink:
    label: str  # English msgid
    url: str
    coordinators_only: bool = False


# The header's links, in order.
NAV_LINKS: tuple[NavLink, ...] = (
    NavLink(N_("Inbox"), "/"),
    NavLink(N_("Cases"), "/cases"),
    NavLink(N_("Without a sector"), "/unassigned"),
    NavLink(N_("Agenda"), "/agenda"),
    NavLink(N_("Overdue steps"), "/steps/overdue"),
    NavLink(N_("Letters"), "/letters"),
    NavLink(N_("Partners"), "/partners"),
    NavLink(N_("Indicators"), "/indicators"),
    NavLink(N_("Imports"), "/imports", coordinators_only=True),
    NavLink(N_("Team"), "/team", coordinators_only=True),
)


def nav_links(request: Request, web: WebUser | None) -> list[dict[str, Any]]:
    if web is None:
        return []
    path = request.url.path
    return [
        {
            "label": gettext(link.label),
            "url": link.url,
            "current": path == link.url or (link.url != "/" and path.startswith(link.url)),
        }
        for link in NAV_LINKS
        if (web.is_coordinator or not link.coordinators_only)
        and (not web.is_evaluator or link.url in EVALUATOR_PAGES)
    ]


class PageError(Exception):
    """Stop a page with an HTTP status and a message for the person (shown on an error page)."""

    def __init__(self, status: int, message: str, *, back: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.back = back  # (address, label): the way back, besides the home page


def layout_context(request: Request, web: WebUser | None) -> dict[str, Any]:
    """What the team layout needs on every page: who is signed in, the CSRF token, dev links."""
    services = request.app.state.services
    return {
        "web": web,
        "viewer": web,
        "csrf": web.csrf if web else "",
        "sandbox_enabled": sandbox.enabled(services.settings),
        "nav_links": nav_links(request, web),
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    web: WebUser | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    full = {**layout_context(request, web), **context}
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    secure(response)
    if headers:
        response.headers.update(headers)
    return response


def render_fragment(template: str, context: dict[str, Any]) -> str:
    return templates.get_template(template).render(**context)


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


API_PREFIXES = ("/api/", "/webhooks/")
# Answers that stay as the framework gives them: the API, webhooks, files, the schema.
NOT_PAGES = (*API_PREFIXES, "/static/", "/openapi.json", "/docs", "/redoc", "/healthz", "/readyz")
PAGE_STATUSES = (404, 405)
METHOD_REFUSED = N_("This page cannot be used this way. Go back and try again.")
PAGE_NOT_FOUND = N_("This page does not exist.")
BAD_REQUEST = N_("This request is not valid. Go back and try again.")
# An error page's heading says what happened in plain words; the HTTP status stays in the answer.
ERROR_TITLES = {
    400: N_("Request to correct"),
    403: N_("Access refused"),
    404: N_("Page not found"),
    405: N_("Not possible here"),
    409: N_("Not possible for now"),
    413: N_("Too large to send"),
    422: N_("Request to correct"),
    429: N_("Too many attempts"),
}
ERROR_TITLE = N_("Something went wrong")


async def invalid_request_handler(request: Request, error: Exception) -> Response:
    """A malformed page address or form: a French error page, not a JSON list (4xx, never 500).

    The JSON API and the webhooks keep FastAPI's 422 with its list of errors.
    """
    assert isinstance(error, RequestValidationError)
    if request.url.path.startswith(API_PREFIXES):
        return await request_validation_exception_handler(request, in_french(error))
    in_path = any(problem.get("loc", ("",))[0] == "path" for problem in error.errors())
    status = 404 if in_path else 400
    message = gettext(PAGE_NOT_FOUND if in_path else BAD_REQUEST)
    return await page_error_handler(request, PageError(status, message))


async def page_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageError)
    web = getattr(request.state, "web_user", None)
    home = "/indicators" if web is not None and web.is_evaluator else "/"
    return render(
        request,
        "team/error.html",
        {
            "title": gettext(ERROR_TITLES.get(error.status, ERROR_TITLE)),
            "message": error.message,
            "back": error.back,
            "home": home,
        },
        web=web,
        status_code=error.status,
    )


async def not_found_handler(request: Request, error: Exception) -> Response:
    """An address that is no page (404) or a method a page does not take (405): a French page
    in the app's layout with a way back. The JSON API, the webhooks and static files keep
    their JSON or plain answers (with the Allow header of a 405)."""
    assert isinstance(error, StarletteHTTPException)
    if request.url.path.startswith(NOT_PAGES) or error.status_code not in PAGE_STATUSES:
        return await http_exception_handler(request, error)
    message = gettext(PAGE_NOT_FOUND if error.status_code == 404 else METHOD_REFUSED)
    if getattr(request.state, "web_user", None) is None:  # no route ran: find who is signed in
        from fastapi.concurrency import run_in_threadpool

        from api.web.auth import optional_web_user

        request.state.web_user = await run_in_threadpool(optional_web_user, request)
    response = await page_error_handler(request, PageError(error.status_code, message))
    if error.headers:
        response.headers.update(error.headers)  # 405: Allow
    return response
