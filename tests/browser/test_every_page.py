"""Every page a person can open, at 1366 px and at 360 px, held by tools rather than by hand:
axe-core (WCAG 2.1 A/AA and best practice, bundled by axe-playwright-python) finds no serious or
critical violation; at 360 px nothing scrolls sideways, every control is at least 44 px tall, and
the page's main action is on the first screen. Team pages (coordinator, worker, evaluator),
landlord and privacy pages, the partner's referral page, sign-in and error pages.
Screenshots go to test-artifacts/screenshots/page-*.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from outreach.ccapex.importer import import_file
from outreach.conversation.state import conversation_of, move
from outreach.conversation.table import VISITED
from outreach.models import InboxItem, Message, Referral, TeamUser
from outreach.partners.directory import PartnerInput, save
from outreach.partners.referrals import prepare
from outreach.partners.sharing import hash_secret
from outreach.simulation.demo import load_demo_data
from tests.browser.conftest import PHONE, SCREENSHOTS, LiveServer
from tests.ccapex_files import row, write_list
from tests.factories import make_case
from tests.web_support import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

DESKTOP = {"width": 1366, "height": 768}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = ("serious", "critical")
TOKEN = "ReferralLinkOfTheScan0123456789abcdefghij"
# Controls a finger must hit: buttons, fields, folds, links that stand alone as buttons.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, summary, a.button-link, .team-nav a'))
  .filter(el => el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true}))
  .filter(el => !(el.type === 'checkbox' || el.type === 'radio'))
  .filter(el => el.getBoundingClientRect().height < 43.5)
  .map(el => (el.tagName + ' ' + (el.name || el.textContent || '').trim()).slice(0, 60))"""
# A checkbox or a radio is hit through its label: the label is the target.
SMALL_CHOICES = """() => Array.from(
    document.querySelectorAll('input[type=checkbox], input[type=radio]'))
  .filter(el => el.checkVisibility({visibilityProperty: true}))
  .map(el => el.closest('label')
    || (el.id && document.querySelector('label[for=\"' + el.id + '\"]')))
  .filter(label => !label || label.getBoundingClientRect().height < 43.5)
  .map(label => label ? label.textContent.trim().slice(0, 60) : 'unlabelled choice')"""


@dataclass(frozen=True)
class Seen:
    path: str
    name: str
    who: str  # coordinator, worker, evaluator or nobody
    main: str | None = None  # the main action: on the first screen at 360 px


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, object]:
    """A case with a reply, a visit-ready conversation, a referral sent; three members."""
    sessions, clock = live_server.sessions, live_server.clock
    coordinator = make_member(sessions, clock, role="coordinator", email="coord.scan@example.org")
    worker = make_member(sessions, clock, sectors=("arras",), email="worker.scan@example.org")
    evaluator = make_member(sessions, clock, role="evaluator", email="eval.scan@example.org")
    with sessions.begin() as session:
        case = make_case(
            session, clock=clock, sector_code="arras", phones=("06 39 98 20 61",),
            last_name="Scan", first_name="Alix",
        )  # fmt: skip
        case.import_month = "2026-03"
        case.debt_cents = 98_000
        move(conversation_of(session, clock=clock, case=case), clock=clock, state=VISITED)
        reply = Message(
            direction="in", channel="sms", case_id=case.id, address="+33639982061",
            body="Bonjour, je veux bien de l'aide", status="received", processed=True,
            created_at=clock.now(),
        )  # fmt: skip
        session.add(reply)
        session.flush()
        session.add(
            InboxItem(kind="reply", case_id=case.id, message_id=reply.id, created_at=clock.now())
        )
        partner = save(
            session, clock=clock, actor=None,
            given=PartnerInput(name="ADIL du Pas-de-Calais (scan)", kind="adil",
                               email="adil@example.org"),
        )  # fmt: skip
        actor = session.get_one(TeamUser, coordinator.id)
        referral = prepare(
            session, clock=clock, case=case, partner_id=partner.id, purpose="legal", actor=actor
        )
        sent = Referral(
            case_id=case.id, partner_id=partner.id, purpose="legal", status="sent",
            delivery="link", fields=["identity"], wrong_codes=0, send_attempts=1,
            token_hash=hash_secret(TOKEN), code_hash=hash_secret("123456"),
            expires_at=clock.now().replace(year=clock.now().year + 1), sent_at=clock.now(),
            summary="Orientation O-2", created_at=clock.now(), updated_at=clock.now(),
        )  # fmt: skip
        session.add(sent)
        session.flush()
        ids = {"case": case.id, "referral": referral.id}
    folder = live_server.services.settings.spool_dir.parent
    folder.mkdir(parents=True, exist_ok=True)
    listing = write_list(
        folder / "liste scan.csv",
        [row(reference="SCAN-1"), row(reference="", nom="Sans-Référence", prenom="Noa")],
    )
    with sessions.begin() as session:
        ids["batch"] = import_file(session, clock=clock, path=listing, month="2026-03").batch_id
    return {
        "coordinator": coordinator.email,
        "worker": worker.email,
        "evaluator": evaluator.email,
        **ids,
    }


