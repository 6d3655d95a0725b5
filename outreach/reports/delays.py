"""How long each step took, in days: from the transfer to the first message, to the first reply,
to the home visit, to the agreed contract; the median and the 90th percentile of each.

A delay counts the households that went through both ends, in order (a reply before any message,
say when the household wrote first, has no delay). The median is the middle value (the mean of
the two middle ones for an even number); the 90th percentile is the value that 90 % of the
households reached or beat (nearest rank: the ⌈0.9 n⌉-th value in increasing order).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from messages import N_, gettext
from outreach.reports.breakdowns import Cohort, breakdown
from outreach.reports.cells import COUNT, DAYS
from outreach.reports.facts import CaseFacts
from outreach.reports.tables import Table, Value

Moment = Callable[[CaseFacts], datetime | None]


@dataclass(frozen=True)
class Segment:
    label: str  # English msgid
    start: Moment
    end: Moment


SEGMENTS: tuple[Segment, ...] = (
    Segment(N_("transfer → first message"), lambda c: c.transferred_at,
            lambda c: c.first_message_at),
    Segment(N_("first message → first reply"), lambda c: c.first_message_at,
            lambda c: c.first_reply_at),
    Segment(N_("first reply → home visit"), lambda c: c.first_reply_at,
            lambda c: c.visit_held_at),
    Segment(N_("home visit → contract"), lambda c: c.visit_held_at, lambda c: c.contract_at),
    Segment(N_("transfer → contract"), lambda c: c.transferred_at, lambda c: c.contract_at),
)  # fmt: skip


def days(case: CaseFacts, segment: Segment) -> float | None:
    start, end = segment.start(case), segment.end(case)
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 86400


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile_90(values: Sequence[float]) -> float | None:
    """Nearest rank: the ⌈0.9 n⌉-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def delays(cohort: Cohort) -> Table:
    columns: list[str] = []
    for segment in SEGMENTS:
        name = gettext(segment.label)
        columns += [
            f"{name} : {gettext('households')}",
            f"{name} : {gettext('median (days)')}",
            f"{name} : {gettext('90th percentile (days)')}",
        ]
    table = Table(
        "delays",
        N_("Delays between the steps, in days"),
        columns,
        [3 * index + 1 for index in range(len(SEGMENTS))],
        kinds=[COUNT, DAYS, DAYS] * len(SEGMENTS),
        bases={3 * i + k: (3 * i,) for i in range(len(SEGMENTS)) for k in (1, 2)},
    )

    timed = {case.id: [days(case, segment) for segment in SEGMENTS] for case in cohort}

    def measure(cases: list[CaseFacts]) -> list[Value]:
        row: list[Value] = []
        for index in range(len(SEGMENTS)):
            found = [d for case in cases if (d := timed[case.id][index]) is not None]
            row += [len(found), median(found), percentile_90(found)]
        return row

    return breakdown(table, cohort, measure)
