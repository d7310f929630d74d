"""Concurrent requests to a threaded web server: every page kind at once, the process survives.

Leaderboards with the randomisation test, comparisons (paired tests) and their RRF fusion (metrics) call ranx's
numba parallel kernels from the request threads; unserialised, two at once abort the process (SIGABRT).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from datasets_registry.catalog import load_catalog
from datasets_registry.services import load
from runners.metrics import METRICS, score_run
from tests.integration.leaderboard import factories as f
from tests.integration.pipeline.conftest import ADI

pytestmark = pytest.mark.slow
ROWS = 4


def build_rows() -> None:
    """ROWS submissions on ADI, each with a stored run that ranks the relevant documents first on its share of
    the queries (so every pair differs and fuses), and per-query scores computed from that run."""
    adi = load(load_catalog().get(ADI))  # also keeps ADI's topics, which fusion reads
    docs = [d.doc_id for d in adi.corpus]
    data = f.dataset(ADI, "ADI")
    for n in range(ROWS):
        filler = docs[20 * n: 20 * n + 20]
        run = {q: {**{d: 1.0 / (rank + 2) for rank, d in enumerate(filler)},
                   **({d: 5.0 for d in adi.qrels[q]} if i % ROWS == n else {})}
               for i, q in enumerate(sorted(adi.qrels))}
        scores = {q: s["ndcg@10"] for q, s in score_run(adi.qrels, run).per_query.items()}
        f.result(f.submission(f"Row {n}"), data, scores, latency=1.0 + n, run=run)


def page_urls() -> list[str]:
    leaderboards = [f"/leaderboards/?test=randomisation&metric={m.name}&correction={c}"
                    for m in METRICS for c in ("holm", "bonferroni")]
    compares = [f"/compare/?rows=row-{n % ROWS}&rows=row-{(n + 1) % ROWS}&fuse=1" for n in range(15)]
    return [
        *leaderboards, "/leaderboards/classic-ir/?test=randomisation", *compares,
        "/leaderboards/export.csv?test=randomisation", "/leaderboards/export.json?test=randomisation",
        *(f"/models/row-{n}/" for n in range(ROWS)), "/leaderboards/efficiency/",
        "/api/leaderboards/", "/api/leaderboards/all/?test=randomisation", "/api/results/",
    ]


def test_forty_concurrent_requests_over_every_page_kind_all_succeed_and_the_server_survives(start_web):
    build_rows()
    server = start_web()
    urls = page_urls()
    assert len(urls) == 40

    def fetch(url: str) -> tuple[int, bytes]:
        try:
            return server.get(url)
        except OSError as exc:  # the connection dropped: the server died under the request
            return 0, repr(exc).encode()

    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        responses = dict(zip(urls, pool.map(fetch, urls)))
    assert server.alive(), server.process.text()[-3000:]
    assert {url: status for url, (status, _) in responses.items() if status != 200} == {}
    compares = [body.decode() for url, (_, body) in responses.items() if url.startswith("/compare/")]
    assert all('id="fusion"' in page and "RRF (k = 60) of both" in page for page in compares)
    assert server.get("/compare/?rows=row-0&rows=row-1&fuse=1")[0] == 200 and server.alive()
