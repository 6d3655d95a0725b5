"""The print batch and the door card, read back as paper: pages rendered by poppler, the address
placed from the PDF's own text positions, the QR codes decoded with zxing-cpp, and the decoded
link opened through the Telegram webhook.

Pages kept to look at: test-artifacts/screenshots/letters-batch-page-{1,2}.png and
letters-door-card.png.
"""

from __future__ import annotations

import html
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from api.webhooks.telegram import SECRET_HEADER
from bot.letter_pdf import ADDRESS_FRAME, WINDOW_ZONE
from outreach.letters import add_letter
from outreach.models import Case, ContactPoint, InboxItem, Letter
from outreach.team.tasks import create_task
from tests.doubles.telegram_double import TOKEN, TelegramDouble, text_update
from tests.engine_support import PARIS
from tests.factories import make_case
from tests.pdf_support import keep, qr_codes, render_pages, require_poppler, words_by_page
from tests.web_support import csrf_of, https_client, make_member, page_csrf, sign_in

BOT = "allervers_test_bot"
SECRET = "webhook-secret-0123456789abcdef"
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=PARIS)
DAY = date(2026, 12, 4)
HOUSEHOLDS = 30


@pytest.fixture(autouse=True)
def _poppler() -> None:
    require_poppler()


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    double = TelegramDouble().start()
    yield double
    double.stop()


@pytest.fixture
def settings_overrides(double: TelegramDouble) -> dict[str, object]:
    return {
        "ALLERVERS_CHANNELS": "sandbox,telegram",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": double.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_BOT_USERNAME": BOT,
    }


@pytest.fixture(autouse=True)
def _close_channel(services) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    services.channels["telegram"].close()


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _households(sessions, clock, count: int, sector: str = "arras") -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    with sessions.begin() as session:
        for number in range(count):
            case = make_case(
                session,
                clock=clock,
                phones=(),
                sector_code=sector,
                first_name="Camille",
                last_name=f"Exemple{number:02d}",
            )
            case.address = f"{number + 1} rue de l'Exemple"
            case.postcode, case.commune = f"620{number % 10:02d}", "Arras"
            case.debt_cents = 345_678
            add_letter(session, clock=clock, case=case, template="letter", telegram_bot=BOT)
            ids.append(case.id)
    return ids


