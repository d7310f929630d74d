"""Hybrid references (BM25 + MiniLM): effective, deterministic, and fused exactly from their components."""
from __future__ import annotations

import pytest

import runners
from runners.retrievers.hybrid.fusion import convex, rrf
from runners.specs import build_retriever
from tests.integration.runners.conftest import random_ndcg10

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["hybrid-bm25-minilm-rrf", "hybrid-bm25-minilm-convex"])
def test_hybrid_beats_random_and_repeats_exactly(adi, name):
    first = runners.evaluate(runners.get_spec(name), adi)
    second = runners.evaluate(runners.get_spec(name), adi)
    assert first.metrics["ndcg@10"] > 2 * random_ndcg10(adi) + 0.1
    assert second.metrics == first.metrics and second.run == first.run
    assert set(first.provenance["components"]) == {"bm25-flat", "minilm-l6"}


def test_hybrid_search_is_the_fusion_of_its_components(adi, tmp_path):
    hybrid = build_retriever(runners.get_spec("hybrid-bm25-minilm-convex"))
    hybrid.index(adi.corpus, tmp_path)
    queries = dict(list(adi.judged_queries.items())[:5])
    bm25, dense = (r.search(queries, 1000) for r in hybrid.components)
    assert hybrid.provenance()["fusion"]["weights"] == [0.5, 0.5]
    fused = hybrid.search(queries, 10)
    expected = convex([bm25, dense], [0.5, 0.5], "min-max")
    for qid, hits in fused.items():
        assert len(hits) == 10
        assert hits == {d: expected[qid][d] for d in hits}
        assert min(hits.values()) >= sorted(expected[qid].values())[-10]
    assert rrf([bm25, dense]) != expected


@pytest.mark.usefixtures("private_cache")
def test_hybrid_index_cost_counts_its_cached_components(adi, tmp_path):
    """The components' indexes come from caches the second time; the reported cost stays the cold one."""
    first = build_retriever(runners.get_spec("hybrid-bm25-minilm-rrf"))
    (tmp_path / "a").mkdir()
    first.index(adi.corpus, tmp_path / "a")
    second = build_retriever(runners.get_spec("hybrid-bm25-minilm-rrf"))
    (tmp_path / "b").mkdir()
    second.index(adi.corpus, tmp_path / "b")
    bm25, dense = second.components
    assert bm25.artifact.reused and dense.cache_hit
    assert bm25.build_seconds() == bm25.artifact.info["seconds"] and dense.build_seconds() > 0
    assert second.build_seconds() == pytest.approx(bm25.build_seconds() + dense.build_seconds())
    assert second.build_seconds() > sum(second.component_seconds)  # more than loading the caches took
