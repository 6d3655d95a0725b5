"""Browser sessions of the team web app: a random token in a cookie, its hash in the database.

Sessions are stored server side so that signing out (or a new password) really ends them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach import audit
from outreach.clock import Clock
from outreach.models import LoginSession, TeamUser

SESSION_LIFETIME = timedelta(hours=12)  # one working day, then sign in again


@dataclass(frozen=True)
class NewLoginSession:
    token: str  # goes into the cookie, never stored
    session_id: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, *, clock: Clock, user: TeamUser) -> NewLoginSession:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = LoginSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    session.flush()
    return NewLoginSession(token=token, session_id=row.id)


def user_for_session(session: Session, *, clock: Clock, token: str) -> TeamUser | None:
    """The active user of a live (not expired, not revoked) session."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        return None
    user = session.get(TeamUser, row.user_id)
    if user is None or not user.active:
        return None
    return user


def end_session(session: Session, *, clock: Clock, token: str) -> None:
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = clock.now()
    user = session.get(TeamUser, row.user_id)
    audit.record(session, clock=clock, actor=user, action="auth.logout")


def revoke_all_sessions(session: Session, *, clock: Clock, user_id: int) -> None:
    """End every open browser session of a team member."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
