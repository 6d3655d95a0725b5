"""The rules around reply understanding: the opt-out keywords, "ask again once, then hand over",
numbers that are not choices, normalisation, the lexicon's consistency, and random input.
"""

from __future__ import annotations

import random

import pytest

from outreach.replies import lexicon as intents_lexicon
from outreach.replies.intents import (
    Intent,
    Understanding,
    has_content,
    is_start_keyword,
    is_stop_keyword,
    next_step_for,
    normalise,
    understand,
)

# --- The opt-out rule ---------------------------------------------------------------------------

STOP_SPELLINGS = [
    "STOP",
    "Stop",
    "stop",
    "stop.",
    "STOP.",
    "Stop !",
    "stop!!!",
    "  stop  ",
    "\tSTOP\n",
    "(stop)",
    "« STOP »",
    "“Stop”",
    "...stop...",
    "STOP 🛑",
    "ARRET",
    "Arret",
    "arret",
    "ARRÊT",
    "Arrêt",
    "arrêt",
    "arrêt.",
    " ARRÊT ! ",
    "STOP SMS",
    "Stop sms",
    "stop SMS.",
    "STOP-SMS",
    "stop all",
    "STOPALL",
    "arrêter",
    "UNSUBSCRIBE",
    "توقف",
]

NOT_STOP = [
    "stop les visites ?",
    "Stop merci",
    "je veux que ça stop",
    "arrêt maladie",
    "arrêtez",
    "stp",
    "non-stop",
    "top",
    "",
    "🛑",
]

START_SPELLINGS = [
    "START",
    "Start",
    "start.",
    " start ",
    "OUI",
    "Oui",
    "oui !",
    "Ouiii",
    "REPRENDRE",
    "Reprendre",
    "reprendre.",
    "UNSTOP",
    "start sms",
]

NOT_START = [
    "oui mais pas mardi",
    "start les visites",
    "non",
    "STOP",
    "",
    "reprendre le rdv",
    "yes",
]


@pytest.mark.parametrize("text", STOP_SPELLINGS)
def test_it_reads_every_stop_spelling_as_stop(text: str) -> None:
    assert is_stop_keyword(text)
    assert understand(text) == Understanding(Intent.STOP)


@pytest.mark.parametrize("text", NOT_STOP)
def test_it_does_not_opt_out_on_a_sentence_or_a_lookalike(text: str) -> None:
    assert not is_stop_keyword(text)
    assert understand(text).intent is not Intent.STOP


@pytest.mark.parametrize("text", ["stop les visites ?", "Stop merci", "arrêt maladie"])
def test_it_hands_a_sentence_containing_stop_to_a_person(text: str) -> None:
    assert understand(text) == Understanding(Intent.HUMAN)


@pytest.mark.parametrize("text", START_SPELLINGS)
def test_it_reads_every_restart_spelling(text: str) -> None:
    assert is_start_keyword(text)


@pytest.mark.parametrize("text", NOT_START)
def test_it_does_not_restart_on_anything_else(text: str) -> None:
    assert not is_start_keyword(text)


def test_it_reads_oui_as_yes_and_leaves_restarting_to_the_opt_out_layer() -> None:
    assert understand("OUI") == Understanding(Intent.YES)
    assert understand("START") == Understanding(Intent.START)
    assert understand("reprendre") == Understanding(Intent.START)


def test_it_returns_stop_exactly_when_the_stop_rule_says_so() -> None:
    for text in STOP_SPELLINGS + NOT_STOP + START_SPELLINGS:
        assert (understand(text).intent is Intent.STOP) == is_stop_keyword(text), text


# --- Ask again once, then hand over -------------------------------------------------------------


def test_it_asks_again_the_first_time_a_reply_says_nothing() -> None:
    for text in ("🙏", "merci", "", "bonjour ?!"):
        assert not has_content(text)
        assert (
            next_step_for(understand(text), already_asked=False, has_content=False) == "ask_again"
        )


