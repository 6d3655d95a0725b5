"""The composition root's bag of shared parts: settings, database, clock, channels, engine
settings (sending windows, rate limits, retries)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import Clock, FrozenClock, SystemClock, parse_fixed_now
from outreach.db import make_engine, make_session_factory
from outreach.engine.tick import DailyJob, ReplyPath
from outreach.replies.inbound import InboundHook
from outreach.reports.figures import FiguresCache
from outreach.sending.channel import Channel
from outreach.sending.config import EngineConfig, load_engine_config
from outreach.settings import Settings
from outreach.team.sign_in_throttle import SignInThrottle


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    # Channel name -> channel object (see bot/); filled by api.wiring.
    channels: dict[str, Channel] = field(default_factory=dict)
    engine_config: EngineConfig = field(default_factory=load_engine_config)
    # What a household's reply goes through (opt-out words, then the conversation) and the jobs
    # the scheduler runs once a day; build_services wires both.
    reply_path: InboundHook = field(default_factory=ReplyPath)
    daily_jobs: tuple[DailyJob, ...] = ()
    # Webhooks and /healthz use their own small pool, so pages or sign-ins that hold every
    # connection of the main pool cannot make Twilio wait (it gives up at 15 s). None: `engine`.
    webhook_engine: Engine | None = None
    # Failed sign-ins per address and per e-mail (in memory, for this process).
    sign_in_throttle: SignInThrottle = field(init=False)
    # The indicators' figures, kept a few minutes per scope (recounted by the scheduler).
    figures: FiguresCache = field(init=False)
    webhook_sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sign_in_throttle = SignInThrottle(self.clock)
        self.figures = FiguresCache(self.clock)
        self.webhook_sessions = make_session_factory(self.webhook_db)

    @property
    def webhook_db(self) -> Engine:
        return self.webhook_engine or self.engine

    def dispose(self) -> None:
        self.engine.dispose()
        if self.webhook_engine is not None:
            self.webhook_engine.dispose()

    @property
    def sending_channels(self) -> tuple[str, ...]:
        """The channels switched on in the settings and built, in the settings' order."""
        return tuple(name for name in self.settings.enabled_channels if name in self.channels)


def clock_for(settings: Settings) -> Clock:
    """ALLERVERS_NOW fixes "now" outside production (the settings refuse it in production)."""
    if settings.now:
        return FrozenClock(parse_fixed_now(settings.now))
    return SystemClock()


# The webhooks' own pool: a few connections, and a short wait for one (then the spool takes over).
WEBHOOK_POOL = {"pool_size": 3, "max_overflow": 2, "pool_timeout": 5}


def build_services(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    webhook_engine: Engine | None = None,
) -> Services:
    from api.wiring import build_channels
    from outreach import conversation
    from outreach.casework import jobs as casework_jobs
    from outreach.conversation import jobs as conversation_jobs
    from outreach.engine import tick
    from outreach.partners import jobs as partner_jobs

    if engine is None:
        engine = make_engine(settings.database_url)
        webhook_engine = webhook_engine or make_engine(settings.database_url, **WEBHOOK_POOL)
    return Services(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        clock=clock or clock_for(settings),
        channels=build_channels(settings),
        webhook_engine=webhook_engine,
        # STOP / START, a reply ends the sequences; any other reply goes to the conversation
        # (consent, booking, check-in), which hands to a person what it does not understand.
        reply_path=tick.ReplyPath(
            conversation.reply_handler(public_url=settings.public_url, identity=settings.identity)
        ),
        daily_jobs=(
            *tick.DAILY_JOBS,
            *conversation_jobs.DAILY_JOBS,
            *casework_jobs.DAILY_JOBS,
            *partner_jobs.DAILY_JOBS,
        ),
    )
