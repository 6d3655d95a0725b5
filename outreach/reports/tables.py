"""The State report's other indicators, by sector and by import month: reply rates by channel and
by sequence step, time to first reply, visits, what came of calls and door knocks, opt-outs and SMS
segments sent.

Each is one set-based query grouped by sector code or by import month (never a loop over cases),
over the cases the user may see within the page's month filters. Rates, medians and sums are
computed per group in SQL, since they cannot be added up across groups.

Sequence steps: an outbound message is tied to its step through the outbox item that sent it
(`OutboxItem.message_id` / `step_index`); messages sent outside a sequence count in no step. A
household "replied at step n" when step n is the last step sent before its first inbound message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import Subquery

from messages import N_, gettext
from outreach.models import InboxItem, Message, OutboxItem, Sector, TeamUser, Visit
from outreach.reports.cells import COUNT, HOURS, PERCENT
from outreach.reports.indicators import CONTACTED_STATUSES, UNASSIGNED, IndicatorFilters, _scope
from outreach.team.outcomes import OUTCOMES, outcome_label

BY = ("sector", "month")

Value = int | float | None


@dataclass
class Table:
    """One indicator: its columns, and a row of values per sector and per month."""

    key: str
    title: str  # English msgid; shown translated
    columns: list[str] = field(default_factory=list)  # already translated
    charted: list[int] = field(default_factory=list)  # indexes of the columns the chart draws
    rows: dict[str, list[tuple[str, list[Value]]]] = field(default_factory=dict)  # by -> rows
    # Each column's kind (outreach.reports.cells: count, percent, days, hours; none given: all
    # counts), and for a computed column the count columns it rests on (hidden with them).
    kinds: list[str] = field(default_factory=list)
    bases: dict[int, tuple[int, ...]] = field(default_factory=dict)


def tables(session: Session, *, user: TeamUser, filters: IndicatorFilters) -> list[Table]:
    names = dict(session.execute(select(Sector.code, Sector.name)).all())
    builders = (_channels, _steps, _first, _visits, _outcomes, _optouts, _segments)
    return [build(session, user, filters, names) for build in builders]


def _cases(user: TeamUser, filters: IndicatorFilters) -> Subquery:
    scope = _scope(user, filters).subquery()
    return (
        select(scope.c.id, scope.c.import_month, Sector.code.label("sector"), scope.c.opted_out)
        .select_from(scope)
        .outerjoin(Sector, Sector.id == scope.c.sector_id)
        .subquery()
    )


def _group(cases: Subquery, by: str) -> ColumnElement[Any]:
    return func.coalesce(cases.c.sector if by == "sector" else cases.c.import_month, "")


def _label(by: str, key: str, names: dict[str, str]) -> str:
    if by == "month":
        return key or gettext("no month")
    return gettext("Unassigned") if key == UNASSIGNED else names.get(key, key)


def _rows(
    by: str, names: dict[str, str], data: dict[str, list[Value]]
) -> list[tuple[str, list[Value]]]:
    rows = [(_label(by, key, names), values) for key, values in sorted(data.items())]
    return sorted(rows, key=lambda row: row[0]) if by == "sector" else rows


def _rate(replied: int, messaged: int) -> Value:
    return round(100 * replied / messaged) if messaged else None


def _contacted(message: Any = Message) -> ColumnElement[bool]:
    return and_(message.direction == "out", message.status.in_(CONTACTED_STATUSES))


def _rates(
    session: Session,
    user: TeamUser,
    filters: IndicatorFilters,
    names: dict[str, str],
    table: Table,
    dimension: Callable[[Subquery], tuple[Subquery, Subquery]],
    series_label: Callable[[Any], str],
) -> Table:
    """Households messaged / replied per value of a dimension (a channel, a step), by group."""
    for by in BY:
        cases = _cases(user, filters)
        messaged, replied = dimension(cases)
        group = _group(cases, by)
        counts: dict[tuple[str, Any], list[int]] = {}
        for source, index in ((messaged, 0), (replied, 1)):
            query = (
                select(group, source.c.value, func.count(distinct(source.c.case_id)))
                .select_from(source)
                .join(cases, cases.c.id == source.c.case_id)
                .group_by(group, source.c.value)
            )
            for key, value, count in session.execute(query):
                counts.setdefault((key, value), [0, 0])[index] = count
        values = sorted({value for _key, value in counts})
        if not table.columns:
            for value in values:
                name = series_label(value)
                table.columns += [
                    f"{name} : {gettext('households messaged')}",
                    f"{name} : {gettext('households who replied')}",
                    f"{name} : {gettext('reply rate (%)')}",
                ]
            table.charted = [3 * index + 2 for index in range(len(values))]
            table.kinds = [COUNT, COUNT, PERCENT] * len(values)
            table.bases = {3 * i + 2: (3 * i, 3 * i + 1) for i in range(len(values))}
        data: dict[str, list[Value]] = {}
        for (key, value), (sent, answered) in counts.items():
            row = data.setdefault(key, [0, 0, None] * len(values))
            at = 3 * values.index(value)
            row[at : at + 3] = [sent, answered, _rate(answered, sent)]
        table.rows[by] = _rows(by, names, data)
    return table


def _channels(
    session: Session, user: TeamUser, filters: IndicatorFilters, names: dict[str, str]
) -> Table:
    def dimension(cases: Subquery) -> tuple[Subquery, Subquery]:
        messaged = (
            select(Message.case_id, Message.channel.label("value"))
            .where(_contacted(), Message.case_id.in_(select(cases.c.id)))
            .distinct()
            .subquery()
        )
        inbound = aliased(Message)
        replied = (
            select(messaged.c.case_id, messaged.c.value)
            .where(
                exists().where(
                    inbound.case_id == messaged.c.case_id,
                    inbound.direction == "in",
                    inbound.channel == messaged.c.value,
                )
            )
            .subquery()
        )
        return messaged, replied

    table = Table("reply_channel", N_("Reply rate by channel"))
    return _rates(session, user, filters, names, table, dimension, str)


def _steps(
    session: Session, user: TeamUser, filters: IndicatorFilters, names: dict[str, str]
) -> Table:
    def dimension(cases: Subquery) -> tuple[Subquery, Subquery]:
        stepped = (
            select(
                Message.case_id,
                (OutboxItem.step_index + 1).label("value"),
                Message.created_at,
            )
            .join(OutboxItem, OutboxItem.message_id == Message.id)
            .where(_contacted(), OutboxItem.step_index.is_not(None))
            .where(Message.case_id.in_(select(cases.c.id)))
            .subquery()
        )
        messaged = select(stepped.c.case_id, stepped.c.value).distinct().subquery()
        first_in = (
            select(Message.case_id, func.min(Message.created_at).label("at"))
            .where(Message.direction == "in")
            .group_by(Message.case_id)
            .subquery()
        )
        later = stepped.alias("later")
        replied = (
            select(stepped.c.case_id, stepped.c.value)
            .join(first_in, first_in.c.case_id == stepped.c.case_id)
            .where(stepped.c.created_at <= first_in.c.at)
            .where(
                ~exists().where(
                    later.c.case_id == stepped.c.case_id,
                    later.c.value > stepped.c.value,
                    later.c.created_at <= first_in.c.at,
                )
            )
            .distinct()
            .subquery()
        )
        return messaged, replied

    table = Table("reply_step", N_("Reply rate by sequence step"))
    return _rates(
        session,
        user,
        filters,
        names,
        table,
        dimension,
        lambda n: gettext("Step {number}").format(number=n),
    )


def _hours(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return func.extract("epoch", later - earlier) / 3600.0


def _first(
    session: Session, user: TeamUser, filters: IndicatorFilters, names: dict[str, str]
) -> Table:
    """Median hours from a household's first outbound message to its first reply after it."""
    table = Table(
        "first_reply",
        N_("Time to first reply"),
        [gettext("Households who replied"), gettext("Median hours to first reply")],
        [1],
        kinds=[COUNT, HOURS],
        bases={1: (0,)},
    )
    for by in BY:
        cases = _cases(user, filters)
        # Each CTE is computed once: a plan that re-runs the first message per case (what
        # PostgreSQL chose for nested subqueries on tables it had not analysed yet) took 15 s.
        first_out = (
            select(Message.case_id, func.min(Message.created_at).label("at"))
            .where(_contacted(), Message.case_id.in_(select(cases.c.id)))
            .group_by(Message.case_id)
            .cte(f"first_out_{by}")
        )
        first_in = (
            select(
                first_out.c.case_id,
                first_out.c.at.label("out_at"),
                func.min(Message.created_at).label("in_at"),
            )
            .join(Message, Message.case_id == first_out.c.case_id)
            .where(Message.direction == "in", Message.created_at >= first_out.c.at)
            .group_by(first_out.c.case_id, first_out.c.at)
            .cte(f"first_in_{by}")
        )
        group = _group(cases, by)
        delays = (
            select(
                group.label("key"),
                _hours(session, first_in.c.in_at, first_in.c.out_at).label("hours"),
            )
            .select_from(first_in)
            .join(cases, cases.c.id == first_in.c.case_id)
            .subquery()
        )
        ranked = select(
            delays.c.key,
            delays.c.hours,
            func.row_number().over(partition_by=delays.c.key, order_by=delays.c.hours).label("n"),
            func.count().over(partition_by=delays.c.key).label("size"),
        ).subquery()
        middle = and_(
            ranked.c.n >= (ranked.c.size + 1) // 2,
            ranked.c.n <= ranked.c.size // 2 + 1,
        )
        query = (
            select(ranked.c.key, func.max(ranked.c.size), func.avg(ranked.c.hours))
            .where(middle)
            .group_by(ranked.c.key)
        )
        data: dict[str, list[Value]] = {
            key: [size, round(float(hours), 1)] for key, size, hours in session.execute(query)
        }
        table.rows[by] = _rows(by, names, data)
    return table


