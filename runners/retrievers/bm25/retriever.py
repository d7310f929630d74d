"""BM25 through Pyserini/Lucene, flat or multifield, as in the BEIR reproductions (Anserini 2CR)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from runners import artifacts
from runners.data import Corpus
from runners.embedding_cache import corpus_checksum
from runners.java import ensure_jvm
from runners.measure import directory_bytes
from runners.trec_run import Run

# Anserini collection class and query fields per BM25 variant.
VARIANTS = {
    "flat": {"collection": "BeirFlatCollection", "fields": None},
    "multifield": {"collection": "BeirMultifieldCollection", "fields": {"contents": 1.0, "title": 1.0}},
}


def anserini_version() -> str:
    """The Anserini fat jar Pyserini ships (the index format depends on it)."""
    import pyserini

    jars = sorted((Path(pyserini.__file__).parent / "resources" / "jars").glob("anserini-*.jar"))
    return jars[-1].name.removesuffix("-fatjar.jar") if jars else "anserini-unknown"


def write_beir_corpus(corpus: Corpus, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for doc in corpus:
            out.write(json.dumps({"_id": doc.doc_id, "title": doc.title, "text": doc.text}) + "\n")


class BM25Retriever:
    def __init__(self, spec, device: str = "cpu"):
        ensure_jvm()  # before any timing: JVM start-up is not index build time
        self.k1 = float(spec.params.get("k1", 0.9))
        self.b = float(spec.params.get("b", 0.4))
        self.variant = VARIANTS[spec.params.get("fields", "flat")]
        self.threads = int(spec.params.get("threads", os.cpu_count() or 1))
        self.searcher = None
        self.index_dir: Path | None = None
        self.artifact: artifacts.Artifact | None = None

    def index(self, corpus: Corpus, workdir: Path) -> None:
        # The index depends on the documents, the variant and Anserini only (k1/b apply at search time):
        # it is built once in the shared artifact store and reused by every worker.
        key = f"bm25/{self.variant['collection']}/{anserini_version()}/{corpus_checksum(corpus)}"
        self.artifact = artifacts.get_or_build(key, lambda folder: self._build(corpus, workdir, folder / "index"))
        self.index_dir = self.artifact.path / "index"
        # Anserini's searcher itself, which pyserini's LuceneSearcher wraps: importing pyserini.search.lucene
        # loads torch, transformers and sklearn (about 15 s) for nothing BM25 needs.
        from jnius import autoclass

        self.searcher = autoclass("io.anserini.search.SimpleSearcher")(str(self.index_dir))
        self.searcher.set_bm25(self.k1, self.b)

    def _build(self, corpus: Corpus, workdir: Path, index_dir: Path) -> None:
        from jnius import autoclass

        source = workdir / "collection"
        source.mkdir()
        write_beir_corpus(corpus, source / "corpus.jsonl")
        args = [
            "-collection", self.variant["collection"],
            "-generator", "DefaultLuceneDocumentGenerator",
            "-input", str(source),
            "-index", str(index_dir),
            "-threads", str(self.threads),
            "-quiet",
        ]
        if self.variant["fields"]:
            args += ["-fields", "title"]
        autoclass("io.anserini.index.IndexCollection").main(args)
        (source / "corpus.jsonl").unlink()

    def index_bytes(self) -> int:
        return directory_bytes(self.index_dir) if self.index_dir else 0

    def search(self, queries: dict[str, str], k: int) -> Run:
        from jnius import autoclass

        fields = autoclass("java.util.HashMap")()
        for field, boost in (self.variant["fields"] or {}).items():
            fields.put(field, autoclass("java.lang.Float")(boost))
        if len(queries) == 1:
            (qid, text), = queries.items()
            hits = {qid: self.searcher.search_fields(text, fields, k) if fields else self.searcher.search(text, k)}
        else:
            texts, qids = autoclass("java.util.ArrayList")(), autoclass("java.util.ArrayList")()
            for qid, text in queries.items():
                qids.add(qid)
                texts.add(text)
            if fields:
                batch = self.searcher.batch_search_fields(texts, qids, k, self.threads, fields)
            else:
                batch = self.searcher.batch_search(texts, qids, k, self.threads)
            hits = {entry.getKey(): entry.getValue() for entry in batch.entrySet().toArray()}
        return {qid: {hit.docid: float(hit.score) for hit in found} for qid, found in hits.items()}

    def build_seconds(self) -> float | None:
        """The recorded Lucene build time when the index came from the artifact store (None: built now)."""
        return self.artifact.info.get("seconds") if self.artifact and self.artifact.reused else None

    def provenance(self) -> dict:
        return {"bm25": {"k1": self.k1, "b": self.b, "collection": self.variant["collection"],
                         "fields": self.variant["fields"]},
                "index_cache": self.artifact.provenance() if self.artifact else None}
