"""The agenda in a real browser: a household books through the sandbox phone, the worker finds
the visit in the week, and downloads the private calendar feed (parsed with `icalendar`)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import icalendar
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from outreach.models import Case, TeamUser
from outreach.team.passwords import set_password
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_team_web import _check_accessible_basics
from tests.e2e_support import Phone, household_in_arras
from tests.web_support import PASSWORD

# A browser that stops answering fails the test in 2 minutes, not after the 5-minute default.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _book_through_the_sandbox(server: LiveServer) -> tuple[str, str]:
    """The household answers OUI, accepts, picks slot 2; the worker's e-mail and the reference."""
    case_id, _headers = household_in_arras(server.services, phone="06 39 98 40 12")
    with httpx.Client(base_url=server.url) as client:
        phone = Phone(client, server.services, case_id)
        assert len(phone.received()) == 1
        phone.answer("OUI")
        phone.received()
        phone.answer("oui")
        assert "1) mardi 17 mars à 9 h" in phone.received()[0]
        phone.answer("2")
        assert phone.received()[0].startswith("Visite confirmée le mardi 17 mars à 10 h")
    with server.sessions.begin() as session:
        worker = session.scalars(select(TeamUser).where(TeamUser.name == "Nadia")).one()
        set_password(session, clock=server.clock, user=worker, password=PASSWORD)
        case = session.get_one(Case, case_id)
        case.address, case.postcode, case.commune = "4 place des Héros", "62000", "Arras"
        return worker.email, case.reference


def test_a_worker_finds_the_booked_visit_and_downloads_the_calendar(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    email, reference = _book_through_the_sandbox(live_server)
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("À traiter")

    page.get_by_role("link", name="Agenda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agenda")
    # A day picked in the calendar shows its week; the arrows go one week on or back.
    page.get_by_label("Aller à la semaine du").fill("2026-03-26")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator(".agenda-weeks strong")).to_have_text("Semaine du 23/03/2026")
    page.get_by_role("link", name="← Semaine précédente").click()
    expect(page.locator(".agenda-weeks strong")).to_have_text("Semaine du 16/03/2026")
    visit = page.locator(".agenda-visit", has_text=reference)
    expect(visit).to_be_visible()
    expect(visit).to_contain_text("10:00–11:00")
    # The household's name and commune, not only the reference.
    case_link = visit.get_by_role("link", name="Camille Martin")
    expect(case_link).to_have_attribute("href", f"/cases/{_case_id(live_server, reference)}")
    expect(visit).to_contain_text("Arras")
    _check_accessible_basics(page)

    page.get_by_role("button", name="Créer mon adresse d'agenda").click()
    link = page.locator("#feed-link")
    expect(link).to_be_visible()
    expect(page.get_by_role("button", name="Copier l'adresse")).to_be_visible()
    webcal = page.get_by_role("link", name="Ouvrir dans mon agenda")
    address = link.inner_text()
    expect(webcal).to_have_attribute("href", "webcal://" + address.split("://", 1)[1])
    expect(page.locator("#calendar-feed")).to_contain_text("Google Agenda")
    screenshot(page, "agenda")
    with page.expect_download() as info:
        link.click()
    target = tmp_path / "visites.ics"
    info.value.save_as(target)
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert [str(event["SUMMARY"]) for event in events] == [f"Visite à domicile — {reference}"]
    assert str(events[0]["LOCATION"]) == "4 place des Héros, 62000 Arras"
    assert "Martin" not in target.read_text()  # the household's name stays out of calendars

    # A reload after making the address neither shows it again nor makes another one.
    page.reload()
    expect(page.locator("#feed-link")).to_have_count(0)
    expect(page.locator("#calendar-feed")).to_contain_text("Votre adresse d'agenda est active")
    with httpx.Client() as client:
        assert client.get(address).status_code == 200  # the copied address still works

    # A delete asks first, and says what it deletes.
    row = page.locator("#availability .agenda-row").first
    button = row.get_by_role("button", name=re.compile("^Supprimer"))
    before = page.locator("#availability .agenda-row").count()
    page.once("dialog", lambda dialog: dialog.dismiss())
    button.click()
    expect(page.locator("#availability .agenda-row")).to_have_count(before)
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    expect(page.locator("#availability .agenda-row")).to_have_count(before - 1)


def _case_id(server: LiveServer, reference: str) -> int:
    with server.sessions() as session:
        return session.scalars(select(Case.id).where(Case.reference == reference)).one()
