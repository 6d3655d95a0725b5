"""`allervers retention run`: anonymise the closed cases past the retention limit, now."""

from __future__ import annotations

import typer

from messages import gettext

retention_app = typer.Typer(help="Retention limits (RGPD).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(retention_app, name="retention")


@retention_app.command("run")
def retention_run() -> None:
    """Anonymise closed cases whose last contact is older than ALLERVERS_RETENTION_MONTHS."""
    from api.services import build_services
    from outreach import retention
    from outreach.settings import load_settings

    services = build_services(load_settings())
    try:
        report = retention.run(
            services.sessions, clock=services.clock, months=services.settings.retention_months
        )
    finally:
        services.engine.dispose()
    counts = report.as_dict()
    typer.echo(
        gettext(
            "Cases anonymised: {anonymised}, failures: {failed}.",
            anonymised=counts["anonymised"],
            failed=counts["failed"],
        )
    )
    if report.failed:
        raise typer.Exit(1)
