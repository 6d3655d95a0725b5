"""The household's phone on the other side of Twilio, for the end-to-end tests.

Replies are posted as signed Twilio webhooks through the app; what the bot sends is read from
the requests the Twilio double recorded, and each one is reported delivered by a signed status
callback, as Twilio would.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.twilio_webhook import SIGNATURE_HEADER
from outreach.conversation import jobs
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import tick
from tests.conftest import PUBLIC_URL
from tests.doubles.twilio_double import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    TwilioDouble,
    inbound_params,
    signature,
)
from tests.engine_support import engine_config

PHONE = "+33639982001"  # 06 39 98 20 01, as household_in_arras writes it
STATUS_CALLBACK = PUBLIC_URL + "/webhooks/twilio/status?m="
_sids = itertools.count(1)


def twilio_settings(double: TwilioDouble) -> dict[str, object]:
    """The app's settings for the SMS channel through the double."""
    return {
        "ALLERVERS_CHANNELS": "sms",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "TWILIO_API_BASE_URL": double.base_url,
    }


def signed_post(client: Any, path: str, params: dict[str, str]) -> Any:
    """What Twilio does: sign the public URL it calls (query string included), post the form."""
    headers = {SIGNATURE_HEADER: signature(PUBLIC_URL + path, params)}
    return client.post(path, data=params, headers=headers)


@dataclass
class TwilioPhone:
    """The household's phone on the other side of Twilio."""

    client: Any
    services: Any
    double: TwilioDouble
    number: str = PHONE
    seen: int = 0
    callbacks: list[str] = field(default_factory=list)

    @property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(
            sessions=self.services.sessions,
            clock=self.services.clock,
            channels=self.services.channels,
            config=engine_config(),
        )

    def at(self, when: datetime) -> None:
        self.services.clock.set(when)

    def answer(self, text: str) -> None:
        params = inbound_params(f"SMin{next(_sids):030d}", self.number, text)
        response = signed_post(self.client, "/webhooks/twilio/sms", params)
        assert response.status_code == 200, response.text

    def received(self) -> list[str]:
        """Work the outbox, then what Twilio was asked to send this number since the last look.

        Each new message is reported delivered by a signed status callback, as Twilio would.
        """
        tick(self.dispatcher)
        mine = [sent for sent in self.double.sent if sent["to"] == self.number]
        new, self.seen = mine[self.seen :], len(mine)
        for sent in new:
            assert sent["from"] == OUR_NUMBER
            url, params = self.double.status_callback(sent["sid"], "delivered")
            assert url.startswith(STATUS_CALLBACK)
            self.callbacks.append(url)
            response = signed_post(self.client, url.removeprefix(PUBLIC_URL), params)
            assert response.status_code == 200, response.text
        return [sent["body"] for sent in new]

    def daily_jobs(self) -> None:
        sessions, clock = self.services.sessions, self.services.clock
        enabled = tuple(self.services.channels)
        jobs.make_slots(sessions, clock=clock)
        jobs.send_visit_reminders(sessions, clock=clock, enabled=enabled)
        jobs.run_checkins(sessions, clock=clock, enabled=enabled)