def test_an_ambiguous_reply_that_says_something_goes_to_a_person_at_once() -> None:
    for text in ("oui non", "ça dépend", "oui mais pas mardi"):
        assert has_content(text)
        assert next_step_for(understand(text), already_asked=False) == "hand_over"


@pytest.mark.parametrize(
    ("text", "said_more"),
    [
        ("je veux changer le rdv", False),
        ("on peut décaler ?", False),
        ("je voudrais changer le rendez-vous car je travaille", True),
        ("je serai pas là mardi", True),  # a day: a constraint a person should know
        ("changer svp je travaille le matin", True),
        ("rappelez-moi dans 2 jours", False),
    ],
)
def test_an_understood_reply_says_more_when_it_carries_a_constraint_or_a_story(
    text: str, said_more: bool
) -> None:
    assert understand(text).said_more is said_more


def test_it_hands_over_when_the_reply_after_asking_is_still_ambiguous() -> None:
    assert next_step_for(understand("peut-être"), already_asked=True) == "hand_over"


@pytest.mark.parametrize("already_asked", [False, True])
def test_it_hands_a_human_reply_over_at_once(already_asked: bool) -> None:
    assert next_step_for(Understanding(Intent.HUMAN), already_asked=already_asked) == "hand_over"


@pytest.mark.parametrize("already_asked", [False, True])
@pytest.mark.parametrize(
    "intent", [i for i in Intent if i not in (Intent.HUMAN, Intent.AMBIGUOUS)], ids=str
)
def test_it_acts_on_every_understood_reply(intent: Intent, already_asked: bool) -> None:
    assert next_step_for(Understanding(intent), already_asked=already_asked) == "act"


# --- Numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("offered", [1, 2, 3, 5])
def test_it_accepts_exactly_the_offered_numbers(offered: int) -> None:
    for number in range(1, offered + 1):
        assert understand(str(number), choices=offered) == Understanding(Intent.CHOICE, number)
    for number in (0, offered + 1, offered + 10):
        assert understand(str(number), choices=offered).intent is Intent.AMBIGUOUS


@pytest.mark.parametrize("number", range(10))
def test_it_never_reads_a_bare_number_as_a_choice_when_none_was_offered(number: int) -> None:
    assert understand(str(number)) == Understanding(Intent.AMBIGUOUS)


@pytest.mark.parametrize(
    "text",
    [
        "06 39 98 00 01",
        "0639980001",
        "06.39.98.00.01",
        "+33 6 39 98 00 01",
        "le 12 mars",
        "le 2 mars",
        "le 1er avril",
        "12/03",
        "mardi 14h",
        "à 2 h",
        "dans 2 jours",
        "3 semaines",
    ],
)
def test_it_never_reads_a_phone_number_a_date_or_a_duration_as_a_choice(text: str) -> None:
    assert understand(text, choices=9).intent is not Intent.CHOICE


@pytest.mark.parametrize("keycap", ["1️⃣", "2️⃣", "3️⃣"])
def test_it_reads_keycap_emoji_as_digits(keycap: str) -> None:
    assert understand(keycap, choices=3).choice == int(keycap[0])


