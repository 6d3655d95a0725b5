"""No personal data in logs: a whole scenario runs with every logger at DEBUG, then the logs are
searched for every name, phone number (E.164 and as written) and message text of the scenario."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from sqlalchemy import select

from outreach.ccapex.importer import import_file
from outreach.models import Case, Message
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Inbound
from tests.ccapex_files import row, write_list

NAMES = ("Zéphyrine", "Quennevilloux", "Barnabé", "Tourtelier", "SCI Les Peupliers Fictifs")
TENANT_PHONES = ("06 39 98 42 17", "+33639984217", "0639984217", "06.39.98.42.17")
LANDLORD_PHONES = ("06 39 98 77 31", "+33639987731", "0639987731")
TENANT_REPLY = "Bonjour je suis Zéphyrine, merci de me rappeler"
LANDLORD_REPLY = "Ici le bailleur, rappelez-moi au sujet du logement"
EMAIL = "peupliers.fictifs@example.org"


def _import(tmp_path: Path, sessions, clock) -> list[int]:
    rows = [
        row(
            reference="CCX-LOG-1",
            nom="Quennevilloux",
            prenom="Zéphyrine",
            telephone=TENANT_PHONES[0],
            bailleur_nom=NAMES[4],
            bailleur_telephone=LANDLORD_PHONES[0],
            bailleur_email=EMAIL,
        ),
        row(
            reference="CCX-LOG-2",
            nom="Tourtelier",
            prenom="Barnabé",
            telephone="06 39 98 42 18",
        ),
    ]
    path = write_list(tmp_path / "ccapex.csv", rows)
    with sessions.begin() as session:
        import_file(session, clock=clock, path=path, month="2026-01")
    with sessions() as session:
        return list(session.scalars(select(Case.id).order_by(Case.id)))


def _receive(sessions, clock, address: str, body: str) -> None:
    with sessions.begin() as session:
        inbound = Inbound("sandbox", uuid.uuid4().hex, address, body, clock.now())
        message, _ = store_inbound(session, clock=clock, inbound=inbound)
        session.flush()
        process_inbound(session, clock=clock, message=message)


def test_it_logs_no_name_phone_or_message_text(
    client, auth, sessions, clock, tmp_path, caplog, monkeypatch, request
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every logger propagates to it
    # Every logger at DEBUG, whatever an earlier test's logging set-up left (levels, disabled);
    # except SQLAlchemy's SQL echo, which prints rows by design and is never on in production.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and not name.startswith("sqlalchemy"):
            monkeypatch.setattr(logger, "disabled", False)
            monkeypatch.setattr(logger, "propagate", True)
            level = logger.level
            logger.setLevel(logging.DEBUG)
            request.addfinalizer(lambda logger=logger, level=level: logger.setLevel(level))
    case_id, _ = _import(tmp_path, sessions, clock)
    sent = client.post(
        f"/api/cases/{case_id}/messages",
        json={"body": "Bonjour Zéphyrine, ici l'équipe"},
        headers=auth,
    )
    _receive(sessions, clock, TENANT_PHONES[1], TENANT_REPLY)
    landlord = client.post(
        f"/api/cases/{case_id}/landlord-message", json={"channel": "sms"}, headers=auth
    )
    _receive(sessions, clock, LANDLORD_PHONES[1], LANDLORD_REPLY)
    client.get(f"/api/cases/{case_id}/messages", headers=auth)
    client.get("/api/cases?q=quennevilloux", headers=auth)
    export = client.get(f"/api/cases/{case_id}/export.json", headers=auth)
    erased = client.post(
        f"/api/cases/{case_id}/erase", json={"confirmation": "EFFACER"}, headers=auth
    )

    assert (sent.status_code, landlord.status_code) == (201, 201)
    assert (export.status_code, erased.status_code) == (200, 200)
    with sessions() as session:
        bodies = [b for b in session.scalars(select(Message.body)) if b]
    assert "Zéphyrine" in export.text  # the scenario did hold the data...
    # The test client's own request lines (httpx, "http://testserver/...") are not the app's.
    records = [
        r for r in caplog.records if not (r.name == "httpx" and "testserver" in r.getMessage())
    ]
    logs = "\n".join(
        [r.getMessage() for r in records]
        + [str(r.args) for r in records]
        + [r.name for r in records]
    )
    assert len(records) > 10
    searched = (*NAMES, *TENANT_PHONES, *LANDLORD_PHONES, EMAIL, TENANT_REPLY, LANDLORD_REPLY)
    texts = (*searched, *bodies, sent.json()["body"], landlord.json()["body"])
    found = [text for text in texts if text.lower() in logs.lower()]
    assert found == []  # ...and no log line names it
