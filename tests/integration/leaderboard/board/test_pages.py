"""Leaderboard pages, exports and the read API over HTTP (Django test client, real PostgreSQL)."""
import csv
import gzip
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from runners.metrics import score_run
from tests.helpers import load_beir_dataset
from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db
QUERIES = 20


def build(rows: int, datasets: int = 3) -> None:
    data = [f.dataset(f"bench/d{i}") for i in range(datasets)]
    for n in range(rows):
        row = f.submission(f"Model {n}", n_parameters=10**6 * (n + 1))
        for i, d in enumerate(data[: 1 + n % datasets]):
            f.result(row, d, [((n * 7 + i + q) % 10) / 10 for q in range(QUERIES)], latency=1.0 + n,
                     run={"q0": {"doc1": 1.0}})
        f.result(row, data[0], [0.1] * QUERIES, attempt=0, is_current=False)


def queries_for(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", [
    "/leaderboards/", "/leaderboards/bench/?metric=recall@100&family=dense", "/leaderboards/bench/efficiency/",
    "/leaderboards/export.csv", "/api/leaderboards/all/", "/api/results/", "/models/model-1/",
    "/compare/?rows=model-1&rows=model-2&rows=model-4",
])
def test_queries_per_page_do_not_grow_with_rows(client, url):
    build(10)
    few = queries_for(client, url)
    build(100 - 10)
    assert queries_for(client, url) == few


@pytest.mark.usefixtures("shipped_cache")
def test_cached_leaderboard_costs_no_table_queries(client):
    build(5)
    client.get("/leaderboards/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/leaderboards/?sort=name")
    assert len(captured.captured_queries) <= 1  # the benchmark tabs


def test_leaderboard_page_marks_missing_cells_and_counts(client):
    build(3)
    page = client.get("/leaderboards/bench/").content.decode()
    assert "2/3" in page and "1/3" in page and "3/3" in page
    assert page.count('class="missing"') == 3  # rows with 1 and 2 of 3 datasets


def test_csv_and_json_exports(client):
    build(3)
    response = client.get("/leaderboards/bench/export.csv?sort=name")
    assert response["Content-Disposition"] == 'attachment; filename="leaderboard-bench-ndcg@10.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["submission"] for r in rows] == ["model-0", "model-1", "model-2"]
    assert rows[0]["bench/d1"] == "" and rows[0]["datasets_scored"] == "1" and rows[0]["datasets_total"] == "3"
    data = client.get("/leaderboards/bench/export.json").json()
    assert data["datasets"] == ["bench/d0", "bench/d1", "bench/d2"] and len(data["rows"]) == 3
    assert client.get("/api/leaderboards/bench/").json() == data
    model = client.get("/models/model-2/export.json").json()
    assert len(model["results"]) == 3 and model["history"][0]["attempt"] == 0
    assert client.get("/compare/export.csv?rows=model-1&rows=model-2").content.decode().startswith(
        "dataset,model-1,model-2,model-2_delta")


def test_run_download_and_results_api(client):
    build(2)
    listed = client.get("/api/results/?submission=model-1").json()
    assert listed["count"] == 2
    result = client.get(f"/api/results/{listed['results'][0]['id']}/").json()
    assert len(result["query_scores"]) == QUERIES and result["run_url"].endswith("/run.trec.gz")
    response = client.get(result["run_url"])
    assert gzip.decompress(b"".join(response.streaming_content)).decode() == "q0 Q0 doc1 1 1.0 model-1\n"
    assert client.get("/api/results/?history=1&submission=model-1").json()["count"] == 3


def test_private_results_are_not_downloadable_by_others(client):
    row = f.submission("Hidden", is_public=False)
    made = f.result(row, f.dataset("bench/d0"), [0.5] * QUERIES, run={"q0": {"d": 1.0}})
    assert client.get(f"/results/{made.pk}/run.trec.gz").status_code == 404
    assert client.get("/models/hidden/").status_code == 404
    assert client.get(f"/api/results/{made.pk}/").status_code == 404


def test_compare_shows_query_text_and_fuses_stored_runs(client):
    adi = load_beir_dataset("classic-ir/adi")
    qids = sorted(adi.qrels)
    docs = [d.doc_id for d in adi.corpus]

    def run(keep_even: bool):  # relevant documents on top for half the queries, each run its own filler
        junk = docs[:20] if keep_even else docs[20:40]
        return {q: {**{d: 1.0 / (r + 2) for r, d in enumerate(junk)},
                    **({d: 5.0 for d in adi.qrels[q]} if (i % 2 == 0) == keep_even else {})}
                for i, q in enumerate(qids)}

    data = f.dataset("classic-ir/adi", "ADI")
    per_query = {}
    for name, keep_even in (("Even", True), ("Odd", False)):
        the_run = run(keep_even)
        per_query[name] = {q: s["ndcg@10"] for q, s in score_run(adi.qrels, the_run).per_query.items()}
        f.result(f.submission(name), data, per_query[name], run=the_run)
    page = client.get("/compare/?rows=even&rows=odd&fuse=1").content.decode()
    gain = max(per_query["Odd"][q] - per_query["Even"][q] for q in qids)
    top = [q for q in qids if per_query["Odd"][q] - per_query["Even"][q] == gain]
    assert any(escape(adi.queries[q]) in page for q in top)  # the biggest gains, with their query text
    assert 'id="fusion"' in page
    fused = float(page.split('class="fused"><td>RRF (k = 60) of both</td><td>')[1].split("<")[0])
    # Every query has its relevant documents on top in one of the two runs: the fusion beats both.
    assert fused > max(sum(scores.values()) / len(scores) for scores in per_query.values()) + 0.1


@pytest.mark.usefixtures("shipped_cache")
def test_cached_pages_change_when_a_result_lands(client, django_capture_on_commit_callbacks):
    build(1)
    assert "Model 0" in client.get("/leaderboards/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        f.result(f.submission("Newcomer"), f.dataset("bench/d0"), [0.9] * QUERIES)
    assert "Newcomer" in client.get("/leaderboards/").content.decode()


@pytest.mark.usefixtures("shipped_cache")
def test_the_anonymous_page_cache_never_serves_a_logged_in_viewer(client, django_user_model):
    owner = django_user_model.objects.create_user("owner")
    f.result(f.submission("Secret", owner=owner, is_public=False), f.dataset("bench/d0"), [0.5] * QUERIES)
    build(1)
    assert "Secret" not in client.get("/leaderboards/").content.decode()
    client.force_login(owner)
    page = client.get("/leaderboards/").content.decode()
    assert "Secret" in page and "owner" in page and "Model 0" in page


@pytest.mark.usefixtures("shipped_cache")
def test_a_viewer_who_adds_a_private_row_leaves_the_shared_public_scope(client, django_user_model,
                                                                        django_capture_on_commit_callbacks):
    owner = django_user_model.objects.create_user("owner")
    build(1)
    client.force_login(owner)
    assert "Model 0" in client.get("/leaderboards/").content.decode()  # public scope, cached for this viewer
    with django_capture_on_commit_callbacks(execute=True):
        f.result(f.submission("Mine only", owner=owner, is_public=False), f.dataset("bench/d0"), [0.5] * QUERIES)
    assert "Mine only" in client.get("/leaderboards/").content.decode()
    client.logout()
    assert "Mine only" not in client.get("/leaderboards/").content.decode()
