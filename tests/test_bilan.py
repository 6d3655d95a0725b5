"""The yearly bilan (issue #17): `allervers bilan --year 2026 -o bilan-2026.pdf` and the page's
button write a PDF whose text holds the key figures and every section; its pages are saved as
PNG under test-artifacts/screenshots/bilan-2026-*.png (looked at before calling it done).

The year: 45 households in Arras, Lens and Calais (3 only in Calais: hidden for the State), some
answered, visited, diagnosed, under contract and closed; 10 in 2025 to compare with."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.cli import bilan as cli_bilan
from outreach.casework.closing import OUTCOMES
from outreach.models import ConsentRecord, Diagnostic, EngagementStep, Message, Visit
from tests.factories import fiction_phone, make_case
from tests.web_support import https_client, make_member, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
CAUSES = ("job_loss", "income_drop", "separation", "health", "caf_error")
KINDS = ("fsl", "landlord_mediation", "dls", "overindebtedness", "social_worker")

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils missing (apt-get install -y poppler-utils)",
)


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _at(month: str, day: int, hours: float = 0) -> datetime:
    return datetime.fromisoformat(f"{month}-{day:02d}T08:00:00+00:00") + timedelta(hours=hours)


@pytest.fixture
def year(sessions, clock) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        for n in range(55):
            sector = "calais" if n < 3 else ("arras", "lens")[n % 2]
            month = f"2026-{n % 4 + 1:02d}" if n < 45 else f"2025-{n % 12 + 1:02d}"
            case = make_case(session, clock=clock, sector_code=sector,
                             phones=(fiction_phone(n),) if n % 9 else ())  # fmt: skip
            case.import_month, case.created_at = month, _at(month, 2)
            case.date_cdp = date(int(month[:4]), int(month[5:]), 1) - timedelta(days=20 * (n % 4))
            if not n % 9:
                continue  # no number
            _message(session, case.id, "out", _at(month, 2, 4 + n % 30))
            if n % 3 == 2:
                continue  # never answered
            _message(session, case.id, "in", _at(month, 4, n % 50))
            if n % 5 == 1:
                continue
            at = _at(month, 12 + n % 10)
            session.add(
                Visit(case_id=case.id, starts_at=at, ends_at=at + timedelta(hours=1),
                      status="held", window_starts_at=at, window_ends_at=at + timedelta(hours=1),
                      time_window="entre 10 h et 11 h", created_at=at)
            )  # fmt: skip
            session.add(
                Diagnostic(case_id=case.id, form_version="test", status="submitted", revision=1,
                           answers=json.dumps({"causes": [CAUSES[n % 5], CAUSES[n % 3]]}),
                           updated_at=at, submitted_at=at)
            )  # fmt: skip
            session.add(
                ConsentRecord(case_id=case.id, purpose="contract", decision="given",
                              text_version="contract-v1", language="fr", channel="visit",
                              recorded_at=at + timedelta(days=n % 6))
            )  # fmt: skip
            for kind in KINDS[: 1 + n % 3]:
                session.add(
                    EngagementStep(case_id=case.id, kind=kind,
                                   status="done" if n % 4 else "in_progress",
                                   created_at=at, updated_at=at)
                )  # fmt: skip
            if n % 4 != 2:
                case.status, case.closed_at = "closed", at + timedelta(days=40)
                case.outcome = list(OUTCOMES)[n % 5]


def _message(session, case_id: int, direction: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    session.add(
        Message(direction=direction, channel="sms", case_id=case_id, address="+33639980001",
                body="…", status="delivered" if direction == "out" else "received",
                processed=True, created_at=at)
    )  # fmt: skip


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the figures: on both elsewhere
def test_the_command_writes_the_bilan_with_its_figures_and_every_section(
    year, db_url, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("ALLERVERS_DATABASE_URL", db_url)
    monkeypatch.setenv("ALLERVERS_NOW", "2026-12-15T10:00:00+01:00")
    monkeypatch.setenv("ALLERVERS_ORGANISATION_NAME", "Équipe mobile fictive")
    monkeypatch.delenv("ALLERVERS_ENV", raising=False)
    app = typer.Typer()
    app.command("noop")(lambda: None)  # a group, so the command keeps its name
    cli_bilan.register(app)
    output = tmp_path / "bilan-2026.pdf"
    result = CliRunner().invoke(app, ["bilan", "--year", "2026", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "Bilan annuel 2026 écrit dans" in result.output and "45 ménages" in result.output
    text = _text(output)
    for words in (
        "Bilan annuel 2026", "Équipe mobile fictive", "janvier 2026 – décembre 2026",
        "Arras, Calais, Lens",
        # The key figures, then every section.
        "Chiffres clés", "Ménages transmis", "Ménages joints", "Diagnostics",
        "Visites à domicile effectuées", "Ménages accompagnés (contrat accepté)",
        "Dossiers clos avec une issue favorable", "période précédente : 10",
        "Activité", "Évolution mois par mois", "Entonnoir de l'aller-vers",
        "Issues des dossiers clos", "Démarches convenues, par type",
        "Démarches réalisées, par type", "Stade de la procédure à la première réponse",
        "Stade de la procédure à la clôture", "Ménages non joints",
        "Causes de l'impayé (diagnostics)", "Délais entre les étapes, en jours",
        "Secteur : Arras", "Secteur : Calais", "Secteur : Lens",
        "Méthode et définitions", "Petits effectifs",
    ):  # fmt: skip
        assert words in text, words
    assert "45" in text.split("Ménages transmis", 1)[1][:200]
    assert "<\u00a05" in text or "< 5" in text  # Calais: 3 households, hidden
    assert "0.0" not in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("bilan-2026-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", str(output), str(SCREENSHOTS / "bilan-2026")], check=True
    )
    pages = sorted(SCREENSHOTS.glob("bilan-2026-*.png"))
    assert 7 <= len(pages) <= 16  # a few pages: cover, figures, sections, sectors, method


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_page_button_gives_the_evaluator_the_bilan_with_small_cells_hidden(
    web, sessions, clock, year, tmp_path
) -> None:
    evaluator = make_member(sessions, clock, role="evaluator")
    sign_in(web, evaluator.email)
    page = web.get("/indicators").text
    assert 'action="/indicators/bilan.pdf"' in page and "Télécharger le bilan" in page
    answer = web.get("/indicators/bilan.pdf?year=2026")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert 'filename="bilan-2026.pdf"' in answer.headers["content-disposition"]
    pdf = tmp_path / "bilan.pdf"
    pdf.write_bytes(answer.content)
    calais = _text(pdf).split("Secteur : Calais", 1)[1]
    transferred = calais.split("Ménages transmis", 1)[1][:80]
    assert "<" in transferred and "3" not in transferred.split("Ménages joints")[0]
