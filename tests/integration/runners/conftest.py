"""Bundled collections and the random-ranking baseline the reference retrievers must clearly beat."""
from __future__ import annotations

import random

import pytest

from runners.data import Corpus, Dataset
from runners.metrics import score_run
from tests.helpers import load_beir_dataset, runners_cache


def random_ndcg10(dataset: Dataset, seed: int = 0) -> float:
    """nDCG@10 of a seeded random ordering of the whole corpus for every judged query."""
    rng = random.Random(seed)
    doc_ids = [doc.doc_id for doc in dataset.corpus]
    run = {}
    for qid in dataset.judged_queries:
        shuffled = rng.sample(doc_ids, len(doc_ids))
        run[qid] = {doc_id: float(len(shuffled) - rank) for rank, doc_id in enumerate(shuffled)}
    return score_run(dataset.qrels, run).mean["ndcg@10"]


def corpus_slice(dataset: Dataset, n_queries: int, n_docs: int) -> Dataset:
    """The queries with most judgments, their judged documents, then other documents up to n_docs."""
    qids = sorted(dataset.qrels, key=lambda q: (-len(dataset.qrels[q]), q))[:n_queries]
    judged = {doc_id for q in qids for doc_id in dataset.qrels[q]}
    kept = [doc for doc in dataset.corpus if doc.doc_id in judged][:n_docs]
    kept += [doc for doc in dataset.corpus if doc.doc_id not in judged][: n_docs - len(kept)]
    kept_ids = {doc.doc_id for doc in kept}
    return Dataset(
        name=f"{dataset.name}-slice",
        corpus=Corpus.from_documents(kept),
        queries={q: dataset.queries[q] for q in qids},
        qrels={q: {d: r for d, r in dataset.qrels[q].items() if d in kept_ids} for q in qids},
        checksum=f"{dataset.name}-slice-{n_queries}-{n_docs}",
    )


@pytest.fixture(scope="session")
def adi() -> Dataset:
    dataset = load_beir_dataset("classic-ir/adi")
    dataset.checksum = "adi-test"
    return dataset


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A test of its own embedding cache: no other test's vectors in it."""
    monkeypatch.setenv("RB_CACHE_DIR", str(runners_cache(tmp_path / "cache")))
