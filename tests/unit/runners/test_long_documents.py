"""Chunking long documents: windows, passage ids, max-passage aggregation, and the spec params."""
import pytest

from runners.errors import UserInputError
from runners.long_documents import describe, document_of, max_passage, passage_id, settings_of, split_words
from runners.specs import get_spec


def test_windows_overlap_and_reach_the_end():
    words = " ".join(str(i) for i in range(10))
    assert split_words(words, 4, 3) == ["0 1 2 3", "3 4 5 6", "6 7 8 9"]
    assert split_words(words, 4, 4) == ["0 1 2 3", "4 5 6 7", "6 7 8 9"]  # last window ends at the end
    assert split_words("short text", 4, 2) == ["short text"]
    assert split_words("", 4, 2) == [""]  # title-only documents keep one passage


def test_passage_ids_round_trip_even_with_separators_in_doc_ids():
    assert document_of(passage_id("a::p1", 3)) == "a::p1"


def test_max_passage_keeps_each_documents_best_score():
    hits = {passage_id("a", 0): 1.0, passage_id("b", 0): 3.0, passage_id("a", 1): 5.0}
    assert max_passage(hits) == {"a": 5.0, "b": 3.0}


def test_spec_params_and_provenance():
    assert describe(get_spec("minilm-l6")) == {"mode": "truncate", "max_length": 256}
    assert describe(get_spec("bm25-flat"))["max_length"] == "none (whole document)"
    chunk = settings_of({"long_documents": "chunk", "chunk_words": 100, "stride": 50})
    assert chunk == {"mode": "chunk", "unit": "words", "chunk_words": 100, "stride": 50, "aggregate": "max",
                     "depth_factor": 4}
    with pytest.raises(UserInputError, match="stride"):
        settings_of({"long_documents": "chunk", "chunk_words": 10, "stride": 20})
    with pytest.raises(UserInputError, match="long_documents must be one of"):
        settings_of({"long_documents": "summarise"})
