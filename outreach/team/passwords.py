"""Team passwords: argon2id hashes and the policy a new password must meet.

Signing in (the lockout after repeated failures) lives in `outreach.team.sign_in`.

A new password has at least 12 characters (ANSSI, "Recommandations relatives à l'authentification
multifacteur et aux mots de passe", 2021: 12 or more for a password that protects personal data
behind a lockout), is not one of the most common passwords (zxcvbn's list of 30,000 from public
leaks, which holds the French favourites: azerty, motdepasse, soleil, marseille, jetaime…), even
with digits or signs added around it, and zxcvbn's estimate says it resists guessing (score ≥ 3).
"""

from __future__ import annotations

from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from messages import gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import TeamUser
from outreach.team.login_sessions import revoke_all_sessions
from outreach.team.users import end_access

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
    """Store a new password, unlock the account and end its open browser sessions.

    A *change* (the member had a password) also ends the API token and the calendar feed: whoever
    learnt the old password may have taken them. The member rotates a new token afterwards."""
    changed = user.password_hash is not None
    user.password_hash = hash_password(password, personal=personal_words(user))
    user.failed_logins = 0
    user.locked_until = None
    if changed:
        end_access(session, clock=clock, user=user)
    else:
        revoke_all_sessions(session, clock=clock, user_id=user.id)
    audit.record(session, clock=clock, actor=None, action="user.password_set", user_id=user.id)
    session.flush()


def personal_words(user: TeamUser) -> list[str]:
    """What an attacker may know of a team member: the parts of their e-mail and name."""
    words = [user.email or "", *(user.email or "").split("@")[0].replace("-", ".").split(".")]
    return [word for word in [*words, *(user.name or "").split()] if word]


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> None:
    """Spend the time of a real check, so a refusal takes as long whatever the reason."""
    verify_password(_DUMMY_HASH, password)


def rehash_if_needed(user: TeamUser, password: str) -> None:
    """Upgrade a stored hash made with older argon2 parameters, after a right password."""
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
