"""Benchmark tabs list the catalog's datasets that have no result yet: availability here, published figures."""
import re

import pytest

from datasets_registry.storage import MARKER
from tests.integration.leaderboard import factories as f

pytestmark = pytest.mark.django_db
REFERENCE_CSV = (
    "benchmark,dataset,bm25_ndcg@10,bm25_recall@100,bm25_recall@1000,source_repo,source_path,source_commit,notes\n"
    "beir,nfcorpus,0.3218,0.2457,0.3704,castorini/anserini,docs/regressions/beir.md,0123456789abcdef,flat\n"
)


@pytest.fixture(autouse=True)
def workers(settings, tmp_path):
    """An empty dataset cache but for a verified copy of BEIR SciFact, no mirror, one published BM25 figure."""
    settings.DATA_DIR, settings.MIRROR_DIR, settings.REFERENCE_DIR = tmp_path, tmp_path / "mirror", tmp_path / "ref"
    (tmp_path / "datasets" / "beir" / "scifact").mkdir(parents=True)
    (tmp_path / "datasets" / "beir" / "scifact" / MARKER).write_text("{}")
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "bm25_anserini_reference.csv").write_text(REFERENCE_CSV)


def pending(page: str) -> dict[str, str]:
    """Dataset key -> the text of its row in the list of datasets without results."""
    section = re.search(r'<section id="pending-datasets".*?</section>', page, re.S).group(0)
    return {key: " ".join(re.sub(r"<[^>]+>", " ", row).split())
            for key, row in re.findall(r'<tr data-dataset="([^"]+)">(.*?)</tr>', section, re.S)}


def test_an_empty_beir_tab_lists_its_datasets_with_availability_and_published_figures(client):
    f.benchmark("beir")
    page = client.get("/leaderboards/beir/").content.decode()
    assert "No results yet." in page
    listed = pending(page)
    assert len(listed) == 30  # every BEIR record of the catalog, CQADupStack's 12 forums each
    assert "available" in listed["beir/scifact"] and "not downloaded" not in listed["beir/scifact"]
    assert "not downloaded: python manage.py datasets fetch beir/nq" in listed["beir/nq"]
    assert "licence-restricted: The BioASQ corpus" in listed["beir/bioasq"]
    assert "datasets import beir/bioasq" in listed["beir/bioasq"]
    assert "0.3218 (published, not measured here; castorini/anserini/docs/regressions/beir.md@0123456789)" \
        in listed["beir/nfcorpus"]
    assert listed["beir/nq"].endswith("–")  # no published figure
    assert "CC-BY-SA-4.0" in listed["beir/nfcorpus"]


@pytest.mark.parametrize("benchmark, key", [("bright", "bright/biology"), ("bright-long", "bright-long/pony"),
                                            ("loco", "loco/qmsum"), ("code", "code/cosqa")])
def test_other_empty_tabs_list_their_datasets(client, benchmark, key):
    f.benchmark(benchmark)
    listed = pending(client.get(f"/leaderboards/{benchmark}/").content.decode())
    assert "not downloaded: python manage.py datasets fetch " + key in listed[key]


def test_a_tab_with_results_lists_the_datasets_without_any_below_the_table(client):
    row = f.submission("Dense")
    f.result(row, f.dataset("beir/scifact", "SciFact"), [0.5, 0.7])
    f.result(row, f.dataset("beir/cqadupstack-android", "CQADupStack Android"), [0.4, 0.6])
    page = client.get("/leaderboards/beir/").content.decode()
    assert page.index('id="leaderboard"') < page.index('id="pending-datasets"')
    assert "Datasets without results yet" in page
    listed = pending(page)
    assert "beir/scifact" not in listed and "beir/cqadupstack-android" not in listed
    assert "beir/cqadupstack-gis" in listed and "beir/nfcorpus" in listed and len(listed) == 28


def test_the_overview_lists_no_datasets(client):
    f.result(f.submission("Dense"), f.dataset("beir/scifact"), [0.5, 0.7])
    assert 'id="pending-datasets"' not in client.get("/leaderboards/").content.decode()
