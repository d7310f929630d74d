"""`cosqa-json`: CoSQA's retrieval files from the CoCLR repository.

corpus: code_idx_map.txt, one JSON object {code: index} (`_id` = index, `text` = the code, no title), in
index order. queries: cosqa-retrieval-test-500.json, a list of {"idx", "doc", "code", "retrieval_idx", ...}
(`_id` = idx, `text` = doc); each query's one relevant document is its `retrieval_idx`, checked against the
index of its `code`.
"""
from __future__ import annotations

import json

from datasets_registry.loaders.originals.base import Collection, Original, OriginalFormatError

INPUTS = ("corpus", "queries")


def _json(original: Original, kind: type):
    try:
        value = json.loads(original.text())
    except json.JSONDecodeError as exc:
        raise OriginalFormatError(f"{original.name}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(value, kind):
        raise OriginalFormatError(f"{original.name}: expected a JSON {kind.__name__}")
    return value


def convert(inputs: dict[str, Original], options: dict) -> Collection:
    codes: dict = _json(inputs["corpus"], dict)
    if not all(isinstance(index, int) for index in codes.values()):
        raise OriginalFormatError(f"{inputs['corpus'].name}: every code must map to an integer index")
    corpus = [{"_id": str(index), "title": "", "text": code}
              for code, index in sorted(codes.items(), key=lambda item: item[1])]
    queries, qrels = [], []
    for position, example in enumerate(_json(inputs["queries"], list)):
        try:
            query, text, code, gold = example["idx"], example["doc"], example["code"], example["retrieval_idx"]
        except (KeyError, TypeError):
            raise OriginalFormatError(f"{inputs['queries'].name}: example {position} lacks idx, doc, code or "
                                      "retrieval_idx") from None
        if codes.get(code) != gold:
            raise OriginalFormatError(f"{inputs['queries'].name}: example {query}: retrieval_idx {gold} is not the "
                                      f"index of its code")
        queries.append({"_id": query, "text": text})
        qrels.append((query, str(gold), 1))
    return Collection(corpus=corpus, queries=queries, qrels=qrels)
