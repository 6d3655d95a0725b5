"""What a simulation did, day by day and in total, read back from its database (counts only)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import babel_locale, gettext
from outreach.clock import PARIS
from outreach.models import AuditEvent, InboxItem, Message
from outreach.team.tasks import TASK_KIND, task_label


@dataclass
class Day:
    day: date
    sent: Counter[str] = field(default_factory=Counter)  # by channel
    replies: int = 0
    opt_outs: int = 0
    tasks: int = 0


@dataclass
class SimulationReport:
    start: datetime
    end: datetime
    sequence: str
    version: str
    households: int  # cases that entered the sequence
    days: list[Day]
    by_channel: Counter[str]
    segments: int
    replies: int
    replied: int  # households that answered at least once
    opt_outs: int
    tasks: Counter[str]  # by task type
    reached: int  # households that received at least one message


def build_report(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    sequence: str,
    version: str,
    households: int,
) -> SimulationReport:
    days = _empty_days(start, end)
    sent = _outbound(session, start, end)
    inbound, opt_outs, tasks = _events(session, start, end)
    for channel, _, _, sent_at in sent:
        days[_day(sent_at)].sent[channel] += 1
    for _, created_at in inbound:
        days[_day(created_at)].replies += 1
    for at in opt_outs:
        days[_day(at)].opt_outs += 1
    for _, created_at in tasks:
        days[_day(created_at)].tasks += 1
    return SimulationReport(
        start=start,
        end=end,
        sequence=sequence,
        version=version,
        households=households,
        days=list(days.values()),
        by_channel=Counter(channel for channel, _, _, _ in sent),
        segments=sum(segments or 0 for _, _, segments, _ in sent),
        replies=len(inbound),
        replied=len({case_id for case_id, _ in inbound if case_id is not None}),
        opt_outs=len(opt_outs),
        tasks=Counter(note or "" for note, _ in tasks),
        reached=len({case_id for _, case_id, _, _ in sent if case_id is not None}),
    )


def _events(session: Session, start: datetime, end: datetime) -> tuple[list, list, list]:  # type: ignore[type-arg]
    """Replies (case, time), opt-outs (time) and team tasks (type, time) in the period."""
    inbound = session.execute(
        select(Message.case_id, Message.created_at).where(
            Message.direction == "in", Message.created_at >= start, Message.created_at < end
        )
    ).all()
    opt_outs = session.scalars(
        select(AuditEvent.at).where(
            AuditEvent.action == "case.opt_out", AuditEvent.at >= start, AuditEvent.at < end
        )
    ).all()
    tasks = session.execute(
        select(InboxItem.note, InboxItem.created_at).where(
            InboxItem.kind == TASK_KIND, InboxItem.created_at >= start, InboxItem.created_at < end
        )
    ).all()
    return list(inbound), list(opt_outs), list(tasks)


def _outbound(session: Session, start: datetime, end: datetime) -> list[tuple]:  # type: ignore[type-arg]
    rows = session.execute(
        select(Message.channel, Message.case_id, Message.segments, Message.sent_at).where(
            Message.direction == "out", Message.sent_at >= start, Message.sent_at < end
        )
    ).all()
    return [tuple(row) for row in rows]


def _empty_days(start: datetime, end: datetime) -> dict[date, Day]:
    first, last = _day(start), _day(end - timedelta(microseconds=1))
    count = (last - first).days + 1
    return {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range(count)}


def _day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def report_lines(report: SimulationReport, language: str = "fr") -> list[str]:
    """The timeline and the summary, as printed by `allervers simulate`."""
    channels = sorted(report.by_channel) or ["sms"]
    locale = babel_locale(language)
    header = [gettext("timeline column: date", language), gettext("timeline column: day", language)]
    header += [
        *channels,
        gettext("timeline column: replies", language),
        "STOP",
        gettext("timeline column: tasks", language),
    ]
    lines = [_title(report, language), "", "  ".join(f"{cell:>10}" for cell in header)]
    for day in report.days:
        cells = [day.day.isoformat(), format_date(day.day, "EEE", locale=locale)]
        cells += [str(day.sent[channel]) for channel in channels]
        cells += [str(day.replies), str(day.opt_outs), str(day.tasks)]
        lines.append("  ".join(f"{cell:>10}" for cell in cells))
    return [*lines, "", *_summary(report, language)]


def _title(report: SimulationReport, language: str) -> str:
    return gettext(
        "Simulation from {start} to {end} ({days} days), sequence {sequence} ({version}), "
        "{households} households",
        language,
        start=_day(report.start).isoformat(),
        end=_day(report.end).isoformat(),
        days=round((report.end - report.start) / timedelta(days=1)),
        sequence=report.sequence,
        version=report.version,
        households=report.households,
    )


def _summary(report: SimulationReport, language: str) -> list[str]:
    by_channel = ", ".join(f"{name} {count}" for name, count in sorted(report.by_channel.items()))
    tasks = ", ".join(
        f"{task_label(name, language)} {count}" for name, count in sorted(report.tasks.items())
    )
    values = {
        "messages": report.by_channel.total(),
        "by_channel": by_channel or "-",
        "segments": report.segments,
        "replies": report.replies,
        "replied": report.replied,
        "opt_outs": report.opt_outs,
        "tasks": report.tasks.total(),
        "task_detail": tasks or "-",
        "reached": report.reached,
        "households": report.households,
    }
    return [
        gettext("Summary", language),
        gettext("  messages: {messages} ({by_channel}), {segments} segments", language, **values),
        gettext("  replies: {replies} from {replied} households", language, **values),
        gettext("  opt-outs (STOP): {opt_outs}", language, **values),
        gettext("  team tasks created: {tasks} ({task_detail})", language, **values),
        gettext("  households reached: {reached} of {households}", language, **values),
    ]
