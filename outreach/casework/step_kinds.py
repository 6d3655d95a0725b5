"""The kinds of démarche an engagement contract lists, read from a data file the team extends
without code (outreach/data/step_kinds.json; another file with ALLERVERS_STEP_KINDS).

Each kind has a key, the label the team reads and the short name the household reads in the SMS
of the check-in. Both are English message ids translated by the catalogs; a text the team wrote
directly in French has no translation and is shown as written.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from messages import gettext
from messages.formatting import text_language

DEFAULT_FILE = Path(__file__).parent.parent / "data" / "step_kinds.json"
ENV = "ALLERVERS_STEP_KINDS"
HOUSEHOLD_MAX = 60
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


class StepKindsError(ValueError):
    """The data file is not usable; the message names the entry at fault."""


@dataclass(frozen=True)
class StepKind:
    key: str
    label: str  # English msgid (or text as written) for the team
    household: str  # English msgid (or text as written) for the SMS


def load(path: Path) -> tuple[StepKind, ...]:
    """Read and check a kinds file: every entry has a unique key and both texts."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StepKindsError(f"{path}: cannot be read as JSON ({error})") from None
    entries = data.get("kinds") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise StepKindsError(f"{path}: a non-empty list 'kinds' is expected")
    kinds: list[StepKind] = []
    for number, entry in enumerate(entries, 1):
        where = f"{path}: entry {number}"
        if not isinstance(entry, dict):
            raise StepKindsError(f"{where} is not an object")
        key, label, household = entry.get("key"), entry.get("label"), entry.get("household")
        if not isinstance(key, str) or not _KEY.match(key):
            raise StepKindsError(f"{where}: 'key' must be lowercase letters, digits or _")
        if any(kind.key == key for kind in kinds):
            raise StepKindsError(f"{where}: the key {key!r} is already used")
        # The household's name of it goes in an SMS: short.
        for name, text, limit in (("label", label, 200), ("household", household, HOUSEHOLD_MAX)):
            if not isinstance(text, str) or not text.strip() or len(text) > limit:
                raise StepKindsError(
                    f"{where} ({key}): '{name}' must be a text of 1-{limit} characters"
                )
        kinds.append(StepKind(key=key, label=str(label).strip(), household=str(household).strip()))
    return tuple(kinds)


@cache
def _kinds(path: str) -> tuple[StepKind, ...]:
    return load(Path(path))


def step_kinds() -> tuple[StepKind, ...]:
    return _kinds(os.environ.get(ENV) or str(DEFAULT_FILE))


def kind_keys() -> tuple[str, ...]:
    return tuple(kind.key for kind in step_kinds())


def find(key: str) -> StepKind | None:
    return next((kind for kind in step_kinds() if kind.key == key), None)


def team_label(key: str, language: str = "fr") -> str:
    kind = find(key)
    return gettext(kind.label, language) if kind else key


def household_label(key: str, language: str) -> str:
    kind = find(key)
    return gettext(kind.household, text_language(language)) if kind else ""


def msgids() -> tuple[tuple[str, str], ...]:
    """(team label, household name) of every kind: the catalogs must translate them."""
    return tuple((kind.label, kind.household) for kind in step_kinds())
