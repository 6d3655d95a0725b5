"""The Telegram channel, on python-telegram-bot (v22). The only module that imports `telegram`.

PTB is asynchronous; the rest of Aller-Vers is not. Each TelegramChannel owns a private event
loop in a daemon thread and runs every Bot API call there, so `send` can be called from any
thread (request workers, the scheduler, the polling loop) and the Bot's HTTP client always stays
on the loop that created it.

Tests point the Bot at a double on 127.0.0.1 with TELEGRAM_API_BASE_URL (PTB's `base_url`).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import re
import threading
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from outreach.sending.channel import DeliveryError, ErrorKind, Inbound, Outgoing, SendReceipt
from outreach.settings import Settings, SettingsError

NAME = "telegram"
DEFAULT_API = "https://api.telegram.org"
CALL_TIMEOUT = 60.0  # seconds a caller waits for one Bot API call, whatever PTB's own timeouts
# What a deep-link start parameter may contain (Telegram: up to 64 of A-Z a-z 0-9 _ -).
_START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MEDIA_KINDS = (
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "sticker",
    "contact",
    "location",
)
_CALLBACK_DATA_MAX_BYTES = 64

# PTB 22 warns that time periods (RetryAfter.retry_after) become timedeltas in v23; opt in now,
# as PTB advises, and accept both.
os.environ.setdefault("PTB_TIMEDELTA", "true")
# httpx logs every request URL at INFO, and Bot API URLs contain the bot token; PTB and httpcore
# log request parameters (chat ids, texts) at DEBUG. None of that may reach our logs.
for _noisy in ("httpx", "httpcore", "telegram"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)
log = logging.getLogger(__name__)

T = TypeVar("T")


class TelegramChannel:
    """Send to a chat, answer button presses, fetch updates (polling mode)."""

    name = NAME

    def __init__(
        self, settings: Settings, *, read_timeout: float = 15.0, connect_timeout: float = 5.0
    ) -> None:
        if not settings.telegram_bot_token:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN: required when ALLERVERS_CHANNELS includes telegram"
            )
        api = (settings.telegram_api_base_url or DEFAULT_API).rstrip("/")
        self._bot = Bot(
            settings.telegram_bot_token,
            base_url=f"{api}/bot",  # PTB appends the token: {api}/bot<token>/<method>
            request=HTTPXRequest(
                connection_pool_size=8, read_timeout=read_timeout, connect_timeout=connect_timeout
            ),
            get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=15.0),
        )
        self._loop = _LoopThread()

    # --- the Channel interface ----------------------------------------------------------------

    def send(self, outgoing: Outgoing) -> SendReceipt:
        markup = _keyboard(outgoing)
        sent = self._call(
            self._bot.send_message(
                chat_id=_chat_id(outgoing.address), text=outgoing.body, reply_markup=markup
            )
        )
        return SendReceipt(provider_id=f"{sent.chat_id}:{sent.message_id}", status="sent")

    # --- Telegram only ------------------------------------------------------------------------

    def answer_callback(self, callback_query_id: str) -> None:
        """Stop the spinner on the button the household pressed."""
        self._call(self._bot.answer_callback_query(callback_query_id))

    def get_updates(self, *, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        """Updates from `offset` on (confirming the ones before it), as Bot API JSON."""
        updates = self._call(
            self._bot.get_updates(
                offset=offset,
                timeout=timeout,
                read_timeout=timeout + 10,
                allowed_updates=["message", "callback_query"],
            ),
            timeout=CALL_TIMEOUT + timeout,
        )
        return [json.loads(update.to_json()) for update in updates]

    def set_webhook(self, *, url: str, secret: str) -> None:
        self._call(
            self._bot.set_webhook(
                url=url, secret_token=secret, allowed_updates=["message", "callback_query"]
            )
        )

    def webhook_info(self) -> dict[str, Any]:
        """Where Telegram posts updates now, and its last delivery error (getWebhookInfo).

        Telegram never tells the secret back; a wrong one shows as `last_error_message`."""
        info = self._call(self._bot.get_webhook_info())
        return json.loads(info.to_json())

    def delete_webhook(self) -> None:
        """Polling mode: Telegram refuses getUpdates while a webhook is set."""
        self._call(self._bot.delete_webhook())

    def username(self) -> str:
        """The bot's @username (for deep links), asked once from the Bot API."""
        return self._call(self._username())

    def close(self) -> None:
        if self._loop.started:
            self._loop.run(self._bot.shutdown(), timeout=CALL_TIMEOUT)
        self._loop.stop()

    async def _username(self) -> str:
        await self._bot.initialize()
        return self._bot.username

    def _call(self, coroutine: Coroutine[Any, Any, T], *, timeout: float = CALL_TIMEOUT) -> T:
        try:
            return self._loop.run(coroutine, timeout=timeout)
        except TelegramError as error:
            raise classify(error) from None
        except TimeoutError:
            # The request may be on its way: for a send, never try again (see classify).
            raise DeliveryError(ErrorKind.UNCERTAIN, code="timeout") from None


# --- errors --------------------------------------------------------------------------------


