"""The imports page (coordinators): upload the monthly CCAPEX list, read the import report,
download the rejected rows.

The upload is saved to a private temporary folder and imported by `outreach.ccapex.importer`
inside the request's transaction. The rejected rows (they hold personal data) are kept next to
the spool folder as batch-<id>.rejets.csv, readable only through this page.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep, get_services
from api.routes import ccapex_returns
from api.services import Services
from api.web.auth import FormUserDep, WebUser, WebUserDep, require_coordinator
from api.web.rendering import PageError, render, secure
from messages import gettext
from outreach import audit
from outreach.ccapex.columns import CCAPEX_COLUMNS, TEMPLATE_EXAMPLE, column_label
from outreach.ccapex.importer import ImportRefused, import_file
from outreach.ccapex.monthly_return import ReturnError, months_received, set_expected, year_volume
from outreach.ccapex.reading import UnreadableFile
from outreach.clock import PARIS
from outreach.models import ImportBatch, Sector
from outreach.privacy import retention
from outreach.spreadsheet import SafeCsvWriter

router = APIRouter(include_in_schema=False)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
RECENT_BATCHES = 24
SHOWN_ISSUES = 200
# Letters of any language (février stays février), digits, dot, space, hyphen, underscore.
_SAFE_NAME = re.compile(r"[^\w. -]+")
TEMPLATE_NAME = "modele-liste-ccapex.csv"


def rejects_file(services: Services, batch_id: int) -> Path:
    return retention.rejects_file(services.settings.rejects_dir, batch_id)


@router.get("/imports")
def imports_page(
    request: Request, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    require_coordinator(web)
    return _page(request, session, web)


@router.post("/imports")
def upload(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    file: Annotated[UploadFile, File()],
    month: Annotated[str, Form(max_length=7)] = "",
) -> Response:
    require_coordinator(web)
    with tempfile.TemporaryDirectory(prefix="allervers-import-") as folder:
        try:
            path = _save_upload(file, Path(folder))
            upload = f".upload-{uuid.uuid4().hex}.rejets.csv"
            temporary_rejects = services.settings.rejects_dir / upload
            report = import_file(
                session,
                clock=services.clock,
                path=path,
                month=month.strip() or None,
                rejects_path=temporary_rejects,
                actor=web.user,
            )
        except (UnreadableFile, ImportRefused) as error:
            message = gettext("File refused, nothing was imported: {reason}", reason=error)
            session.rollback()
            return _page(request, session, web, error=message, month=month, status_code=422)
    if report.rejects_path is not None:
        report.rejects_path.replace(rejects_file(services, report.batch_id))
    return RedirectResponse(f"/imports/{report.batch_id}", status_code=303)


@router.get(f"/imports/{TEMPLATE_NAME}")
def template_file(web: WebUserDep) -> Response:
    """The list's columns as the import reads them best, with one fictional household."""
    require_coordinator(web)
    out = io.StringIO()
    writer = SafeCsvWriter(out, delimiter=";")
    names = list(CCAPEX_COLUMNS.synonyms)
    writer.writerow(names)
    writer.writerow([TEMPLATE_EXAMPLE.get(name, "") for name in names])
    return secure(
        Response(
            "\ufeff" + out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{TEMPLATE_NAME}"'},
        )
    )


