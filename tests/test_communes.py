"""The communes of France (outreach.communes) and the sector table made from them.

Issue 18: rural communes had no sector. With the default setup (`make run`: `allervers demo-data`,
which loads the Pas-de-Calais by arrondissement), a CCAPEX list of communes from every
arrondissement, spelled as real exports spell them, gets a sector on every row.
All households are fiction; mobiles are in the range ARCEP reserves for fiction.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from outreach.communes import COMMUNES_FILE, gazetteer, insee_code, name_key
from outreach.models import Case, Sector, SectorArea
from outreach.sectors import SectorResolver, load_departement, load_sectors
from tests.ccapex_files import CliRun, cli_runner, row, write_list

# (commune as the export writes it, postcode, sector = arrondissement). Rural communes of every
# arrondissement, capitals without accents, "ST", a commune déléguée or associée under its old
# name, former and usual names rather than the official ones.
EXPORT_ROWS = (
    ("ARRAS", "62000", "arras"),
    ("ST POL SUR TERNOISE", "62130", "arras"),
    ("FREVENT", "62270", "arras"),
    ("BAPAUME", "62450", "arras"),
    ("AUBIGNY EN ARTOIS", "62690", "arras"),
    ("AVESNES LE COMTE", "62810", "arras"),
    ("PAS EN ARTOIS", "62760", "arras"),
    ("CROISILLES", "62128", "arras"),
    ("BETHUNE", "62400", "bethune"),
    ("BRUAY LA BUISSIERE", "62700", "bethune"),
    ("Labuissière", "62700", "bethune"),  # commune déléguée of Bruay-la-Buissière
    ("LILLERS", "62190", "bethune"),
    ("NOEUX LES MINES", "62290", "bethune"),
    ("Berguette", "62330", "bethune"),  # commune associée of Isbergues
    ("HOUDAIN", "62150", "bethune"),
    ("BOULOGNE SUR MER", "62200", "boulogne-sur-mer"),
    ("PORTEL (LE)", "62480", "boulogne-sur-mer"),
    ("DESVRES", "62240", "boulogne-sur-mer"),
    ("SAMER", "62830", "boulogne-sur-mer"),
    ("Wimereux", "62930", "boulogne-sur-mer"),
    ("HESDIN", "62140", "montreuil"),  # commune déléguée of Hesdin-la-Forêt (2025)
    ("Marconne", "62140", "montreuil"),  # likewise
    ("Berck-sur-Mer", "62600", "montreuil"),  # usual name of Berck
    ("LE TOUQUET", "62520", "montreuil"),  # usual name of Le Touquet-Paris-Plage
    ("MONTREUIL", "62170", "montreuil"),  # former name of Montreuil-sur-Mer
    ("FRUGES", "62310", "montreuil"),
    ("ETAPLES SUR MER", "62630", "montreuil"),  # usual name of Étaples
    ("CAMPAGNE LES HESDIN", "62870", "montreuil"),
    ("ST OMER", "62500", "saint-omer"),
    ("Aire sur la Lys", "62120", "saint-omer"),
    ("LUMBRES", "62380", "saint-omer"),
    ("FAUQUEMBERGUES", "62560", "saint-omer"),
    ("ARQUES", "62510", "saint-omer"),
    ("CALAIS CEDEX", "62100", "calais"),
    ("GUINES", "62340", "calais"),
    ("AUDRUICQ", "62370", "calais"),
    ("OYE PLAGE", "62215", "calais"),
    ("LIEVIN", "62800", "lens"),
    ("HENIN BEAUMONT", "62110", "lens"),
    ("ABLAIN ST NAZAIRE", "62153", "lens"),
)
SECTORS = {
    "arras": "Arras",
    "bethune": "Béthune",
    "boulogne-sur-mer": "Boulogne-sur-Mer",
    "calais": "Calais",
    "lens": "Lens",
    "montreuil": "Montreuil",
    "saint-omer": "Saint-Omer",
}
PAS_DE_CALAIS_COMMUNES = 887  # INSEE 2026, package @etalab/decoupage-administratif 6.0.0


def _export(path: Path) -> Path:
    rows = [
        row(
            reference=f"CCX-62-{index:03d}",
            telephone=f"06 39 98 {index // 100:02d} {index % 100:02d}",
            commune=commune,
            code_postal=postcode,
        )
        for index, (commune, postcode, _sector) in enumerate(EXPORT_ROWS)
    ]
    return write_list(path, rows, encoding="cp1252")


def test_it_places_every_row_of_a_real_export_with_the_default_setup(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    assert len(EXPORT_ROWS) == 40 and {sector for *_, sector in EXPORT_ROWS} == set(SECTORS)
    assert cli(["demo-data"]).exit_code == 0  # what `make run` does before serving
    result = cli(["import", str(_export(tmp_path / "ccapex.csv"))])
    assert result.exit_code == 0, result.output
    assert "Non affectés" not in result.output
    with sessions() as session:
        placed = dict(
            session.execute(
                select(Case.reference, Sector.code)
                .outerjoin(Sector, Case.sector_id == Sector.id)
                .where(Case.reference.startswith("CCX-62-"))
            ).all()
        )
    expected = {f"CCX-62-{index:03d}": row[2] for index, row in enumerate(EXPORT_ROWS)}
    assert placed == expected


def test_it_loads_a_departement_by_arrondissement_from_the_command_line(
    cli: CliRun, sessions: sessionmaker[Session]
) -> None:
    result = cli(["sectors", "load", "--departement", "62", "--by", "arrondissement"])
    assert result.exit_code == 0, result.output
    assert f"{PAS_DE_CALAIS_COMMUNES} communes ajoutées" in result.output
    with sessions() as session:
        sectors = dict(session.execute(select(Sector.code, Sector.name)).all())
        per_sector = Counter(
            session.scalars(select(Sector.code).join(SectorArea, SectorArea.sector_id == Sector.id))
        )
        assert session.scalar(select(func.count(SectorArea.insee_code.distinct()))) == 887
    assert sectors == SECTORS
    assert sum(per_sector.values()) == PAS_DE_CALAIS_COMMUNES
    assert per_sector["montreuil"] == 161 and per_sector["saint-omer"] == 89  # the rural ones
    again = cli(["sectors", "load", "--departement", "62"])
    assert "0 communes ajoutées" in again.output and "887 inchangées" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sectors", "load", "--departement", "99"], "Aucune commune du département 99"),
        (["sectors", "load"], "soit un fichier CSV, soit --departement"),
    ],
)
def test_it_refuses_an_unknown_departement_or_no_source(
    cli: CliRun, args: list[str], message: str
) -> None:
    result = cli(args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_teams_own_table_overrides_the_arrondissements_whichever_comes_first(
    session: Session, tmp_path: Path
) -> None:
    team = tmp_path / "secteurs.csv"
    team.write_text(
        "commune;code_postal;secteur\nST POL SUR TERNOISE;62130;Ternois\nWitternesse;;Lys\n",
        encoding="utf-8",
    )
    load_sectors(session, path=team)  # first the team's table, then the département
    report = load_departement(session, departement="62")
    assert (report.areas_created, report.areas_unchanged) == (885, 2)
    resolver = SectorResolver.load(session)
    assert resolver.code(resolver.resolve("Saint-Pol-sur-Ternoise", "62130")) == "ternois"
    assert resolver.code(resolver.resolve("WITTERNESSE", "62120")) == "lys"
    # and a team table loaded after the département moves the commune, under any spelling
    again = tmp_path / "encore.csv"
    again.write_text("commune;code_postal;secteur\nFREVENT;62270;Ternois\n", encoding="utf-8")
    moved = load_sectors(session, path=again)
    assert (moved.areas_created, moved.areas_updated) == (0, 1)
    resolver = SectorResolver.load(session)
    assert resolver.code(resolver.resolve("Frévent", "62270")) == "ternois"
    assert session.scalar(select(func.count()).select_from(SectorArea)) == 887


@pytest.mark.parametrize(
    ("commune", "postcode", "insee", "expected"),
    [
        ("Lille", "59000", "62767", "62767"),  # the INSEE code first, whatever the name says
        (None, None, "62461", "62447"),  # a commune déléguée's code -> the current commune
        ("  6204 1", None, None, None),  # not a code: nothing
        ("ST POL S/ TERNOISE", "62130", None, "62767"),
        ("Lambres les Aire", "62120", None, "62486"),  # "lez" written "les"
        ("LAMBRES", "62120", None, "62486"),  # its former name
        ("CREPY", "62310", None, "62256"),  # a name two communes of France bear: the postcode
        ("Crépy", "02870", None, "02238"),
        ("Crépy", None, None, None),  # and without it: unsure
        ("ARRAS CEDEX 9", "62008", None, "62041"),  # a CEDEX postcode: same département
        ("Fiction-sur-Ternoise", "62130", None, None),  # 62130 has many communes
        ("Fiction-sur-Canche", "62270", None, None),
        (None, "62700", None, "62178"),  # the postcode of one commune only
        ("Portel", "62480", None, "62667"),  # the article left out
    ],
)
def test_it_identifies_a_commune_by_code_then_name_and_postcode_then_postcode(
    commune: str | None, postcode: str | None, insee: str | None, expected: str | None
) -> None:
    assert gazetteer().identify(commune, postcode, insee) == expected


def test_it_places_a_case_by_insee_code_before_its_name(session: Session) -> None:
    load_departement(session, departement="62")
    resolver = SectorResolver.load(session)
    # the import gives the code of Saint-Omer next to a commune it spelled wrong
    assert resolver.code(resolver.resolve("S. OMER", "62500", "62765")) == "saint-omer"
    # a postcode shared by communes of one arrondissement is enough
    assert resolver.code(resolver.resolve("Inconnue", "62140")) == "montreuil"
    assert resolver.code(resolver.resolve("Lille", "59000")) == "unassigned"


def test_it_reads_the_insee_code_column_of_an_import(
    cli: CliRun, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cli(["sectors", "load", "--departement", "62"])
    path = tmp_path / "liste.csv"
    path.write_text(
        "Référence;Nom;Téléphone;Commune;Code INSEE\n"
        "CCX-1;Exemple;06 39 98 00 01;Nom illisible;62767\n"
        "CCX-2;Fictif;06 39 98 00 02;Arras;6204X\n",
        encoding="utf-8",
    )
    result = cli(["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "code INSEE illisible" in result.output
    with sessions() as session:
        placed = dict(
            session.execute(
                select(Case.reference, Sector.code).join(Sector, Case.sector_id == Sector.id)
            ).all()
        )
    assert placed == {"CCX-1": "arras", "CCX-2": "arras"}


def test_the_shipped_list_is_small_and_knows_every_commune_of_the_pas_de_calais() -> None:
    assert COMMUNES_FILE.stat().st_size < 1_000_000
    communes = gazetteer().in_departement("62")
    assert len(communes) == PAS_DE_CALAIS_COMMUNES
    assert all(c.postcodes and c.arrondissement.startswith("62") for c in communes)
    assert (COMMUNES_FILE.parent / "communes_fr.NOTICE.md").read_text().count("6.0.0") == 1
    assert name_key("Sainte-Catherine") == name_key("STE CATHERINE") == "saintecatherine"
    assert insee_code("2a004") == "2A004" and insee_code("1015") == "01015"


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    return cli_runner(db_url, tmp_path, monkeypatch)
