"""The server process's heap: what the garbage collector looks at, and how often.

CPython's cycle collector stops every thread while it runs. With its default settings it
promotes the short-lived objects of requests in flight (rows, statements, template frames) to
the oldest generation, which then grows fast enough to be collected in full every few seconds;
and a full collection walks everything alive, the modules, mappers and catalogs loaded at
start-up included. Measured under `bench/load.py` (six clients, one process): six full
collections in 30 s, of 190 to 270 ms each, every request in flight waiting meanwhile, which was
most of the pages' p99 (bench/README.md).

`settle` is called once by `allervers serve`, after the app is built and before it serves:
- what start-up made is moved out of the collector's sight (`gc.freeze`): it lives as long as
  the process and holds no garbage worth looking for;
- the youngest generation is collected after 20,000 new objects instead of 700, so that most of
  a request's objects are freed by reference counting before a collection sees them, and few
  are promoted. Cycles are still found, a little later.

The test suite does not call it: its processes build and drop many apps, whose objects a
freeze would keep for good.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000  # new objects between two collections of the youngest generation
OLDER_THRESHOLDS = (10, 10)  # CPython's defaults for the two older generations


def settle() -> None:
    """Collect once, keep what start-up made out of later collections, collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
