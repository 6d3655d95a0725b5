"""The case page as a desk: a visit booked by hand (on the phone, at the door; at home or at a
place nearby) with its texts, a consent given in person, démarches with their objective, who does
them and their result, the overdue view, the reminder two days before, the contract agreed."""

from __future__ import annotations

import html
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.booking.places import PlaceError, add_place
from outreach.casework import step_kinds
from outreach.casework.nudges import send_nudges
from outreach.clock import FrozenClock
from outreach.conversation.jobs import send_visit_reminders
from outreach.models import (
    Case,
    ConsentRecord,
    Conversation,
    EngagementStep,
    MeetingPlace,
    Message,
    Sector,
    Slot,
    Visit,
)
from outreach.privacy.consent import record_consent
from tests.booking_support import ready
from tests.factories import make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in

CHANNELS = ("sms",)


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _open(web, case_id: int) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    response = web.get(f"/cases/{case_id}")
    assert response.status_code == 200, response.text[:300]
    return html.unescape(response.text), csrf_of(response.text)


def _setup(sessions: sessionmaker[Session], clock: FrozenClock) -> tuple[int, list[int], int]:
    """A worker with Tuesday slots in Arras, a household there: (case, free slot ids, sector)."""
    with sessions.begin() as session:
        worker, case = ready(session, clock=clock)
        slots = list(
            session.scalars(
                select(Slot.id).where(Slot.sector_id == worker.sector_id).order_by(Slot.starts_at)
            )
        )
        return case.id, slots, worker.sector_id


def _messages(session: Session, case_id: int) -> list[Message]:
    query = select(Message).where(Message.case_id == case_id, Message.direction == "out")
    return list(session.scalars(query.order_by(Message.id)))


def test_a_household_reached_at_the_door_gets_a_visit_and_its_confirmation(
    web, sessions, clock
) -> None:
    case_id, slots, _ = _setup(sessions, clock)
    member = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, member.email)
    page, csrf = _open(web, case_id)
    assert "Prévoir une visite (foyer joint au téléphone ou à la porte)" in page
    response = web.post(
        f"/cases/{case_id}/visit",
        data={"csrf": csrf, "slot": str(slots[0]), "place": "home", "reached_by": "door"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with sessions() as session:
        visit = session.scalars(select(Visit).where(Visit.case_id == case_id)).one()
        case = session.get_one(Case, case_id)
        assert (visit.booked_by, visit.reached_by, visit.place_kind) == ("team", "door", "home")
        assert case.status == "visit_booked"
        assert case.assigned_worker_id == visit.worker_id  # the visit's worker holds the case
        sent = _messages(session, case_id)
        assert [message.template for message in sent] == ["booking_confirmation"]
        assert "passera chez vous" in sent[0].body
        conversation = session.scalars(
            select(Conversation).where(Conversation.case_id == case_id)
        ).one()
        assert conversation.state == "visit_booked"  # CHANGE / CANCEL by SMS still work
    page, _ = _open(web, case_id)
    assert "au domicile du foyer" in page and "prévue à la porte" in page
    assert "Modifier ou annuler la visite" in page


def test_a_visit_at_a_place_nearby_says_where_in_every_text(web, sessions, clock) -> None:
    case_id, slots, sector_id = _setup(sessions, clock)
    with sessions.begin() as session:
        place = add_place(
            session,
            clock=clock,
            sector=session.get_one(Sector, sector_id),
            name="France Services d'Arras",
            address="2 rue de l'Exemple, 62000 Arras",
            actor=None,
        )
        place_id = place.id
    member = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, member.email)
    page, csrf = _open(web, case_id)
    assert "France Services d'Arras — 2 rue de l'Exemple, 62000 Arras" in page
    web.post(
        f"/cases/{case_id}/visit",
        data={"csrf": csrf, "slot": str(slots[0]), "place": str(place_id), "reached_by": "phone"},
    )
    with sessions() as session:
        visit = session.scalars(select(Visit).where(Visit.case_id == case_id)).one()
        assert (visit.place_kind, visit.place_id) == ("nearby", place_id)
        confirmation = _messages(session, case_id)[0]
        assert confirmation.template == "booking_confirmation_place"
        assert "France Services d'Arras, 2 rue de l'Exemple, 62000 Arras" in confirmation.body
        assert "chez vous" not in confirmation.body
        starts_at = visit.starts_at
    clock.set(starts_at - timedelta(days=1) + timedelta(hours=2))  # the day before, past 10:00
    assert send_visit_reminders(sessions, clock=clock, enabled=CHANNELS) == 1
    with sessions() as session:
        reminder = _messages(session, case_id)[-1]
        assert reminder.template == "visit_reminder_place"
        assert "France Services d'Arras" in reminder.body


def test_a_time_taken_meanwhile_is_refused_and_nothing_is_booked(web, sessions, clock) -> None:
    case_id, slots, _ = _setup(sessions, clock)
    with sessions.begin() as session:
        other = make_case(session, clock=clock, sector_code="arras", phones=("06 39 98 10 55",))
        slot = session.get_one(Slot, slots[0])
        slot.status, slot.case_id = "booked", other.id
    member = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, member.email)
    _, csrf = _open(web, case_id)
    response = web.post(
        f"/cases/{case_id}/visit",
        data={"csrf": csrf, "slot": str(slots[0]), "place": "home", "reached_by": "phone"},
    )
    assert response.status_code == 409
    assert "Ce créneau vient d'être pris par un autre foyer" in html.unescape(response.text)
    refused = web.post(
        f"/cases/{case_id}/visit",
        data={"csrf": csrf, "slot": str(slots[1]), "place": "home", "reached_by": ""},
    )
    assert refused.status_code == 409
    assert "Indiquez comment le foyer a été joint." in html.unescape(refused.text)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Visit)) == 0
        assert _messages(session, case_id) == []


