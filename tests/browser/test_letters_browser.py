"""The letters page in a real browser: a worker opens today's print batch from the menu, downloads
the PDF and marks the batch posted. Screenshots: test-artifacts/screenshots/letters-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from outreach.letters import add_letter
from outreach.models import Letter
from tests.browser.conftest import PHONE, LiveServer, screenshot
from tests.factories import make_case
from tests.web_support import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _letters(server: LiveServer, count: int) -> None:
    with server.sessions.begin() as session:
        for number in range(count):
            case = make_case(
                session, clock=server.clock, phones=(), sector_code="arras", last_name="Fictif"
            )
            case.address = f"{number + 1} rue de l'Exemple"
            case.postcode, case.commune = "62000", "Arras"
            add_letter(session, clock=server.clock, case=case, template="letter", telegram_bot=None)


def test_a_worker_prints_the_days_letters_and_marks_them_posted(
    page: Page, live_server: LiveServer
) -> None:
    _letters(live_server, 3)
    worker = make_member(live_server.sessions, live_server.clock, sectors=("arras",))
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(worker.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Courriers").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Courriers à poster")
    expect(page.get_by_text("à poster : 3")).to_be_visible()
    link = page.get_by_role("link", name="Télécharger le PDF")
    pdf = page.request.get(link.get_attribute("href") or "")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    screenshot(page, "letters")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Marquer comme posté").click()
    expect(page.get_by_text("à poster : 3")).to_have_count(0)
    expect(page.get_by_role("button", name="Marquer comme posté")).to_have_count(0)
    with live_server.sessions() as session:
        posted = session.scalars(select(Letter.posted_by_id)).all()
    assert posted == [worker.id] * 3
