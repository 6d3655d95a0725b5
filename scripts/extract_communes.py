"""Extract the communes of France from the npm package @etalab/decoupage-administratif.

Run at build time by a maintainer, never by the application (the wheel needs no npm):

    cd /tmp && npm pack @etalab/decoupage-administratif
    tar xzf etalab-decoupage-administratif-*.tgz
    .venv/bin/python scripts/extract_communes.py /tmp/package --former /tmp/old/package ...

where each --former is an older version of the same package (the names it gives that the current
one no longer does are kept as former names: "Montreuil" for Montreuil-sur-Mer).

It writes, under outreach/data/:
- communes_fr.csv.gz: one line per commune, current ones and the former ones they absorbed
  (communes déléguées and associées, municipal arrondissements), each former one pointing to the
  current commune it belongs to;
- divisions_fr.csv: the names of the départements and arrondissements;
- communes_fr.NOTICE.md: source, package version, licence, date of extraction.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "outreach" / "data"
HEADER = (
    "insee",
    "nom",
    "departement",
    "arrondissement",
    "codes_postaux",
    "population",
    "actuelle",
)
# The type of a former commune -> the letter written before the current commune's code.
FORMER = {"commune-deleguee": "d", "commune-associee": "a", "arrondissement-municipal": "m"}
# Letters of former names read from an older version: renamed, merged away.
RENAMED, MERGED = "r", "x"


def commune_rows(communes: list[dict]) -> list[tuple[str, ...]]:
    """One row per entry; "actuelle" is empty for a current commune, else "<letter>:<code>"."""
    rows = []
    for entry in communes:
        kind = entry["type"]
        if kind == "commune-actuelle":
            current = ""
        elif kind in FORMER:
            current = f"{FORMER[kind]}:{entry.get('chefLieu') or entry['commune']}"
        else:
            raise ValueError(f"unknown commune type {kind!r}")
        rows.append(
            (
                entry["code"],
                entry["nom"],
                entry.get("departement", ""),
                entry.get("arrondissement", ""),
                " ".join(entry.get("codesPostaux", ())),
                str(entry.get("population", "")),
                current,
            )
        )
    return rows


def former_codes(communes: list[dict]) -> list[tuple[str, ...]]:
    """INSEE codes of communes merged away without a commune déléguée ("anciensCodes")."""
    known = {entry["code"] for entry in communes}
    return [
        (old, "", "", "", "", "", f"{MERGED}:{entry['code']}")
        for entry in communes
        if entry["type"] == "commune-actuelle"
        for old in entry.get("anciensCodes", ())
        if old not in known
    ]


def former_names(communes: list[dict], older: list[dict]) -> list[tuple[str, ...]]:
    """Names an older version gives to a code that the current version names otherwise or not
    at all: a renamed commune, or one merged into a current commune."""
    current = {entry["code"]: entry for entry in communes if entry["type"] == "commune-actuelle"}
    merged_into = {
        old: entry["code"] for entry in current.values() for old in entry.get("anciensCodes", ())
    }
    for entry in communes:
        if entry["type"] in ("commune-deleguee", "commune-associee"):
            merged_into.setdefault(entry["code"], entry["chefLieu"])
    names = {(entry["code"], entry["nom"]) for entry in communes}
    rows = []
    for entry in older:
        code, name = entry["code"], entry["nom"]
        if entry.get("type", "commune-actuelle") != "commune-actuelle" or (code, name) in names:
            continue
        if code in current:
            rows.append((code, name, "", "", "", "", f"{RENAMED}:{code}"))
        elif code in merged_into:
            rows.append((code, name, "", "", "", "", f"{MERGED}:{merged_into[code]}"))
        names.add((code, name))
    return rows


def write(package: Path, former: list[Path]) -> None:
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    communes = json.loads((package / "data" / "communes.json").read_text(encoding="utf-8"))
    departements = json.loads((package / "data" / "departements.json").read_text(encoding="utf-8"))
    arrondissements = json.loads(
        (package / "data" / "arrondissements.json").read_text(encoding="utf-8")
    )
    rows = commune_rows(communes)
    versions = []
    for older in former:
        older_meta = json.loads((older / "package.json").read_text(encoding="utf-8"))
        versions.append(older_meta["version"])
        older_communes = json.loads((older / "data" / "communes.json").read_text(encoding="utf-8"))
        rows += former_names(communes, older_communes)
    rows = list(dict.fromkeys(rows))  # two older versions may give the same former name
    named = {row[0] for row in rows}
    rows += [row for row in former_codes(communes) if row[0] not in named]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    # mtime=0: the same package gives the same bytes.
    with gzip.GzipFile(DATA / "communes_fr.csv.gz", "wb", compresslevel=9, mtime=0) as out:
        out.write(text.getvalue().encode("utf-8"))
    with (DATA / "divisions_fr.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(("niveau", "code", "departement", "nom"))
        for item in departements:
            writer.writerow(("departement", item["code"], item["code"], item["nom"]))
        for item in arrondissements:
            writer.writerow(("arrondissement", item["code"], item["departement"], item["nom"]))
    current = sum(1 for entry in communes if entry["type"] == "commune-actuelle")
    (DATA / "communes_fr.NOTICE.md").write_text(
        NOTICE.format(
            version=meta["version"],
            licence=meta["license"],
            date=datetime.now(UTC).date().isoformat(),
            current=current,
            former=len(rows) - current,
            older=", ".join(versions) or "none",
        ),
        encoding="utf-8",
    )


NOTICE = """\
# Communes of France (communes_fr.csv.gz, divisions_fr.csv)

- Source: npm package `@etalab/decoupage-administratif` version {version}
  (https://github.com/etalab/decoupage-administratif), extracted on {date} by
  `scripts/extract_communes.py`.
- Licence: the package is published under the {licence} licence (code); its README gives its
  data under the Licence Ouverte / Open Licence of Etalab. Sources it names: INSEE Code officiel
  géographique and légal populations, La Poste's base officielle des codes postaux, DGCL.
- Content: {current} current communes, and {former} former codes and names (communes déléguées
  and associées, municipal arrondissements, codes of merged communes, and the names that older
  versions of the same package gave — versions {older} — to communes since renamed or merged),
  each pointing to the current commune it belongs to.
- Columns (`;`, UTF-8): insee; nom; departement; arrondissement; codes_postaux (space-separated);
  population; actuelle (empty for a current commune, else `d:`, `a:`, `m:`, `r:` or `x:` and the
  current commune's code: délégué, associée, municipal arrondissement, former name, merged away).
- Update: take the year's version of the package and run the script again (see its docstring).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package (its package/ dir)")
    parser.add_argument(
        "--former", type=Path, action="append", default=[], help="an older version, unpacked"
    )
    options = parser.parse_args()
    write(options.package, options.former)


if __name__ == "__main__":
    main()
