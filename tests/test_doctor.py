"""`allervers doctor` and `allervers providers configure`, against the Twilio and Telegram doubles,
a real SMTP server and both databases: every line of the checklist, right and wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import _register_optional_commands
from api.cli.main import app as cli
from api.ops import doctor
from tests.doubles.telegram_double import TOKEN, USERNAME, TelegramDouble
from tests.doubles.twilio_double import SENDER, TwilioDouble, app_settings
from tests.production import PRODUCTION, PUBLIC_HTTPS
from tests.smtp_support import free_port, running_smtp

_register_optional_commands()
SECRET = "webhook-secret-fiction-0123456789"
SMS_URL = f"{PUBLIC_HTTPS}/webhooks/twilio/sms"
VOICE_URL = f"{PUBLIC_HTTPS}/webhooks/twilio/voice"
TELEGRAM_URL = f"{PUBLIC_HTTPS}/webhooks/telegram"


@pytest.fixture
def telegram() -> Iterator[TelegramDouble]:
    double = TelegramDouble().start()
    yield double
    double.stop()


@pytest.fixture
def smtp_port() -> Iterator[int]:
    for controller, _ in running_smtp():
        yield int(controller.port)


@pytest.fixture
def instance(
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    tmp_path: Path,
    double: TwilioDouble,
    telegram: TelegramDouble,
    smtp_port: int,
) -> dict[str, str]:
    """A production instance configured right: the environment `allervers` reads."""
    values = {
        **PRODUCTION,
        **{key: str(value) for key, value in app_settings(double.base_url).items()},
        "ALLERVERS_CHANNELS": "sms,voice,telegram",
        "ALLERVERS_DATABASE_URL": db_url,
        "ALLERVERS_SPOOL_DIR": str(tmp_path / "var" / "spool"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "ALLERVERS_SMTP_HOST": "127.0.0.1",
        "ALLERVERS_SMTP_PORT": str(smtp_port),
        "ALLERVERS_SMTP_STARTTLS": "false",
        "ALLERVERS_SMTP_FROM": "equipe@example.org",
    }
    monkeypatch.delenv("ALLERVERS_NOW", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def _doctor() -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["doctor"])
    return result.exit_code, result.output.splitlines()


def test_a_well_configured_instance_passes_every_check(
    instance: dict[str, str], double: TwilioDouble, telegram: TelegramDouble, db_url: str
) -> None:
    double.add_number(SENDER, sms_url=SMS_URL, voice_url=VOICE_URL)
    telegram.webhook = {"url": TELEGRAM_URL, "secret": SECRET}
    code, lines = _doctor()
    clock = (
        "[OK] Horloge : SQLite utilise l'horloge de cette machine"
        if db_url.startswith("sqlite")
        else "[OK] Horloge à l'heure du serveur de base de données"
    )
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    port = instance["ALLERVERS_SMTP_PORT"]
    assert lines[0] == "Aller-Vers : vérification de l'installation"
    assert lines[1:15] == [
        f"[OK] Base de données joignable ({kind})",
        "[OK] Schéma de la base à jour",
        "[OK] Mode production (ALLERVERS_ENV=production)",
        "[OK] ALLERVERS_SECRET_KEY est robuste",
        f"[OK] ALLERVERS_PUBLIC_URL {PUBLIC_HTTPS}",
        "[OK] Twilio : identifiants valides",
        f"[OK] Twilio : le numéro {SENDER} existe",
        "[OK] Twilio : le webhook SMS pointe ici",
        "[OK] Twilio : le webhook voice pointe ici",
        f"[OK] Telegram : jeton valide (@{USERNAME})",
        "[OK] Telegram : le webhook pointe ici",
        f"[OK] Courriel : 127.0.0.1:{port} répond",
        clock,
        lines[14],
    ]
    assert lines[14].startswith("[OK] Disque : ")
    assert lines[15:] == ["Tout est en ordre."]
    assert code == 0


def test_a_badly_configured_instance_says_what_to_fix(
    instance: dict[str, str],
    double: TwilioDouble,
    telegram: TelegramDouble,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    double.add_number(SENDER, sms_url="https://ancien.example.org/sms")
    telegram.webhook = {"url": "https://ancien.example.org/tg", "secret": "old"}
    monkeypatch.setenv("ALLERVERS_DATABASE_URL", f"sqlite:///{tmp_path / 'vide.db'}")
    monkeypatch.setenv("ALLERVERS_ENV", "development")
    monkeypatch.setenv("ALLERVERS_SECRET_KEY", "trop-court")
    monkeypatch.setenv("ALLERVERS_PUBLIC_URL", "https://localhost:8443")
    monkeypatch.setenv("ALLERVERS_SMTP_PORT", str(free_port()))  # nobody listens
    monkeypatch.setattr(doctor, "MIN_FREE_BYTES", 1 << 62)
    code, lines = _doctor()
    local = "https://localhost:8443"
    assert code == 1
    assert lines[1:] == [
        "[OK] Base de données joignable (sqlite)",
        "[ÉCHEC] Schéma de la base pas à jour — à faire : lancer `allervers db upgrade`",
        "[ÉCHEC] Pas en mode production — à faire : mettre ALLERVERS_ENV=production",
        "[ÉCHEC] ALLERVERS_SECRET_KEY est faible ou celle de développement — à faire : choisir "
        "un secret aléatoire : python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
        f"[ÉCHEC] ALLERVERS_PUBLIC_URL {local} n'est pas joignable par les fournisseurs — à "
        "faire : indiquer l'adresse https publique de ce serveur, sans chemin (par ex. "
        "https://allervers.association.fr)",
        "[OK] Twilio : identifiants valides",
        f"[OK] Twilio : le numéro {SENDER} existe",
        "[ÉCHEC] Twilio : le webhook SMS est https://ancien.example.org/sms — à faire : lancer "
        f"`allervers providers configure` (attendu : POST {local}/webhooks/twilio/sms)",
        "[ÉCHEC] Twilio : le webhook voice est — — à faire : lancer "
        f"`allervers providers configure` (attendu : POST {local}/webhooks/twilio/voice)",
        f"[OK] Telegram : jeton valide (@{USERNAME})",
        "[ÉCHEC] Telegram : le webhook est https://ancien.example.org/tg — à faire : lancer "
        f"`allervers providers configure` (attendu : {local}/webhooks/telegram)",
        lines[12],
        "[OK] Horloge : SQLite utilise l'horloge de cette machine",
        lines[14],
        "9 vérification(s) en échec.",
    ]
    assert lines[12].startswith("[ÉCHEC] Courriel : 127.0.0.1:")
    assert lines[12].endswith(
        "injoignable (ConnectionRefusedError) — à faire : vérifier ALLERVERS_SMTP_HOST, "
        "ALLERVERS_SMTP_PORT et ALLERVERS_SMTP_STARTTLS"
    )
    assert lines[14].startswith("[ÉCHEC] Disque : ")
    assert lines[14].endswith("— à faire : libérer de la place (au moins 1 Gio)")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_refused_credentials_and_a_failing_webhook_are_named(
    instance: dict[str, str], telegram: TelegramDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "not-the-token")
    telegram.webhook = {"url": TELEGRAM_URL, "secret": "another"}
    telegram.webhook_error = "Wrong response from the webhook: 401 Unauthorized"
    code, lines = _doctor()
    assert code == 1
    assert (
        "[ÉCHEC] Twilio : identifiants refusés — à faire : vérifier TWILIO_ACCOUNT_SID et "
        "TWILIO_AUTH_TOKEN (console Twilio, Account Info)"
    ) in lines
    assert (
        "[ÉCHEC] Telegram : dernière remise en échec (Wrong response from the webhook: 401 "
        "Unauthorized) — à faire : lancer `allervers providers configure` pour redonner le secret"
    ) in lines
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:wrong")
    code, lines = _doctor()
    assert (
        "[ÉCHEC] Telegram : jeton refusé — à faire : vérifier TELEGRAM_BOT_TOKEN (donné par "
        "@BotFather)"
    ) in lines


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_configuration_that_does_not_load_fails_the_doctor(
    instance: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLERVERS_SECRET_KEY", "court")  # refused in production
    code, lines = _doctor()
    assert code == 1
    assert lines[1].startswith("[ÉCHEC] Configuration refusée : invalid configuration: ")
    assert "ALLERVERS_SECRET_KEY" in lines[1]


# --- providers configure -------------------------------------------------------------------


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_providers_configure_points_the_number_and_the_bot_here(
    instance: dict[str, str], double: TwilioDouble, telegram: TelegramDouble
) -> None:
    double.add_number(SENDER, sms_url="https://ancien.example.org/sms", voice_method="GET")
    result = CliRunner().invoke(cli, ["providers", "configure"], input="y\n")
    assert "Changements à faire :" in result.output
    assert f"twilio sms_url: https://ancien.example.org/sms → {SMS_URL}" in result.output
    assert f"twilio voice_url: — → {VOICE_URL}" in result.output
    assert f"telegram webhook: — → {TELEGRAM_URL}" in result.output
    assert "Fournisseurs configurés." in result.output, result.output
    number = double.numbers[SENDER]
    assert (number["sms_url"], number["sms_method"]) == (SMS_URL, "POST")
    assert (number["voice_url"], number["voice_method"]) == (VOICE_URL, "POST")
    assert telegram.webhook == {"url": TELEGRAM_URL, "secret": SECRET}
    code, lines = _doctor()
    assert code == 0, lines


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_providers_configure_changes_nothing_when_told_no(
    instance: dict[str, str], double: TwilioDouble, telegram: TelegramDouble
) -> None:
    double.add_number(SENDER, sms_url="https://ancien.example.org/sms")
    result = CliRunner().invoke(cli, ["providers", "configure"], input="n\n")
    assert result.exit_code == 1
    assert "Rien n'a été changé." in result.output
    assert double.numbers[SENDER]["sms_url"] == "https://ancien.example.org/sms"
    assert telegram.webhook == {}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_providers_configure_yes_applies_without_asking(
    instance: dict[str, str], double: TwilioDouble, telegram: TelegramDouble
) -> None:
    double.add_number(SENDER)
    result = CliRunner().invoke(cli, ["providers", "configure", "--yes"])
    assert result.exit_code == 0, result.output
    assert double.numbers[SENDER]["sms_url"] == SMS_URL
    assert telegram.webhook["url"] == TELEGRAM_URL


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_providers_configure_refuses_a_number_not_in_the_account(
    instance: dict[str, str],
) -> None:
    result = CliRunner().invoke(cli, ["providers", "configure", "--yes"])
    assert result.exit_code == 1
    assert f"Twilio : le numéro {SENDER} n'est pas dans ce compte." in result.output