def test_the_team_changes_the_place_then_cancels(web, sessions, clock) -> None:
    case_id, slots, sector_id = _setup(sessions, clock)
    with sessions.begin() as session:
        place_id = add_place(
            session,
            clock=clock,
            sector=session.get_one(Sector, sector_id),
            name="Mairie d'Exempleville",
            address=None,
            actor=None,
        ).id
    member = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, member.email)
    _, csrf = _open(web, case_id)
    web.post(
        f"/cases/{case_id}/visit",
        data={"csrf": csrf, "slot": str(slots[0]), "place": "home", "reached_by": "phone"},
    )
    with sessions() as session:
        visit_id = session.scalars(select(Visit.id).where(Visit.case_id == case_id)).one()
    page, csrf = _open(web, case_id)
    web.post(
        f"/cases/{case_id}/visit/{visit_id}/change",
        data={"csrf": csrf, "slot": str(slots[1]), "place": str(place_id)},
    )
    with sessions() as session:
        visits = list(session.scalars(select(Visit).where(Visit.case_id == case_id)))
        active = [visit for visit in visits if visit.active]
        assert len(visits) == 2 and len(active) == 1
        assert active[0].place_id == place_id and active[0].slot_id == slots[1]
        changed = _messages(session, case_id)[-1]
        assert changed.template == "change_confirmation_place"
        assert "Mairie d'Exempleville" in changed.body  # no address entered: the name alone
        new_id = active[0].id
    page, csrf = _open(web, case_id)
    assert "Mairie d'Exempleville — adresse à compléter" in page
    web.post(f"/cases/{case_id}/visit/{new_id}/cancel", data={"csrf": csrf})
    with sessions() as session:
        assert session.get_one(Visit, new_id).status == "cancelled"
        assert session.get_one(Visit, new_id).cancelled_by == "team"
        assert _messages(session, case_id)[-1].template == "cancel_confirmation"
        assert session.get_one(Slot, slots[1]).status == "free"


def test_a_meeting_place_is_checked(sessions, clock) -> None:
    with sessions.begin() as session:
        sector = Sector(code="arras", name="Arras")
        session.add(sector)
        session.flush()
        for name, address, message in (
            ("  ", None, "Indiquez le nom du lieu."),
            ("x" * 37, None, "au plus 36"),
            ("Mairie", "y" * 51, "au plus 50"),
        ):
            with pytest.raises(PlaceError, match=message):
                add_place(
                    session, clock=clock, sector=sector, name=name, address=address, actor=None
                )
        place = add_place(
            session, clock=clock, sector=sector, name=" CCAS  de Lens ", address="", actor=None
        )
        assert (place.name, place.address) == ("CCAS de Lens", None)


