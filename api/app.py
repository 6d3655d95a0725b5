"""The FastAPI application factory: the one place where everything is wired together."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from api import cases, health
from api.services import Services, build_services
from outreach.clock import Clock
from outreach.settings import Settings, load_settings


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    services: Services | None = None,
) -> FastAPI:
    services = services or build_services(settings or load_settings(), engine=engine, clock=clock)
    app = FastAPI(title="Aller-Vers", version="0.1.0")
    app.state.services = services
    app.include_router(health.router)
    app.include_router(cases.router)
    return app
