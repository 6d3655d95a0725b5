"""`allervers import FILE [--month YYYY-MM] [--rejects PATH]` as the coordinator runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.models import Case, ImportBatch
from tests.ccapex_files import CliRun, cli_runner, row, write_list


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    return cli_runner(db_url, tmp_path, monkeypatch)


def test_it_prints_a_french_summary_by_sector_and_writes_the_rejects(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    table = tmp_path / "secteurs.csv"
    table.write_text("commune;code_postal;secteur\nArras;62000;Arras\n")
    assert cli(["sectors", "load", str(table)]).exit_code == 0
    path = write_list(
        tmp_path / "liste.csv",
        [row(reference="A"), row(reference="B", commune="Lille", code_postal="59000"), row(nom="")],
        encoding="cp1252",
    )
    result = cli(["import", str(path), "--month", "2026-03"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Import de liste.csv (mois 2026-03, encodage cp1252")
    assert lines[1] == (
        "Lignes lues : 3 — créés : 2 — mis à jour : 0 — inchangés : 0 — rejetés : 1"
    )
    assert "  Arras : créés 1, mis à jour 0, inchangés 0, rejetés 1" in lines
    assert "  Non affectés (aucun secteur) : créés 1, mis à jour 0, inchangés 0, rejetés 0" in lines
    assert "  ligne 4 : nom manquant" in lines
    assert f"Lignes rejetées écrites dans {tmp_path / 'liste.rejets.csv'}" in lines
    assert (tmp_path / "liste.rejets.csv").exists()


def test_it_says_what_changed_on_a_second_import(cli: CliRun, tmp_path: Path) -> None:
    cli(["import", str(write_list(tmp_path / "a.csv", [row()])), "--month", "2026-03"])
    second = write_list(tmp_path / "b.csv", [row(etape="Jugement", montant_dette="99")])
    result = cli(
        ["import", str(second), "--month", "2026-04", "--rejects", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "Dossiers mis à jour (colonnes modifiées) :" in result.output
    assert "  CCX-2026-0001 : etape, montant_dette" in result.output
    assert not (tmp_path / "r.csv").exists()


def test_it_refuses_an_unreadable_file_with_a_clear_message_and_exit_code(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "liste.csv"
    path.write_text("bonjour\n")
    result = cli(["import", str(path)])
    assert result.exit_code == 2
    assert "Fichier refusé, rien n'a été importé : aucune ligne d'en-tête" in result.output
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_it_refuses_a_bad_month(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    result = cli(["import", str(write_list(tmp_path / "a.csv", [row()])), "--month", "mars"])
    assert result.exit_code == 2
    assert "le mois s'écrit AAAA-MM" in result.output
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
