"""What /openapi.json promises about every JSON API operation, declared once here.

- Errors: one model, `{"detail": "<message in French>"}`. Each /api operation lists the answers
  it can give: 401 and 403 (every route wants a team token, an evaluator gets 403 everywhere),
  404 when its path names a row, 400 (a body that is not JSON, or not UTF-8) and 413 (too
  large, api/body_limit.py) when it takes a body, 422 always, 409 where the route says so
  (`CONFLICT`). A 422's `detail` is FastAPI's list of validation errors or a route's message.
- The bearer token is a security scheme, so clients (and the fuzzer) know every /api operation
  needs it.
- Closed lists (statuses, kinds, outcomes…) are enums, each value with its French label
  (`x-labels`), through `closed_list`.
- Files say their media type: `CsvResponse`, `XlsxResponse`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from pydantic import BaseModel

from messages import gettext

API_PREFIX = "/api/"
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorPublic"}
ERRORS = {
    "400": "The body is not JSON (or not UTF-8).",
    "401": "No token, or a token that is invalid or revoked.",
    "403": "Not for this team member: a case outside their sectors, or a coordinator's task.",
    "404": "Nothing with this id.",
    "409": "Refused in the present state of the case (the message says why).",
    "413": "The body is too large.",
}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": ERRORS["409"]}}
BODY_METHODS = ("post", "put", "patch")


class ErrorPublic(BaseModel):
    detail: str


class CsvResponse(Response):
    media_type = "text/csv; charset=utf-8"


class XlsxResponse(Response):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def closed_list(
    labels: Mapping[str, str] | Callable[[], Mapping[str, str]],
) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` for a text from a closed list: its values as an enum, and their French
    labels in `x-labels`. `labels` maps each value to its English msgid (or is a function that
    gives that mapping, for lists read from a data file)."""

    def extra(schema: dict[str, Any]) -> None:
        values = labels() if callable(labels) else labels
        branches = [b for b in schema.get("anyOf", ()) if b.get("type") == "string"]
        target = branches[0] if branches else schema
        target["enum"] = list(values)
        schema["x-labels"] = {value: gettext(label, "fr") for value, label in values.items()}

    return extra


def document(app: FastAPI) -> None:
    """Finish the generated schema once, when it is first asked for."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _finish(generate())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _finish(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["ErrorPublic"] = ErrorPublic.model_json_schema()
    _validation_detail(schemas)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "A team member's token."}
    }
    for path, operations in schema.get("paths", {}).items():
        if path.startswith(API_PREFIX):
            for method, operation in operations.items():
                _errors(path, method, operation)


def _validation_detail(schemas: dict[str, Any]) -> None:
    """A 422's `detail`: FastAPI's list of validation errors, or a route's own message (an
    unknown status, an empty message)."""
    error = schemas.get("HTTPValidationError")
    if error is not None:
        listed = {k: v for k, v in error["properties"]["detail"].items() if k != "title"}
        error["properties"]["detail"] = {"title": "Detail", "anyOf": [listed, {"type": "string"}]}


def _errors(path: str, method: str, operation: dict[str, Any]) -> None:
    operation["security"] = [{"bearer": []}]
    responses = operation.setdefault("responses", {})
    codes = ["401", "403"]
    if "{" in path:
        codes.append("404")
    if method in BODY_METHODS or "requestBody" in operation:
        codes += ["400", "413"]
    for code in codes:
        responses.setdefault(code, {"description": ERRORS[code]})
    for code, response in responses.items():
        if code.startswith("4") and code != "422":
            response.setdefault("content", {"application/json": {"schema": ERROR_SCHEMA}})
    responses.setdefault(
        "422",
        {
            "description": "Validation Error",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
            },
        },
    )
