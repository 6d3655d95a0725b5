"""The eviction procedure of a case: its stage, its deadlines, and what the commandement de payer
must show. Every rule names its source; nothing here is legal advice, it helps a worker see what
to check and what is urgent.

Deadlines (all dates are calendar days in France; no hour):
- **Time to pay after a commandement de payer (CDP)**: six weeks (loi n° 89-462 du 6 juillet
  1989, art. 24, I, 1°, as amended by loi n° 2023-668 du 27 juillet 2023, art. 10). That law came
  into force on 29 July 2023 and does not apply to leases running on that day, which keep their
  two months (Cour de cassation, 3e civ., avis n° 24-70.002 du 13 juin 2024): a lease signed (or
  renewed) before 29 July 2023 gives two months. Unknown lease date: the six weeks are shown
  (the earlier date is the safe one to tell a household) and the page asks for the lease date.
  Weeks count as 7 days from the day of the act; months end on the same day of the month, or the
  month's last day when it has none (code de procédure civile, art. 641). The deadline is not
  moved to the next working day: whether art. 642 CPC applies to this time limit is debated, and
  the earlier date is the safe one.
- **Hearing** (audience): its date, counted down ("J-12").
- **Commandement de quitter les lieux (CQL)**: the eviction cannot take place before two months
  (code des procédures civiles d'exécution, art. L. 412-1).
- **Winter truce** (trêve hivernale): no eviction from 1 November to 31 March (CPCE,
  art. L. 412-6). An earliest eviction date inside the truce moves to 1 April.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.clock import PARIS, Clock
from outreach.models import Case, TeamUser
from outreach.models.case import STAGES

# Each stage as the team reads it (one list: the pages, the API's schema and the figures).
STAGE_LABELS = {
    "impaye": N_("unpaid rent"),
    "cdp": N_("order to pay (CDP)"),
    "assignation": N_("summons (assignation)"),
    "audience": N_("hearing"),
    "jugement": N_("judgment"),
    "cql": N_("order to leave (CQL)"),
    "cfp": N_("police assistance (CFP)"),
}
SIX_WEEKS_SINCE = date(2023, 7, 29)  # loi n° 2023-668, in force the day after its publication
SIX_WEEKS = timedelta(weeks=6)
TRUCE_STARTS = (11, 1)  # 1 November
TRUCE_ENDS = (3, 31)  # 31 March, included

# Which date marks each stage (the latest stage with a date is where the procedure stands).
STAGE_DATES = (
    ("cdp", "date_cdp"),
    ("assignation", "date_assignation"),
    ("audience", "date_audience"),
    ("jugement", "date_jugement"),
    ("cql", "date_cql"),
    ("cfp", "date_cfp"),
)
DATE_LABELS = {
    "date_cdp": N_("Order to pay (commandement de payer)"),
    "date_assignation": N_("Summons (assignation)"),
    "date_audience": N_("Hearing"),
    "date_jugement": N_("Judgment"),
    "date_cql": N_("Order to leave (commandement de quitter les lieux)"),
    "date_cfp": N_("Police assistance granted (concours de la force publique)"),
}
LEASE_LABEL = N_("Lease signed (or last renewed) on")
DEADLINE_LABELS = {
    "cdp_payment": N_("End of the time to pay the order to pay"),
    "hearing": N_("Hearing"),
    "cql_end": N_("Earliest eviction date (two months after the order to leave)"),
    "truce_starts": N_("Winter truce begins"),
    "truce_ends": N_("Winter truce ends"),
}
# The same, in a few words, for the case list.
DEADLINE_SHORT_LABELS = {
    "cdp_payment": N_("end of the time to pay"),
    "hearing": N_("hearing"),
    "cql_end": N_("eviction possible"),
    "truce_starts": N_("winter truce"),
    "truce_ends": N_("end of the winter truce"),
}
SOURCES = {
    "cdp_payment": "Loi n° 89-462 du 6 juillet 1989, art. 24, I ; avis Cass. n° 24-70.002",
    "hearing": "Date d'audience portée sur l'assignation",
    "cql_end": "Code des procédures civiles d'exécution, art. L. 412-1",
    "truce_starts": "Code des procédures civiles d'exécution, art. L. 412-6",
    "truce_ends": "Code des procédures civiles d'exécution, art. L. 412-6",
}


@dataclass(frozen=True)
class Deadline:
    kind: str
    on: date
    source: str
    # The six weeks were assumed because the lease date is unknown (it may be two months).
    assumed: bool = False

    @property
    def label(self) -> str:
        return gettext(DEADLINE_LABELS[self.kind])

    def days_left(self, today: date) -> int:
        return (self.on - today).days


def short_countdown(kind: str | None, on: date | None, today: date) -> str:
    """ "J-12 · audience" for the case list; "" without a deadline."""
    if kind is None or on is None or kind not in DEADLINE_SHORT_LABELS:
        return ""
    deadline = Deadline(kind, on, SOURCES[kind])
    return f"{countdown(deadline, today)} · {gettext(DEADLINE_SHORT_LABELS[kind])}"


def paris_today(now: datetime) -> date:
    """The day it is in France: deadlines count in French calendar days."""
    return now.astimezone(PARIS).date()


def add_months(start: date, months: int) -> date:
    """Same day of the month `months` later, or that month's last day (code de procédure civile,
    art. 641: "à défaut d'un quantième identique, le délai expire le dernier jour du mois")."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def payment_deadline(cdp: date, lease_signed_on: date | None) -> Deadline:
    """The last day to pay (or ask for time) after a commandement de payer."""
    if lease_signed_on is not None and lease_signed_on < SIX_WEEKS_SINCE:
        return Deadline("cdp_payment", add_months(cdp, 2), SOURCES["cdp_payment"])
    assumed = lease_signed_on is None
    return Deadline("cdp_payment", cdp + SIX_WEEKS, SOURCES["cdp_payment"], assumed=assumed)


