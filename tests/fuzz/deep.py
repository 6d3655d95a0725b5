"""`make fuzz`: the deep pass for whoever changes the API (issue #22).

Every phase and every check of schemathesis (`st run --checks all`) against the app in process,
on a fresh migrated SQLite file with the demo data, signed in as the demo coordinator; a new seed
each run unless FUZZ_SEED is given, FUZZ_EXAMPLES examples per operation (500). Prints each
failure with its request and exits 1 when there is one. For PostgreSQL, set
ALLERVERS_DATABASE_URL to an empty database. `st run` against `make run` does the same over HTTP.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path


def main() -> int:
    seed = int(os.environ.get("FUZZ_SEED") or random.randrange(2**31))
    examples = int(os.environ.get("FUZZ_EXAMPLES") or 500)
    with tempfile.TemporaryDirectory() as work:
        os.environ.setdefault("ALLERVERS_DATABASE_URL", f"sqlite:///{Path(work) / 'fuzz.db'}")
        os.environ.setdefault("ALLERVERS_SPOOL_DIR", str(Path(work) / "spool"))
        from api.app import create_app
        from api.services import build_services
        from outreach.db import transaction
        from outreach.migrate import upgrade
        from outreach.settings import load_settings
        from outreach.simulation.demo import load_demo_data
        from tests.fuzz.schema_engine import failures

        services = build_services(load_settings())
        upgrade(services.engine)
        with transaction(services.sessions) as session:
            report = load_demo_data(session, clock=services.clock)
        token = next(user.token for user in report.users if user.role == "coordinator")
        app = create_app(services=services)
        print(f"schemathesis, every phase and check: seed {seed}, {examples} examples")
        found = failures(
            app, headers={"Authorization": f"Bearer {token}"}, max_examples=examples, seed=seed
        )
        services.engine.dispose()
    print("\n\n".join(found) or "no failure")
    print(f"seed {seed}: {len(found)} failure(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
