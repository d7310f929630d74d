"""Collections whose licence forbids redistribution: a user-provided folder is checked and installed."""
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from datasets_registry import storage
from datasets_registry.catalog import load_catalog
from datasets_registry.loaders.textfiles import DatasetFileError
from datasets_registry.services import import_dataset, load
from runners import evaluate, get_spec


def beir_folder(path, corpus_field="_id"):
    (path / "qrels").mkdir(parents=True)
    docs = [{corpus_field: "FBIS3-1", "title": "", "text": "trade talks between nations resumed"},
            {corpus_field: "FT934-2", "title": "", "text": "the harvest was poor this year"}]
    (path / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    (path / "queries.jsonl").write_text(json.dumps({"_id": "301", "text": "international trade talks"}) + "\n")
    (path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n301\tFBIS3-1\t1\n")
    return path


def test_fetch_of_a_restricted_collection_says_how_to_obtain_it(data_dir):
    record = load_catalog().get("beir/robust04")
    assert storage.availability(record).status == "restricted"
    with pytest.raises(storage.FetchError, match="cannot be downloaded: TREC Disks 4 and 5 .* datasets import"):
        storage.fetch(record)


def test_import_checks_layout_then_installs(data_dir, tmp_path):
    record = load_catalog().get("beir/robust04")
    folder = import_dataset(record, beir_folder(tmp_path / "robust04"))
    assert storage.availability(record).status == "available"
    dataset = load(record)
    assert evaluate(get_spec("bm25-flat"), dataset).metrics["ndcg@10"] == pytest.approx(1.0)
    assert storage.verify(record) == dataset.checksum
    assert json.loads((folder / storage.MARKER).read_text())["imported_from"].endswith("robust04")


def test_import_refuses_a_wrong_layout(data_dir, tmp_path):
    record = load_catalog().get("beir/trec-news")
    with pytest.raises(DatasetFileError, match="does not hold the expected beir layout.*missing _id"):
        import_dataset(record, beir_folder(tmp_path / "news", corpus_field="id"))
    assert not storage.cache_dir(record).exists()


def test_import_command_reports_counts_that_differ_from_the_official_ones(data_dir, tmp_path, capsys):
    with pytest.raises(CommandError, match="does not match the official figures"):
        call_command("datasets", "import", "beir/signal1m", str(beir_folder(tmp_path / "signal")))
    out = capsys.readouterr().out
    assert "imported into" in out and "docs: expected 2,866,316, found 2" in out
