"""Sequences as data: TOML files of steps, and the cases running them.

`enrol(session, clock=..., case=...)` enters a case into a sequence (the CCAPEX import calls
`enrol_on_import`, which honours ALLERVERS_IMPORT_SEQUENCE).
"""

from outreach.sequences.loader import (
    Sequence,
    SequenceError,
    SequenceStep,
    load_file,
    load_sequence,
)
from outreach.sequences.runner import enrol, enrol_on_import, stop_for_case

__all__ = [
    "Sequence",
    "SequenceError",
    "SequenceStep",
    "enrol",
    "enrol_on_import",
    "load_file",
    "load_sequence",
    "stop_for_case",
]
