"""Dense bi-encoder (minilm-l6): same vectors as sentence-transformers, effective, deterministic, cached."""
from __future__ import annotations

import numpy as np
import pytest

import runners
from runners.embedding_cache import cache_dir
from runners.retrievers.dense.retriever import DenseRetriever
from tests.integration.runners.conftest import random_ndcg10

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("private_cache")]


@pytest.fixture(scope="module")
def retriever():
    return DenseRetriever(runners.get_spec("minilm-l6"))


def test_vectors_equal_sentence_transformers_encode(retriever, adi):
    from sentence_transformers import SentenceTransformer

    texts = [doc.contents for doc in adi.corpus][:40] + ["", "a", "short query"]
    reference = SentenceTransformer(str(retriever.model_dir.path), device="cpu").encode(texts, batch_size=7)
    ours = retriever.encoder.encode_passages(texts)
    assert ours.shape == reference.shape == (43, 384)
    np.testing.assert_allclose(ours, reference, atol=1e-5)


def test_minilm_beats_random_and_repeats_exactly(adi):
    first = runners.evaluate(runners.get_spec("minilm-l6"), adi)
    second = runners.evaluate(runners.get_spec("minilm-l6"), adi)
    assert first.metrics["ndcg@10"] > 2 * random_ndcg10(adi) + 0.1
    assert second.metrics == first.metrics
    assert second.run == first.run
    # The second run read the corpus vectors from the cache instead of encoding again ...
    assert (first.provenance["embedding_cache_hit"], second.provenance["embedding_cache_hit"]) == (False, True)
    # ... yet reports the cold cost (the recorded encoding time), not the seconds the cache took to load.
    assert first.timings["index_seconds"] == first.timings["index_seconds_measured"]
    assert second.timings["index_seconds"] > second.timings["index_seconds_measured"]
    assert second.timings["index_seconds"] == pytest.approx(first.timings["index_seconds"], rel=0.5)
    assert first.provenance["pooling"] == "mean" and first.provenance["model_checksum"].startswith("sha256:")


def test_cache_is_keyed_by_model_settings_and_corpus(retriever, adi, tmp_path):
    retriever.index(adi.corpus, tmp_path)
    assert not retriever.cache_hit
    retriever.index(adi.corpus, tmp_path)
    assert retriever.cache_hit
    retriever.encoder.passage_prefix = "passage: "  # another encoding of the same corpus
    retriever.index(adi.corpus, tmp_path)
    assert not retriever.cache_hit
    assert not list((cache_dir() / "embeddings").glob("*.tmp"))
    assert len(list((cache_dir() / "embeddings").glob("*.npy"))) == 2


def test_hnsw_finds_the_exact_neighbours_on_a_small_corpus(adi):
    flat = runners.evaluate(runners.get_spec("minilm-l6"), adi)
    hnsw = runners.evaluate(runners.get_spec("minilm-l6-hnsw"), adi)
    assert hnsw.provenance["hnsw"] == {"m": 32, "ef_construction": 200, "ef_search": 128}
    assert hnsw.metrics["ndcg@10"] == pytest.approx(flat.metrics["ndcg@10"], abs=1e-6)
    # Both are also timed with the family's standard search (exact flat), named in the timings.
    assert flat.timings["standard_search"] == hnsw.timings["standard_search"] == "search=flat"
    assert flat.timings["standard_search_is_submitted"] is True and "standard_latency_p50_ms" not in flat.timings
    assert hnsw.timings["standard_search_is_submitted"] is False
    assert hnsw.timings["standard_latency_p50_ms"] > 0 and hnsw.timings["standard_batch_qps"] > 0
    assert hnsw.timings["standard_index_bytes"] == flat.timings["index_bytes"]
