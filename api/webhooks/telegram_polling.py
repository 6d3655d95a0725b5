"""Telegram without a public URL: long polling with getUpdates, in a background thread.

`start(services)` picks the mode: a webhook when TELEGRAM_WEBHOOK_SECRET is set and the public URL
is https (Telegram only calls https), polling otherwise. `allervers serve` calls `start` after
building the services and `stop` on the way out.

Each update goes through the webhook's two steps (store once per update_id, then process). The
offset is kept in memory: after a restart Telegram hands back the updates it was not told about
yet, and storing them again creates nothing (update_id is the provider id). When the database is
down the offset does not move, so Telegram keeps the updates until we can store them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Literal

from api.services import Services
from api.webhooks.telegram import DatabaseDown, handle_update
from bot.telegram import NAME
from outreach.sending.channel import DeliveryError
from outreach.settings import Settings

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates call open when there is nothing new
MAX_BACKOFF = 60.0
WEBHOOK_PATH = "/webhooks/telegram"

log = logging.getLogger(__name__)


def telegram_mode(settings: Settings) -> Literal["webhook", "polling"] | None:
    if not settings.telegram_bot_token or NAME not in settings.enabled_channels:
        return None
    if settings.telegram_webhook_secret and settings.public_url.startswith("https://"):
        return "webhook"
    return "polling"


class TelegramPoller:
    """Fetch updates after `offset`, hand each to the webhook's steps, move the offset on."""

    def __init__(self, services: Services, *, timeout: int = POLL_TIMEOUT) -> None:
        self.services = services
        self.timeout = timeout
        self.offset: int | None = None
        self._channel: Any = services.channels[NAME]

    def poll_once(self) -> int:
        """One getUpdates call; returns how many updates were handled."""
        updates = self._channel.get_updates(offset=self.offset, timeout=self.timeout)
        for update in updates:
            self._handle(update)
            self.offset = int(update["update_id"]) + 1
        return len(updates)

    def run(self, stop_event: threading.Event) -> None:
        failures = 0
        while not stop_event.is_set():
            try:
                self.poll_once()
                failures = 0
            except (DeliveryError, DatabaseDown) as error:
                failures += 1
                delay = _delay(error, failures)
                log.warning("telegram polling paused %.0f s: %s", delay, type(error).__name__)
                stop_event.wait(delay)

    def _handle(self, update: dict[str, Any]) -> None:
        try:
            handle_update(self.services, update)
        except DatabaseDown:
            raise  # the offset stays before this update: Telegram keeps it for us
        except Exception as error:
            # One bad update must not block the others forever. Its content is not logged.
            log.error(
                "telegram update %s skipped: %s", update.get("update_id"), type(error).__name__
            )


def _delay(error: Exception, failures: int) -> float:
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        return float(retry_after)
    return min(MAX_BACKOFF, 2.0 ** min(failures, 6))


def run_polling(
    services: Services, stop_event: threading.Event, *, timeout: int = POLL_TIMEOUT
) -> None:
    """Poll until `stop_event` is set (blocking; `start` runs it in a thread)."""
    TelegramPoller(services, timeout=timeout).run(stop_event)


@dataclass
class PollingHandle:
    thread: threading.Thread
    stop_event: threading.Event


def start(services: Services, *, timeout: int = POLL_TIMEOUT) -> PollingHandle | None:
    """Register the webhook, or start polling in a daemon thread; None when nothing polls."""
    mode = telegram_mode(services.settings)
    channel = services.channels.get(NAME)
    if mode is None or channel is None:
        return None
    if mode == "webhook":
        _register_webhook(services.settings, channel)
        return None
    try:
        channel.delete_webhook()
    except DeliveryError as error:
        log.warning("telegram webhook not removed: %s", error.kind)
    stop_event = threading.Event()
    thread = threading.Thread(
        target=run_polling,
        args=(services, stop_event),
        kwargs={"timeout": timeout},
        name="telegram-polling",
        daemon=True,
    )
    thread.start()
    log.info("telegram polling started")
    return PollingHandle(thread=thread, stop_event=stop_event)


def stop(handle: PollingHandle | None) -> None:
    if handle is None:
        return
    handle.stop_event.set()
    handle.thread.join(timeout=POLL_TIMEOUT + 15)


def _register_webhook(settings: Settings, channel: Any) -> None:
    secret = settings.telegram_webhook_secret or ""
    try:
        channel.set_webhook(url=settings.public_url + WEBHOOK_PATH, secret=secret)
        log.info("telegram webhook registered")
    except DeliveryError as error:
        log.warning("telegram webhook not registered: %s", error.kind)
