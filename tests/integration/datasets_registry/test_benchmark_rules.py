"""ArguAna's self-match removal and BRIGHT's excluded_ids, from upstream-format files through the loaders,
change nDCG@10 exactly as expected on constructed examples (BM25 flat ranks the query's own text first)."""
import math

import pytest

from datasets_registry import storage
from datasets_registry.catalog import DatasetRecord
from datasets_registry.services import load
from runners import evaluate, get_spec
from tests.integration.datasets_registry.test_http_fetch_bright import bright_record
from tests.integration.datasets_registry.upstream import beir_zip, md5

RANK_2 = 1 / math.log2(3)  # nDCG@10 of one relevant document found at rank 2

ARGUMENTS = [
    {"_id": "a1", "title": "", "text": "school uniforms limit the freedom of expression of pupils"},
    {"_id": "a2", "title": "", "text": "uniforms limit expression yet pupils gain equality at school"},
    {"_id": "a3", "title": "", "text": "nuclear power is a low carbon source of electricity"},
    {"_id": "a4", "title": "", "text": "renewables are cheaper than nuclear power for carbon cuts"},
]
# ArguAna: the query is an argument of the corpus itself (same id); its counter-argument is relevant.
QUERIES = [{"_id": "a1", "text": ARGUMENTS[0]["text"]}, {"_id": "a3", "text": ARGUMENTS[2]["text"]}]
QRELS = [("a1", "a2", 1), ("a3", "a4", 1)]


def arguana_record(upstream, remove: bool) -> DatasetRecord:
    upstream.files["arguana.zip"] = beir_zip("arguana", ARGUMENTS, QUERIES, QRELS)
    return DatasetRecord(benchmark="beir", slug=f"arguana-{remove}", name="arguana", format="beir",
                         archive={"url": upstream.url("arguana.zip"), "md5": md5(upstream.files["arguana.zip"]),
                                  "root": "arguana"}, options={"remove_self_matches": remove})


def test_arguana_self_match_removal(upstream, data_dir):
    scores = {}
    for remove in (False, True):
        record = arguana_record(upstream, remove)
        storage.fetch(record)
        dataset = load(record)
        assert dataset.remove_self_matches is remove
        outcome = evaluate(get_spec("bm25-flat"), dataset)
        assert next(iter(outcome.run["a1"])) == ("a2" if remove else "a1")
        scores[remove] = outcome.metrics["ndcg@10"]
    assert scores[False] == pytest.approx(RANK_2, abs=1e-9)
    assert scores[True] == pytest.approx(1.0, abs=1e-9)


def test_bright_exclusion_changes_the_metric_exactly(upstream, data_dir):
    record = bright_record(upstream)
    storage.fetch(record)
    dataset = load(record)
    with_rule = evaluate(get_spec("bm25-flat"), dataset)
    dataset.excluded_ids = {}
    without_rule = evaluate(get_spec("bm25-flat"), dataset)
    assert next(iter(without_rule.run["0"])) == "bio/source_post.txt"
    assert without_rule.per_query["0"]["ndcg@10"] == pytest.approx(RANK_2, abs=1e-9)
    assert with_rule.per_query["0"]["ndcg@10"] == pytest.approx(1.0, abs=1e-9)
    assert with_rule.per_query["1"] == without_rule.per_query["1"]  # "N/A": nothing excluded
