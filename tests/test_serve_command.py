"""`allervers serve --port 8080` (what `make run PORT=8080` runs): the links the app writes follow
the port unless ALLERVERS_PUBLIC_URL says otherwise. uvicorn is replaced by a recorder so no
server starts; everything of ours runs."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from api import heap
from api.cli.main import app as cli


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[Any]]:
    started: list[Any] = []

    def run(app: Any, **options: Any) -> None:
        # What the collector looks like when the server would start serving.
        options["gc"] = (gc.get_threshold(), gc.get_freeze_count())
        started.append((app, options))

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("ALLERVERS_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setenv("ALLERVERS_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.delenv("ALLERVERS_PUBLIC_URL", raising=False)
    monkeypatch.delenv("ALLERVERS_ENV", raising=False)
    thresholds = gc.get_threshold()
    yield started
    gc.unfreeze()  # this test process's heap, not a server's: back as it was
    gc.set_threshold(*thresholds)


def test_the_port_sets_the_public_url(served: list[Any]) -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "8080"])
    assert result.exit_code == 0, result.output
    [(app, options)] = served
    assert options["port"] == 8080
    assert app.state.services.settings.public_url == "http://127.0.0.1:8080"


def test_a_public_url_given_wins(served: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLERVERS_PUBLIC_URL", "https://allervers.example.org")
    result = CliRunner().invoke(cli, ["serve", "--port", "8080"])
    assert result.exit_code == 0, result.output
    [(app, _)] = served
    assert app.state.services.settings.public_url == "https://allervers.example.org"


def test_the_heap_is_settled_before_serving(served: list[Any]) -> None:
    """`allervers serve` starts with what start-up made frozen and young collections spaced out
    (api/heap.py: the full collections were most of the pages' p99 under load)."""
    gc.unfreeze()
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    [(_, options)] = served
    thresholds, frozen = options["gc"]
    assert thresholds == (heap.YOUNG_THRESHOLD, *heap.OLDER_THRESHOLDS)
    assert frozen > 10_000  # the modules, the app, its routes and catalogs at least
