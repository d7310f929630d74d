"""LoCo from parquet files on a (local) web server: one dataset per task, long documents chunked or truncated."""
import pytest

from datasets_registry import storage
from datasets_registry.catalog import DatasetRecord
from datasets_registry.loaders.textfiles import DatasetFileError
from datasets_registry.services import load
from runners import evaluate, get_spec
from tests.integration.datasets_registry.upstream import LOCO_DOCUMENTS, LOCO_QUERIES, parquet_bytes

FILLER = " ".join(f"filler{i}" for i in range(600))
DOCUMENTS = [
    {"pid": "gov_0", "dataset": "gov_report", "passage": FILLER + " the bridge budget was approved by congress"},
    {"pid": "gov_1", "dataset": "gov_report", "passage": "school lunch programs and nutrition standards " * 20},
    {"pid": "gov_2", "dataset": "gov_report", "passage": "bridge " + FILLER},
    {"pid": "qm_0", "dataset": "qmsum", "passage": "the meeting discussed the bridge budget"},
]
QUERIES = [
    {"qid": "g0", "dataset": "gov_report", "query": "congress approved bridge budget", "answer_pids": ["gov_0"]},
    {"qid": "g1", "dataset": "gov_report", "query": "school lunch nutrition", "answer_pids": ["gov_1"]},
    {"qid": "m0", "dataset": "qmsum", "query": "bridge budget meeting", "answer_pids": ["qm_0"]},
]


def loco_record(upstream, task="gov_report", pinned=False) -> DatasetRecord:
    upstream.files["queries.parquet"] = parquet_bytes(QUERIES, LOCO_QUERIES)
    upstream.files["documents.parquet"] = parquet_bytes(DOCUMENTS, LOCO_DOCUMENTS)
    return DatasetRecord(benchmark="loco", slug=task, name=task, format="loco", options={"task": task},
                         downloads=[{"url": upstream.url("queries.parquet"), "path": "queries.parquet"},
                                    {"url": upstream.url("documents.parquet"), "path": "documents.parquet"}])


def test_one_dataset_per_task(upstream, data_dir):
    gov, qmsum = loco_record(upstream), loco_record(upstream, task="qmsum")
    storage.fetch(gov)
    storage.fetch(qmsum)
    assert len(upstream.requests) == 4  # unpinned files are fetched per dataset (never trusted from cache)
    gov_set, qm_set = load(gov), load(qmsum)
    assert sorted(d.doc_id for d in gov_set.corpus) == ["gov_0", "gov_1", "gov_2"]
    assert gov_set.qrels == {"g0": {"gov_0": 1}, "g1": {"gov_1": 1}}
    assert qm_set.queries == {"m0": "bridge budget meeting"}


def test_chunking_finds_what_truncation_cuts_off(upstream, data_dir):
    rec = loco_record(upstream)
    storage.fetch(rec)
    dataset = load(rec)
    # 128-word passages with 32 words of overlap; a document scores its best passage (MaxP).
    chunked = get_spec("bm25-flat").with_params(long_documents="chunk", chunk_words=128, stride=96)
    outcome = evaluate(chunked, dataset)
    assert outcome.provenance["long_documents"]["mode"] == "chunk"
    assert outcome.provenance["long_documents"]["chunk_words"] == 128
    assert outcome.provenance["long_documents"]["passages"] > 3
    assert set(outcome.run["g0"]) <= {"gov_0", "gov_1", "gov_2"}  # documents, not passages, are ranked
    assert outcome.per_query["g0"]["ndcg@10"] == 1.0
    assert outcome.metrics["ndcg@10"] == pytest.approx(1.0)
    whole = evaluate(get_spec("bm25-flat"), dataset)
    assert whole.provenance["long_documents"] == {"mode": "truncate", "max_length": "none (whole document)"}


def test_unpinned_files_are_checked_against_what_first_arrived(upstream, data_dir):
    rec = loco_record(upstream)
    folder = storage.fetch(rec)
    checksum = storage.verify(rec)
    assert checksum == load(rec).checksum
    (folder / "queries.parquet").write_bytes(parquet_bytes(QUERIES[:1], LOCO_QUERIES))
    with pytest.raises(storage.FetchError, match="files changed since they were fetched: queries.parquet"):
        storage.verify(rec)


def test_unknown_task_and_wrong_schema(upstream, data_dir):
    rec = loco_record(upstream, task="no_such_task")
    storage.fetch(rec)
    with pytest.raises(DatasetFileError, match="no document of task 'no_such_task'"):
        load(rec)
    rec = DatasetRecord(**{**loco_record(upstream).__dict__, "slug": "gov2"})
    upstream.files["queries.parquet"] = parquet_bytes([{"pid": "x", "dataset": "gov_report", "passage": "p"}],
                                                      LOCO_DOCUMENTS)
    storage.fetch(rec)
    with pytest.raises(DatasetFileError, match="queries.parquet: missing column"):
        load(rec)
