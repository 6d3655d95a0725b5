"""The monthly return to the CCAPEX: for each case it transferred in a month (its import month),
what happened since — first message, household reached, diagnostic accepted or refused, visit
held, démarches agreed and done, orientations to partners, status or closing outcome, procedure
stage.

Only what the commission is entitled to: its own reference first, then dates, counts and codes
read in French. No name, phone number, address, debt, free text, note or message: the commission
already holds the household's identity (it sent the list), and the content of the social
diagnostic is not for it (the household agreed to share it with the team, not with the
commission). See README, "Le retour mensuel à la CCAPEX".
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach.casework.closing import outcome_label
from outreach.casework.lifecycle import status_label
from outreach.casework.procedure import STAGE_LABELS
from outreach.clock import PARIS
from outreach.models import (
    Case,
    CcapexExpectation,
    ConsentRecord,
    EngagementStep,
    Message,
    Partner,
    Referral,
    Sector,
    Visit,
)
from outreach.partners.directory import kind_label as partner_kind_label
from outreach.partners.referrals import status_label as referral_status_label
from outreach.spreadsheet import SafeCsvWriter, safe_row
from outreach.team.followup import step_kind_label

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
HEADERS = (
    N_("CCAPEX reference"),
    N_("Sector"),
    N_("First message sent on"),
    N_("Household reached on"),
    N_("Diagnostic"),
    N_("Diagnostic answer on"),
    N_("Visit held on"),
    N_("Steps agreed"),
    N_("Steps done"),
    N_("Orientations to partners"),
    N_("Status"),
    N_("Outcome"),
    N_("Closed on"),
    N_("Procedure stage"),
)
DIAGNOSTIC_LABELS = {
    "given": N_("accepted"),
    "refused": N_("declined"),
    "withdrawn": N_("accepted, then withdrawn"),
}


class ReturnError(ValueError):
    """The month asked for is not a month; the message (French) says how to write it."""


@dataclass(frozen=True)
class ReturnRow:
    reference: str
    sector: str
    contacted_on: date | None
    reached_on: date | None
    diagnostic: str
    diagnostic_on: date | None
    visit_held_on: date | None
    steps_agreed: int
    steps_done: int
    orientations: str
    status: str
    outcome: str
    closed_on: date | None
    stage: str

    def cells(self) -> list[object]:
        return [
            self.reference,
            self.sector,
            self.contacted_on,
            self.reached_on,
            self.diagnostic,
            self.diagnostic_on,
            self.visit_held_on,
            self.steps_agreed,
            self.steps_done,
            self.orientations,
            self.status,
            self.outcome,
            self.closed_on,
            self.stage,
        ]


def check_month(month: str) -> str:
    if not MONTH.match(month or ""):
        raise ReturnError(gettext("Write the month as YYYY-MM, for example 2026-03."))
    return month


def rows_for_month(session: Session, *, month: str) -> list[ReturnRow]:
    """One row per case transferred in `month`, by CCAPEX reference."""
    check_month(month)
    cases = list(
        session.scalars(
            select(Case).where(Case.import_month == month).order_by(Case.reference, Case.id)
        )
    )
    ids = [case.id for case in cases]
    if not ids:
        return []
    sectors = {
        sector_id: name for sector_id, name in session.execute(select(Sector.id, Sector.name))
    }
    contacted = _first(session, Message.sent_at, ids, Message.direction == "out")
    answered = _first(session, Message.created_at, ids, Message.direction == "in")
    held = _latest_visits(session, ids)
    met = _first(session, Visit.starts_at, ids, Visit.status.in_(("held",)))
    in_person = _first(session, ConsentRecord.recorded_at, ids, ConsentRecord.channel == "visit")
    diagnostic = _diagnostic(session, ids)
    steps = _steps(session, ids)
    referred = _referrals(session, ids)
    rows = []
    for case in cases:
        reached = [when for when in (answered.get(case.id), met.get(case.id)) if when]
        reached += [in_person[case.id]] if case.id in in_person else []
        decision, decided_at = diagnostic.get(case.id, ("", None))
        agreed, done, orientations = steps.get(case.id, (0, 0, []))
        orientations = orientations + referred.get(case.id, [])
        rows.append(
            ReturnRow(
                reference=case.reference,
                sector=sectors.get(case.sector_id, "") if case.sector_id else "",
                contacted_on=_day(contacted.get(case.id)),
                reached_on=_day(min(reached) if reached else None),
                diagnostic=gettext(DIAGNOSTIC_LABELS[decision]) if decision else "",
                diagnostic_on=_day(decided_at),
                visit_held_on=_day(held.get(case.id)),
                steps_agreed=agreed,
                steps_done=done,
                orientations=" ; ".join(orientations),
                status=status_label(case.status),
                outcome=outcome_label(case.outcome) if case.outcome else "",
                closed_on=_day(case.closed_at) if case.status == "closed" else None,
                stage=gettext(STAGE_LABELS[case.stage]) if case.stage in STAGE_LABELS else "",
            )
        )
    return rows


def headers() -> list[str]:
    return [gettext(header) for header in HEADERS]


def to_csv(rows: list[ReturnRow]) -> bytes:
    """Semicolon-separated, UTF-8 with a byte-order mark (what a French spreadsheet opens)."""
    out = io.StringIO()
    writer = SafeCsvWriter(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows:
        writer.writerow([_text(cell) for cell in row.cells()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[ReturnRow], *, month: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Return {month}", month=month)[:31]
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(safe_row(row.cells()))
    for column in ("C", "D", "F", "G", "M"):
        for cell in sheet[column][1:]:
            cell.number_format = "DD/MM/YYYY"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def months_received(session: Session) -> list[tuple[str, int]]:
    """(import month, cases transferred) for every month, latest first."""
    found = session.execute(
        select(Case.import_month, func.count())
        .where(Case.import_month.is_not(None))
        .group_by(Case.import_month)
        .order_by(Case.import_month.desc())
    )
    return [(str(month), int(count)) for month, count in found]


# --- reading ------------------------------------------------------------------------------------


def _first(session: Session, column, ids: list[int], *where) -> dict[int, datetime]:  # type: ignore[no-untyped-def]
    table = column.class_
    found = session.execute(
        select(table.case_id, func.min(column))
        .where(table.case_id.in_(ids), column.is_not(None), *where)
        .group_by(table.case_id)
    )
    return {case_id: when for case_id, when in found if when is not None}


def _latest_visits(session: Session, ids: list[int]) -> dict[int, datetime]:
    found = session.execute(
        select(Visit.case_id, func.max(Visit.starts_at))
        .where(Visit.case_id.in_(ids), Visit.status == "held")
        .group_by(Visit.case_id)
    )
    return {case_id: when for case_id, when in found if when is not None}


def _diagnostic(session: Session, ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """The decision on the diagnostic that holds now, per case, and when it was given."""
    latest: dict[int, tuple[str, datetime]] = {}
    records = session.execute(
        select(ConsentRecord.case_id, ConsentRecord.decision, ConsentRecord.recorded_at)
        .where(ConsentRecord.case_id.in_(ids), ConsentRecord.purpose == "diagnostic")
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    )
    for case_id, decision, at in records:
        latest[case_id] = (decision, at)
    return latest


def _steps(session: Session, ids: list[int]) -> dict[int, tuple[int, int, list[str]]]:
    """(agreed, done, orientations) per case; dropped démarches do not count."""
    agreed: dict[int, int] = defaultdict(int)
    done: dict[int, int] = defaultdict(int)
    orientations: dict[int, list[str]] = defaultdict(list)
    found = session.execute(
        select(
            EngagementStep.case_id,
            EngagementStep.kind,
            EngagementStep.status,
            EngagementStep.actor,
            EngagementStep.referral_id,
        )
        .where(EngagementStep.case_id.in_(ids), EngagementStep.status != "dropped")
        .order_by(EngagementStep.id)
    )
    for case_id, kind, status, actor, referral_id in found:
        agreed[case_id] += 1
        done[case_id] += status == "done"
        label = step_kind_label(kind)
        # A démarche through a referral is told by the referral itself (_referrals).
        if actor == "partner" and referral_id is None and label not in orientations[case_id]:
            orientations[case_id].append(label)
    return {case_id: (agreed[case_id], done[case_id], orientations[case_id]) for case_id in agreed}


def _referrals(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """The referrals sent, per case: "CAF : prise en charge par le partenaire" (the kind of
    partner and where it stands; never what was shared)."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(Referral.case_id, Partner.kind, Referral.status)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(Referral.case_id.in_(ids), Referral.sent_at.is_not(None))
        .order_by(Referral.id)
    )
    for case_id, kind, status in rows:
        found[case_id].append(f"{partner_kind_label(kind)} : {referral_status_label(status)}")
    return found


