"""One log line per request, without personal data.

It logs the route's template ("/api/cases/{case_id}"), never the raw path or query string:
a query can hold a searched name or phone number, a path can hold a calendar-feed secret.
A plain ASGI middleware (not BaseHTTPMiddleware) so that webhooks stay fast.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("allervers.requests")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.1fms", scope["method"], template, status["code"], elapsed_ms)


def install(app: FastAPI) -> None:
    app.add_middleware(RequestLog)
