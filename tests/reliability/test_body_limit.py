"""A 300 MB body to a real `allervers serve` costs it almost no memory (issue #13).

Each webhook, an API route and the CCAPEX upload get 300 MB, once with a Content-Length (refused
before a byte is read) and once chunked (counted as it streams and cut at the route's limit). The
server's resident memory is sampled all along; it must grow by less than 20 MB. The client is a
raw socket, so it can stop sending the moment the server answers.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.doubles.twilio_double import TwilioDouble
from tests.reliability.support import NOW, Server, free_port, serve_env

TOTAL = 300 * 1024 * 1024
CHUNK = b"a" * (256 * 1024)
ROUTES = (
    ("/webhooks/twilio/sms", "application/x-www-form-urlencoded"),
    ("/webhooks/twilio/status?id=1", "application/x-www-form-urlencoded"),
    ("/webhooks/telegram", "application/json"),
    ("/api/cases/1/messages", "application/json"),
    ("/imports", "multipart/form-data; boundary=xyz"),
)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class PeakMemory:
    """The highest resident memory of a process, sampled every 10 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss_kb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def post_huge(port: int, path: str, content_type: str, *, chunked: bool) -> int:
    """Send up to 300 MB; stop when the server answers. Returns the HTTP status."""
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {TOTAL}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent = 0
        answer = b""
        while sent < TOTAL:
            readable, _, _ = select.select([conn], [], [], 0)
            if readable:
                break
            piece = (b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n") if chunked else CHUNK
            try:
                conn.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(CHUNK)
        conn.settimeout(30)
        try:
            while b"\r\n" not in answer:
                data = conn.recv(4096)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 "), f"no answer from {path} after {sent} bytes"
    return int(answer.split()[1])


@pytest.mark.timeout(240)
def test_huge_bodies_are_refused_without_growing_the_server(
    sqlite_url: str, tmp_path: Path
) -> None:
    double = TwilioDouble().start()
    port = free_port()
    server = Server(serve_env(sqlite_url, tmp_path, port, double, NOW), port, tmp_path / "s.log")
    try:
        server.wait_ready()
        assert "server" not in httpx.get(f"{server.base}/healthz").headers  # no uvicorn banner
        post_huge(port, "/webhooks/twilio/sms", ROUTES[0][1], chunked=False)  # warm up
        before = rss_kb(server.process.pid)
        statuses = {}
        with PeakMemory(server.process.pid) as memory:
            for path, content_type in ROUTES:
                for chunked in (False, True):
                    statuses[(path, chunked)] = post_huge(port, path, content_type, chunked=chunked)
        grown_mb = (memory.peak - before) / 1024
        assert grown_mb < 20, f"server memory grew by {grown_mb:.1f} MB"
        # A declared length over the limit is refused before anything else looks at the request.
        assert {path: statuses[(path, False)] for path, _ in ROUTES} == dict.fromkeys(
            (path for path, _ in ROUTES), 413
        )
        # Streamed: cut at the limit where the route reads the body; the others refuse the
        # request (unconfigured, no sign-in) without reading it at all.
        assert statuses[("/webhooks/twilio/sms", True)] == 413
        assert statuses[("/api/cases/1/messages", True)] == 413
        assert all(400 <= status < 600 for status in statuses.values()), statuses
    finally:
        server.stop()
        double.stop()
