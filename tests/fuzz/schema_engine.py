"""Schemathesis' own engine (what `st run` drives) against the app in process.

Every phase the CLI runs (examples, coverage, fuzzing, stateful) and every check (`--checks all`),
through the ASGI transport: the requests reach the same app an integrator reaches, without a
socket. `failures` gives one line per failing check, with the request that reproduces it.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

PHASES = ["examples", "coverage", "fuzzing", "stateful"]


def engine_config(
    *, headers: dict[str, str], max_examples: int, seed: int, phases: list[str]
) -> SchemathesisConfig:
    config = SchemathesisConfig()
    config.update(seed=seed, max_failures=None)
    project = config.projects.override
    project.update(headers=headers, workers=1)
    project.phases.update(phases=phases)
    project.checks.update(included_check_names=["all"])
    # No example database on disk: each run stands alone, its seed says what it tried.
    project.generation.update(max_examples=max_examples, deterministic=False, database="none")
    return config


def failures(
    app: Any,
    *,
    headers: dict[str, str],
    max_examples: int,
    seed: int,
    phases: list[str] = PHASES,
) -> list[str]:
    """Run the engine; each failing check as `operation: check: message` and its request."""
    config = engine_config(headers=headers, max_examples=max_examples, seed=seed, phases=phases)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    found: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.status in (
            Status.FAILURE,
            Status.ERROR,
        ):
            found.extend(_describe(event))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(f"error: {event!r}")
    return found


def _describe(event: events.ScenarioFinished) -> list[str]:
    lines = []
    recorder = event.recorder
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status != Status.FAILURE or check.failure_info is None:
                continue
            case = recorder.cases[case_id].value
            failure = check.failure_info.failure
            lines.append(
                f"{event.label}: {check.name}: {failure.title}: {failure.message}"
                f"\n    {case.method} {case.formatted_path} query={case.query} body={case.body!r}"
            )
    return lines or [f"{event.label}: {event.status} {event.skip_reason or ''}"]