@router.get("/imports/returns/{month}.{kind}")
def return_download(
    month: str, kind: str, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    """The monthly return to the CCAPEX of one import month, as CSV or XLSX."""
    require_coordinator(web)
    if kind not in ("csv", "xlsx"):
        raise PageError(404, gettext("Page not found."))
    try:
        body = ccapex_returns.build(session, month=month, kind=kind)
    except ReturnError as error:
        raise PageError(422, str(error)) from None
    audit.record(session, clock=services.clock, actor=web.user, action="ccapex.return", month=month)
    return secure(ccapex_returns.download(body, month=month, kind=kind))


@router.post("/imports/expected")
def expected_volume(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    year: Annotated[str, Form(max_length=4)] = "",
    expected: Annotated[str, Form(max_length=7)] = "",
) -> Response:
    """The year's expected volume, as the CCAPEX secretariat set it."""
    require_coordinator(web)
    try:
        if not (year.isdigit() and expected.strip().isdigit()):
            raise ReturnError(gettext("Give a year and a number of households."))
        set_expected(session, year=int(year), expected=int(expected), now=services.clock.now())
    except ReturnError as error:
        return _page(request, session, web, error=str(error), status_code=422)
    audit.record(session, clock=services.clock, actor=web.user, action="ccapex.expected", year=year)
    return RedirectResponse(f"/imports?year={year}#volume", status_code=303)


@router.get("/imports/{batch_id}")
def batch_page(batch_id: RowId, request: Request, session: SessionDep, web: WebUserDep) -> Response:
    require_coordinator(web)
    batch = _batch(session, batch_id)
    report: dict[str, Any] = batch.report or {}
    names = dict(session.execute(select(Sector.code, Sector.name)).all())
    by_sector = [
        (names.get(code) or gettext("Unassigned"), counts)
        for code, counts in (report.get("by_sector") or {}).items()
    ]
    context = {
        "batch": batch,
        "by_sector": sorted(by_sector, key=lambda row: row[0]),
        "rejects": (report.get("rejects") or [])[:SHOWN_ISSUES],
        "warnings": (report.get("warnings") or [])[:SHOWN_ISSUES],
        "changes": [
            {**change, "fields": [column_label(name) for name in change.get("fields") or []]}
            for change in (report.get("changes") or [])[:SHOWN_ISSUES]
        ],
        "ignored_columns": report.get("ignored_columns") or [],
        "shown": SHOWN_ISSUES,
    }
    return render(request, "team/import_batch.html", context, web=web)


@router.get("/imports/{batch_id}/rejects.csv")
def rejects_download(
    batch_id: RowId, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    """The rejected rows as the file gave them (or line and reason, if the file is gone)."""
    require_coordinator(web)
    batch = _batch(session, batch_id)
    audit.record(
        session, clock=services.clock, actor=web.user, action="import.rejects", batch_id=batch.id
    )
    name = f"rejets-{batch.month}-lot-{batch.id}.csv"
    path = rejects_file(services, batch.id)
    if path.exists():
        response: Response = FileResponse(path, media_type="text/csv", filename=name)
    else:
        response = Response(
            _rejects_from_report(batch),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return secure(response)


def _page(
    request: Request,
    session: Session,
    web: WebUser,
    *,
    error: str | None = None,
    month: str = "",
    status_code: int = 200,
) -> Response:
    batches = list(
        session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(RECENT_BATCHES))
    )
    asked = request.query_params.get("year", "")
    year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else 0
    year = year or get_services(request).clock.now().astimezone(PARIS).year
    context = {
        "batches": batches,
        "error": error,
        "month": month,
        "returns": months_received(session),
        "columns": [
            {
                "name": name,
                "label": column_label(name),
                "spellings": ", ".join(spellings),
                "required": name in CCAPEX_COLUMNS.required,
            }
            for name, spellings in CCAPEX_COLUMNS.synonyms.items()
        ],
        "template": f"/imports/{TEMPLATE_NAME}",
        "volume": year_volume(session, year=year),
    }
    return render(request, "team/imports.html", context, web=web, status_code=status_code)


def _batch(session: Session, batch_id: int) -> ImportBatch:
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise PageError(404, gettext("Import not found."))
    return batch


def _save_upload(upload: UploadFile, folder: Path) -> Path:
    """Copy the upload to `folder` under its own (cleaned) name, refusing very large files."""
    name = _SAFE_NAME.sub("_", Path(upload.filename or "liste.csv").name).strip() or "liste.csv"
    path = folder / name[:200]
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, length=1024 * 1024)
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise ImportRefused(gettext("the file is larger than 50 MB"))
    if path.stat().st_size == 0:
        raise ImportRefused(gettext("the file is empty"))
    return path


def _rejects_from_report(batch: ImportBatch) -> str:
    out = io.StringIO()
    writer = SafeCsvWriter(out, delimiter=";")
    writer.writerow([gettext("rejected row: line number"), gettext("rejected row: reason")])
    for issue in (batch.report or {}).get("rejects", []):
        writer.writerow([issue.get("line"), issue.get("reason")])
    return "\ufeff" + out.getvalue()
