"""A Telegram Bot API double: a real HTTP server on 127.0.0.1 that python-telegram-bot talks to.

Point the Bot at it with TELEGRAM_API_BASE_URL=double.base_url (PTB's `base_url`). It answers
the methods Aller-Vers uses (getMe, sendMessage, answerCallbackQuery, getUpdates, setWebhook,
deleteWebhook, getWebhookInfo) the way Telegram does, records every call, and can be told to fail:
bot blocked (403), flood control (429 with `parameters.retry_after`), chat not found (400),
or to answer slowly (`latency`).

getUpdates follows Telegram's rules: updates stay queued until a call with a higher `offset`
confirms them, so a poller that restarts without its offset gets them again.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

TOKEN = "123456:TEST-double-token"
USERNAME = "allervers_test_bot"
_STRUCTURED = {"reply_markup", "allowed_updates", "link_preview_options", "reply_parameters"}
_NUMERIC = {"offset", "limit", "timeout"}
_LONG_POLL_CAP = 2.0  # seconds: tests never wait longer, whatever `timeout` they ask

ERRORS: dict[str, tuple[int, str]] = {
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "deactivated": (403, "Forbidden: user is deactivated"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "flood": (429, "Too Many Requests: retry after {retry_after}"),
    "server": (502, "Bad Gateway"),
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class _Failure:
    kind: str
    retry_after: int = 0
    times: int | None = None  # None: every time


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    chat_failures: dict[str, _Failure] = field(default_factory=dict)
    method_failures: dict[str, _Failure] = field(default_factory=dict)


class TelegramDouble:
    def __init__(self, token: str = TOKEN, username: str = USERNAME) -> None:
        self.token = token
        self.username = username
        self.latency = 0.0
        # The webhook as set by setWebhook (url, secret_token) and the last delivery error
        # Telegram would report (a test sets it: our webhook refused a wrong secret).
        self.webhook: dict[str, Any] = {}
        self.webhook_error: str | None = None
        self._state = _State()
        self._lock = threading.Condition()
        self._message_ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # Polled every 50 ms, not 500: stop() waits for the next poll, at every test's end.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> TelegramDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._lock.notify_all()
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- programming it ---------------------------------------------------------------------

    def fail_chat(
        self, chat_id: str | int, kind: str, *, retry_after: int = 0, times: int | None = None
    ) -> None:
        """sendMessage to that chat fails with `kind` (see ERRORS), `times` times or always."""
        with self._lock:
            self._state.chat_failures[str(chat_id)] = _Failure(kind, retry_after, times)

    def fail_method(
        self, method: str, kind: str, *, retry_after: int = 0, times: int | None = 1
    ) -> None:
        with self._lock:
            self._state.method_failures[method] = _Failure(kind, retry_after, times)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates, as if a household had written to the bot."""
        with self._lock:
            self._state.updates.append(update)
            self._lock.notify_all()

    # --- reading what happened --------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent(self, chat_id: str | int | None = None) -> list[dict[str, Any]]:
        """Parameters of each sendMessage that succeeded, optionally for one chat."""
        return [
            call.params
            for call in self.calls_to("sendMessage")
            if call.params.get("_ok")
            and (chat_id is None or call.params["chat_id"] == str(chat_id))
        ]

    def pending_updates(self) -> list[int]:
        with self._lock:
            return [update["update_id"] for update in self._state.updates]

    # --- the Bot API ------------------------------------------------------------------------

    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.latency:
            time.sleep(self.latency)
        call = Call(method, params)
        with self._lock:
            self._state.calls.append(call)
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        failure = self._failure_for(method, params)
        if failure is not None:
            return _error(failure)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        result = handler(params)
        params["_ok"] = True
        return 200, {"ok": True, "result": result}

    def _failure_for(self, method: str, params: dict[str, Any]) -> _Failure | None:
        with self._lock:
            table = self._state.method_failures
            key = method
            if method == "sendMessage" and str(params.get("chat_id")) in self._state.chat_failures:
                table, key = self._state.chat_failures, str(params.get("chat_id"))
            failure = table.get(key)
            if failure is None:
                return None
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    del table[key]
            return failure

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": int(self.token.split(":")[0]),
            "is_bot": True,
            "first_name": "Aller-Vers",
            "username": self.username,
        }

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._bot_user()

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Fiction"},
            "from": self._bot_user(),
            "text": params.get("text", ""),
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self.webhook = {"url": params.get("url", ""), "secret": params.get("secret_token")}
            self.webhook_error = None
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self.webhook = {}
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            info: dict[str, Any] = {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
            if self.webhook_error:
                info["last_error_date"] = int(time.time()) - 60
                info["last_error_message"] = self.webhook_error
            return info

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        limit = params.get("limit") or 100
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), _LONG_POLL_CAP)
        with self._lock:
            if offset is not None:
                # A higher offset confirms every update before it: Telegram forgets them.
                self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
            while not self._state.updates and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
            return [dict(update) for update in self._state.updates[:limit]]


def _error(failure: _Failure) -> tuple[int, dict[str, Any]]:
    status, description = ERRORS[failure.kind]
    body: dict[str, Any] = {
        "ok": False,
        "error_code": status,
        "description": description.format(retry_after=failure.retry_after),
    }
    if failure.kind == "flood":
        body["parameters"] = {"retry_after": failure.retry_after}
    return status, body


def _handler_for(double: TelegramDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet test output

        def _answer(self) -> None:
            path = self.path.split("?", 1)[0].strip("/")
            prefix, _, method = path.rpartition("/")
            if not prefix.startswith("bot"):
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            params = _params(self.headers.get("Content-Type", ""), self._body())
            self._reply(*double.handle(prefix.removeprefix("bot"), method, params))

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    """PTB posts form fields; structured ones are JSON strings, like the real API accepts."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return dict(json.loads(body))
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        if key in _STRUCTURED:
            params[key] = json.loads(value)
        elif key in _NUMERIC:
            params[key] = int(value)
        else:
            params[key] = value
    return params


# --- updates as Telegram sends them ----------------------------------------------------------

_update_ids = itertools.count(10_000)


def next_update_id() -> int:
    return next(_update_ids)


def _private_chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Fiction"}


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Fiction", "language_code": "fr"}


def text_update(chat_id: int, text: str, *, update_id: int | None = None) -> dict[str, Any]:
    """A household writing `text` to the bot in its private chat."""
    return {
        "update_id": update_id if update_id is not None else next_update_id(),
        "message": {
            "message_id": next_update_id(),
            "date": int(time.time()),
            "chat": _private_chat(chat_id),
            "from": _user(chat_id),
            "text": text,
        },
    }


def callback_update(
    chat_id: int, data: str, *, update_id: int | None = None, query_id: str = "cbq-1"
) -> dict[str, Any]:
    """A household pressing an inline keyboard button carrying `data`."""
    return {
        "update_id": update_id if update_id is not None else next_update_id(),
        "callback_query": {
            "id": query_id,
            "from": _user(chat_id),
            "chat_instance": "instance-1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": _private_chat(chat_id),
                "from": {"id": 123456, "is_bot": True, "first_name": "Aller-Vers"},
                "text": "Choisissez",
            },
        },
    }
