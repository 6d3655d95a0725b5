"""`allervers backup FILE` and `allervers restore FILE`: the database and the files beside it.

A backup is one gzipped tar: `manifest.json` (format, database kind, schema revision, time),
the database (`database.dump`, PostgreSQL's pg_dump custom format; or `database.sqlite`, made
with SQLite's online backup API, consistent while the server writes), the webhook spool
(`spool/`) and the imports' rejected rows (`imports/`). Both copies run beside a serving
instance: pg_dump reads one snapshot, SQLite's backup reads one transaction.

With a passphrase the tar is encrypted at rest: scrypt derives a key from the passphrase and a
random salt, then the tar goes in 1 MiB chunks, each a Fernet token (AES-128-CBC + HMAC-SHA256)
carrying its index and an end mark, so a chunk cut off, swapped or altered is refused.

A restore goes into an empty database (freshly created, or a new SQLite file) and empty folders:
it never merges into, or overwrites, live data.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from messages import gettext
from outreach.db import make_engine
from outreach.settings import Settings

FORMAT = 1
MAGIC = b"ALLERVERS-BACKUP-ENCRYPTED-1\n"
CHUNK = 1 << 20
SALT_BYTES = 16
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
SPOOL, IMPORTS = "spool", "imports"
PG_DUMP, SQLITE_FILE = "database.dump", "database.sqlite"


class BackupError(Exception):
    """The backup or restore cannot go on; the message (French) says why."""


@dataclass(frozen=True)
class Manifest:
    database: str  # "postgresql" | "sqlite"
    revision: tuple[str, ...]
    created_at: str
    files: int


def backup(settings: Settings, destination: Path, *, passphrase: str | None = None) -> Manifest:
    """Write a backup of this instance to `destination` (replaced atomically, mode 0600)."""
    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".allervers-backup-") as tmp:
        work = Path(tmp)
        kind, database_file = _dump_database(settings.database_url, work)
        files = list(_folder_files(settings))
        manifest = Manifest(
            database=kind,
            revision=_revision(settings.database_url),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            files=len(files),
        )
        archive = work / "backup.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest.__dict__, indent=1).encode())
            tar.add(database_file, arcname=database_file.name)
            for name, path in files:
                try:
                    tar.add(path, arcname=name, recursive=False)
                except FileNotFoundError:
                    continue  # replayed and deleted meanwhile: it is in the database now
        final = work / "final"
        if passphrase:
            with archive.open("rb") as plain, final.open("wb") as sealed:
                encrypt(plain, sealed, passphrase)
        else:
            archive.rename(final)
        final.chmod(0o600)
        os.replace(final, destination)
    return manifest


def restore(settings: Settings, source: Path, *, passphrase: str | None = None) -> Manifest:
    """Restore a backup into this instance's (empty) database and folders."""
    with tempfile.TemporaryDirectory(prefix=".allervers-restore-") as tmp:
        work = Path(tmp)
        archive = _plain_archive(source, work, passphrase)
        unpacked = work / "unpacked"
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
        manifest = _read_manifest(unpacked)
        kind = _kind(settings.database_url)
        if manifest.database != kind:
            raise BackupError(
                gettext(
                    "This backup holds a {found} database; ALLERVERS_DATABASE_URL is {wanted}.",
                    found=manifest.database,
                    wanted=kind,
                )
            )
        targets = {SPOOL: Path(settings.spool_dir), IMPORTS: settings.rejects_dir}
        for folder in targets.values():
            _ensure_empty_folder(folder)
        _ensure_empty_database(settings.database_url)
        if kind == "postgresql":
            _pg_restore(settings.database_url, unpacked / PG_DUMP)
        else:
            _sqlite_copy(unpacked / SQLITE_FILE, _sqlite_path(settings.database_url))
        for name, folder in targets.items():
            if (unpacked / name).is_dir():
                _copy_private(unpacked / name, folder)
    return manifest


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


# --- the database -----------------------------------------------------------------------------


def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _dump_database(url: str, work: Path) -> tuple[str, Path]:
    if _kind(url) == "sqlite":
        target = work / SQLITE_FILE
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(gettext("No database file at {path}.", path=source_path))
        _sqlite_copy(source_path, target)
        return "sqlite", target
    target = work / PG_DUMP
    command = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
    _run_pg(command, url)
    return "postgresql", target


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(gettext("An in-memory SQLite database cannot be backed up."))
    return Path(database).expanduser().resolve()


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: one consistent copy, even while another process writes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_RDONLY, 0o600))
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _pg_restore(url: str, dump: Path) -> None:
    command = [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        str(dump),
    ]
    _run_pg(command, url)