def _counts(
    session: Session,
    user: TeamUser,
    filters: IndicatorFilters,
    names: dict[str, str],
    table: Table,
    source: Callable[[Subquery], Any],
    aggregates: Callable[[Any], list[ColumnElement[Any]]],
) -> Table:
    for by in BY:
        cases = _cases(user, filters)
        rows = source(cases)
        group = _group(cases, by)
        query = (
            select(group, *aggregates(rows))
            .select_from(rows)
            .join(cases, cases.c.id == rows.c.case_id)
            .group_by(group)
        )
        data: dict[str, list[Value]] = {
            key: [int(value or 0) for value in values] for key, *values in session.execute(query)
        }
        table.rows[by] = _rows(by, names, data)
    return table


def _visits(
    session: Session, user: TeamUser, filters: IndicatorFilters, names: dict[str, str]
) -> Table:
    table = Table(
        "visits",
        N_("Visits and no-shows"),
        [gettext("Visits booked"), gettext("Visits held"), gettext("No-shows")],
        [0, 1, 2],
    )

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    return _counts(
        session, user, filters, names, table,
        lambda cases: Visit.__table__,
        lambda rows: [
            count(Visit.status != "cancelled"),
            count(Visit.status == "held"),
            count(Visit.status == "no_show"),
        ],
    )  # fmt: skip


