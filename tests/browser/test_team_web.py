"""The team web app in a real browser: sign in, live inbox, case answer, indicators, CSRF,
sector restriction, and the accessible basics (labels, keyboard, 360 px). Screenshots of each page
go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from outreach.clock import FrozenClock
from outreach.models import Case
from tests.browser.conftest import PHONE, LiveServer, screenshot
from tests.factories import fiction_phone, make_case
from tests.web_support import PASSWORD, make_member

# A browser that stops answering fails the test in 2 minutes, not after the 5-minute default.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# Every visible form field must have a label (a <label for>, a wrapping label or aria-label).
UNLABELLED_FIELDS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""
FORGED_FETCH = """async (url) => (await fetch(url, {
  method: 'POST', body: new URLSearchParams({body: 'x'})
})).status"""


def _member(server: LiveServer, **kwargs):  # type: ignore[no-untyped-def]
    return make_member(server.sessions, server.clock, **kwargs)


def _case(server: LiveServer, phone: int, sector: str = "arras", **kwargs) -> int:
    with server.sessions.begin() as session:
        case = make_case(
            session, clock=server.clock, sector_code=sector, phones=[fiction_phone(phone)], **kwargs
        )
        case.import_month = "2026-03"
        return case.id


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("À traiter")


def _check_accessible_basics(page: Page) -> None:
    assert page.evaluate(UNLABELLED_FIELDS) == []
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(size)
    assert overflow <= PHONE["width"], f"horizontal scrolling at 360 px on {page.url}"


def test_it_signs_in_with_the_keyboard_only(page: Page, live_server: LiveServer) -> None:
    member = _member(live_server, role="coordinator", email="clavier@example.org")
    page.goto("/login")
    screenshot(page, "login")
    _check_accessible_basics(page)
    expect(page.locator("#login-email")).to_be_focused()  # autofocus: type straight away
    page.keyboard.type(member.email)
    page.keyboard.press("Tab")
    expect(page.locator("#login-password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("À traiter")
    page.goto("/cases")
    page.keyboard.press("Tab")  # the first stop on every page skips the header
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Recherche : référence, nom ou téléphone")).to_be_focused()


def _household_replies(browser, live_server: LiveServer, case_id: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """The household answers from its own phone: another browser, on its real clock (the team's
    page has a fake one), closed once the sandbox shows the reply as sent."""
    phone = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fr-FR")
    try:
        sandbox = phone.new_page()
        sandbox.goto(f"/sandbox/{case_id}")
        sandbox.get_by_label("Répondre en tant que foyer").fill(text)
        sandbox.get_by_role("button", name="Envoyer", exact=True).click()
        expect(sandbox.get_by_text(text)).to_be_visible()
    finally:
        phone.close()


def test_a_sandbox_reply_appears_in_the_inbox_without_reloading(
    browser, page: Page, live_server: LiveServer
) -> None:  # type: ignore[no-untyped-def]
    member = _member(live_server, role="coordinator")
    case_id = _case(live_server, phone=101, last_name="Sablier")
    page.clock.install()  # the page's timers move when the test says, not after real seconds
    _sign_in(page, member.email)
    page.evaluate("window.__notReloaded = true")
    _household_replies(browser, live_server, case_id, "Oui, appelez-moi après 17 h")
    item = page.locator("#inbox-items").get_by_text("Oui, appelez-moi après 17 h")
    expect(item).to_have_count(0)
    page.clock.run_for(3000)  # the page polls every 3 s
    expect(item).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    expect(page.locator("#inbox-status")).to_have_text("1 réponse à lire")
    expect(page.locator("#tab-replies")).to_have_text("Réponses (1)")  # the count follows
    # The keyboard user's focus survives the next refresh: on the same item's same button.
    handled = page.locator("#inbox-items").get_by_role("button", name=re.compile("Sablier"))
    handled.focus()
    _household_replies(browser, live_server, case_id, "Je suis là demain")
    page.clock.run_for(3000)
    expect(page.locator("#inbox-items").get_by_text("Je suis là demain")).to_be_visible()
    expect(
        page.locator("#inbox-items").get_by_role("button", name=re.compile("Sablier"))
    ).to_be_focused()
    screenshot(page, "inbox")
    _check_accessible_basics(page)


def test_it_opens_the_case_from_the_inbox_and_answers(page: Page, live_server: LiveServer) -> None:
    member = _member(live_server, role="coordinator")
    case_id = _case(live_server, phone=102, last_name="Réponse")
    # The household answers first, on the same tab (the inbox test covers two tabs at once).
    page.goto(f"/sandbox/{case_id}")
    page.get_by_label("Répondre en tant que foyer").fill("Je voudrais de l'aide")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.get_by_text("Je voudrais de l'aide")).to_be_visible()
    _sign_in(page, member.email)
    page.locator(f'a[href="/cases/{case_id}#answer"]').first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}#answer$"))
    page.get_by_label("Votre message").fill("Bonjour, nous passons jeudi à 10 h.")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text("Bonjour, nous passons jeudi à 10 h.")).to_be_visible()
    expect(timeline.get_by_text("Je voudrais de l'aide")).to_be_visible()
    page.locator("#steps").get_by_label("Démarche", exact=True).select_option("fsl")
    page.locator("#new-step-due").fill("2026-04-15")
    page.get_by_role("button", name="Ajouter la démarche").click()
    expect(page.locator("#steps")).to_contain_text("Demande FSL")
    screenshot(page, "case")
    _check_accessible_basics(page)
    page.get_by_role("link", name="Imprimer le contrat d'engagement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contrat d'engagement")
    expect(page.locator(".contract")).to_contain_text("15/04/2026")
    screenshot(page, "contract")
    page.goto("/")  # answered from the case page: the reply is no longer waiting
    answered = page.locator(f'#inbox-items a[href="/cases/{case_id}#answer"]')
    expect(answered).to_have_count(0)


def test_a_door_knock_marked_moved_records_the_outcome(page: Page, live_server: LiveServer) -> None:
    from outreach.team.tasks import create_task

    member = _member(live_server, sectors=("arras",))
    case_id = _case(live_server, phone=104, last_name="Porte")
    with live_server.sessions.begin() as session:
        case = session.get_one(Case, case_id)
        case.address, case.postcode, case.commune = "3 rue du Moulin", "62000", "Arras"
        create_task(session, clock=live_server.clock, case_id=case_id, task="door_knock")
    _sign_in(page, member.email)
    page.get_by_role("link", name="Tâches (1)").click()
    task = page.locator("#inbox-items li").first
    expect(task).to_contain_text("3 rue du Moulin, 62000 Arras")
    expect(task.get_by_role("link", name="Voir sur la carte")).to_be_visible()
    screenshot(page, "inbox-tasks")
    _check_accessible_basics(page)
    task.get_by_role("button", name="A déménagé").click()
    expect(page.locator(".undo")).to_contain_text("Marqué comme traité : A déménagé.")
    expect(page.locator("#inbox-items")).to_contain_text(
        "Le foyer a déménagé : décider de la suite"
    )
    page.goto(f"/cases/{case_id}")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("A déménagé")
    screenshot(page, "case-timeline")


def test_an_opted_out_household_cannot_be_answered(page: Page, live_server: LiveServer) -> None:
    member = _member(live_server, role="coordinator")
    case_id = _case(live_server, phone=103, opted_out=True)
    _sign_in(page, member.email)
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#answer-refusal")).to_contain_text("STOP")
    expect(page.get_by_label("Votre message")).to_be_disabled()


def test_the_case_list_filters_and_reads_well_on_a_phone(
    page: Page, live_server: LiveServer
) -> None:
    member = _member(live_server, role="coordinator")
    for number in range(3):
        _case(live_server, phone=110 + number, sector="lens", last_name=f"Liste{number}")
    _sign_in(page, member.email)
    page.get_by_role("link", name="Dossiers").click()
    page.get_by_label("Secteur").select_option("lens")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator(".case-table tbody tr")).to_have_count(3)
    page.get_by_label("Recherche : référence, nom ou téléphone").fill("06 39 98 01 11")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator(".case-table tbody tr")).to_have_count(1)
    page.goto("/cases")
    screenshot(page, "cases")
    _check_accessible_basics(page)


def test_it_finds_the_charts_on_the_indicators_page(page: Page, live_server: LiveServer) -> None:
    member = _member(live_server, role="coordinator")
    _case(live_server, phone=120)
    _sign_in(page, member.email)
    page.get_by_role("link", name="Indicateurs").click()
    charts = page.locator("svg.chart[role='img']")
    # The trend, the funnel (all, by sector, by month), the eight outcome and delay indicators,
    # then each outreach indicator by sector and by month.
    expect(charts).to_have_count(1 + 3 + 10 + 7 * 2)
    expect(page.locator("#chart-overall rect").first).to_be_visible()
    assert page.locator("#chart-sector title").first.text_content() == "Entonnoir par secteur"
    screenshot(page, "indicators")
    _check_accessible_basics(page)


def test_the_imports_page_reads_well(page: Page, live_server: LiveServer) -> None:
    member = _member(live_server, role="coordinator")
    _sign_in(page, member.email)
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_label("Fichier CSV (export du tableur)")).to_be_visible()
    screenshot(page, "imports")
    _check_accessible_basics(page)


def test_a_form_post_without_csrf_is_refused(page: Page, live_server: LiveServer) -> None:
    member = _member(live_server, role="coordinator")
    case_id = _case(live_server, phone=130)
    _sign_in(page, member.email)
    # Same cookies as the signed-in page, but no CSRF token: what a forged form would send.
    response = page.request.post(f"/cases/{case_id}/notes", form={"body": "forgée"})
    assert response.status == 403
    from_page = page.evaluate(FORGED_FETCH, f"/cases/{case_id}/notes")
    assert from_page == 403


def test_a_worker_cannot_open_another_sectors_case(page: Page, live_server: LiveServer) -> None:
    worker = _member(live_server, sectors=("arras",))
    other = _case(live_server, phone=140, sector="calais")
    _sign_in(page, worker.email)
    response = page.goto(f"/cases/{other}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("alert")).to_contain_text("pas à vos secteurs")
    screenshot(page, "forbidden")


def test_the_sandbox_link_is_in_the_header_in_development(
    page: Page, live_server: LiveServer
) -> None:
    member = _member(live_server, role="coordinator")
    _sign_in(page, member.email)
    page.get_by_role("link", name="Téléphone simulé").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith("/sandbox")


def test_the_session_follows_the_frozen_clock(page: Page, live_server: LiveServer) -> None:
    clock: FrozenClock = live_server.clock
    member = _member(live_server, role="coordinator")
    _sign_in(page, member.email)
    start = clock.now()
    try:
        clock.advance(hours=13)
        page.goto("/cases")
        expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    finally:
        clock.set(start)


def test_case_rows_link_to_cases(page: Page, live_server: LiveServer) -> None:
    member = _member(live_server, role="coordinator")
    case_id = _case(live_server, phone=150)
    with live_server.sessions() as session:
        reference = session.get_one(Case, case_id).reference
    _sign_in(page, member.email)
    page.goto(f"/cases?q={reference}")
    page.locator(".case-table tbody a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def test_the_team_page_reads_well(page: Page, live_server: LiveServer) -> None:
    member = _member(live_server, role="coordinator")
    _member(live_server, sectors=("arras",))
    _sign_in(page, member.email)
    page.goto("/team")
    expect(page.get_by_role("heading", name="Membres de l'équipe")).to_be_visible()
    expect(page.get_by_role("button", name="Désactiver").first).to_be_visible()
    screenshot(page, "team")
    _check_accessible_basics(page)


def test_a_worker_takes_a_case_sees_its_deadline_and_closes_it(
    page: Page, live_server: LiveServer
) -> None:
    from datetime import date

    member = _member(live_server, sectors=("arras",))
    case_id = _case(live_server, phone=105, last_name="Procédure")
    with live_server.sessions.begin() as session:
        case = session.get_one(Case, case_id)
        case.date_cdp = date(2026, 2, 16)  # six weeks: 30 March, 19 days after "today"
    _sign_in(page, member.email)
    page.goto(f"/cases/{case_id}")
    procedure = page.locator("#procedure")
    expect(procedure).to_contain_text("J-19")
    expect(procedure).to_contain_text("Date du bail inconnue")
    page.get_by_role("button", name="Je prends ce dossier").click()
    expect(page.locator("#facts")).not_to_contain_text("Personne n'est chargé")
    screenshot(page, "case-procedure")
    _check_accessible_basics(page)
    page.get_by_text("Vérifier le commandement de payer").click()
    fsl = page.get_by_role("group", name=re.compile("Mentionne la possibilité de saisir le FSL"))
    fsl.get_by_label("non conforme").check()
    page.get_by_role("button", name="Enregistrer la vérification").click()
    expect(page.locator("#procedure")).to_contain_text("pourrait être nul")
    screenshot(page, "case-procedure-checks")
    _check_accessible_basics(page)
    page.get_by_role("button", name="Ajouter cette démarche").click()
    expect(page.locator("#steps")).to_contain_text("Conseil juridique : ADIL ou avocat")
    page.get_by_label("Issue").select_option("kept_home")
    page.get_by_label("Commentaire (facultatif)").fill("Plan FSL accordé, loyer repris")
    page.get_by_role("button", name="Clore le dossier").click()
    expect(page.locator("#closing")).to_contain_text("maintien dans le logement")
    expect(page.locator(".case-head__tags")).to_contain_text("clos")
    screenshot(page, "case-closed")
    _check_accessible_basics(page)


def test_a_worker_tells_the_landlord_and_sees_it_in_the_history(
    page: Page, live_server: LiveServer
) -> None:
    from outreach.models import Landlord

    member = _member(live_server, sectors=("arras",))
    case_id = _case(live_server, phone=106, last_name="Bailleur")
    with live_server.sessions.begin() as session:
        session.get_one(Case, case_id).landlord = Landlord(name="SCI Fictive du Beffroi")
    _sign_in(page, member.email)
    page.goto(f"/cases/{case_id}")
    landlord = page.locator("#landlord")
    landlord.get_by_text("Compléter ou corriger les coordonnées du bailleur").click()
    landlord.get_by_label("Téléphone").fill("01 99 00 31 07")
    landlord.get_by_role("button", name="Enregistrer les coordonnées").click()
    landlord = page.locator("#landlord")
    expect(landlord.locator("a[href='tel:+33199003107']")).to_be_visible()
    landlord.get_by_text("Ce qui sera envoyé").click()
    preview = landlord.locator("pre.preview").inner_text()
    assert "garanties" in preview
    landlord.get_by_role("button", name=re.compile("Envoyer par SMS")).click()
    entry = page.locator("#timeline li", has_text="Message au bailleur").first
    expect(entry).to_contain_text(preview.strip()[:60])
    screenshot(page, "case-landlord")
    _check_accessible_basics(page)


def test_the_partners_page_reads_well(page: Page, live_server: LiveServer) -> None:
    from outreach.partners.directory import load_starter

    with live_server.sessions.begin() as session:
        load_starter(session, clock=live_server.clock)
    member = _member(live_server, role="coordinator")
    _sign_in(page, member.email)
    page.get_by_role("link", name="Partenaires").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partenaires")
    expect(page.get_by_role("heading", name="CAF du Pas-de-Calais")).to_be_visible()
    screenshot(page, "partners")
    _check_accessible_basics(page)


def test_the_overdue_steps_read_well(page: Page, live_server: LiveServer) -> None:
    from datetime import date

    from outreach.models import EngagementStep

    member = _member(live_server, sectors=("arras",))
    case_id = _case(live_server, phone=107, last_name="Retard")
    with live_server.sessions.begin() as session:
        now = live_server.clock.now()
        session.add(
            EngagementStep(
                case_id=case_id, kind="fsl", status="todo", due_date=date(2026, 3, 2),
                objective="Déposer la demande d'aide", actor="household",
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    _sign_in(page, member.email)
    page.get_by_role("link", name="Démarches en retard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Démarches en retard")
    expect(page.locator("tbody")).to_contain_text("Déposer la demande d'aide")
    expect(page.locator("tbody")).to_contain_text("9 jours")
    screenshot(page, "overdue")
    _check_accessible_basics(page)


def test_a_pasted_control_character_is_refused_and_the_note_is_still_there(
    page: Page, live_server: LiveServer
) -> None:
    # The one text rule (outreach/text_input.py) on the forms: a paste from a PDF or a word
    # processor can bring an invisible character; the page says so, and going back keeps the text.
    member = _member(live_server, role="coordinator")
    case_id = _case(live_server, phone=131, last_name="Collage")
    _sign_in(page, member.email)
    page.goto(f"/cases/{case_id}")
    note = "Rappeler lundi\u000bà 10 h"  # a vertical tab: Word's line break
    page.locator("#note-body").fill(note)
    page.get_by_role("button", name="Enregistrer la note").click()
    expect(page.locator("h1")).to_have_text("Demande à corriger")
    expect(page.locator("main")).to_contain_text("contient un caractère invisible")
    screenshot(page, "form-control-character")
    page.go_back()
    expect(page.locator("#note-body")).to_have_value(note)
