"""The imports page: upload the monthly CCAPEX list, read the report, download rejected rows."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from outreach.models import AuditEvent, Case, ImportBatch
from tests.ccapex_files import row, write_list
from tests.web_support import csrf_of, https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _upload(web, path, month: str = "2026-03"):  # type: ignore[no-untyped-def]
    csrf = csrf_of(web.get("/imports").text)
    with path.open("rb") as handle:
        return web.post(
            "/imports",
            data={"csrf": csrf, "month": month},
            files={"file": (path.name, handle, "text/csv")},
            follow_redirects=False,
        )


def test_it_imports_an_uploaded_list_and_shows_the_report(web, sessions, clock, tmp_path) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    path = write_list(
        tmp_path / "LISTE MARS.csv",
        [
            row(reference="CCX-1"),
            row(reference="CCX-2", telephone="06 39 98 00 02"),
            row(reference="", nom="Sans référence"),
        ],
    )
    sign_in(web, coordinator.email)
    response = _upload(web, path)
    assert response.status_code == 303
    with sessions() as session:
        batch = session.scalar(select(ImportBatch))
        assert (batch.created, batch.rejected, batch.month) == (2, 1, "2026-03")
        assert batch.created_by_id == coordinator.id
        assert session.scalar(select(func.count()).select_from(Case)) == 2
    assert response.headers["location"] == f"/imports/{batch.id}"
    report = web.get(response.headers["location"]).text
    assert "LISTE MARS.csv" in report
    assert "ligne 4" in report  # the rejected row, by its line in the file
    listing = web.get("/imports").text
    assert f'href="/imports/{batch.id}"' in listing
    rejects = web.get(f"/imports/{batch.id}/rejects.csv")
    assert rejects.status_code == 200
    assert rejects.headers["content-type"].startswith("text/csv")
    assert "Sans référence" in rejects.text  # the row as the file gave it, to correct and resend
    with sessions() as session:
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "import.rejects"))


def test_it_refuses_an_unreadable_file_and_imports_nothing(web, sessions, clock, tmp_path) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    sign_in(web, coordinator.email)
    response = _upload(web, path)
    assert response.status_code == 422
    assert "Fichier refusé" in response.text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_it_refuses_a_bad_month(web, sessions, clock, tmp_path) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    path = write_list(tmp_path / "liste.csv", [row()])
    sign_in(web, coordinator.email)
    assert _upload(web, path, month="mars").status_code == 422


def test_workers_cannot_import_or_read_reports(web, sessions, clock, tmp_path) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, worker.email)
    assert web.get("/imports").status_code == 403
    assert web.get("/imports/1").status_code == 403
    assert web.get("/imports/1/rejects.csv").status_code == 403
    csrf = csrf_of(web.get("/").text)
    files = {"file": ("x.csv", b"a;b\n", "text/csv")}
    assert web.post("/imports", data={"csrf": csrf}, files=files).status_code == 403


def test_the_page_lists_the_columns_and_offers_a_template_that_imports(
    web, sessions, clock, tmp_path
) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = html.unescape(web.get("/imports").text)
    assert "Les colonnes lues par l'import" in page
    assert "Référence CCAPEX" in page and "obligatoire" in page
    assert "n° dossier" in page and "montant de la dette" in page  # accepted spellings
    template = web.get("/imports/modele-liste-ccapex.csv")
    assert template.status_code == 200
    assert template.headers["content-type"].startswith("text/csv")
    path = tmp_path / "modèle.csv"
    path.write_bytes(template.content)
    response = _upload(web, path)  # the template, as downloaded, imports its example
    assert response.status_code == 303
    with sessions() as session:
        batch = session.scalar(select(ImportBatch))
        assert (batch.created, batch.rejected) == (1, 0)


def test_a_refused_file_says_which_columns_are_missing_and_which_it_found(
    web, sessions, clock, tmp_path
) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    path = tmp_path / "sans-reference.csv"
    path.write_text("Nom;Prénom;Téléphone;Ville\nExemple;Camille;0639980001;Arras\n", "utf-8")
    response = _upload(web, path)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "colonnes obligatoires absentes : reference" in text
    assert "colonnes trouvées : nom, prenom, telephone, commune" in text


def test_the_report_reads_as_the_team_writes(web, sessions, clock, tmp_path) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    path = write_list(
        tmp_path / "liste février.csv",
        [
            row(reference="CCX-1", commune="Arras", code_postal="62000"),
            row(reference="CCX-2", commune="Nulle-Part", code_postal="99999"),
            row(reference="", nom="Sansréférence", prenom="Lina"),
        ],
    )
    response = _upload(web, path)
    report = html.unescape(web.get(response.headers["location"]).text)
    assert "liste février.csv" in report  # the file's name as the team wrote it
    assert "Lina Sansréférence" in report  # the household beside its rejected line
    main = report[report.index("<main") :]
    assert '<th scope="row">Sans secteur</th>' in main and "unassigned" not in main
    changed = [row(reference="CCX-1", telephone="06 39 98 00 09")]
    first = write_list(tmp_path / "liste mars.csv", changed)
    again = html.unescape(web.get(_upload(web, first, month="2026-04").headers["location"]).text)
    assert "CCX-1 : Téléphone" in again  # the changed columns by their French names
