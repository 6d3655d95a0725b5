"""Polling mode: getUpdates against the double, offsets confirmed, nothing handled twice."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from api.services import build_services
from api.webhooks import telegram_polling
from api.webhooks.telegram_polling import TelegramPoller, telegram_mode
from outreach.db import make_engine
from outreach.models import InboxItem, Message
from outreach.settings import load_settings
from tests.doubles.telegram_double import TOKEN, TelegramDouble, callback_update, text_update

CHAT = 700000001


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    double = TelegramDouble().start()
    yield double
    double.stop()


@pytest.fixture
def settings_overrides(double: TelegramDouble) -> dict[str, object]:
    return {
        "ALLERVERS_CHANNELS": "telegram",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": double.base_url,
    }


@pytest.fixture(autouse=True)
def _close_channel(services) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    services.channels["telegram"].close()


def _stored(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        query = select(Message.provider_id).where(Message.direction == "in").order_by(Message.id)
        return [str(provider_id) for provider_id in session.scalars(query)]


def _inbox_count(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxItem)) or 0


def test_it_handles_polled_updates_and_confirms_them_with_the_offset(
    services, sessions, double
) -> None:
    for update_id in (801, 802, 803):
        double.push_update(text_update(CHAT, f"message {update_id}", update_id=update_id))
    poller = TelegramPoller(services, timeout=0)
    assert poller.poll_once() == 3
    assert _stored(sessions) == ["801", "802", "803"]
    assert poller.offset == 804
    assert poller.poll_once() == 0
    assert double.calls_to("getUpdates")[-1].params["offset"] == 804
    assert double.pending_updates() == []


def test_a_restart_without_the_offset_handles_nothing_twice(services, sessions, double) -> None:
    double.push_update(text_update(CHAT, "Oui", update_id=901))
    double.push_update(callback_update(CHAT, "41:1", update_id=902, query_id="q-902"))
    TelegramPoller(services, timeout=0).poll_once()
    # The process dies before confirming: Telegram hands the same updates to the next one.
    assert double.pending_updates() == [901, 902]
    restarted = TelegramPoller(services, timeout=0)
    assert restarted.poll_once() == 2
    assert _stored(sessions) == ["901", "902"]
    assert _inbox_count(sessions) == 2
    assert len(double.calls_to("answerCallbackQuery")) == 1
    restarted.poll_once()
    assert double.pending_updates() == []


def test_updates_wait_at_telegram_while_the_database_is_down(settings, clock, double) -> None:
    down = settings.model_copy(
        update={"database_url": "postgresql://nobody@127.0.0.1:9/allervers_down"}
    )
    services = build_services(down, engine=make_engine(down.database_url), clock=clock)
    double.push_update(text_update(CHAT, "Oui", update_id=950))
    poller = TelegramPoller(services, timeout=0)
    try:
        with pytest.raises(telegram_polling.DatabaseDown):
            poller.poll_once()
    finally:
        services.channels["telegram"].close()
    assert poller.offset is None
    assert double.pending_updates() == [950]


def test_start_polls_in_the_background_until_stopped(services, sessions, double) -> None:
    handle = telegram_polling.start(services, timeout=1)
    assert handle is not None
    try:
        double.push_update(text_update(CHAT, "Bonjour", update_id=990))
        deadline = time.monotonic() + 10
        while not _stored(sessions) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        telegram_polling.stop(handle)
    assert _stored(sessions) == ["990"]
    assert not handle.thread.is_alive()
    assert double.calls_to("deleteWebhook")


def test_it_keeps_polling_after_a_provider_error(services, sessions, double, monkeypatch) -> None:
    monkeypatch.setattr(telegram_polling, "MAX_BACKOFF", 0.1)
    double.fail_method("getUpdates", "server", times=1)
    double.push_update(text_update(CHAT, "Bonjour", update_id=995))
    handle = telegram_polling.start(services, timeout=0)
    try:
        deadline = time.monotonic() + 10
        while not _stored(sessions) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        telegram_polling.stop(handle)
    assert _stored(sessions) == ["995"]


def test_a_secret_and_an_https_url_register_a_webhook_instead(settings, services, double) -> None:
    webhook = settings.model_copy(update={"telegram_webhook_secret": "s" * 32})
    services.settings = webhook
    assert telegram_mode(webhook) == "webhook"
    assert telegram_polling.start(services) is None
    [call] = double.calls_to("setWebhook")
    assert call.params["url"] == "https://allervers.example.org/webhooks/telegram"
    assert call.params["secret_token"] == "s" * 32
    assert double.calls_to("getUpdates") == []


def test_the_mode_follows_the_settings() -> None:
    token = {"TELEGRAM_BOT_TOKEN": TOKEN, "ALLERVERS_CHANNELS": "telegram"}
    assert telegram_mode(load_settings(ALLERVERS_CHANNELS="telegram")) is None
    assert telegram_mode(load_settings(**token)) == "polling"
    local = load_settings(**token, TELEGRAM_WEBHOOK_SECRET="s" * 32)
    assert telegram_mode(local) == "polling"  # http://127.0.0.1: Telegram cannot call it
    public = load_settings(
        **token, TELEGRAM_WEBHOOK_SECRET="s" * 32, ALLERVERS_PUBLIC_URL="https://a.example.org"
    )
    assert telegram_mode(public) == "webhook"
