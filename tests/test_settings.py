"""Configuration: defaults, and a bad value stops start-up with the variable's name."""

from __future__ import annotations

import subprocess
import sys

import pytest

from outreach.settings import SettingsError, load_settings
from tests.production import PUBLIC_HTTPS, STRONG_SECRET

STRONG = STRONG_SECRET


def test_it_defaults_to_a_local_sqlite_file_in_development() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///./allervers.db"
    assert settings.env == "development"
    assert settings.enabled_channels == ("sandbox",)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ALLERVERS_ENV", "prod"),
        ("ALLERVERS_DATABASE_URL", "mysql://localhost/x"),
        ("ALLERVERS_PUBLIC_URL", "allervers.example.org"),
        ("ALLERVERS_NOW", "demain"),
        ("ALLERVERS_CHANNELS", "sms,pigeon"),
    ],
)
def test_it_names_the_variable_of_a_bad_value(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        load_settings(**{variable: value})


def test_it_refuses_production_with_the_default_secret() -> None:
    with pytest.raises(SettingsError, match="ALLERVERS_SECRET_KEY"):
        load_settings(ALLERVERS_ENV="production", ALLERVERS_CHANNELS="sms")


def test_it_refuses_a_fixed_clock_in_production() -> None:
    with pytest.raises(SettingsError, match="ALLERVERS_NOW"):
        load_settings(
            ALLERVERS_ENV="production",
            ALLERVERS_SECRET_KEY=STRONG,
            ALLERVERS_CHANNELS="sms",
            ALLERVERS_NOW="2026-03-01T10:00",
            ALLERVERS_PUBLIC_URL=PUBLIC_HTTPS,
        )


def test_it_accepts_a_complete_production_configuration() -> None:
    settings = load_settings(
        ALLERVERS_ENV="production",
        ALLERVERS_SECRET_KEY=STRONG,
        ALLERVERS_CHANNELS="sms,telegram",
        ALLERVERS_PUBLIC_URL=PUBLIC_HTTPS,
        ALLERVERS_ORGANISATION_NAME="Association Fictive",
        ALLERVERS_TEAM_PHONE="01 99 00 45 67",
    )
    assert settings.is_production
    assert settings.enabled_channels == ("sms", "telegram")
    assert settings.identity.values() == {
        "organisation": "Association Fictive",
        "phone": "01 99 00 45 67",
    }


def test_production_refuses_the_demonstration_organisation_and_phone() -> None:
    with pytest.raises(SettingsError, match="ALLERVERS_ORGANISATION_NAME"):
        load_settings(
            ALLERVERS_ENV="production",
            ALLERVERS_SECRET_KEY=STRONG,
            ALLERVERS_CHANNELS="sms",
            ALLERVERS_PUBLIC_URL=PUBLIC_HTTPS,
        )


def test_the_command_line_stops_with_the_variable_name(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from api.cli.main import main; main()", "db", "upgrade"],
        env={"ALLERVERS_ENV": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "ALLERVERS_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("secret", ["a" * 40, "ab" * 20, "abcd" * 10, "0123456789" * 4])
def test_it_refuses_a_low_entropy_secret_in_production(secret: str) -> None:
    with pytest.raises(SettingsError, match="ALLERVERS_SECRET_KEY"):
        load_settings(
            ALLERVERS_ENV="production",
            ALLERVERS_SECRET_KEY=secret,
            ALLERVERS_CHANNELS="sms",
            ALLERVERS_PUBLIC_URL=PUBLIC_HTTPS,
        )


def test_it_refuses_a_plain_http_public_url_in_production() -> None:
    with pytest.raises(SettingsError, match="ALLERVERS_PUBLIC_URL"):
        load_settings(
            ALLERVERS_ENV="production",
            ALLERVERS_SECRET_KEY=STRONG,
            ALLERVERS_CHANNELS="sms",
            ALLERVERS_PUBLIC_URL="http://equipe.example.org",
        )


def test_the_development_defaults_are_fictional() -> None:
    """The demonstration number is in ARCEP's range for fiction (01 99 00 xx xx), so no real
    person is called from a demo; the organisation's name says it is an example."""
    from outreach.sending.identity import DEMO_ORGANISATION, DEMO_PHONE

    assert DEMO_PHONE.replace(" ", "").startswith("019900")
    assert "Exemple" in DEMO_ORGANISATION
