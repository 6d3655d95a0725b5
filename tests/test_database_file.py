"""The SQLite database and its WAL are readable by their owner only (issue #13)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from outreach.db import make_engine


def test_the_sqlite_file_and_its_wal_are_created_0600(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'allervers.db'}")
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE household (name TEXT)"))
            connection.execute(text("INSERT INTO household VALUES ('Fictive')"))
        modes = {
            path.name: stat.S_IMODE(path.stat().st_mode) for path in (tmp_path / "data").iterdir()
        }
        engine.dispose()
    finally:
        os.umask(previous)
    assert set(modes) >= {"allervers.db", "allervers.db-wal", "allervers.db-shm"}
    assert set(modes.values()) == {0o600}, {name: oct(mode) for name, mode in modes.items()}
