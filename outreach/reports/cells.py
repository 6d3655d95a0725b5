"""How a figure is written: French number formatting (Babel: "1 234", "12,5 %") and the small
cells an evaluator does not see.

The State's readers (the evaluator role) see every count of fewer than `threshold` households
(default 5) as "< 5", so no household can be singled out; a figure computed from such a count
(a rate, a median delay) is hidden too. Zero stays zero: it singles nobody out. Team members see
exact figures (`threshold` None).

Each column of an indicator has a kind: "count" (households, or démarches), "percent", "days" or
"hours"; a computed column names the count columns it rests on (its bases).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from babel.numbers import format_decimal

from messages import gettext

DEFAULT_THRESHOLD = 5
LOCALE = "fr_FR"
COUNT = "count"
PERCENT = "percent"
DAYS = "days"
HOURS = "hours"
NONE = "–"  # no value: nothing to divide by, nobody to time

Value = int | float | None


def number(value: float, *, decimals: int = 1) -> str:
    """ "1 234", "12,5", "0": French digits, no trailing ",0"."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(round(value, decimals), format=pattern, locale=LOCALE)


def percent(value: float) -> str:
    """ "12,5 %", "50 %"."""
    return f"{number(value)}\u00a0%"


def rate(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


@dataclass(frozen=True)
class Cells:
    """The figures one reader sees: exact (threshold None) or with small cells hidden."""

    threshold: int | None = None

    def hidden(self, count: Value) -> bool:
        return self.threshold is not None and isinstance(count, int) and 0 < count < self.threshold

    @property
    def small(self) -> str:
        """What a hidden count shows: "< 5"."""
        return f"<\u00a0{self.threshold}"

    @property
    def too_few(self) -> str:
        """What a figure computed from a hidden count shows."""
        return gettext("hidden")

    def count(self, value: Value) -> str:
        if value is None:
            return NONE
        return self.small if self.hidden(value) else number(value, decimals=0)

    def share(self, part: int, whole: int) -> str:
        """ "12,5 %" of `whole`; hidden if either count is."""
        if not whole:
            return NONE
        if self.hidden(part) or self.hidden(whole):
            return self.too_few
        return percent(100 * part / whole)

    def show(
        self, values: Sequence[Value], kinds: Sequence[str], bases: Mapping[int, Sequence[int]]
    ) -> list[str]:
        """A row of an indicator as the reader sees it."""
        return [self._one(values, index, kinds, bases) for index in range(len(values))]

    def export(
        self, values: Sequence[Value], kinds: Sequence[str], bases: Mapping[int, Sequence[int]]
    ) -> list[Value | str]:
        """A row for a spreadsheet: numbers stay numbers, a hidden cell is the text "< 5"."""
        row: list[Value | str] = []
        for index, value in enumerate(values):
            if self._masked(values, index, kinds, bases):
                row.append(self.small if _kind(kinds, index) == COUNT else self.too_few)
            elif isinstance(value, float):
                row.append(round(value, 1))
            else:
                row.append(value)
        return row

    def _masked(
        self,
        values: Sequence[Value],
        index: int,
        kinds: Sequence[str],
        bases: Mapping[int, Sequence[int]],
    ) -> bool:
        if _kind(kinds, index) == COUNT:
            return self.hidden(values[index])
        return any(self.hidden(values[base]) for base in bases.get(index, ()))

    def _one(
        self,
        values: Sequence[Value],
        index: int,
        kinds: Sequence[str],
        bases: Mapping[int, Sequence[int]],
    ) -> str:
        value, kind = values[index], _kind(kinds, index)
        if value is None:
            return NONE
        if self._masked(values, index, kinds, bases):
            return self.small if kind == COUNT else self.too_few
        if kind == COUNT:
            return number(value, decimals=0)
        if kind == PERCENT:
            return percent(value)
        return number(value)


def _kind(kinds: Sequence[str], index: int) -> str:
    return kinds[index] if index < len(kinds) else COUNT


def csv_value(value: Value | str) -> str | int | Value:
    """A value for the French Excel CSV dialect: decimals with a comma."""
    if isinstance(value, float):
        return number(value).replace("\u202f", "").replace("\u00a0", "")
    return value
