"""Damaged CCAPEX files (security review, issue #13): an unclosed quote, NUL bytes past the part
we sniff, a rejects path that cannot be written, and cells a spreadsheet would run as formulas.
Each case gets a clear French message and loses nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.models import Case, ImportBatch
from outreach.spreadsheet import SafeCsvWriter, safe_cell, safe_row
from tests.ccapex_files import CANONICAL, CliRun, cli_runner, row, write_list


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    return cli_runner(db_url, tmp_path, monkeypatch)


def _cases(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Case.reference).order_by(Case.reference)))


def test_an_unclosed_quote_refuses_the_whole_file_naming_its_line(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_list(
        tmp_path / "liste.csv",
        [row(reference="Q-0"), row(reference="Q-1"), row(reference="Q-2")],
    )
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace(";Exemple;", ';"Exemple;', 1)  # Q-1, file line 3
    path.write_text("".join(lines))

    result = cli(["import", str(path)])

    assert result.exit_code == 2, result.output
    assert "ligne 3 : un guillemet ouvert sur cette ligne n'est jamais fermé" in result.output
    assert _cases(sessions) == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    assert not (tmp_path / "liste.rejets.csv").exists()


def test_a_quoted_cell_over_two_lines_at_the_end_is_still_read(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_list(
        tmp_path / "liste.csv",
        [row(reference="Q-0"), row(reference="Q-1", adresse="3 rue de l'Essai\nbâtiment B")],
    )
    result = cli(["import", str(path)])
    assert result.exit_code == 0, result.output
    assert _cases(sessions) == ["Q-0", "Q-1"]


def test_a_nul_byte_after_the_sniffed_part_rejects_that_row_only(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # Enough rows that the damaged one lies beyond the first 64 KB the reader checks.
    rows = [row(reference=f"N-{index:04d}") for index in range(400)]
    rows.append(row(reference="N-BAD", nom="Exem\x00ple"))
    rows.append(row(reference="N-LAST"))
    path = write_list(tmp_path / "liste.csv", rows)
    assert path.read_bytes().index(b"\x00") > 64 * 1024

    result = cli(["import", str(path)])

    assert result.exit_code == 0, result.output
    references = _cases(sessions)
    assert "N-BAD" not in references and "N-LAST" in references and len(references) == 401
    with (tmp_path / "liste.rejets.csv").open(encoding="utf-8-sig") as handle:
        rejected = list(csv.reader(handle, delimiter=";"))
    assert (
        rejected[1][1] == "la ligne contient un caractère nul (ligne abîmée) : vérifiez le fichier"
    )
    assert rejected[1][2] == "N-BAD" and rejected[1][3] == "Exemple"


def test_a_rejects_path_that_is_a_folder_is_refused_before_importing(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_list(tmp_path / "liste.csv", [row(reference="R-1"), row(reference="")])
    folder = tmp_path / "rejets"
    folder.mkdir()
    result = cli(["import", str(path), "--rejects", str(folder)])
    assert result.exit_code == 2, result.output
    assert "le fichier des lignes refusées rejets est un dossier" in result.output
    assert _cases(sessions) == []


def test_a_rejects_path_under_a_file_is_refused_before_importing(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_list(tmp_path / "liste.csv", [row(reference="R-1"), row(reference="")])
    result = cli(["import", str(path), "--rejects", str(path / "rejets.csv")])
    assert result.exit_code == 2, result.output
    assert "ne peut pas être écrit" in result.output
    assert "Traceback" not in result.output
    assert _cases(sessions) == []


def test_formulas_in_a_rejected_row_are_written_as_text(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    formulas = {
        "nom": '=HYPERLINK("http://example.org","clic")',
        "prenom": "+cmd|' /C calc'!A0",
        "adresse": "@SUM(1+1)",
        "commune": "-2+3",
        "bailleur_nom": "\tTab",
    }
    path = write_list(tmp_path / "liste.csv", [row(reference="", **formulas)])
    result = cli(["import", str(path)])
    assert result.exit_code == 0, result.output
    with (tmp_path / "liste.rejets.csv").open(encoding="utf-8-sig") as handle:
        rejected = dict(
            zip(
                ["line", "reason", *CANONICAL],
                list(csv.reader(handle, delimiter=";"))[1],
                strict=True,
            )
        )
    for column, value in formulas.items():
        assert rejected[column] == "'" + value


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33639980001", "+33639980001"),  # a plain number stays a number
        ("-12,50", "-12,50"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\rX", "'\rX"),
        ("Arras", "Arras"),
        ("", ""),
        (-3, -3),
        (1.5, 1.5),
        (None, None),
    ],
)
def test_safe_cell(value: object, written: object) -> None:
    assert safe_cell(value) == written


def test_the_safe_writer_writes_every_cell_through_safe_cell(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with path.open("w", newline="") as out:
        SafeCsvWriter(out).writerows([["=A1", 3, "ok"]])
    assert path.read_text().strip() == "'=A1,3,ok"
    assert safe_row(["@x", 2]) == ["'@x", 2]


def test_no_module_writes_a_csv_without_the_safe_writer() -> None:
    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(path.relative_to(root))
        for package in ("outreach", "api", "bot")
        for path in (root / package).rglob("*.py")
        if path.name != "spreadsheet.py" and "csv.writer(" in path.read_text()
    ]
    assert offenders == []


def test_a_control_character_in_a_cell_rejects_that_row_only(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # The one text rule of the API and the forms (outreach/text_input.py), on the import: a cell
    # may span lines (an address), but an escape or a C1 control is refused on both databases.
    rows = [
        row(reference="C-1", adresse="3 rue de l'Essai\n\tbâtiment B"),
        row(reference="C-ESC", nom="Exem\x1bple"),
        row(reference="C-C1", commune="Lil\x85le"),
        row(reference="C-2"),
    ]
    path = write_list(tmp_path / "liste.csv", rows)

    result = cli(["import", str(path)])

    assert result.exit_code == 0, result.output
    assert _cases(sessions) == ["C-1", "C-2"]
    with (tmp_path / "liste.rejets.csv").open(encoding="utf-8-sig") as handle:
        rejected = list(csv.reader(handle, delimiter=";"))
    reasons = {line[2]: line[1] for line in rejected[1:]}
    assert reasons == {
        "C-ESC": "la colonne nom contient un caractère de contrôle invisible (position 5) : "
        "vérifiez le fichier",
        "C-C1": "la colonne commune contient un caractère de contrôle invisible (position 4) : "
        "vérifiez le fichier",
    }
