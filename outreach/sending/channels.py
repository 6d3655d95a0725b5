"""The channel table: every channel the bot can write on, one row each, and what the rest of the
code may ask about them.

Settings (which names ALLERVERS_CHANNELS accepts), sending (which contact point a channel writes
to, in which order channels are tried), sequence files (which channels a step may name), inbound
(which contact points a reply can come from), deep links, the timeline's labels and the wiring in
api/ all read this table instead of keeping their own lists. Adding a channel means one module in
bot/, one webhook module in api/webhooks/, one row here and its builder in api/wiring.py (a test
checks that every row has one).

The domain does not import bot/: a row names its channel, and the composition root (api/wiring.py)
maps that name to the class that sends.

A postal letter is not a row: nothing sends it, reports its delivery or receives a reply on it. It
is a sequence step of its own kind (outreach/letters says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from messages import N_, gettext

# What a channel's address is: a phone number (E.164) or a messenger's chat id. A reply is matched
# to the case's contact points holding the same kind of address.
AddressKind = Literal["phone_number", "chat_id"]


@dataclass(frozen=True)
class ChannelSpec:
    name: str  # Message.channel, ALLERVERS_CHANNELS, sequence files: never renamed
    # What the team pages show: a brand name is the same in every language; other labels are
    # English msgids (N_) that `channel_label` translates with the messages/ catalog.
    label: str
    contact_kind: str  # the ContactPoint.kind the channel writes to
    address_kind: AddressKind
    # The channel carries SMS text, so it needs a contact point that can receive SMS
    # (ContactPoint.sms_capable: not a landline). Landlords are written to on these channels.
    sms_capable: bool
    preference: int  # the order in which `best_route` tries the enabled channels, lowest first
    # A sequence step that names no channel tries the channels that have this, in table order.
    default_for_steps: bool = False
    # A household can link its account to its case with a deep link (outreach/links.py).
    deep_link: bool = False
    # This channel replaces `stands_in_for` when that one is off (the sandbox is a simulated phone).
    stands_in_for: str | None = None
    development_only: bool = False  # the settings refuse it in production
    # The provider's sending rate, the default of ALLERVERS_RATE_LIMITS ("10/s"); None: no limit.
    rate: str | None = None
    # False: the channel only listens (the team's number answering calls); nothing is sent on
    # it, it needs no builder in api/wiring.py and is never tried for a message.
    sends: bool = True
    # Whose account carries it ("twilio", "telegram"; "" for the simulated phone): what
    # `allervers doctor` checks for it.
    provider: str = ""


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "sms", "SMS", "phone", "phone_number", sms_capable=True, preference=2,
        default_for_steps=True, rate="10/s", provider="twilio",
    ),
    ChannelSpec(
        "whatsapp", "WhatsApp", "whatsapp", "phone_number", sms_capable=False, preference=3,
        default_for_steps=True, rate="20/s", provider="twilio",
    ),
    ChannelSpec(
        "telegram", "Telegram", "telegram", "chat_id", sms_capable=False, preference=1,
        default_for_steps=True, deep_link=True, rate="25/s", provider="telegram",
    ),
    ChannelSpec(
        "sandbox", N_("sandbox"), "phone", "phone_number", sms_capable=True, preference=0,
        stands_in_for="sms", development_only=True,
    ),
    ChannelSpec(
        "voice", N_("phone call"), "phone", "phone_number", sms_capable=False, preference=9,
        sends=False, provider="twilio",
    ),
)  # fmt: skip

BY_NAME: dict[str, ChannelSpec] = {spec.name: spec for spec in CHANNELS}
CHANNEL_NAMES: tuple[str, ...] = tuple(BY_NAME)
# The channels that send (each has a builder in api/wiring.py).
SENDING_CHANNELS: tuple[str, ...] = tuple(spec.name for spec in CHANNELS if spec.sends)
# The order in which a household's channels are tried when nothing else says which one to use.
PREFERENCE: tuple[str, ...] = tuple(
    spec.name for spec in sorted(CHANNELS, key=lambda spec: spec.preference) if spec.sends
)
# What a sequence step that says no `channels =` tries.
DEFAULT_STEP_CHANNELS: tuple[str, ...] = tuple(
    spec.name for spec in CHANNELS if spec.default_for_steps
)
# Channels that send SMS text to a phone, the real ones first (landlords are written to on these).
SMS_CHANNELS: tuple[str, ...] = tuple(
    spec.name
    for spec in sorted(CHANNELS, key=lambda spec: spec.development_only)
    if spec.sms_capable
)
DEEP_LINK_CHANNELS: tuple[str, ...] = tuple(spec.name for spec in CHANNELS if spec.deep_link)
# The default of ALLERVERS_RATE_LIMITS: "sms=10/s, whatsapp=20/s, telegram=25/s".
DEFAULT_RATE_LIMITS = ", ".join(f"{spec.name}={spec.rate}" for spec in CHANNELS if spec.rate)


def channels_of(provider: str) -> tuple[str, ...]:
    """The channels a provider's account carries ("twilio": sms, whatsapp, voice)."""
    return tuple(spec.name for spec in CHANNELS if spec.provider == provider)


def channel_spec(name: str) -> ChannelSpec | None:
    return BY_NAME.get(name)


def channel_label(name: str) -> str:
    """The channel's label for the team pages; a name outside the table (a consent given at a
    visit: "visit") as it is."""
    spec = BY_NAME.get(name)
    return gettext(spec.label) if spec is not None else name


def contact_kind_label(kind: str) -> str:
    """How the team pages name a contact point kind: by its first real channel ("phone": SMS)."""
    for spec in sorted(CHANNELS, key=lambda spec: spec.development_only):
        if spec.contact_kind == kind:
            return channel_label(spec.name)
    return kind


def reply_contact_kinds(channel: str) -> tuple[str, ...]:
    """The contact point kinds a message received on `channel` can come from: every kind that
    holds the same kind of address (an SMS may come from a number first known on WhatsApp).

    A name outside the table is taken as a phone number, as providers other than messengers use.
    """
    received_on = BY_NAME.get(channel)
    address = received_on.address_kind if received_on is not None else "phone_number"
    return tuple(
        dict.fromkeys(spec.contact_kind for spec in CHANNELS if spec.address_kind == address)
    )


def phone_contact_kinds() -> tuple[str, ...]:
    """The contact point kinds that are a phone number (SMS, WhatsApp…)."""
    return tuple(
        dict.fromkeys(spec.contact_kind for spec in CHANNELS if spec.address_kind == "phone_number")
    )


def stand_in(channel: str, enabled: tuple[str, ...]) -> str:
    """`channel`, or when it is off, an enabled channel that stands in for it (development: the
    sandbox for SMS)."""
    if channel in enabled:
        return channel
    for spec in CHANNELS:
        if spec.stands_in_for == channel and spec.name in enabled:
            return spec.name
    return channel
