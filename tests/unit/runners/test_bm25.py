"""BM25 (flat and multifield) through runners.evaluate equals Pyserini's own toolchain, and is sane.

The reference index is built by Pyserini's command line (`python -m pyserini.index.lucene`, run
through benchmarks/pyserini_cli.py for this machine's JDK) straight from the bundled BEIR files,
and searched with Pyserini's LuceneSearcher: our loader, corpus writer and in-process indexing
must not change a single top-10 list.
"""
import random
import subprocess
import sys
from pathlib import Path

import pytest

import runners
from runners.metrics import score_run
from runners.trec_run import trec_order
from tests.helpers import DATASETS_ROOT, load_beir_dataset

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DATASET = "classic-ir/cranfield"  # titles and graded judgments: flat and multifield differ
# Pyserini CLI flags and query fields of each spec, as in the BEIR reproductions.
TOOLCHAIN = {
    "bm25-flat": (["--collection", "BeirFlatCollection"], {}),
    "bm25-multifield": (["--collection", "BeirMultifieldCollection", "--fields", "title"],
                        {"contents": 1.0, "title": 1.0}),
}
TOP = 10


@pytest.fixture(scope="module")
def dataset():
    return load_beir_dataset(DATASET)


def pyserini_cli_index(spec_name: str, workdir: Path) -> Path:
    source = workdir / "collection"
    source.mkdir()
    (source / "corpus.jsonl.gz").symlink_to(DATASETS_ROOT / DATASET / "corpus.jsonl.gz")
    index = workdir / "index"
    flags, _ = TOOLCHAIN[spec_name]
    subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "pyserini_cli.py"), "pyserini.index.lucene", *flags,
         "--generator", "DefaultLuceneDocumentGenerator", "--input", str(source), "--index", str(index),
         "--threads", "1", "--quiet"],
        check=True, capture_output=True, timeout=600,
    )
    return index


@pytest.mark.parametrize("spec_name", sorted(TOOLCHAIN))
def test_top10_equals_pyserini_cli_index(bm25_outcome, dataset, tmp_path, spec_name):
    outcome = bm25_outcome(DATASET, spec_name)  # starts the JVM that LuceneSearcher below uses
    from pyserini.search.lucene import LuceneSearcher

    searcher = LuceneSearcher(str(pyserini_cli_index(spec_name, tmp_path)))
    searcher.set_bm25(0.9, 0.4)
    _, fields = TOOLCHAIN[spec_name]
    for qid, text in dataset.judged_queries.items():
        hits = searcher.search(text, 1000, fields=fields)
        # Ties may fall on either side of rank 10 in Lucene's own order: compare in trec_eval's order.
        expected = trec_order({hit.docid: float(hit.score) for hit in hits})[:TOP]
        assert trec_order(outcome.run[qid])[:TOP] == expected, qid


@pytest.mark.parametrize("spec_name", sorted(TOOLCHAIN))
def test_deterministic(bm25_outcome, dataset, spec_name, monkeypatch):
    first = bm25_outcome(DATASET, spec_name)
    monkeypatch.setenv("RB_ARTIFACT_URL", "off")  # rebuild the index rather than reuse the stored one
    second = runners.evaluate(runners.get_spec(spec_name), dataset)
    assert second.metrics == first.metrics
    assert second.run == first.run


def random_ndcg_at_10(dataset, seeds: int = 20) -> float:
    doc_ids = [doc.doc_id for doc in dataset.corpus]
    total = 0.0
    for seed in range(seeds):
        rng = random.Random(seed)
        run = {qid: {d: float(-rank) for rank, d in enumerate(rng.sample(doc_ids, len(doc_ids)))}
               for qid in dataset.judged_queries}
        total += score_run(dataset.qrels, run).mean["ndcg@10"]
    return total / seeds


@pytest.mark.parametrize("spec_name", sorted(TOOLCHAIN))
def test_far_better_than_random(bm25_outcome, dataset, spec_name):
    random_ndcg = random_ndcg_at_10(dataset)
    bm25_ndcg = bm25_outcome(DATASET, spec_name).metrics["ndcg@10"]
    assert random_ndcg < 0.05
    assert bm25_ndcg > random_ndcg + 0.25