def _run_pg(command: list[str], url: str) -> None:
    """Run a PostgreSQL client with the URL's password in its environment, not its arguments."""
    if shutil.which(command[0]) is None:
        raise BackupError(
            gettext(
                "{program} not found: install the PostgreSQL client (apt install "
                "postgresql-client).",
                program=command[0],
            )
        )
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    libpq = parsed.set(drivername="postgresql", password=None)
    dbname = libpq.render_as_string(hide_password=False)
    done = subprocess.run(
        [*command, f"--dbname={dbname}"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        # pg_dump's messages name tables and options, never row values.
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise BackupError(gettext("{program} failed: {error}", program=command[0], error=last))


def _ensure_empty_database(url: str) -> None:
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(
            gettext(
                "The database of ALLERVERS_DATABASE_URL is not empty ({count} tables): restore "
                "into a new, empty database.",
                count=len(tables),
            )
        )


def _revision(url: str) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    finally:
        engine.dispose()


# --- the folders ------------------------------------------------------------------------------


def _folder_files(settings: Settings) -> Iterator[tuple[str, Path]]:
    """(name in the archive, path) of each spooled request and rejected-rows file."""
    for name, root in ((SPOOL, Path(settings.spool_dir)), (IMPORTS, settings.rejects_dir)):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):  # no locks, no half-written
                yield f"{name}/{path.relative_to(root).as_posix()}", path


def _ensure_empty_folder(folder: Path) -> None:
    if folder.is_dir() and any(path.is_file() for path in folder.rglob("*")):
        raise BackupError(
            gettext("{folder} already holds files: restore into an empty one.", folder=folder)
        )


def _copy_private(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True, mode=0o700)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copyfile(path, destination)
            destination.chmod(0o600)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _read_manifest(unpacked: Path) -> Manifest:
    try:
        data: dict[str, Any] = json.loads((unpacked / "manifest.json").read_text())
        if data.get("database") not in ("sqlite", "postgresql"):
            raise ValueError("database")
        return Manifest(
            database=data["database"],
            revision=tuple(data.get("revision") or ()),
            created_at=str(data.get("created_at", "")),
            files=int(data.get("files", 0)),
        )
    except (OSError, ValueError, KeyError) as error:
        raise BackupError(gettext("Not an Aller-Vers backup ({reason}).", reason=error)) from None


def _plain_archive(source: Path, work: Path, passphrase: str | None) -> Path:
    if not source.is_file():
        raise BackupError(gettext("No backup file at {path}.", path=source))
    if not is_encrypted(source):
        return source
    if not passphrase:
        raise BackupError(gettext("This backup is encrypted: give its passphrase."))
    plain = work / "backup.tar.gz"
    with source.open("rb") as sealed, plain.open("wb") as out:
        decrypt(sealed, out, passphrase)
    return plain


# --- encryption at rest -----------------------------------------------------------------------


def _fernet(passphrase: str, salt: bytes):  # type: ignore[no-untyped-def]
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    key = Scrypt(salt=salt, length=32, **SCRYPT).derive(passphrase.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: IO[bytes], sealed: IO[bytes], passphrase: str) -> None:
    salt = os.urandom(SALT_BYTES)
    fernet = _fernet(passphrase, salt)
    sealed.write(MAGIC + salt)
    index = 0
    chunk = plain.read(CHUNK)
    while True:
        following = plain.read(CHUNK)
        last = not following
        token = fernet.encrypt(struct.pack(">Q?", index, last) + chunk)
        sealed.write(struct.pack(">I", len(token)) + token)
        if last:
            return
        index, chunk = index + 1, following


def decrypt(sealed: IO[bytes], plain: IO[bytes], passphrase: str) -> None:
    from cryptography.fernet import InvalidToken

    if sealed.read(len(MAGIC)) != MAGIC:
        raise BackupError(gettext("Not an encrypted Aller-Vers backup."))
    fernet = _fernet(passphrase, sealed.read(SALT_BYTES))
    expected = 0
    while True:
        size = sealed.read(4)
        if len(size) < 4:
            raise BackupError(gettext("The backup is cut short."))
        try:
            data = fernet.decrypt(sealed.read(struct.unpack(">I", size)[0]))
        except InvalidToken:
            raise BackupError(gettext("Wrong passphrase, or the backup was altered.")) from None
        index, last = struct.unpack(">Q?", data[:9])
        if index != expected:
            raise BackupError(gettext("Wrong passphrase, or the backup was altered."))
        plain.write(data[9:])
        if last:
            return
        expected += 1
