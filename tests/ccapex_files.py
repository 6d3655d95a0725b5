"""Writes CCAPEX lists the way real spreadsheet exports look, for the import tests.

All people are fiction; mobiles are in the range ARCEP reserves for fiction (06 39 98 xx xx).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

CANONICAL = [
    "reference",
    "nom",
    "prenom",
    "telephone",
    "telephone2",
    "adresse",
    "code_postal",
    "commune",
    "etape",
    "date_cdp",
    "date_assignation",
    "date_audience",
    "montant_dette",
    "bailleur_nom",
    "bailleur_telephone",
    "bailleur_email",
    "langue",
]


def row(**values: str) -> dict[str, str]:
    """A valid row in canonical columns; keyword arguments replace cells."""
    cells = {
        "reference": "CCX-2026-0001",
        "nom": "Exemple",
        "prenom": "Camille",
        "telephone": "06 39 98 00 01",
        "telephone2": "",
        "adresse": "3 rue de l'Essai",
        "code_postal": "62000",
        "commune": "Arras",
        "etape": "Commandement de payer",
        "date_cdp": "15/01/2026",
        "date_assignation": "",
        "date_audience": "",
        "montant_dette": "1 234,56 €",
        "bailleur_nom": "SCI Fictive",
        "bailleur_telephone": "03 53 01 00 01",
        "bailleur_email": "bailleur@example.org",
        "langue": "fr",
    }
    cells.update(values)
    return cells


def write_list(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    encoding: str = "utf-8",
    delimiter: str = ";",
    newline: str = "\n",
    before_header: list[str] | None = None,
) -> Path:
    """Write `rows` (canonical keys) under `header` (defaults to the canonical names, in order)."""
    header = header or CANONICAL
    lines = list(before_header or [])
    lines.append(delimiter.join(header))
    for values in rows:
        lines.append(delimiter.join(_quoted(values[name], delimiter) for name in CANONICAL))
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def _quoted(cell: str, delimiter: str) -> str:
    if delimiter in cell or '"' in cell or "\n" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


CliRun = Callable[[list[str]], Result]


def cli_runner(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run `allervers …` data commands against the test database through the real typer app."""
    import typer
    from typer.testing import CliRunner

    from api.cli import data as cli_data

    monkeypatch.setenv("ALLERVERS_DATABASE_URL", db_url)
    monkeypatch.setenv("ALLERVERS_NOW", "2026-03-11T10:00:00+01:00")
    monkeypatch.setenv("ALLERVERS_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.delenv("ALLERVERS_ENV", raising=False)
    app = typer.Typer()
    cli_data.register(app)

    def run(args: list[str]) -> Result:
        return CliRunner().invoke(app, args)

    return run
