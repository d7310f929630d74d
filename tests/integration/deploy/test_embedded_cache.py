"""The site cache is one cache for every process, on both shipped backends (the embedded default's files, Redis
with CACHE_URL): what another process commits reaches a running web server's very next responses, and a submission
made private leaves them at once."""
from __future__ import annotations

import json

import pytest
from django.db import transaction

from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.slow
QUERIES = 10
CACHED_READS = ("/leaderboards/", "/leaderboards/bench/", "/leaderboards/export.json", "/leaderboards/export.csv",
                "/api/leaderboards/all/")


def rows_in(server, path: str) -> set[str]:
    """Which of the test's submissions a response shows."""
    status, body = server.get(path)
    assert status == 200, (path, status)
    if path.endswith(".json") or path.startswith("/api/"):
        return {row["submission"] for row in json.loads(body)["rows"]}
    return {slug for slug in ("stays", "goes-private", "newcomer") if slug in body.decode()}


def test_a_result_and_a_privacy_change_from_another_process_reach_the_servers_next_responses(
        start_web, pipeline_env, shipped_cache):
    data = f.dataset("bench/d0")
    f.result(f.submission("Stays"), data, [0.5] * QUERIES)
    leaving = f.submission("Goes Private")
    f.result(leaving, data, [0.7] * QUERIES)
    server = start_web({**pipeline_env, **shipped_cache})  # the server on this test's cache
    for _ in range(2):  # the second round is served from the server's caches
        for path in CACHED_READS:
            assert rows_in(server, path) == {"stays", "goes-private"}, path
    assert server.get("/models/goes-private/")[0] == 200

    with transaction.atomic():  # as the worker stores a result: one commit, the signal after it
        f.result(f.submission("Newcomer"), data, [0.9] * QUERIES)
    leaving.is_public = False
    leaving.save()

    for path in CACHED_READS:
        assert rows_in(server, path) == {"stays", "newcomer"}, path
    assert server.get("/models/goes-private/")[0] == 404
