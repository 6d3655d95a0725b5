"""FastAPI's 422 list of validation errors, with each `msg` in French.

The list keeps pydantic's shape (`type`, `loc`, `msg`, `input`, `ctx`): a client decides on
`type` and `loc`, and shows `msg` to a person, so `msg` is the one part rewritten, from the
catalogs like every word a person reads. A type not listed here keeps its message: our own
checks (outreach.text_input, api.deps) already raise theirs in French.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.exceptions import RequestValidationError

from messages import N_, gettext, ngettext

DATE = N_("A date is expected, as YYYY-MM-DD.")
DATETIME = N_("A date and time are expected, as YYYY-MM-DDTHH:MM:SS+01:00.")
INTEGER = N_("A whole number is expected.")
NUMBER = N_("A number is expected.")
OBJECT = N_("A JSON object is expected.")
CHOICE = N_("Unknown value: choose one of {expected}.")

# pydantic-core's error types -> English msgid (placeholders from the error's `ctx`).
MESSAGES = {
    "missing": N_("This field is required."),
    "int_parsing": INTEGER,
    "int_type": INTEGER,
    "int_from_float": N_("A whole number is expected, without decimals."),
    "float_parsing": NUMBER,
    "float_type": NUMBER,
    "decimal_parsing": NUMBER,
    "finite_number": NUMBER,
    "bool_parsing": N_("Yes or no (true or false) is expected."),
    "bool_type": N_("Yes or no (true or false) is expected."),
    "string_type": N_("A text is expected."),
    "string_pattern_mismatch": N_("This text does not have the expected form."),
    "greater_than": N_("Must be greater than {gt}."),
    "greater_than_equal": N_("Must be at least {ge}."),
    "less_than": N_("Must be less than {lt}."),
    "less_than_equal": N_("Must be at most {le}."),
    "enum": CHOICE,
    "literal_error": CHOICE,
    "date_parsing": DATE,
    "date_type": DATE,
    "date_from_datetime_parsing": DATE,
    "date_from_datetime_inexact": DATE,
    "datetime_parsing": DATETIME,
    "datetime_type": DATETIME,
    "datetime_from_date_parsing": DATETIME,
    "json_invalid": N_("The body is not valid JSON."),
    "json_type": N_("The body is not valid JSON."),
    "model_attributes_type": OBJECT,
    "model_type": OBJECT,
    "dict_type": OBJECT,
    "list_type": N_("A list is expected."),
    "extra_forbidden": N_("Unknown field."),
}
# Types whose message counts something: the count's key in the error's `ctx`, and the message.
COUNTED: dict[str, tuple[str, Callable[[int], str]]] = {
    "string_too_short": (
        "min_length",
        lambda n: ngettext("At least {count} character.", "At least {count} characters.", n),
    ),
    "string_too_long": (
        "max_length",
        lambda n: ngettext("At most {count} character.", "At most {count} characters.", n),
    ),
    "too_short": (
        "min_length",
        lambda n: ngettext("At least {count} item.", "At least {count} items.", n),
    ),
    "too_long": (
        "max_length",
        lambda n: ngettext("At most {count} item.", "At most {count} items.", n),
    ),
}


def in_french(error: RequestValidationError) -> RequestValidationError:
    """The same errors, each `msg` in French where its type is known."""
    return RequestValidationError([_french(problem) for problem in error.errors()], body=error.body)


def _french(problem: dict[str, Any]) -> dict[str, Any]:
    kind = problem.get("type", "")
    context = problem.get("ctx") or {}
    try:
        if kind in COUNTED:
            key, counted = COUNTED[kind]
            message = counted(int(context[key]))
        elif kind == "value_error" and "error" in context:
            message = str(context["error"])  # our own French reason, without "Value error, "
        elif kind in MESSAGES:
            values = {name: str(value) for name, value in context.items()}
            if "expected" in values:  # pydantic lists the choices as "'a', 'b' or 'c'"
                values["expected"] = values["expected"].replace(" or ", " ou ")
            message = gettext(MESSAGES[kind], **values)
        else:
            return problem
    except (KeyError, ValueError, TypeError):
        return problem
    return {**problem, "msg": message}
