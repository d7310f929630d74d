"""The whole path for a BEIR zip from a (local) web server: fetch -> verify -> load -> evaluate, and how it fails."""
import pytest

from datasets_registry import storage
from datasets_registry.aggregates import aggregate_scores
from datasets_registry.catalog import DatasetRecord
from datasets_registry.loaders.textfiles import DatasetFileError
from datasets_registry.services import load
from runners import evaluate, get_spec
from tests.integration.datasets_registry.upstream import beir_zip, md5

CORPUS = [
    {"_id": "d1", "title": "Solar panels", "text": "photovoltaic cells convert sunlight into electricity"},
    {"_id": "d2", "title": "Wind", "text": "turbines convert wind into electricity on farms"},
    {"_id": "d3", "title": "Baking", "text": "bread needs flour water yeast and an oven"},
    {"_id": "d4", "title": "Coffee", "text": "espresso is brewed by forcing hot water through coffee"},
]
QUERIES = [{"_id": "q1", "text": "sunlight electricity cells"}, {"_id": "q2", "text": "bread oven yeast"},
           {"_id": "q3", "text": "training query without test judgments"}]
QRELS = [("q1", "d1", 1), ("q2", "d3", 1)]


def record(url: str, checksum: str, slug: str = "tiny", root: str = "tiny", **extra) -> DatasetRecord:
    return DatasetRecord(benchmark="beir", slug=slug, name=slug, format="beir", source_url=url,
                         archive={"url": url, "md5": checksum, "root": root},
                         counts={"docs": 4, "judged_queries": 2, "qrels": 2}, **extra)


@pytest.fixture
def tiny_zip(upstream):
    upstream.files["tiny.zip"] = beir_zip("tiny", CORPUS, QUERIES, QRELS)
    return upstream.files["tiny.zip"]


def test_fetch_verify_load_evaluate(upstream, tiny_zip, data_dir):
    rec = record(upstream.url("tiny.zip"), md5(tiny_zip))
    assert storage.availability(rec).status == "not downloaded"
    folder = storage.fetch(rec)
    assert sorted(p.name for p in folder.iterdir()) == [".verified.json", "corpus.jsonl", "qrels", "queries.jsonl"]
    assert storage.availability(rec).status == "available"
    dataset = load(rec)
    assert (len(dataset.corpus), len(dataset.queries), len(dataset.judged_queries)) == (4, 3, 2)
    assert storage.verify(rec) == dataset.checksum
    outcome = evaluate(get_spec("bm25-flat"), dataset)
    assert outcome.metrics["ndcg@10"] == pytest.approx(1.0)
    assert outcome.provenance["dataset_checksum"] == dataset.checksum
    assert outcome.provenance["long_documents"]["mode"] == "truncate"
    storage.fetch(rec)  # idempotent: no second download
    assert upstream.requests == ["/ok/tiny.zip"]


def test_checksum_mismatch_leaves_nothing(upstream, tiny_zip, data_dir):
    rec = record(upstream.url("tiny.zip"), "0" * 32)
    with pytest.raises(storage.FetchError, match="md5 mismatch"):
        storage.fetch(rec)
    assert not storage.cache_dir(rec).exists()
    assert [p for p in (data_dir / "downloads").iterdir() if not p.name.startswith(".")] == []


def test_truncated_download_is_refused(upstream, tiny_zip, data_dir):
    rec = record(upstream.url("tiny.zip", mode="cut"), md5(tiny_zip))
    with pytest.raises(storage.FetchError, match="truncated|failed midway"):
        storage.fetch(rec)
    assert not storage.cache_dir(rec).exists()


def test_server_error_and_dropped_connection(upstream, tiny_zip, data_dir):
    with pytest.raises(storage.FetchError, match="HTTP 500"):
        storage.fetch(record(upstream.url("tiny.zip", mode="500"), md5(tiny_zip)))
    rec = record(upstream.url("tiny.zip", mode="drop"), md5(tiny_zip))
    with pytest.raises(storage.FetchError, match="truncated|failed midway"):
        storage.fetch(rec)
    assert not storage.cache_dir(rec).exists()
    # the next attempt, from a healthy server, succeeds
    assert storage.fetch(record(upstream.url("tiny.zip"), md5(tiny_zip), slug="tiny2"))


def test_no_network_gives_a_clear_message(data_dir):
    rec = record("http://datasets.invalid/tiny.zip", "0" * 32)
    with pytest.raises(storage.FetchError, match="cannot reach datasets.invalid.*no internet access"):
        storage.fetch(rec)


def test_wrong_schema_is_reported_at_load(upstream, data_dir):
    bad = [{"id": "d1", "contents": "BEIR wants _id, title and text"}]
    upstream.files["bad.zip"] = beir_zip("bad", bad, QUERIES, QRELS)
    rec = record(upstream.url("bad.zip"), md5(upstream.files["bad.zip"]), slug="bad", root="bad")
    storage.fetch(rec)
    with pytest.raises(DatasetFileError, match="corpus.jsonl:1: missing _id"):
        load(rec)


def test_wrong_archive_root_is_named(upstream, tiny_zip, data_dir):
    rec = record(upstream.url("tiny.zip"), md5(tiny_zip), root="other")
    with pytest.raises(storage.FetchError, match="expected folder 'other' inside the archive"):
        storage.fetch(rec)


def test_cqadupstack_forums_share_one_download_and_report_the_mean(upstream, data_dir):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for forum, docs in (("android", CORPUS[:2]), ("gaming", CORPUS[2:])):
            inner = zipfile.ZipFile(io.BytesIO(beir_zip(forum, docs, QUERIES, QRELS[:1] if forum == "android"
                                                         else QRELS[1:])))
            for name in inner.namelist():
                archive.writestr(f"cqadupstack/{name}", inner.read(name))
    upstream.files["cqadupstack.zip"] = buffer.getvalue()
    checksum = md5(buffer.getvalue())
    scores = {}
    for forum in ("android", "gaming"):
        rec = DatasetRecord(benchmark="beir", slug=f"cqadupstack-{forum}", name=forum, format="beir",
                            archive={"url": upstream.url("cqadupstack.zip"), "md5": checksum,
                                     "root": f"cqadupstack/{forum}"}, options={"aggregate": "cqadupstack"})
        storage.fetch(rec)
        scores[rec.key] = evaluate(get_spec("bm25-flat"), load(rec)).metrics["ndcg@10"]
    assert upstream.requests == ["/ok/cqadupstack.zip"]
    assert set(scores.values()) == {1.0}
    from datasets_registry.catalog import load_catalog

    catalog_scores = {f"beir/cqadupstack-{f}": 0.5 for f in
                      ("android", "english", "gaming", "gis", "mathematica", "physics", "programmers", "stats",
                       "tex", "unix", "webmasters", "wordpress")}
    catalog_scores["beir/cqadupstack-tex"] = 0.2
    assert aggregate_scores(catalog_scores, load_catalog()) == {"beir/cqadupstack": pytest.approx(0.475)}
    catalog_scores.pop("beir/cqadupstack-tex")
    assert aggregate_scores(catalog_scores, load_catalog()) == {}
