"""The Twilio (SMS, status, voice) and Telegram webhooks fuzzed with authentic (signed) bodies.

Providers call the webhooks, so they are outside the API's schema (issue #22): whatever a
correctly signed request carries (any Unicode, empty, very long, missing or repeated fields), the
answer is never a 500: Twilio gets TwiML (or a 413 for a body that is too large), Telegram gets
200. A Twilio request without MessageSid or From stores nothing; one with them stores exactly one
inbound message per MessageSid, however many times the provider retries it; the same holds for a
call (CallSid) and a Telegram update (update_id). Runs on SQLite and PostgreSQL; Hypothesis is
derandomized and kept small (tests/fuzz/deep.py is the deep pass for the API).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from api.webhooks.telegram import SECRET_HEADER
from api.webhooks.twilio import MAX_BODY_BYTES
from bot import twilio_voice
from bot.twilio_client import MESSAGE_ID_PARAM
from bot.twilio_webhook import SIGNATURE_HEADER, FormParams
from outreach.models import Message
from tests.conftest import PUBLIC_URL
from tests.doubles.telegram_double import TOKEN, TelegramDouble
from tests.doubles.twilio_double import ACCOUNT_SID, AUTH_TOKEN, TwilioDouble, signature
from tests.factories import fiction_phone, make_case

TWILIO_URL = "/webhooks/twilio/sms"
STATUS_URL = "/webhooks/twilio/status"
TELEGRAM_URL = "/webhooks/telegram"
TELEGRAM_SECRET = "webhook-secret-0123456789abcdef"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

FUZZ = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Each example posts twice (the provider's retry): fewer of them.
RETRIED = settings(FUZZ, max_examples=40)


@pytest.fixture
def twilio() -> Iterator[TwilioDouble]:
    double = TwilioDouble().start()
    yield double
    double.stop()


@pytest.fixture
def telegram() -> Iterator[TelegramDouble]:
    double = TelegramDouble().start()
    yield double
    double.stop()


@pytest.fixture
def settings_overrides(twilio: TwilioDouble, telegram: TelegramDouble) -> dict[str, object]:
    return {
        "ALLERVERS_CHANNELS": "sms,whatsapp,telegram,voice",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": "+33639989999",
        "TWILIO_WHATSAPP_FROM": "+33639989999",
        "TWILIO_API_BASE_URL": twilio.base_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
    }


@pytest.fixture(autouse=True)
def _cases(sessions: Any, clock: Any, services: Any) -> Iterator[None]:
    with sessions.begin() as session:
        make_case(session, clock=clock, phones=(fiction_phone(1),))
        make_case(session, clock=clock, phones=(fiction_phone(2),))
    yield
    services.channels["telegram"].close()


# --- Twilio -----------------------------------------------------------------------------------

texts = st.text(max_size=40)
phones = st.sampled_from(
    [fiction_phone(1), fiction_phone(2), f"whatsapp:{fiction_phone(1)}", "", "not a phone"]
)
known_keys = st.sampled_from(
    ["MessageSid", "SmsMessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "NumSegments"]
)
values = st.one_of(
    texts,
    phones,
    st.integers().map(str),
    st.sampled_from(["STOP", "Oui", "NON", "1", "ARRET", "\x00", "é" * 300]),
    st.text(min_size=500, max_size=1500),
)
forms = st.dictionaries(st.one_of(known_keys, texts), values, max_size=12)


def _post_twilio(client: Any, path: str, params: dict[str, str]) -> Any:
    sig = signature(PUBLIC_URL + path, params)
    return client.post(path, data=params, headers={SIGNATURE_HEADER: sig})


def _messages_with(sessions: Any, provider_id: str) -> int:
    """Rows stored for this MessageSid, as stored: NUL removed, an overlong one hashed."""
    from outreach.sanitize import fit_id

    provider_id = fit_id(provider_id)
    with sessions() as session:
        query = select(func.count()).select_from(Message).where(Message.direction == "in")
        return int(session.scalar(query.where(Message.provider_id == provider_id)) or 0)


def _inbound_count(sessions: Any) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(Message).where(Message.direction == "in")
        return int(session.scalar(query) or 0)


def test_twilio_inbound_answers_any_signed_form_without_crashing(
    client: Any, sessions: Any
) -> None:
    @FUZZ
    @given(params=forms, huge=st.booleans())
    def run(params: dict[str, str], huge: bool) -> None:
        if huge:
            params = {**params, "Body": "x" * (MAX_BODY_BYTES + 1)}
        before = _inbound_count(sessions)
        response = _post_twilio(client, TWILIO_URL, params)
        if len(urlencode(params)) > MAX_BODY_BYTES:
            assert response.status_code == 413
        else:
            assert response.status_code == 200, response.text
            assert response.text == TWIML
        sid = params.get("MessageSid") or params.get("SmsMessageSid") or params.get("SmsSid")
        if response.status_code != 200 or not sid or not params.get("From"):
            assert _inbound_count(sessions) == before
        else:
            assert _messages_with(sessions, sid) == 1

    run()


def _post_pairs(client: Any, path: str, pairs: list[tuple[str, str]]) -> Any:
    """A form with repeated names, signed as Twilio does (RequestValidator reads `getall`)."""
    sig = signature(PUBLIC_URL + path, FormParams(pairs))
    return client.post(
        path,
        content=urlencode(pairs).encode(),
        headers={SIGNATURE_HEADER: sig, "content-type": "application/x-www-form-urlencoded"},
    )


def _stored_with(sessions: Any, provider_id: str, channel: str) -> int:
    from outreach.sanitize import fit_id

    with sessions() as session:
        query = select(func.count()).select_from(Message).where(Message.direction == "in")
        query = query.where(Message.provider_id == fit_id(provider_id))
        return int(session.scalar(query.where(Message.channel == channel)) or 0)


pairs = st.lists(st.tuples(st.one_of(known_keys, texts), values), max_size=12)


def test_twilio_inbound_with_repeated_fields_is_stored_once_however_often_it_is_retried(
    client: Any, sessions: Any
) -> None:
    @RETRIED
    @given(pairs=pairs, sid=st.one_of(st.just(""), texts))
    def run(pairs: list[tuple[str, str]], sid: str) -> None:
        if sid:  # the same MessageSid given twice, as a repeated field
            pairs = [("MessageSid", sid), *pairs, ("MessageSid", sid), ("From", fiction_phone(1))]
        params = dict(pairs)  # a repeated name: the last value counts
        before = _inbound_count(sessions)
        for _attempt in range(2):
            response = _post_pairs(client, TWILIO_URL, pairs)
            assert response.status_code == 200, response.text
            assert response.text == TWIML
        key = params.get("MessageSid") or params.get("SmsMessageSid") or params.get("SmsSid")
        if not key or not params.get("From"):
            assert _inbound_count(sessions) == before
        else:
            assert _messages_with(sessions, key) == 1

    run()


call_keys = st.sampled_from(
    ["CallSid", "From", "Caller", "To", "CallStatus", "Direction", "Digits", "RecordingSid"]
)
call_values = st.one_of(values, st.sampled_from([fiction_phone(1), "anonymous", "+", "+33"]))


def test_the_voice_webhook_answers_any_signed_call_and_stores_it_once(
    client: Any, sessions: Any
) -> None:
    @RETRIED
    @given(
        pairs=st.lists(st.tuples(st.one_of(call_keys, texts), call_values), max_size=10),
        sid=st.one_of(st.just(""), texts.filter(str.strip)),
    )
    def run(pairs: list[tuple[str, str]], sid: str) -> None:
        if sid:
            pairs = [*pairs, ("CallSid", sid)]
        call_id = dict(pairs).get("CallSid", "")
        for _attempt in range(2):
            response = _post_pairs(client, twilio_voice.VOICE_PATH, pairs)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("text/xml")
        if call_id:
            assert _stored_with(sessions, call_id, "voice") == 1
        # The voicemail's callback gets no TwiML (204); the end of the call gets a goodbye.
        assert _post_pairs(client, twilio_voice.RECORDING_PATH, pairs).status_code == 204
        assert _post_pairs(client, twilio_voice.RECORDED_PATH, pairs).status_code == 200

    run()


def test_twilio_status_answers_any_signed_form_without_crashing(client: Any) -> None:
    status_forms = st.dictionaries(
        st.one_of(st.sampled_from(["MessageStatus", "SmsStatus", "ErrorCode"]), known_keys),
        st.one_of(values, st.sampled_from(["failed", "undelivered", "delivered", "sent"])),
        max_size=8,
    )

    @FUZZ
    @given(
        params=status_forms,
        query=st.one_of(st.just(""), st.integers().map(str), st.just("²"), texts),
    )
    def run(params: dict[str, str], query: str) -> None:
        path = STATUS_URL + (f"?{MESSAGE_ID_PARAM}={quote(query, safe='')}" if query else "")
        response = _post_twilio(client, path, params)
        assert response.status_code == 200, response.text
        assert response.text == TWIML

    run()


# --- Telegram ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)
ids = st.one_of(st.integers(), st.integers(min_value=700000001, max_value=700000003), texts)
chats = st.fixed_dictionaries(
    {"id": ids, "type": st.sampled_from(["private", "group", "", 3])},
    optional={"first_name": json_values},
)
users = st.fixed_dictionaries(
    {"id": ids, "is_bot": st.one_of(st.booleans(), json_values), "first_name": texts}
)
messages = st.fixed_dictionaries(
    {"message_id": ids, "date": st.one_of(st.integers(), json_values), "chat": chats},
    optional={
        "from": users,
        "text": st.one_of(texts, st.just("/start abc"), st.just("/start"), json_values),
        "caption": json_values,
        "photo": json_values,
        "document": json_values,
    },
)
callbacks = st.fixed_dictionaries(
    {"id": texts, "from": users, "chat_instance": texts},
    optional={"data": st.one_of(texts, json_values), "message": messages},
)
updates = st.fixed_dictionaries(
    {"update_id": st.one_of(st.integers(), json_values)},
    optional={"message": st.one_of(messages, json_values), "callback_query": callbacks},
)


def test_telegram_answers_any_json_without_crashing(client: Any) -> None:
    @FUZZ
    @given(update=st.one_of(json_values, updates))
    def run(update: Any) -> None:
        response = client.post(TELEGRAM_URL, json=update, headers={SECRET_HEADER: TELEGRAM_SECRET})
        assert response.status_code == 200, response.text
        assert response.json()["ok"] is True

    run()


def test_a_telegram_message_with_any_text_is_stored_once_however_often_it_is_sent(
    client: Any, sessions: Any
) -> None:
    counter = iter(range(1, 10_000))

    @RETRIED
    @given(text=st.text(max_size=300), chat=st.integers(min_value=1, max_value=2**52))
    def run(text: str, chat: int) -> None:
        update_id = next(counter)
        update = {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1773219600,
                "chat": {"id": chat, "type": "private", "first_name": "Camille"},
                "from": {"id": chat, "is_bot": False, "first_name": "Camille"},
                "text": text,
            },
        }
        for _attempt in range(2):
            response = client.post(
                TELEGRAM_URL, json=update, headers={SECRET_HEADER: TELEGRAM_SECRET}
            )
            assert response.status_code == 200, response.text
        assert _stored_with(sessions, str(update_id), "telegram") == 1

    run()


# --- regressions found by the fuzzing ---------------------------------------------------------


@pytest.mark.parametrize("message_id", ["9223372036854775808", "9" * 40, "²"])
def test_a_status_callback_with_an_impossible_message_id_is_acknowledged(
    client: Any, message_id: str
) -> None:
    # Was a 500: int too large for SQLite, and int("²") (a unicode digit) raised ValueError.
    path = f"{STATUS_URL}?{MESSAGE_ID_PARAM}={quote(message_id)}"
    response = _post_twilio(client, path, {"MessageSid": "SM1", "MessageStatus": "delivered"})
    assert response.status_code == 200
    assert response.text == TWIML


@pytest.mark.parametrize(
    "update",
    [
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 7, "type": "private"},
                "text": ["/start", "x"],
            },
        },
        {
            "update_id": 2,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": {"a": 1}, "type": "private"},
                "text": "Oui",
            },
        },
        {
            "update_id": 3,
            "callback_query": {
                "id": "q",
                "from": {"id": 7, "is_bot": False, "first_name": "A"},
                "chat_instance": "i",
                "data": ["1:oui"],
            },
        },
    ],
)
def test_a_telegram_update_with_wrongly_typed_fields_is_not_taken_as_text(
    client: Any, sessions: Any, update: dict[str, Any]
) -> None:
    # Was a 500: python-telegram-bot does not check field types ("text": [...] → .strip()).
    # A private chat's message without usable text is kept as a non-text message; a chat id or
    # button data of the wrong type makes the update unusable: nothing is stored.
    response = client.post(TELEGRAM_URL, json=update, headers={SECRET_HEADER: TELEGRAM_SECRET})
    assert response.status_code == 200
    assert response.json()["ok"] is True
    with sessions() as session:
        bodies = list(session.scalars(select(Message.body).where(Message.direction == "in")))
    assert bodies == (["[message]"] if update["update_id"] == 1 else [])
