"""The Telegram channel: python-telegram-bot against the Bot API double on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.telegram import TelegramChannel, parse_update
from outreach.models import ContactPoint, InboxItem
from outreach.sending.channel import Choice, DeliveryError, ErrorKind, Outgoing
from outreach.sending.send_now import NotSendable, Route, best_route, deliver, queue_message
from outreach.settings import SettingsError, load_settings
from tests.doubles.tcp_proxy import TcpProxy
from tests.doubles.telegram_double import (
    TOKEN,
    TelegramDouble,
    callback_update,
    text_update,
)
from tests.factories import make_case

CHAT = 700000001
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    double = TelegramDouble().start()
    yield double
    double.stop()


def _channel(double: TelegramDouble, **kwargs: float) -> TelegramChannel:
    settings = load_settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=double.base_url)
    return TelegramChannel(settings, **kwargs)


@pytest.fixture
def channel(double: TelegramDouble) -> Iterator[TelegramChannel]:
    channel = _channel(double)
    yield channel
    channel.close()


def _outgoing(body: str = "Bonjour", **kwargs: object) -> Outgoing:
    return Outgoing(message_id=41, address=str(CHAT), body=body, **kwargs)  # type: ignore[arg-type]


def _error(channel: TelegramChannel) -> DeliveryError:
    with pytest.raises(DeliveryError) as raised:
        channel.send(_outgoing())
    return raised.value


# --- sending -------------------------------------------------------------------------------


def test_it_sends_plain_text_to_the_chat(channel, double) -> None:
    receipt = channel.send(_outgoing("Bonjour, ici l'équipe."))
    [sent] = double.sent(CHAT)
    assert sent["text"] == "Bonjour, ici l'équipe."
    assert "reply_markup" not in sent and "parse_mode" not in sent
    assert receipt.status == "sent"
    assert receipt.provider_id == f"{CHAT}:1"


def test_it_sends_choices_as_inline_keyboard_buttons(channel, double) -> None:
    choices = (Choice(reply="1", label="Mardi 10 h"), Choice(reply="2", label="Jeudi 14 h"))
    channel.send(_outgoing("Quel créneau ?", choices=choices))
    [sent] = double.sent(CHAT)
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Mardi 10 h", "callback_data": "41:1"}],
            [{"text": "Jeudi 14 h", "callback_data": "41:2"}],
        ]
    }


def test_it_sends_from_several_threads_at_once(channel, double) -> None:
    double.latency = 0.05
    threads = [threading.Thread(target=channel.send, args=(_outgoing(f"n{i}"),)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent["text"] for sent in double.sent(CHAT)) == [f"n{i}" for i in range(8)]


def test_it_refuses_to_start_without_a_token() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        TelegramChannel(load_settings(ALLERVERS_CHANNELS="telegram"))


# --- provider errors -----------------------------------------------------------------------


def test_a_blocked_bot_is_blocked(channel, double) -> None:
    double.fail_chat(CHAT, "blocked")
    error = _error(channel)
    assert error.kind == ErrorKind.BLOCKED and not error.temporary


def test_a_deactivated_account_is_dead(channel, double) -> None:
    double.fail_chat(CHAT, "deactivated")
    assert _error(channel).kind == ErrorKind.NUMBER_DEAD


def test_flood_control_is_temporary_and_says_when_to_retry(channel, double) -> None:
    double.fail_chat(CHAT, "flood", retry_after=17)
    error = _error(channel)
    assert error.kind == ErrorKind.TEMPORARY
    assert error.retry_after == 17


def test_a_chat_not_found_cannot_receive(channel, double) -> None:
    double.fail_chat(CHAT, "chat_not_found")
    assert _error(channel).kind == ErrorKind.CANNOT_RECEIVE


def test_a_provider_outage_is_temporary(channel, double) -> None:
    double.fail_chat(CHAT, "server")
    assert _error(channel).kind == ErrorKind.TEMPORARY


def test_a_send_without_answer_in_time_is_uncertain(double) -> None:
    # The Bot API may have delivered it: a retry could reach the household twice.
    channel = _channel(double, read_timeout=0.2)
    double.latency = 1.0
    try:
        error = _error(channel)
    finally:
        channel.close()
    assert error.kind == ErrorKind.UNCERTAIN and error.code == "timeout"


def test_a_connection_that_times_out_before_sending_is_temporary(double) -> None:
    upstream = urlsplit(double.base_url)
    proxy = TcpProxy((upstream.hostname or "127.0.0.1", upstream.port or 80)).start()
    proxy.black_hole()
    settings = load_settings(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{proxy.port}"
    )
    channel = TelegramChannel(settings, connect_timeout=0.3)
    try:
        error = _error(channel)
        proxy.start()  # the API answers again: the retry goes through
        receipt = channel.send(_outgoing())
    finally:
        channel.close()
        proxy.stop()
    assert error.kind == ErrorKind.TEMPORARY and error.code == "connect_timeout"
    assert receipt.provider_id
    assert len(double.sent(CHAT)) == 1


def test_a_refused_token_is_permanent_and_not_repeated(double) -> None:
    settings = load_settings(TELEGRAM_BOT_TOKEN="1:wrong", TELEGRAM_API_BASE_URL=double.base_url)
    channel = TelegramChannel(settings)
    try:
        error = _error(channel)
    finally:
        channel.close()
    assert error.kind == ErrorKind.PERMANENT
    assert "wrong" not in str(error)


# --- what a failure means for the household (outbox, then send) ---------------------------


def _telegram_case(session, clock):  # type: ignore[no-untyped-def]
    case = make_case(session, clock=clock)
    point = ContactPoint(
        kind="telegram", value=str(CHAT), sms_capable=False, created_at=clock.now()
    )
    case.contact_points.append(point)
    session.flush()
    return case, point


def test_a_blocked_bot_marks_the_telegram_chat_unusable(sessions, clock, channel, double) -> None:
    double.fail_chat(CHAT, "blocked")
    with sessions.begin() as session:
        case, point = _telegram_case(session, clock)
        route = best_route(case, ("telegram",))
        message_id = queue_message(session, clock=clock, case=case, route=route, body="Bonjour").id
    message = deliver(sessions, clock=clock, channels={"telegram": channel}, message_id=message_id)
    assert message is not None
    assert (message.status, message.error_kind) == ("failed", "blocked")
    with sessions() as session:
        assert session.get_one(ContactPoint, point.id).state == "blocked"
        assert session.scalars(select(InboxItem.kind)).all() == ["failed_number"]
        with pytest.raises(NotSendable):
            best_route(session.get_one(type(case), case.id), ("telegram",))


def test_flood_control_puts_the_message_back_in_the_outbox(
    sessions, clock, channel, double
) -> None:
    double.fail_chat(CHAT, "flood", retry_after=5, times=1)
    with sessions.begin() as session:
        case, point = _telegram_case(session, clock)
        route = Route(channel="telegram", contact_point=point)
        message_id = queue_message(session, clock=clock, case=case, route=route, body="Bonjour").id
    channels = {"telegram": channel}
    message = deliver(sessions, clock=clock, channels=channels, message_id=message_id)
    assert message is not None and (message.status, message.error_code) == ("pending", "429")
    message = deliver(sessions, clock=clock, channels=channels, message_id=message_id)
    assert message is not None and message.status == "sent"
    assert message.provider_id == f"{CHAT}:1"


def test_a_send_that_timed_out_is_flagged_for_the_team_and_never_resent(
    sessions, clock, double
) -> None:
    channel = _channel(double, read_timeout=0.2)
    double.latency = 1.0  # the double still delivers it, after the channel stopped waiting
    with sessions.begin() as session:
        case, point = _telegram_case(session, clock)
        route = Route(channel="telegram", contact_point=point)
        message_id = queue_message(session, clock=clock, case=case, route=route, body="Bonjour").id
    channels = {"telegram": channel}
    try:
        message = deliver(sessions, clock=clock, channels=channels, message_id=message_id)
        clock.advance(days=1)
        again = deliver(sessions, clock=clock, channels=channels, message_id=message_id)
    finally:
        channel.close()
    assert message is not None and message.status == "uncertain"
    assert again is None or again.status == "uncertain"
    deadline = time.monotonic() + 5
    while not double.sent(CHAT) and time.monotonic() < deadline:
        time.sleep(0.05)  # the double answers after its latency
    assert len(double.sent(CHAT)) == 1  # the household got it once
    with sessions() as session:
        assert session.scalars(select(InboxItem.kind)).all() == ["uncertain_send"]


# --- parsing updates -----------------------------------------------------------------------


def test_it_parses_a_text_message() -> None:
    inbound = parse_update(text_update(CHAT, "Oui", update_id=5), received_at=NOW)
    assert inbound is not None
    assert (inbound.channel, inbound.provider_id, inbound.address) == ("telegram", "5", str(CHAT))
    assert (inbound.body, inbound.received_at, inbound.link_token) == ("Oui", NOW, None)


def test_it_takes_the_token_out_of_a_start_command() -> None:
    token = "AbC-123_xyz" * 2
    inbound = parse_update(text_update(CHAT, f"/start {token}"), received_at=NOW)
    assert inbound is not None
    assert (inbound.body, inbound.link_token) == ("/start", token)
    assert token not in repr(inbound.raw)


def test_a_start_without_a_valid_token_is_an_ordinary_message() -> None:
    inbound = parse_update(text_update(CHAT, "/start <script>"), received_at=NOW)
    assert inbound is not None and inbound.link_token is None


def test_a_button_press_arrives_as_the_choice_reply() -> None:
    update = callback_update(CHAT, "41:2", update_id=9, query_id="q-9")
    inbound = parse_update(update, received_at=NOW)
    assert inbound is not None
    assert (inbound.provider_id, inbound.address, inbound.body) == ("9", str(CHAT), "2")


def test_a_photo_without_caption_is_marked_for_the_team() -> None:
    update = text_update(CHAT, "")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    inbound = parse_update(update, received_at=NOW)
    assert inbound is not None and inbound.body == "[photo]"


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1},
        {"update_id": 2, "edited_message": text_update(CHAT, "x")["message"]},
        {"update_id": 3, "message": {"chat": "junk"}},
        {"message": text_update(CHAT, "no update id")["message"]},
    ],
)
def test_it_ignores_what_is_not_a_household_message(update) -> None:
    assert parse_update(update, received_at=NOW) is None


def test_it_ignores_group_chats() -> None:
    update = text_update(CHAT, "Bonjour")
    update["message"]["chat"] = {"id": -100, "type": "group", "title": "Quartier"}
    assert parse_update(update, received_at=NOW) is None
