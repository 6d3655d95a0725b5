"""Signing in with an e-mail and a password: a lockout that holds under concurrency.

Five wrong passwords in a row lock the account for 15 minutes; while it is locked even the right
password is refused, so guessing cannot go on in the background.

The attempt is counted *before* the password is checked, in one atomic statement
(`UPDATE … SET failed_logins = failed_logins + 1 … RETURNING`): twelve or thirty sign-ins sent at
once on one account get exactly five password checks before the lock, on SQLite and PostgreSQL
alike. A right password clears the count. The slow part (argon2, about 50 ms of CPU) runs outside
any transaction, so a sign-in never holds a database connection or SQLite's write lock while it
hashes. Unknown e-mails cost the same hash, so the time of the answer does not say which e-mails
exist; the caller gives the same answer to every refusal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session, sessionmaker

from outreach import audit
from outreach.clock import Clock
from outreach.db import transaction
from outreach.models import TeamUser
from outreach.team.passwords import (
    MAX_LENGTH,
    rehash_if_needed,
    verify_nothing,
    verify_password,
)

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)


class LoginOutcome(StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"  # unknown e-mail, inactive account or wrong password
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: TeamUser | None = None


@dataclass(frozen=True)
class _Attempt:
    user_id: int
    password_hash: str
    count: int  # this attempt's number in the current series, MAX_FAILURES locks


def sign_in(
    sessions: sessionmaker[Session], *, clock: Clock, email: str, password: str
) -> LoginResult:
    """Check an e-mail and password in short transactions of its own; count the failures."""
    password = password[:MAX_LENGTH]
    with transaction(sessions) as session:
        user = session.scalar(select(TeamUser).where(TeamUser.email == email.strip().lower()))
        if user is not None and not (user.active and user.password_hash):
            user = None  # an inactive account, or one without a password, is unknown here
        attempt = _count_attempt(session, clock=clock, user=user) if user else None
    if user is None:
        verify_nothing(password)
        _record(sessions, clock, "auth.login_failed", known=False)
        return LoginResult(LoginOutcome.BAD_CREDENTIALS)
    if attempt is None:  # locked: the right password is refused too, after the same work
        verify_nothing(password)
        _record(sessions, clock, "auth.login_locked", user_id=user.id)
        return LoginResult(LoginOutcome.LOCKED)
    if verify_password(attempt.password_hash, password):
        return _success(sessions, clock=clock, attempt=attempt, password=password)
    if attempt.count < MAX_FAILURES:
        _record(sessions, clock, "auth.login_failed", user_id=attempt.user_id)
        return LoginResult(LoginOutcome.BAD_CREDENTIALS)
    _record(sessions, clock, "auth.locked", user_id=attempt.user_id)
    log.warning("team user %s locked after %s failed sign-ins", attempt.user_id, MAX_FAILURES)
    return LoginResult(LoginOutcome.LOCKED)


def _count_attempt(session: Session, *, clock: Clock, user: TeamUser) -> _Attempt | None:
    """Count one more attempt, or None when the account is locked.

    The attempt that reaches MAX_FAILURES sets the lock at once: if its password turns out right,
    the success clears it; if the process dies meanwhile, the lock still ends on time."""
    now = clock.now()
    lock_over = TeamUser.locked_until.is_not(None) & (TeamUser.locked_until <= now)
    count = case((lock_over, 1), else_=TeamUser.failed_logins + 1)
    statement = (
        update(TeamUser)
        .where(TeamUser.id == user.id)
        .where(TeamUser.locked_until.is_(None) | (TeamUser.locked_until <= now))
        .values(
            failed_logins=count,
            locked_until=case((count >= MAX_FAILURES, now + LOCK_DURATION), else_=None),
        )
        .returning(TeamUser.failed_logins)
        .execution_options(synchronize_session=False)
    )
    counted = session.execute(statement).scalar_one_or_none()
    if counted is None:
        return None
    return _Attempt(user_id=user.id, password_hash=user.password_hash or "", count=counted)


def _success(
    sessions: sessionmaker[Session], *, clock: Clock, attempt: _Attempt, password: str
) -> LoginResult:
    with transaction(sessions) as session:
        session.execute(
            update(TeamUser)
            .where(TeamUser.id == attempt.user_id)
            .values(failed_logins=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )
        user = session.get_one(TeamUser, attempt.user_id, populate_existing=True)
        rehash_if_needed(user, password)
        audit.record(session, clock=clock, actor=user, action="auth.login")
        return LoginResult(LoginOutcome.OK, user)


def _record(sessions: sessionmaker[Session], clock: Clock, action: str, **detail: object) -> None:
    with transaction(sessions) as session:
        audit.record(session, clock=clock, actor=None, action=action, **detail)
