"""Team passwords (argon2id) and sign-in with a lockout after repeated failures.

Five wrong passwords in a row lock the account for 15 minutes; while it is locked even the right
password is refused, so guessing cannot go on in the background. Times come from the clock.

A new password has at least 12 characters (ANSSI, "Recommandations relatives à l'authentification
multifacteur et aux mots de passe", 2021: 12 or more for a password that protects personal data
behind a lockout), is not one of the most common passwords (zxcvbn's list of 30,000 from public
leaks, which holds the French favourites: azerty, motdepasse, soleil, marseille, jetaime…), even
with digits or signs added around it, and zxcvbn's estimate says it resists guessing (score ≥ 3).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from messages import gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import LoginSession, TeamUser

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
MIN_LENGTH = 12
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable" against an online attack with a lockout
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])
_AROUND = "0123456789 !?.,;:_-*#@$%&+=/\\'\"()[]{}"
MAX_LENGTH = 200  # argon2 takes any length; a limit keeps a huge body from costing CPU

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


class PasswordError(ValueError):
    """The password cannot be used; the message (translated, French first) says why."""


class LoginOutcome(StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"  # unknown e-mail, inactive account or wrong password
    LOCKED = "locked"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: TeamUser | None = None


def hash_password(password: str, *, personal: Sequence[str] = ()) -> str:
    check_strength(password, personal=personal)
    return _hasher.hash(password)


def check_strength(password: str, *, personal: Sequence[str] = ()) -> None:
    """Refuse a password that is too short, too long, common or easy to guess, saying why.

    `personal` holds what an attacker knows of the user (e-mail, name): zxcvbn counts it as guessed.
    """
    if len(password) < MIN_LENGTH:
        raise PasswordError(
            gettext("the password must be at least {minimum} characters long", minimum=MIN_LENGTH)
        )
    if len(password) > MAX_LENGTH:
        raise PasswordError(
            gettext("the password can be at most {maximum} characters long", maximum=MAX_LENGTH)
        )
    if password.strip() != password or not password.strip():
        raise PasswordError(gettext("the password cannot start or end with a space"))
    folded = password.lower()
    if folded in COMMON_PASSWORDS or folded.strip(_AROUND) in COMMON_PASSWORDS:
        raise PasswordError(
            gettext("this password is one of the most common ones: choose another one")
        )
    if zxcvbn(password, user_inputs=[word for word in personal if word])["score"] < MIN_SCORE:
        raise PasswordError(
            gettext(
                "this password is too easy to guess: make it longer, for example with "
                "several words that have nothing to do with each other"
            )
        )


def set_password(session: Session, *, clock: Clock, user: TeamUser, password: str) -> None:
    """Store a new password, unlock the account and end its open browser sessions."""
    user.password_hash = hash_password(password, personal=personal_words(user))
    user.failed_logins = 0
    user.locked_until = None
    revoke_all_sessions(session, clock=clock, user_id=user.id)
    audit.record(session, clock=clock, actor=None, action="user.password_set", user_id=user.id)
    session.flush()


def personal_words(user: TeamUser) -> list[str]:
    """What an attacker may know of a team member: the parts of their e-mail and name."""
    words = [user.email or "", *(user.email or "").split("@")[0].replace("-", ".").split(".")]
    return [word for word in [*words, *(user.name or "").split()] if word]


def revoke_all_sessions(session: Session, *, clock: Clock, user_id: int) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def authenticate(session: Session, *, clock: Clock, email: str, password: str) -> LoginResult:
    """Check an e-mail and password, counting failures; the caller commits."""
    user = session.scalar(select(TeamUser).where(TeamUser.email == email.strip().lower()))
    now = clock.now()
    if user is None or not user.active or not user.password_hash:
        _verify(_DUMMY_HASH, password)
        audit.record(session, clock=clock, actor=None, action="auth.login_failed", known=False)
        return LoginResult(LoginOutcome.BAD_CREDENTIALS)
    if user.locked_until is not None and user.locked_until > now:
        audit.record(session, clock=clock, actor=None, action="auth.login_locked", user_id=user.id)
        return LoginResult(LoginOutcome.LOCKED)
    if not _verify(user.password_hash, password[:MAX_LENGTH]):
        return _failure(session, clock=clock, user=user)
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record(session, clock=clock, actor=user, action="auth.login")
    return LoginResult(LoginOutcome.OK, user)


def _failure(session: Session, *, clock: Clock, user: TeamUser) -> LoginResult:
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins < MAX_FAILURES:
        audit.record(session, clock=clock, actor=None, action="auth.login_failed", user_id=user.id)
        return LoginResult(LoginOutcome.BAD_CREDENTIALS)
    user.failed_logins = 0
    user.locked_until = clock.now() + LOCK_DURATION
    audit.record(session, clock=clock, actor=None, action="auth.locked", user_id=user.id)
    log.warning("team user %s locked after %s failed sign-ins", user.id, MAX_FAILURES)
    return LoginResult(LoginOutcome.LOCKED)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
