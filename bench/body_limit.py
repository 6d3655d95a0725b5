"""Benchmark: 300 MB bodies to a real `allervers serve`, and how much memory they cost it.

    .venv/bin/python bench/body_limit.py

Fresh SQLite file, the server on 127.0.0.1; each webhook, an API route and the CCAPEX upload get
300 MB once with a Content-Length and once chunked, from a raw socket that stops when the server
answers. Prints each answer and the server's peak resident memory growth (sampled every 10 ms).
Target (issue #13): growth < 20 MB.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from database import sqlite_file
from serving import ROOT, machine

sys.path.insert(0, str(ROOT))

from outreach.db import make_engine
from outreach.migrate import upgrade
from tests.doubles.twilio_double import TwilioDouble
from tests.reliability.support import NOW, Server, free_port, serve_env
from tests.reliability.test_body_limit import ROUTES, PeakMemory, post_huge, rss_kb


def main() -> None:
    print("300 MB bodies against `allervers serve` (SQLite)")
    print(f"  machine     {machine()}")
    with tempfile.TemporaryDirectory() as folder, sqlite_file(Path(folder) / "b.db") as database:
        engine = make_engine(database.url)
        upgrade(engine)
        engine.dispose()
        double = TwilioDouble().start()
        port = free_port()
        env = serve_env(database.url, Path(folder), port, double, NOW)
        server = Server(env, port, Path(folder) / "server.log")
        try:
            server.wait_ready()
            post_huge(port, ROUTES[0][0], ROUTES[0][1], chunked=False)  # warm up
            before = rss_kb(server.process.pid)
            with PeakMemory(server.process.pid) as memory:
                for path, content_type in ROUTES:
                    for chunked in (False, True):
                        status = post_huge(port, path, content_type, chunked=chunked)
                        how = "chunked       " if chunked else "Content-Length"
                        print(f"  {path:<32} {how} -> {status}")
            grown = (memory.peak - before) / 1024
            print(f"  resident memory before {before / 1024:.1f} MB, peak growth {grown:.1f} MB")
        finally:
            server.stop()
            double.stop()


if __name__ == "__main__":
    main()