# --- Normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ouiii, d'accord !! 👍", "oui d acord ok"),
        ("OUI OUI", "oui"),
        ("ARRÊT", "aret"),
        ("Ça m’intéresse", "ca m interese"),
        ("cœur", "coeur"),
        ("2️⃣", "2"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۳", "3"),
        ("１２", "12"),
        ("نَعَمْ", "نعم"),
        ("نعـــم", "نعم"),
        ("أإآا", "ا"),
        ("العربية", "العربيه"),
        ("على", "علي"),
        ("  \u200b  ", ""),
    ],
)
def test_it_normalises_a_reply(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_it_tolerates_a_typo_in_a_long_word_but_not_a_different_short_word() -> None:
    assert understand("chnager le rdv").intent is Intent.CHANGE
    assert understand("Annnnuler").intent is Intent.CANCEL
    assert understand("ma situation a changé").intent is not Intent.CHANGE


# --- The lexicon --------------------------------------------------------------------------------


def _lexicon_phrases() -> dict[str, set[str]]:
    """Normalised phrase -> the intents (or language codes) that list it."""
    owners: dict[str, set[str]] = {}
    blocks = [
        (intent, block)
        for intent, by_language in intents_lexicon.PHRASES.items()
        for block in by_language.values()
    ]
    blocks += [(f"language {code}", b) for code, b in intents_lexicon.LANGUAGE_NAMES.items()]
    for owner, block in blocks:
        for line in block.splitlines():
            for phrase in filter(None, (part.strip() for part in line.split(","))):
                owners.setdefault(normalise(phrase), set()).add(owner)
    return owners


def test_it_lists_each_phrase_under_one_meaning_only() -> None:
    clashes = {phrase: owners for phrase, owners in _lexicon_phrases().items() if len(owners) > 1}
    assert clashes == {}


def test_it_keeps_every_lexicon_phrase_readable_after_normalising() -> None:
    assert "" not in _lexicon_phrases()


def test_it_keeps_stop_keywords_out_of_the_phrase_lists() -> None:
    keywords = intents_lexicon.STOP_KEYWORDS.replace("\n", ",").split(",")
    stop_words = {normalise(k).split()[0] for k in keywords if k.strip()}
    assert {"stop", "aret", "توقف"} <= stop_words
    for phrase in _lexicon_phrases():
        assert stop_words.isdisjoint(phrase.split()), phrase


@pytest.mark.parametrize("intent", ["yes", "no", "call_me", "help", "need_help"])
def test_it_understands_each_lexicon_phrase_alone(intent: str) -> None:
    for block in intents_lexicon.PHRASES[intent].values():
        for line in block.splitlines():
            for phrase in filter(None, (part.strip() for part in line.split(","))):
                assert understand(phrase) == Understanding(Intent(intent)), phrase


# --- Random input (fixed seed) ------------------------------------------------------------------


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pools = [
        lambda: chr(rng.randrange(0x20, 0x250)),  # Latin with accents
        lambda: chr(rng.randrange(0x600, 0x700)),  # Arabic, diacritics, digits
        lambda: chr(rng.randrange(0x1F300, 0x1FAFF)),  # emoji
        lambda: chr(rng.choice([0xFE0F, 0x20E3, 0x200D, 0x0301, 0x0640])),  # marks, joiners
        lambda: chr(rng.randrange(0x0, 0x110000)),  # anything, surrogates included
        lambda: rng.choice(" 0123456789.,?!'’-"),
    ]
    return ["".join(rng.choice(pools)() for _ in range(rng.randrange(0, 40))) for _ in range(count)]


def _word_salads(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [w for phrase in _lexicon_phrases() for w in phrase.split()]
    words += ["2", "06", "le", "mars", "👍", "🙏", "?", "STOP", "2️⃣", "٢", "pas", "mais"]
    return [" ".join(rng.choices(words, k=rng.randrange(1, 12))) for _ in range(count)]


RANDOM_TEXTS = _random_texts(400, seed=20260311) + _word_salads(400, seed=18)


def _is_consistent(understanding: Understanding, choices: int) -> bool:
    if understanding.intent is Intent.CHOICE:
        return understanding.choice is not None and 1 <= understanding.choice <= choices
    if understanding.intent is Intent.LANGUAGE:
        return understanding.language in {"fr", "en", "ar"} and understanding.choice is None
    return understanding.choice is None and understanding.language is None


def test_it_never_fails_on_random_input() -> None:
    for text in RANDOM_TEXTS:
        for choices in (0, 3):
            understanding = understand(text, choices=choices)
            assert _is_consistent(understanding, choices), (text, understanding)
        next_step_for(understanding, already_asked=True)
        is_stop_keyword(text)
        is_start_keyword(text)


def test_it_normalises_idempotently() -> None:
    for text in RANDOM_TEXTS:
        once = normalise(text)
        assert normalise(once) == once, text


def test_it_understands_a_normalised_reply_as_the_original() -> None:
    for text in RANDOM_TEXTS:
        if normalise(text):  # a reply of only "?" is help, but normalises to nothing
            assert understand(normalise(text), choices=3) == understand(text, choices=3), text
