"""What every converter shares: the original files it reads, the collection it returns, and the BEIR writer.

The writer reproduces the local mirror byte for byte: one `json.dumps` line per record (ASCII escapes, keys in
the order `_id, title, text, metadata`), gzip at level 9 with mtime 0 and the inner file name in the header
(`1f8b0808 00000000 02ff`), qrels as a tab-separated file with the BEIR header. The compressed bytes are the
stock zlib's (1.2.13 here); a Python built on zlib-ng would compress differently and the checksums would refuse it.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class OriginalFormatError(ValueError):
    """An original file does not hold what its format promises; the message names the file and line."""


@dataclass(frozen=True)
class Original:
    name: str  # the file or archive member it came from, for messages
    data: bytes

    def text(self) -> str:
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OriginalFormatError(f"{self.name}: not UTF-8 ({exc.reason} at byte {exc.start})") from None

    def lines(self) -> Iterator[tuple[int, str]]:
        """(1-based number, line without its CR/LF); split on newlines only, as the originals mean them."""
        for number, line in enumerate(self.text().split("\n"), start=1):
            yield number, line.rstrip("\r")


@dataclass(frozen=True)
class Collection:
    corpus: list[dict]  # {"_id", "title", "text"[, "metadata"]}
    queries: list[dict]  # {"_id", "text"[, "metadata"]}
    qrels: list[tuple[str, str, int]]  # (query id, doc id, score), in the original's order


def collapse(lines: list[str]) -> str:
    """A field's lines stripped and joined by one space, blank lines dropped (spaces inside a line are kept)."""
    return " ".join(stripped for line in lines if (stripped := line.strip()))


def _write_jsonl_gz(path: Path, records: list[dict]) -> None:
    body = "".join(json.dumps(record) + "\n" for record in records).encode("ascii")
    with open(path, "wb") as raw, gzip.GzipFile(path.name, "wb", compresslevel=9, fileobj=raw, mtime=0) as out:
        out.write(body)


def write_beir(collection: Collection, folder: Path, split: str) -> None:
    """corpus.jsonl.gz, queries.jsonl.gz and qrels/<split>.tsv in folder."""
    _write_jsonl_gz(folder / "corpus.jsonl.gz", collection.corpus)
    _write_jsonl_gz(folder / "queries.jsonl.gz", collection.queries)
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{query}\t{doc}\t{score}\n" for query, doc, score in collection.qrels)
    (folder / "qrels" / f"{split}.tsv").write_bytes(("query-id\tcorpus-id\tscore\n" + rows).encode("utf-8"))
