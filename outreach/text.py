"""Text folding shared by import headers, commune names and search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents, turn punctuation into spaces, collapse spaces.

    "Boulogne-sur-Mer" and "BOULOGNE SUR MER" fold to the same "boulogne sur mer".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    cleaned = "".join(ch if ch.isalnum() else " " for ch in stripped.lower())
    return _SPACES.sub(" ", cleaned).strip()


def commune_key(commune: str) -> str:
    """Key for matching a commune name: folded, with "saint"/"st" and "sainte"/"ste" unified."""
    words = fold(commune).split()
    aliases = {"st": "saint", "ste": "sainte"}
    return " ".join(aliases.get(word, word) for word in words)
