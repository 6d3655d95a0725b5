"""The communes of France, to know which commune a case's address names however it is spelled.

The list ships in outreach/data/communes_fr.csv.gz, extracted from the open dataset
@etalab/decoupage-administratif (see communes_fr.NOTICE.md and scripts/extract_communes.py).
A commune is identified, in this order:
1. by its INSEE code, when the file gives one (a former commune's code leads to the current one);
2. by its name and postcode; names are folded (case, accents, hyphens, apostrophes, spaces,
   "St"/"Ste", "lez", "CEDEX"), former names (communes déléguées and associées) and a few
   names in common use (ALIASES) count, and a leading article may be missing;
3. by the postcode alone, when only one commune has it.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
COMMUNES_FILE = DATA / "communes_fr.csv.gz"
DIVISIONS_FILE = DATA / "divisions_fr.csv"

# Names in everyday use that the official list does not carry, not even as a former name (the
# list keeps those: "Montreuil" for Montreuil-sur-Mer). Each is a fact, not a guess.
ALIASES: dict[str, tuple[str, ...]] = {
    # Officially "Berck"; the town, its beach and its hospitals go by "Berck-sur-Mer".
    "62108": ("Berck-sur-Mer",),
    # Officially "Le Touquet-Paris-Plage"; nearly always written "Le Touquet".
    "62826": ("Le Touquet",),
    # Officially "Étaples"; also written "Étaples-sur-Mer".
    "62318": ("Étaples-sur-Mer",),
}
_ARTICLES = ("le", "la", "les", "l")
_WORDS = {"lez": "les", "s": "sur", "ss": "sous"}  # "Lambres-lez-Aire", "AIRE S/ LA LYS"
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SAINT = {"st": "saint", "ste": "sainte"}
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def _fold(text: str) -> str:
    """Like outreach.text.commune_key, for names only (French letters): about ten times faster,
    which counts when the 40,000 names of France are indexed."""
    for letter, spelled in (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae")):
        text = text.replace(letter, spelled)
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NOT_ALNUM.sub(" ", plain.lower()).split()
    return " ".join(_SAINT.get(word, word) for word in words)


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    departement: str
    arrondissement: str
    postcodes: tuple[str, ...]
    population: int | None


def name_key(name: str) -> str:
    """The key a commune name is matched on: "ST POL S/ TERNOISE" -> "saintpolsurternoise"."""
    return _keys(name)[0]


def bare_key(name: str) -> str:
    """`name_key` without a leading article ("Le Portel", "Portel" -> "portel")."""
    return _keys(name)[1]


def _keys(name: str) -> tuple[str, str]:
    words = [_WORDS.get(word, word) for word in _CEDEX.sub("", _fold(name)).split()]
    # "PORTEL (LE)", as some lists write it: the article goes back in front.
    if len(words) > 1 and words[-1] in _ARTICLES:
        words = [words[-1], *words[:-1]]
    bare = words[1:] if len(words) > 1 and words[0] in _ARTICLES else words
    return "".join(words), "".join(bare)


def insee_code(text: str | None) -> str | None:
    """A well-formed INSEE commune code ("1015" from a spreadsheet is "01015"), or None."""
    code = "".join((text or "").split()).upper()
    if code.isdigit() and len(code) == 4:
        code = "0" + code
    return code if _INSEE.match(code) else None


class Gazetteer:
    """Every commune in memory, indexed by code, name and postcode."""

    def __init__(self, rows: Iterable[dict[str, str]], divisions: Iterable[dict[str, str]]):
        self.communes: dict[str, Commune] = {}
        self._codes: dict[str, str] = {}  # any code, former ones too -> current code
        self._names: dict[str, set[str]] = defaultdict(set)
        self._bare: dict[str, set[str]] = defaultdict(set)
        self._postcodes: dict[str, set[str]] = defaultdict(set)
        former: list[tuple[str, str, str]] = []
        for row in rows:
            if row["actuelle"]:
                former.append((row["insee"], row["nom"], row["actuelle"].split(":")[1]))
                continue
            commune = Commune(
                insee=row["insee"],
                name=row["nom"],
                departement=row["departement"],
                arrondissement=row["arrondissement"],
                postcodes=tuple(row["codes_postaux"].split()),
                population=int(row["population"]) if row["population"] else None,
            )
            self.communes[commune.insee] = commune
            self._codes[commune.insee] = commune.insee
            self._add_name(commune.name, commune.insee)
            for postcode in commune.postcodes:
                self._postcodes[postcode].add(commune.insee)
        for code, name, current in former:
            if current not in self.communes:
                continue
            self._codes.setdefault(code, current)  # a current commune keeps its own code
            if name:
                self._add_name(name, current)
        for code, names in ALIASES.items():
            for name in names:
                self._add_name(name, code)
        self.divisions = {(row["niveau"], row["code"]): row["nom"] for row in divisions}

    def _add_name(self, name: str, code: str) -> None:
        key, bare = _keys(name)
        self._names[key].add(code)
        self._bare[bare].add(code)

    def identify(
        self, commune: str | None, postcode: str | None, insee: str | None = None
    ) -> str | None:
        """The current INSEE code of the commune a file names, or None when unsure."""
        code = self._codes.get(insee_code(insee) or "")
        if code:
            return code
        postcode = postcode or ""
        if commune:
            key, bare = _keys(commune)
            for index, folded in ((self._names, key), (self._bare, bare)):
                found = self._narrow(index.get(folded, set()), postcode) if folded else None
                if found:
                    return found
        only = self._postcodes.get(postcode, set())
        return next(iter(only)) if len(only) == 1 else None

    def _narrow(self, codes: set[str], postcode: str) -> str | None:
        """The one commune of `codes` that has this postcode (or, for a postcode unknown to the
        list such as a CEDEX one, the one in the same département); None when not exactly one."""
        if postcode:
            codes = {code for code in codes if postcode in self.communes[code].postcodes} or {
                code
                for code in codes
                if postcode not in self._postcodes
                and any(known[:2] == postcode[:2] for known in self.communes[code].postcodes)
            }
        return next(iter(codes)) if len(codes) == 1 else None

    def postcodes(self, code: str) -> tuple[str, ...]:
        commune = self.communes.get(code)
        return commune.postcodes if commune else ()

    def in_departement(self, departement: str) -> list[Commune]:
        """The current communes of a département ("62", "2A", "974"), by INSEE code."""
        return sorted(
            (c for c in self.communes.values() if c.departement == departement),
            key=lambda commune: commune.insee,
        )

    def arrondissement_name(self, code: str) -> str | None:
        return self.divisions.get(("arrondissement", code))

    def departement_name(self, code: str) -> str | None:
        return self.divisions.get(("departement", code))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped list, read once per process (about 0.2 s)."""
    with gzip.open(COMMUNES_FILE, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    text = DIVISIONS_FILE.read_text(encoding="utf-8")
    return Gazetteer(rows, csv.DictReader(io.StringIO(text), delimiter=";"))
