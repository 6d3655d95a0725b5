"""The FastAPI application factory: the one place where everything is wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.datastructures import State

from api import request_log, web
from api.allowed_methods import AllowedMethods
from api.body_limit import BodyLimit
from api.ops.metrics import Metrics
from api.routes import audit as audit_api
from api.routes import (
    cases,
    ccapex_returns,
    contract,
    events,
    health,
    inbox,
    landlords,
    rights,
    schema,
    steps,
    visits,
)
from api.routes import messages as team_messages
from api.scheduler import scheduler_lifespan
from api.security_headers import SecurityHeaders
from api.services import Services, build_services
from api.web import landlord_pages, privacy, referral_page, sandbox
from api.web.templating import STATIC_DIR, STATIC_PREFIX
from api.webhooks import inbound_processing, spool
from api.webhooks import telegram as webhooks_telegram
from api.webhooks import twilio as webhooks_twilio
from api.webhooks import twilio_voice as webhooks_twilio_voice
from outreach.clock import Clock
from outreach.settings import Settings, load_settings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    services: Services | None = None,
    run_scheduler: bool = False,
) -> FastAPI:
    services = services or build_services(settings or load_settings(), engine=engine, clock=clock)
    # The outbox scheduler runs only in `allervers serve`, never in TestClient-based tests.
    lifespan = scheduler_lifespan if run_scheduler else None
    # No Swagger or ReDoc pages (they load scripts from a CDN); the schema itself is public in
    # development and for signed-in team members in production (api/routes/schema.py).
    app = FastAPI(
        title="Aller-Vers",
        version="0.1.0",
        lifespan=_with_spool_replay(lifespan),
        docs_url=None,
        redoc_url=None,
        openapi_url=None if services.settings.is_production else "/openapi.json",
    )
    attach(app, services)
    request_log.install(app)
    https = services.settings.public_url.startswith("https://")
    app.add_middleware(SecurityHeaders, https=https)
    app.add_middleware(AllowedMethods, router=app.router)  # a 405 lists every method
    app.add_middleware(BodyLimit)  # added last: the outermost, before any route reads a body
    health.install(app)  # /healthz, /readyz, /metrics and the webhooks' latency
    app.include_router(cases.router)
    app.include_router(team_messages.router)
    app.include_router(webhooks_telegram.router)
    app.include_router(webhooks_twilio.router)
    app.include_router(webhooks_twilio_voice.router)
    app.include_router(steps.router)
    app.include_router(visits.router)
    app.include_router(privacy.router)
    app.include_router(landlords.router)
    app.include_router(landlord_pages.router)
    app.include_router(referral_page.router)
    app.include_router(audit_api.router)
    app.include_router(inbox.router)
    app.include_router(events.router)
    app.include_router(rights.router)
    app.include_router(ccapex_returns.router)
    if services.settings.is_production:
        app.include_router(schema.router)
    web.install(app)  # the team pages (session cookie + CSRF); the JSON API keeps bearer tokens
    # Dev-only simulated phone: mounted only when the sandbox channel is on, never in production.
    sandbox.install(app, services.settings)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="static")
    contract.document(app)  # errors, security, closed lists: api/routes/contract.py
    return app


def attach(app: FastAPI, services: Services) -> None:
    """Give the app its services and a fresh state: a new metrics registry, and nothing made
    for other services (the inbound processor, the sign-in queue, the scheduler's heartbeat).

    `create_app` calls it once. The test suite calls it again to serve many tests' services
    (each its own database, clock and settings) with one app per set of settings: FastAPI builds
    each route's dependencies on an app's first requests, about 50 ms of CPU per app, which a
    thousand tests paid again and again. Only what `create_app` reads from the settings shapes
    the app itself; everything else is read from `app.state` on each request.
    """
    app.state = State()  # whatever a request made and kept belongs to the services before
    app.state.services = services
    app.state.metrics = Metrics(services, heartbeat=lambda: getattr(app.state, "heartbeat", None))


def _with_spool_replay(inner: Lifespan | None) -> Lifespan:
    """Webhooks spooled to disk while the database was down are stored from start-up on."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services: Services = app.state.services
        replayer = spool.Replayer(
            (
                lambda: webhooks_twilio.replay_spool(services),
                lambda: webhooks_telegram.replay_spooled(services),
                # Stored but not processed (a processing failure, a stop mid-backlog).
                lambda: inbound_processing.process_leftovers(services),
            )
        ).start()
        app.state.spool_replayer = replayer
        try:
            if inner is None:
                yield
            else:
                async with inner(app):
                    yield
        finally:
            replayer.stop()

    return lifespan
