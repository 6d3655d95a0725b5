"""Rate limits, replies before bulk, sequence files and their versions, message texts."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.sandbox import count_segments
from messages import gettext
from messages.sequence_texts import (
    LINK_TEXTS,
    OPT_IN_CONFIRMATION,
    OPT_OUT_CONFIRMATION,
    SEQUENCE_TEXTS,
)
from outreach.clock import PARIS
from outreach.engine.dispatcher import Dispatcher, dispatch_due
from outreach.models import ChannelLinkToken, ContactPoint, Message
from outreach.models.outbox import Enrolment, OutboxItem
from outreach.sending.channel import SendReceipt
from outreach.sending.config import SEQUENCES_DIR
from outreach.sending.identity import Identity
from outreach.sending.outbox import enqueue_send
from outreach.sequences import SequenceError, enrol, enrol_on_import, load_file, load_sequence
from tests.engine_support import RecordingChannel, dispatcher, engine_config, run_until
from tests.factories import fiction_phone, make_case

START = datetime(2026, 4, 29, 10, 0, tzinfo=PARIS)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class TwoSegments(RecordingChannel):
    def send(self, outgoing):  # type: ignore[no-untyped-def]
        receipt = super().send(outgoing)
        return SendReceipt(receipt.provider_id, receipt.status, segments=2, encoding="GSM-7")


def _households(sessions, clock, count: int) -> list[int]:
    with sessions.begin() as session:
        cases = [make_case(session, clock=clock, phones=(fiction_phone(n),)) for n in range(count)]
        for case in cases:
            enrol(session, clock=clock, case=case)
        return [case.id for case in cases]


def _limited(
    sessions, clock, channel, rates: str, fake: FakeTime, *, sleep=None, segments=None
) -> Dispatcher:
    return Dispatcher(
        sessions=sessions,
        clock=clock,
        channels={"sms": channel},
        config=engine_config(ALLERVERS_RATE_LIMITS=rates),
        monotonic=fake,
        sleep=sleep,
        count_segments=segments,
    )


def test_a_rate_limit_leaves_the_rest_for_the_next_tick(sessions, clock) -> None:
    clock.set(START)
    _households(sessions, clock, 5)
    fake, sms = FakeTime(), RecordingChannel("sms", clock)
    engine = _limited(sessions, clock, sms, "sms=2/s", fake)
    assert dispatch_due(engine)["sent"] == 2
    assert dispatch_due(engine)["sent"] == 0
    fake.now += 1
    assert dispatch_due(engine)["sent"] == 2
    fake.now += 0.5
    assert dispatch_due(engine)["sent"] == 1


def test_a_rate_limit_can_count_sms_segments(sessions, clock) -> None:
    clock.set(START)
    _households(sessions, clock, 5)
    fake, sms = FakeTime(), TwoSegments("sms", clock)
    counter = lambda body: count_segments(body)[0]  # noqa: E731
    assert counter(gettext(SEQUENCE_TEXTS["intro"])) == 2
    engine = _limited(sessions, clock, sms, "sms=4seg/s", fake, segments=counter)
    assert dispatch_due(engine)["sent"] == 2  # 2 messages x 2 segments
    fake.now += 1
    assert dispatch_due(engine)["sent"] == 2


def test_without_a_segment_counter_the_receipt_count_is_charged_after(sessions, clock) -> None:
    clock.set(START)
    _households(sessions, clock, 8)
    fake, sms = FakeTime(), TwoSegments("sms", clock)
    engine = _limited(sessions, clock, sms, "sms=4seg/s", fake)
    assert dispatch_due(engine)["sent"] == 4  # charged one each, then 2 each: a debt of 4
    fake.now += 1
    assert dispatch_due(engine)["sent"] == 0  # the debt is paid first
    fake.now += 1
    assert dispatch_due(engine)["sent"] == 4


def test_a_pass_can_wait_for_the_rate_limit_instead(sessions, clock) -> None:
    clock.set(START)
    _households(sessions, clock, 7)
    fake, sms = FakeTime(), RecordingChannel("sms", clock)
    engine = _limited(sessions, clock, sms, "sms=2/s", fake, sleep=fake.sleep)
    assert dispatch_due(engine)["sent"] == 7
    assert fake.now - 1000.0 == pytest.approx(2.5)


def test_a_rate_limited_pass_does_not_prepare_rows_it_cannot_send(sessions, clock) -> None:
    # Each row prepared and put back costs a write transaction (SQLite's one write lock).
    clock.set(START)
    _households(sessions, clock, 40)
    fake, sms = FakeTime(), RecordingChannel("sms", clock)
    engine = _limited(sessions, clock, sms, "sms=5/s", fake, sleep=fake.sleep)
    report = dispatch_due(engine)
    assert report["sent"] == 40
    assert report["limited"] <= 8, report
    assert fake.now - 1000.0 == pytest.approx(7.0)


def test_a_stopping_process_ends_its_pass_after_the_current_batch(sessions, clock) -> None:
    clock.set(START)
    _households(sessions, clock, 7)
    fake, sms = FakeTime(), RecordingChannel("sms", clock)
    engine = _limited(sessions, clock, sms, "sms=2/s", fake)

    def stop_while_waiting(seconds: float) -> None:
        engine.stopping.set()  # the server was asked to stop during the wait

    engine.sleep = stop_while_waiting
    assert dispatch_due(engine)["sent"] == 2
    assert len(sms.sent) == 2


def test_replies_go_before_bulk_sequence_messages(sessions, clock) -> None:
    clock.set(START)
    [first, *_] = _households(sessions, clock, 4)
    clock.advance(minutes=1)
    with sessions.begin() as session:
        session.add(  # the household wrote: the bot answers in the conversation
            Message(
                direction="in",
                channel="sms",
                case_id=first,
                address="+33639980000",
                body="Bonjour ?",
                status="received",
                provider_id="SM-in",
                created_at=clock.now(),
            )
        )
        reply = Message(
            direction="out",
            channel="sms",
            case_id=first,
            address="+33639980000",
            body="Merci, nous vous rappelons.",
            status="pending",
            created_at=clock.now(),
        )
        session.add(reply)
        session.flush()
        enqueue_send(session, now=clock.now(), message=reply, due_at=clock.now())
    fake, sms = FakeTime(), RecordingChannel("sms", clock)
    engine = _limited(sessions, clock, sms, "sms=1/s", fake)
    assert dispatch_due(engine)["sent"] == 1
    assert sms.sent[0][1].body == "Merci, nous vous rappelons."
    assert sms.sent[0][1].in_session


def test_the_sandbox_stands_in_for_sms_in_development(sessions, clock) -> None:
    clock.set(START)
    _households(sessions, clock, 1)
    sandbox = RecordingChannel("sandbox", clock)
    run_until(dispatcher(sessions, clock, {"sandbox": sandbox}), clock, START + timedelta(days=20))
    assert len(sandbox.sent) == 3


def test_the_reminder_carries_a_telegram_link_the_introduction_names_who_writes(
    sessions, clock
) -> None:
    clock.set(START)
    [case_id] = _households(sessions, clock, 1)
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(
        sessions, clock, {"sms": sms, "telegram": RecordingChannel("telegram", clock)}
    )
    engine.telegram_bot = "AllerVersBot"
    run_until(engine, clock, START + timedelta(days=3))
    intro, reminder = (outgoing.body for _, outgoing in sms.sent[:2])
    assert "(Association Exemple)" in intro and "01 99 00 12 34" in intro and "t.me" not in intro
    assert "https://t.me/AllerVersBot?start=" in reminder
    with sessions() as session:
        assert session.scalars(select(ChannelLinkToken.case_id)).all() == [case_id]


def test_no_telegram_link_for_a_household_already_on_telegram(sessions, clock) -> None:
    clock.set(START)
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        case.contact_points.append(
            ContactPoint(
                kind="telegram", value="77", sms_capable=False, position=1, created_at=clock.now()
            )
        )
        session.flush()
        enrol(session, clock=clock, case=case)
    sms = RecordingChannel("sms", clock)
    engine = dispatcher(
        sessions, clock, {"sms": sms, "telegram": RecordingChannel("telegram", clock)}
    )
    engine.telegram_bot = "AllerVersBot"
    dispatch_due(engine)
    assert "t.me" not in sms.sent[0][1].body


SEQUENCE_V1 = """
name = "trial"
[[steps]]
day = 0
send = "intro"
channels = ["sms"]
[[steps]]
day = 2
send = "reminder"
channels = ["sms"]
"""
SEQUENCE_V2 = """
name = "trial"
[[steps]]
day = 0
send = "intro"
channels = ["sms"]
[[steps]]
day = 1
task = "phone_call"
[[steps]]
day = 3
send = "last_message"
channels = ["sms"]
"""


def test_cases_already_running_keep_the_version_they_started_with(
    sessions, clock, tmp_path
) -> None:
    clock.set(START)
    config = engine_config(ALLERVERS_SEQUENCES_DIR=str(tmp_path))
    path = tmp_path / "trial.toml"
    path.write_text(SEQUENCE_V1, encoding="utf-8")
    with sessions.begin() as session:
        old = make_case(session, clock=clock, phones=(fiction_phone(1),))
        enrol(session, clock=clock, case=old, sequence="trial", config=config)
    path.write_text(SEQUENCE_V2, encoding="utf-8")  # the coordinator edits the file
    with sessions.begin() as session:
        new = make_case(session, clock=clock, phones=(fiction_phone(2),))
        enrol(session, clock=clock, case=new, sequence="trial", config=config)
    sms = RecordingChannel("sms", clock)
    run_until(dispatcher(sessions, clock, {"sms": sms}, config), clock, START + timedelta(days=10))
    by_address: dict[str, list[str]] = {}
    for _, outgoing in sms.sent:
        by_address.setdefault(outgoing.address, []).append(outgoing.template or "")
    assert by_address == {
        "+33639980001": ["intro", "reminder"],
        "+33639980002": ["intro", "last_message"],
    }
    with sessions() as session:
        versions = session.scalars(select(Enrolment.version).order_by(Enrolment.id)).all()
        assert versions[0] != versions[1]
        assert session.scalars(select(Enrolment.status)).all() == ["finished", "finished"]


def test_the_default_sequence_is_the_documented_one() -> None:
    sequence = load_sequence("first_contact", SEQUENCES_DIR)
    assert [(step.day, step.send or step.task) for step in sequence.steps] == [
        (0, "intro"),
        (0, "letter"),
        (2, "reminder"),
        (4, "whatsapp_hello"),
        (7, "phone_call"),
        (10, "last_message"),
        (14, "door_knock"),
    ]
    assert sequence.steps[3].channels == ("whatsapp",)
    assert (sequence.steps[1].letter, sequence.steps[1].when) == (True, "no_mobile")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[[steps]]\nday = 0\nsend = "nope"', "unknown template"),
        ("[[steps]]\nday = 0", "either send"),
        ('[[steps]]\nday = 0\ntask = "phone_call"\nsend = "intro"', "either send"),
        ('[[steps]]\nday = 0\ntask = "bake"', "unknown task"),
        ('[[steps]]\nday = 0\nsend = "intro"\nchannels = ["fax"]', "unknown channel"),
        ('[[steps]]\nday = 0\nsend = "intro"\ndelay = 3', "unknown key"),
        ('[[steps]]\nday = 3\nsend = "intro"\n[[steps]]\nday = 1\nsend = "intro"', "step 2: comes"),
        ("name = 'x'", "at least one"),
        ("[[steps]\n", "bad.toml"),
    ],
)
def test_a_broken_sequence_file_is_refused_with_the_reason(tmp_path: Path, text, error) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SequenceError, match=error):
        load_file(path)


def test_import_enrolment_can_be_switched_off(sessions, clock) -> None:
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        off = engine_config(ALLERVERS_IMPORT_SEQUENCE="")
        assert enrol_on_import(session, clock=clock, case=case, config=off) is None
        assert enrol_on_import(session, clock=clock, case=case) is not None
        assert session.scalars(select(OutboxItem.kind)).all() == ["step"]


FORBIDDEN_IN_SMS = set("çêâîôûëïœ’«»\u00a0")


@pytest.mark.parametrize(
    "msgid",
    [*SEQUENCE_TEXTS.values(), *LINK_TEXTS.values(), OPT_OUT_CONFIRMATION, OPT_IN_CONFIRMATION],
)
def test_french_texts_stay_in_gsm7_and_short(msgid: str) -> None:
    values = Identity(organisation="Association Solidarite Logement Artois62").values()
    text = gettext(msgid, "fr", link="https://t.me/AllerVersBot?start=" + "x" * 32, **values)
    assert text != msgid  # translated
    assert not FORBIDDEN_IN_SMS & set(text)
    segments, encoding = count_segments(text)
    assert (encoding, segments <= 2) == ("GSM-7", True)
    assert "équipe mobile de prévention des expulsions" in text


@pytest.mark.parametrize("msgid", [*SEQUENCE_TEXTS.values(), *LINK_TEXTS.values()])
def test_sequence_texts_offer_stop_and_say_free_and_confidential(msgid: str) -> None:
    text = gettext(msgid, "fr", link="L", **Identity().values())
    assert "STOP" in text and "gratuit" in text and "confidenti" in text
    assert "€" not in text and "dette" not in text.lower()
