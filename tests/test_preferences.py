"""Reading when a household can be visited: days, times of day, what it rules out."""

from __future__ import annotations

import pytest

from outreach.replies.intents import normalise
from outreach.replies.preferences import Preference, read_preference

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je suis disponible mardi", Preference(days=frozenset({1}))),
        ("plutôt l'après-midi", Preference(parts=frozenset({AFTERNOON}))),
        ("plutot laprem", None),  # not a word we know: a person reads it anyway
        ("pas le matin je travaille", Preference(avoid_parts=frozenset({MORNING}))),
        ("je travaille le matin", Preference(avoid_parts=frozenset({MORNING}))),
        (
            "plutôt l'après-midi, le matin je travaille",
            Preference(parts=frozenset({AFTERNOON}), avoid_parts=frozenset({MORNING})),
        ),
        ("après 17h", Preference(parts=frozenset({EVENING}))),
        ("en fin de journée", Preference(parts=frozenset({EVENING}))),
        ("sauf le mercredi", Preference(avoid_days=frozenset({2}))),
        (
            "dispo jeudi ou vendredi matin",
            Preference(days=frozenset({3, 4}), parts=frozenset({MORNING})),
        ),
        ("any day but not monday", Preference(avoid_days=frozenset({0}))),
        ("oui", None),
        ("à 14h", None),
    ],
)
def test_it_reads_the_days_and_times_asked_for(text: str, expected: Preference | None) -> None:
    assert read_preference(normalise(text)) == expected


def test_a_preference_accepts_only_the_times_it_allows() -> None:
    afternoons_not_tuesday = Preference(parts=frozenset({AFTERNOON}), avoid_days=frozenset({1}))
    assert afternoons_not_tuesday.accepts(weekday=3, hour=15)
    assert not afternoons_not_tuesday.accepts(weekday=3, hour=10)
    assert not afternoons_not_tuesday.accepts(weekday=1, hour=15)
    assert Preference(avoid_parts=frozenset({MORNING})).accepts(weekday=0, hour=17)