def in_truce(day: date) -> bool:
    return (day.month, day.day) >= TRUCE_STARTS or (day.month, day.day) <= TRUCE_ENDS


def after_truce(day: date) -> date:
    """`day`, or 1 April when `day` falls in the winter truce."""
    if not in_truce(day):
        return day
    year = day.year + 1 if day.month >= TRUCE_STARTS[0] else day.year
    return date(year, 4, 1)


def deadlines(case: Case, *, today: date) -> list[Deadline]:
    """The deadlines of the case's procedure, in date order (past ones included)."""
    found: list[Deadline] = []
    if case.date_cdp is not None:
        found.append(payment_deadline(case.date_cdp, case.lease_signed_on))
    if case.date_audience is not None:
        found.append(Deadline("hearing", case.date_audience, SOURCES["hearing"]))
    if case.date_cql is not None:
        earliest = after_truce(add_months(case.date_cql, 2))
        found.append(Deadline("cql_end", earliest, SOURCES["cql_end"]))
    eviction_later = any(d.kind == "cql_end" and d.on >= today for d in found)
    if derived_stage(case, today=today) in ("jugement", "cql", "cfp") and not eviction_later:
        # Once eviction can be ordered, the truce matters: its next start, or its end (while
        # the two months after a CQL run, their end already steps over the truce).
        if in_truce(today):
            end_year = today.year if today.month <= TRUCE_ENDS[0] else today.year + 1
            found.append(Deadline("truce_ends", date(end_year, *TRUCE_ENDS), SOURCES["truce_ends"]))
        else:
            start_year = today.year
            found.append(
                Deadline("truce_starts", date(start_year, *TRUCE_STARTS), SOURCES["truce_starts"])
            )
    return sorted(found, key=lambda deadline: deadline.on)


def next_deadline(case: Case, *, today: date) -> Deadline | None:
    """The nearest deadline today or later."""
    upcoming = [deadline for deadline in deadlines(case, today=today) if deadline.on >= today]
    return upcoming[0] if upcoming else None


def derived_stage(case: Case, *, today: date) -> str | None:
    """Where the procedure stands: the latest stage whose date has come, or the stage the CCAPEX
    gave if that is further along (a file may give the stage without its date). A hearing date
    is known from the summons on: the stage is "audience" only once that day has come."""
    dates = {column: getattr(case, column) for _, column in STAGE_DATES}
    return stage_from(case.stage, dates, today=today)


def stage_from(given: str | None, dates: Mapping[str, date | None], *, today: date) -> str | None:
    """derived_stage on plain values (the CCAPEX import writes rows, not objects)."""
    dated = [
        stage
        for stage, column in STAGE_DATES
        if (when := dates.get(column)) is not None and (column != "date_audience" or when <= today)
    ]
    candidates = [stage for stage in (*dated[-1:], given) if stage in STAGES]
    if not candidates:
        return None
    return max(candidates, key=STAGES.index)


def countdown(deadline: Deadline, today: date) -> str:
    """ "J-12", "aujourd'hui", "dépassé de 3 jours" in the team's words."""
    days = deadline.days_left(today)
    if days == 0:
        return gettext("today")
    if days > 0:
        return gettext("D-{days}", days=days)
    return gettext("passed {days} days ago", days=-days)


