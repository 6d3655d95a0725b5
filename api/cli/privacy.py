"""`allervers retention run`: anonymise the closed cases past the retention limit, now.

It also clears the old CCAPEX import reports and their rejected-rows files.
"""

from __future__ import annotations

import typer

from messages import gettext

retention_app = typer.Typer(help="Retention limits (RGPD).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(retention_app, name="retention")


@retention_app.command("run")
def retention_run() -> None:
    """Anonymise closed cases and clear import reports older than ALLERVERS_RETENTION_MONTHS."""
    from api.scheduler import run_retention
    from api.services import build_services
    from outreach.settings import load_settings

    services = build_services(load_settings())
    try:
        report = run_retention(services)
    finally:
        services.dispose()
    counts = report.as_dict()
    typer.echo(
        gettext(
            "Cases anonymised: {anonymised}, failures: {failed}.",
            anonymised=counts["anonymised"],
            failed=counts["failed"],
        )
    )
    typer.echo(
        gettext(
            "Import reports cleared: {cleared} (files deleted: {files}), failures: {failed}.",
            cleared=counts["import_reports_cleared"],
            files=counts["rejects_files_deleted"],
            failed=counts["import_reports_failed"],
        )
    )
    if report.failed or report.import_reports_failed:
        raise typer.Exit(1)
