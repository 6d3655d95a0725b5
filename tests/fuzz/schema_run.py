"""One small, derandomized Hypothesis run per schemathesis operation, every failure reported.

(schemathesis' pytest loader does not support this pytest version, so each test drives it.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import FailureGroup


def failures_of(
    operations: Iterable[Any], *, headers: dict[str, str], checks: list[Any], max_examples: int
) -> list[str]:
    """Call each operation with generated cases; what failed, one line per operation."""
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=max_examples,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except (Exception, FailureGroup) as error:  # report every operation
            details = getattr(error, "exceptions", ())
            failures.append(f"{operation.label}: {error!r} {[repr(e) for e in details]}")
    return failures
