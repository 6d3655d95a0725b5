"""`import_file`: one monthly CCAPEX list into the database, as one transaction, with its report.

Bad rows are rejected with their line number and reason while the others go in; the rejected rows
are written to a CSV for the secretariat. The import runs inside the caller's transaction and never
commits: if anything fails, the caller rolls back and the database is as it was.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from messages import gettext
from outreach import audit, text_input
from outreach.ccapex.columns import CCAPEX_COLUMNS
from outreach.ccapex.reading import RowIssue, SourceFormat, SourceRow, open_table
from outreach.ccapex.rows import CaseRow, RowError, parse_row
from outreach.ccapex.store import (
    Context,
    Prepared,
    Writes,
    apply_writes,
    insert_cases,
    load_stored,
    plan_update,
)
from outreach.clock import PARIS, Clock
from outreach.db import refresh_statistics
from outreach.models import (
    Case,
    ContactPoint,
    Enrolment,
    ImportBatch,
    Landlord,
    OutboxItem,
    Person,
    TeamUser,
)
from outreach.sectors import SectorResolver
from outreach.sequences.bulk import enrol_new_cases
from outreach.spreadsheet import SafeCsvWriter

log = logging.getLogger(__name__)

BATCH_ROWS = 1000
# The batch row keeps this many rejects / warnings / changes; the rejects CSV keeps them all.
REPORT_LIMIT = 5000
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


NUL = "\x00"
# The tables an import fills, whose planner statistics it refreshes (outreach.db).
IMPORTED = (Case, Person, ContactPoint, Landlord, Enrolment, OutboxItem)


class ImportRefused(ValueError):
    """The import cannot start as asked (e.g. a bad --month); the message (French) says why."""


@dataclass
class SectorCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class CaseChange:
    line: int
    reference: str
    fields: list[str]  # CCAPEX column names only, never values


@dataclass
class ImportReport:
    batch_id: int
    filename: str
    month: str
    encoding: str
    delimiter: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    by_sector: dict[str, SectorCounts] = field(default_factory=dict)
    sector_names: dict[str, str] = field(default_factory=dict)
    rejects: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    changes: list[CaseChange] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rejects_path: Path | None = None

    def count(self, sector_code: str, outcome: str) -> None:
        counts = self.by_sector.setdefault(sector_code, SectorCounts())
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_json(self) -> dict[str, Any]:
        """The report as stored on the batch: counts, line numbers, reasons, references."""
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "by_sector": {code: vars(counts) for code, counts in sorted(self.by_sector.items())},
            "rejects": [vars(issue) for issue in self.rejects[:REPORT_LIMIT]],
            "warnings": [vars(issue) for issue in self.warnings[:REPORT_LIMIT]],
            "changes": [vars(change) for change in self.changes[:REPORT_LIMIT]],
            "truncated": max(len(self.rejects), len(self.warnings), len(self.changes))
            > REPORT_LIMIT,
            "ignored_columns": self.ignored_columns,
            "rejects_file": self.rejects_path.name if self.rejects_path else None,
        }


def current_month(clock: Clock) -> str:
    """This month in Paris, as YYYY-MM."""
    return clock.now().astimezone(PARIS).strftime("%Y-%m")


def default_rejects_path(path: Path) -> Path:
    """LISTE.csv -> LISTE.rejets.csv, next to the input."""
    return path.with_name(f"{path.stem}.rejets.csv")


def import_file(
    session: Session,
    *,
    clock: Clock,
    path: Path,
    month: str | None = None,
    rejects_path: Path | None = None,
    actor: TeamUser | None = None,
) -> ImportReport:
    """Import a CCAPEX list; raise UnreadableFile (nothing written) when it cannot be read."""
    path = Path(path)
    month = month or current_month(clock)
    if not _MONTH.fullmatch(month):
        raise ImportRefused(gettext("the month must be written YYYY-MM, e.g. 2026-03"))
    rejects_path = _writable(rejects_path or default_rejects_path(path))
    source, rows = open_table(path, CCAPEX_COLUMNS)
    batch = ImportBatch(
        filename=path.name[:255],
        month=month,
        started_at=clock.now(),
        status="running",
        created_by_id=actor.id if actor else None,
    )
    session.add(batch)
    session.flush()
    run = _Run(session, Context(session, clock.now(), month, batch.id), source, batch.filename)
    for row in rows:
        run.add(row)
    run.flush()
    # New cases enter the outreach sequence (ALLERVERS_IMPORT_SEQUENCE; empty: none).
    enrol_new_cases(session, clock=clock, case_ids=run.created_ids)
    refresh_statistics(session, IMPORTED)
    report = run.report
    if run.rejected_rows:
        report.rejects_path = _write_rejects(rejects_path, source, run.rejected_rows)
    _finish(session, clock, batch, report, actor)
    return report


class _Run:
    """The state of one import while its rows stream by, sent to the database by batches."""

    def __init__(
        self, session: Session, context: Context, source: SourceFormat, filename: str
    ) -> None:
        self.session = session
        self.context = context
        self.resolver = SectorResolver.load(session)
        self.report = ImportReport(
            batch_id=context.batch_id or 0,
            filename=filename,
            month=context.month,
            encoding=source.encoding,
            delimiter=source.delimiter,
            sector_names=self.resolver.names(),
            ignored_columns=source.ignored,
        )
        self.pending: list[Prepared] = []
        self.first_line: dict[str, int] = {}  # reference -> line where the file gave it first
        self.rejected_rows: list[tuple[int, str, list[str]]] = []
        self.created_ids: list[int] = []

    def add(self, source_row: SourceRow) -> None:
        self.report.rows_read += 1
        try:
            row = self._check(source_row)
        except RowError as error:
            self._reject(source_row, str(error))
            return
        self.first_line[row.reference] = row.line
        self.report.warnings += [RowIssue(row.line, warning) for warning in row.warnings]
        sector_id = self.resolver.resolve(row.commune, row.postcode, row.insee_code)
        self.pending.append(Prepared(row, sector_id))
        if len(self.pending) >= BATCH_ROWS:
            self.flush()

    def _check(self, source_row: SourceRow) -> CaseRow:
        if any(NUL in cell for cell in source_row.cells):
            # PostgreSQL cannot store it, and it means the line is damaged: reject, keep going.
            raise RowError(
                gettext("the row contains a NUL character (damaged line): check the file")
            )
        for column, value in source_row.values.items():
            # The one text rule (outreach.text_input): a cell may span lines, nothing else.
            position = text_input.refused_at(value, multiline=True)
            if position is not None:
                raise RowError(
                    gettext(
                        "column {column} holds an invisible control character (position "
                        "{position}): check the file",
                        column=column,
                        position=position,
                    )
                )
        if source_row.extra_cells:
            raise RowError(
                gettext(
                    "more cells than header columns ({count} extra): check the delimiter",
                    count=source_row.extra_cells,
                )
            )
        row = parse_row(source_row.line, source_row.values)
        if row.reference in self.first_line:
            raise RowError(
                gettext(
                    "reference already given on line {line} of this file",
                    line=self.first_line[row.reference],
                )
            )
        return row

    def _reject(self, source_row: SourceRow, reason: str) -> None:
        values = source_row.values
        sector_id = self.resolver.resolve(
            values.get("commune"), values.get("code_postal"), values.get("code_insee")
        )
        self.report.count(self.resolver.code(sector_id), "rejected")
        name = " ".join(filter(None, (values.get("prenom"), values.get("nom"))))
        self.report.rejects.append(RowIssue(source_row.line, reason, name.replace(NUL, "")[:80]))
        self.rejected_rows.append((source_row.line, reason, source_row.cells))

    def flush(self) -> None:
        """Write the pending rows: new ones in bulk, known ones compared and updated."""
        if not self.pending:
            return
        stored = load_stored(self.session, [item.row.reference for item in self.pending])
        fresh = [item for item in self.pending if item.row.reference not in stored]
        self.created_ids += insert_cases(self.context, fresh)
        for item in fresh:
            self.report.count(self.resolver.code(item.sector_id), "created")
        writes = Writes()
        for item in self.pending:
            known = stored.get(item.row.reference)
            if known is None:
                continue
            changed = plan_update(self.context, known, item, writes)
            sector = self.resolver.code(item.sector_id or known.values["sector_id"])
            self.report.count(sector, "updated" if changed else "unchanged")
            if changed:
                self.report.changes.append(CaseChange(item.row.line, item.row.reference, changed))
        apply_writes(self.session, writes)
        self.pending.clear()


def _finish(
    session: Session, clock: Clock, batch: ImportBatch, report: ImportReport, actor: TeamUser | None
) -> None:
    batch.finished_at = clock.now()
    batch.status = "done"
    batch.rows_read = report.rows_read
    batch.created = report.created
    batch.updated = report.updated
    batch.unchanged = report.unchanged
    batch.rejected = report.rejected
    batch.report = report.as_json()
    counts = {
        "rows_read": report.rows_read,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
    }
    audit.record(
        session, clock=clock, actor=actor, action="import.run", batch_id=batch.id, **counts
    )
    session.flush()
    log.info("CCAPEX import batch %s: %s", batch.id, counts)


def _write_rejects(
    path: Path, source: SourceFormat, rows: list[tuple[int, str, list[str]]]
) -> Path:
    """The rejected rows as they were, with line number and reason first (written atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
            writer = SafeCsvWriter(out, delimiter=";")
            writer.writerow(
                [
                    gettext("rejected row: line number"),
                    gettext("rejected row: reason"),
                    *source.header,
                ]
            )
            for line, reason, cells in rows:
                writer.writerow([line, reason, *(cell.replace(NUL, "") for cell in cells)])
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _cannot_write(path, error) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _writable(path: Path) -> Path:
    """The rejects file's path, checked before anything is read: a folder or a path under a file
    is refused with a clear reason instead of failing after the import."""
    path = Path(path)
    if path.is_dir():
        raise ImportRefused(
            gettext("the rejects file {path} is a folder: give a file name", path=path.name)
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise _cannot_write(path, NotADirectoryError())
            break
    return path


def _cannot_write(path: Path, error: OSError) -> ImportRefused:
    return ImportRefused(
        gettext(
            "the rejects file {path} cannot be written ({error})",
            path=path.name,
            error=error.strerror or type(error).__name__,
        )
    )
