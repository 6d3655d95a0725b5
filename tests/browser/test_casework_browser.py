"""A home visit at 360 px, as a worker lives it at the kitchen table: open today's visit from the
agenda, record the consent given in person, agree three démarches, print the engagement contract,
have it signed, mark the visit done; the case is then "accompagné". Screenshots of each step go
to test-artifacts/screenshots/ (looked at before calling the page done)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from outreach.models import Case, ConsentRecord, EngagementStep, Visit
from tests.agenda_support import booked_visit
from tests.browser.conftest import PHONE, SCREENSHOTS, LiveServer
from tests.web_support import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

STEPS = (
    ("Demande FSL (Fonds de solidarité logement)", "Payer les deux mois de retard", "le foyer"),
    (
        "Mise à jour du dossier CAF ou MSA (maintien de l'aide au logement)",
        "Garder l'APL",
        "l'équipe",
    ),
    ("Rendez-vous avec un travailleur social", "Faire le point sur le budget", "un partenaire"),
)


@pytest.fixture
def phone_page(browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_a_worker_holds_todays_visit_on_a_phone(phone_page: Page, live_server: LiveServer) -> None:
    page = phone_page
    booked = booked_visit(live_server.sessions, live_server.clock)
    with live_server.sessions() as session:
        starts_at = session.get_one(Visit, booked.visit_id).starts_at
    live_server.clock.set(starts_at + timedelta(minutes=20))  # the worker is at the door

    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(booked.worker_email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto("/agenda")
    page.get_by_role("link", name=booked.reference).click()
    visit = page.locator("#visit")
    expect(visit).to_contain_text("au domicile du foyer")
    expect(visit.get_by_role("button", name="Visite faite")).to_be_visible()
    expect(page.locator("#facts")).to_contain_text("Arras")
    expect(page.locator("#facts a[href^='tel:']")).to_have_count(1)
    _shot(page, "visit-case")
    _no_sideways_scroll(page)

    # The consent, read out and signed on paper.
    consents = page.locator("#consents")
    consents.get_by_text("Noter un consentement donné en personne").click()
    consents.get_by_label("accord donné").check()
    consents.get_by_label("signé sur papier").check()
    consents.get_by_label("Où le papier signé est classé (facultatif)").fill("Classeur 3")
    consents.get_by_role("button", name="Enregistrer la réponse").click()
    expect(page.locator("#consents")).to_contain_text(
        "Diagnostic social et financier : accord donné"
    )
    _shot(page, "visit-consent")

    # Three démarches, in the household's words, with who does them.
    for label, objective, who in STEPS:
        steps = page.locator("#steps")
        if not steps.get_by_label("Objectif, dans les mots du foyer").is_visible():
            steps.get_by_text("Convenir d'une nouvelle démarche").click()
        steps.get_by_label("Démarche", exact=True).select_option(label=label)
        steps.get_by_label("Objectif, dans les mots du foyer").fill(objective)
        steps.get_by_label(who, exact=True).check()
        steps.locator("#new-step-due").fill("2026-03-31")
        steps.get_by_role("button", name="Ajouter la démarche").click()
        expect(page.locator("#steps")).to_contain_text(objective)
    _shot(page, "visit-steps")
    _no_sideways_scroll(page)

    # The contract, printed (what the printer gets: the print stylesheet).
    page.get_by_role("link", name="Imprimer le contrat d'engagement").click()
    contract = page.locator(".contract")
    for _, objective, _ in STEPS:
        expect(contract).to_contain_text(objective)
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "contract-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.go_back()

    page.get_by_label("Où le contrat signé est classé (facultatif)").fill("Classeur 3")
    page.get_by_role("button", name="Le foyer a signé le contrat").click()
    expect(page.locator("#steps")).to_contain_text("Contrat accepté le")
    page.locator("#visit").get_by_role("button", name="Visite faite").click()
    expect(page.locator(".case-head__tags")).to_contain_text("accompagné")
    expect(page.locator("#visit")).to_contain_text("Statutfaite")
    _shot(page, "visit-done")
    _no_sideways_scroll(page)

    with live_server.sessions() as session:
        case = session.get_one(Case, booked.case_id)
        assert case.status == "supported"
        assert session.get_one(Visit, booked.visit_id).status == "held"
        purposes = session.scalars(
            select(ConsentRecord.purpose).where(ConsentRecord.case_id == case.id)
        ).all()
        assert sorted(purposes) == ["contract", "diagnostic"]
        steps = session.scalars(
            select(EngagementStep).where(EngagementStep.case_id == case.id)
        ).all()
        assert [step.actor for step in steps] == ["household", "team", "partner"]
