"""Nothing a household writes goes unseen: a reply the bot cannot fully act on is an open inbox
item at once (web and API), and the events feed gives each event exactly once, in order."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import select

from bot.twilio_webhook import SIGNATURE_HEADER
from outreach.conversation import jobs
from outreach.models import InboxItem, TeamUser
from outreach.sequences import enrol
from tests.booking_support import add_worker
from tests.conftest import PUBLIC_URL
from tests.doubles.twilio_double import TwilioDouble, app_settings, inbound_params, signature
from tests.factories import fiction_phone, make_case, make_user
from tests.reliability.support import wait_for
from tests.web_support import https_client, make_member, sign_in

URL = "/webhooks/twilio/sms"

# Ordinary answers the bot cannot act on alone: each must reach a person at once.
AMBIGUOUS = (
    "aucun ne me va je travaille le matin",
    "oui mais pas mardi",
    "il n'habite plus ici, c'est sa sœur",
    "la dette est payée depuis octobre",
    "mon proprio refuse tout arrangement",
    "je suis à l'hôpital jusqu'à lundi",
    "on a déménagé à Lille",
    "je dois d'abord demander à mon propriétaire",
    "pas le matin je travaille",
    "plutot en fin de journée",
    "oui non je sais pas",
    "ma mère est décédée le mois dernier",
    "le tribunal c'est le 12",
    "jai deja vu l'assistante sociale",
    "ok mais rappelez moi apres 18h",
    "mon frère s'occupe de mes papiers",
    "c'est mon fils qui a le telephone",
    "on a un plan avec la caf",
    "je peux payer 50 euros par mois",
    "numero pas le bon",
    "wesh c'est qui, vous voulez quoi à ma mère",
    "Bonjour je suis en arrêt maladie",
    "le proprietaire veut vendre",
    "jsuis pas dispo cette semaine",
    "sorry I do not speak French, who are you and what do you want",
    "je vais voir avec mon mari",
    "ça dépend du jour",
    "je ne comprends pas le français",
    "oui merci mais je veux d'abord parler au téléphone",
    "vous pouvez venir samedi ?",
)


@pytest.fixture
def settings_overrides(double: TwilioDouble) -> dict[str, object]:
    return app_settings(double.base_url)


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _post(client: Any, sid: str, phone: str, body: str) -> None:
    params = inbound_params(sid, phone, body)
    sig = signature(PUBLIC_URL + URL, params)
    assert client.post(URL, data=params, headers={SIGNATURE_HEADER: sig}).status_code == 200


def _households(sessions, clock, count: int) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    made = []
    with sessions.begin() as session:
        for number in range(count):
            phone = fiction_phone(number)
            case = make_case(session, clock=clock, phones=(phone,), sector_code="arras")
            enrol(session, clock=clock, case=case)
            made.append((case.id, case.reference, "+33" + phone.replace(" ", "")[1:]))
    return made


def test_thirty_ambiguous_replies_are_open_inbox_items_within_a_second(
    client, web, sessions, clock
) -> None:
    *households, (warm_id, _, warm_phone) = _households(sessions, clock, len(AMBIGUOUS) + 1)
    with sessions.begin() as session:
        _, headers = make_user(session, clock=clock, sector_codes=("arras",))
    # One reply first, not timed: what a serving process did long before (its first statements
    # prepared, the lexicon read), which a test worker's app may not have done yet.
    _post(client, "SMwarm", warm_phone, AMBIGUOUS[0])
    wait_for(
        lambda: any(
            item["case_id"] == warm_id
            for item in client.get("/api/inbox", headers=headers).json()["items"]
        ),
        limit=30,
        what="the first reply in the inbox",
    )
    for number, ((case_id, _, phone), text) in enumerate(zip(households, AMBIGUOUS, strict=True)):
        posted = time.monotonic()
        _post(client, f"SM{number:032x}", phone, text)
        found = []
        while not found and time.monotonic() - posted < 1.0:
            items = client.get("/api/inbox", headers=headers).json()["items"]
            found = [item for item in items if item["case_id"] == case_id]
            # A team's tool polls now and then; a loop without a pause would take the processor's
            # turn at the interpreter (the app runs in this process).
            if not found:
                time.sleep(0.02)
        assert found, f"{text!r} is not in the inbox a second after the webhook"
        assert found[0]["text"] == text[:160]
        assert found[0]["kind"] in ("not_understood", "reply")
    with sessions() as session:
        handled = session.scalars(select(InboxItem).where(InboxItem.handled_at.is_not(None)))
        assert list(handled) == []  # nothing "handled by the bot"
    member = make_member(sessions, clock, role="coordinator")
    sign_in(web, member.email)
    page = web.get("/").text
    for _, reference, _ in households:
        assert reference in page


def test_the_api_inbox_filters_and_closes_items(client, sessions, clock) -> None:
    (case_id, _, phone), _lens = _households(sessions, clock, 2)
    with sessions.begin() as session:
        _, boss = make_user(session, clock=clock, role="coordinator")
        _, worker = make_user(session, clock=clock, sector_codes=("arras",))
    _post(client, "SM1", phone, "aucun ne me va")
    items = client.get("/api/inbox?sector=arras", headers=boss).json()["items"]
    assert [item["case_id"] for item in items] == [case_id]
    assert client.get("/api/inbox?sector=lens", headers=boss).json()["items"] == []
    assert client.get("/api/inbox?kind=task", headers=worker).json()["items"] == []
    assert client.get("/api/inbox?kind=nonsense", headers=worker).status_code == 422
    item_id = items[0]["id"]
    closed = client.post(f"/api/inbox/{item_id}/handled", headers=worker)
    assert closed.status_code == 200
    assert client.get("/api/inbox", headers=worker).json()["items"] == []
    assert client.post(f"/api/inbox/{item_id}/handled", headers=worker).status_code == 404


def _page(client: Any, headers: dict[str, str], cursor: str) -> tuple[list[dict], str]:  # type: ignore[type-arg]
    answer = client.get(f"/api/events?after={cursor}&limit=50", headers=headers).json()
    return answer["items"], answer["next"]


def _all(client: Any, headers: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    found: list[dict] = []  # type: ignore[type-arg]
    cursor = "0-0"
    while True:
        items, cursor = _page(client, headers, cursor)
        if not items:
            return found
        found += items


def test_the_events_feed_gives_each_event_once_in_order_while_replies_and_bookings_happen(
    client, services, sessions, clock
) -> None:
    """72 replies (yes to help, yes to the review, the first date) from 24 households, posted
    by 4 threads, while a consumer polls with its cursor: each event comes once, in order.

    About 210 events, 50 a page: the consumer and the final read both page through the feed."""
    with sessions.begin() as session:
        add_worker(session, clock=clock, sector="arras", name="Nadia")
        add_worker(session, clock=clock, sector="arras", name="Bruno")
    # Each reply is processed after its webhook by one thread, a few dozen queries in a row: on
    # PostgreSQL as many round trips, so the count of households sets the test's duration.
    households = _households(sessions, clock, 24)
    jobs.make_slots(sessions, clock=clock)
    with sessions.begin() as session:
        _, headers = make_user(session, clock=clock, role="coordinator")
    done = threading.Event()
    seen: list[dict] = []  # type: ignore[type-arg]

    expected_replies = 3 * len(households)

    def consume() -> None:
        cursor = "0-0"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            finished = done.is_set()
            items, cursor = _page(client, headers, cursor)
            seen.extend(items)
            replies = sum(event["kind"] == "reply.received" for event in seen)
            if finished and not items and replies >= expected_replies:
                return
            if not items:  # a consumer polls now and then, not in a loop that starves the app
                time.sleep(0.02)

    def produce(part: list[tuple[int, str, str]]) -> None:
        for case_id, _, phone in part:
            for step, body in enumerate(("OUI", "OUI", "1")):
                _post(client, f"SM{case_id:08d}{step}", phone, body)

    consumer = threading.Thread(target=consume)
    consumer.start()
    producers = [threading.Thread(target=produce, args=(households[i::4],)) for i in range(4)]
    for thread in producers:
        thread.start()
    for thread in producers:
        thread.join()
    done.set()
    consumer.join(timeout=60)
    ids = [event["id"] for event in seen]
    assert len(ids) == len(set(ids)), "an event came twice"
    assert [event["id"] for event in _all(client, headers)] == ids  # none missed, same order
    kinds = [event["kind"] for event in seen]
    assert kinds.count("reply.received") == expected_replies
    assert kinds.count("consent.given") == len(households)
    assert kinds.count("visit.booked") >= 2


@pytest.mark.postgres
def test_on_postgresql_an_event_waits_for_older_transactions_still_running(
    postgres_url, clock
) -> None:
    """Ids are taken in one order and committed in another: an event committed while an older
    transaction is still open is held back until that one ends, then both come in order."""
    from outreach.db import make_engine, make_session_factory
    from outreach.team import events

    engine = make_engine(postgres_url)
    sessions = make_session_factory(engine)
    try:
        with sessions.begin() as session:
            case_id = make_case(session, clock=clock).id
            make_user(session, clock=clock, role="coordinator")
            boss = session.scalars(select(TeamUser).where(TeamUser.role == "coordinator")).one()
            boss_id = boss.id
        older = sessions()
        events.record(older, kind="task.opened", case_id=case_id, at=clock.now(), task="call")
        older.flush()  # its transaction has an id now, and is still open
        with sessions.begin() as newer:
            events.record(newer, kind="reply.received", case_id=case_id, at=clock.now())
        with sessions() as reader:
            boss = reader.get_one(TeamUser, boss_id)
            assert events.feed(reader, user=boss) == []  # the newer one waits
        older.commit()
        older.close()
        # Any transaction still open on the server holds the feed back (other tests' too, on
        # other databases): it comes once they end.
        kinds: list[str] = []
        deadline = time.monotonic() + 30
        while not kinds and time.monotonic() < deadline:
            with sessions() as reader:
                boss = reader.get_one(TeamUser, boss_id)
                kinds = [event.kind for event in events.feed(reader, user=boss)]
            time.sleep(0.05)
        assert kinds == ["task.opened", "reply.received"]
    finally:
        engine.dispose()
