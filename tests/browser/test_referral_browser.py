"""A referral at 360 px, as a worker does it at the household's table: prepare it from the case
page, untick what the partner does not need, read the consent text out, record the agreement;
then the partner, on its own phone, opens the link with the code and reads the summary once; the
worker sees it opened and records the answer. Screenshots go to
test-artifacts/screenshots/referral-*-360.png (looked at before calling the page done)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from outreach.conversation.state import conversation_of, move
from outreach.conversation.table import VISITED
from outreach.models import Referral
from outreach.partners.directory import PartnerInput, save
from outreach.partners.sharing import send_one
from outreach.settings import load_settings
from tests.browser.conftest import PHONE, SCREENSHOTS, LiveServer
from tests.factories import make_case
from tests.smtp_support import Inbox, running_smtp, smtp_settings
from tests.web_support import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PARTNER = "Point Conseil Budget d'Arras (test)"


@pytest.fixture
def phone(browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def smtp() -> Iterator[tuple[object, Inbox]]:
    yield from running_smtp()  # type: ignore[misc]


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"referral-{name}-360.png"), full_page=True)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_worker_refers_a_household_and_the_partner_reads_it_once(
    phone, browser, live_server: LiveServer, smtp
) -> None:
    sessions, clock = live_server.sessions, live_server.clock
    with sessions.begin() as session:
        case = make_case(
            session, clock=clock, sector_code="arras", phones=("06 39 98 20 41",),
            last_name="Lefebvre", first_name="Sonia",
        )  # fmt: skip
        case.debt_cents = 183_000
        move(conversation_of(session, clock=clock, case=case), clock=clock, state=VISITED)
        save(
            session,
            clock=clock,
            actor=None,
            given=PartnerInput(name=PARTNER, kind="point_conseil_budget", email="pcb@example.org"),
        )
        case_id = case.id
    member = make_member(sessions, clock, sectors=("arras",))

    page = phone.new_page()
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(member.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"/cases/{case_id}#partners")
    partners = page.locator("#partners")
    partners.get_by_text("Orienter le ménage vers un partenaire").click()
    partners.get_by_label("Partenaire").first.select_option(label=PARTNER)
    partners.get_by_label("Pour").select_option(
        label="Accompagnement budgétaire (Point Conseil Budget)"
    )
    partners.get_by_role("button", name="Préparer l'orientation").click()

    expect(page.get_by_role("heading", name=f"Orientation vers {PARTNER}")).to_be_visible()
    shared = page.locator("#shared")
    expect(shared).to_contain_text("1 830,00 €")
    shared.get_by_label(re.compile("Causes de l'impayé")).uncheck()
    shared.get_by_label("Mot pour le partenaire").fill("Rendez-vous souhaité en fin de journée")
    shared.get_by_role("button", name="Enregistrer ce qui est transmis").click()
    expect(page.locator("#consent")).to_contain_text("Lisez ce texte au ménage")
    _no_sideways_scroll(page)
    _shot(page, "prepared")

    consent = page.locator("#consent")
    consent.get_by_label("à l'oral, en personne").check()
    consent.get_by_role("button", name="Le ménage est d'accord : envoyer").click()
    # This live server has no mail server: the referral waits, agreed, and says why.
    expect(page.locator("#consent")).to_contain_text("Accord donné le")
    expect(page.locator("#sending")).to_contain_text("L'e-mail n'est pas configuré")
    _shot(page, "agreed")

    controller, inbox = smtp
    settings = load_settings(
        ALLERVERS_PUBLIC_URL=live_server.url,
        **smtp_settings(controller.port),  # type: ignore[attr-defined]
    )
    with sessions() as session:
        referral_id = session.query(Referral.id).filter(Referral.case_id == case_id).scalar()
    assert send_one(sessions, clock=clock, settings=settings, referral_id=referral_id) is None
    mails = inbox.messages()
    token = re.search(r"/orientation/([A-Za-z0-9_-]+)", mails[0].get_content())
    code = re.search(r": (\d{6})", mails[1].get_content())
    assert token and code

    partner_context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fr-FR")
    try:
        reader = partner_context.new_page()
        response = reader.goto(f"/orientation/{token.group(1)}")
        assert response is not None and response.headers["referrer-policy"] == "no-referrer"
        expect(reader.get_by_role("heading", name="Orientation de l'équipe mobile")).to_be_visible()
        _shot(reader, "partner-code")
        reader.get_by_label("Code d'accès (6 chiffres)").fill(code.group(1))
        reader.get_by_role("button", name="Afficher la fiche").click()
        summary = reader.locator("pre.referral-summary")
        expect(summary).to_contain_text("Sonia Lefebvre")
        expect(summary).to_contain_text("Rendez-vous souhaité en fin de journée")
        expect(summary).not_to_contain_text("Causes")
        _no_sideways_scroll(reader)
        _shot(reader, "partner-summary")
        reader.reload()  # a reload posts nothing: the code form again, the summary gone
        expect(reader.locator("body")).to_contain_text("déjà servi")
    finally:
        partner_context.close()

    page.reload()
    expect(page.locator("#sending")).to_contain_text("Ouverte par le partenaire le")
    answer = page.locator("#answer")
    answer.get_by_label("prise en charge par le partenaire").check()
    answer.get_by_label("Sa réponse, en quelques mots").fill("Premier rendez-vous le 14")
    answer.get_by_role("button", name="Enregistrer la réponse").click()
    expect(page.locator("#answer")).to_contain_text("Premier rendez-vous le 14")
    _no_sideways_scroll(page)
    _shot(page, "answered")
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#partners")).to_contain_text("prise en charge par le partenaire")
    expect(page.locator("body")).to_contain_text(f"Orientation ouverte par {PARTNER}")
