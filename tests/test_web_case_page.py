"""The case page: timeline, answer box, notes, démarches, tasks, assignment, contract."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, Case, EngagementStep, InboxItem, Message
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Inbound
from outreach.team.tasks import create_task
from tests.factories import make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


@pytest.fixture
def coordinator(sessions, clock):  # type: ignore[no-untyped-def]
    return make_member(sessions, clock, role="coordinator")


def _case(sessions, clock, **kwargs) -> int:
    with sessions.begin() as session:
        return make_case(session, clock=clock, sector_code="arras", **kwargs).id


def _open(web, case_id: int) -> tuple[str, str]:
    response = web.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return response.text, csrf_of(response.text)


def test_it_answers_the_household_and_shows_it_in_the_timeline(
    web, sessions, clock, coordinator
) -> None:
    case_id = _case(sessions, clock)
    sign_in(web, coordinator.email)
    _page, csrf = _open(web, case_id)
    response = web.post(
        f"/cases/{case_id}/messages",
        data={"body": "Bonjour, je passe jeudi", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case_id}#timeline"
    page, _ = _open(web, case_id)
    assert "Bonjour, je passe jeudi" in page
    assert "1 segment" in page and "GSM-7" in page
    with sessions() as session:
        message = session.scalar(select(Message))
        assert (message.direction, message.status, message.author_id) == (
            "out", "delivered", coordinator.id,
        )  # fmt: skip


def test_an_answer_written_at_night_waits_for_the_morning_and_says_so(
    web, sessions, clock, coordinator
) -> None:
    clock.set(datetime(2026, 12, 5, 22, 15, tzinfo=UTC))  # Saturday 23:15 in Paris
    case_id = _case(sessions, clock)
    sign_in(web, coordinator.email)
    _page, csrf = _open(web, case_id)
    response = web.post(
        f"/cases/{case_id}/messages",
        data={"body": "Bonjour, je passe lundi", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/cases/{case_id}#timeline"
    page, _ = _open(web, case_id)
    text = html.unescape(page)
    assert "en attente d'envoi · partira dimanche 6 décembre à 8 h" in text
    with sessions() as session:
        assert session.scalar(select(Message.status)) == "pending"


def test_it_refuses_to_answer_an_opted_out_household_with_the_reason(
    web, sessions, clock, coordinator
) -> None:
    case_id = _case(sessions, clock, opted_out=True)
    sign_in(web, coordinator.email)
    page, csrf = _open(web, case_id)
    assert "Envoi refusé" in page and "STOP" in page
    response = web.post(f"/cases/{case_id}/messages", data={"body": "Bonjour", "csrf": csrf})
    assert response.status_code == 409
    assert "STOP" in response.text
    with sessions() as session:
        assert session.scalar(select(Message.id)) is None


def test_it_refuses_an_empty_answer(web, sessions, clock, coordinator) -> None:
    case_id = _case(sessions, clock)
    sign_in(web, coordinator.email)
    _page, csrf = _open(web, case_id)
    response = web.post(f"/cases/{case_id}/messages", data={"body": "  ", "csrf": csrf})
    assert response.status_code == 422


def test_the_timeline_gathers_replies_notes_steps_tasks_and_the_import(
    web, sessions, clock, coordinator
) -> None:
    case_id = _case(sessions, clock)
    with sessions.begin() as session:
        session.get_one(Case, case_id).import_month = "2026-03"
        inbound = Inbound(
            channel="sandbox", provider_id="sid-1", address="+33639980001",
            body="Oui, venez", received_at=clock.now(),
        )  # fmt: skip
        message, _ = store_inbound(session, clock=clock, inbound=inbound)
        process_inbound(session, clock=clock, message=message)
        create_task(session, clock=clock, case_id=case_id, task="door_knock")
    sign_in(web, coordinator.email)
    _page, csrf = _open(web, case_id)
    web.post(f"/cases/{case_id}/notes", data={"body": "Voisine présente", "csrf": csrf})
    web.post(
        f"/cases/{case_id}/steps",
        data={"kind": "fsl", "due_date": "2026-04-15", "detail": "dossier papier", "csrf": csrf},
    )
    page, _ = _open(web, case_id)
    timeline = page[page.index('id="timeline"') : page.index("</ol>", page.index('id="timeline"'))]
    for text in (
        "Message du foyer",
        "Oui, venez",
        "Note de",
        "Voisine présente",
        "Démarche convenue : Demande FSL",
        "Dossier transmis par la CCAPEX (liste de 2026-03)",
    ):
        assert text in timeline, text
    tasks = page[page.index('id="tasks"') :]
    assert "Visite à domicile (porte-à-porte)" in tasks


def test_it_adds_and_updates_a_step_and_prints_the_contract(
    web, sessions, clock, coordinator
) -> None:
    case_id = _case(sessions, clock)
    sign_in(web, coordinator.email)
    _page, csrf = _open(web, case_id)
    web.post(f"/cases/{case_id}/steps", data={"kind": "dls", "csrf": csrf})
    web.post(f"/cases/{case_id}/steps", data={"kind": "action_logement", "csrf": csrf})
    with sessions() as session:
        dls, action = session.scalars(select(EngagementStep.id).order_by(EngagementStep.id))
    response = web.post(
        f"/cases/{case_id}/steps/{dls}",
        data={"status": "done", "due_date": "2026-05-01", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    web.post(f"/cases/{case_id}/steps/{action}", data={"status": "dropped", "csrf": csrf})
    contract = web.get(f"/cases/{case_id}/contract").text
    assert "Contrat d" in contract
    assert "Demande de logement social (DLS)" in contract
    assert "01/05/2026" in contract
    assert "Action Logement" not in contract  # dropped steps are not in the contract
    with sessions() as session:
        step = session.get_one(EngagementStep, dls)
        assert step.done_at == clock.now()
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"step.add", "step.update", "case.contract"} <= actions


def test_it_refuses_an_unknown_step_kind_or_a_bad_date(web, sessions, clock, coordinator) -> None:
    case_id = _case(sessions, clock)
    sign_in(web, coordinator.email)
    _page, csrf = _open(web, case_id)
    assert web.post(f"/cases/{case_id}/steps", data={"kind": "x", "csrf": csrf}).status_code == 422
    bad_date = {"kind": "fsl", "due_date": "demain", "csrf": csrf}
    assert web.post(f"/cases/{case_id}/steps", data=bad_date).status_code == 422


def test_a_coordinator_assigns_the_case_and_it_is_audited(
    web, sessions, clock, coordinator
) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    case_id = _case(sessions, clock)
    sign_in(web, coordinator.email)
    _page, csrf = _open(web, case_id)
    response = web.post(
        f"/cases/{case_id}/assign", data={"worker": str(worker.id), "csrf": csrf},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    with sessions() as session:
        assert session.get_one(Case, case_id).assigned_worker_id == worker.id
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.assign"))
        assert event.detail == {"worker_id": worker.id}
    assert "Attribution du dossier modifiée" in web.get(f"/cases/{case_id}").text


def test_a_worker_cannot_assign(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    case_id = _case(sessions, clock)
    sign_in(web, worker.email)
    page, csrf = _open(web, case_id)
    assert f'action="/cases/{case_id}/assign"' not in page
    response = web.post(f"/cases/{case_id}/assign", data={"worker": "", "csrf": csrf})
    assert response.status_code == 403


def test_a_task_is_done_from_the_case_page(web, sessions, clock, coordinator) -> None:
    case_id = _case(sessions, clock)
    with sessions.begin() as session:
        task_id = create_task(session, clock=clock, case_id=case_id, task="phone_call").id
    sign_in(web, coordinator.email)
    page, csrf = _open(web, case_id)
    assert "Appeler le foyer" in page
    response = web.post(
        f"/inbox/{task_id}/handled",
        data={"csrf": csrf, "next": f"/cases/{case_id}#tasks"},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/cases/{case_id}#tasks"
    with sessions() as session:
        assert session.get_one(InboxItem, task_id).handled_at is not None


def test_a_call_is_closed_from_the_case_page_with_its_outcome(
    web, sessions, clock, coordinator
) -> None:
    case_id = _case(sessions, clock)
    with sessions.begin() as session:
        task_id = create_task(session, clock=clock, case_id=case_id, task="phone_call").id
    sign_in(web, coordinator.email)
    page, csrf = _open(web, case_id)
    assert "Résultat ?" in page and ">Pas de réponse</button>" in page
    response = web.post(
        f"/inbox/{task_id}/outcome",
        data={"csrf": csrf, "result": "no_answer", "next": f"/cases/{case_id}#tasks"},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/cases/{case_id}#tasks"
    with sessions() as session:
        assert session.get_one(InboxItem, task_id).outcome == "no_answer"


def test_reading_a_case_is_audited(web, sessions, clock, coordinator) -> None:
    case_id = _case(sessions, clock)
    sign_in(web, coordinator.email)
    web.get(f"/cases/{case_id}")
    with sessions() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.read"))
        assert (event.case_id, event.actor_id) == (case_id, coordinator.id)
