"""Compressed dense search against brute force on random vectors: faiss's codes, our truncation and rescoring."""
import numpy as np
import pytest

from runners.errors import UserInputError
from runners.retrievers.dense.compressed_index import CompressedIndex, Compression, sign_bits, truncate
from runners.retrievers.dense.vector_index import VectorIndex
from runners.variants import expand, recall_against, variant_name

DIMS, DOCS, QUERIES, K = 64, 500, 20, 10


@pytest.fixture(scope="module")
def vectors():
    generator = np.random.default_rng(7)
    docs = generator.standard_normal((DOCS, DIMS)).astype(np.float32)
    queries = generator.standard_normal((QUERIES, DIMS)).astype(np.float32)
    return docs / np.linalg.norm(docs, axis=1, keepdims=True), queries / np.linalg.norm(queries, axis=1, keepdims=True)


def built(compression: Compression, docs) -> CompressedIndex:
    index = CompressedIndex(compression)
    index.build(docs)
    return index


def test_full_dimension_float32_flat_equals_the_plain_index(vectors):
    docs, queries = vectors
    plain = VectorIndex("flat")
    plain.build(docs)
    expected_scores, expected_rows = plain.search(queries, K)
    scores, rows = built(Compression(DIMS), docs).search(queries, K)
    assert np.array_equal(rows, expected_rows) and np.array_equal(scores, expected_scores)


def test_truncation_keeps_the_first_components_renormalised(vectors):
    docs, _ = vectors
    kept = truncate(docs, 16)
    assert kept.shape == (DOCS, 16)
    assert np.allclose(np.linalg.norm(kept, axis=1), 1.0)
    assert np.allclose(kept * np.linalg.norm(docs[:, :16], axis=1, keepdims=True), docs[:, :16], atol=1e-6)


def test_binary_search_equals_a_numpy_hamming_brute_force(vectors):
    docs, queries = vectors
    scores, rows = built(Compression(DIMS, "binary"), docs).search(queries, K)
    doc_bits, query_bits = docs > 0, queries > 0
    hamming = (query_bits[:, None, :] != doc_bits[None, :, :]).sum(axis=2)
    for q in range(QUERIES):
        assert np.array_equal(np.sort(hamming[q])[:K], np.sort(hamming[q, rows[q]]))  # the K nearest, ties aside
        assert np.array_equal(scores[q], DIMS - 2 * hamming[q, rows[q]])


def test_rescoring_can_only_raise_recall_against_exact_search(vectors):
    docs, queries = vectors
    _, exact_rows = built(Compression(DIMS), docs).search(queries, K)
    exact = {str(q): {str(r): float(-i) for i, r in enumerate(row)} for q, row in enumerate(exact_rows)}

    def recall(compression):
        scores, rows = built(compression, docs).search(queries, K)
        run = {str(q): {str(r): float(s) for s, r in zip(qs, qr)} for q, (qs, qr) in enumerate(zip(scores, rows))}
        return recall_against(run, exact, K)

    for quantization in ("binary", "int8"):
        plain, rescored = recall(Compression(DIMS, quantization)), recall(Compression(DIMS, quantization, rescore=4))
        assert rescored >= plain, quantization
    assert recall(Compression(DIMS, "binary", rescore=50)) == 1.0  # every document rescored: exact


@pytest.mark.parametrize(("compression", "expected"), [
    (Compression(384, "binary"), 48), (Compression(384, "int8"), 384), (Compression(384, "float16"), 768),
    (Compression(128), 512), (Compression(128, index="ivf-pq"), 16),
])
def test_bytes_per_document_are_exact(compression, expected):
    assert compression.bytes_per_doc == expected


def test_the_stored_binary_codes_take_dims_over_8_bytes_per_document(vectors):
    docs, _ = vectors
    assert sign_bits(docs).shape == (DOCS, DIMS // 8)
    assert built(Compression(DIMS, "binary"), docs).nbytes() >= DOCS * DIMS // 8


def test_ivf_pq_on_too_few_documents_fails_with_its_reason(vectors):
    docs, _ = vectors
    with pytest.raises(UserInputError, match="at least 256 documents"):
        built(Compression(DIMS, index="ivf-pq"), docs[:100])


def test_variants_expand_to_named_parameter_sets():
    sets = expand({"dims": [384, 128], "quantization": ["float32", "binary"], "rescore": 4})
    assert [variant_name(p) for p in sets] == ["d384-float32-flat", "d384-binary-flat-r4", "d128-float32-flat",
                                              "d128-binary-flat-r4"]


@pytest.mark.parametrize(("variants", "field"), [
    ({"dims": [4]}, "variants.dims"), ({"dims": ["big"]}, "variants.dims"), ({"quantization": ["int4"]},
                                                                            "variants.quantization"),
    ({"search": ["ivf"]}, "variants.search"), ({"rescore": 1000}, "variants.rescore"), ({"colour": 1}, "colour"),
    ({"dims": list(range(8, 33))}, "at most 24"), ([], "variants: an object"),
])
def test_bad_variants_name_the_field(variants, field):
    with pytest.raises(UserInputError, match=field):
        expand(variants)


@pytest.mark.parametrize(("compression", "message"), [
    (Compression(1000), "outside 8..64"), (Compression(60, "binary"), "multiple of 8"),
    (Compression(64, "int8", index="ivf-pq"), "its own quantization"), (Compression(64, "int8", "hnsw"), "hnsw"),
])
def test_compressions_the_index_cannot_build_are_user_errors(vectors, compression, message):
    with pytest.raises(UserInputError, match=message):
        built(compression, vectors[0])
