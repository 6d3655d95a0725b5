"""When a household says it can (or cannot) be visited: "je suis disponible mardi", "plutôt
l'après-midi", "pas le matin je travaille", "après 17h".

Pure functions on the folded reply (outreach.replies.intents.normalise), no database. The next
dates offered honour what was read (outreach.booking.slots.offer_slots); a person reads the reply
too. Times of day, in Paris time: morning before 12:00, afternoon 12:00–17:00, evening from 17:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def _squash(text: str) -> str:
    """A letter repeated is kept once, as in folded replies ("matinee" reads "matine")."""
    return re.sub(r"([^\W\d_])\1+", r"\1", text)


_RAW_DAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
    "dimanche": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip
_RAW_PARTS = {
    "matin": "morning", "matinee": "morning", "morning": "morning",
    "aprem": "afternoon", "apres midi": "afternoon", "apresmidi": "afternoon",
    "afternoon": "afternoon", "soir": "evening", "soiree": "evening", "evening": "evening",
    "fin de journee": "evening", "midi": "afternoon",
}  # fmt: skip
DAYS = {_squash(word): day for word, day in _RAW_DAYS.items()}
PARTS = {_squash(words): part for words, part in _RAW_PARTS.items()}
PART_HOURS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}
# Words that turn what follows (or what they follow, for work) into a time to avoid.
_NOT = ("pas", "sauf", "jamais", "not", "except", "never")
_BUSY = ("travail", "travaile", "boulot", "taf", "cours", "ecole", "work", "working")
_BUSY = tuple(_squash(word) for word in _BUSY)
_HOUR = re.compile(r"^(\d{1,2})h(\d{2})?$")


@dataclass(frozen=True)
class Preference:
    days: frozenset[int] = field(default_factory=frozenset)  # 0 = Monday
    parts: frozenset[str] = field(default_factory=frozenset)  # morning, afternoon, evening
    avoid_days: frozenset[int] = field(default_factory=frozenset)
    avoid_parts: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.days or self.parts or self.avoid_days or self.avoid_parts)

    def accepts(self, weekday: int, hour: int) -> bool:
        """Whether a visit on this weekday (0 = Monday), at this hour (Paris), suits it."""
        part = next(name for name, (low, high) in PART_HOURS.items() if low <= hour < high)
        if weekday in self.avoid_days or part in self.avoid_parts:
            return False
        if self.days and weekday not in self.days:
            return False
        return not self.parts or part in self.parts


def read_preference(folded: str) -> Preference | None:
    """The days and times of day a (folded) reply asks for or rules out; None if it names none."""
    words = folded.split()
    days: set[int] = set()
    parts: set[str] = set()
    avoid_days: set[int] = set()
    avoid_parts: set[str] = set()
    busy_at = [i for i, word in enumerate(words) if word.startswith(_BUSY)]
    for position, word in enumerate(words):
        busy = any(abs(position - i) <= 3 for i in busy_at)
        before = words[max(0, position - 3) : position]
        negated = any(w in _NOT for w in before)
        two = " ".join(words[position : position + 2])
        three = " ".join(words[position : position + 3])
        part = PARTS.get(three) or PARTS.get(two) or PARTS.get(word)
        day = DAYS.get(word)
        hour = _HOUR.match(word)
        if day is not None:
            (avoid_days if negated else days).add(day)
        elif part is not None and not (word == "midi" and before[-1:] == ["apres"]):
            # "je travaille le matin": at work then, so not then.
            (avoid_parts if negated or busy else parts).add(part)
        elif hour is not None and before[-1:] in (["apres"], ["after"], ["avant"], ["before"]):
            when = int(hour.group(1))
            after = before[-1] in ("apres", "after")
            wanted = {
                name
                for name, (low, high) in PART_HOURS.items()
                if (high > when if after else low < when)
            }
            parts.update(wanted)
    preference = Preference(
        frozenset(days), frozenset(parts - avoid_parts), frozenset(avoid_days),
        frozenset(avoid_parts),
    )  # fmt: skip
    return preference or None


def preference_words() -> frozenset[str]:
    """Every word a preference is made of: around an understood intent they say nothing more
    than the preference."""
    words = {*DAYS, *_NOT, *_BUSY, "apres", "avant", "after", "before", "plutot", "de", "fin"}
    for phrase in PARTS:
        words.update(phrase.split())
    return frozenset(words)