def classify(error: TelegramError) -> DeliveryError:
    """What a Bot API error means for this household. Order matters: BadRequest and TimedOut
    are NetworkErrors in PTB."""
    text = error.message.lower()
    if isinstance(error, RetryAfter):
        return DeliveryError(ErrorKind.TEMPORARY, code="429", retry_after=_retry_after(error))
    if isinstance(error, Forbidden):
        return _forbidden(text)
    if isinstance(error, InvalidToken):
        # Its message can contain the token: never keep it.
        return DeliveryError(ErrorKind.PERMANENT, code="401", detail="invalid bot token")
    if isinstance(error, BadRequest):
        if "chat not found" in text or "user not found" in text:
            return DeliveryError(ErrorKind.CANNOT_RECEIVE, code="400-chat-not-found")
        return DeliveryError(ErrorKind.PERMANENT, code="400", detail=error.message)
    if isinstance(error, TimedOut):
        if isinstance(error.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
            # Nothing was sent (PTB keeps httpx's exception as the cause): safe to try again.
            return DeliveryError(ErrorKind.TEMPORARY, code="connect_timeout")
        # The request went out and no answer came: the message may have reached the household,
        # and the Bot API has no idempotency key. Never resent; the team checks.
        return DeliveryError(ErrorKind.UNCERTAIN, code="timeout", detail="no answer in time")
    if isinstance(error, NetworkError | Conflict):
        return DeliveryError(ErrorKind.TEMPORARY, code="network", detail=error.message)
    if isinstance(error, ChatMigrated):
        return DeliveryError(ErrorKind.CANNOT_RECEIVE, code="chat-migrated")
    return DeliveryError(ErrorKind.TEMPORARY, code="telegram", detail=error.message, max_attempts=3)


def _forbidden(text: str) -> DeliveryError:
    if "blocked" in text:
        return DeliveryError(ErrorKind.BLOCKED, code="403-blocked")
    if "deactivated" in text:
        return DeliveryError(ErrorKind.NUMBER_DEAD, code="403-deactivated")
    return DeliveryError(ErrorKind.CANNOT_RECEIVE, code="403")


def _retry_after(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --- outgoing ------------------------------------------------------------------------------


def _chat_id(address: str) -> int | str:
    return int(address) if address.lstrip("-").isdigit() else address


def _keyboard(outgoing: Outgoing) -> InlineKeyboardMarkup | None:
    """One button per row (labels can be long); pressing one sends back its reply."""
    if not outgoing.choices:
        return None
    rows = [
        [InlineKeyboardButton(choice.label, callback_data=callback_data(outgoing, choice.reply))]
        for choice in outgoing.choices
    ]
    return InlineKeyboardMarkup(rows)


def callback_data(outgoing: Outgoing, reply: str) -> str:
    """`<our message id>:<reply>`: the reply, and which question it answers."""
    data = f"{outgoing.message_id}:{reply}"
    if len(data.encode("utf-8")) > _CALLBACK_DATA_MAX_BYTES:
        raise DeliveryError(ErrorKind.PERMANENT, code="choice-too-long")
    return data


def reply_of(data: str) -> str:
    _, separator, reply = data.partition(":")
    return reply if separator else data


# --- incoming ------------------------------------------------------------------------------


def parse_update(data: dict[str, Any], *, received_at: datetime) -> Inbound | None:
    """A household's message or button press; None for anything else (groups, edits, junk).

    `/start <token>` gives an Inbound whose body is "/start" and whose `link_token` carries the
    token; the token is also removed from `raw`, so it is never stored.
    """
    try:
        update = Update.de_json(data, None)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    if update is None:
        return None
    if update.callback_query is not None:
        return _from_callback(update, data, received_at)
    if update.message is not None:
        return _from_message(update, data, received_at)
    return None


def _from_message(update: Update, data: dict[str, Any], received_at: datetime) -> Inbound | None:
    message = update.message
    if message is None or message.chat.type != "private" or not _is_id(message.chat.id):
        return None
    # Telegram's library does not check field types: a non-text "text" is no text.
    text = message.text if isinstance(message.text, str) else None
    caption = message.caption if isinstance(message.caption, str) else None
    body = text or caption or _media_marker(data.get("message", {}))
    token = _start_token(text or "")
    raw = data
    if token is not None:
        body = "/start"
        raw = copy.deepcopy(data)
        raw["message"]["text"] = body
    return Inbound(
        channel=NAME,
        provider_id=str(update.update_id),
        address=str(message.chat.id),
        body=body,
        received_at=received_at,
        raw=raw,
        link_token=token,
    )


def _from_callback(update: Update, data: dict[str, Any], received_at: datetime) -> Inbound | None:
    query = update.callback_query
    if query is None or not isinstance(query.data, str):
        return None
    chat = query.message.chat if query.message is not None else None
    if chat is not None and chat.type != "private":
        return None
    if not _is_id(chat.id if chat is not None else query.from_user.id):
        return None
    return Inbound(
        channel=NAME,
        provider_id=str(update.update_id),
        address=str(chat.id if chat is not None else query.from_user.id),
        body=reply_of(query.data),
        received_at=received_at,
        raw=data,
    )


def _is_id(value: object) -> bool:
    """A Telegram chat or user id: an integer (never a bool, a string or a structure)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _start_token(text: str) -> str | None:
    command, _, argument = text.strip().partition(" ")
    if command.split("@", 1)[0] != "/start":
        return None
    argument = argument.strip()
    return argument if _START_PARAMETER.match(argument) else None


def _media_marker(message: dict[str, Any]) -> str:
    kind = next((kind for kind in _MEDIA_KINDS if kind in message), "message")
    return f"[{kind}]"


def callback_query_id(raw: dict[str, Any] | None) -> str | None:
    """The id to answer when this stored update was a button press."""
    query = (raw or {}).get("callback_query")
    return str(query["id"]) if isinstance(query, dict) and "id" in query else None


# --- the private event loop ------------------------------------------------------------------


class _LoopThread:
    """An event loop running forever in a daemon thread; coroutines are submitted to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._loop is not None

    def run(self, coroutine: Coroutine[Any, Any, T], *, timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._ensure_loop())
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="telegram-bot-loop", daemon=True
                )
                self._thread.start()
            return self._loop
