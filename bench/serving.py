"""What the benchmarks that drive a real `allervers serve` share: a free port, the server's
environment, the subprocess and what /proc says about it (CPU time, memory), the machine.

Linux only for the /proc figures (the project's `python-svc` machines); elsewhere they read 0.
"""

from __future__ import annotations

import os
import platform
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

# The app, and the fault suite's wait for a server.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability.support import answers_health

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(folder: Path, port: int, **settings: str) -> dict[str, str]:
    """The server's environment: a SQLite file and a spool in `folder`, then `settings`.

    The caller's TWILIO_* variables and ALLERVERS_NOW are dropped: a benchmark never talks to
    the real Twilio and runs on the clock it chooses.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("TWILIO_")}
    env.pop("ALLERVERS_NOW", None)
    env.update(
        ALLERVERS_DATABASE_URL=f"sqlite:///{folder / 'bench.db'}",
        ALLERVERS_PUBLIC_URL=f"http://127.0.0.1:{port}",
        ALLERVERS_SPOOL_DIR=str(folder / "spool"),
        PYTHONPATH=str(ROOT),
    )
    env.update(settings)
    return env


def command() -> list[str]:
    """`allervers` with this interpreter (the venv's, whatever is on PATH)."""
    return [sys.executable, "-c", "from api.cli.main import main; main()"]


def cli(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([*command(), *arguments], env=env, check=True, capture_output=True)


class Server:
    """`allervers serve` (scheduler included) in a subprocess on 127.0.0.1; output to a log."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [*command(), "serve", "--port", str(port)], env=env, stdout=self._log, stderr=self._log
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, limit: float = 60.0) -> None:
        if not answers_health(self.base, self.process, limit=limit, pause=0.2):
            raise SystemExit(f"the server did not start (see {self.log_path.name})")

    def stop(self, limit: float = 30.0) -> float:
        """SIGTERM, then SIGKILL after `limit` seconds; the seconds the stop took."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(limit)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        self._log.close()
        return time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """{"rss": resident now, "peak": high-water mark (VmHWM)} in MB, from /proc/<pid>/status."""
    wanted = {"VmRSS:": "rss", "VmHWM:": "peak"}
    figures = {"rss": 0.0, "peak": 0.0}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return figures
    for line in lines:
        parts = line.split()  # "VmRSS:	  123456 kB"
        if parts and parts[0] in wanted:
            figures[wanted[parts[0]]] = int(parts[1]) / 1024
    return figures


def machine() -> str:
    """One line about where the figures come from: cores, CPU, RAM, Python, SQLite, load."""
    return (
        f"{os.cpu_count()} cores ({_cpu_model()}), {_ram_gib():.0f} GiB RAM, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; load average {os.getloadavg()[0]:.2f} before the run"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0
