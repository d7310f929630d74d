"""A run-file submission's result has no timings: every page shows its missing figures as "–"."""
import csv
import io
import re

import pytest

from leaderboard.models import Family, Source
from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db
SCORES = [0.2, 0.4, 0.6, 0.8]


@pytest.fixture
def rows():
    """A model row with timings and a run-file row without, on one dataset."""
    data = f.dataset("bench/d0")
    f.result(f.submission("Model A"), data, SCORES, run={"q0": {"doc1": 1.0}})
    uploaded = f.submission("Uploaded runs", family=Family.RUN_FILE, source=Source.RUN_FILE, n_parameters=None,
                            open_weights=True)  # ticked by its submitter: a run file still has no weights
    f.result(uploaded, data, SCORES[::-1], timings={}, run={"q0": {"doc2": 1.0}})


def test_model_page_of_a_run_file_row_shows_dashes(client, rows):
    response = client.get("/models/uploaded-runs/")
    assert response.status_code == 200
    row = re.search(r'<tr data-dataset="bench/d0">(.*?)</tr>', response.content.decode(), re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    # latency p50 / p95, relative to the host's yardstick, QPS, index MB, index build s, peak RSS MB
    assert [c.strip() for c in cells[7:13]] == ["– / –", "–", "–", "–", "–", "–"]
    assert re.search(r"<dt>Open weights</dt><dd>no</dd>", response.content.decode())  # a run file never has them
    assert cells[1].strip() == "0.5000"


def test_model_exports_of_a_run_file_row(client, rows):
    data = client.get("/models/uploaded-runs/export.json").json()
    assert data["results"][0]["timings"] == {} and data["results"][0]["metrics"]["ndcg@10"] == pytest.approx(0.5)
    response = client.get("/models/uploaded-runs/export.csv")
    assert response.status_code == 200
    [record] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert record["dataset"] == "bench/d0" and "latency_p50_ms" not in record


@pytest.mark.parametrize("url", ["/leaderboards/bench/", "/leaderboards/", "/leaderboards/bench/export.csv"])
def test_leaderboards_list_the_run_file_row(client, rows, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "uploaded-runs" in response.content.decode()


@pytest.mark.parametrize("url", ["/leaderboards/bench/?metric=latency", "/leaderboards/bench/export.csv?metric=qps"])
def test_efficiency_tables_leave_out_the_row_without_the_figure(client, rows, url):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "model-a" in page and "uploaded-runs" not in page


def test_efficiency_page_leaves_out_the_row_without_latency(client, rows):
    response = client.get("/leaderboards/bench/efficiency/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/models/model-a/"' in page and 'href="/models/uploaded-runs/"' not in page


@pytest.mark.parametrize("metric", ["ndcg@10", "latency"])
def test_compare_with_a_run_file_row(client, rows, metric):
    response = client.get(f"/compare/?rows=model-a&rows=uploaded-runs&metric={metric}")
    assert response.status_code == 200
    assert "Uploaded runs" in response.content.decode()
