"""Compression variants of the bundled MiniLM on ADI: the full float32 variant is the reference itself, a
Matryoshka cut ranks as sentence-transformers' truncate_dim does, and every variant reuses one encoding."""
from __future__ import annotations

import numpy as np
import pytest

import runners
from runners.metrics import score_run
from runners.model_dir import resolve_model_path
from runners.variants import evaluate_variants

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("private_cache")]


@pytest.fixture(scope="module")
def variants(adi):
    return {v.name: v for v in evaluate_variants(runners.get_spec("minilm-l6"), adi, {
        "dims": [384, 128], "quantization": ["float32", "binary"], "rescore": 4}, measure_latency=False)}


def test_the_full_float32_flat_variant_is_the_reference_exactly(variants):
    parent, full = variants["parent"].outcome, variants["d384-float32-flat"].outcome
    assert full.run == parent.run
    assert {k: v for k, v in full.metrics.items() if not k.startswith("recall_vs_exact")} == parent.metrics
    assert full.metrics["recall_vs_exact@10"] == full.metrics["recall_vs_exact@100"] == 1.0


def test_a_matryoshka_cut_equals_sentence_transformers_truncate_dim(variants, adi):
    from sentence_transformers import SentenceTransformer

    spec = runners.get_spec("minilm-l6")
    model = SentenceTransformer(str(resolve_model_path(spec.params["model"])), device="cpu", truncate_dim=128)
    doc_ids = [doc.doc_id for doc in adi.corpus]
    docs = model.encode([doc.contents for doc in adi.corpus])
    qids = sorted(adi.judged_queries)
    queries = model.encode([adi.judged_queries[q] for q in qids])
    assert docs.shape[1] == queries.shape[1] == 128
    scores = (queries @ docs.T) / np.outer(np.linalg.norm(queries, axis=1), np.linalg.norm(docs, axis=1))  # cosine
    run = {qid: {doc_ids[d]: float(scores[i, d]) for d in np.argsort(-scores[i])} for i, qid in enumerate(qids)}
    expected = score_run(adi.qrels, run).mean
    ours = variants["d128-float32-flat"].outcome.metrics
    for name, value in expected.items():
        assert ours[name] == pytest.approx(value, abs=1e-6), name


def test_variants_reuse_the_encoding_and_record_their_cost(variants):
    for name in ("d384-binary-flat-r4", "d128-float32-flat", "d128-binary-flat-r4"):
        outcome = variants[name].outcome
        assert outcome.provenance["embedding_cache_hit"] is True, name  # encoded once, by the parent
        assert outcome.timings["index_bytes"] > 0 and 0 < outcome.metrics["recall_vs_exact@10"] <= 1.0
    assert variants["d128-binary-flat-r4"].outcome.provenance["compression"]["bytes_per_doc"] == 16
    assert variants["d384-binary-flat-r4"].outcome.provenance["compression"]["bytes_per_doc"] == 48
