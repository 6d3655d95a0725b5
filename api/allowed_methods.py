"""A 405 names every method its address takes, not only those of the first route found.

Starlette answers 405 from the first route whose path matches, with that route's methods in
`Allow`: OPTIONS /api/cases/1/messages said `Allow: POST` although GET is served there too (two
routes, one path). This ASGI wrapper rewrites `Allow` on a 405 from all the app's routes that
match the path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.routing import Match, Router

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed(router: Router, scope: Scope) -> list[str]:
    """The methods some route serves fully at the request's path (asked of each route as the
    router asks it: FastAPI nests the included routers)."""
    return [
        method
        for method in METHODS
        if any(
            route.matches({**scope, "method": method})[0] is Match.FULL for route in router.routes
        )
    ]


class AllowedMethods:
    def __init__(self, app: ASGIApp, *, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = allowed(self.router, scope)
                if methods:
                    headers = [
                        (name, value)
                        for name, value in message.get("headers", [])
                        if name.lower() != b"allow"
                    ]
                    headers.append((b"allow", ", ".join(methods).encode("latin-1")))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_allow)
