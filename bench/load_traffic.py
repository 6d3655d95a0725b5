"""The traffic of bench/load.py: the clients and each kind of request they send.

A client is one browser tab of a team member, signed in through the real login form, that also
posts Twilio's webhooks: each draws its next request with the mix's weights. Twilio's webhooks
are signed like Twilio signs them; the team's API calls carry the coordinator's bearer token.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from fiction import fiction_phone
from load_callbacks import Reports
from load_data import PASSWORD, Household, Member, World

from bot.twilio_client import INBOUND_PATH
from bot.twilio_webhook import SIGNATURE_HEADER, sign
from tests.doubles.twilio_double import AUTH_TOKEN, inbound_params

REPLIES = (
    "Oui",
    "OUI d'accord",
    "oui merci",
    "1",
    "2",
    "Non merci",
    "C'est qui ?",
    "Appelez-moi svp",
    "Je veux parler à quelqu'un",
    "Bonjour, je suis disponible jeudi matin",
)
TEAM_TEXTS = (
    "Bonjour, je passe dans votre quartier jeudi, puis-je vous appeler ?",
    "Bonjour, avez-vous pu contacter la CAF ? Répondez OUI ou NON.",
)

# Share of each kind of request, in percent of requests: each client draws its next request with
# these weights. Twilio's webhooks dominate a working day: every SMS sent brings two status
# callbacks (sent, then delivered or failed) and a conversation brings several replies; the
# team's requests are fewer and heavier, most of them the inbox page polling every 3 seconds.
GROUPS = {"inbound": 35.0, "status": 35.0, "pages": 25.0, "api": 5.0}
# How the team's pages share their group: the open inbox tab polls, people search and open cases.
PAGES = {"inbox feed": 40, "case list": 24, "case page": 20, "inbox page": 6, "agenda": 5}
PAGES["indicators"] = 5
# The JSON API (an integration, a script): write to a household, search, read a conversation.
API = {"send message": 40, "case search": 30, "case messages": 30}
INBOUND_REPLAYS = 0.03  # Twilio retries a webhook it thinks failed: same MessageSid, same form
UNKNOWN_SENDERS = 0.02  # a number that belongs to no case

ENDPOINTS = {
    "inbound": "POST /webhooks/twilio/sms",
    "status": "POST /webhooks/twilio/status",
    "inbox feed": "GET /inbox/feed",
    "case list": "GET /cases",
    "case page": "GET /cases/{id}",
    "inbox page": "GET /",
    "agenda": "GET /agenda",
    "indicators": "GET /indicators",
    "send message": "POST /api/cases/{id}/messages",
    "case search": "GET /api/cases",
    "case messages": "GET /api/cases/{id}/messages",
}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    replays: int = 0


@dataclass
class Shared:
    base: str
    world: World
    reports: Reports
    writable: list[Household]  # the team writes to these: never a 409


@dataclass
class Client:
    index: int
    http: httpx.Client
    shared: Shared
    member: Member
    rng: random.Random
    tallies: dict[str, Tally] = field(default_factory=dict)
    signature: str = ""  # of the inbox list this tab shows
    inbound: dict[str, dict[str, str]] = field(default_factory=dict)  # sid -> form, for replays
    accepted_inbound: set[str] = field(default_factory=set)
    accepted_status: set[tuple[str, str]] = field(default_factory=set)
    team_sent: int = 0  # team messages the API handed to Twilio at once (201)
    serial: int = 0

    def reset(self) -> None:
        """Forget the warm-up's figures (not what it stored: the checks cover it too)."""
        self.tallies.clear()
        self.team_sent = 0

    def send(self, kind: str, method: str, url: str, **options: object) -> httpx.Response | None:
        """One timed request; non-2xx answers and exceptions are counted as errors."""
        tally = self.tallies.setdefault(kind, Tally())
        began = time.perf_counter()
        try:
            response = self.http.request(method, url, **options)  # type: ignore[arg-type]
        except httpx.HTTPError as error:
            tally.errors[type(error).__name__] += 1
            return None
        tally.latencies.append(time.perf_counter() - began)
        if not response.is_success:
            tally.errors[str(response.status_code)] += 1
        return response


# --- the requests -------------------------------------------------------------------------------


def _inbound(client: Client) -> None:
    rng, base = client.rng, client.shared.base
    replay = bool(client.inbound) and rng.random() < INBOUND_REPLAYS
    if replay:
        sid = rng.choice(list(client.inbound))
        client.tallies.setdefault("inbound", Tally()).replays += 1
    else:
        client.serial += 1
        # "SMe…": never one of the double's sids (SM000…1, 2…), which outbound messages carry.
        sid = f"SMe{client.index:03x}{client.serial:028x}"
        client.inbound[sid] = inbound_params(sid, *_sender(client))
    form = client.inbound[sid]
    url = base + INBOUND_PATH
    headers = {SIGNATURE_HEADER: sign(AUTH_TOKEN, url, form)}
    response = client.send("inbound", "POST", url, data=form, headers=headers)
    if response is not None and response.status_code == 200 and "<Response/>" in response.text:
        client.accepted_inbound.add(sid)


def _sender(client: Client) -> tuple[str, str]:
    """(phone, text): a household's answer, or a number that belongs to no case."""
    if client.rng.random() < UNKNOWN_SENDERS:
        return fiction_phone(9000 + client.rng.randrange(998)), "Bonjour, qui êtes-vous ?"
    household = client.rng.choice(client.shared.world.households)
    return household.phone, "STOP" if household.stopper else client.rng.choice(REPLIES)


