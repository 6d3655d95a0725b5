"""Retention limits (CNIL: active data 2 years after the last contact) and anonymisation.

A case closed longer ago than ALLERVERS_RETENTION_MONTHS is anonymised: names,
contact points, addresses, amounts, free text and message bodies go; what the indicators count
stays (the case row with its sector, import month, stage and status; messages' direction, channel
and status; consents, visits, steps). Erasure on request (outreach.privacy.rights) uses the same
`anonymise`. Each case is done in its own transaction, so one failure does not stop the batch.

CCAPEX import reports older than the same limit (from the import's end) lose what came from the
rows: line numbers, references, the values quoted in reasons. They keep their counts, month, file
name and format, the kinds of rejections and warnings, and the columns that changed. The rejected
rows kept on disk by the imports page (whole rows, names and phones included) are deleted then.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from messages import gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import (
    Anonymisation,
    AuditEvent,
    Case,
    CaseNote,
    ChannelLinkToken,
    ConsentRecord,
    Diagnostic,
    EngagementStep,
    ImportBatch,
    InboxItem,
    Landlord,
    Letter,
    MediationEntry,
    Message,
    PartnerInfo,
    Referral,
)

log = logging.getLogger(__name__)


# Set in an import report once its personal data is gone (ISO time): it is never cleared twice.
CLEARED_KEY = "personal_data_removed_at"
# The reasons the CCAPEX import gives for a rejected row or a warning (outreach/ccapex/rows.py and
# importer.py), as English msgids: a cleared report counts them by these kinds. A reason that
# matches none of them (a new one, or an old wording) counts as "other": its text is never kept.
IMPORT_REASONS = (
    "missing reference",
    "missing name (nom)",
    "no usable phone number and no address",
    "column {column} is too long (at most {limit} characters)",
    "unknown procedure stage “{stage}”",
    "unreadable date in column {column} (expected dd/mm/yyyy)",
    "unreadable amount in column {column} (expected e.g. 1 234,56 €)",
    "unreadable phone number in column {column}",
    "unreadable postcode: ignored",
    "unreadable landlord phone number",
    "unreadable landlord e-mail address: ignored",
    "unknown language “{name}”: French is used",
    "more cells than header columns ({count} extra): check the delimiter",
    "reference already given on line {line} of this file",
)
OTHER_REASON = "other"
_PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass
class RetentionReport:
    anonymised: list[int] = field(default_factory=list)  # case ids
    failed: list[int] = field(default_factory=list)
    import_reports_cleared: list[int] = field(default_factory=list)  # import batch ids
    import_reports_failed: list[int] = field(default_factory=list)
    rejects_files_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "anonymised": len(self.anonymised),
            "failed": len(self.failed),
            "import_reports_cleared": len(self.import_reports_cleared),
            "import_reports_failed": len(self.import_reports_failed),
            "rejects_files_deleted": self.rejects_files_deleted,
        }


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def due_cases(session: Session, *, now: datetime, months: int) -> list[int]:
    """Closed cases closed before the limit and not yet anonymised (the retention counts from
    the close; a case closed before closing had a date counts from its last contact)."""
    limit = months_before(now, months)
    last = func.coalesce(Case.closed_at, Case.last_contact_at, Case.updated_at)
    done = select(Anonymisation.case_id)
    return list(
        session.scalars(
            select(Case.id)
            .where(Case.status == "closed", last < limit, Case.id.not_in(done))
            .order_by(Case.id)
        )
    )


def run(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    months: int,
    rejects_dir: Path | None = None,
) -> RetentionReport:
    """The daily job: clear the old import reports, anonymise every case past the limit.

    `rejects_dir` is where the imports page keeps the rejected rows (batch-<id>.rejets.csv);
    without it, no file is touched.
    """
    report = RetentionReport()
    clear_import_reports(sessions, clock=clock, months=months, rejects_dir=rejects_dir, into=report)
    with sessions() as session:
        ids = due_cases(session, now=clock.now(), months=months)
    for case_id in ids:
        try:
            with sessions.begin() as session:
                case = session.get_one(Case, case_id)
                anonymise(session, clock=clock, case=case, reason="retention")
                audit.record(
                    session, clock=clock, actor=None, action="case.anonymise", case_id=case_id
                )
            report.anonymised.append(case_id)
        except Exception:
            log.exception("retention: case %s could not be anonymised", case_id)
            report.failed.append(case_id)
    log.info("retention: %s", report.as_dict())
    return report


# --- Import reports ------------------------------------------------------------------------------


def _not_cleared() -> ColumnElement[bool]:
    return ImportBatch.report[CLEARED_KEY].as_string().is_(None)


def due_import_batches(session: Session, *, now: datetime, months: int) -> list[int]:
    """Import batches that ended before the limit and whose report still holds row details."""
    limit = months_before(now, months)
    ended = func.coalesce(ImportBatch.finished_at, ImportBatch.started_at)
    return list(
        session.scalars(
            select(ImportBatch.id).where(ended < limit, _not_cleared()).order_by(ImportBatch.id)
        )
    )


def rejects_file(rejects_dir: Path, batch_id: int) -> Path:
    """Where the imports page keeps a batch's rejected rows (api.web.imports_page)."""
    return rejects_dir / f"batch-{batch_id}.rejets.csv"