def _day(when: datetime | None) -> date | None:
    return when.astimezone(PARIS).date() if when is not None else None


def _text(value: object) -> object:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value


@dataclass(frozen=True)
class YearVolume:
    year: int
    expected: int | None
    by_month: list[tuple[str, int]]  # (YYYY-MM, cases received), January to December
    received: int


def year_volume(session: Session, *, year: int) -> YearVolume:
    """The cases received each month of `year` against the volume the CCAPEX expects."""
    counts = dict(months_received(session))
    by_month = [
        (f"{year}-{month:02d}", counts.get(f"{year}-{month:02d}", 0)) for month in range(1, 13)
    ]
    found = session.get(CcapexExpectation, year)
    return YearVolume(
        year=year,
        expected=found.expected if found else None,
        by_month=by_month,
        received=sum(count for _, count in by_month),
    )


def set_expected(session: Session, *, year: int, expected: int, now: datetime) -> None:
    if not 2000 <= year <= 2100 or not 0 <= expected <= 1_000_000:
        raise ReturnError(gettext("Give a year and a number of households."))
    found = session.get(CcapexExpectation, year)
    if found is None:
        session.add(CcapexExpectation(year=year, expected=expected, updated_at=now))
    else:
        found.expected, found.updated_at = expected, now
    session.flush()
