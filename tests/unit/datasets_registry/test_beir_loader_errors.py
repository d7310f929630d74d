"""Malformed BEIR folders: each problem is one clear error naming the file and line."""
import gzip
import json
from pathlib import Path

import pytest

from datasets_registry.loaders.beir import load_beir
from datasets_registry.loaders.textfiles import DatasetFileError

DOCS = [{"_id": "d1", "title": "t", "text": "alpha beta"}, {"_id": "d2", "title": "", "text": "gamma"}]
QUERIES = [{"_id": "q1", "text": "alpha"}, {"_id": "q2", "text": "gamma"}]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\n"


def jsonl(records) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def make_folder(tmp_path: Path, corpus: bytes = None, queries: bytes = None, qrels: str = QRELS,
                gz: bool = False) -> Path:
    folder = tmp_path / "ds"
    (folder / "qrels").mkdir(parents=True)
    corpus = jsonl(DOCS) if corpus is None else corpus
    if gz:
        (folder / "corpus.jsonl.gz").write_bytes(gzip.compress(corpus))
    else:
        (folder / "corpus.jsonl").write_bytes(corpus)
    (folder / "queries.jsonl").write_bytes(jsonl(QUERIES) if queries is None else queries)
    (folder / "qrels" / "test.tsv").write_text(qrels)
    return folder


def test_well_formed_folder_loads_plain_and_gzip(tmp_path):
    for gz in (False, True):
        dataset = load_beir(make_folder(tmp_path / str(gz), gz=gz), name="t/ds")
        assert len(dataset.corpus) == 2
        assert [d.doc_id for d in dataset.corpus] == ["d1", "d2"]
        assert [d.contents for d in dataset.corpus] == ["t alpha beta", "gamma"]
        assert dataset.qrels == {"q1": {"d1": 1}, "q2": {"d2": 2}}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"corpus": jsonl(DOCS + [{"_id": "d1", "text": "again"}])}, "corpus.jsonl:3: duplicate document id 'd1'"),
        ({"corpus": jsonl(DOCS[:1]) + b'{"_id": "d9", "text": "caf\xe9"}\n'}, "corpus.jsonl:2: not UTF-8"),
        ({"corpus": b""}, "corpus.jsonl: the corpus is empty"),
        ({"corpus": jsonl(DOCS) + b"{not json\n"}, "corpus.jsonl:3: invalid JSON"),
        ({"corpus": jsonl([{"_id": "has space", "text": "x"}])}, "contains whitespace"),
        ({"qrels": QRELS + "q7\td1\t1\n"}, "test.tsv:4: unknown query id 'q7'"),
        ({"qrels": QRELS + "q1\td404\t1\n"}, "test.tsv:4: unknown document id 'd404'"),
        ({"qrels": QRELS + "q1\td2\n"}, "test.tsv:4: expected 3 tab-separated columns"),
        ({"qrels": QRELS + "q1\td2\thigh\n"}, "test.tsv:4: relevance 'high' is not an integer"),
        ({"queries": jsonl(QUERIES + [{"_id": "q1", "text": "dup"}])}, "queries.jsonl:3: duplicate query id 'q1'"),
    ],
)
def test_malformed_inputs_name_file_and_line(tmp_path, kwargs, message):
    with pytest.raises(DatasetFileError) as error:
        load_beir(make_folder(tmp_path, **kwargs), name="t/ds")
    assert message in str(error.value)


def test_missing_file_is_named(tmp_path):
    folder = make_folder(tmp_path)
    (folder / "queries.jsonl").unlink()
    with pytest.raises(DatasetFileError, match="queries.jsonl: file is missing"):
        load_beir(folder, name="t/ds")


def test_truncated_gzip_is_reported(tmp_path):
    folder = make_folder(tmp_path, gz=True)
    data = (folder / "corpus.jsonl.gz").read_bytes()
    (folder / "corpus.jsonl.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetFileError, match="corrupt or truncated"):
        load_beir(folder, name="t/ds")
