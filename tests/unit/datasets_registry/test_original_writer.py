"""The BEIR writer that converted originals go through: the mirror's exact bytes (gzip header, JSON lines)."""
import gzip

from datasets_registry.loaders.originals import Collection, write_beir


def test_gzip_header_json_lines_and_qrels(tmp_path):
    collection = Collection(
        corpus=[{"_id": "1", "title": "Caf\u00e9", "text": "a  b", "metadata": {"author": "x"}},
                {"_id": "2", "title": "", "text": ""}],
        queries=[{"_id": "q1", "text": "caf\u00e9?"}],
        qrels=[("q1", "1", 2), ("q1", "2", 0)],
    )
    write_beir(collection, tmp_path, "test")
    corpus = (tmp_path / "corpus.jsonl.gz").read_bytes()
    # gzip, FNAME flag, mtime 0, best compression (level 9), OS unknown, then the inner name
    assert corpus[:10] == bytes.fromhex("1f8b08080000000002ff") and corpus[10:23] == b"corpus.jsonl\0"
    assert gzip.decompress(corpus) == (b'{"_id": "1", "title": "Caf\\u00e9", "text": "a  b", "metadata": {"author": '
                                       b'"x"}}\n{"_id": "2", "title": "", "text": ""}\n')
    assert (tmp_path / "queries.jsonl.gz").read_bytes()[10:24] == b"queries.jsonl\0"
    assert gzip.decompress((tmp_path / "queries.jsonl.gz").read_bytes()) == b'{"_id": "q1", "text": "caf\\u00e9?"}\n'
    assert (tmp_path / "qrels" / "test.tsv").read_bytes() == b"query-id\tcorpus-id\tscore\nq1\t1\t2\nq1\t2\t0\n"
    again = tmp_path / "again"
    again.mkdir()
    write_beir(collection, again, "test")
    assert (again / "corpus.jsonl.gz").read_bytes() == corpus  # deterministic: no time or name of this machine