def test_a_consent_given_in_person_is_recorded_and_withdrawn(web, sessions, clock) -> None:
    member = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras", status="reached").id
    sign_in(web, member.email)
    page, csrf = _open(web, case_id)
    assert "Lisez ce texte au foyer" in page and "C'est gratuit et confidentiel" in page
    refused = web.post(
        f"/cases/{case_id}/consents",
        data={"csrf": csrf, "purpose": "diagnostic", "decision": "given", "method": ""},
    )
    assert refused.status_code == 422
    assert "Indiquez comment la réponse a été donnée" in html.unescape(refused.text)
    web.post(
        f"/cases/{case_id}/consents",
        data={
            "csrf": csrf,
            "purpose": "diagnostic",
            "decision": "given",
            "method": "written",
            "document_ref": "Classeur 2026, fiche 14",
        },
    )
    with sessions() as session:
        record = session.scalars(select(ConsentRecord)).one()
        assert (record.channel, record.method, record.decision) == ("visit", "written", "given")
        assert record.recorded_by_id == member.id
        assert record.document_ref == "Classeur 2026, fiche 14"
        assert record.text_version.startswith("diagnostic-v1-")
        assert session.get_one(Case, case_id).status == "consented"
    page, csrf = _open(web, case_id)
    assert "Diagnostic social et financier : accord donné" in page
    assert "signé sur papier" in page and "papier classé sous Classeur 2026, fiche 14" in page
    web.post(
        f"/cases/{case_id}/consents",
        data={"csrf": csrf, "purpose": "diagnostic", "decision": "withdrawn", "method": "oral"},
    )
    page, _ = _open(web, case_id)
    assert "Diagnostic social et financier : accord retiré" in page


def test_steps_carry_objective_who_and_result_and_late_ones_are_listed(
    web, sessions, clock
) -> None:
    member = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
        elsewhere = make_case(session, clock=clock, sector_code="lens", phones=("06 39 98 10 56",))
        session.add(_step(elsewhere.id, clock, due=date(2026, 3, 1)))
    sign_in(web, member.email)
    _, csrf = _open(web, case_id)
    web.post(
        f"/cases/{case_id}/steps",
        data={
            "csrf": csrf,
            "kind": "fsl",
            "objective": "Payer les deux mois de retard",
            "by": "household",
            "due_date": "2026-03-06",
        },
    )
    refused = web.post(
        f"/cases/{case_id}/steps", data={"csrf": csrf, "kind": "fsl", "by": "neighbour"}
    )
    assert refused.status_code == 422
    assert "Choisissez qui fait la démarche." in html.unescape(refused.text)
    page, csrf = _open(web, case_id)
    assert "« Payer les deux mois de retard »" in page
    assert "Fait par le foyer" in page and "en retard" in page
    with sessions() as session:
        step = session.scalars(
            select(EngagementStep).where(EngagementStep.case_id == case_id)
        ).one()
    overdue = html.unescape(web.get("/steps/overdue").text)
    assert "Payer les deux mois de retard" in overdue and "5 jours" in overdue
    assert overdue.count("Demande FSL") == 1  # the other sector's step is not shown
    web.post(
        f"/cases/{case_id}/steps/{step.id}",
        data={"csrf": csrf, "status": "done", "due_date": "2026-03-06", "result": "Accordé"},
    )
    with sessions() as session:
        step = session.get_one(EngagementStep, step.id)
        assert (step.status, step.result) == ("done", "Accordé")
    assert "Aucune démarche en retard." in html.unescape(web.get("/steps/overdue").text)


def _step(case_id: int, clock: FrozenClock, *, due: date, actor: str = "household"):  # type: ignore[no-untyped-def]
    return EngagementStep(
        case_id=case_id,
        kind="fsl",
        status="todo",
        due_date=due,
        actor=actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )


