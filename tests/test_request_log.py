"""Request logs name the route template, never the query string or raw path."""

from __future__ import annotations

import logging


def test_it_logs_the_route_template_without_query_or_ids(client, auth, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="allervers.requests"):
        client.get("/api/cases", params={"q": "Lefictif 06 39 98 00 01"}, headers=auth)
        client.get("/api/cases/424242", headers=auth)
    lines = [r.getMessage() for r in caplog.records if r.name == "allervers.requests"]
    assert lines[0].startswith("GET /api/cases 200")
    assert lines[1].startswith("GET /api/cases/{case_id} 404")
    joined = "\n".join(lines)
    assert "Lefictif" not in joined
    assert "06 39 98" not in joined
    assert "424242" not in joined
