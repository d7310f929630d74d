"""The one in-memory shape of a test collection that every retriever consumes."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    title: str
    text: str

    @property
    def contents(self) -> str:
        """Title and text as one field, as the BEIR reproductions index them."""
        return f"{self.title} {self.text}".strip() if self.title else self.text


class Corpus:
    """A re-iterable stream of documents with a known size.

    Built either from a list (small collections, tests) or from a function that
    opens the file again on each pass (large corpora never sit in memory whole).
    """

    def __init__(self, open_documents: Callable[[], Iterable[Document]], size: int):
        self._open_documents = open_documents
        self._size = size

    @classmethod
    def from_documents(cls, documents: Iterable[Document]) -> Corpus:
        docs = list(documents)
        return cls(lambda: docs, len(docs))

    def __iter__(self) -> Iterator[Document]:
        return iter(self._open_documents())

    def __len__(self) -> int:
        return self._size


@dataclass
class Dataset:
    """A test collection: corpus, queries, graded judgments and the benchmark's evaluation rules."""

    name: str  # "<benchmark>/<dataset>", e.g. "classic-ir/cranfield"
    corpus: Corpus
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    checksum: str = ""
    # BEIR's --remove-query: drop a hit whose doc id equals the query id (ArguAna, Quora only).
    remove_self_matches: bool = False
    # BRIGHT: per query, doc ids removed from the ranking before scoring.
    excluded_ids: dict[str, frozenset[str]] = field(default_factory=dict)
    main_metric: str = "ndcg@10"

    @property
    def judged_queries(self) -> dict[str, str]:
        """Queries with at least one judgment: the ones that are searched and scored."""
        return {qid: text for qid, text in self.queries.items() if qid in self.qrels}
