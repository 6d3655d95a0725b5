"""Signing in and out of the team web app, and who is signed in on each request.

The session cookie holds a random token signed with ALLERVERS_SECRET_KEY; its hash points to a
LoginSession row, so signing out ends the session on the server too. The cookie is HttpOnly,
SameSite=Lax, and Secure when ALLERVERS_PUBLIC_URL is https. The JSON API keeps its bearer tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import partial
from typing import Annotated
from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import EVALUATOR_PAGES, EVALUATOR_REFUSED, ServicesDep, SessionDep
from api.services import Services
from api.web import csrf, form_text
from api.web.rendering import PageError, render, secure
from messages import gettext
from outreach.db import transaction
from outreach.models import TeamUser
from outreach.team.login_sessions import (
    SESSION_LIFETIME,
    end_session,
    start_session,
    user_for_session,
)
from outreach.team.sign_in import LoginOutcome, sign_in

SESSION_COOKIE = "av_session"
LOGIN_COOKIE = "av_login"  # the sign-in form's CSRF nonce
LOGIN_COOKIE_AGE = 60 * 60
# Password checks at once: argon2 takes about 50 ms of CPU and the machine has few cores.
SIGN_IN_THREADS = 2
# Sign-ins waiting for a check; beyond, the form answers 429 at once instead of queueing.
SIGN_IN_QUEUE = 20
BUSY_RETRY_AFTER = 5  # seconds


class LoginRequired(Exception):
    """No valid session: pages redirect to the sign-in form, fetch calls get 401."""


@dataclass(frozen=True)
class WebUser:
    user: TeamUser
    session_token: str
    csrf: str
    # Read once, so an error page can still show the header after the session is closed.
    name: str
    is_coordinator: bool
    is_evaluator: bool = False


def _secure_cookies(services: Services) -> bool:
    return services.settings.public_url.startswith("https://")


def _set_cookie(response: Response, services: Services, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure_cookies(services),
    )


def current_web_user(request: Request, session: SessionDep, services: ServicesDep) -> WebUser:
    """The signed-in team member, or LoginRequired."""
    secret = services.settings.secret_key
    token = csrf.unsign(secret, "session", request.cookies.get(SESSION_COOKIE))
    user = user_for_session(session, clock=services.clock, token=token) if token else None
    if token is None or user is None:
        raise LoginRequired()
    if user.is_evaluator and request.url.path not in EVALUATOR_PAGES:
        if request.url.path == "/":
            raise EvaluatorHome()
        raise PageError(403, gettext(EVALUATOR_REFUSED))
    web = WebUser(
        user=user,
        session_token=token,
        csrf=csrf.session_csrf(secret, token),
        name=user.name,
        is_coordinator=user.is_coordinator,
        is_evaluator=user.is_evaluator,
    )
    request.state.web_user = web
    return web


def optional_web_user(request: Request) -> WebUser | None:
    """The signed-in member for a page no route answered (an error page keeps its menu), or
    None; never raises."""
    services = request.app.state.services
    secret = services.settings.secret_key
    token = csrf.unsign(secret, "session", request.cookies.get(SESSION_COOKIE))
    if token is None:
        return None
    with services.sessions.begin() as session:
        user = user_for_session(session, clock=services.clock, token=token)
        if user is None:
            return None
        return WebUser(
            user=user,
            session_token=token,
            csrf=csrf.session_csrf(secret, token),
            name=user.name,
            is_coordinator=user.is_coordinator,
            is_evaluator=user.is_evaluator,
        )


async def checked_web_user(
    request: Request, web: Annotated[WebUser, Depends(current_web_user)]
) -> WebUser:
    """The signed-in member, for a form post: refused (403) without the right CSRF token."""
    csrf.check(web.csrf, await csrf.submitted_token(request))
    await form_text.refuse_control_characters(request)
    return web


WebUserDep = Annotated[WebUser, Depends(current_web_user)]
FormUserDep = Annotated[WebUser, Depends(checked_web_user)]


def require_coordinator(web: WebUser) -> None:
    if not web.is_coordinator:
        raise PageError(403, gettext("This page is for coordinators."))


class EvaluatorHome(Exception):
    """An evaluator's home is the indicators page."""


async def evaluator_home_handler(request: Request, _error: Exception) -> Response:
    return RedirectResponse("/indicators", status_code=303)


