"""Sequence files (TOML) read into checked, immutable steps.

A mistake in a file (unknown template, task or channel, steps out of order) is reported with the
file name and the step number, before any case can enter the sequence.
"""

from __future__ import annotations

import hashlib
import itertools
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from messages.letter_texts import LETTER_TEXTS
from messages.sequence_texts import SEQUENCE_TEXTS, TASK_LABELS
from outreach.sending.channels import DEFAULT_STEP_CHANNELS, SENDING_CHANNELS

# `when = "..."`: the step runs only for the households it describes; otherwise it is skipped.
CONDITIONS = ("no_mobile",)


class SequenceError(ValueError):
    """A sequence file cannot be used; the message names the file and the step."""


@dataclass(frozen=True)
class SequenceStep:
    day: int  # calendar days after day 0 (Europe/Paris wall clock)
    hours: float = 0.0  # extra elapsed hours after that day
    send: str | None = None  # template name; a letter's (LETTER_TEXTS) goes to the print batch
    task: str | None = None  # team task type
    channels: tuple[str, ...] = ()
    when: str | None = None  # CONDITIONS

    @property
    def letter(self) -> bool:
        """A postal letter (outreach.letters), not a message on a channel."""
        return self.send in LETTER_TEXTS

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["channels"] = list(self.channels)
        if self.when is None:
            del data["when"]  # snapshots of steps without a condition stay as they were
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SequenceStep:
        return cls(**{**data, "channels": tuple(data.get("channels") or ())})


@dataclass(frozen=True)
class Sequence:
    name: str
    title: str
    version: str  # first 12 hex digits of the file's SHA-256
    steps: tuple[SequenceStep, ...]

    def snapshot(self) -> list[dict[str, Any]]:
        return [step.to_dict() for step in self.steps]


def load_sequence(name: str, directory: Path) -> Sequence:
    """The sequence `name` from `directory/name.toml`."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise SequenceError(f"{name!r} is not a sequence name")
    path = directory / f"{name}.toml"
    if not path.exists():
        raise SequenceError(f"{path}: no such sequence file")
    return load_file(path)


def load_file(path: Path) -> Sequence:
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SequenceError(f"{path.name}: {error}") from None
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise SequenceError(f"{path.name}: at least one [[steps]] block is needed")
    parsed = tuple(_step(path.name, number, item) for number, item in enumerate(steps, 1))
    _check_order(path.name, parsed)
    return Sequence(
        name=str(data.get("name") or path.stem),
        title=str(data.get("title") or path.stem),
        version=hashlib.sha256(raw).hexdigest()[:12],
        steps=parsed,
    )


def _step(filename: str, number: int, item: Any) -> SequenceStep:
    where = f"{filename}, step {number}"
    if not isinstance(item, dict):
        raise SequenceError(f"{where}: a step is a [[steps]] table")
    unknown = set(item) - {"day", "hours", "send", "task", "channels", "when"}
    if unknown:
        raise SequenceError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    day, hours = item.get("day", 0), item.get("hours", 0)
    if not isinstance(day, int) or day < 0 or not isinstance(hours, int | float) or hours < 0:
        raise SequenceError(f"{where}: day and hours must be positive numbers")
    send, task = item.get("send"), item.get("task")
    if (send is None) == (task is None):
        raise SequenceError(f'{where}: say either send = "template" or task = "type"')
    if send is not None and send not in SEQUENCE_TEXTS and send not in LETTER_TEXTS:
        raise SequenceError(f"{where}: unknown template {send!r}")
    if task is not None and task not in TASK_LABELS:
        raise SequenceError(f"{where}: unknown task {task!r} ({', '.join(TASK_LABELS)})")
    letter = send in LETTER_TEXTS
    if letter and item.get("channels"):
        raise SequenceError(f"{where}: a letter is posted, it names no channels")
    when = item.get("when")
    if when is not None and when not in CONDITIONS:
        raise SequenceError(f"{where}: unknown condition {when!r} ({', '.join(CONDITIONS)})")
    default = DEFAULT_STEP_CHANNELS if send and not letter else ()
    channels = tuple(item.get("channels") or default)
    bad = [channel for channel in channels if channel not in SENDING_CHANNELS]
    if bad:
        raise SequenceError(f"{where}: unknown channel(s) {', '.join(map(str, bad))}")
    return SequenceStep(
        day=day, hours=float(hours), send=send, task=task, channels=channels, when=when
    )


def _check_order(filename: str, steps: tuple[SequenceStep, ...]) -> None:
    for number, (before, after) in enumerate(itertools.pairwise(steps), 2):
        if (after.day, after.hours) < (before.day, before.hours):
            raise SequenceError(f"{filename}, step {number}: comes earlier than the step before")