# --- What the commandement de payer must show -------------------------------------------------
# Loi n° 89-462 du 6 juillet 1989, art. 24, I (wording of loi n° 2018-1021 "ELAN", art. 137; the
# time to pay became six weeks with loi n° 2023-668): "Le commandement de payer contient, à peine
# de nullité" items 1° to 6°. The others are the form of any act of a commissaire de justice
# (code de procédure civile, art. 648) and the report to the CCAPEX (same art. 24, I).
CDP_CHECKS = (
    (
        "served",
        N_("Served by a commissaire de justice (bailiff), dated and signed"),
        "CPC, art. 648",
    ),
    (
        "time_to_pay",
        N_("States the time to pay: six weeks (two months for a lease signed before 29 July 2023)"),
        "Loi 89-462, art. 24, I, 1°",
    ),
    ("monthly_rent", N_("States the monthly rent and charges"), "Loi 89-462, art. 24, I, 2°"),
    (
        "breakdown",
        N_("Gives the breakdown of the debt (rent, charges and fees apart)"),
        "Loi 89-462, art. 24, I, 3°",
    ),
    (
        "warning",
        N_("Warns that without payment or a request for time the lease may be ended by a judge"),
        "Loi 89-462, art. 24, I, 4°",
    ),
    (
        "fsl",
        N_("Says the tenant may ask the FSL for help, and gives the FSL's address"),
        "Loi 89-462, art. 24, I, 5°",
    ),
    (
        "grace_period",
        N_("Says the tenant may ask the judge for time to pay (code civil, art. 1343-5)"),
        "Loi 89-462, art. 24, I, 6°",
    ),
    (
        "clause",
        N_("Refers to the lease's termination clause (clause résolutoire)"),
        "Loi 89-462, art. 24, I, al. 1",
    ),
    (
        "ccapex",
        N_("Reported to the CCAPEX by the bailiff when the county's thresholds apply"),
        "Loi 89-462, art. 24, I",
    ),
)
VERDICTS = {
    "conforme": N_("compliant"),
    "non_conforme": N_("not compliant"),
    "a_verifier": N_("to check"),
}


def procedure_fields(
    given_stage: str | None,
    dates: Mapping[str, date | None],
    lease_signed_on: date | None,
    *,
    today: date,
) -> dict[str, Any]:
    """The stored columns that follow from the dates: the stage and the nearest deadline."""
    probe = Case(stage=given_stage, lease_signed_on=lease_signed_on)
    for _, column in STAGE_DATES:
        setattr(probe, column, dates.get(column))
    upcoming = next_deadline(probe, today=today)
    return {
        "stage": stage_from(given_stage, dates, today=today),
        "next_deadline_on": upcoming.on if upcoming else None,
        "next_deadline_kind": upcoming.kind if upcoming else None,
    }


def apply_dates(case: Case, *, today: date) -> None:
    """After a date of the procedure changed: bring the stage and the next deadline up to it."""
    dates = {column: getattr(case, column) for _, column in STAGE_DATES}
    fields = procedure_fields(case.stage, dates, case.lease_signed_on, today=today)
    for name, value in fields.items():
        setattr(case, name, value)


def refresh_procedures(session: Session, *, today: date) -> int:
    """Bring every open case's stored stage and next deadline up to its dates and today (a
    hearing day that came, a deadline passed); how many changed. The daily job
    (outreach.casework.jobs) runs it."""
    columns = [getattr(Case, column) for _, column in STAGE_DATES]
    stored = (Case.stage, Case.next_deadline_on, Case.next_deadline_kind)
    rows = session.execute(
        select(Case.id, Case.lease_signed_on, *stored, *columns).where(
            Case.status != "closed",
            or_(Case.next_deadline_on.is_not(None), *(column.is_not(None) for column in columns)),
        )
    ).all()
    changed = []
    for row in rows:
        dates = {column: getattr(row, column) for _, column in STAGE_DATES}
        fields = procedure_fields(row.stage, dates, row.lease_signed_on, today=today)
        if tuple(fields.values()) != (row.stage, row.next_deadline_on, row.next_deadline_kind):
            changed.append({"id": row.id, **fields})
    if changed:
        session.execute(update(Case), changed)
    return len(changed)


# --- Dates typed in by the team ---------------------------------------------------------------
DATE_FIELDS = (*(column for _, column in STAGE_DATES), "lease_signed_on")
EARLIEST = date(1970, 1, 1)  # a lease, at the oldest
LATEST_AHEAD = timedelta(days=3 * 366)  # a hearing or a CQL is never years ahead


class ProcedureError(ValueError):
    """A date cannot be right (the message says why, in French)."""


def update_dates(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    values: Mapping[str, date | None],
    actor: TeamUser,
) -> list[str]:
    """Set the procedure's dates as read on the acts (None clears one); the stage and the next
    deadline follow. Returns the names of the dates that changed; the caller commits."""
    today = paris_today(clock.now())
    for name, value in values.items():
        if name not in DATE_FIELDS:
            raise ProcedureError(gettext("Unknown date of the procedure."))
        if value is not None and not EARLIEST <= value <= today + LATEST_AHEAD:
            raise ProcedureError(
                gettext("{date}: this date cannot be right.", date=value.strftime("%d/%m/%Y"))
            )
    changed = [name for name, value in values.items() if getattr(case, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(case, name, values[name])
    apply_dates(case, today=today)
    case.updated_at = clock.now()
    audit.record(
        session, clock=clock, actor=actor, action="procedure.dates", case_id=case.id, dates=changed
    )
    return changed
