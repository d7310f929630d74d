"""`npl`: the NPL (Vaswani) collection's own format: blocks ended by a line holding only `/`.

doc-text and query-text blocks: the id on the first line, then the text (lines stripped, joined by one space;
no titles). rlv-ass blocks: the query id, then the ids of its relevant documents, several to a line (score 1).
"""
from __future__ import annotations

from datasets_registry.loaders.originals.base import Collection, Original, OriginalFormatError, collapse

INPUTS = ("corpus", "queries", "qrels")


def blocks(original: Original) -> list[tuple[str, list[str]]]:
    """(id, the block's other lines) in file order."""
    found: list[tuple[str, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in original.lines():
        if line.strip() == "/":
            if not current:
                raise OriginalFormatError(f"{original.name}:{number}: empty block")
            block_id, *rest = current
            if not block_id.strip().isdigit():
                raise OriginalFormatError(f"{original.name}:{start}: block id {block_id.strip()!r} is not a number")
            found.append((str(int(block_id)), rest))
            current = []
        elif current or line.strip():  # blank lines between blocks are not part of the next one
            if not current:
                start = number
            current.append(line)
    if any(line.strip() for line in current):
        raise OriginalFormatError(f"{original.name}: the last block has no closing /")
    return found


def convert(inputs: dict[str, Original], options: dict) -> Collection:
    corpus = [{"_id": doc, "title": "", "text": collapse(lines)} for doc, lines in blocks(inputs["corpus"])]
    queries = [{"_id": query, "text": collapse(lines)} for query, lines in blocks(inputs["queries"])]
    qrels = []
    for query, lines in blocks(inputs["qrels"]):
        for doc in " ".join(lines).split():
            if not doc.isdigit():
                raise OriginalFormatError(f"{inputs['qrels'].name}: query {query}: document id {doc!r} is not a number")
            qrels.append((query, str(int(doc)), 1))
    return Collection(corpus=corpus, queries=queries, qrels=qrels)