async def login_required_handler(request: Request, _error: Exception) -> Response:
    if "application/json" in request.headers.get("accept", ""):
        return secure(Response(status_code=401))
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    next_part = "" if target == "/" else f"?next={quote(target, safe='')}"
    return RedirectResponse(f"/login{next_part}", status_code=303)


# --- routes -----------------------------------------------------------------------------------

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request, services: ServicesDep, next: str = "/") -> Response:
    return _login_page(request, services, next_url=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    services: ServicesDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Sign in. Async on purpose: the checks that cost nothing run here, and the password check
    (argon2, CPU-bound) runs on at most SIGN_IN_THREADS worker threads, so a storm of sign-ins
    waits its turn without taking the event loop, the thread pool or the database connections
    that webhooks and pages need."""
    secret = services.settings.secret_key
    nonce = csrf.unsign(secret, "login", request.cookies.get(LOGIN_COOKIE))
    csrf.check(csrf.login_csrf(secret, nonce) if nonce else "", await csrf.submitted_token(request))
    await form_text.refuse_control_characters(request)
    next_url = safe_next(next)
    address = request.client.host if request.client else ""
    throttle = services.sign_in_throttle
    wait = throttle.retry_after(address=address, email=email)
    limiter = _sign_in_limiter(request)
    if wait is None and limiter.statistics().tasks_waiting >= SIGN_IN_QUEUE:
        wait = BUSY_RETRY_AFTER
    if wait is not None:
        minutes = max(1, -(-wait // 60))
        error = gettext(
            "Too many sign-in attempts. Try again in {minutes} minutes.", minutes=minutes
        )
        response = _login_page(
            request, services, next_url=next_url, error=error, email=email, status_code=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    result = await anyio.to_thread.run_sync(
        partial(sign_in, services.sessions, clock=services.clock, email=email, password=password),
        limiter=limiter,
    )
    if result.outcome != LoginOutcome.OK or result.user is None:
        throttle.failed(address=address, email=email)
        # One answer for an unknown e-mail, a wrong password and a locked account: the form
        # never tells which e-mails exist.
        error = gettext(
            "Wrong e-mail or password. After 5 failed attempts, an account is locked for "
            "15 minutes."
        )
        return _login_page(request, services, next_url=next_url, error=error, email=email)
    throttle.succeeded(email=email)
    token = await anyio.to_thread.run_sync(_start_session, services, result.user.id)
    response = RedirectResponse(next_url, status_code=303)
    cookie = csrf.signed_value(secret, "session", token)
    _set_cookie(response, services, SESSION_COOKIE, cookie, int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def _sign_in_limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's sign-in limiter, made on first use inside the event loop."""
    limiter = getattr(request.app.state, "sign_in_limiter", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(SIGN_IN_THREADS)
        request.app.state.sign_in_limiter = limiter
    return limiter  # type: ignore[no-any-return]


def _start_session(services: Services, user_id: int) -> str:
    with transaction(services.sessions) as session:
        user = session.get_one(TeamUser, user_id)
        return start_session(session, clock=services.clock, user=user).token


@router.post("/logout")
def logout(session: SessionDep, services: ServicesDep, web: FormUserDep) -> Response:
    end_session(session, clock=services.clock, token=web.session_token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    # What the pages kept in the browser (a diagnostic draft) goes with the session. team.js
    # asked before a draft that had not reached the server and erased it itself, for browsers
    # that ignore this header; the header covers a sign-out made without the script.
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


def _login_page(
    request: Request,
    services: Services,
    *,
    next_url: str,
    error: str | None = None,
    email: str = "",
    status_code: int = 401,
) -> Response:
    secret = services.settings.secret_key
    nonce = csrf.unsign(secret, "login", request.cookies.get(LOGIN_COOKIE))
    fresh = nonce is None
    nonce = nonce or secrets.token_urlsafe(16)
    response = render(
        request,
        "team/login.html",
        {
            "login_csrf": csrf.login_csrf(secret, nonce),
            "next_url": next_url,
            "error": error,
            "email": email,
        },
        web=None,
        status_code=status_code if error else 200,
    )
    if fresh:
        signed = csrf.signed_value(secret, "login", nonce)
        _set_cookie(response, services, LOGIN_COOKIE, signed, LOGIN_COOKIE_AGE)
    return response


def safe_next(target: str) -> str:
    """Only a path on this site: never another host (open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
