"""The inbox: what needs a human, newest first, per sector, cleared with "handled", polled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, InboxItem
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Inbound
from outreach.team.tasks import create_task
from tests.factories import fiction_phone, make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _reply(sessions, clock, phone: str, body: str, sid: str) -> None:
    with sessions.begin() as session:
        inbound = Inbound(
            channel="sandbox", provider_id=sid, address=phone, body=body, received_at=clock.now()
        )
        message, _ = store_inbound(session, clock=clock, inbound=inbound)
        process_inbound(session, clock=clock, message=message)


def test_it_lists_replies_newest_first_with_a_link_to_the_case(web, sessions, clock) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        first = make_case(session, clock=clock, reference="REF-A", phones=[fiction_phone(1)])
        second = make_case(session, clock=clock, reference="REF-B", phones=[fiction_phone(2)])
        first_id, second_id = first.id, second.id
    _reply(sessions, clock, "+33639980001", "Oui je veux bien", "sid-1")
    clock.advance(minutes=5)
    _reply(sessions, clock, "+33639980002", "Appelez-moi demain", "sid-2")
    sign_in(web, coordinator.email)
    page = web.get("/").text
    assert page.index("Appelez-moi demain") < page.index("Oui je veux bien")
    assert f'href="/cases/{second_id}#answer"' in page
    assert f'href="/cases/{first_id}#answer"' in page
    assert "2 réponses à lire" in page


def test_it_shows_unknown_senders_and_tasks_to_coordinators(web, sessions, clock) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock).id
        create_task(session, clock=clock, case_id=case_id, task="phone_call")
    _reply(sessions, clock, "+33639989999", "Qui êtes-vous ?", "sid-unknown")
    sign_in(web, coordinator.email)
    page = web.get("/").text
    assert "Expéditeur inconnu" in page
    assert "Qui êtes-vous ?" in page
    assert "Appeler le foyer" in web.get("/?tab=tasks").text  # the task, by its label


def test_a_worker_sees_only_the_items_of_their_sectors(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        make_case(session, clock=clock, sector_code="arras", phones=[fiction_phone(1)])
        lens_id = make_case(session, clock=clock, sector_code="lens", phones=[fiction_phone(2)]).id
    _reply(sessions, clock, "+33639980001", "Réponse Arras", "sid-a")
    _reply(sessions, clock, "+33639980002", "Réponse Lens", "sid-l")
    _reply(sessions, clock, "+33639989999", "Inconnu", "sid-u")
    sign_in(web, worker.email)
    page = web.get("/").text
    assert "Réponse Arras" in page
    assert "Réponse Lens" not in page
    assert "Inconnu" not in page
    with sessions() as session:
        lens_item = session.scalar(select(InboxItem.id).where(InboxItem.case_id == lens_id))
    refused = web.post(f"/inbox/{lens_item}/handled", data={"csrf": csrf_of(page)})
    assert refused.status_code == 403


def test_it_clears_an_item_marked_handled(web, sessions, clock) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        make_case(session, clock=clock)
    _reply(sessions, clock, "+33639980001", "Bonjour", "sid-1")
    sign_in(web, coordinator.email)
    page = web.get("/").text
    with sessions() as session:
        item_id = session.scalar(select(InboxItem.id))
    response = web.post(
        f"/inbox/{item_id}/handled", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "Bonjour" not in web.get("/").text
    with sessions() as session:
        item = session.get_one(InboxItem, item_id)
        assert item.handled_at == clock.now()
        assert item.handled_by_id == coordinator.id


def test_the_feed_answers_unchanged_until_a_new_item_arrives(web, sessions, clock) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        make_case(session, clock=clock)
    sign_in(web, coordinator.email)
    first = web.get("/inbox/feed", headers={"Accept": "application/json"}).json()
    assert first["changed"] is True
    same = web.get(f"/inbox/feed?signature={first['signature']}").json()
    assert same == {"changed": False, "signature": first["signature"]}
    _reply(sessions, clock, "+33639980001", "Nouvelle réponse", "sid-new")
    changed = web.get(f"/inbox/feed?signature={first['signature']}").json()
    assert changed["changed"] is True
    assert "Nouvelle réponse" in changed["html"]
    assert changed["status"] == "1 réponse à lire"


def test_the_feed_answers_401_without_a_session(web) -> None:
    response = web.get("/inbox/feed", headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_reading_the_inbox_is_audited_with_case_ids_only(web, sessions, clock) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock).id
    _reply(sessions, clock, "+33639980001", "Texte privé", "sid-1")
    sign_in(web, coordinator.email)
    web.get("/")
    with sessions() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "inbox.list"))
        assert event is not None
        assert event.detail == {"case_ids": [case_id]}
        assert event.actor_id == coordinator.id


def test_every_inbox_kind_written_by_the_code_has_a_french_label() -> None:
    import re
    from pathlib import Path

    from outreach.engine.reconcile import UNCERTAIN_KIND
    from outreach.team.inbox import KIND_LABELS, kind_label

    root = Path(__file__).resolve().parent.parent
    written = {UNCERTAIN_KIND}
    for path in (root / "outreach").rglob("*.py"):
        written |= set(re.findall(r'kind="([a-z_]+)"', path.read_text()))
    inbox_kinds = written & (set(KIND_LABELS) | {UNCERTAIN_KIND, "landlord_reply"})
    assert {"uncertain_send", "landlord_reply"} <= inbox_kinds
    for kind in inbox_kinds:
        assert kind_label(kind) != kind, kind


@pytest.mark.parametrize("tab", ["", "tasks"])
def test_the_feed_answers_unchanged_to_the_signature_the_page_gave(
    web, sessions, clock, tab
) -> None:
    import html
    import re

    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        create_task(session, clock=clock, case_id=case.id, task="door_knock")
    _reply(sessions, clock, fiction_phone(1), "Bonjour", "sid-page")
    sign_in(web, worker.email)
    page = web.get(f"/?tab={tab}" if tab else "/").text
    feed = html.unescape(re.search(r'data-feed="([^"]+)"', page).group(1))
    seen = re.search(r'data-signature="([^"]+)"', page).group(1)
    answer = web.get(f"{feed}{'&' if '?' in feed else '?'}signature={seen}").json()
    assert answer == {"changed": False, "signature": seen}
