"""Letters as a sequence step: who gets one, what it carries, what the loader accepts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from outreach.letters import add_letter, batch_letters, has_mobile, print_batches
from outreach.letters.content import Sender, address_lines, letter_content
from outreach.links import hash_token
from outreach.models import Case, ChannelLinkToken, ContactPoint, InboxItem, Letter, OutboxItem
from outreach.privacy.retention import anonymise
from outreach.sending.identity import Identity
from outreach.sequences import SequenceError, enrol, load_file
from tests.engine_support import PARIS, RecordingChannel, dispatcher, run_until
from tests.factories import make_case

START = datetime(2026, 4, 29, 10, 0, tzinfo=PARIS)  # a Wednesday
BOT = "allervers_test_bot"
LANDLINE = "01 99 00 12 34"  # ARCEP's range for fiction, a fixed line


def _with_address(case: Case, street: str = "12 rue de l'Exemple") -> Case:
    case.address, case.postcode, case.commune = street, "62000", "Arras"
    return case


def _enrolled(sessions, clock, *, phones=(), address: bool = True) -> int:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        case = make_case(session, clock=clock, phones=phones, sector_code="arras")
        if address:
            _with_address(case)
        enrol(session, clock=clock, case=case)
        return case.id


def _run(sessions, clock, days: int = 1):  # type: ignore[no-untyped-def]
    engine = dispatcher(sessions, clock, {"sms": RecordingChannel("sms", clock)})
    engine.telegram_bot = BOT
    run_until(engine, clock, START + timedelta(days=days))


def _letters(sessions) -> list[Letter]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(session.scalars(select(Letter).order_by(Letter.id)))


def test_a_household_with_no_mobile_gets_a_letter_on_day_0_with_its_own_link(
    sessions, clock
) -> None:
    clock.set(START)
    silent = _enrolled(sessions, clock, phones=(LANDLINE,))
    texted = _enrolled(sessions, clock, phones=("06 39 98 00 01",))
    _run(sessions, clock)
    letters = _letters(sessions)
    assert [(letter.case_id, letter.kind, letter.template) for letter in letters] == [
        (silent, "letter", "letter")
    ]
    letter = letters[0]
    assert letter.batch_on.isoformat() == "2026-04-29" and letter.posted_at is None
    assert letter.link is not None and letter.link.startswith(f"https://t.me/{BOT}?start=")
    token = letter.link.split("start=", 1)[1]
    with sessions() as session:
        row = session.scalars(select(ChannelLinkToken)).one()
        assert (row.case_id, row.token_hash) == (silent, hash_token(token))
        assert row.expires_at - row.created_at == timedelta(days=60)
        # The household with a mobile never had a letter step in its outbox.
        kinds = session.scalars(select(OutboxItem.case_id).where(OutboxItem.status == "skipped"))
        assert texted not in set(kinds)


def test_a_household_without_a_postal_address_gets_no_letter_and_the_sequence_goes_on(
    sessions, clock
) -> None:
    clock.set(START)
    case_id = _enrolled(sessions, clock, phones=(), address=False)
    _run(sessions, clock, days=15)
    assert _letters(sessions) == []
    with sessions() as session:
        errors = session.scalars(select(OutboxItem.last_error).where(OutboxItem.case_id == case_id))
        assert "no postal address" in set(errors)
        tasks = session.scalars(select(InboxItem.note).where(InboxItem.case_id == case_id))
        assert list(tasks) == ["phone_call", "door_knock"]


def test_a_household_that_gets_a_mobile_before_the_letter_is_due_gets_no_letter(
    sessions, clock
) -> None:
    clock.set(START)
    case_id = _enrolled(sessions, clock, phones=())
    with sessions.begin() as session:  # the team adds a mobile number before the dispatcher runs
        case = session.get_one(Case, case_id)
        case.contact_points.append(
            ContactPoint(kind="phone", value="+33639980002", position=1, created_at=clock.now())
        )
    _run(sessions, clock)
    assert _letters(sessions) == []


def test_a_landline_is_no_mobile_and_a_telegram_chat_is_one(session, clock) -> None:
    case = make_case(session, clock=clock, phones=(LANDLINE,))
    assert not has_mobile(case)
    case.contact_points.append(
        ContactPoint(kind="telegram", value="700000001", sms_capable=False, created_at=clock.now())
    )
    session.flush()
    assert has_mobile(case)


def test_the_letter_is_not_offered_telegram_when_the_household_already_uses_it(
    session, clock
) -> None:
    case = _with_address(make_case(session, clock=clock, phones=()))
    case.contact_points.append(
        ContactPoint(kind="telegram", value="700000001", sms_capable=False, created_at=clock.now())
    )
    letter = add_letter(session, clock=clock, case=case, template="letter", telegram_bot=BOT)
    assert letter is not None and letter.link is None
    assert session.scalars(select(ChannelLinkToken)).all() == []


def test_the_address_follows_the_postal_norm(session, clock) -> None:
    case = make_case(session, clock=clock, first_name="Camille", last_name="Exemple")
    _with_address(
        case, "Résidence des Tilleuls, bâtiment B, escalier 3, appartement 12\n12 rue de l'Exemple"
    )
    lines = address_lines(case)
    assert lines[0] == "Camille EXEMPLE"
    assert lines[-1] == "62000 ARRAS"
    assert len(lines) <= 6 and all(len(line) <= 38 for line in lines)
    assert "12 rue de l'Exemple" in lines


def test_the_letter_says_who_we_are_and_never_the_debt(session, clock) -> None:
    case = _with_address(make_case(session, clock=clock, phones=()))
    case.debt_cents = 123_456
    letter = add_letter(session, clock=clock, case=case, template="letter", telegram_bot=BOT)
    assert letter is not None
    sender = Sender(Identity("Association Exemple", "01 99 00 12 34"), "+33639980099")
    content = letter_content(letter, case, sender)
    text = " ".join((content.title, *content.paragraphs, *content.reach, content.scan or ""))
    assert "Association Exemple" in text and "gratuit" in text and "confidenti" in text
    assert "01 99 00 12 34" in text and "06 39 98 00 99" in text
    for amount in ("1234", "1 234", "1\u202f234", "€"):
        assert amount not in text
    assert content.link == letter.link


def test_a_household_that_said_stop_leaves_the_print_batch(session, clock) -> None:
    kept = _with_address(make_case(session, clock=clock, phones=()))
    stopped = _with_address(make_case(session, clock=clock, phones=()))
    for case in (kept, stopped):
        add_letter(session, clock=clock, case=case, template="letter", telegram_bot=BOT)
    stopped.opted_out = True
    session.flush()
    day = clock.now().astimezone(PARIS).date()
    [batch] = print_batches(session, scope=None, since=day)
    assert (batch.day, batch.letters, batch.waiting) == (day, 1, 1)
    rows = batch_letters(session, scope=None, day=day, through=batch.through)
    assert [case.id for _, case in rows] == [kept.id]


def test_anonymising_a_case_forgets_the_link_printed_on_its_letters(session, clock) -> None:
    case = _with_address(make_case(session, clock=clock, phones=()))
    add_letter(session, clock=clock, case=case, template="letter", telegram_bot=BOT)
    anonymise(session, clock=clock, case=case, reason="retention")
    assert session.scalars(select(Letter.link)).all() == [None]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[[steps]]\nday = 0\nsend = "letter"\nchannels = ["sms"]', "names no channels"),
        ('[[steps]]\nday = 0\nsend = "letter"\nwhen = "rainy"', "unknown condition"),
    ],
)
def test_the_loader_refuses_a_letter_on_a_channel_or_an_unknown_condition(
    tmp_path, text: str, error: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SequenceError, match=error):
        load_file(path)


def test_a_letter_step_has_no_channels_and_keeps_its_condition_in_the_snapshot(tmp_path) -> None:
    path = tmp_path / "paper.toml"
    path.write_text('[[steps]]\nday = 0\nsend = "letter"\nwhen = "no_mobile"\n', encoding="utf-8")
    sequence = load_file(path)
    step = sequence.steps[0]
    assert (step.letter, step.channels, step.when) == (True, (), "no_mobile")
    assert sequence.snapshot()[0]["when"] == "no_mobile"