def test_the_household_is_reminded_two_days_before_its_own_step_once(sessions, clock) -> None:
    today = clock.now().date()  # 11 March 2026
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        silent = make_case(session, clock=clock, sector_code="arras", phones=("06 39 98 10 57",))
        for consenting in (case,):
            record_consent(
                session,
                clock=clock,
                case=consenting,
                purpose="diagnostic",
                decision="given",
                text_version="diagnostic-v1-test",
                language="fr",
                channel="visit",
            )
        session.add_all(
            [
                _step(case.id, clock, due=today + timedelta(days=2)),  # reminded
                _step(case.id, clock, due=today + timedelta(days=3)),  # not yet
                _step(case.id, clock, due=today + timedelta(days=1), actor="team"),  # the team's
                _step(silent.id, clock, due=today + timedelta(days=2)),  # no consent
            ]
        )
        case_id, silent_id = case.id, silent.id
    assert send_nudges(sessions, clock=clock, enabled=CHANNELS) == 1
    assert send_nudges(sessions, clock=clock, enabled=CHANNELS) == 0  # never twice
    with sessions() as session:
        sent = _messages(session, case_id)
        assert [message.template for message in sent] == ["step_nudge"]
        assert "demande FSL est prévu pour le vendredi 13 mars" in sent[0].body
        assert _messages(session, silent_id) == []
    clock.advance(timedelta(days=1))
    assert send_nudges(sessions, clock=clock, enabled=CHANNELS) == 1  # the next one, a day on


def test_the_contract_signed_at_the_visit_makes_the_case_supported(web, sessions, clock) -> None:
    member = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras", status="visited").id
    sign_in(web, member.email)
    _, csrf = _open(web, case_id)
    refused = web.post(
        f"/cases/{case_id}/contract/agreed", data={"csrf": csrf, "method": "written"}
    )
    assert refused.status_code == 422
    assert "Convenez d'au moins une démarche avant le contrat." in html.unescape(refused.text)
    web.post(
        f"/cases/{case_id}/steps",
        data={"csrf": csrf, "kind": "dls", "objective": "Un logement plus petit", "by": "team"},
    )
    web.post(
        f"/cases/{case_id}/contract/agreed",
        data={"csrf": csrf, "method": "written", "document_ref": "Dossier papier 12"},
    )
    with sessions() as session:
        assert session.get_one(Case, case_id).status == "supported"
        record = session.scalars(
            select(ConsentRecord).where(ConsentRecord.purpose == "contract")
        ).one()
        assert record.method == "written" and record.channel == "visit"
    page, _ = _open(web, case_id)
    assert "Contrat accepté le" in page and "accompagné" in page
    contract = html.unescape(web.get(f"/cases/{case_id}/contract").text)
    assert "Un logement plus petit" in contract


def test_a_kind_of_step_added_to_the_data_file_is_offered_without_code(
    web, sessions, clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(step_kinds.DEFAULT_FILE.read_text(encoding="utf-8"))
    data["kinds"].append(
        {"key": "energy_voucher", "label": "Chèque énergie", "household": "chèque énergie"}
    )
    copy = tmp_path / "kinds.json"
    copy.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv(step_kinds.ENV, str(copy))
    member = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
    sign_in(web, member.email)
    page, csrf = _open(web, case_id)
    assert '<option value="energy_voucher">Chèque énergie</option>' in page
    web.post(f"/cases/{case_id}/steps", data={"csrf": csrf, "kind": "energy_voucher"})
    page, _ = _open(web, case_id)
    assert "Chèque énergie" in page.split('id="steps"', 1)[1]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"key": "Bad Key", "label": "x", "household": "x"}, "'key'"),
        ({"key": "fsl", "label": "x", "household": "x"}, "already used"),
        ({"key": "ok", "label": "", "household": "x"}, "'label'"),
        ({"key": "ok", "label": "x", "household": "x" * 61}, "'household'"),
    ],
)
def test_a_wrong_kinds_file_names_the_entry_at_fault(
    tmp_path: Path, entry: dict[str, str], message: str
) -> None:
    data = json.loads(step_kinds.DEFAULT_FILE.read_text(encoding="utf-8"))
    data["kinds"].append(entry)
    copy = tmp_path / "kinds.json"
    copy.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(step_kinds.StepKindsError, match=message) as raised:
        step_kinds.load(copy)
    assert f"entry {len(data['kinds'])}" in str(raised.value)


