"""Deep-link tokens that let a household link a messenger account (Telegram) to its case.

The team sends `t.me/<bot>?start=<token>` by SMS; the household opens it and the bot receives
`/start <token>`. The token is opaque and random (192 bits), says nothing about the household,
works once and expires. Only its SHA-256 hash is stored: a database leak gives no usable link.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from outreach.clock import Clock
from outreach.models import Case, ChannelLinkToken, ContactPoint
from outreach.sending.channels import BY_NAME, DEEP_LINK_CHANNELS

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(days=30)
TOKEN_BYTES = 24  # 192 bits; token_urlsafe gives 32 characters, within Telegram's 64 for /start


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link_token(
    session: Session,
    *,
    clock: Clock,
    case_id: int,
    channel: str = "telegram",
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    """A new single-use token for that case; returned once, stored only as a hash."""
    if channel not in DEEP_LINK_CHANNELS:
        raise ValueError(f"no deep links for channel {channel!r}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    session.add(
        ChannelLinkToken(
            token_hash=hash_token(token),
            channel=channel,
            case_id=case_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    log.info("link token issued for case %s on %s", case_id, channel)
    return token


def deep_link(bot_username: str, token: str) -> str:
    """The link to send by SMS: opening it starts the bot with the token."""
    return f"https://t.me/{bot_username.removeprefix('@')}?start={token}"


def redeem_link_token(
    session: Session, *, clock: Clock, token: str, chat_id: str, channel: str = "telegram"
) -> Case | None:
    """Link `chat_id` to the token's case; None when the token is unknown, used or expired.

    The token is spent with a conditional update, so two concurrent uses cannot both succeed.
    """
    if not token or channel not in DEEP_LINK_CHANNELS:
        return None
    now = clock.now()
    row = session.scalar(
        select(ChannelLinkToken).where(
            ChannelLinkToken.token_hash == hash_token(token), ChannelLinkToken.channel == channel
        )
    )
    if row is None or not _spend(session, row_id=row.id, now=now):
        log.info("link token refused (unknown, used or expired)")
        return None
    case = session.get_one(Case, row.case_id)
    _attach(session, case=case, kind=BY_NAME[channel].contact_kind, value=chat_id, clock=clock)
    case.updated_at = now
    session.flush()
    log.info("link token redeemed: case %s now reachable on %s", case.id, channel)
    return case


def _spend(session: Session, *, row_id: int, now: datetime) -> bool:
    result = session.execute(
        update(ChannelLinkToken)
        .where(
            ChannelLinkToken.id == row_id,
            ChannelLinkToken.used_at.is_(None),
            ChannelLinkToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _attach(session: Session, *, case: Case, kind: str, value: str, clock: Clock) -> ContactPoint:
    """The case's contact point for that account, created or made usable again."""
    point = session.scalar(
        select(ContactPoint).where(
            ContactPoint.case_id == case.id, ContactPoint.kind == kind, ContactPoint.value == value
        )
    )
    if point is None:
        last = session.scalar(
            select(func.max(ContactPoint.position)).where(ContactPoint.case_id == case.id)
        )
        point = ContactPoint(
            kind=kind,
            value=value,
            line_type="unknown",
            sms_capable=False,
            position=(last or 0) + 1,
            created_at=clock.now(),
        )
        case.contact_points.append(point)
    else:
        # Linking again after blocking the bot means the household wants it back.
        point.state = "ok"
        point.state_reason = None
    return point
