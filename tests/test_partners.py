"""The partner directory: the starter list (kinds, no contact made up), the coordinators' edits,
the page every member reads, a wrong field refused with nothing written, the command line."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach.models import Partner
from outreach.models.partner import PARTNER_KINDS
from outreach.partners.directory import STARTER_FILE, load_starter, partners
from tests.ccapex_files import cli_runner
from tests.factories import get_or_make_sector
from tests.web_support import csrf_of, https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def test_the_starter_list_makes_up_no_contact_and_loads_once(sessions, clock) -> None:
    data = json.loads(STARTER_FILE.read_text(encoding="utf-8"))
    for entry in data["partners"]:
        assert entry["kind"] in PARTNER_KINDS
        assert not {"email", "phone", "address"} & set(entry)  # never invented
    with sessions.begin() as session:
        assert load_starter(session, clock=clock) == len(data["partners"])
        assert load_starter(session, clock=clock) == 0  # a directory in use is left alone
    with sessions() as session:
        found = partners(session)
        assert len(found) == len(data["partners"])
        assert all(p.email is None and p.phone is None and not p.confirmed for p in found)


def test_coordinators_complete_a_partner_and_workers_read_it(web, sessions, clock) -> None:
    with sessions.begin() as session:
        load_starter(session, clock=clock)
        get_or_make_sector(session, "arras")
        caf = session.scalars(select(Partner).where(Partner.kind == "caf")).one().id
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/partners")
    csrf = csrf_of(page.text)
    assert "CAF du Pas-de-Calais" in html.unescape(page.text)
    assert "non vérifié" in page.text and "à compléter" in html.unescape(page.text)
    refused = web.post(
        f"/partners/{caf}",
        data={"csrf": csrf, "name": "CAF du Pas-de-Calais", "kind": "caf", "email": "pas-un-mail"},
    )
    assert refused.status_code == 422
    assert "E-mail : cette adresse n'est pas valide." in html.unescape(refused.text)
    with sessions() as session:
        assert session.get_one(Partner, caf).email is None  # nothing half-written
    web.post(
        f"/partners/{caf}",
        data={
            "csrf": csrf,
            "name": "CAF du Pas-de-Calais",
            "kind": "caf",
            "sectors": ["arras"],
            "email": "service.fictif@example.org",
            "phone": "01 99 00 45 45",
            "confirmed": "yes",
        },
    )
    with sessions() as session:
        partner = session.get_one(Partner, caf)
        assert (partner.email, partner.sector_codes, partner.confirmed) == (
            "service.fictif@example.org",
            ["arras"],
            True,
        )
        assert [p.id for p in partners(session, sector_code="lens") if p.kind == "caf"] == []
    worker = make_member(sessions, clock, sectors=("arras",))
    web.cookies.clear()
    sign_in(web, worker.email)
    page = html.unescape(web.get("/partners").text)
    assert "service.fictif@example.org" in page and 'href="tel:0199004545"' in page
    assert "Ajouter un partenaire" not in page
    assert web.post("/partners", data={"csrf": csrf_of(page), "name": "x"}).status_code == 403


def test_the_command_line_loads_the_starter(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sessions
) -> None:
    cli = cli_runner(db_url, tmp_path, monkeypatch)
    first = cli(["partners", "load"])
    assert first.exit_code == 0 and "partenaires chargés" in first.output
    again = cli(["partners", "load"])
    assert again.exit_code == 0 and "rien n'a été chargé" in again.output
    broken = tmp_path / "partners.json"
    broken.write_text('{"partners": [{"kind": "cafe", "name": "X"}]}', encoding="utf-8")
    with sessions.begin() as session:
        session.query(Partner).delete()
    wrong = cli(["partners", "load", str(broken)])
    assert wrong.exit_code == 2 and "entry 1" in wrong.output
    with sessions() as session:
        assert session.scalars(select(Partner)).all() == []


def test_what_a_partner_said_is_logged_on_the_case_and_its_history(web, sessions, clock) -> None:
    from tests.factories import make_case

    with sessions.begin() as session:
        load_starter(session, clock=clock)
        fsl = session.scalars(select(Partner).where(Partner.kind == "fsl")).one().id
        case_id = make_case(session, clock=clock, sector_code="arras").id
    worker = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, worker.email)
    page = web.get(f"/cases/{case_id}").text
    csrf = csrf_of(page)
    assert "Fonds de solidarité logement du Pas-de-Calais" in html.unescape(page)
    future = web.post(
        f"/cases/{case_id}/partners/info",
        data={"csrf": csrf, "kind": "fsl_decision", "means": "letter", "received_on": "2026-04-01"},
    )
    assert future.status_code == 422
    assert "pas dans le futur" in html.unescape(future.text)
    web.post(
        f"/cases/{case_id}/partners/info",
        data={
            "csrf": csrf,
            "partner": str(fsl),
            "kind": "fsl_decision",
            "means": "letter",
            "received_on": "2026-03-09",
            "summary": "Aide accordée : 1 200 € versés au bailleur",
            "document_ref": "Classeur FSL, fiche 3",
        },
    )
    page = html.unescape(web.get(f"/cases/{case_id}").text)
    block = page.split('id="partners"', 1)[1].split("</section>", 1)[0]
    assert "Décision du FSL · Fonds de solidarité logement du Pas-de-Calais" in block
    assert "09/03/2026 · par courrier" in block and "Classeur FSL, fiche 3" in block
    assert "Aide accordée : 1 200 € versés au bailleur" in page.split('id="timeline"', 1)[1]
    other = make_member(sessions, clock, sectors=("lens",))
    web.cookies.clear()
    sign_in(web, other.email)
    assert web.get(f"/cases/{case_id}").status_code == 403  # not shown outside the sectors
