"""GET /healthz: answers without auth; says whether the database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ServicesDep

router = APIRouter()


@router.get("/healthz", tags=["health"])
def healthz(services: ServicesDep) -> JSONResponse:
    try:
        with services.webhook_db.connect() as connection:  # the webhooks' pool
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "degraded", "database": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
