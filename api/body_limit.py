"""Request bodies are bounded as they stream in, before any route, authentication or parsing.

Starlette reads a whole body into memory when a route asks for it: a 300 MB POST to a webhook
cost 500 MB of memory before its route could refuse it. This ASGI wrapper sits outside the app:
a declared Content-Length over the limit is answered 413 without reading a byte, and a body sent
without one (chunked) is counted chunk by chunk and cut at the limit with a 413, so no more than
the limit is ever held. Limits go by path: small for webhooks and forms, larger for CCAPEX uploads
(whose multipart parts Starlette spools to disk).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KB = 1024
MB = 1024 * KB
DEFAULT_LIMIT = 256 * KB  # JSON API and team forms: a message is at most a few KB
# Longest prefix first. Twilio sends small forms; Telegram updates stay well under 1 MB.
LIMITS: tuple[tuple[str, int], ...] = (
    ("/webhooks/twilio/", 64 * KB),
    ("/webhooks/telegram", 1 * MB),
    ("/imports", 51 * MB),  # a 50 MB CCAPEX list plus the multipart envelope
)
TOO_LARGE = "Request too large."


def limit_for(path: str) -> int:
    for prefix, limit in LIMITS:
        if path.startswith(prefix):
            return limit
    return DEFAULT_LIMIT


class BodyLimit:
    """ASGI middleware: 413 for a body larger than its path's limit, counted as it arrives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body read: the app's exception handling answers
                    # 413; nothing past the limit is read.
                    raise HTTPException(413, detail=TOO_LARGE)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send) -> None:
    body = json.dumps({"detail": TOO_LARGE}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
