"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, and the settings that
point the app at it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.refusing = False  # answer every message with a temporary failure

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusing:
            return "451 4.3.0 Try again later"
        self.received.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[misc]
            for envelope in self.received
        ]


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd checks its server by connecting
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def running_smtp() -> Iterator[tuple[Controller, Inbox]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def smtp_settings(port: int) -> dict[str, object]:
    return {
        "ALLERVERS_SMTP_HOST": "127.0.0.1",
        "ALLERVERS_SMTP_PORT": port,
        "ALLERVERS_SMTP_FROM": "equipe-mobile@example.org",
        "ALLERVERS_SMTP_STARTTLS": False,
        "ALLERVERS_TEAM_CONTACT": "03 53 01 00 00",
    }
