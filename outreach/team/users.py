"""Team members and their API tokens (shown once, stored hashed), and cutting a member off.

An API token lives one year (TOKEN_LIFETIME) and is renewed by rotating it; its last use is kept
(to the minute) so a coordinator sees tokens nobody uses any more. Deactivating a member ends at
once their web sessions, their API token and their calendar feed; reactivating gives none of
them back (a new token is rotated, a new feed created, a new sign-in made).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import gettext
from outreach import audit
from outreach.booking.calendar_feed import revoke_feed
from outreach.clock import Clock
from outreach.models import ROLES, Sector, TeamUser
from outreach.team.login_sessions import revoke_all_sessions

TOKEN_LIFETIME = timedelta(days=365)
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write a minute per token

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(ValueError):
    """A team member cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class NewUser:
    user: TeamUser
    token: str  # the only time the clear token exists


def hash_token(token: str) -> str:
    # API tokens carry 256 random bits: a fast hash is enough, unlike passwords.
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    session: Session,
    *,
    clock: Clock,
    email: str,
    name: str,
    role: str,
    sector_codes: tuple[str, ...] = (),
) -> NewUser:
    """Create a team member with a fresh API token."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise UserError(gettext("invalid e-mail address: {email}", email=repr(email)))
    if role not in ROLES:
        raise UserError(
            gettext(
                "unknown role: {role} (expected: {roles})",
                role=repr(role),
                roles=", ".join(ROLES),
            )
        )
    if not name.strip():
        raise UserError(gettext("the name is required"))
    if session.scalar(select(TeamUser.id).where(TeamUser.email == email)) is not None:
        raise UserError(
            gettext("a team member already exists with the address {email}", email=email)
        )
    sectors = _sectors(session, sector_codes)
    token = secrets.token_urlsafe(32)
    user = TeamUser(
        email=email,
        name=name.strip(),
        role=role,
        api_token_hash=hash_token(token),
        api_token_expires_at=clock.now() + TOKEN_LIFETIME,
        active=True,
        failed_logins=0,
        created_at=clock.now(),
        sectors=sectors,
    )
    session.add(user)
    session.flush()
    return NewUser(user=user, token=token)


def rotate_token(
    session: Session, *, clock: Clock, user: TeamUser, actor: TeamUser | None = None
) -> str:
    """A new API token for `user`, valid TOKEN_LIFETIME; the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = hash_token(token)
    user.api_token_expires_at = clock.now() + TOKEN_LIFETIME
    user.api_token_last_used_at = None
    audit.record(session, clock=clock, actor=actor, action="user.token_rotated", user_id=user.id)
    session.flush()
    return token


def revoke_token(session: Session, *, user: TeamUser) -> None:
    user.api_token_hash = None
    user.api_token_expires_at = None
    session.flush()


def user_for_token(session: Session, token: str, *, clock: Clock) -> TeamUser | None:
    """The active member whose live token this is (not expired); notes when it was used."""
    user = session.scalar(select(TeamUser).where(TeamUser.api_token_hash == hash_token(token)))
    now = clock.now()
    if user is None or not user.active:
        return None
    if user.api_token_expires_at is None or user.api_token_expires_at <= now:
        return None
    last = user.api_token_last_used_at
    if last is None or now - last >= LAST_USED_PRECISION:
        user.api_token_last_used_at = now
    return user


def find_user(session: Session, email: str) -> TeamUser:
    user = session.scalar(select(TeamUser).where(TeamUser.email == email.strip().lower()))
    if user is None:
        raise UserError(gettext("no team member has the address {email}", email=email.strip()))
    return user


def list_users(session: Session) -> list[TeamUser]:
    return list(session.scalars(select(TeamUser).order_by(TeamUser.name, TeamUser.id)))


def deactivate(session: Session, *, clock: Clock, user: TeamUser, actor: TeamUser | None) -> None:
    """Cut a member off: no sign-in, and their sessions, API token and calendar feed end now."""
    if actor is not None and actor.id == user.id:
        raise UserError(gettext("you cannot deactivate your own account"))
    user.active = False
    end_access(session, clock=clock, user=user)
    audit.record(session, clock=clock, actor=actor, action="user.deactivated", user_id=user.id)
    session.flush()


def reactivate(session: Session, *, clock: Clock, user: TeamUser, actor: TeamUser | None) -> None:
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, clock=clock, actor=actor, action="user.reactivated", user_id=user.id)
    session.flush()


def end_access(session: Session, *, clock: Clock, user: TeamUser) -> None:
    """End every way in a member holds: web sessions, API token, calendar feed."""
    revoke_all_sessions(session, clock=clock, user_id=user.id)
    revoke_token(session, user=user)
    revoke_feed(session, clock=clock, worker=user, actor=None)


def _sectors(session: Session, codes: tuple[str, ...]) -> list[Sector]:
    if not codes:
        return []
    found = list(session.scalars(select(Sector).where(Sector.code.in_(codes))))
    missing = sorted(set(codes) - {sector.code for sector in found})
    if missing:
        raise UserError(gettext("unknown sector(s): {codes}", codes=", ".join(missing)))
    return found