def clear_import_reports(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    months: int,
    rejects_dir: Path | None,
    into: RetentionReport,
) -> None:
    """Strip the old import reports of row details and delete their rejected-rows files."""
    now = clock.now()
    with sessions() as session:
        ids = due_import_batches(session, now=now, months=months)
    for batch_id in ids:
        try:
            with sessions.begin() as session:
                batch = session.get_one(ImportBatch, batch_id)
                if CLEARED_KEY in (batch.report or {}):
                    continue  # another run did it meanwhile
                batch.report = cleared_import_report(batch.report or {}, now=now)
                session.flush()
                # Deleted before the commit: if the file cannot go, the report stays due.
                deleted = rejects_dir is not None and _unlink(rejects_file(rejects_dir, batch_id))
            into.import_reports_cleared.append(batch_id)
            into.rejects_files_deleted += int(deleted)
        except Exception:
            log.exception("retention: import report %s could not be cleared", batch_id)
            into.import_reports_failed.append(batch_id)
    if rejects_dir is not None:
        into.rejects_files_deleted += _sweep_rejects_dir(rejects_dir, months_before(now, months))


def cleared_import_report(report: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """The report without anything read from the rows: counts and kinds only."""
    changed_columns: Counter[str] = Counter()
    for change in report.get("changes") or []:
        changed_columns.update(str(name) for name in change.get("fields") or [])
    return {
        "encoding": report.get("encoding"),
        "delimiter": report.get("delimiter"),
        "by_sector": report.get("by_sector") or {},
        "rejects": [],
        "warnings": [],
        "changes": [],
        "truncated": bool(report.get("truncated")),
        "ignored_columns": report.get("ignored_columns") or [],
        "rejects_file": None,
        "reject_kinds": _kinds(report.get("rejects")),
        "warning_kinds": _kinds(report.get("warnings")),
        "changed_columns": dict(sorted(changed_columns.items())),
        CLEARED_KEY: now.isoformat(),
    }


def _kinds(issues: list[dict[str, Any]] | None) -> dict[str, int]:
    counts = Counter(reason_kind(str(issue.get("reason") or "")) for issue in issues or [])
    return dict(sorted(counts.items()))


def reason_kind(reason: str) -> str:
    """The msgid a rejection or warning reason was made from (OTHER_REASON when none fits)."""
    for msgid, patterns in _reason_patterns().items():
        if any(pattern.fullmatch(reason) for pattern in patterns):
            return msgid
    return OTHER_REASON


@cache
def _reason_patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    """Each reason as the import wrote it (French) or as its msgid, its values matching anything."""

    def pattern(template: str) -> re.Pattern[str]:
        pieces = _PLACEHOLDER.split(template)
        return re.compile("(?s:.*)".join(re.escape(piece) for piece in pieces))

    return {
        msgid: tuple(pattern(text) for text in {msgid, gettext(msgid)}) for msgid in IMPORT_REASONS
    }


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def _sweep_rejects_dir(rejects_dir: Path, limit: datetime) -> int:
    """Rejected-rows files older than the limit that no batch claimed (an upload rolled back)."""
    if not rejects_dir.is_dir():
        return 0
    deleted = 0
    for path in rejects_dir.iterdir():
        if ".rejets.csv" not in path.name or not path.is_file():
            continue
        try:
            if path.stat().st_mtime < limit.timestamp() and _unlink(path):
                deleted += 1
        except OSError:
            log.exception("retention: %s could not be deleted", path.name)
    return deleted


def landlord_message_ids(session: Session, *, case_id: int) -> list[int]:
    """Messages sent to the case's landlord (they carry no case id: the audit trail links them)."""
    events = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "landlord.message"
        )
    )
    sent = [int(detail["message_id"]) for detail in events if detail and "message_id" in detail]
    replies = session.scalars(
        select(InboxItem.message_id).where(
            InboxItem.case_id == case_id, InboxItem.kind == "landlord_reply"
        )
    )
    return sent + [message_id for message_id in replies if message_id is not None]


