"""Reply understanding: what a household's reply means, or that a person must read it.

Pure functions, no database. The words live in outreach/replies/lexicon.py; this module reads a
reply against them. French first, and tolerant of how people write on a phone: case, accents,
repeated letters ("ouiii"), apostrophes ("d accord"), emoji (👍 is yes), keycap and Arabic-Indic
digits ("2️⃣", "٢"), politeness around the answer ("Oui merci 🙏").

How a reply is read, in this order:
1. Normalise it (`normalise`). Nothing left: a lone "?" asks for HELP, anything else (🙏, an empty
   message, a picture) is AMBIGUOUS.
2. The opt-out rule. A reply that is only a stop keyword (STOP, stop., ARRÊT, STOP SMS…) is STOP;
   a longer reply containing one ("stop les visites ?") goes to a person (HUMAN), who decides.
   A reply that is only START or REPRENDRE is START. OUI is YES here: the opt-out layer, which
   knows the household has opted out, asks `is_start_keyword` first.
3. Words that count only alone: "EN" (English), "AIDE" (help), "k" (ok), "nn" (no).
4. A numbered option: "2", "le 2 svp", "choix 3", "plutôt le 1er", "2️⃣", "la deuxième". `choices`
   says how many options the last message offered; with none, or out of range ("5" of 3), or two
   numbers ("1 ou 2"), the reply is AMBIGUOUS. Phone numbers ("06 39 98 00 01"), dates
   ("le 12 mars") and durations ("dans 2 jours") are never options. A reply that starts with
   an offered number and echoes its label ("1 ça avance", "2 besoin d'aide") is that option.
5. Phrases found anywhere, the longest first. Then:
   - anything for a person (asking for one, insults, "huissier", "expulsion"…) → HUMAN;
   - more than a few words we do not know (a story) → HUMAN: a person should read it;
   - a hedge ("mais", "peut-être", "je sais pas") or nothing recognised → AMBIGUOUS;
   - a "yes" next to an action is that action ("oui rappelez-moi" → CALL_ME); a "no" next to
     a cancellation or a withdrawal is that ("non je serai pas là" → CANCEL);
   - two different meanings ("oui non"), a negation we did not understand ("je ne veux pas
     annuler"), an offered number inside a sentence → AMBIGUOUS;
   - YES and NO must stand alone with politeness only: "oui mais pas mardi", "oui pour jeudi",
     "non le 2" are AMBIGUOUS. Actions keep their meaning with extra words ("je veux changer le
     rdv car je travaille" → CHANGE).

Intents that are easy to confuse:
- HELP is a question about the service itself: "AIDE" (the keyword, like STOP), "?", "qui êtes
  vous ?", "c'est quoi ?", "c'est gratuit ?". The bot answers with who we are and what to reply.
- NEED_HELP is a household saying they need support: "besoin d'aide", "aidez-moi", "au secours",
  option 2 of the 15-day check-in. The team follows up; the bot does not explain itself.
- NO answers the question ("pas d'accord"); CONSENT_WITHDRAWN takes back an earlier yes
  ("je ne suis plus d'accord", "supprimez mes données").
- CANCEL says a booked visit will not happen ("annuler", "je ne serai pas là"); a caller with no
  booked visit can treat it as NO. CHANGE asks for another date ("décaler", "un autre jour").
- CALL_ME asks for a phone call; HUMAN asks for (or needs) a person by any means.

When a reply is not understood, `next_step_for` says what to do: a reply that says something goes
to a person at once; only a reply with no content (🙏, an empty message) is asked again, once.
An understood reply with words we do not know around its intent is acted upon and read by a
person too (`Understanding.said_more`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from outreach.replies import lexicon
from outreach.replies.preferences import Preference, preference_words, read_preference


class Intent(StrEnum):
    YES = "yes"
    NO = "no"
    STOP = "stop"
    START = "start"
    CHOICE = "choice"
    CHANGE = "change"
    CANCEL = "cancel"
    CALL_ME = "call_me"
    HELP = "help"
    NEED_HELP = "need_help"
    LANGUAGE = "language"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    HUMAN = "human"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Understanding:
    """What a reply means: the intent, the option number (CHOICE) or language code (LANGUAGE)."""

    intent: Intent
    choice: int | None = None
    language: str | None = None
    # The reply says more than its intent (words we do not know around it): act on the intent,
    # and a person reads the reply too ("je veux changer le rdv car je travaille").
    said_more: bool = False
    # Days and times of day the household asks for or rules out ("pas le matin", "mardi"):
    # the next dates offered honour them (outreach.replies.preferences).
    preference: Preference | None = None


NextStep = Literal["act", "ask_again", "hand_over"]


def next_step_for(
    understanding: Understanding, *, already_asked: bool, has_content: bool = True
) -> NextStep:
    """What the conversation does with a reply: act on it, ask again once, or hand over.

    Never guess, and never leave words unread: an AMBIGUOUS reply that says something
    (`has_content`: see `has_content`) goes to a person at once; one that says nothing (🙏, an
    empty message) is asked again the first time and handed over the second time in a row
    (`already_asked`). A HUMAN reply goes to the team at once. Everything else is acted upon,
    and the caller starts counting again.
    """
    if understanding.intent is Intent.HUMAN:
        return "hand_over"
    if understanding.intent is Intent.AMBIGUOUS:
        return "hand_over" if already_asked or has_content else "ask_again"
    return "act"


def has_content(text: str) -> bool:
    """Whether a reply says anything beyond politeness: "🙏", "", "merci", "bonjour ?" do not;
    "aucun ne me va", "oui non" do."""
    return any(word not in _FILLER for word in normalise(text).split())


# --- Normalising ------------------------------------------------------------------------------

# Invisible characters phones add: variation selectors (the ️ in "❤️"), joiners, direction
# marks, and the Arabic tatweel used to stretch words ("نعـــم").
_INVISIBLE = dict.fromkeys(map(ord, "\ufe0e\ufe0f\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u0640"))
_KEYCAP = "\u20e3"  # "2️⃣" is "2", a variation selector, then this enclosing keycap
# Arabic letters written several ways: alef wasla, alef maqsura, ta marbuta, Persian yeh/kaf.
# (Hamza on alef, waw or yeh goes away with the other diacritics, as decomposed marks.)
_ARABIC_VARIANTS = str.maketrans({"ٱ": "ا", "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1+")


def normalise(text: str) -> str:
    """`fold`, then the texting shortcuts spelled out ("jveux" → "je veux"; see
    lexicon.CONTRACTIONS). Idempotent."""
    words = fold(text).split()
    expanded = " ".join(_CONTRACTIONS.get(word, word) for word in words)
    return " ".join(expanded.split())


def fold(text: str) -> str:
    """Fold a reply to plain lower-case words: "Ouiii, d'accord !! 👍" → "oui d acord ok".

    Emoji that answer are read as words and others dropped; accents and Arabic diacritics are
    removed and Arabic letter variants unified; every digit becomes 0-9; punctuation becomes
    space; a letter repeated is kept once (on both sides of every comparison, so "accord" is
    "acord" in the lexicon too); a word repeated ("oui oui") is kept once. Idempotent.
    """
    for emoji, words in lexicon.EMOJI_WORDS.items():
        text = text.replace(emoji, f" {words} ")
    text = text.translate(_INVISIBLE).replace(_KEYCAP, " ")
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    text = "".join(_fold_char(ch) for ch in text.translate(_LIGATURES))
    text = _REPEATED_LETTER.sub(r"\1", text.translate(_ARABIC_VARIANTS))
    words: list[str] = []
    for word in text.split():
        if not (words and word == words[-1] and word.isalpha()):
            words.append(word)
    return " ".join(words)


def _fold_char(ch: str) -> str:
    if unicodedata.category(ch) in ("Mn", "Me"):  # accents, harakat, hamza above/below
        return ""
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))
    return ch if ch.isalnum() else " "


def is_stop_keyword(text: str) -> bool:
    """True when the reply is only a stop keyword: "STOP", "stop.", " Arrêt ", "STOP SMS"."""
    return normalise(text) in _STOP


def is_start_keyword(text: str) -> bool:
    """True when the reply is only a restart keyword: "START", "Oui", "reprendre"."""
    normalised = normalise(text)
    return normalised in _START or normalised in _RESTART_YES


# --- The lexicon, read once ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    intent: Intent
    language: str | None = None


def _entries(block: str) -> list[str]:
    """The phrases of a lexicon block, normalised; commas and new lines separate them."""
    raw = (part.strip() for line in block.splitlines() for part in line.split(","))
    return [normalise(part) for part in raw if part.strip()]


def _words(block: str) -> frozenset[str]:
    return frozenset(word for entry in _entries(block) for word in entry.split())


def _load_phrases() -> list[_Phrase]:
    phrases = [
        _Phrase(tuple(entry.split()), Intent(intent))
        for intent, by_language in lexicon.PHRASES.items()
        for block in by_language.values()
        for entry in _entries(block)
    ]
    phrases += [
        _Phrase(tuple(entry.split()), Intent.LANGUAGE, code)
        for code, block in lexicon.LANGUAGE_NAMES.items()
        for entry in _entries(block)
    ]
    return phrases


def _by_first_word(phrases: list[_Phrase]) -> dict[str, list[_Phrase]]:
    index: dict[str, list[_Phrase]] = {}
    for phrase in phrases:
        index.setdefault(phrase.words[0], []).append(phrase)
    return index


def _load_alone_only() -> dict[str, Understanding]:
    alone = {
        entry: Understanding(Intent(intent))
        for intent, block in lexicon.ALONE_ONLY.items()
        for entry in _entries(block)
    }
    for code, block in lexicon.LANGUAGE_CODES_ALONE.items():
        alone.update(
            {entry: Understanding(Intent.LANGUAGE, language=code) for entry in _entries(block)}
        )
    return alone


def _load_numbers() -> dict[str, int]:
    numbers = {
        entry: value for value, block in lexicon.NUMBER_WORDS.items() for entry in _entries(block)
    }
    numbers.update(dict.fromkeys(_entries(lexicon.LAST_WORDS), _LAST))
    return numbers


_LAST = -1  # stands for "the last option offered"
_CONTRACTIONS = {fold(short): fold(full) for short, full in lexicon.CONTRACTIONS.items()}
_STOP = frozenset(_entries(lexicon.STOP_KEYWORDS))
_STOP_WORDS = frozenset(entry.split()[0] for entry in _STOP)  # "stop" of "stop sms"
_START = frozenset(_entries(lexicon.RESTART_KEYWORDS))
_RESTART_YES = frozenset(_entries(lexicon.RESTART_KEYWORDS_THAT_MEAN_YES))
_PHRASES = _load_phrases()
_PHRASES_BY_FIRST_WORD = _by_first_word(_PHRASES)
_ALONE_ONLY = _load_alone_only()
_NUMBER_WORDS = _load_numbers()
_CHOICE_WORDS = _words(lexicon.CHOICE_WORDS)
_NOT_AN_OPTION_AFTER = _words(lexicon.NOT_AN_OPTION_AFTER)
_FILLER = _words(lexicon.FILLER)
_NEGATIONS = _words(lexicon.NEGATIONS)
_QUESTION_ONLY = re.compile(rf"[\s{re.escape(lexicon.QUESTION_MARKS)}\ufe0f]+")
# "2", "1er", "2eme", "3e", "2nd", "3rd"; a leading zero means a phone number or a date.
_DIGIT_OPTION = re.compile(r"(0|[1-9][0-9]?)(?:er|ere|re|e|eme|em|nd|nde|st|rd|th)?", re.ASCII)

_TYPO_MIN_LENGTH = 6  # shorter words must be spelled right (after folding)
_MAX_WORDS = 60  # beyond this, a reply is a letter: a person reads it
_MAX_UNKNOWN_WORDS = 5  # more words than this that we do not know: a story, for a person
_LABEL_ECHO_WORDS = 5  # "1 ça avance": at most this many words after the number
_YES_NO = (Intent.YES, Intent.NO)
_SAYS_MORE_WORDS = 3  # unknown words around an understood intent: a sentence a person reads
_CONSTRAINT_WORDS = _words(lexicon.CONSTRAINT_WORDS)
_PREFERENCE_WORDS = preference_words()
# Words around a preference that say nothing more ("plutôt", "disponible", "je travaille").
_PREFERENCE_FILLER = frozenset(
    {"plutot", "dispo", "disponible", "libre", "seulement", "que", "uniquement", "ou", "en",
     "car", "parce", "parceque", "mieux", "preference", "prefere"}
)  # fmt: skip
_HOUR = re.compile(r"\d{1,2}h(\d{2})?")  # "18h", "9h30"


# --- Understanding ------------------------------------------------------------------------------


def understand(text: str, *, choices: int = 0) -> Understanding:
    """What a reply means. `choices`: how many numbered options the last message offered."""
    normalised = normalise(text)
    words = normalised.split()
    if not words:
        question = _QUESTION_ONLY.fullmatch(text) and text.strip()
        return Understanding(Intent.HELP if question else Intent.AMBIGUOUS)
    if normalised in _STOP:
        return Understanding(Intent.STOP)
    if _STOP_WORDS.intersection(words) or len(words) > _MAX_WORDS:
        return Understanding(Intent.HUMAN)
    if normalised in _START:
        return Understanding(Intent.START)
    matches = _find_phrases(words)
    alone = _ALONE_ONLY.get(" ".join(word for word in words if word not in _FILLER))
    if alone is not None and all(len(match.phrase.words) == 1 for match in matches):
        return alone  # "help" alone, but "help me" is a phrase of its own
    choice = _read_choice(words, matches, choices)
    if choice is not None:
        return choice
    understood = _resolve(words, matches, choices)
    preference = read_preference(normalised)
    if preference is None:
        return understood
    if understood.intent is Intent.AMBIGUOUS and _only_preference(words, matches):
        # "plutôt l'après-midi", "pas le matin je travaille": other dates, at those times.
        return Understanding(Intent.CHANGE, said_more=True, preference=preference)
    return replace(understood, said_more=True, preference=preference)


def _only_preference(words: list[str], matches: list[_Match]) -> bool:
    covered = {
        i for match in matches if match.phrase.intent is Intent.CHANGE for i in match.positions
    }
    rest = [w for i, w in enumerate(words) if i not in covered and w not in _FILLER]
    return bool(rest) and all(
        w in _PREFERENCE_WORDS or w in _NEGATIONS or w in _PREFERENCE_FILLER or _HOUR.fullmatch(w)
        for w in rest
    )


@dataclass(frozen=True)
class _Match:
    phrase: _Phrase
    start: int

    @property
    def positions(self) -> range:
        return range(self.start, self.start + len(self.phrase.words))


def _find_phrases(words: list[str]) -> list[_Match]:
    """Every lexicon phrase in the reply, longest first, without overlaps."""
    found = [
        _Match(phrase, start)
        for start, word in enumerate(words)
        for phrase in _phrases_starting_with(word)
        if _phrase_at(phrase.words, words, start)
    ]
    found.sort(key=lambda match: (-len(match.phrase.words), match.start))
    taken: set[int] = set()
    kept: list[_Match] = []
    for match in found:
        if taken.isdisjoint(match.positions):
            kept.append(match)
            taken.update(match.positions)
    return kept


def _phrases_starting_with(word: str) -> list[_Phrase]:
    phrases = list(_PHRASES_BY_FIRST_WORD.get(word, ()))
    if len(word) >= _TYPO_MIN_LENGTH:
        for first, more in _PHRASES_BY_FIRST_WORD.items():
            if first != word and _same_word(word, first):
                phrases += more
    return phrases


def _phrase_at(phrase: tuple[str, ...], words: list[str], start: int) -> bool:
    if start + len(phrase) > len(words):
        return False
    return all(_same_word(words[start + i], word) for i, word in enumerate(phrase))


@lru_cache(maxsize=65536)
def _same_word(written: str, known: str) -> bool:
    """Equal, or one typo apart for long words ("chnager", "englisch").

    Short words must match exactly: "change" (past participle) is not "changer", "stp" is not
    "stop". A swapped or wrong letter is forgiven from 6 letters, a missing or extra one from 7.
    """
    if written == known:
        return True
    if min(len(written), len(known)) < _TYPO_MIN_LENGTH or written[0] != known[0]:
        return False
    if len(written) == len(known):
        diff = [i for i, (a, b) in enumerate(zip(written, known, strict=True)) if a != b]
        if len(diff) == 1:
            return True
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1
        return swapped and written[diff[0]] == known[diff[1]] and written[diff[1]] == known[diff[0]]
    if abs(len(written) - len(known)) != 1 or min(len(written), len(known)) <= _TYPO_MIN_LENGTH:
        return False
    longer, shorter = sorted((written, known), key=len, reverse=True)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _option_numbers(words: list[str]) -> list[tuple[int, int]]:
    """(position, value) of each word that can name an option; dates, times, phones cannot."""
    found = []
    for position, word in enumerate(words):
        value = _option_value(word)
        if value is None:
            continue
        after = words[position + 1] if position + 1 < len(words) else ""
        before = words[position - 1] if position else ""
        in_digit_run = word.isdigit() and (after.isdigit() or before.isdigit())
        if not in_digit_run and after not in _NOT_AN_OPTION_AFTER:
            found.append((position, value))
    return found


def _option_value(word: str) -> int | None:
    digits = _DIGIT_OPTION.fullmatch(word)
    if digits:
        return int(digits.group(1))
    return _NUMBER_WORDS.get(word)


def _pick(value: int, choices: int) -> Understanding:
    if value == _LAST:
        value = choices
    if 1 <= value <= choices:
        return Understanding(Intent.CHOICE, choice=value)
    return Understanding(Intent.AMBIGUOUS)


def _read_choice(words: list[str], matches: list[_Match], choices: int) -> Understanding | None:
    """An option number, with only choosing words around it or as the start of a label echo."""
    numbers = _option_numbers(words)
    if not numbers:
        return None
    positions = {position for position, _ in numbers}
    others = [word for i, word in enumerate(words) if i not in positions]
    if all(word in _CHOICE_WORDS or word in _FILLER for word in others):
        if len(numbers) > 1:
            return Understanding(Intent.AMBIGUOUS)
        return _pick(numbers[0][1], choices)
    if _is_label_echo(words, numbers, matches, choices):
        return _pick(numbers[0][1], choices)
    return None


def _is_label_echo(
    words: list[str], numbers: list[tuple[int, int]], matches: list[_Match], choices: int
) -> bool:
    """ "1 ça avance", "3 situation a changé": an offered number first, then its label."""
    first_position = numbers[0][0]
    if choices < 1 or first_position != 0 or len(numbers) > 1 or not words[0][0].isdigit():
        return False
    rest = [word for word in words[1:] if word not in _FILLER]
    contrary = {Intent.NO, Intent.HELP, Intent.HUMAN, Intent.AMBIGUOUS}
    covered = {i for match in matches for i in match.positions}
    negated = any(word in _NEGATIONS for i, word in enumerate(words) if i not in covered and i > 0)
    return (
        0 < len(rest) <= _LABEL_ECHO_WORDS
        and not negated
        and not any(match.phrase.intent in contrary for match in matches)
    )


def _says_more(unknown: list[str]) -> bool:
    """Words around an understood intent that a person should read: a time constraint ("pas le
    matin", "mardi", "après 18h"), a reason ("je travaille"), or a sentence of its own."""
    return len(unknown) >= _SAYS_MORE_WORDS or any(
        word in _CONSTRAINT_WORDS or _HOUR.fullmatch(word) for word in unknown
    )


def _resolve(words: list[str], matches: list[_Match], choices: int) -> Understanding:
    """Turn the phrases found into one intent, or into AMBIGUOUS / HUMAN."""
    covered = {i for match in matches for i in match.positions}
    leftover = [w for i, w in enumerate(words) if i not in covered and w not in _FILLER]
    numbers = [w for w in leftover if any(c.isdigit() for c in w) or w in _NUMBER_WORDS]
    negations = [w for w in leftover if w in _NEGATIONS]
    unknown = [w for w in leftover if w not in numbers and w not in negations]
    intents = {match.phrase.intent for match in matches}

    if Intent.HUMAN in intents or len(unknown) > _MAX_UNKNOWN_WORDS:
        return Understanding(Intent.HUMAN)
    if Intent.AMBIGUOUS in intents or not intents:
        return Understanding(Intent.AMBIGUOUS)
    if intents & {Intent.CANCEL, Intent.CONSENT_WITHDRAWN}:
        intents.discard(Intent.NO)
    if len(intents) > 1 and Intent.NO not in intents:
        intents.discard(Intent.YES)
    if len(intents) > 1:
        return Understanding(Intent.AMBIGUOUS)
    intent = intents.pop()

    if negations and intent not in (Intent.NO, Intent.CONSENT_WITHDRAWN):
        return Understanding(Intent.AMBIGUOUS)
    offered = [v for i, v in _option_numbers(words) if i not in covered and 1 <= v <= choices]
    beyond = [w for w in unknown if w not in _PREFERENCE_WORDS and w not in _PREFERENCE_FILLER]
    if offered or (intent in _YES_NO and (beyond or numbers)):
        return Understanding(Intent.AMBIGUOUS)
    if intent is Intent.LANGUAGE:
        languages = {m.phrase.language for m in matches if m.phrase.intent is Intent.LANGUAGE}
        if len(languages) > 1:
            return Understanding(Intent.AMBIGUOUS)
        return Understanding(Intent.LANGUAGE, language=languages.pop())
    return Understanding(intent, said_more=_says_more(unknown))
