"""APScheduler as the clock of `allervers serve`, and nothing more.

A tick every few seconds runs the due outbox rows; the daily jobs run at set Paris times. No job
is ever created per message (the database is the truth), the job store is in memory, so a
restart loses nothing and two servers never share scheduler state.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi import FastAPI

from api.heartbeat import Heartbeat
from api.services import Services
from outreach.clock import PARIS
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import DailyJob, tick
from outreach.partners.sharing import send_ready
from outreach.privacy import retention
from outreach.privacy.retention import RetentionReport
from outreach.reports.figures import MAX_AGE
from outreach.sending.config import EngineConfig

log = logging.getLogger(__name__)

# Just under the age at which a page would count the figures itself.
FIGURES_EVERY = MAX_AGE - timedelta(seconds=30)
REFERRALS_EVERY = timedelta(minutes=1)


def dispatcher_for(services: Services, config: EngineConfig | None = None) -> Dispatcher:
    """The dispatcher of this process, on the services' database, clock and channels."""
    settings = services.settings
    telegram_bot = settings.telegram_bot_username if "telegram" in services.channels else None
    dispatcher = Dispatcher(
        sessions=services.sessions,
        clock=services.clock,
        channels=services.channels,
        config=config or services.engine_config,
        telegram_bot=telegram_bot,
        identity=settings.identity,
        count_segments=_segments,
    )
    dispatcher.sleep = dispatcher.stopping.wait  # a stop wakes a pass waiting for a rate limit
    return dispatcher


def _segments(body: str) -> int:
    from bot.segments import count_segments

    return count_segments(body).segments


def build_scheduler(
    dispatcher: Dispatcher, daily_jobs: Sequence[DailyJob], heartbeat: Heartbeat | None = None
) -> BackgroundScheduler:
    """The tick and the daily jobs (`Services.daily_jobs`); not started. Each tick beats
    `heartbeat` (read by /readyz)."""
    scheduler = BackgroundScheduler(
        timezone=PARIS,
        # A slow pass delays the next tick instead of piling up; a missed one is not replayed.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    seconds = dispatcher.config.tick_seconds
    scheduler.add_job(
        _tick,
        IntervalTrigger(seconds=seconds),
        args=[dispatcher, seconds, heartbeat],
        id="tick",
    )
    for job in daily_jobs:
        scheduler.add_job(
            _daily,
            CronTrigger(hour=job.hour, minute=job.minute, timezone=PARIS),
            args=[job, dispatcher],
            id=f"daily:{job.name}",
        )
    return scheduler


def _tick(dispatcher: Dispatcher, seconds: float, heartbeat: Heartbeat | None = None) -> None:
    if heartbeat is not None:
        heartbeat.started()
    try:
        report = tick(dispatcher, max_seconds=max_pass_seconds(seconds))
    except Exception:
        log.exception("tick failed")
        return
    finally:
        if heartbeat is not None:
            heartbeat.finished()
    if report:
        log.info("tick: %s", dict(report))


def max_pass_seconds(tick_seconds: float) -> float:
    """How long one tick's pass may run before it stops and leaves the rest for the next."""
    return max(60.0, 10 * tick_seconds)


def run_daily_jobs(
    dispatcher: Dispatcher, daily_jobs: Sequence[DailyJob], *, past_only: bool
) -> list[str]:
    """Run the daily jobs now (all, or those whose time today has passed); names of those run.

    Every daily job is idempotent for its day, so running one again is harmless. This is how a
    server that was down at 10:01 still sends tomorrow's visit reminders, and how cron
    installations run them (`allervers tick --daily`).
    """
    local = dispatcher.clock.now().astimezone(PARIS)
    ran = []
    for job in daily_jobs:
        if past_only and (job.hour, job.minute) > (local.hour, local.minute):
            continue
        _daily(job, dispatcher)
        ran.append(job.name)
    return ran


def _daily(job: DailyJob, dispatcher: Dispatcher) -> None:
    try:
        job.run(dispatcher)
    except Exception:
        log.exception("daily job %s failed", job.name)


def add_retention_job(scheduler: BackgroundScheduler, services: Services) -> None:
    """Every night, anonymise the closed cases past the retention limit (privacy.retention)."""
    scheduler.add_job(
        _retention,
        CronTrigger(hour=3, minute=30, timezone=PARIS),
        args=[services],
        id="daily:retention",
    )


def run_retention(services: Services) -> RetentionReport:
    """Anonymise the closed cases and clear the import reports past the retention limit."""
    return retention.run(
        services.sessions,
        clock=services.clock,
        months=services.settings.retention_months,
        rejects_dir=services.settings.rejects_dir,
    )


def _count_figures(services: Services) -> None:
    try:
        services.figures.refresh(services.sessions)
    except Exception:
        log.exception("counting the indicators failed")


def send_referrals(services: Services) -> int:
    """E-mail the referrals waiting to go; how many went (never raises: logged)."""
    try:
        return send_ready(services.sessions, clock=services.clock, settings=services.settings)
    except Exception:
        log.exception("sending referrals failed")
        return 0


def _retention(services: Services) -> None:
    try:
        run_retention(services)
    except Exception:
        log.exception("daily job retention failed")


@asynccontextmanager
async def scheduler_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the scheduler with the server and stop it with the server."""
    services = app.state.services
    dispatcher = dispatcher_for(services)
    heartbeat = Heartbeat()
    scheduler = build_scheduler(dispatcher, services.daily_jobs, heartbeat)
    add_retention_job(scheduler, services)
    # The indicators' figures, counted in the background now and every few minutes.
    scheduler.add_job(
        _count_figures,
        IntervalTrigger(seconds=FIGURES_EVERY.total_seconds()),
        args=[services],
        id="figures",
        next_run_time=datetime.now(PARIS),
    )
    # Referrals the household agreed to go to the partner by e-mail (outbox first).
    scheduler.add_job(
        send_referrals,
        IntervalTrigger(seconds=REFERRALS_EVERY.total_seconds()),
        args=[services],
        id="referrals",
    )
    # Catch up on today's daily jobs missed while the server was down (a restart loses nothing).
    scheduler.add_job(
        run_daily_jobs,
        args=[dispatcher, services.daily_jobs],
        kwargs={"past_only": True},
        id="catch-up",
    )
    scheduler.start()
    app.state.scheduler = scheduler
    app.state.heartbeat = heartbeat
    log.info("scheduler started: %d jobs", len(scheduler.get_jobs()))
    try:
        yield
    finally:
        dispatcher.stopping.set()  # the pass in progress ends after its current batch
        scheduler.shutdown(wait=True)
        log.info("scheduler stopped")
