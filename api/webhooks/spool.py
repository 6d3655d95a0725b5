"""A durable spool on disk for webhook requests that arrive while the database is down.

Twilio does not retry an inbound webhook that failed, so a request we cannot store is written
here and acknowledged. One file per request, under ALLERVERS_SPOOL_DIR/<kind>/<key>.json, named by
the provider's id: a replay of the same request finds its file already there, so the spool
dedupes too. Each file is written to a temporary name, fsynced, then renamed into place (and the
folder fsynced): a crash leaves either the whole request or nothing, never half a file.

`replay` hands each file to a handler (which stores it, idempotently) and deletes the file only
after the handler returned; if the database is still down it stops and keeps the rest. A lock
file keeps two replays of the same kind (threads or processes) from running at once.
Files hold personal data: only this process's user can read them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from outreach.db import DatabaseBusy
from outreach.settings import Settings

log = logging.getLogger(__name__)

SUFFIX = ".json"
REJECTED = "rejected"
_SAFE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
# The database is (still) unreachable, or locked for too long: keep the file and stop replaying.
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout, DatabaseBusy)


def folder(settings: Settings, kind: str) -> Path:
    return Path(settings.spool_dir) / kind


def spool(settings: Settings, kind: str, key: str, payload: dict[str, Any]) -> bool:
    """Write one request durably; False when a request with that key is already spooled."""
    directory = folder(settings, kind)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / (_file_name(key) + SUFFIX)
    if path.exists():
        return False
    data = json.dumps({"kind": kind, "key": key, "payload": payload}).encode("utf-8")
    temporary = directory / f".{uuid.uuid4().hex}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    _fsync_folder(directory)
    return True


def pending(settings: Settings, kind: str) -> list[Path]:
    """The spooled requests of that kind, oldest first."""
    directory = folder(settings, kind)
    if not directory.is_dir():
        return []
    files = [entry for entry in directory.iterdir() if entry.name.endswith(SUFFIX)]
    return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name))


def has_pending(settings: Settings, kind: str) -> bool:
    """Cheap enough to ask on every webhook."""
    try:
        with os.scandir(folder(settings, kind)) as entries:
            return any(entry.name.endswith(SUFFIX) for entry in entries)
    except FileNotFoundError:
        return False


def replay(settings: Settings, kind: str, handler: Callable[[dict[str, Any]], object]) -> int:
    """Hand each spooled payload to `handler`, oldest first; return how many were replayed."""
    replayed = 0
    with _exclusive(folder(settings, kind)) as locked:
        if not locked:
            return 0  # another replay of this kind is running
        for path in pending(settings, kind):
            outcome = _replay_one(path, handler)
            if outcome == "down":
                break
            replayed += outcome == "done"
    if replayed:
        log.info("spool %s: %s request(s) replayed", kind, replayed)
    return replayed


class Replayer:
    """Replays the spool at start-up, then every `interval` seconds, until stopped.

    Each function replays one kind of request and returns how many it replayed; webhooks also
    call them after a request they could store (the database is back).
    """

    def __init__(self, functions: Sequence[Callable[[], int]], *, interval: float = 30.0) -> None:
        self._functions = tuple(functions)
        self._interval = interval
        self._stop = threading.Event()
        self.first_pass = threading.Event()  # set once the start-up replay is over
        self._thread = threading.Thread(target=self._run, name="spool-replay", daemon=True)

    def start(self) -> Replayer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            for function in self._functions:
                try:
                    function()
                except Exception as error:  # one failing kind must not stop the others
                    log.error("spool replay failed: %s", type(error).__name__)
            self.first_pass.set()
            if self._stop.wait(self._interval):
                return


def _replay_one(path: Path, handler: Callable[[dict[str, Any]], object]) -> str:
    try:
        payload = json.loads(path.read_bytes())["payload"]
    except FileNotFoundError:
        return "gone"  # replayed meanwhile by a process that did not see our lock
    except (ValueError, KeyError, TypeError):
        _set_aside(path)
        return "rejected"
    try:
        handler(payload)
    except DATABASE_DOWN:
        return "down"
    except Exception as error:
        # A bug, not an outage: keep the file for the next replay, go on with the others.
        # (No traceback: database errors quote the request's values, which are personal data.)
        log.error("spool: replaying %s failed: %s", path.name, type(error).__name__)
        return "kept"
    path.unlink(missing_ok=True)
    return "done"


def _set_aside(path: Path) -> None:
    rejected = path.parent / REJECTED
    rejected.mkdir(exist_ok=True, mode=0o700)
    os.replace(path, rejected / path.name)
    log.error("spool: unreadable file %s set aside", path.name)


@contextlib.contextmanager
def _exclusive(directory: Path) -> Iterator[bool]:
    if not directory.is_dir():
        yield True
        return
    descriptor = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)  # closing releases the lock


def _file_name(key: str) -> str:
    if _SAFE_KEY.fullmatch(key):
        return key
    return "h" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _fsync_folder(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
