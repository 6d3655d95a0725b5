"""The sector table: which sector (worker's patch) a commune or postcode belongs to.

The default table is made from the communes of France (outreach.communes): one sector per
arrondissement of a département, every commune in it (`load_departement`). A team's own CSV
`commune;code_postal;secteur` (same tolerant reading as the CCAPEX list) overrides it, commune by
commune, whichever is loaded first. Every area carries the INSEE code of its commune when the list
knows it.

A case is placed, each step only when it points to one sector: by the team's own spelling of
commune and postcode; by its commune as identified in the list of communes (INSEE code, else
name and postcode, else postcode — see outreach.communes); by commune name alone; by postcode
alone. Anything else is left unassigned (the "unassigned" queue).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from messages import gettext
from outreach.ccapex.reading import ColumnSpec, RowIssue, open_table
from outreach.communes import Commune, Gazetteer, gazetteer
from outreach.models import Case, Sector, SectorArea
from outreach.text import commune_key

# Pas-de-Calais: `make run` and the demo load it when the table is empty.
DEFAULT_DEPARTEMENT = "62"
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
    table = _AreaTable(session)
    for row in rows:
        report.rows_read += 1
        problem = _row_problem(row.values)
        if problem:
            report.rejects.append(RowIssue(row.line, problem))
            continue
        sector = _sector(session, sectors, row.values["secteur"], report)
        table.upsert(sector, row.values, report)
    session.flush()
    report.cases_assigned = assign_unassigned_cases(session)
    return report


class DepartementUnknown(ValueError):
    """The list of communes has no commune in that département."""


def load_departement(session: Session, *, departement: str) -> SectorLoadReport:
    """One sector per arrondissement of the département, with every commune of it that the
    table does not place yet (a team's own areas are kept), then place the unassigned cases."""
    communes = gazetteer().in_departement(departement.strip().upper())
    if not communes:
        raise DepartementUnknown(departement)
    report = SectorLoadReport(rows_read=len(communes))
    sectors = {sector.code: sector for sector in session.scalars(select(Sector))}
    table = _AreaTable(session)
    new_areas = []
    for commune in communes:
        if commune.insee in table.by_insee:
            report.areas_unchanged += 1
            continue
        sector = _sector(session, sectors, _division_name(commune), report)
        key = area_key(commune.name)
        # Two communes of one name in a département: the postcode tells them apart.
        postcode = commune.postcodes[0] if (key, "") in table.areas and commune.postcodes else ""
        table.areas[(key, postcode)] = None
        new_areas.append(
            {
                "sector_id": sector.id,
                "commune": commune.name,
                "commune_key": key,
                "postcode": postcode,
                "insee_code": commune.insee,
            }
        )
    if new_areas:
        session.execute(insert(SectorArea), new_areas)  # 887 communes: one statement
    report.areas_created = len(new_areas)
    session.flush()
    report.cases_assigned = assign_unassigned_cases(session)
    return report


def _division_name(commune: Commune) -> str:
    names = gazetteer()
    return (
        names.arrondissement_name(commune.arrondissement)
        or names.departement_name(commune.departement)
        or commune.departement
    )


def load_default_sectors_if_empty(session: Session) -> SectorLoadReport | None:
    """Load the Pas-de-Calais by arrondissement when no area exists yet; None when there was one."""
    if session.scalar(select(func.count()).select_from(SectorArea)):
        return None
    return load_departement(session, departement=DEFAULT_DEPARTEMENT)


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


class _AreaTable:
    """The stored areas by (name key, postcode) and by INSEE code, while a table is loaded.
    Areas stored before INSEE codes were kept get theirs now, when the list knows the commune."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.communes = gazetteer()
        self.areas: dict[tuple[str, str], SectorArea | None] = {}
        self.by_insee: dict[str, SectorArea] = {}
        for area in session.scalars(select(SectorArea).order_by(SectorArea.postcode)):
            if area.insee_code is None:
                area.insee_code = self.communes.identify(area.commune, area.postcode)
            self.areas[(area.commune_key, area.postcode)] = area
            if area.insee_code:
                self.by_insee.setdefault(area.insee_code, area)  # "" (any postcode) first

    def upsert(self, sector: Sector, values: dict[str, str], report: SectorLoadReport) -> None:
        commune = " ".join(values["commune"].split())
        postcode = values.get("code_postal", "").replace(" ", "")
        postcode = postcode.zfill(5) if postcode else ""  # "" = any postcode of that commune
        key = (area_key(commune), postcode)
        insee = self.communes.identify(commune, postcode)
        area = self.areas.get(key) or self._same_commune(insee, postcode)
        if area is None:
            area = SectorArea(
                sector_id=sector.id,
                commune=commune,
                commune_key=key[0],
                postcode=postcode,
                insee_code=insee,
            )
            self.session.add(area)
            self.areas[key] = area
            if insee:
                self.by_insee.setdefault(insee, area)
            report.areas_created += 1
        elif area.sector_id != sector.id:
            area.sector_id = sector.id
            report.areas_updated += 1
        else:
            report.areas_unchanged += 1

    def _same_commune(self, insee: str | None, postcode: str) -> SectorArea | None:
        """The area already holding this commune under another spelling, which the row moves;
        not when the row gives one postcode of a commune the table splits by postcode."""
        area = self.by_insee.get(insee or "")
        if area is not None and postcode and area.postcode not in ("", postcode):
            return None
        return area


class AreaRow(NamedTuple):
    key: str
    postcode: str
    sector_id: int
    insee: str | None = None


class SectorResolver:
    """The sector table in memory, to place thousands of cases without a query each."""

    def __init__(
        self,
        areas: Iterable[tuple[str, str, int] | tuple[str, str, int, str | None]],
        sectors: dict[int, tuple[str, str]],
        communes: Gazetteer | None = None,
    ):
        self._communes = communes or gazetteer()
        self._exact: dict[tuple[str, str], int] = {}
        self._insee_postcode: dict[tuple[str, str], int] = {}
        by_insee: dict[str, set[int]] = defaultdict(set)
        by_commune: dict[str, set[int]] = defaultdict(set)
        by_postcode: dict[str, set[int]] = defaultdict(set)
        for area in (AreaRow(*row) for row in areas):
            insee = area.insee or self._communes.identify(area.key, area.postcode)
            if area.postcode:
                self._exact[(area.key, area.postcode)] = area.sector_id
                by_postcode[area.postcode].add(area.sector_id)
            if insee:
                by_insee[insee].add(area.sector_id)
                if area.postcode:
                    self._insee_postcode[(insee, area.postcode)] = area.sector_id
                for postcode in self._communes.postcodes(insee):
                    by_postcode[postcode].add(area.sector_id)
            by_commune[area.key].add(area.sector_id)
        # A name, a commune or a postcode shared by two sectors decides nothing.
        self._by_insee = _only_one(by_insee)
        self._by_commune = _only_one(by_commune)
        self._by_postcode = _only_one(by_postcode)
        self._sectors = sectors

    @classmethod
    def load(cls, session: Session) -> SectorResolver:
        areas = session.execute(
            select(
                SectorArea.commune_key,
                SectorArea.postcode,
                SectorArea.sector_id,
                SectorArea.insee_code,
            )
        ).all()
        sectors = session.execute(select(Sector.id, Sector.code, Sector.name)).all()
        return cls(
            [tuple(area) for area in areas],
            {sector_id: (code, name) for sector_id, code, name in sectors},
        )

    def resolve(
        self, commune: str | None, postcode: str | None, insee: str | None = None
    ) -> int | None:
        """The sector id for a commune, postcode and/or INSEE code, or None (unassigned)."""
        key = area_key(commune or "")
        postcode = postcode or ""
        if key and postcode and (key, postcode) in self._exact:
            return self._exact[(key, postcode)]
        code = self._communes.identify(commune, postcode, insee)
        if code:
            found = self._insee_postcode.get((code, postcode)) or self._by_insee.get(code)
            if found:
                return found
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


def _only_one(found: dict[str, set[int]]) -> dict[str, int]:
    return {key: ids.pop() for key, ids in found.items() if len(ids) == 1}


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
