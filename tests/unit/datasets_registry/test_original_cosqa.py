"""The `cosqa-json` converter on excerpts of the real code_idx_map.txt and cosqa-retrieval-test-500.json."""
import json

import pytest

from datasets_registry.loaders.originals import CONVERTERS, Original, OriginalFormatError

PASTE = "def paste(xsel=False):\n    \"\"\"Returns system clipboard contents.\"\"\"\n    return clipboard()"
WRITE = "def writeBoolean(self, n):\n        \"\"\"\n        Writes a Boolean to the stream.\n        \"\"\""
CODES = json.dumps({PASTE: 1, WRITE: 0}, indent=1).encode()
EXAMPLES = [{"idx": "cosqa-train-12467", "doc": "sort by a token in string python", "code": PASTE,
             "code_tokens": "def paste ( xsel = False ) :", "docstring_tokens": "Returns system clipboard contents .",
             "label": 1, "retrieval_idx": 1}]


def convert(codes=CODES, examples=EXAMPLES):
    inputs = {"corpus": Original("code_idx_map.txt", codes),
              "queries": Original("cosqa-retrieval-test-500.json", json.dumps(examples, indent=1).encode())}
    return CONVERTERS["cosqa-json"].convert(inputs, {})


def test_codes_in_index_order_queries_and_their_gold_code():
    collection = convert()
    assert collection.corpus == [{"_id": "0", "title": "", "text": WRITE}, {"_id": "1", "title": "", "text": PASTE}]
    assert collection.queries == [{"_id": "cosqa-train-12467", "text": "sort by a token in string python"}]
    assert collection.qrels == [("cosqa-train-12467", "1", 1)]


@pytest.mark.parametrize("codes, examples, message", [
    (CODES, [{**EXAMPLES[0], "retrieval_idx": 0}], r"example cosqa-train-12467: retrieval_idx 0 is not the index"),
    (CODES, [{"idx": "q", "doc": "no code"}], r"cosqa-retrieval-test-500.json: example 0 lacks idx"),
    (b'{"def f(): pass": "0"}', EXAMPLES, r"code_idx_map.txt: every code must map to an integer index"),
    (b'{"def f(): pass": 0', EXAMPLES, r"code_idx_map.txt:1: invalid JSON"),
    (b'["def f(): pass"]', EXAMPLES, r"code_idx_map.txt: expected a JSON dict"),
])
def test_malformed_files_are_named(codes, examples, message):
    with pytest.raises(OriginalFormatError, match=message):
        convert(codes, examples)
