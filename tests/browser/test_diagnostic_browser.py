"""A home visit at 360 px, as a worker lives it at the kitchen table: open today's visit from the
agenda, record the consent given in person, fill the diagnostic with the network cut half way (the
draft stays on the phone and reaches the server once the network is back), submit it, agree three
démarches, print the engagement contract and have it signed, mark the visit done: the case is
"accompagné". Screenshots go to
test-artifacts/screenshots/diagnostic-*-360.png (looked at before calling the page done)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from outreach.casework import diagnostic
from outreach.models import Case, ConsentRecord, EngagementStep, Visit
from tests.agenda_support import Booked, booked_visit
from tests.browser.conftest import PHONE, SCREENSHOTS, LiveServer
from tests.web_support import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

OFFLINE = "Hors connexion : le brouillon est gardé sur ce téléphone"
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
def phone(browser, live_server: LiveServer):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(20_000)
    yield context
    context.close()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"diagnostic-{name}-360.png"), full_page=True)


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def _stored(live_server: LiveServer, case_id: int) -> dict:  # type: ignore[type-arg]
    with live_server.sessions() as session:
        return diagnostic.answers_of(diagnostic.get(session, case_id=case_id))


def _wait_for(live_server: LiveServer, case_id: int, key: str) -> dict:  # type: ignore[type-arg]
    """The stored answers once `key` is among them (the autosave runs a moment after typing)."""
    deadline = time.monotonic() + 15
    while True:
        stored = _stored(live_server, case_id)
        if key in stored or time.monotonic() > deadline:
            return stored
        time.sleep(0.2)


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("form.team-nav__logout")).to_be_attached()


def _drafts(page: Page) -> list[str]:
    return page.evaluate(  # type: ignore[no-any-return]
        "Object.keys(window.localStorage).filter(k => k.startsWith('allervers.diagnostic.'))"
    )


def _at_the_visit(phone, live_server: LiveServer) -> tuple[Booked, Page]:  # type: ignore[no-untyped-def]
    """A booked visit, the clocks 20 minutes into it, its worker signed in on the phone. The
    page's timers (autosave 1.5 s after typing, retry every 5 s) move when the test says."""
    booked = booked_visit(live_server.sessions, live_server.clock)
    with live_server.sessions() as session:
        starts_at = session.get_one(Visit, booked.visit_id).starts_at
    live_server.clock.set(starts_at + timedelta(minutes=20))
    phone.clock.install()
    page = phone.new_page()
    _sign_in(page, booked.worker_email)
    return booked, page


def _consent_in_person(page: Page) -> None:
    """The consent to the diagnostic, read out and agreed orally (on the case page)."""
    consents = page.locator("#consents")
    consents.get_by_text("Noter un consentement donné en personne").click()
    consents.get_by_label("accord donné").check()
    consents.get_by_role("button", name="Enregistrer la réponse").click()
    expect(consents).to_contain_text("Diagnostic social et financier : accord donné")


