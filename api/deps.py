"""FastAPI dependencies: the services, a database session per request, the current team user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema
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
# URL, or one below 1, is a 422 with a French message, not an overflow in the driver (a 500).
MAX_ROW_ID = 2**63 - 1
ID_OUT_OF_RANGE = N_("An id is a whole number between 1 and {largest}.")


class IdRange:
    """Pydantic metadata for a row id: checked with a French message, bounds in the schema."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_in_range, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {**handler(schema), "minimum": 1, "maximum": MAX_ROW_ID}


def _in_range(value: int) -> int:
    if not 1 <= value <= MAX_ROW_ID:
        raise ValueError(gettext(ID_OUT_OF_RANGE, largest=MAX_ROW_ID))
    return value


Id = Annotated[int, IdRange()]
"""Every id the API reads, in a path, a query or a body."""
RowId = Annotated[Id, Path()]


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
