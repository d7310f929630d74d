"""BRIGHT from parquet files on a (local) web server: fetch -> load -> evaluate, excluded_ids honoured."""
import pytest

from datasets_registry import storage
from datasets_registry.catalog import DatasetRecord
from datasets_registry.loaders.textfiles import DatasetFileError
from datasets_registry.services import load
from runners import evaluate, get_spec
from tests.integration.datasets_registry.upstream import (
    BRIGHT_DOCUMENTS,
    BRIGHT_EXAMPLES,
    LOCO_DOCUMENTS,
    md5,
    parquet_bytes,
)

DOCS = [
    {"id": "bio/light_0.txt", "content": "insects fly toward artificial light at night moths lamps"},
    {"id": "bio/light_1.txt", "content": "phototaxis explains why moths circle a lamp light"},
    {"id": "bio/source_post.txt", "content": "why are moths attracted to light lamps at night"},
    {"id": "bio/cells.txt", "content": "mitochondria produce energy in cells"},
]
LONG_DOCS = [{"id": "bio/light.txt", "content": " ".join(d["content"] for d in DOCS[:2])},
             {"id": "bio/source_post.txt", "content": DOCS[2]["content"]},
             {"id": "bio/cells.txt", "content": DOCS[3]["content"]}]
EXAMPLES = [
    {"id": "0", "query": "why are moths attracted to lamps at night", "reasoning": "", "gold_answer": "",
     "gold_ids": ["bio/light_1.txt", "bio/light_1.txt"], "gold_ids_long": ["bio/light.txt"],
     "excluded_ids": ["bio/source_post.txt", "bio/not_in_corpus.txt"]},
    {"id": "1", "query": "energy of cells", "reasoning": "", "gold_answer": "",
     "gold_ids": ["bio/cells.txt"], "gold_ids_long": ["bio/cells.txt"], "excluded_ids": ["N/A"]},
]


def bright_record(upstream, long: bool = False, examples=EXAMPLES, docs=None) -> DatasetRecord:
    docs = docs if docs is not None else (LONG_DOCS if long else DOCS)
    suffix = "-long" if long else ""
    upstream.files[f"examples{suffix}.parquet"] = parquet_bytes(examples, BRIGHT_EXAMPLES)
    upstream.files[f"documents{suffix}.parquet"] = parquet_bytes(docs, BRIGHT_DOCUMENTS)
    return DatasetRecord(
        benchmark="bright-long" if long else "bright", slug="biology", name="biology", format="bright",
        options={"domain": "biology", "long_documents": long},
        downloads=[{"url": upstream.url(f"examples{suffix}.parquet"), "path": "examples.parquet",
                    "md5": md5(upstream.files[f"examples{suffix}.parquet"])},
                   {"url": upstream.url(f"documents{suffix}.parquet"), "path": "documents.parquet",
                    "md5": md5(upstream.files[f"documents{suffix}.parquet"])}],
    )


def test_standard_setting_end_to_end(upstream, data_dir):
    rec = bright_record(upstream)
    storage.fetch(rec)
    dataset = load(rec)
    assert dataset.qrels == {"0": {"bio/light_1.txt": 1}, "1": {"bio/cells.txt": 1}}  # repeated gold id once
    assert dataset.excluded_ids == {"0": frozenset({"bio/source_post.txt", "bio/not_in_corpus.txt"})}
    outcome = evaluate(get_spec("bm25-flat"), dataset)
    assert "bio/source_post.txt" not in outcome.run["0"]  # the post the query was written from is gone
    assert outcome.metrics["ndcg@10"] == pytest.approx(1.0)


def test_long_document_setting_uses_long_files_and_gold_ids_long(upstream, data_dir):
    rec = bright_record(upstream, long=True)
    storage.fetch(rec)
    dataset = load(rec)
    assert len(dataset.corpus) == 3
    assert dataset.qrels["0"] == {"bio/light.txt": 1}
    assert evaluate(get_spec("bm25-flat"), dataset).metrics["ndcg@10"] == pytest.approx(1.0)


def test_query_whose_every_relevant_document_is_excluded_scores_zero(upstream, data_dir):
    examples = [dict(EXAMPLES[0], excluded_ids=["bio/light_1.txt"]), EXAMPLES[1]]
    rec = bright_record(upstream, examples=examples)
    storage.fetch(rec)
    outcome = evaluate(get_spec("bm25-flat"), load(rec))
    assert "bio/light_1.txt" not in outcome.run["0"]
    assert outcome.per_query["0"]["ndcg@10"] == 0.0  # still judged, as in BRIGHT's own evaluation
    assert outcome.per_query["1"]["ndcg@10"] == 1.0
    assert outcome.metrics["ndcg@10"] == pytest.approx(0.5)


def test_wrong_schema_names_the_file_and_columns(upstream, data_dir):
    rec = bright_record(upstream, docs=[])
    upstream.files["documents.parquet"] = parquet_bytes([{"pid": "x", "passage": "y", "dataset": "z"}],
                                                        LOCO_DOCUMENTS)
    rec = DatasetRecord(**{**rec.__dict__, "downloads": [
        rec.downloads[0], {**rec.downloads[1], "md5": md5(upstream.files["documents.parquet"])}]})
    storage.fetch(rec)
    with pytest.raises(DatasetFileError, match="documents.parquet: missing column\\(s\\) id, content"):
        load(rec)


def test_gold_id_outside_the_corpus_is_refused(upstream, data_dir):
    examples = [dict(EXAMPLES[1], gold_ids=["bio/missing.txt"])]
    rec = bright_record(upstream, examples=examples)
    storage.fetch(rec)
    with pytest.raises(DatasetFileError, match="gold_ids names unknown document"):
        load(rec)


def test_checksum_mismatch_on_second_file_leaves_nothing(upstream, data_dir):
    rec = bright_record(upstream)
    rec = DatasetRecord(**{**rec.__dict__, "downloads": [rec.downloads[0], {**rec.downloads[1], "md5": "0" * 32}]})
    with pytest.raises(storage.FetchError, match="md5 mismatch"):
        storage.fetch(rec)
    assert not storage.cache_dir(rec).exists()
