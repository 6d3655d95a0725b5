"""Browser tests: Playwright drives Debian's headless Chromium against a real uvicorn server.

The app runs on 127.0.0.1 (a free port) in a thread, on its own SQLite file, with a FrozenClock
the tests can move. Screenshots go to test-artifacts/screenshots/ (kept out of git).
Without /usr/bin/chromium the tests are skipped loudly on a developer machine and FAIL in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import FrozenClock
from tests.conftest import DEFAULT_NOW

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# The browser's own language, as on a French team member's computer: its date and time fields
# show 09/03/2026 and 09:00. Playwright's locale sets only the page's language; Chromium on Linux
# takes its own from the environment (the screenshots showed 03/09/2026 and 09:00 AM).
BROWSER_ENV = {**os.environ, "LANG": "fr_FR.UTF-8", "LANGUAGE": "fr", "LC_ALL": "fr_FR.UTF-8"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}  # the common laptop screen
PHONE = {"width": 360, "height": 740}
# Generous: the machine is shared with other test runs, and two cores go fast.
TIMEOUT_MS = 20_000


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = (
        f"!!! BROWSER TESTS NOT RUN: {CHROMIUM} is missing. "
        "Install it with `apt-get install chromium` to run them. !!!"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class LiveServer:
    url: str
    sessions: sessionmaker[Session]
    clock: FrozenClock
    services: object


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The whole app in uvicorn on 127.0.0.1, on a fresh migrated SQLite file."""
    import uvicorn

    from api.app import create_app
    from api.services import build_services
    from outreach.db import make_engine
    from outreach.settings import load_settings

    _require_chromium()
    folder = tmp_path_factory.mktemp("live")
    shutil.copyfile(sqlite_template, folder / "allervers.db")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = load_settings(
        ALLERVERS_DATABASE_URL=f"sqlite:///{folder / 'allervers.db'}",
        ALLERVERS_PUBLIC_URL=url,
        ALLERVERS_SPOOL_DIR=str(folder / "spool"),
        ALLERVERS_CHANNELS="sandbox",
    )
    clock = FrozenClock(DEFAULT_NOW)
    engine = make_engine(settings.database_url)
    services = build_services(settings, engine=engine, clock=clock)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(services=services), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(url=url, sessions=services.sessions, clock=clock, services=services)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, env=BROWSER_ENV
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server: LiveServer) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save the page at desktop width and at 360 px (the narrowest phone we support)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    # As a phone shows the page: what team.js opened for the wide screen is folded again.
    opened = "details[data-opened-wide]"
    page.evaluate(f"document.querySelectorAll('{opened}').forEach(d => d.open = false)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)
    page.set_viewport_size(size)
    page.evaluate(f"document.querySelectorAll('{opened}').forEach(d => d.open = true)")