def anonymise(session: Session, *, clock: Clock, case: Case, reason: str) -> None:
    """Remove the personal data of a case; keep what the indicators count."""
    now = clock.now()
    _forget_reference_in_imports(session, case)
    case.people.clear()
    case.contact_points.clear()
    case.reference = f"ANON-{case.id}"
    for name in ("address", "postcode", "commune", "debt_cents", "outcome_comment"):
        setattr(case, name, None)
    for name in ("date_cdp", "date_assignation", "date_audience", "date_jugement", "date_cql"):
        setattr(case, name, None)
    case.date_cfp = case.lease_signed_on = case.next_deadline_on = None
    case.next_deadline_kind = None
    case.search_text = ""
    _forget_landlord(session, case)
    _clear_messages(
        session, case_id=case.id, extra_ids=landlord_message_ids(session, case_id=case.id)
    )
    session.execute(update(InboxItem).where(InboxItem.case_id == case.id).values(note=None))
    session.execute(
        update(EngagementStep)
        .where(EngagementStep.case_id == case.id)
        .values(detail=None, objective=None, result=None)
    )
    # Where a signed paper is filed may name the household; what was decided stays.
    session.execute(
        update(ConsentRecord).where(ConsentRecord.case_id == case.id).values(document_ref=None)
    )
    for note in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)):
        session.delete(note)
    session.execute(
        update(MediationEntry).where(MediationEntry.case_id == case.id).values(note=None)
    )
    session.execute(
        update(PartnerInfo)
        .where(PartnerInfo.case_id == case.id)
        .values(summary=None, document_ref=None)
    )
    # What was shared with partners, and their answers, name the household; the link dies.
    session.execute(
        update(Referral)
        .where(Referral.case_id == case.id)
        .values(summary=None, note=None, answer=None, token_hash=None, code_hash=None)
    )
    # The social diagnostic is the household's situation in detail: nothing of it is kept.
    session.execute(delete(Diagnostic).where(Diagnostic.case_id == case.id))
    # A link still unused would attach a new messenger account to the anonymous case.
    session.execute(
        update(ChannelLinkToken)
        .where(
            ChannelLinkToken.case_id == case.id,
            ChannelLinkToken.used_at.is_(None),
            ChannelLinkToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(update(Letter).where(Letter.case_id == case.id).values(link=None))
    case.updated_at = now
    existing = session.get(Anonymisation, case.id)
    if existing is None:
        session.add(Anonymisation(case_id=case.id, reason=reason, at=now))
    session.flush()
    log.info("case %s anonymised (%s)", case.id, reason)


def _forget_reference_in_imports(session: Session, case: Case) -> None:
    """Replace the case's CCAPEX reference in the "changes" of reports not yet cleared.

    Only imports that saw the case can name it (each one sets last_import_batch_id); the text
    search only narrows the rows read, the comparison is done on the decoded report.
    """
    reference = case.reference
    if case.last_import_batch_id is None or reference == f"ANON-{case.id}":
        return
    batches = session.scalars(
        select(ImportBatch).where(
            ImportBatch.id <= case.last_import_batch_id,
            _not_cleared(),
            cast(ImportBatch.report, Text).contains(json.dumps(reference), autoescape=True),
        )
    )
    for batch in batches:
        changes = (batch.report or {}).get("changes") or []
        kept = [
            {**change, "reference": f"ANON-{case.id}"}
            if change.get("reference") == reference
            else change
            for change in changes
        ]
        if kept != changes:
            batch.report = {**batch.report, "changes": kept}


def _forget_landlord(session: Session, case: Case) -> None:
    landlord_id = case.landlord_id
    case.landlord_id = None
    case.landlord = None
    session.flush()
    if landlord_id is None:
        return
    others = session.scalar(select(func.count()).where(Case.landlord_id == landlord_id))
    if not others:
        landlord = session.get(Landlord, landlord_id)
        if landlord is not None:
            session.delete(landlord)


def _clear_messages(session: Session, *, case_id: int, extra_ids: Iterable[int]) -> None:
    blank = {"body": "", "address": "", "raw": None, "choices": None, "template_values": None}
    session.execute(
        update(Message)
        .where(Message.case_id == case_id)
        .values(**blank)
        .execution_options(synchronize_session=False)
    )
    ids = list(extra_ids)
    if ids:
        session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(**blank)
            .execution_options(synchronize_session=False)
        )
