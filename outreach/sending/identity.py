"""Who writes: the organisation that runs the mobile team, and the number households can call.

The first message names both (issue #14: a household afraid of official mail wants to know who
writes and how to check it). Set by ALLERVERS_ORGANISATION_NAME and ALLERVERS_TEAM_PHONE;
the development defaults below are fictional (01 99 00 is ARCEP's range for fiction) and refused
in production.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_ORGANISATION = "Association Exemple"
DEMO_PHONE = "01 99 00 12 34"


@dataclass(frozen=True)
class Identity:
    organisation: str = DEMO_ORGANISATION
    phone: str = DEMO_PHONE

    def values(self) -> dict[str, str]:
        """The texts' placeholders {organisation} and {phone}."""
        return {"organisation": self.organisation, "phone": self.phone}
