"""Benchmark: generate a 50,000-row CCAPEX list and import it into a fresh SQLite file.

    .venv/bin/python bench/import_cases.py [--rows 50000] [--keep DIR] [--tracemalloc]

Prints the time, rows per second and the memory peak of the first import (all cases new) and of
a second import of the same file (all cases known and compared). Target: 50,000 rows in ≤ 20 s.
The file looks like a real export: cp1252, ";" and CRLF, accented headers, every phone spelling,
a landline now and then, ~1 % of rows to reject. All people are fiction.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.orm import Session, sessionmaker

from outreach.ccapex.importer import ImportReport, import_file
from outreach.clock import FrozenClock
from outreach.communes import gazetteer
from outreach.db import make_engine, make_session_factory, transaction
from outreach.migrate import upgrade
from outreach.sectors import DEFAULT_DEPARTEMENT, load_departement

HEADER = [
    "Référence", "Nom", "Prénom", "Téléphone", "Téléphone 2", "Adresse", "Code postal", "Commune",
    "Étape", "Date CDP", "Date assignation", "Date audience", "Montant de la dette", "Bailleur",
    "Téléphone bailleur", "E-mail bailleur", "Langue",
]  # fmt: skip
STAGES = ("Impayé", "Commandement de payer", "CDP", "Assignation", "Audience", "Jugement",
          "Commandement de quitter les lieux", "Concours de la force publique")  # fmt: skip
LAST_NAMES = ("Exemple", "Fictif", "Démo", "Essai", "Modèle", "Témoin", "Spécimen", "Maquette")
FIRST_NAMES = ("Camille", "Karim", "Zoé", "Jean", "Aïcha", "Théo", "Léa", "Mehdi", "Chloé")
LANGUAGES = ("", "", "", "fr", "français", "arabe", "anglais", "tr")


def mobile(rng: random.Random) -> str:
    """A number of the fiction range (06 39 98 xx xx) in one of the usual spellings."""
    a, b = rng.randrange(100), rng.randrange(100)
    return rng.choice(
        (
            f"06 39 98 {a:02d} {b:02d}",
            f"06.39.98.{a:02d}.{b:02d}",
            f"+33 6 39 98 {a:02d} {b:02d}",
            f"0033 6 39 98 {a:02d} {b:02d}",
            f"+33 (0)6 39 98 {a:02d} {b:02d}",
            f"063998{a:02d}{b:02d}",
        )
    )


def landline(rng: random.Random) -> str:
    return f"03 65 71 {rng.randrange(100):02d} {rng.randrange(100):02d}"


def generate(path: Path, rows: int, seed: int = 62) -> None:
    rng = random.Random(seed)
    communes = [
        (commune.name, commune.postcodes[0])
        for commune in gazetteer().in_departement(DEFAULT_DEPARTEMENT)
    ]
    communes.append(("Commune-Inconnue", "59999"))
    with path.open("w", encoding="cp1252", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(rows):
            writer.writerow(_row(rng, index, communes))


def _row(rng: random.Random, index: int, communes: list[tuple[str, str]]) -> list[str]:
    commune, postcode = rng.choice(communes)
    day, month = rng.randrange(1, 29), rng.randrange(1, 13)
    debt = rng.randrange(50_000, 1_500_000)
    euros = f"{debt // 100:,}".replace(",", " ")
    cells = [
        f"CCX-{index:06d}",
        LAST_NAMES[index % len(LAST_NAMES)],
        FIRST_NAMES[index % len(FIRST_NAMES)],
        mobile(rng) if index % 7 else landline(rng),
        landline(rng) if index % 5 == 0 else "",
        f"{index % 120 + 1} rue de l'Exemple",
        postcode,
        commune,
        rng.choice(STAGES),
        f"{day:02d}/{month:02d}/2025" if index % 2 else f"2025-{month:02d}-{day:02d}",
        "",
        "",
        f"{euros},{debt % 100:02d} €",
        "SCI Fictive" if index % 3 else "",
        landline(rng) if index % 3 else "",
        f"bailleur{index % 500}@example.org" if index % 4 == 0 else "",
        rng.choice(LANGUAGES),
    ]
    if index % 100 == 99:  # about 1 % of rows the import must reject
        cells[8] = "Étape inconnue"
    return cells


def run_import(
    factory: sessionmaker[Session], clock: FrozenClock, path: Path, use_tracemalloc: bool
) -> tuple[ImportReport, float, int | None]:
    """One import in its own transaction: its report, seconds, and traced peak when asked."""
    if use_tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    with transaction(factory) as session:
        report = import_file(
            session, clock=clock, path=path, month="2026-03", rejects_path=path.with_suffix(".rej")
        )
    seconds = time.perf_counter() - started
    traced = None
    if use_tracemalloc:
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return report, seconds, traced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the file and database in")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="allervers-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source, database = folder / "liste.csv", folder / "bench.db"
    for stale in folder.glob("bench.db*"):
        stale.unlink()
    started = time.perf_counter()
    generate(source, options.rows)
    print(f"generated {options.rows} rows ({source.stat().st_size / 1e6:.1f} MB) "
          f"in {time.perf_counter() - started:.1f} s: {source}")  # fmt: skip
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    factory = make_session_factory(engine)
    clock = FrozenClock(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    with transaction(factory) as session:
        load_departement(session, departement=DEFAULT_DEPARTEMENT)
    for label in ("first import (all new)", "second import (all known)"):
        report, seconds, traced = run_import(factory, clock, source, options.tracemalloc)
        print(
            f"{label}: {seconds:.2f} s, {report.rows_read / seconds:,.0f} rows/s — read "
            f"{report.rows_read}, created {report.created}, updated {report.updated}, unchanged "
            f"{report.unchanged}, rejected {report.rejected}"
            + (f", Python allocations peak {traced / 1e6:.1f} MB" if traced else "")
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process memory peak (ru_maxrss): {peak:.0f} MB")
    engine.dispose()


if __name__ == "__main__":
    main()