def _pages(world: dict[str, object]) -> list[Seen]:
    case, referral = world["case"], world["referral"]
    return [
        Seen("/login", "login", "nobody", "button[type=submit]"),
        Seen("/garanties", "landlord-guarantees", "nobody"),
        Seen("/confidentialite", "privacy", "nobody"),
        Seen("/confidentialite/bailleurs", "landlord-privacy", "nobody"),
        Seen(f"/orientation/{TOKEN}", "partner-referral", "nobody", "button[type=submit]"),
        Seen("/", "inbox", "worker"),
        Seen("/cases", "cases", "worker", "#f-q"),
        Seen(f"/cases/{case}", "case", "worker"),
        Seen(f"/cases/{case}/diagnostic", "diagnostic", "worker"),
        Seen(f"/cases/{case}/contract", "contract", "worker"),
        Seen(f"/cases/{case}/referrals/{referral}", "referral", "worker"),
        Seen("/agenda", "agenda", "worker"),
        Seen("/steps/overdue", "overdue", "worker"),
        Seen("/partners", "partners", "coordinator"),
        Seen("/unassigned", "unassigned", "worker"),
        Seen("/imports", "imports", "coordinator", "input[type=file]"),
        Seen(f"/imports/{world['batch']}", "import-report", "coordinator"),
        Seen("/sandbox", "sandbox", "worker"),
        Seen("/team", "team", "coordinator"),
        Seen("/indicators", "indicators", "coordinator"),
        Seen("/indicators", "indicators-evaluator", "evaluator"),
        Seen("/nulle-part", "not-found", "worker"),
    ]


@pytest.fixture(scope="module")
def signed_in(browser: Browser, live_server: LiveServer, world) -> Iterator[dict[str, Page]]:  # type: ignore[no-untyped-def]
    pages: dict[str, Page] = {}
    contexts = []
    for who in ("nobody", "worker", "coordinator", "evaluator"):
        context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        if who != "nobody":
            page.goto("/login")
            page.get_by_label("Adresse e-mail").fill(str(world[who]))
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            page.wait_for_load_state()
        pages[who] = page
    yield pages
    for context in contexts:
        context.close()


def _violations(page: Page) -> list[str]:
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    assert results.response["passes"], "axe did not run"  # an empty scan must not pass
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in FAILING_IMPACTS:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"{violation['impact']} {violation['id']}: {targets}")
    return found


PAGE_NAMES = [
    "login", "landlord-guarantees", "privacy", "landlord-privacy", "partner-referral", "inbox",
    "cases", "case", "diagnostic", "contract", "referral", "agenda", "overdue", "partners",
    "unassigned", "imports", "import-report", "sandbox", "team", "indicators",
    "indicators-evaluator", "not-found",
]  # fmt: skip


def test_the_list_covers_every_page(world) -> None:  # type: ignore[no-untyped-def]
    assert [seen.name for seen in _pages(world)] == PAGE_NAMES


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_the_page_at_1366_and_360_px(signed_in, world, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seen = next(seen for seen in _pages(world) if seen.name == name)
    page = signed_in[seen.who]
    page.set_viewport_size(DESKTOP)
    page.goto(seen.path)
    page.wait_for_load_state()
    problems = [f"1366: {v}" for v in _violations(page)]
    page.screenshot(path=str(SCREENSHOTS / f"page-{seen.name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    # As a phone opens it: what team.js opened for the wide screen is folded again.
    page.evaluate(
        "document.querySelectorAll('details[data-opened-wide]').forEach(d => d.open = false)"
    )
    problems += [f"360: {v}" for v in _violations(page)]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"360: scrolls sideways ({width} px)")
    problems += [f"360: small target {target}" for target in page.evaluate(SMALL_TARGETS)]
    problems += [f"360: small choice {target}" for target in page.evaluate(SMALL_CHOICES)]
    if seen.main is not None:
        box = page.locator(seen.main).first.bounding_box()
        if box is None or box["y"] + box["height"] > PHONE["height"]:
            problems.append("360: the main action is below the first screen")
    page.screenshot(path=str(SCREENSHOTS / f"page-{seen.name}-360.png"), full_page=True)
    assert problems == [], f"{seen.path}:\n" + "\n".join(problems)


def test_the_readme_sign_in_works_as_written(browser: Browser, live_server: LiveServer) -> None:
    """The README's own words, followed literally: the demo data `make run` loads, then each
    account of its table with the password it gives."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Signing in.**") :]
    password = re.search(r"password `([^`]+)`", section)
    emails = re.findall(r"^\| `([^`]+@[^`]+)` \|", section, flags=re.MULTILINE)
    assert password is not None and len(emails) == 5
    with live_server.sessions.begin() as session:
        load_demo_data(session, clock=live_server.clock)
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="fr-FR")
    try:
        for email in emails:
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("Adresse e-mail").fill(email)
            page.get_by_label("Mot de passe").fill(password.group(1))
            page.get_by_role("button", name="Se connecter").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("À traiter")
            page.context.clear_cookies()
            page.close()
    finally:
        context.close()
