"""Signed values and CSRF tokens for the team web app (HMAC-SHA256 with ALLERVERS_SECRET_KEY).

Every form carries a `csrf` field (fetch calls send the X-CSRF-Token header). Signed in, the
token is derived from the session token, so it dies with the session. On the sign-in form it is
derived from a random nonce kept in a short-lived cookie (double submit, signed).
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from api.web.rendering import PageError
from messages import gettext

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def sign(secret: str, purpose: str, value: str) -> str:
    """A hex HMAC of `value` for one `purpose`: signed for one use, useless for another."""
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def signed_value(secret: str, purpose: str, value: str) -> str:
    return f"{value}.{sign(secret, purpose, value)}"


def unsign(secret: str, purpose: str, signed: str | None) -> str | None:
    """The value of a `signed_value`, or None when the signature does not match."""
    if not signed or "." not in signed:
        return None
    value, _, signature = signed.rpartition(".")
    if not hmac.compare_digest(signature.encode(), sign(secret, purpose, value).encode()):
        return None
    return value


def session_csrf(secret: str, session_token: str) -> str:
    return sign(secret, "csrf", session_token)


def login_csrf(secret: str, nonce: str) -> str:
    return sign(secret, "login-csrf", nonce)


async def submitted_token(request: Request) -> str:
    """The token the request carries: the X-CSRF-Token header, else the form's `csrf` field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def check(expected: str, submitted: str) -> None:
    """Refuse (403) a form whose token is missing or wrong."""
    if not submitted or not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise PageError(403, gettext("This form has expired: reload the page."))
