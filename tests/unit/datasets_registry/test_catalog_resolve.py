import pytest

from datasets_registry.catalog import CatalogError, load_catalog


def test_suite_benchmark_and_key_resolve_in_order_without_duplicates():
    catalog = load_catalog()
    keys = [r.key for r in catalog.resolve("quick,classic-ir/adi,code")]
    assert keys == ["classic-ir/adi", "classic-ir/medline", "classic-ir/cranfield", "code/cosqa"]


def test_unknown_dataset_suggests_close_names():
    with pytest.raises(CatalogError, match="Did you mean classic-ir/cranfield"):
        load_catalog().get("classic-ir/cranfeld")


def test_bundled_records_carry_checksums_and_official_counts():
    catalog = load_catalog()
    for key in catalog.suites["bundled"]:
        record = catalog.get(key)
        assert set(record.files) == {"corpus.jsonl.gz", "queries.jsonl.gz", "qrels/test.tsv"}
        assert all(len(digest) == 64 for digest in record.files.values())
        assert record.counts["docs"] > 0 and record.source_url.startswith("https://")