def _optouts(
    session: Session, user: TeamUser, filters: IndicatorFilters, names: dict[str, str]
) -> Table:
    table = Table("optouts", N_("Opt-outs"), [gettext("Households who opted out")], [0])
    return _counts(
        session, user, filters, names, table,
        lambda cases: select(cases.c.id.label("case_id"), cases.c.opted_out).subquery(),
        lambda rows: [func.sum(case((rows.c.opted_out.is_(True), 1), else_=0))],
    )  # fmt: skip


def _outcomes(
    session: Session, user: TeamUser, filters: IndicatorFilters, names: dict[str, str]
) -> Table:
    """What came of the team's calls and door knocks (outreach.team.outcomes)."""
    table = Table(
        "task_outcomes",
        N_("Calls and door knocks: what came of them"),
        [outcome_label(outcome) for outcome in OUTCOMES],
        list(range(len(OUTCOMES))),
    )

    def count(rows: Any, outcome: str) -> ColumnElement[int]:
        return func.sum(case((rows.c.outcome == outcome, 1), else_=0))

    return _counts(
        session, user, filters, names, table,
        lambda cases: select(InboxItem.case_id, InboxItem.outcome)
        .where(InboxItem.outcome.is_not(None))
        .subquery(),
        lambda rows: [count(rows, outcome) for outcome in OUTCOMES],
    )  # fmt: skip


def _segments(
    session: Session, user: TeamUser, filters: IndicatorFilters, names: dict[str, str]
) -> Table:
    table = Table(
        "sms_segments",
        N_("SMS segments sent (cost)"),
        [gettext("SMS sent"), gettext("SMS segments sent")],
        [1],
    )
    return _counts(
        session, user, filters, names, table,
        lambda cases: select(Message.case_id, Message.segments)
        .where(_contacted(), Message.channel == "sms")
        .subquery(),
        lambda rows: [func.count(), func.coalesce(func.sum(rows.c.segments), 0)],
    )  # fmt: skip


def export_sections(result: list[Table]) -> list[tuple[str, list[list[Any]]]]:
    """Each indicator as (title, rows): by sector, then by import month; for the CSV and XLSX."""
    sections = []
    for table in result:
        rows: list[list[Any]] = []
        for by, first in (("sector", gettext("Sector")), ("month", gettext("Import month"))):
            rows.append([first, *table.columns])
            rows += [[label, *values] for label, values in table.rows[by]]
        sections.append((gettext(table.title), rows))
    return sections
