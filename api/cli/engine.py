"""CLI commands of the outreach engine: `tick` (one pass, for cron) and `simulate` (preview)."""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from messages import N_, gettext

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from outreach.clock import FrozenClock
    from outreach.sending.channel import Channel
    from outreach.sending.config import EngineConfig
    from outreach.sequences import Sequence
    from outreach.settings import Settings
    from outreach.simulation.simulate import Replies


# What a pass did with each row, as the console says it (French, like the app).
TICK_OUTCOMES = {
    "sent": N_("messages sent"),
    "skipped": N_("skipped (no usable channel)"),
    "deferred": N_("waiting for their sending hours"),
    "retry": N_("to try again"),
    "failed": N_("failed"),
    "task": N_("tasks opened"),
    "limited": N_("held by the rate limit"),
    "canceled": N_("cancelled (no longer needed)"),
    "late": N_("sent after their lease"),
    "uncertain": N_("uncertain (checked with the provider)"),
    "opted_out": N_("not sent: the household opted out"),
    "next_channel": N_("moved to the next channel"),
    "lost": N_("lost by another process"),
    "error": N_("errors"),
    "released": N_("released"),
    "done": N_("already done"),
    "requeued": N_("put back in the queue"),
}


def tick_summary(report: dict[str, int]) -> str:
    """ "messages envoyés : 39, ignorés (aucun canal utilisable) : 9" — in French only."""
    parts = []
    for key, count in sorted(report.items()):
        recovered = key.startswith("reconciled_")
        outcome = key.removeprefix("reconciled_")
        label = gettext(TICK_OUTCOMES[outcome]) if outcome in TICK_OUTCOMES else outcome
        if recovered:
            label = gettext("after a crash, {outcome}", outcome=label)
        parts.append(f"{label} : {count}")
    return ", ".join(parts)


def register(app: typer.Typer) -> None:
    """Attach the engine commands to the root `allervers` app."""
    app.command("tick")(tick_command)
    app.command("simulate")(simulate_command)


def tick_command(
    max_seconds: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (rate limits can wait).")
    ] = None,
    daily: Annotated[
        bool,
        typer.Option(
            "--daily",
            help="Also run the daily jobs (slots, visit reminders, check-ins, retention).",
        ),
    ] = False,
) -> None:
    """Run one pass of all due work (sends, reminders, tasks, crash recovery) and exit."""
    from api.scheduler import dispatcher_for, run_daily_jobs, run_retention
    from api.services import build_services
    from outreach.engine.tick import tick
    from outreach.settings import load_settings

    services = build_services(load_settings())
    try:
        dispatcher = dispatcher_for(services)
        if daily:
            run_daily_jobs(dispatcher, services.daily_jobs, past_only=False)
            run_retention(services)
        report = tick(dispatcher, max_seconds=max_seconds)
    finally:
        services.dispose()
    summary = tick_summary(report) or gettext("nothing was due")
    typer.echo(gettext("Tick done: {summary}", summary=summary))


def simulate_command(
    days: Annotated[int, typer.Option(min=1, max=366, help="How many days to simulate.")] = 30,
    replies: Annotated[
        str, typer.Option(help="none, random, or a CSV file day;time;reference;text.")
    ] = "none",
    seed: Annotated[int, typer.Option(help="Seed of the random replies.")] = 7,
    reply_rate: Annotated[
        float, typer.Option(min=0, max=1, help="Share of sequence messages that get a reply.")
    ] = 0.12,
    sequence: Annotated[
        str, typer.Option(help="Sequence name, or the path of a .toml file to preview.")
    ] = "first_contact",
    channels: Annotated[
        str | None, typer.Option(help="Channels to simulate (default: ALLERVERS_CHANNELS).")
    ] = None,
    demo: Annotated[bool, typer.Option(help="Simulate over demo households.")] = False,
) -> None:
    """Preview the engine over the current cases (or demo data) on a simulated clock."""
    from api.services import clock_for
    from outreach.clock import FrozenClock
    from outreach.sending.config import load_engine_config
    from outreach.settings import load_settings

    settings = load_settings()
    config = load_engine_config(ALLERVERS_RATE_LIMITS="off")
    chosen = _sequence(sequence, config)
    clock = FrozenClock(clock_for(settings).now())
    plan = _replies(replies, seed=seed, rate=reply_rate)
    names = tuple((channels or settings.channels).split(","))
    with tempfile.TemporaryDirectory(prefix="allervers-sim-") as directory:
        lines = _simulate(
            settings, config, chosen, clock, plan, Path(directory), names, days=days, demo=demo
        )
    for line in lines:
        typer.echo(line)


