"""Fetching from a local mirror: verified copies or nothing at all."""
import shutil

import pytest

from datasets_registry import storage
from datasets_registry.catalog import load_catalog
from datasets_registry.services import load

ADI = "classic-ir/adi"


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def mirror(settings, tmp_path):
    """A private copy of the mirror that a test may damage."""
    copy = tmp_path / "mirror"
    shutil.copytree(settings.MIRROR_DIR / ADI, copy / ADI)
    settings.MIRROR_DIR = copy
    return copy


def test_fetch_then_load_pins_counts(data_dir):
    record = load_catalog().get(ADI)
    assert storage.availability(record).status == "not downloaded"
    folder = storage.fetch(record)
    assert storage.availability(record).status == "available"
    dataset = load(record)
    docs = [d.doc_id for d in dataset.corpus]
    assert (len(docs), len(dataset.queries), sum(map(len, dataset.qrels.values()))) == (82, 35, 170)
    assert (docs[0], docs[-1]) == ("1", "82")
    assert dataset.checksum == storage.verify(record)
    assert folder == data_dir / "datasets" / "classic-ir" / "adi"


def test_checksum_mismatch_leaves_nothing(data_dir, mirror):
    with open(mirror / ADI / "qrels" / "test.tsv", "a") as qrels:
        qrels.write("1\t2\t1\n")
    record = load_catalog().get(ADI)
    with pytest.raises(storage.FetchError, match="checksum mismatch for qrels/test.tsv"):
        storage.fetch(record)
    assert not storage.cache_dir(record).exists()
    assert list((data_dir / "datasets" / "classic-ir").iterdir()) == []


def test_missing_mirror_file_is_named(data_dir, mirror):
    (mirror / ADI / "queries.jsonl.gz").unlink()
    with pytest.raises(storage.FetchError, match="file queries.jsonl.gz is missing"):
        storage.fetch(load_catalog().get(ADI))


def test_verify_detects_a_corrupted_cache(data_dir):
    record = load_catalog().get(ADI)
    folder = storage.fetch(record)
    (folder / "corpus.jsonl.gz").write_bytes(b"garbage")
    with pytest.raises(storage.FetchError, match="checksum mismatch for corpus.jsonl.gz"):
        storage.verify(record)


def test_not_downloaded_dataset_names_the_command(data_dir):
    record = load_catalog().get("classic-ir/npl")
    with pytest.raises(storage.FetchError, match="python manage.py datasets fetch classic-ir/npl"):
        load(record, fetch=False)
