"""Team members and their API tokens (shown once, stored hashed)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import gettext
from outreach.clock import Clock
from outreach.models import ROLES, Sector, TeamUser

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
        active=True,
        failed_logins=0,
        created_at=clock.now(),
        sectors=sectors,
    )
    session.add(user)
    session.flush()
    return NewUser(user=user, token=token)


def rotate_token(session: Session, *, user: TeamUser) -> str:
    token = secrets.token_urlsafe(32)
    user.api_token_hash = hash_token(token)
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> TeamUser | None:
    user = session.scalar(select(TeamUser).where(TeamUser.api_token_hash == hash_token(token)))
    if user is None or not user.active:
        return None
    return user


def _sectors(session: Session, codes: tuple[str, ...]) -> list[Sector]:
    if not codes:
        return []
    found = list(session.scalars(select(Sector).where(Sector.code.in_(codes))))
    missing = sorted(set(codes) - {sector.code for sector in found})
    if missing:
        raise UserError(gettext("unknown sector(s): {codes}", codes=", ".join(missing)))
    return found
