"""The sector table: which sector (worker's patch) a commune or postcode belongs to.

Loaded from a CSV `commune;code_postal;secteur` (same tolerant reading as the CCAPEX list). A case
is placed by commune and postcode together, then by commune alone, then by postcode alone — each
only when it points to one sector. Anything else is left unassigned (the "unassigned" queue).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from messages import gettext
from outreach.ccapex.reading import ColumnSpec, RowIssue, open_table
from outreach.models import Case, Sector, SectorArea
from outreach.text import commune_key

DEFAULT_TABLE = Path(__file__).parent / "data" / "sectors_pas_de_calais.csv"
UNASSIGNED = "unassigned"

SECTOR_COLUMNS = ColumnSpec(
    synonyms={
        "commune": ("ville", "nom commune", "nom de la commune", "libellé commune", "localité"),
        "code_postal": ("cp", "code postal", "codepostal"),
        "secteur": ("sector", "arrondissement", "territoire", "secteur d'intervention"),
    },
    required=("commune", "secteur"),
)
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?$")


@dataclass
class SectorLoadReport:
    rows_read: int = 0
    sectors_created: int = 0
    areas_created: int = 0
    areas_updated: int = 0
    areas_unchanged: int = 0
    cases_assigned: int = 0
    rejects: list[RowIssue] = field(default_factory=list)


def sector_code(name: str) -> str:
    """A sector's code from its name: "Boulogne-sur-Mer" -> "boulogne-sur-mer"."""
    return commune_key(name).replace(" ", "-")


def area_key(commune: str) -> str:
    """The key a commune is matched on ("ARRAS CEDEX" and "Arras" match)."""
    return _CEDEX.sub("", commune_key(commune))


def load_sectors(session: Session, *, path: Path) -> SectorLoadReport:
    """Add or update the sectors and areas of a CSV table, then place the unassigned cases.

    Areas absent from the file are kept: a file may cover part of the département.
    Raises UnreadableFile (from outreach.ccapex.reading) when the file cannot be read at all.
    """
    _source, rows = open_table(path, SECTOR_COLUMNS)
    report = SectorLoadReport()
    sectors = {sector.code: sector for sector in session.scalars(select(Sector))}
    areas = {
        (area.commune_key, area.postcode): area for area in session.scalars(select(SectorArea))
    }
    for row in rows:
        report.rows_read += 1
        problem = _row_problem(row.values)
        if problem:
            report.rejects.append(RowIssue(row.line, problem))
            continue
        sector = _sector(session, sectors, row.values["secteur"], report)
        _upsert_area(session, areas, sector, row.values, report)
    session.flush()
    report.cases_assigned = assign_unassigned_cases(session)
    return report


def load_default_sectors_if_empty(session: Session) -> SectorLoadReport | None:
    """Load the shipped Pas-de-Calais table when no area exists yet; None when there was one."""
    if session.scalar(select(func.count()).select_from(SectorArea)):
        return None
    return load_sectors(session, path=DEFAULT_TABLE)


def _row_problem(values: dict[str, str]) -> str | None:
    if not area_key(values.get("commune", "")):
        return gettext("missing commune")
    if not sector_code(values.get("secteur", "")):
        return gettext("missing sector")
    postcode = values.get("code_postal", "").replace(" ", "")
    if postcode and not (postcode.isdigit() and len(postcode) in (4, 5)):
        return gettext("unreadable postcode")
    return None


def _sector(
    session: Session, sectors: dict[str, Sector], name: str, report: SectorLoadReport
) -> Sector:
    code = sector_code(name)
    sector = sectors.get(code)
    if sector is None:
        sector = Sector(code=code, name=" ".join(name.split()))
        session.add(sector)
        session.flush()  # its id is needed for the areas
        sectors[code] = sector
        report.sectors_created += 1
    return sector


def _upsert_area(
    session: Session,
    areas: dict[tuple[str, str], SectorArea],
    sector: Sector,
    values: dict[str, str],
    report: SectorLoadReport,
) -> None:
    commune = " ".join(values["commune"].split())
    postcode = values.get("code_postal", "").replace(" ", "")
    postcode = postcode.zfill(5) if postcode else ""  # "" = any postcode of that commune
    key = (area_key(commune), postcode)
    area = areas.get(key)
    if area is None:
        area = SectorArea(
            sector_id=sector.id, commune=commune, commune_key=key[0], postcode=postcode
        )
        session.add(area)
        areas[key] = area
        report.areas_created += 1
    elif area.sector_id != sector.id:
        area.sector_id = sector.id
        report.areas_updated += 1
    else:
        report.areas_unchanged += 1


class SectorResolver:
    """The sector table in memory, to place thousands of cases without a query each."""

    def __init__(self, areas: list[tuple[str, str, int]], sectors: dict[int, tuple[str, str]]):
        self._exact: dict[tuple[str, str], int] = {}
        by_commune: dict[str, set[int]] = defaultdict(set)
        by_postcode: dict[str, set[int]] = defaultdict(set)
        for key, postcode, sector_id in areas:
            if postcode:
                self._exact[(key, postcode)] = sector_id
                by_postcode[postcode].add(sector_id)
            by_commune[key].add(sector_id)
        # A name or a postcode shared by two sectors decides nothing.
        self._by_commune = {key: ids.pop() for key, ids in by_commune.items() if len(ids) == 1}
        self._by_postcode = {code: ids.pop() for code, ids in by_postcode.items() if len(ids) == 1}
        self._sectors = sectors

    @classmethod
    def load(cls, session: Session) -> SectorResolver:
        areas = session.execute(
            select(SectorArea.commune_key, SectorArea.postcode, SectorArea.sector_id)
        ).all()
        sectors = session.execute(select(Sector.id, Sector.code, Sector.name)).all()
        return cls(
            [(key, postcode, sector_id) for key, postcode, sector_id in areas],
            {sector_id: (code, name) for sector_id, code, name in sectors},
        )

    def resolve(self, commune: str | None, postcode: str | None) -> int | None:
        """The sector id for a commune and/or postcode, or None (unassigned)."""
        key = area_key(commune or "")
        postcode = postcode or ""
        if key and postcode and (key, postcode) in self._exact:
            return self._exact[(key, postcode)]
        if key and key in self._by_commune:
            return self._by_commune[key]
        if postcode:
            return self._by_postcode.get(postcode)
        return None

    def code(self, sector_id: int | None) -> str:
        """The sector's code, or "unassigned"."""
        if sector_id is None or sector_id not in self._sectors:
            return UNASSIGNED
        return self._sectors[sector_id][0]

    def names(self) -> dict[str, str]:
        """Sector code -> display name."""
        return {code: name for code, name in self._sectors.values()}


def assign_unassigned_cases(session: Session, *, batch: int = 1000) -> int:
    """Place the cases that have no sector yet, now that the table may know their commune."""
    resolver = SectorResolver.load(session)
    rows = session.execute(
        select(Case.id, Case.commune, Case.postcode).where(Case.sector_id.is_(None))
    ).all()
    changes = [
        {"id": case_id, "sector_id": sector_id}
        for case_id, commune, postcode in rows
        if (sector_id := resolver.resolve(commune, postcode)) is not None
    ]
    for start in range(0, len(changes), batch):
        session.execute(update(Case), changes[start : start + batch])
    return len(changes)
