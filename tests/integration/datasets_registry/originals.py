"""The bundled collections' original formats, rebuilt from the mirror's BEIR files (the real originals are
third-party files and are not committed): SMART `.I/.T/.A/.B/.W` records (in a tar.gz for the Glasgow archives),
NPL's `/`-terminated blocks, CoSQA's two JSON files. Each file is named as the catalog record's original names
it, and the record's options (metadata letters, query numbering, qrels columns, relevance codes) are applied in
reverse, so converting them again must give the mirror's files byte for byte.
"""
from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

from datasets_registry.catalog import DatasetRecord


def read_beir(folder: Path) -> tuple[list[dict], list[dict], list[tuple[str, str, int]]]:
    def jsonl(name):
        return [json.loads(line) for line in gzip.decompress((folder / name).read_bytes()).decode().splitlines()]

    rows = (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]
    qrels = [(q, d, int(s)) for q, d, s in (row.split("\t") for row in rows)]
    return jsonl("corpus.jsonl.gz"), jsonl("queries.jsonl.gz"), qrels


def smart(records: list[tuple[str, dict[str, str]]]) -> bytes:
    """`.I id`, then each field's marker and its value on one line (no line for an empty value)."""
    out = []
    for record_id, fields in records:
        out.append(f".I {record_id}")
        for letter, value in fields.items():
            out += [f".{letter}", value] if value else [f".{letter}"]
    return ("\n".join(out) + "\n").encode()


def letters(names: dict[str, str]) -> dict[str, str]:
    return {key: letter for letter, key in names.items()}


def smart_members(record: DatasetRecord, corpus, queries, qrels) -> dict[str, bytes]:
    options = record.original.get("options", {})
    doc_letters, query_letters = letters(options.get("doc_metadata", {})), letters(options.get("query_metadata", {}))
    docs = []
    for doc in corpus:
        fields = {"T": doc["title"]} if doc["title"] else {}
        fields |= {doc_letters[key]: value for key, value in doc.get("metadata", {}).items()}
        docs.append((doc["_id"], {**fields, "W": doc["text"]}))
    topics = []
    for query in queries:
        meta = dict(query.get("metadata", {}))
        query_id = meta.pop("original_id") if options.get("renumber_queries") else query["_id"]
        topics.append((query_id, {**{query_letters[key]: value for key, value in meta.items()}, "W": query["text"]}))
    columns = options.get("qrels", {"query": 0, "doc": 1})
    codes = {score: code for code, score in options.get("relevance", {}).items()}
    lines = []
    for query, doc, score in qrels:
        parts = ["0"] * (max(columns.values()) + 1)
        parts[columns["query"]], parts[columns["doc"]] = query, doc
        if "score" in columns:
            parts[columns["score"]] = codes.get(score, str(score))
        lines.append(" ".join(parts) + "\n")
    inputs = record.original["inputs"]
    return {inputs["corpus"]: smart(docs), inputs["queries"]: smart(topics), inputs["qrels"]: "".join(lines).encode()}


def npl_members(record: DatasetRecord, corpus, queries, qrels) -> dict[str, bytes]:
    judged: dict[str, list[str]] = {}
    for query, doc, _ in qrels:
        judged.setdefault(query, []).append(doc)
    inputs = record.original["inputs"]
    return {
        inputs["corpus"]: "".join(f"{d['_id']}\n{d['text']}\n   /\n" for d in corpus).encode(),
        inputs["queries"]: "".join(f"{q['_id']}\n{q['text']}\n/\n" for q in queries).encode(),
        inputs["qrels"]: "".join(f"{q}\n {'  '.join(docs)}\n   /\n" for q, docs in judged.items()).encode(),
    }


def cosqa_members(record: DatasetRecord, corpus, queries, qrels) -> dict[str, bytes]:
    code = {doc["_id"]: doc["text"] for doc in corpus}
    gold = {query: doc for query, doc, _ in qrels}
    examples = [{"idx": q["_id"], "doc": q["text"], "code": code[gold[q["_id"]]], "retrieval_idx": int(gold[q["_id"]])}
                for q in queries]
    inputs = record.original["inputs"]
    return {inputs["corpus"]: json.dumps({doc["text"]: int(doc["_id"]) for doc in corpus}, indent=1).encode(),
            inputs["queries"]: json.dumps(examples, indent=1).encode()}


MEMBERS = {"smart-glasgow": smart_members, "npl": npl_members, "cosqa-json": cosqa_members}


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def original_files(record: DatasetRecord, mirror: Path) -> dict[str, bytes]:
    """{file name as the record's URLs end: bytes}: one tar.gz holding every input, or one file per input."""
    members = MEMBERS[record.original["format"]](record, *read_beir(mirror))
    names = [entry["url"].rsplit("/", 1)[1] for entry in record.original["files"]]
    archives = [name for name in names if name.endswith(".tar.gz")]
    return {archives[0]: tar_gz(members)} if archives else members
