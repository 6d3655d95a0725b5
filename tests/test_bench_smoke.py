"""The benchmarks keep running: bench/load.py --smoke drives a real `allervers serve` for 1.5 s
(every endpoint at least once) on a SQLite file. `make bench-smoke` also runs it on a temporary
PostgreSQL database (created and dropped by the bench), outside the suite's five minutes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = (
    "POST /webhooks/twilio/sms",
    "POST /webhooks/twilio/status",
    "GET /inbox/feed",
    "GET /cases",
    "GET /cases/{id}",
    "GET /",
    "GET /agenda",
    "GET /indicators",
    "POST /api/cases/{id}/messages",
    "GET /api/cases",
    "GET /api/cases/{id}/messages",
)
# endpoint, requests, share, req/s, p50, p99, errors ("0" or "409:2 ReadTimeout:1")
ROW = re.compile(r"^((?:GET|POST) \S+)\s+(\d+)\s+\S+%\s+\S+\s+\S+\s+\S+\s+(.+)$")


def _smoke(*options: str) -> str:
    """Run bench/load.py --smoke; its output, once every check of a healthy run passed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--smoke", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    rows = {found[1]: found for line in result.stdout.splitlines() if (found := ROW.match(line))}
    assert sorted(rows) == sorted(ENDPOINTS), report
    for endpoint, row in rows.items():
        assert int(row[2]) > 0, f"{endpoint} was never called\n{report}"
        assert row[3] == "0", f"{endpoint}: errors {row[3]}\n{report}"
    assert "exactly once yes" in result.stdout, report
    assert "result      OK" in result.stdout, report
    return result.stdout


def test_load_smoke() -> None:
    header = _smoke().splitlines()[0]
    assert "`allervers serve`, SQLite," in header
