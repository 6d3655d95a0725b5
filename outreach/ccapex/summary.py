"""The import report in words, for the team (French, from the catalog)."""

from __future__ import annotations

from messages import gettext
from outreach.ccapex.importer import ImportReport
from outreach.sectors import UNASSIGNED

# Lines of detail printed for each list; the batch and the rejects CSV keep the rest.
SHOWN = 20
_DELIMITER_NAMES = {";": "« ; »", ",": "« , »"}


def summary_lines(report: ImportReport) -> list[str]:
    """The summary the CLI prints: totals, counts by sector, then changes, warnings and rejects."""
    lines = [
        gettext(
            "Import of {filename} (month {month}, encoding {encoding}, delimiter {delimiter}), "
            "batch no. {batch}",
            filename=report.filename,
            month=report.month,
            encoding=report.encoding,
            delimiter=_DELIMITER_NAMES.get(report.delimiter) or gettext("delimiter: tab"),
            batch=report.batch_id,
        ),
        gettext(
            "Rows read: {read} — created: {created} — updated: {updated} — unchanged: "
            "{unchanged} — rejected: {rejected}",
            read=report.rows_read,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
        ),
    ]
    lines += _by_sector(report)
    if report.ignored_columns:
        lines.append(
            gettext("Columns ignored: {columns}", columns=", ".join(report.ignored_columns))
        )
    lines += _detail(
        gettext("Updated cases (changed columns):"),
        [f"{change.reference} : {', '.join(change.fields)}" for change in report.changes],
    )
    lines += _detail(
        gettext("Warnings (the row was imported):"),
        [_line(issue.line, issue.reason) for issue in report.warnings],
    )
    lines += _detail(
        gettext("Rejected rows:"), [_line(issue.line, issue.reason) for issue in report.rejects]
    )
    if report.rejects_path is not None:
        lines.append(gettext("Rejected rows written to {path}", path=report.rejects_path))
    return lines


def _by_sector(report: ImportReport) -> list[str]:
    if not report.by_sector:
        return []
    lines = [gettext("By sector:")]
    codes = sorted(report.by_sector, key=lambda code: (code == UNASSIGNED, code))
    for code in codes:
        counts = report.by_sector[code]
        name = (
            gettext("Unassigned (no sector matches)")
            if code == UNASSIGNED
            else report.sector_names.get(code, code)
        )
        lines.append(
            "  "
            + gettext(
                "{sector}: created {created}, updated {updated}, unchanged {unchanged}, "
                "rejected {rejected}",
                sector=name,
                created=counts.created,
                updated=counts.updated,
                unchanged=counts.unchanged,
                rejected=counts.rejected,
            )
        )
    return lines


def _line(line: int, reason: str) -> str:
    return gettext("file line {line}: {reason}", line=line, reason=reason)


def _detail(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    lines = [title, *(f"  {item}" for item in items[:SHOWN])]
    if len(items) > SHOWN:
        lines.append("  " + gettext("… and {count} more", count=len(items) - SHOWN))
    return lines