def _simulate(
    settings: Settings,
    config: EngineConfig,
    sequence: Sequence,
    clock: FrozenClock,
    plan: Replies,
    directory: Path,
    names: tuple[str, ...],
    *,
    days: int,
    demo: bool,
) -> list[str]:
    from outreach.simulation import data as simulate_data
    from outreach.simulation import simulate
    from outreach.simulation.report import build_report, report_lines

    logging.getLogger("outreach").setLevel(logging.WARNING)  # the timeline says it all
    target = simulate_data.create_database(directory)
    copied = 0 if demo else _copy_current_cases(settings, target)
    if copied == 0:
        simulate_data.load_demo(target, clock=clock)
    simulate_data.clean_slate(target)
    start = clock.now()
    households = simulate.enrol_all(target, clock=clock, sequence=sequence, config=config)
    with typer.progressbar(length=days, label=gettext("Simulating"), file=sys.stderr) as bar:
        end = simulate.run(
            target,
            clock=clock,
            days=days,
            channels=_sandbox_channels(directory, names),
            config=config,
            replies=plan,
            telegram_bot=settings.telegram_bot_username if "telegram" in names else None,
            on_day=bar.update,
        )
    with target() as session:
        report = build_report(
            session,
            start=start,
            end=end,
            sequence=sequence.name,
            version=sequence.version,
            households=households,
        )
    target.kw["bind"].dispose()
    return report_lines(report)


def _copy_current_cases(settings: Settings, target: sessionmaker[Session]) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from outreach.db import make_engine, make_session_factory
    from outreach.simulation import data as simulate_data

    source = make_engine(settings.database_url)
    try:
        return simulate_data.copy_cases(make_session_factory(source), target)
    except SQLAlchemyError:
        typer.echo(gettext("No readable database: simulating over demo data."), err=True)
        return 0
    finally:
        source.dispose()


def _sequence(name_or_path: str, config: EngineConfig) -> Sequence:
    from outreach.sequences import SequenceError, load_file, load_sequence

    try:
        if name_or_path.endswith(".toml"):
            return load_file(Path(name_or_path))
        return load_sequence(name_or_path, config.sequences_dir)
    except (SequenceError, OSError) as error:
        typer.echo(gettext("Sequence refused: {reason}", reason=error), err=True)
        raise typer.Exit(2) from None


def _replies(option: str, *, seed: int, rate: float) -> Replies:
    from outreach.simulation.simulate import Replies, ReplyFileError, read_replies_file

    if option == "none":
        return Replies(seed=seed)
    if option == "random":
        return Replies(rate=rate, seed=seed)
    try:
        return Replies(seed=seed, scripted=read_replies_file(Path(option)))
    except (ReplyFileError, OSError) as error:
        typer.echo(gettext("Replies file refused: {reason}", reason=error), err=True)
        raise typer.Exit(2) from None


def _sandbox_channels(directory: Path, names: tuple[str, ...]) -> dict[str, Channel]:
    """The sandbox under each simulated channel's name: nothing leaves the machine.

    The simulated world is a development world (a throwaway database), so the sandbox is
    allowed there even on a production installation.
    """
    from bot.sandbox import SandboxChannel
    from outreach.settings import load_settings

    world = load_settings(
        ALLERVERS_ENV="development",
        ALLERVERS_DATABASE_URL=f"sqlite:///{directory / 'simulation.db'}",
        ALLERVERS_CHANNELS="sandbox",
        ALLERVERS_NOW=None,
    )
    return {name: SandboxChannel(world) for name in names if name}
