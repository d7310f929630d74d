"""`smart-glasgow`: the SMART records of the Glasgow test collections (ADI, CACM, CISI, Cranfield, MEDLINE).

A record starts with `.I <id>`; a line holding only `.<letter>` starts that field, whose lines run to the next
marker. A field repeated in one record is joined to the first in order (Cranfield 576 has two `.W`). `title` is
`.T`, `text` is `.W`; the catalog names which other fields go to `metadata` and under which key, and how the
qrels file's columns read. Options (all optional):

    doc_metadata = { A = "author", B = "bib" }    query_metadata = { N = "author_note" }
    renumber_queries = true      # queries become 1..n in file order, `.I` kept as metadata.original_id
    qrels = { query = 0, doc = 1, score = 2 }      # whitespace-separated columns; no score column: 1
    relevance = { "1" = 4, "-1" = 0 }              # score column value -> BEIR score (else read as integer)
"""
from __future__ import annotations

import re

from datasets_registry.loaders.originals.base import Collection, Original, OriginalFormatError, collapse

INPUTS = ("corpus", "queries", "qrels")
RECORD = re.compile(r"\.I\s+(\S+)\s*$")
FIELD = re.compile(r"\.([A-Z])\s*$")


def records(original: Original) -> list[tuple[str, dict[str, str]]]:
    """(`.I` value, {field letter: text}) in file order."""
    found: list[tuple[str, dict[str, list[str]]]] = []
    field = None
    for number, line in original.lines():
        if start := RECORD.match(line):
            found.append((start.group(1), {}))
            field = None
        elif marker := FIELD.match(line):
            if not found:
                raise OriginalFormatError(f"{original.name}:{number}: field {line.strip()} before the first .I")
            field = marker.group(1)
            found[-1][1].setdefault(field, [])
        elif field is not None:
            found[-1][1][field].append(line)
        elif line.strip():
            raise OriginalFormatError(f"{original.name}:{number}: text outside any field")
    # A bare `.I` with no field holds nothing (CACM's query.text ends with `.I 0`).
    return [(rid, {k: collapse(v) for k, v in fields.items()}) for rid, fields in found if fields]


def number(value: str, where: str) -> str:
    """Ids are integers written without leading zeros (`004` -> `4`)."""
    try:
        return str(int(value))
    except ValueError:
        raise OriginalFormatError(f"{where}: id {value!r} is not an integer") from None


def metadata(fields: dict[str, str], names: dict[str, str]) -> dict:
    return {key: fields[letter] for letter, key in names.items() if letter in fields}


def with_metadata(record: dict, meta: dict) -> dict:
    return {**record, "metadata": meta} if meta else record


def read_qrels(original: Original, options: dict) -> list[tuple[str, str, int]]:
    columns = options.get("qrels", {"query": 0, "doc": 1})
    relevance = options.get("relevance")
    rows = []
    for line_number, line in original.lines():
        parts = line.split()
        if not parts:
            continue
        where = f"{original.name}:{line_number}"
        try:
            query, doc = parts[columns["query"]], parts[columns["doc"]]
            raw = parts[columns["score"]] if "score" in columns else "1"
        except IndexError:
            raise OriginalFormatError(f"{where}: expected at least {max(columns.values()) + 1} columns") from None
        if relevance is not None and raw not in relevance:
            raise OriginalFormatError(f"{where}: relevance code {raw!r} is not in the catalog's mapping")
        try:
            score = relevance[raw] if relevance is not None else int(raw)
        except ValueError:
            raise OriginalFormatError(f"{where}: relevance {raw!r} is not an integer") from None
        rows.append((number(query, where), number(doc, where), score))
    return rows


def convert(inputs: dict[str, Original], options: dict) -> Collection:
    corpus = [
        with_metadata({"_id": number(rid, inputs["corpus"].name), "title": fields.get("T", ""),
                       "text": fields.get("W", "")}, metadata(fields, options.get("doc_metadata", {})))
        for rid, fields in records(inputs["corpus"])
    ]
    queries = []
    for position, (rid, fields) in enumerate(records(inputs["queries"]), start=1):
        meta = metadata(fields, options.get("query_metadata", {}))
        if options.get("renumber_queries"):  # Cranfield's qrels count queries in file order, not by `.I`
            query = {"_id": str(position), "text": fields.get("W", "")}
            meta = {"original_id": rid, **meta}
        else:
            query = {"_id": number(rid, inputs["queries"].name), "text": fields.get("W", "")}
        queries.append(with_metadata(query, meta))
    return Collection(corpus=corpus, queries=queries, qrels=read_qrels(inputs["qrels"], options))
