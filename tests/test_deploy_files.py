"""docs/deploy.md and the files it installs, checked as far as a test can follow them literally:
every `allervers` command and option it names exists, the systemd units pass
`systemd-analyze verify`, the Caddyfile passes `caddy validate` (and keeps /metrics in), the
Dockerfile and compose.yaml parse and start a command that exists."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from api.cli.main import _register_optional_commands
from api.cli.main import app as cli
from outreach.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "deploy.md"
VENV_COMMAND = "/opt/allervers/venv/bin/allervers"
UNITS = ("allervers@.service", "allervers-backup.service", "allervers-backup.timer")

_register_optional_commands()


def _shell_lines(markdown: str) -> list[str]:
    """The command lines of the ```sh blocks (comments dropped)."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", markdown, flags=re.DOTALL):
        lines += [line for line in block.splitlines() if line.strip()]
    return lines


def _allervers_calls(line: str) -> list[list[str]]:
    """The arguments of each `allervers` command on a shell line (after `exec app`, `&&`…)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token in ("&&", "||", ";", "|", "&"):
            parts.append([])
        else:
            parts[-1].append(token)
    calls = []
    for words in parts:
        for position, word in enumerate(words):
            if word in ("allervers", VENV_COMMAND) and (
                position == 0 or words[position - 1] in ("app", "exec")
            ):
                calls.append(words[position + 1 :])
                break
    return calls


def _check_command(arguments: list[str]) -> None:
    """The subcommand exists (its --help works) and knows every --option given."""
    command = typer.main.get_command(cli)  # typer's own click: no isinstance on click.Group
    path = []
    for word in arguments:
        if word not in getattr(command, "commands", {}):
            break
        command = command.commands[word]  # type: ignore[attr-defined]
        path.append(word)
    assert path, f"no allervers command in {arguments}"
    assert not hasattr(command, "commands"), f"`allervers {' '.join(path)}` is a group"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    known = {option for param in command.params for option in param.opts + param.secondary_opts}
    for word in arguments[len(path) :]:
        if word.startswith("--"):
            assert word.split("=", 1)[0] in known, f"`allervers {' '.join(path)}` has no {word}"


def test_every_allervers_command_of_the_deploy_guide_exists() -> None:
    calls = [call for line in _shell_lines(DOC.read_text()) for call in _allervers_calls(line)]
    assert len(calls) >= 15
    named = {call[0] for call in calls}
    assert {"db", "doctor", "providers", "backup", "restore", "user"} <= named
    for call in calls:
        _check_command(call)


def test_the_units_and_the_docker_image_start_commands_that_exist() -> None:
    for name in UNITS[:2]:
        for line in (DEPLOY / name).read_text().splitlines():
            if line.startswith("ExecStart="):
                command = line.removeprefix("ExecStart=").replace("%%", "%")
                if command.startswith("/bin/sh -c "):
                    command = shlex.split(command)[2]
                [call] = _allervers_calls(command.replace("%i", "8000"))
                _check_command(call)
    final = _dockerfile()[-1]
    assert final[0] == "CMD"
    shell = json.loads(final[1])
    assert shell[:2] == ["sh", "-c"]
    calls = _allervers_calls(shell[2])
    assert [call[:2] for call in calls] == [["db", "upgrade"], ["serve", "--host"]]
    for call in calls:
        _check_command(call)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["allervers"] == "api.cli.main:main"


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_the_dockerfile_parses_and_copies_what_exists() -> None:
    known = {"FROM", "RUN", "WORKDIR", "COPY", "USER", "ENV", "VOLUME", "EXPOSE", "HEALTHCHECK"}
    instructions = _dockerfile()
    assert instructions[0][0] == "FROM"
    assert {keyword for keyword, _ in instructions[:-1]} <= known
    for keyword, rest in instructions:
        if keyword == "COPY":
            *sources, _ = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and "*.db" in ignored


def test_compose_runs_the_app_postgresql_and_caddy_with_the_deploy_caddyfile() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"app", "db", "caddy"}
    assert services["app"]["build"] == "."
    url = services["app"]["environment"]["ALLERVERS_DATABASE_URL"]
    assert url.startswith("postgresql://allervers:") and "@db:5432/allervers" in url
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    mounts = [volume.split(":")[0] for volume in services["caddy"]["volumes"]]
    assert "./deploy/Caddyfile" in mounts
    assert services["caddy"]["environment"]["ALLERVERS_UPSTREAM"] == "app:8000"
    assert set(compose["volumes"]) == {"db", "data", "caddy_data", "caddy_config"}


def test_the_environment_example_names_only_real_settings() -> None:
    known = {
        str(field.validation_alias.choices[0])  # type: ignore[union-attr]
        for field in Settings.model_fields.values()
    }
    names = [
        line.lstrip("#").split("=", 1)[0]
        for line in (DEPLOY / "allervers.env.example").read_text().splitlines()
        if re.match(r"#?[A-Z_]+=", line)
    ]
    assert len(names) > 15
    assert set(names) <= known, set(names) - known


def test_the_wrapper_script_is_valid_shell() -> None:
    subprocess.run(["sh", "-n", str(DEPLOY / "allervers.sh")], check=True)


def _needs(program: str, package: str) -> None:
    """`make test` installs it (target deploy-tools); CI must have it, elsewhere a loud skip."""
    if shutil.which(program) is None:
        message = f"{program} missing (Debian package {package}, `make deploy-tools`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"LOUD: {message}: deployment file not checked")


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    _needs("systemd-analyze", "systemd")
    real = shutil.which("allervers") or str(ROOT / ".venv" / "bin" / "allervers")
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace(VENV_COMMAND, real)
        (tmp_path / name).write_text(text)
    targets = [str(tmp_path / "allervers@8000.service")] + [str(tmp_path / n) for n in UNITS[1:]]
    done = subprocess.run(
        ["systemd-analyze", "verify", *targets], capture_output=True, text=True, timeout=60
    )
    ours = [line for line in done.stderr.splitlines() if "allervers" in line]
    assert done.returncode == 0 and not ours, done.stderr


def test_the_caddyfile_passes_caddy_validate_and_keeps_metrics_in() -> None:
    _needs("caddy", "caddy")
    config = str(DEPLOY / "Caddyfile")
    done = subprocess.run(
        ["caddy", "validate", "--config", config, "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    adapted = subprocess.run(
        ["caddy", "adapt", "--config", config, "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    server = json.loads(adapted.stdout)["apps"]["http"]["servers"]["srv0"]
    assert server["routes"][0]["match"] == [{"host": ["allervers.example.org"]}]
    text = json.dumps(server)
    assert '"path": ["/metrics", "/metrics/*"]' in text
    assert '"handler": "static_response", "status_code": 404' in text
    assert '"dial": "127.0.0.1:8000"' in text
