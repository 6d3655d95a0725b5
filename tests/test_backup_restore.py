"""`allervers backup` → `allervers restore` → serve, on SQLite and on PostgreSQL, while the
source instance keeps serving; encrypted at rest; never into a database that holds data."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from api.app import create_app
from api.cli.main import _register_optional_commands
from api.cli.main import app as cli
from api.ops import backup as backups
from outreach.db import make_engine, transaction
from tests.conftest import POSTGRES_ENV
from tests.factories import make_case

_register_optional_commands()
PASSPHRASE = "phrase de passe fictive pour les tests"


@pytest.fixture
def empty_target(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the same kind as the source: where the backup is restored."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'allervers.db'}"
        return
    import os

    admin = make_engine(os.environ[POSTGRES_ENV], isolation_level="AUTOCOMMIT")
    name = f"allervers_restore_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(db_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _environment(monkeypatch: pytest.MonkeyPatch, url: str, spool: Path) -> None:
    monkeypatch.setenv("ALLERVERS_DATABASE_URL", url)
    monkeypatch.setenv("ALLERVERS_SPOOL_DIR", str(spool))
    monkeypatch.setenv("ALLERVERS_CHANNELS", "sandbox")
    monkeypatch.delenv("ALLERVERS_ENV", raising=False)


def test_a_backup_restores_into_an_instance_that_serves_the_data(
    settings, sessions, clock, auth, db_url, empty_target, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    with transaction(sessions) as session:
        reference = make_case(session, clock=clock).reference
    spool = Path(settings.spool_dir)
    (spool / "twilio").mkdir(parents=True)
    (spool / "twilio" / "SM-fiction.json").write_text('{"kind": "twilio"}')
    settings.rejects_dir.mkdir(parents=True)
    (settings.rejects_dir / "import-1.rejets.csv").write_text("ligne;motif\n7;fiction\n")
    passphrase_file = tmp_path / "phrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    archive = tmp_path / "sauvegardes" / "allervers.backup"

    source = create_app(settings, clock=clock)
    answers: list[int] = []
    done = threading.Event()
    with TestClient(source) as serving:

        def keep_serving() -> None:  # the team works on while the backup runs
            while not done.is_set() or len(answers) < 3:
                answers.append(serving.get("/api/cases", headers=auth).status_code)
                with transaction(sessions) as session:
                    make_case(session, clock=clock)

        worker = threading.Thread(target=keep_serving)
        worker.start()
        _environment(monkeypatch, db_url, spool)
        result = CliRunner().invoke(
            cli, ["backup", str(archive), "--passphrase-file", str(passphrase_file)]
        )
        done.set()
        worker.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert "chiffrée : oui" in result.output
    assert set(answers) == {200}
    assert backups.is_encrypted(archive)
    assert archive.stat().st_mode & 0o777 == 0o600
    assert PASSPHRASE.encode() not in archive.read_bytes()

    restored_spool = tmp_path / "restored" / "var" / "spool"
    _environment(monkeypatch, empty_target, restored_spool)
    result = CliRunner().invoke(
        cli, ["restore", str(archive), "--passphrase-file", str(passphrase_file)]
    )
    assert result.exit_code == 0, result.output
    assert "restaurée" in result.output
    assert (restored_spool / "twilio" / "SM-fiction.json").read_text() == '{"kind": "twilio"}'
    rejects = restored_spool.parent / "imports" / "import-1.rejets.csv"
    assert rejects.read_text() == "ligne;motif\n7;fiction\n"

    restored = settings.model_copy(
        update={"database_url": empty_target, "spool_dir": restored_spool}
    )
    with TestClient(create_app(restored, clock=clock)) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
        listed = client.get("/api/cases", params={"q": reference}, headers=auth)
        assert listed.status_code == 200, listed.text
        assert [case["reference"] for case in listed.json()["items"]] == [reference]
    result = CliRunner().invoke(cli, ["doctor"])
    assert "[OK] Schéma de la base à jour" in result.output


def test_a_restore_never_goes_into_a_database_that_holds_data(
    settings, db_url, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "plain.backup"
    backups.backup(settings, archive)
    assert not backups.is_encrypted(archive)
    with pytest.raises(backups.BackupError, match="n'est pas vide"):
        backups.restore(settings.model_copy(update={"spool_dir": tmp_path / "s2"}), archive)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_wrong_passphrase_or_an_altered_backup_is_refused(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    archive = tmp_path / "secret.backup"
    backups.backup(settings, archive, passphrase=PASSPHRASE)
    target = settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'new.db'}",
            "spool_dir": tmp_path / "new" / "spool",
        }
    )
    with pytest.raises(backups.BackupError, match="Phrase de passe erronée"):
        backups.restore(target, archive, passphrase="une autre phrase")
    with pytest.raises(backups.BackupError, match="chiffrée"):
        backups.restore(target, archive)
    data = bytearray(archive.read_bytes())
    data[-10] ^= 1
    archive.write_bytes(bytes(data))
    with pytest.raises(backups.BackupError, match="altérée"):
        backups.restore(target, archive, passphrase=PASSPHRASE)
    archive.write_bytes(bytes(data[: len(backups.MAGIC) + 40]))
    with pytest.raises(backups.BackupError, match=r"tronquée|altérée"):
        backups.restore(target, archive, passphrase=PASSPHRASE)
