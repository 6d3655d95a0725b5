"""An indicator computed from case facts, for all households, by sector and by import month.

`breakdown` groups the facts three ways ("all", "sector", "month") and measures each group with
one function: a row of values, one per column. The outcome, démarche, stage, reachability,
cause and delay indicators are each one such measure (outreach.reports.outcomes, .delays).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from messages import gettext
from messages.formatting import month_name
from outreach.reports.facts import CaseFacts
from outreach.reports.indicators import UNASSIGNED
from outreach.reports.tables import Table, Value

BY_ALL = ("all", "sector", "month")

Measure = Callable[[list[CaseFacts]], list[Value]]


class Cohort(list[CaseFacts]):
    """The households counted, and their groups (all, by sector, by month) made once."""

    def __init__(self, facts: Sequence[CaseFacts], names: dict[str, str]) -> None:
        super().__init__(facts)
        self.names = names
        self._groups: dict[str, list[tuple[str, list[CaseFacts]]]] = {}

    def groups(self, by: str) -> list[tuple[str, list[CaseFacts]]]:
        if by not in self._groups:
            self._groups[by] = groups(self, by, self.names)
        return self._groups[by]


def groups(
    facts: Sequence[CaseFacts], by: str, names: dict[str, str]
) -> list[tuple[str, list[CaseFacts]]]:
    """(label, facts) of each group: one "all" group, each sector by name, each month in order."""
    if by == "all":
        return [(gettext("All households"), list(facts))]
    found: dict[str, list[CaseFacts]] = {}
    for fact in facts:
        found.setdefault(fact.sector if by == "sector" else fact.month, []).append(fact)
    if by == "month":
        return [
            (month_name(key) if key else gettext("no month"), found[key]) for key in sorted(found)
        ]
    labelled = [(sector_label(key, names), cases) for key, cases in found.items()]
    return sorted(labelled, key=lambda item: item[0])


def sector_label(code: str, names: dict[str, str]) -> str:
    return gettext("Unassigned") if code == UNASSIGNED else names.get(code, code)


def breakdown(table: Table, cohort: Cohort, measure: Measure) -> Table:
    """Fill `table` with `measure` of all households, of each sector and of each month."""
    for by in BY_ALL:
        table.rows[by] = [(label, measure(cases)) for label, cases in cohort.groups(by)]
    return table
