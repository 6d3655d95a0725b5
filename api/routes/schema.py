"""GET /openapi.json in production: the API's contract, for signed-in team members only.

In development FastAPI serves it openly (integrators and the fuzzer read it); in production the
list of routes is no business of an anonymous visitor.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.deps import CurrentUser

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
def openapi_schema(request: Request, user: CurrentUser) -> dict[str, Any]:
    return request.app.openapi()  # type: ignore[no-any-return]
