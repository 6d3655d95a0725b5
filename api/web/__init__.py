"""The team web app: server-rendered pages (Jinja2) over the same domain as the JSON API.

Pages: sign-in, inbox (home), case list, case page, imports, indicators, agenda, team. Every
case read or export writes an audit event; a worker only ever sees the cases of their sectors
(403 otherwise).
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the team pages and their error handling to the app."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from api.web import (
        agenda,
        auth,
        availability,
        case_actions,
        case_desk,
        case_list,
        case_page,
        diagnostic_page,
        imports_page,
        inbox,
        indicators_page,
        letters_page,
        overdue_page,
        partners_page,
        referrals_desk,
        team_page,
        unassigned_page,
    )
    from api.web.rendering import (
        PageError,
        invalid_request_handler,
        not_found_handler,
        page_error_handler,
    )

    app.add_exception_handler(auth.LoginRequired, auth.login_required_handler)
    app.add_exception_handler(auth.EvaluatorHome, auth.evaluator_home_handler)
    app.add_exception_handler(PageError, page_error_handler)
    app.add_exception_handler(RequestValidationError, invalid_request_handler)
    app.add_exception_handler(StarletteHTTPException, not_found_handler)
    for module in (
        auth,
        inbox,
        case_list,
        unassigned_page,
        case_page,
        case_actions,
        case_desk,
        diagnostic_page,
        overdue_page,
        letters_page,
        partners_page,
        referrals_desk,
        imports_page,
        indicators_page,
        agenda,  # before availability: /agenda/visits/{id}/{outcome} first
        availability,
        team_page,
    ):
        app.include_router(module.router)
