"""The inbox is the team's worklist: replies apart from tasks, grouped by household; a call or a
door knock closed with its outcome in one tap; "Traité" undone for a few seconds; answering a
household closes its replies; the case timeline in plain French."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach.engine.tick import ReplyPath
from outreach.models import CaseEvent, ContactPoint, Enrolment, InboxItem
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Inbound
from outreach.sequences import enrol
from outreach.team.tasks import create_task
from tests.factories import fiction_phone, make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _reply(sessions, clock, phone: str, body: str, sid: str) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        inbound = Inbound(
            channel="sandbox", provider_id=sid, address=phone, body=body, received_at=clock.now()
        )
        message, _ = store_inbound(session, clock=clock, inbound=inbound)
        process_inbound(session, clock=clock, message=message, reply_path=ReplyPath())


def _e164(number: int) -> str:
    return "+33" + fiction_phone(number).replace(" ", "")[1:]


def _items(page: str) -> list[str]:
    return re.findall(r'<li class="inbox-item[^"]*" data-id="([^"]+)"', page)


def _tab(page: str, name: str) -> str:
    found = re.search(rf'id="tab-{name}"[^>]*>([^<]+)<', page)
    assert found, f"no tab {name}"
    return found.group(1)


def test_replies_and_tasks_are_two_tabs_with_their_counts(web, sessions, clock) -> None:
    """The tried case: 3 replies among 28 automatic tasks. The replies are the first tab."""
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        for number in range(3):
            make_case(session, clock=clock, phones=(fiction_phone(number),))
        for number in range(28):
            case_id = make_case(session, clock=clock, phones=(fiction_phone(100 + number),)).id
            create_task(session, clock=clock, case_id=case_id, task="phone_call")
    for number in range(3):
        _reply(sessions, clock, _e164(number), f"Réponse numéro {number}", f"sid-{number}")
    sign_in(web, coordinator.email)
    page = web.get("/").text
    assert _tab(page, "replies") == "Réponses (3)"
    assert _tab(page, "tasks") == "Tâches (28)"
    assert len(_items(page)) == 3
    assert "Réponse numéro 2" in page and "Appeler le foyer" not in page
    assert "3 réponses à lire" in page
    tasks = web.get("/?tab=tasks").text
    assert len(_items(tasks)) == 28 and "Réponse numéro" not in tasks


def test_replies_are_grouped_by_household_and_handled_together_then_undone(
    web, sessions, clock
) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        make_case(session, clock=clock, phones=(fiction_phone(1),), sector_code="arras")
    _reply(sessions, clock, _e164(1), "Bonjour, j'ai reçu votre message", "sid-1")
    clock.advance(minutes=2)
    _reply(sessions, clock, _e164(1), "Je travaille jusqu'à 17 h", "sid-2")
    sign_in(web, worker.email)
    page = html.unescape(web.get("/").text)
    (group,) = _items(page)
    assert "Je travaille jusqu'à 17 h" in page and "j'ai reçu votre message" in page
    done = web.post(
        "/inbox/handled", data={"csrf": csrf_of(page), "ids": group, "next": "/?tab=replies"}
    )
    assert done.status_code == 200  # followed to the inbox, with the undo offer
    assert _items(done.text) == []
    assert "Marqué comme traité" in done.text
    undone = web.post("/inbox/reopen", data={"csrf": csrf_of(done.text), "ids": group, "next": "/"})
    assert _items(undone.text) == [group]
    web.post("/inbox/handled", data={"csrf": csrf_of(undone.text), "ids": group, "next": "/"})
    clock.advance(timedelta(seconds=31))
    late = web.post("/inbox/reopen", data={"csrf": csrf_of(undone.text), "ids": group})
    assert late.status_code == 409
    assert "Trop tard pour annuler" in late.text


def test_a_door_knock_shows_the_address_and_a_map_a_call_the_phone(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case = make_case(session, clock=clock, phones=(fiction_phone(5),), sector_code="arras")
        case.address, case.postcode, case.commune = "12 rue des Tilleuls", "62000", "Arras"
        create_task(session, clock=clock, case_id=case.id, task="door_knock")
        create_task(session, clock=clock, case_id=case.id, task="phone_call")
    sign_in(web, worker.email)
    page = web.get("/?tab=tasks").text
    assert "12 rue des Tilleuls, 62000 Arras" in page
    assert "https://www.openstreetmap.org/search?query=12+rue+des+Tilleuls%2C+62000+Arras" in page
    assert '<a href="tel:+33639980005">06 39 98 00 05</a>' in page
    assert page.count("Résultat ?") == 2


def _task_page(web, sessions, clock, task: str):  # type: ignore[no-untyped-def]
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case = make_case(session, clock=clock, phones=(fiction_phone(7),), sector_code="arras")
        enrol(session, clock=clock, case=case)
        item = create_task(session, clock=clock, case_id=case.id, task=task)
        ids = case.id, item.id
    sign_in(web, worker.email)
    return ids, web.get("/?tab=tasks").text


def _outcome(web, page: str, item_id: int, result: str):  # type: ignore[no-untyped-def]
    return web.post(
        f"/inbox/{item_id}/outcome",
        data={"csrf": csrf_of(page), "result": result, "next": "/?tab=tasks"},
    )


def test_a_door_knock_marked_moved_records_it_and_opens_a_task(web, sessions, clock) -> None:
    (case_id, item_id), page = _task_page(web, sessions, clock, "door_knock")
    answer = _outcome(web, page, item_id, "moved")
    assert answer.status_code == 200
    assert "Marqué comme traité : A déménagé." in answer.text
    assert "Le foyer a déménagé : décider de la suite" in answer.text
    with sessions() as session:
        item = session.get_one(InboxItem, item_id)
        assert (item.outcome, item.handled_at is not None) == ("moved", True)
        event = session.scalars(select(CaseEvent).where(CaseEvent.kind == "task.closed")).one()
        assert event.detail["outcome"] == "moved" and event.case_id == case_id


def test_a_wrong_number_is_no_longer_written_to(web, sessions, clock) -> None:
    (case_id, item_id), page = _task_page(web, sessions, clock, "phone_call")
    _outcome(web, page, item_id, "wrong_number")
    with sessions() as session:
        points = session.scalars(select(ContactPoint).where(ContactPoint.case_id == case_id))
        assert {point.state for point in points} == {"wrong_number"}


def test_a_reached_household_leaves_its_sequence(web, sessions, clock) -> None:
    (case_id, item_id), page = _task_page(web, sessions, clock, "phone_call")
    _outcome(web, page, item_id, "reached")
    with sessions() as session:
        enrolment = session.scalars(select(Enrolment).where(Enrolment.case_id == case_id)).one()
        assert (enrolment.status, enrolment.stop_reason) == ("stopped", "reached")
    assert _outcome(web, page, item_id, "nonsense").status_code in (404, 422)


def test_answering_a_household_from_its_case_closes_its_replies(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(
            session, clock=clock, phones=(fiction_phone(3),), sector_code="arras"
        ).id
    _reply(sessions, clock, _e164(3), "aucun ne me va je travaille le matin", "sid-3")
    sign_in(web, worker.email)
    assert len(_items(web.get("/").text)) == 1
    case_page = web.get(f"/cases/{case_id}").text
    web.post(
        f"/cases/{case_id}/messages",
        data={"csrf": csrf_of(case_page), "body": "Bonjour, je vous appelle demain à 18 h."},
    )
    assert _items(web.get("/").text) == []


def test_the_filters_narrow_the_tab(web, sessions, clock) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        make_case(session, clock=clock, phones=(fiction_phone(1),), sector_code="arras")
        make_case(session, clock=clock, phones=(fiction_phone(2),), sector_code="lens")
    _reply(sessions, clock, _e164(1), "Réponse d'Arras", "sid-a")
    _reply(sessions, clock, _e164(2), "Réponse de Lens", "sid-l")
    sign_in(web, coordinator.email)
    page = web.get("/?tab=replies&sector=lens").text
    assert "Réponse de Lens" in page and "Réponse d'Arras" not in page
    assert "Réponses (1)" in page
    assert web.get("/?tab=replies&kind=task").status_code == 200  # a kind of the other tab: ignored


def test_the_timeline_says_what_happened_in_plain_french(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case = make_case(session, clock=clock, phones=(fiction_phone(4),), sector_code="arras")
        enrol(session, clock=clock, case=case)
        case_id = case.id
    _reply(sessions, clock, _e164(4), "STOP", "sid-4")
    sign_in(web, worker.email)
    page = web.get(f"/cases/{case_id}").text
    timeline = page[page.index('<ol class="timeline">') :]
    timeline = timeline[: timeline.index("</ol>")]
    main_lines = re.sub(r"<[^>]+>", " ", re.sub(r"<details.*?</details>", "", timeline, flags=re.S))
    for jargon in ("→", "sandbox", "GSM-7", "first_contact", "opt_out", "finished", "reply"):
        assert jargon not in main_lines, jargon
    assert "<summary>Détails</summary>" in timeline
    assert "Messages automatiques arrêtés : le foyer ne veut plus de messages" in timeline


def test_outcomes_count_in_the_indicators(web, sessions, clock) -> None:
    from outreach.models import TeamUser
    from outreach.reports.indicators import IndicatorFilters
    from outreach.reports.tables import tables

    (_, item_id), page = _task_page(web, sessions, clock, "door_knock")
    _outcome(web, page, item_id, "moved")
    with sessions() as session:
        boss = session.scalars(select(TeamUser)).first()
        assert boss is not None
        boss.role = "coordinator"
        table = next(
            t
            for t in tables(session, user=boss, filters=IndicatorFilters())
            if t.key == "task_outcomes"
        )
    ((_, values),) = table.rows["sector"]
    assert dict(zip(table.columns, values, strict=True))["A déménagé"] == 1
