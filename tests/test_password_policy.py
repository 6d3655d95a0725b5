"""The password policy (issue #13): at least 12 characters, not a common password (French ones
included, even with digits around), hard to guess; every refusal says why, in French."""

from __future__ import annotations

import pytest

from outreach.team.passwords import PasswordError, check_strength


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password12", "au moins 12 caractères"),
        ("azertyuiop", "au moins 12 caractères"),
        ("azertyuiop12", "fait partie des plus courants"),
        ("motdepasse123", "fait partie des plus courants"),
        ("!!marseille2024", "fait partie des plus courants"),
        ("123456789012", "trop facile à deviner"),
        ("aaaaaaaaaaaa", "trop facile à deviner"),
        ("loulou123456", "trop facile à deviner"),
        (" une phrase avec espace", "commencer ni finir par une espace"),
    ],
)
def test_it_refuses_weak_passwords_saying_why(password: str, reason: str) -> None:
    with pytest.raises(PasswordError) as refused:
        check_strength(password)
    assert reason in str(refused.value)


def test_what_an_attacker_knows_of_the_user_does_not_count_as_secret() -> None:
    check_strength("camilleexemple")
    with pytest.raises(PasswordError, match="trop facile à deviner"):
        check_strength(
            "camilleexemple", personal=["camille.exemple@example.org", "camille", "exemple"]
        )


@pytest.mark.parametrize(
    "password", ["un mot de passe solide", "demo-allervers", "Paris2026!!!", "cheval agrafe pile"]
)
def test_it_accepts_long_unusual_passwords(password: str) -> None:
    check_strength(password)
