"""French labels of the codes the team pages show (English msgids, translated by the catalog)."""

from __future__ import annotations

from messages import N_, gettext
from outreach.casework.lifecycle import STATUS_LABELS
from outreach.casework.procedure import STAGE_LABELS as STAGE_LABELS  # the domain's list

CASE_STATUS_LABELS = STATUS_LABELS  # one list, in the domain (outreach.casework.lifecycle)
SORT_LABELS = {
    "newest": N_("Newest first"),
    "oldest": N_("Oldest first"),
    "reference": N_("Reference"),
    "name": N_("Name"),
    "month": N_("Import month"),
    "updated": N_("Last change"),
    "last_contact": N_("Last contact"),
    "deadline": N_("Nearest deadline"),
}


def label(labels: dict[str, str], code: str | None) -> str:
    if not code:
        return ""
    return gettext(labels[code]) if code in labels else code
