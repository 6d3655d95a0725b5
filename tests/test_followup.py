"""Notes and démarches (engagement steps): the domain functions and the JSON API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, Case, TeamUser
from outreach.team.followup import (
    FollowupError,
    StepChange,
    add_note,
    add_step,
    open_steps,
    update_step,
)
from tests.factories import make_case, make_user


@pytest.fixture
def case_and_user(session, clock) -> tuple[Case, TeamUser]:
    case = make_case(session, clock=clock, sector_code="arras")
    user_id, _ = make_user(session, clock=clock, role="coordinator")
    return case, session.get_one(TeamUser, user_id)


def test_it_lists_open_steps_soonest_due_first(session, clock, case_and_user) -> None:
    case, user = case_and_user
    later = add_step(
        session, clock=clock, case=case, actor=user, kind="fsl", due_date=date(2026, 5, 1)
    )
    undated = add_step(session, clock=clock, case=case, actor=user, kind="dls")
    sooner = add_step(
        session, clock=clock, case=case, actor=user, kind="social_worker", due_date=date(2026, 4, 1)
    )
    done = add_step(session, clock=clock, case=case, actor=user, kind="action_logement")
    update_step(session, clock=clock, step=done, actor=user, change=StepChange(status="done"))
    assert [step.id for step in open_steps(session, case_id=case.id)] == [
        sooner.id, later.id, undated.id,
    ]  # fmt: skip


def test_it_records_when_a_step_is_done_and_forgets_it_when_reopened(
    session, clock, case_and_user
) -> None:
    case, user = case_and_user
    step = add_step(session, clock=clock, case=case, actor=user, kind="overindebtedness")
    update_step(session, clock=clock, step=step, actor=user, change=StepChange(status="done"))
    assert step.done_at == clock.now()
    update_step(session, clock=clock, step=step, actor=user, change=StepChange(status="todo"))
    assert step.done_at is None


def test_it_refuses_unknown_kinds_statuses_and_empty_notes(session, clock, case_and_user) -> None:
    case, user = case_and_user
    with pytest.raises(FollowupError):
        add_step(session, clock=clock, case=case, actor=user, kind="loterie")
    step = add_step(session, clock=clock, case=case, actor=user, kind="fsl")
    with pytest.raises(FollowupError):
        update_step(session, clock=clock, step=step, actor=user, change=StepChange(status="x"))
    with pytest.raises(FollowupError):
        add_note(session, clock=clock, case=case, author=user, body="   ")


def test_notes_are_audited_without_their_text(session, clock, case_and_user) -> None:
    case, user = case_and_user
    note = add_note(session, clock=clock, case=case, author=user, body="Texte confidentiel")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "note.add"))
    assert event.detail == {"note_id": note.id}


# --- JSON API ---------------------------------------------------------------------------------


def test_the_api_adds_lists_and_patches_steps(client, sessions, clock, auth) -> None:
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock).id
    created = client.post(
        f"/api/cases/{case_id}/steps",
        json={"kind": "landlord_mediation", "due_date": "2026-04-10", "detail": "plan sur 12 mois"},
        headers=auth,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "todo"
    assert body["kind_label"] == "Médiation avec le bailleur / plan d'apurement"
    patched = client.patch(
        f"/api/cases/{case_id}/steps/{body['id']}",
        json={"status": "in_progress", "due_date": None},
        headers=auth,
    )
    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["due_date"]) == ("in_progress", None)
    assert patched.json()["detail"] == "plan sur 12 mois"
    listed = client.get(f"/api/cases/{case_id}/steps?open=true", headers=auth)
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]


def test_the_api_refuses_bad_steps_and_other_sectors(client, sessions, clock, auth) -> None:
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="lens").id
        _, worker = make_user(session, clock=clock, sector_codes=("arras",))
    assert client.get(f"/api/cases/{case_id}/steps").status_code == 401
    refused = client.get(f"/api/cases/{case_id}/steps", headers=worker)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Ce dossier n'appartient pas à vos secteurs."
    bad = client.post(f"/api/cases/{case_id}/steps", json={"kind": "x"}, headers=auth)
    assert bad.status_code == 422
    assert bad.json()["detail"] == "Démarche inconnue : x."
    missing = client.patch(f"/api/cases/{case_id}/steps/999", json={}, headers=auth)
    assert missing.status_code == 404
