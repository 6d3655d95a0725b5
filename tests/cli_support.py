"""A `user` command group for CLI tests, on the test's database, at the frozen test time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import typer


def user_commands(
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    tmp_path: Path,
    register: Callable[[typer.Typer], None],
) -> typer.Typer:
    """A root app with an empty `user` group that `register` fills, like the real CLI does."""
    monkeypatch.setenv("ALLERVERS_DATABASE_URL", db_url)
    monkeypatch.setenv("ALLERVERS_NOW", "2026-03-11T10:00:00+01:00")
    monkeypatch.setenv("ALLERVERS_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.delenv("ALLERVERS_ENV", raising=False)
    app = typer.Typer()
    app.add_typer(typer.Typer(), name="user")
    register(app)
    return app
