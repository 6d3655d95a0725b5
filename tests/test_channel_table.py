"""The channel table (outreach/sending/channels.py) is the one list of channels: the settings, the
wiring, the sequence files and the models agree with it, and no other module keeps its own list."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from api.wiring import BUILDERS, build_channels
from outreach.models import ContactPoint, Message
from outreach.sending.channels import (
    CHANNEL_NAMES,
    CHANNELS,
    DEFAULT_RATE_LIMITS,
    DEFAULT_STEP_CHANNELS,
    PREFERENCE,
    SENDING_CHANNELS,
    SMS_CHANNELS,
    channel_label,
    contact_kind_label,
    reply_contact_kinds,
    stand_in,
)
from outreach.sequences import SequenceError, load_file
from outreach.settings import SettingsError, load_settings
from tests.production import PRODUCTION

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "outreach" / "sending" / "channels.py"
# Modules allowed to name several channels at once, and why.
ALLOWED = {
    # One builder per row: the composition root maps each name to its class in bot/, and
    # checks at import that the keys are exactly the table's names.
    ROOT / "api" / "wiring.py",
}
CREDENTIALS = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM_NUMBER": "+33600000000",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+33600000000",
    "TELEGRAM_BOT_TOKEN": "123:abc",
}


def test_every_name_is_once_in_the_table_and_in_the_preference_order() -> None:
    assert len(set(CHANNEL_NAMES)) == len(CHANNELS)
    assert sorted(PREFERENCE) == sorted(SENDING_CHANNELS)
    # A channel that only listens (the team's number answering calls) is never tried for a send.
    assert [spec.name for spec in CHANNELS if not spec.sends] == ["voice"]
    assert len({spec.preference for spec in CHANNELS}) == len(CHANNELS)
    assert {spec.stands_in_for for spec in CHANNELS} - {None} <= set(CHANNEL_NAMES)


def test_the_settings_accept_the_table_and_nothing_else() -> None:
    settings = load_settings(ALLERVERS_CHANNELS=",".join(CHANNEL_NAMES))

    assert settings.enabled_channels == CHANNEL_NAMES
    with pytest.raises(SettingsError, match="unknown channel"):
        load_settings(ALLERVERS_CHANNELS="sms,pigeon")


@pytest.mark.parametrize("spec", CHANNELS, ids=lambda spec: spec.name)
def test_production_refuses_exactly_the_development_channels(spec) -> None:
    def production() -> object:
        return load_settings(**PRODUCTION, ALLERVERS_CHANNELS=spec.name)

    if spec.development_only:
        with pytest.raises(SettingsError, match=f"the {spec.name} channel cannot run"):
            production()
    else:
        production()


def test_every_sending_row_has_a_builder_and_every_builder_a_row() -> None:
    assert sorted(BUILDERS) == sorted(SENDING_CHANNELS)


def test_each_builder_builds_the_channel_of_its_name() -> None:
    settings = load_settings(ALLERVERS_CHANNELS=",".join(CHANNEL_NAMES), **CREDENTIALS)
    channels = build_channels(settings)
    try:
        assert {name: channel.name for name, channel in channels.items()} == {
            name: name for name in SENDING_CHANNELS
        }
    finally:
        for channel in channels.values():
            close = getattr(channel, "close", None)
            if close is not None:
                close()


def _sequence(tmp_path: Path, channels: str | None) -> Path:
    line = f"channels = {channels}\n" if channels is not None else ""
    path = tmp_path / "check.toml"
    path.write_text(f'[[steps]]\nday = 0\nsend = "intro"\n{line}', encoding="utf-8")
    return path


def test_a_sequence_step_may_name_every_sending_channel_of_the_table(tmp_path: Path) -> None:
    names = "[" + ", ".join(f'"{name}"' for name in SENDING_CHANNELS) + "]"

    assert load_file(_sequence(tmp_path, names)).steps[0].channels == SENDING_CHANNELS
    with pytest.raises(SequenceError, match="unknown channel"):
        load_file(_sequence(tmp_path, '["voice"]'))  # nothing is sent on a call
    assert load_file(_sequence(tmp_path, None)).steps[0].channels == DEFAULT_STEP_CHANNELS
    with pytest.raises(SequenceError, match="unknown channel"):
        load_file(_sequence(tmp_path, '["pigeon"]'))


def test_names_and_contact_kinds_fit_their_columns() -> None:
    channel_width = Message.__table__.c.channel.type.length
    kind_width = ContactPoint.__table__.c.kind.type.length

    assert all(len(spec.name) <= channel_width for spec in CHANNELS)
    assert all(len(spec.contact_kind) <= kind_width for spec in CHANNELS)


def test_what_the_table_answers_today() -> None:
    # The behaviour the lists the table replaced had, kept as it was.
    assert PREFERENCE == ("sandbox", "telegram", "sms", "whatsapp")
    assert DEFAULT_STEP_CHANNELS == ("sms", "whatsapp", "telegram")
    assert SMS_CHANNELS == ("sms", "sandbox")
    assert DEFAULT_RATE_LIMITS == "sms=10/s, whatsapp=20/s, telegram=25/s"
    assert set(reply_contact_kinds("sms")) == {"phone", "whatsapp"}
    assert reply_contact_kinds("telegram") == ("telegram",)
    assert stand_in("sms", ("sandbox",)) == "sandbox"
    assert stand_in("sms", ("sms", "sandbox")) == "sms"
    assert stand_in("whatsapp", ("sandbox",)) == "whatsapp"


def test_the_team_pages_read_the_labels_in_french() -> None:
    assert channel_label("sms") == "SMS"
    assert channel_label("sandbox") == "bac à sable"
    assert channel_label("visit") == "visit"
    assert contact_kind_label("phone") == "SMS"
    assert contact_kind_label("whatsapp") == "WhatsApp"


def _channel_lists(tree: ast.AST) -> list[int]:
    """Lines of tuple, list and set literals (and dict keys) naming two channels or contact
    kinds or more."""
    names = set(CHANNEL_NAMES) | {spec.contact_kind for spec in CHANNELS}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [key for key in node.keys if key is not None]
        else:
            continue
        named = {
            item.value for item in items if isinstance(item, ast.Constant) and item.value in names
        }
        if len(named) >= 2:
            found.append(node.lineno)
    return found


def test_no_module_but_the_table_keeps_a_list_of_channels() -> None:
    offenders = []
    for package in ("api", "bot", "messages", "outreach", "bench"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == TABLE or path in ALLOWED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            offenders += [f"{path.relative_to(ROOT)}:{line}" for line in _channel_lists(tree)]

    assert offenders == [], "read outreach/sending/channels.py instead"
