"""SPLADE (splade-tiny): vectors equal a direct masked-LM computation; exact index; effective, deterministic."""
from __future__ import annotations

import numpy as np
import pytest

import runners
from runners.retrievers.learned_sparse.inverted_index import InvertedIndex
from runners.retrievers.learned_sparse.lucene_impact import LuceneImpactIndex
from runners.retrievers.learned_sparse.retriever import SparseRetriever
from runners.trec_run import trec_order
from tests.integration.runners.conftest import random_ndcg10

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def retriever():
    return SparseRetriever(runners.get_spec("splade-tiny"))


@pytest.fixture(scope="module")
def adi_vectors(retriever, adi):
    docs = retriever.encoder.encode_passages([doc.contents for doc in adi.corpus])
    queries = retriever.encoder.encode_queries(list(adi.judged_queries.values()))
    return docs, queries


def test_vectors_equal_direct_masked_lm_computation(retriever, adi):
    import torch
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    path = str(retriever.model_dir.path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForMaskedLM.from_pretrained(path, use_safetensors=True).eval()
    texts = [doc.contents for doc in adi.corpus][:12] + ["x"]
    ours = retriever.encoder.encode_passages(texts).toarray()
    for row, text in enumerate(texts):  # one text at a time: no padding involved
        with torch.no_grad():
            logits = model(**tokenizer(text, truncation=True, max_length=256, return_tensors="pt")).logits[0]
        expected = torch.log1p(torch.relu(logits)).max(dim=0).values.numpy()
        np.testing.assert_allclose(ours[row], expected, atol=1e-5)
    non_zero = (ours > 0).sum(axis=1)
    assert non_zero.min() > 0 and non_zero.max() < 0.05 * ours.shape[1]  # sparse, yet never empty


def test_top_k_pruning_keeps_the_largest_weights(retriever, adi):
    text = [next(iter(adi.corpus)).contents]
    full = retriever.encoder.encode(text, top_k=None).toarray()[0]
    pruned = retriever.encoder.encode(text, top_k=16).toarray()[0]
    kept = np.flatnonzero(pruned)
    assert len(kept) == 16
    np.testing.assert_array_equal(pruned[kept], full[kept])
    assert full[kept].min() >= np.sort(full)[-16]


def _ranking(hits: dict[str, float]) -> list[str]:
    return [doc_id for doc_id, _ in trec_order(hits)]


def test_inverted_index_returns_the_brute_force_top_100(adi_vectors, adi, tmp_path):
    docs, queries = adi_vectors
    doc_ids = [doc.doc_id for doc in adi.corpus]
    qids = list(adi.judged_queries)
    index = InvertedIndex()
    index.build(docs, doc_ids, tmp_path)
    found = index.search(queries, qids, 100)
    brute = queries.toarray().astype(np.float64) @ docs.toarray().astype(np.float64).T
    for row, qid in enumerate(qids):
        matched = np.flatnonzero(brute[row] > 0)
        expected = {doc_ids[c]: brute[row, c] for c in matched}
        top = dict(trec_order(expected)[:100])
        assert set(found[qid]) == set(top)
        np.testing.assert_allclose([found[qid][d] for d in top], list(top.values()), rtol=1e-5)


def test_lucene_impact_index_agrees_with_the_exact_index(adi_vectors, adi, tmp_path):
    docs, queries = adi_vectors
    doc_ids = [doc.doc_id for doc in adi.corpus]
    qids = list(adi.judged_queries)
    exact, lucene = InvertedIndex(), LuceneImpactIndex()
    exact.build(docs, doc_ids, tmp_path)
    lucene.build(docs, doc_ids, tmp_path)
    exact_run, lucene_run = exact.search(queries, qids, 10), lucene.search(queries, qids, 10)
    overlap = np.mean([len(set(exact_run[q]) & set(lucene_run[q])) / 10 for q in qids])
    assert overlap > 0.9  # only the integer quantisation of weights separates them
    assert lucene.search(queries[:1], qids[:1], 10)[qids[0]] == lucene_run[qids[0]]


def test_splade_beats_random_and_repeats_exactly(adi, tmp_path, monkeypatch):
    monkeypatch.setenv("RB_CACHE_DIR", str(tmp_path / "first"))
    first = runners.evaluate(runners.get_spec("splade-tiny"), adi)
    monkeypatch.setenv("RB_CACHE_DIR", str(tmp_path / "second"))  # encoded again, not read from a cache
    second = runners.evaluate(runners.get_spec("splade-tiny"), adi)
    assert first.metrics["ndcg@10"] > 2 * random_ndcg10(adi) + 0.1
    assert second.metrics == first.metrics and second.run == first.run
    # A third run reads the document term weights from the cache and still reports the cold index cost.
    third = runners.evaluate(runners.get_spec("splade-tiny"), adi)
    assert [r.provenance["vector_cache_hit"] for r in (first, second, third)] == [False, False, True]
    assert third.run == second.run
    assert third.timings["index_seconds"] > third.timings["index_seconds_measured"]
    assert first.provenance["index"] == "csr" and first.provenance["vocabulary_size"] == 30522