def test_the_api_tells_the_visit_place_the_consent_method_and_the_steps(
    web, sessions, clock
) -> None:
    case_id, slots, _ = _setup(sessions, clock)
    member = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, member.email)
    _, csrf = _open(web, case_id)
    web.post(
        f"/cases/{case_id}/visit",
        data={"csrf": csrf, "slot": str(slots[0]), "place": "home", "reached_by": "phone"},
    )
    web.post(
        f"/cases/{case_id}/consents",
        data={"csrf": csrf, "purpose": "diagnostic", "decision": "given", "method": "oral"},
    )
    auth = member.bearer
    created = web.post(
        f"/api/cases/{case_id}/steps",
        json={"kind": "overindebtedness", "objective": "Déposer le dossier", "actor": "team"},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    wrong = web.post(
        f"/api/cases/{case_id}/steps", json={"kind": "fsl", "actor": "nobody"}, headers=auth
    )
    assert wrong.status_code == 422
    step_id = created.json()["id"]
    patched = web.patch(
        f"/api/cases/{case_id}/steps/{step_id}",
        json={"status": "done", "result": "Dossier recevable"},
        headers=auth,
    )
    assert patched.json()["result"] == "Dossier recevable"
    body = web.get(f"/api/cases/{case_id}", headers=auth).json()
    assert body["visit"]["reached_by"] == "phone" and body["visit"]["booked_by"] == "team"
    assert body["visit"]["place_kind"] == "home"
    (consent,) = body["consents"]
    assert (consent["channel"], consent["method"]) == ("visit", "oral")
    assert consent["recorded_by_id"] == member.id
    (step,) = body["steps"]
    assert (step["objective"], step["actor"], step["result"]) == (
        "Déposer le dossier",
        "team",
        "Dossier recevable",
    )


def test_a_coordinator_lists_the_meeting_places_of_each_sector(web, sessions, clock) -> None:
    coordinator = make_member(sessions, clock, role="coordinator", sectors=("arras",))
    sign_in(web, coordinator.email)
    page = web.get("/team")
    csrf = csrf_of(page.text)
    sector_id = _sector_id(sessions, "arras")
    refused = web.post(
        "/team/places", data={"csrf": csrf, "sector": str(sector_id), "name": "", "address": "x"}
    )
    assert refused.status_code == 422
    assert "Indiquez le nom du lieu." in html.unescape(refused.text)
    web.post(
        "/team/places",
        data={"csrf": csrf, "sector": str(sector_id), "name": "CCAS d'Arras", "address": ""},
    )
    page = html.unescape(web.get("/team").text)
    assert "<strong>CCAS d'Arras</strong> — adresse à compléter" in page
    with sessions() as session:
        (place_id,) = session.scalars(select(MeetingPlace.id)).all()
    web.post(f"/team/places/{place_id}/remove", data={"csrf": csrf})
    assert "Aucun lieu de rendez-vous pour l'instant." in html.unescape(web.get("/team").text)


def _sector_id(sessions: sessionmaker[Session], code: str) -> int:
    with sessions() as session:
        return session.scalars(select(Sector.id).where(Sector.code == code)).one()


def test_the_landlord_block_completes_details_and_sends_the_message_shown(
    web, sessions, clock
) -> None:
    from tests.privacy_support import case_with_landlord

    case_id = case_with_landlord(sessions, clock, phone=None)
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page, csrf = _open(web, case_id)
    landlord = page.split('id="landlord"', 1)[1].split("</section>", 1)[0]
    assert "SCI Fictive" in landlord and "Aucun numéro ni e-mail pour écrire" in landlord
    assert "Envoyer par SMS" not in landlord  # no phone yet
    refused = web.post(
        f"/cases/{case_id}/landlord", data={"csrf": csrf, "phone": "12", "email": "x@y"}
    )
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert "Ce numéro de téléphone n'est pas valide." in page and 'value="12"' in page
    web.post(
        f"/cases/{case_id}/landlord",
        data={"csrf": csrf, "phone": "01 99 00 12 34", "email": "sci.fictive@example.org"},
    )
    page, csrf = _open(web, case_id)
    landlord = page.split('id="landlord"', 1)[1].split("</section>", 1)[0]
    assert 'href="tel:+33199001234"' in landlord and "Envoyer par SMS" in landlord
    assert "ne dit pas que l'équipe l'accompagne" in landlord
    preview = landlord.split('<pre class="preview">', 1)[1].split("</pre>", 1)[0]
    response = web.post(f"/cases/{case_id}/landlord/message", data={"csrf": csrf, "channel": "sms"})
    assert response.status_code == 200  # back on the case page (redirect followed)
    with sessions() as session:
        sent = session.scalars(
            select(Message).where(Message.address == "+33199001234", Message.direction == "out")
        ).one()
        assert sent.body == preview and sent.case_id is None
    page, _ = _open(web, case_id)
    history = page.split('id="timeline"', 1)[1]
    assert "Message au bailleur" in history and preview in history
    assert "Coordonnées du bailleur modifiées" in history


def test_the_mediation_with_the_landlord_is_logged_and_shown_in_the_history(
    web, sessions, clock
) -> None:
    from tests.privacy_support import case_with_landlord

    case_id = case_with_landlord(sessions, clock)
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    _, csrf = _open(web, case_id)
    future = web.post(
        f"/cases/{case_id}/landlord/mediation",
        data={"csrf": csrf, "kind": "call", "happened_on": "2026-03-12", "note": "x"},
    )
    assert future.status_code == 422
    assert "L'échange ne peut pas être dans le futur." in html.unescape(future.text)
    undated = web.post(f"/cases/{case_id}/landlord/mediation", data={"csrf": csrf, "kind": "call"})
    assert "Indiquez la date de l'échange." in html.unescape(undated.text)
    web.post(
        f"/cases/{case_id}/landlord/mediation",
        data={
            "csrf": csrf,
            "kind": "plan_proposed",
            "happened_on": "2026-03-10",
            "note": "Plan sur 12 mois proposé, réponse attendue",
        },
    )
    page, _ = _open(web, case_id)
    landlord = page.split('id="landlord"', 1)[1].split("</section>", 1)[0]
    assert "Plan d'apurement proposé" in landlord and "10/03/2026" in landlord
    history = page.split('id="timeline"', 1)[1]
    assert "Plan sur 12 mois proposé, réponse attendue" in history


def test_a_call_is_logged_from_the_case_page_and_acted_on(web, sessions, clock) -> None:
    from outreach.models import CaseNote, InboxItem

    member = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras", status="contacting").id
    sign_in(web, member.email)
    page, csrf = _open(web, case_id)
    assert "J'ai appelé le foyer" in page
    past = web.post(
        f"/cases/{case_id}/calls",
        data={"csrf": csrf, "outcome": "no_answer", "call_back_on": "2026-03-01"},
    )
    assert past.status_code == 422
    assert "Le jour du rappel ne peut pas être passé." in html.unescape(past.text)
    with sessions() as session:  # nothing written by the refused form
        assert session.scalars(select(InboxItem)).all() == []
    web.post(
        f"/cases/{case_id}/calls",
        data={
            "csrf": csrf,
            "outcome": "no_answer",
            "minutes": "2",
            "note": "Messagerie pleine",
            "call_back_on": "2026-03-13",
        },
    )
    web.post(f"/cases/{case_id}/calls", data={"csrf": csrf, "outcome": "reached"})
    with sessions() as session:
        tasks = session.scalars(select(InboxItem).order_by(InboxItem.id)).all()
        closed = [(task.outcome, task.handled_at is not None) for task in tasks]
        assert closed == [("no_answer", True), (None, False), ("reached", True)]
        assert tasks[1].due_on == date(2026, 3, 13)
        note = session.scalars(select(CaseNote)).one()
        assert note.body == "Appel (2 min) : Messagerie pleine"
        assert session.get_one(Case, case_id).status == "reached"
    page, _ = _open(web, case_id)
    assert "Appeler le foyer · le 13/03/2026" in page
