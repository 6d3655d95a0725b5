"""The sector table: loading a team's CSV, the default Pas-de-Calais table, and placing cases.

The list of communes and the arrondissement table: tests/test_communes.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.ccapex.reading import UnreadableFile
from outreach.clock import FrozenClock
from outreach.models import Case, Sector, SectorArea
from outreach.sectors import (
    SectorResolver,
    load_default_sectors_if_empty,
    load_sectors,
    sector_code,
)
from tests.ccapex_files import CliRun, cli_runner

ARRONDISSEMENTS = (
    "Arras",
    "Béthune",
    "Boulogne-sur-Mer",
    "Calais",
    "Lens",
    "Montreuil",
    "Saint-Omer",
)


def _table(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _resolver() -> SectorResolver:
    return SectorResolver(
        [
            ("arras", "62000", 1),
            ("dainville", "62000", 1),
            ("saint laurent blangy", "62223", 1),
            ("neuville saint vaast", "62580", 1),
            ("vimy", "62580", 2),
            ("wissant", "62179", 3),
            ("escalles", "62179", 4),
            ("sans code", "", 4),
        ],
        {
            1: ("arras", "Arras"),
            2: ("lens", "Lens"),
            3: ("boulogne-sur-mer", "B"),
            4: ("calais", "C"),
        },
    )


@pytest.mark.parametrize(
    ("commune", "postcode", "code"),
    [
        ("Arras", "62000", "arras"),
        ("ARRAS CEDEX", "62000", "arras"),
        ("St-Laurent-Blangy", None, "arras"),  # "St" is "Saint"
        ("Saint Laurent Blangy", "62223", "arras"),
        (None, "62000", "arras"),  # the postcode alone, when only one sector has it
        ("Vimy", "62580", "lens"),
        ("Sans-Code", "62999", "calais"),  # by the commune when the postcode is unknown
        (None, "62580", "unassigned"),  # a postcode shared by two sectors decides nothing
        (None, "62179", "unassigned"),
        ("Lille", "59000", "unassigned"),
        ("", None, "unassigned"),
        (None, None, "unassigned"),
    ],
)
def test_it_resolves_commune_and_postcode_to_a_sector_or_unassigned(
    commune: str | None, postcode: str | None, code: str
) -> None:
    resolver = _resolver()
    assert resolver.code(resolver.resolve(commune, postcode)) == code


def test_it_makes_sector_codes_from_names() -> None:
    assert [sector_code(name) for name in ARRONDISSEMENTS] == [
        "arras",
        "bethune",
        "boulogne-sur-mer",
        "calais",
        "lens",
        "montreuil",
        "saint-omer",
    ]


def test_it_loads_a_table_in_cp1252_with_synonym_headers_and_rejects_bad_lines(
    session: Session, tmp_path: Path
) -> None:
    path = _table(
        tmp_path / "secteurs.csv",
        [
            "Ville;CP;Arrondissement",
            "Béthune;62400;Béthune",
            "Bruay-la-Buissière;62700;Béthune",
            ";62000;Arras",
            "Arras;ABCDE;Arras",
            "Arras;62000;",
            "Arras;62000;Arras",
        ],
        encoding="cp1252",
    )
    report = load_sectors(session, path=path)
    session.commit()
    assert (report.rows_read, report.sectors_created, report.areas_created) == (6, 2, 3)
    assert [(issue.line, issue.reason) for issue in report.rejects] == [
        (4, "commune manquante"),
        (5, "code postal illisible"),
        (6, "secteur manquant"),
    ]
    sectors = {s.code: s.name for s in session.scalars(select(Sector))}
    assert sectors == {"bethune": "Béthune", "arras": "Arras"}
    area = session.scalar(select(SectorArea).where(SectorArea.postcode == "62700"))
    assert area is not None
    assert (area.commune, area.commune_key) == ("Bruay-la-Buissière", "bruay la buissiere")


def test_it_reloads_a_table_moving_communes_without_duplicates(
    session: Session, tmp_path: Path
) -> None:
    first = _table(tmp_path / "a.csv", ["commune;code_postal;secteur", "Marck;62730;Calais"])
    load_sectors(session, path=first)
    second = _table(
        tmp_path / "b.csv",
        ["commune;code_postal;secteur", "MARCK;62730;Saint-Omer", "Arques;62510;Saint-Omer"],
    )
    report = load_sectors(session, path=second)
    session.commit()
    assert (report.areas_created, report.areas_updated, report.sectors_created) == (1, 1, 1)
    assert session.scalar(select(func.count()).select_from(SectorArea)) == 2
    resolver = SectorResolver.load(session)
    assert resolver.code(resolver.resolve("Marck", "62730")) == "saint-omer"


def test_it_refuses_an_unreadable_table(session: Session, tmp_path: Path) -> None:
    path = _table(tmp_path / "a.csv", ["nom;valeur", "x;y"])
    with pytest.raises(UnreadableFile, match="commune, secteur"):
        load_sectors(session, path=path)


def test_it_places_unassigned_cases_when_the_table_learns_their_commune(
    session: Session, clock: FrozenClock, tmp_path: Path
) -> None:
    for reference, commune, postcode in (("A", "Lens", "62300"), ("B", "Lille", "59000")):
        session.add(
            Case(
                reference=reference,
                commune=commune,
                postcode=postcode,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    session.commit()
    report = load_sectors(
        session, path=_table(tmp_path / "a.csv", ["commune;code_postal;secteur", "Lens;62300;Lens"])
    )
    session.commit()
    assert report.cases_assigned == 1
    placed = {
        c.reference: c.sector.code if c.sector else None for c in session.scalars(select(Case))
    }
    assert placed == {"A": "lens", "B": None}


def test_it_loads_the_default_table_only_when_the_table_is_empty(session: Session) -> None:
    report = load_default_sectors_if_empty(session)
    session.commit()
    assert report is not None and report.sectors_created == 7 and not report.rejects
    assert load_default_sectors_if_empty(session) is None
    resolver = SectorResolver.load(session)
    assert resolver.code(resolver.resolve("Hénin-Beaumont", "62110")) == "lens"
    assert resolver.code(resolver.resolve("BOULOGNE SUR MER", None)) == "boulogne-sur-mer"
    assert resolver.code(resolver.resolve("Montreuil-sur-Mer", "62170")) == "montreuil"
    assert resolver.code(resolver.resolve("St Omer", "62500")) == "saint-omer"


def test_it_loads_the_table_through_the_command_line(
    sessions: sessionmaker[Session], tmp_path: Path, cli: CliRun
) -> None:
    path = _table(tmp_path / "a.csv", ["commune;code_postal;secteur", "Lens;62300;Lens", ";;x"])
    result = cli(["sectors", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 communes ajoutées" in result.output
    assert "ligne 3 : commune manquante" in result.output
    with sessions() as session:
        assert session.scalar(select(Sector.code)) == "lens"


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    return cli_runner(db_url, tmp_path, monkeypatch)
