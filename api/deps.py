"""FastAPI dependencies: the services, a database session per request, the current team user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from sqlalchemy.orm import Session

from api.services import Services
from messages import N_, gettext
from outreach.db import read_transaction, transaction
from outreach.models import TeamUser
from outreach.team.users import user_for_token


def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(get_services)]


READ_METHODS = ("GET", "HEAD")


def get_session(request: Request, services: ServicesDep) -> Iterator[Session]:
    """The request's unit of work: a read transaction for a GET (whose few writes, the audit
    of what was read, follow in their own short transaction), one transaction otherwise."""
    unit = read_transaction if request.method in READ_METHODS else transaction
    with unit(services.sessions) as session:
        yield session


# Ends (commits) when the endpoint returns, before the response is sent: a client that follows
# a redirect reads what the request wrote, and a failed commit is an error, never a success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

# The largest row id a database can hold (SQLite INTEGER, PostgreSQL bigint): a larger id in a
# URL is a 422, not an overflow in the driver (a 500).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def get_current_user(request: Request, session: SessionDep, services: ServicesDep) -> TeamUser:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=gettext("Authentication required: header Authorization: Bearer <token>."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = user_for_token(session, token.strip(), clock=services.clock)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=gettext("Invalid or revoked token."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    if user.is_evaluator and request.url.path not in EVALUATOR_API:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=gettext(EVALUATOR_REFUSED))
    return user


# What an evaluator may open (outreach.models.team.ROLES): the indicators, their exports and the
# bilan; every other route answers 403, whatever it is (one rule here, not one per route).
EVALUATOR_PAGES = frozenset(
    {
        "/indicators",
        "/indicators/export.csv",
        "/indicators/export.xlsx",
        "/indicators/bilan.pdf",
        "/logout",
    }
)
EVALUATOR_API: frozenset[str] = frozenset()
EVALUATOR_REFUSED = N_("An evaluator sees the indicators only: no case, no name, no inbox.")

CurrentUser = Annotated[TeamUser, Depends(get_current_user)]
