"""Probes and figures for whoever runs the server, all without a team account.

- GET /healthz: liveness. The process answers; says whether the database does (503 if not).
- GET /readyz: readiness. The database answers and due work gets done: the scheduler of this
  process ticked recently (in memory, see api/heartbeat.py) or, in a process without one (cron
  runs `allervers tick`), the oldest due outbox item has not waited too long. 503 otherwise.
- GET /metrics: Prometheus text format (api/ops/metrics.py). With ALLERVERS_METRICS_TOKEN, only
  with `Authorization: Bearer <token>`; without, only from this machine and not through a
  proxy (the reverse proxy does not forward /metrics either: deploy/Caddyfile).
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ServicesDep
from api.heartbeat import Heartbeat
from api.ops.metrics import WebhookTimer
from api.scheduler import max_pass_seconds
from outreach.models import OutboxItem

router = APIRouter()
# A process without a scheduler: cron runs `allervers tick` every minute, and a pass can last one.
OUTBOX_STALE = timedelta(minutes=5)
LOOPBACK = ("127.0.0.1", "::1")


@router.get("/healthz", tags=["health"])
def healthz(services: ServicesDep) -> JSONResponse:
    if not _database_answers(services):
        return JSONResponse({"status": "degraded", "database": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/readyz", tags=["health"], include_in_schema=False)
def readyz(request: Request, services: ServicesDep) -> JSONResponse:
    if not _database_answers(services):
        body = {"status": "unavailable", "database": "unavailable", "scheduler": "unknown"}
        return JSONResponse(body, status_code=503)
    heartbeat: Heartbeat | None = getattr(request.app.state, "heartbeat", None)
    if heartbeat is not None:
        scheduler = getattr(request.app.state, "scheduler", None)
        alive, detail = _ticking(heartbeat, services.engine_config.tick_seconds, scheduler)
    else:
        alive, detail = _outbox_moving(services)
    body = {"status": "ok" if alive else "unavailable", "database": "ok", **detail}
    return JSONResponse(body, status_code=200 if alive else 503)


def tick_limit(tick_seconds: float) -> float:
    """Seconds without a tick after which the scheduler counts as stopped (15 s by default)."""
    return max(15.0, 3 * tick_seconds)


def _ticking(heartbeat: Heartbeat, tick_seconds: float, scheduler: object) -> tuple[bool, dict]:
    silence = heartbeat.silence()
    limit = tick_limit(tick_seconds)
    # A long pass (much due, rate limits) delays the next tick; it ends within max_pass_seconds.
    alive = silence <= limit or (
        heartbeat.running and silence <= max_pass_seconds(tick_seconds) + limit
    )
    if scheduler is not None and not getattr(scheduler, "running", True):
        alive = False
    detail = {"scheduler": "ok" if alive else "stalled", "last_tick_age": round(silence, 1)}
    return alive, detail


def _outbox_moving(services: ServicesDep) -> tuple[bool, dict]:
    now = services.clock.now()
    try:
        with services.webhook_db.connect() as connection:
            oldest = connection.execute(
                select(func.min(OutboxItem.due_at)).where(
                    OutboxItem.status == "pending", OutboxItem.due_at <= now
                )
            ).scalar()
    except SQLAlchemyError:
        return False, {"scheduler": "unknown"}
    waited = (now - oldest).total_seconds() if oldest is not None else 0.0
    alive = waited <= OUTBOX_STALE.total_seconds()
    return alive, {"scheduler": "ok" if alive else "stalled", "oldest_due_age": round(waited, 1)}


@router.get("/metrics", tags=["health"], include_in_schema=False)
def metrics(request: Request, services: ServicesDep) -> Response:
    if not _may_read_metrics(request, services.settings.metrics_token):
        return Response(status_code=404)  # as if there were nothing here
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _may_read_metrics(request: Request, token: str | None) -> bool:
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    client = request.client.host if request.client else ""
    proxied = any(name in request.headers for name in ("x-forwarded-for", "forwarded", "x-real-ip"))
    return client in LOOPBACK and not proxied


def install(app: FastAPI) -> None:
    """The probes' routes and the webhooks' timer (the registry is `app.state.metrics`)."""
    app.add_middleware(WebhookTimer)
    app.include_router(router)


def _database_answers(services: ServicesDep) -> bool:
    try:
        with services.webhook_db.connect() as connection:  # the webhooks' pool
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
