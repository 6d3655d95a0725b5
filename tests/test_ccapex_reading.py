"""Reading real-looking exports: encodings, BOM, delimiters, CRLF, headers; unreadable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.ccapex.columns import CCAPEX_COLUMNS
from outreach.ccapex.reading import UnreadableFile, open_table
from tests.ccapex_files import CANONICAL, row, write_list

# No "€": Latin-1 has none (cp1252 has).
ACCENTED = row(
    nom="Lefèvre",
    prenom="Zoé",
    commune="Béthune",
    adresse="2 allée des Pâquerettes",
    montant_dette="1 234,56",
)


def _read(path: Path) -> tuple[object, list]:
    source, rows = open_table(path, CCAPEX_COLUMNS)
    return source, list(rows)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("cp1252", "cp1252"),
        ("latin-1", "cp1252"),  # Latin-1 accents are the same bytes in cp1252
        ("utf-16", "utf-16"),  # Excel's "Unicode text" export
    ],
)
def test_it_reads_each_encoding_with_accents_intact(
    tmp_path: Path, encoding: str, expected: str
) -> None:
    path = write_list(tmp_path / "liste.csv", [ACCENTED], encoding=encoding)
    source, rows = _read(path)
    assert source.encoding == expected
    assert rows[0].values["nom"] == "Lefèvre"
    assert rows[0].values["prenom"] == "Zoé"
    assert rows[0].values["commune"] == "Béthune"
    assert rows[0].values["reference"] == "CCX-2026-0001"  # the BOM is not in the first header


def test_it_reads_a_latin1_only_byte_that_cp1252_cannot_decode(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    path.write_bytes(";".join(CANONICAL).encode() + b"\nX1;Nom\x81;;06 39 98 00 01\n")
    source, rows = _read(path)
    assert source.encoding == "latin-1"
    assert rows[0].values["nom"] == "Nom\x81"


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_it_detects_the_delimiter(tmp_path: Path, delimiter: str) -> None:
    data = row(montant_dette="1 234,56 €", adresse="3, rue de l'Essai")
    path = write_list(tmp_path / "liste.csv", [data], delimiter=delimiter)
    source, rows = _read(path)
    assert source.delimiter == delimiter
    assert rows[0].values["montant_dette"] == "1 234,56 €"
    assert rows[0].values["adresse"] == "3, rue de l'Essai"


def test_it_reads_crlf_line_ends_and_counts_lines(tmp_path: Path) -> None:
    rows = [row(reference=f"R{i}") for i in range(3)]
    path = write_list(tmp_path / "liste.csv", rows, newline="\r\n")
    _source, read = _read(path)
    assert [item.line for item in read] == [2, 3, 4]
    assert read[2].values["langue"] == "fr"  # no stray "\r" on the last cell


def test_it_keeps_physical_line_numbers_across_blank_lines_and_multiline_cells(
    tmp_path: Path,
) -> None:
    rows = [row(reference="R1", adresse="Bât. A\nEscalier 2"), row(reference="R2")]
    path = write_list(tmp_path / "liste.csv", rows)
    path.write_text(path.read_text() + "\n" + ";".join(row(reference="R3").values()) + "\n")
    _source, read = _read(path)
    assert [(item.values["reference"], item.line) for item in read] == [
        ("R1", 2),
        ("R2", 4),
        ("R3", 6),
    ]


def test_it_maps_headers_in_any_case_with_or_without_accents_and_synonyms(tmp_path: Path) -> None:
    header = [
        "Référence",
        "NOM",
        "Prénom",
        "Téléphone",
        "Tél 2",
        "Adresse du logement",
        "Code postal",
        "Ville",
        "Étape de la procédure",
        "Date du commandement de payer",
        "Date d'assignation",
        "DATE AUDIENCE",
        "Montant de la dette (€)",
        "Propriétaire",
        "Téléphone bailleur",
        "E-mail bailleur",
        "Langue parlée",
    ]
    path = write_list(tmp_path / "liste.csv", [row()], header=header, encoding="cp1252")
    source, read = _read(path)
    assert set(source.columns) == set(CANONICAL)
    assert read[0].values["montant_dette"] == "1 234,56 €"
    assert read[0].values["bailleur_email"] == "bailleur@example.org"


@pytest.mark.parametrize("spelling", ["N° dossier", "Nº dossier", "n°dossier", "REFERENCE", "Réf"])
def test_it_accepts_the_usual_spellings_of_the_reference_column(
    tmp_path: Path, spelling: str
) -> None:
    header = [spelling, *CANONICAL[1:]]
    path = write_list(tmp_path / "liste.csv", [row()], header=header)
    _source, read = _read(path)
    assert read[0].values["reference"] == "CCX-2026-0001"


def test_it_finds_the_header_below_a_title_line_and_lists_unknown_columns(tmp_path: Path) -> None:
    header = [*CANONICAL[:-1], "Observations"]
    path = write_list(
        tmp_path / "liste.csv",
        [row()],
        header=header,
        before_header=["Liste CCAPEX du Pas-de-Calais — mars 2026", ""],
    )
    source, read = _read(path)
    assert source.header_line == 3
    assert source.ignored == ["Observations"]
    assert "langue" not in source.columns
    assert read[0].line == 4


def test_it_counts_cells_beyond_the_header(tmp_path: Path) -> None:
    path = write_list(tmp_path / "liste.csv", [row()])
    path.write_text(path.read_text().rstrip("\n") + ";en trop;\n")
    _source, read = _read(path)
    assert read[0].extra_cells == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "vide"),
        (b"  \r\n\r\n", "vide"),
        (b"PK\x03\x04\x14\x00\x06\x00", "CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "CSV"),
        (b"\x00\x01\x02binary\x00", "fichier texte"),
        (b"nom;prenom\nExemple;Camille\n", "reference"),
        (b"une simple phrase sans colonnes\n", "en-tête"),
    ],
)
def test_it_refuses_a_file_it_cannot_read(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "liste.csv"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message):
        open_table(path, CCAPEX_COLUMNS)


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="impossible d'ouvrir"):
        open_table(tmp_path / "absent.csv", CCAPEX_COLUMNS)