def test_a_worker_fills_the_diagnostic_through_a_network_cut(
    phone, live_server: LiveServer
) -> None:
    booked, page = _at_the_visit(phone, live_server)
    page.goto("/agenda")
    page.locator(".agenda-visit", has_text=booked.reference).get_by_role("link").first.click()

    _consent_in_person(page)  # the consent first

    page.locator(f"a[href='/cases/{booked.case_id}/diagnostic']").first.click()
    expect(page.locator("h1")).to_contain_text("Diagnostic social et financier")
    expect(page.locator(".diag-rgpd")).to_contain_text("Ne notez aucune information de santé")
    _shot(page, "open")
    _no_sideways_scroll(page)

    # Half the diagnostic, online: saved on its own.
    page.get_by_label("Adultes vivant dans le logement").fill("2")
    page.get_by_label("Enfants à charge").fill("1")
    page.get_by_label("Seul avec enfants").check()
    page.get_by_label("Salaires").fill("1 250")
    page.get_by_label("Aide au logement (APL ou AL)").fill("210")
    status = page.locator("#diagnostic-status")
    # A wrong tap on a single choice is taken back ("Effacer la réponse"), and saved as no answer.
    single = page.locator(".diag-field[data-field='family_situation']")
    expect(single.get_by_role("button", name="Effacer la réponse")).to_be_visible()
    single.get_by_role("button", name="Effacer la réponse").click()
    expect(page.get_by_label("Seul avec enfants")).not_to_be_checked()
    expect(single.get_by_role("button", name="Effacer la réponse")).to_be_hidden()
    page.clock.run_for(1500)
    expect(status).to_contain_text("Brouillon enregistré à")
    assert "family_situation" not in _wait_for(live_server, booked.case_id, "salary")
    page.get_by_label("Seul avec enfants").check()
    page.get_by_label("Oui, versée au propriétaire").check()
    page.clock.run_for(1500)
    expect(status).to_contain_text("Brouillon enregistré à")
    stored = _wait_for(live_server, booked.case_id, "housing_benefit_kept")
    assert stored["family_situation"] == "single_parent"

    # The network drops: the rest is kept on the phone.
    phone.set_offline(True)
    page.get_by_label("Loyer, sans les charges").fill("620")
    page.get_by_label("Perte d'emploi").check()
    page.get_by_label("Séparation").check()
    page.get_by_label("Rester dans le logement").check()
    page.get_by_label("Votre évaluation de la situation").fill(
        "Dette récente après la perte d'emploi ; le foyer veut rester, reprise de travail prévue."
    )
    page.clock.run_for(1500)
    expect(status).to_have_text(OFFLINE)
    _shot(page, "offline")
    page.screenshot(path=str(SCREENSHOTS / "diagnostic-offline-screen-360.png"))
    _no_sideways_scroll(page)
    kept = json.loads(
        page.evaluate(f"window.localStorage.getItem('allervers.diagnostic.{booked.case_id}')")
    )
    assert kept["answers"]["rent"] == "620"
    assert "rent" not in _stored(live_server, booked.case_id)
    page.close()

    # Back online, the page opened again: the phone's draft is put back and saved.
    phone.set_offline(False)
    page = phone.new_page()
    page.goto(f"/cases/{booked.case_id}/diagnostic")
    expect(page.get_by_label("Loyer, sans les charges")).to_have_value("620")
    expect(page.get_by_label("Séparation")).to_be_checked()
    page.clock.run_for(1500)
    expect(page.locator("#diagnostic-status")).to_contain_text("Brouillon enregistré à")
    stored = _wait_for(live_server, booked.case_id, "assessment")
    assert stored["rent"] == 62000 and stored["causes"] == ["job_loss", "separation"]
    assert stored["salary"] == 125000 and stored["wish"] == "stay"
    _shot(page, "restored")

    # Submitted, it reads as text; then back to the case to mark the visit done.
    page.get_by_role("button", name="Terminer le diagnostic").click()
    expect(page.locator(".diag-done")).to_have_text("Diagnostic terminé.")
    expect(page.locator("#diagnostic")).to_contain_text("Perte d'emploi, Séparation")
    assert page.evaluate("Object.keys(window.localStorage).length") == 0
    _shot(page, "submitted")
    _no_sideways_scroll(page)
    page.get_by_role("link", name="Retour au dossier").last.click()

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
    page.screenshot(path=str(SCREENSHOTS / "visit-steps-360.png"), full_page=True)
    _no_sideways_scroll(page)

    # The contract printed (what the printer gets: the print stylesheet), then signed.
    page.get_by_role("link", name="Imprimer le contrat d'engagement").click()
    for _, objective, _ in STEPS:
        expect(page.locator(".contract")).to_contain_text(objective)
    page.set_viewport_size({"width": 794, "height": 1123})  # an A4 page at 96 dpi
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "contract-print.png"), full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)
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
        assert session.get_one(Visit, booked.visit_id).status == "held"
        found = diagnostic.get(session, case_id=booked.case_id)
        assert found is not None and found.status == "submitted"
        assert session.get_one(Case, booked.case_id).status == "supported"
        purposes = session.scalars(
            select(ConsentRecord.purpose).where(ConsentRecord.case_id == booked.case_id)
        ).all()
        assert sorted(purposes) == ["contract", "diagnostic"]
        actors = session.scalars(
            select(EngagementStep.actor).where(EngagementStep.case_id == booked.case_id)
        ).all()
        assert list(actors) == ["household", "team", "partner"]


def test_signing_out_asks_before_erasing_a_draft_the_server_does_not_have(
    phone, live_server: LiveServer
) -> None:
    """A draft typed without network stays on the phone until it reaches the server; signing out
    asks first, keeps it when the worker cancels, and erases it when they go on. A page that
    signs out without the script (or a draft the script missed) is cleared by the server's
    answer to the sign-out (Clear-Site-Data)."""
    booked, page = _at_the_visit(phone, live_server)
    page.goto(f"/cases/{booked.case_id}")
    _consent_in_person(page)
    page.goto(f"/cases/{booked.case_id}/diagnostic")
    phone.set_offline(True)
    page.get_by_label("Loyer, sans les charges").fill("540")
    page.clock.run_for(1500)
    expect(page.locator("#diagnostic-status")).to_have_text(OFFLINE)
    assert _drafts(page) == [f"allervers.diagnostic.{booked.case_id}"]

    asked: list[str] = []

    def cancel(dialog) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", cancel)
    page.get_by_text("Menu").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator("h1")).to_contain_text("Diagnostic social et financier")
    assert asked and asked[0].startswith("Un diagnostic commencé sur ce téléphone")
    assert "Se déconnecter quand même ?" in asked[0]
    assert _drafts(page) == [f"allervers.diagnostic.{booked.case_id}"]
    page.screenshot(path=str(SCREENSHOTS / "diagnostic-sign-out-kept-360.png"))

    # Going on erases it (the sign-out itself waits for the network: the phone is offline).
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Se déconnecter").click()
    phone.set_offline(False)
    page.goto("/")  # the script erased the draft as the form left, before the network failed
    assert _drafts(page) == []
    page.get_by_text("Menu").click()
    page.get_by_role("button", name="Se déconnecter").click()  # nothing kept: no question
    expect(page).to_have_url(f"{live_server.url}/login")
    assert len(asked) == 1

    # Without the script's question: the server's answer to the sign-out clears the phone.
    _sign_in(page, booked.worker_email)
    page.evaluate(f"window.localStorage.setItem('allervers.diagnostic.{booked.case_id}', '{{}}')")
    page.evaluate("document.querySelector('form.team-nav__logout').submit()")
    expect(page).to_have_url(f"{live_server.url}/login")
    assert _drafts(page) == []