def _status(client: Client) -> None:
    taken = client.shared.reports.take(client.rng)
    if taken is None:
        return
    url, form, replayed = taken
    headers = {SIGNATURE_HEADER: sign(AUTH_TOKEN, url, form)}
    response = client.send("status", "POST", url, data=form, headers=headers)
    client.tallies["status"].replays += replayed
    if response is not None and response.status_code == 200:
        client.accepted_status.add((form["MessageSid"], form["MessageStatus"]))


def _inbox_feed(client: Client) -> None:
    url = f"{client.shared.base}/inbox/feed"
    response = client.send("inbox feed", "GET", url, params={"signature": client.signature})
    if response is not None and response.status_code == 200:
        client.signature = response.json()["signature"]


def _case_list(client: Client) -> None:
    household = client.rng.choice(client.shared.world.households)
    spaced = " ".join(("0" + household.phone[3:])[i : i + 2] for i in range(0, 10, 2))
    sector = client.rng.choice(client.member.sectors or ("lens", "calais"))
    scenarios = (
        {},
        {"status": "contacting"},
        {"sector": sector},
        {"stage": "assignation", "status": "new"},
        {"q": household.last_name.lower()},
        {"q": household.reference},
        {"q": spaced},
        {"opted_out": "yes"},
        {"sort": "name", "page": "2"},
        {"sort": "last_contact", "reachable": "yes"},
    )
    params = client.rng.choice(scenarios)
    client.send("case list", "GET", f"{client.shared.base}/cases", params=params)


def _case_page(client: Client) -> None:
    case_id = client.rng.choice(client.member.case_ids)
    client.send("case page", "GET", f"{client.shared.base}/cases/{case_id}")


def _page(kind: str, path: str) -> Callable[[Client], None]:
    def load(client: Client) -> None:
        client.send(kind, "GET", client.shared.base + path)

    return load


def _send_message(client: Client) -> None:
    household = client.rng.choice(client.shared.writable)
    url = f"{client.shared.base}/api/cases/{household.case_id}/messages"
    body = {"body": client.rng.choice(TEAM_TEXTS)}
    response = client.send("send message", "POST", url, json=body, headers=_bearer(client))
    client.team_sent += response is not None and response.status_code == 201


def _case_search(client: Client) -> None:
    household = client.rng.choice(client.shared.world.households)
    params = client.rng.choice(
        ({"q": household.reference}, {"status": "contacting", "per_page": "20"})
    )
    url = f"{client.shared.base}/api/cases"
    client.send("case search", "GET", url, params=params, headers=_bearer(client))


def _case_messages(client: Client) -> None:
    household = client.rng.choice(client.shared.writable)
    url = f"{client.shared.base}/api/cases/{household.case_id}/messages"
    client.send("case messages", "GET", url, headers=_bearer(client))


def _bearer(client: Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.shared.world.members[0].token}"}  # coordinator


ACTIONS: dict[str, Callable[[Client], None]] = {
    "inbound": _inbound,
    "status": _status,
    "inbox feed": _inbox_feed,
    "case list": _case_list,
    "case page": _case_page,
    "inbox page": _page("inbox page", "/"),
    "agenda": _page("agenda", "/agenda"),
    "indicators": _page("indicators", "/indicators"),
    "send message": _send_message,
    "case search": _case_search,
    "case messages": _case_messages,
}


def weights(groups: dict[str, float]) -> dict[str, float]:
    """Each endpoint's share of the requests, from the groups' shares."""
    shares = {"inbound": groups["inbound"], "status": groups["status"]}
    for group, parts in (("pages", PAGES), ("api", API)):
        total = sum(parts.values())
        shares.update({kind: groups[group] * part / total for kind, part in parts.items()})
    return shares


# --- running the load ---------------------------------------------------------------------------


def sign_in(http: httpx.Client, base: str, member: Member) -> None:
    """Through the real form: its CSRF field and nonce cookie, then the session cookie."""
    page = http.get(f"{base}/login")
    found = _CSRF.search(page.text)
    form = {"email": member.email, "password": PASSWORD, "csrf": found.group(1) if found else ""}
    answer = http.post(f"{base}/login", data={**form, "next": "/"})
    if answer.status_code != 303 or "av_session" not in http.cookies:
        raise SystemExit(f"sign-in failed for a team member: HTTP {answer.status_code}")


def make_clients(shared: Shared, count: int) -> list[Client]:
    clients = []
    for index in range(count):
        member = shared.world.members[index % len(shared.world.members)]
        http = httpx.Client(timeout=30)
        sign_in(http, shared.base, member)
        clients.append(Client(index, http, shared, member, random.Random(index)))
    return clients


def run(clients: list[Client], shares: dict[str, float], seconds: float, tour: bool) -> float:
    """Every client draws requests for `seconds`; the elapsed time."""
    stop_at = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_loop, args=(client, shares, stop_at, tour)) for client in clients
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def _loop(client: Client, shares: dict[str, float], stop_at: float, tour: bool) -> None:
    kinds, chances = list(shares), list(shares.values())
    # The first client starts with one request of each kind, and ends that tour even past the
    # stop: even a short smoke run on a busy machine measures all.
    first = list(kinds) if tour and client.index == 0 else []
    while first or time.monotonic() < stop_at:
        kind = first.pop(0) if first else client.rng.choices(kinds, chances)[0]
        ACTIONS[kind](client)