def _download(web, through: int, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    response = web.get(f"/letters/{DAY.isoformat()}/batch.pdf", params={"through": through})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "batch.pdf"
    pdf.write_bytes(response.content)
    return pdf


def _through(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return max(session.scalars(select(Letter.id)))


def _links_by_name(sessions) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        rows = session.execute(select(Letter, Case).join(Case, Case.id == Letter.case_id))
        return {case.people[0].last_name.upper(): letter.link for letter, case in rows}


# The paper is the same whatever the database: rendered once, on SQLite (tests/test_letters.py
# runs the batch's logic on both databases).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_batch_of_30_letters_puts_each_address_in_the_window_with_its_own_qr_code(
    web, sessions, clock, double, tmp_path
) -> None:
    clock.set(NOW)
    _households(sessions, clock, HOUSEHOLDS)
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/letters").text
    assert "04/12/2026" in page and "à poster : 30" in page
    pdf = _download(web, _through(sessions), tmp_path)
    pages = words_by_page(pdf)
    assert len(pages) == HOUSEHOLDS  # one A4 page per letter
    links = _links_by_name(sessions)
    names_in_order = []
    for words in pages:
        name = next(word.text for word in words if word.text.startswith("EXEMPLE"))
        names_in_order.append(name)
        address = [word for word in words if word.top >= ADDRESS_FRAME[1] - 1 and word.top < 90]
        assert address and all(word.inside(*ADDRESS_FRAME) for word in address), address
        # The window shows the address and nothing else: not the team, not the procedure.
        seen = " ".join(word.text for word in words if word.overlaps(*WINDOW_ZONE))
        assert seen.startswith("Camille EXEMPLE") and seen.endswith("ARRAS"), seen
        assert "expulsion" not in seen.lower()
        text = " ".join(word.text for word in words)
        assert "3456" not in text and "3 456" not in text and "€" not in text
        assert "gratuite et confidentielle" in text
    assert len(set(names_in_order)) == HOUSEHOLDS
    png = render_pages(pdf, tmp_path)
    for number, image in enumerate(png):
        assert qr_codes(image) == [links[names_in_order[number]]]
    keep(png[0], "letters-batch-page-1.png")
    keep(png[1], "letters-batch-page-2.png")
    _opening_the_link_links_the_household(web, sessions, double, links[names_in_order[0]])


def _opening_the_link_links_the_household(web, sessions, double, link: str) -> None:  # type: ignore[no-untyped-def]
    token = link.split("start=", 1)[1]
    response = web.post(
        "/webhooks/telegram",
        json=text_update(700000042, f"/start {token}"),
        headers={SECRET_HEADER: SECRET},
    )
    assert response.status_code == 200
    with sessions() as session:
        letter = session.scalars(select(Letter).where(Letter.link == link)).one()
        point = session.scalars(select(ContactPoint).where(ContactPoint.kind == "telegram")).one()
        assert (point.case_id, point.value) == (letter.case_id, "700000042")
    assert double.sent(700000042)  # the bot says the chat is linked


def test_marking_the_batch_posted_shows_on_each_case_timeline(
    web, sessions, clock, tmp_path
) -> None:
    clock.set(NOW)
    case_ids = _households(sessions, clock, 3)
    through = _through(sessions)
    late = _households(sessions, clock, 1)  # written after the page was shown
    worker = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, worker.email)
    csrf = page_csrf(web, "/letters")
    clock.advance(hours=5)
    response = web.post(
        f"/letters/{DAY.isoformat()}/posted",
        data={"csrf": csrf, "through": through},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with sessions() as session:
        posted = dict(session.execute(select(Letter.case_id, Letter.posted_at)).all())
    assert all(posted[case_id] == clock.now() for case_id in case_ids)
    assert posted[late[0]] is None  # it waits for the next batch
    page = html.unescape(web.get(f"/cases/{case_ids[0]}").text)
    assert "Courrier posté" in page and "Courrier ajouté au lot d'impression du 04/12/2026" in page
    assert "à poster : 1" in web.get("/letters").text


def test_a_worker_neither_sees_nor_prints_another_sectors_letters(
    web, sessions, clock, tmp_path
) -> None:
    clock.set(NOW)
    _households(sessions, clock, 2, sector="calais")
    worker = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, worker.email)
    assert "Aucun courrier à poster." in web.get("/letters").text
    response = web.get(
        f"/letters/{DAY.isoformat()}/batch.pdf", params={"through": _through(sessions)}
    )
    assert response.status_code == 404


def test_the_door_card_carries_the_households_own_link_and_no_name(
    web, sessions, clock, double, tmp_path
) -> None:
    clock.set(NOW)
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras", last_name="Fictif")
        task_id = create_task(session, clock=clock, case_id=case.id, task="door_knock").id
        case_id = case.id
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get(f"/cases/{case_id}")
    assert f'action="/tasks/{task_id}/door-card"' in page.text
    inbox = web.get("/", params={"tab": "tasks"}).text
    assert f'action="/tasks/{task_id}/door-card"' in inbox
    response = web.post(f"/tasks/{task_id}/door-card", data={"csrf": csrf_of(page.text)})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "297.638 x 419.528 pts" in info  # A6: 105 x 148 mm
    text = " ".join(word.text for word in words_by_page(pdf)[0])
    assert "Nous sommes passés vous voir" in text and "gratuite et confidentielle" in text
    assert "FICTIF" not in text.upper() and "expulsion" not in text.lower()
    image = render_pages(pdf, tmp_path, dpi=200)[0]
    with sessions() as session:
        card = session.scalars(select(Letter).where(Letter.kind == "door_card")).one()
        assert (card.case_id, card.task_id) == (case_id, task_id)
    assert qr_codes(image) == [card.link]
    keep(image, "letters-door-card.png")
    again = web.post(f"/tasks/{task_id}/door-card", data={"csrf": csrf_of(page.text)})
    assert again.content == response.content  # the same card, the same link
    assert "Avis de passage imprimé" in web.get(f"/cases/{case_id}").text


def test_a_door_card_needs_a_door_knock_task_and_a_csrf_token(web, sessions, clock) -> None:
    clock.set(NOW)
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        call_id = create_task(session, clock=clock, case_id=case.id, task="phone_call").id
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    csrf = page_csrf(web, "/letters")
    assert web.post(f"/tasks/{call_id}/door-card", data={"csrf": csrf}).status_code == 404
    assert web.post(f"/tasks/{call_id}/door-card", data={}).status_code == 403
    with sessions() as session:
        assert session.scalars(select(InboxItem.note)).all() == ["phone_call"]
        assert session.scalars(select(Letter)).all() == []
