"""What the benchmarks' fictional world shares: its clock and its phone numbers.

Phones are in the range ARCEP reserves for fiction (06 39 98 xx xx): they never reach anybody.
"""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2026, 4, 29, 8, 0, tzinfo=UTC)  # Wednesday 10:00 in Paris: the window is open


def fiction_phone(number: int) -> str:
    """+33 6 39 98 xx xx in E.164 for 0 <= number < 10,000: ARCEP's fiction range."""
    return f"+3363998{number:04d}"
