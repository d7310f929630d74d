"""Pinned counts of the bundled collections (from the local mirror), first and last document ids, and the
official-figures check that `datasets verify` runs."""
import pytest

from datasets_registry.catalog import load_catalog
from datasets_registry.reference import actual_counts, check_dataset
from datasets_registry.services import load

# key: (docs, queries, judged queries, qrels, first doc id, last doc id)
PINNED = {
    "classic-ir/cranfield": (1400, 225, 225, 1837, "1", "1400"),
    "classic-ir/cisi": (1460, 112, 76, 3114, "1", "1460"),
    "classic-ir/medline": (1033, 30, 30, 696, "1", "1033"),
    "classic-ir/adi": (82, 35, 35, 170, "1", "82"),
    "classic-ir/cacm": (3204, 64, 52, 796, "1", "3204"),
    "classic-ir/npl": (11429, 93, 93, 2083, "1", "11429"),
    "code/cosqa": (6267, 500, 500, 500, "0", "6266"),
}


@pytest.mark.parametrize("key", sorted(PINNED))
def test_bundled_collection_counts(key, data_dir):
    record = load_catalog().get(key)
    dataset = load(record)
    ids = [doc.doc_id for doc in dataset.corpus]
    counts = actual_counts(dataset)
    found = (counts["docs"], counts["queries"], counts["judged_queries"], counts["qrels"], ids[0], ids[-1])
    assert found == PINNED[key]
    assert all(check.ok for check in check_dataset(record, dataset))


def test_domain_suite_groups_bundled_collections_by_subject():
    catalog = load_catalog()
    bundled = {r.key: r.domain_group for r in catalog.resolve("bundled")}
    assert bundled == {"classic-ir/cranfield": "scientific-technical", "classic-ir/cisi": "scientific-technical",
                       "classic-ir/medline": "medical", "classic-ir/adi": "scientific-technical",
                       "classic-ir/cacm": "scientific-technical", "classic-ir/npl": "scientific-technical",
                       "code/cosqa": "code"}
    assert set(bundled) <= {r.key for r in catalog.resolve("domain")}
    assert "classic-ir/medline" in {r.key for r in catalog.resolve("domain:medical")}
    assert {"beir/nfcorpus", "beir/trec-covid"} <= {r.key for r in catalog.resolve("domain:medical")}
    assert {r.key for r in catalog.resolve("domain:legal")} == {
        "loco/legal_case_reports", "loco/courtlistener_HTML", "loco/courtlistener_Plain_Text"}
    assert "beir/fiqa" in {r.key for r in catalog.resolve("domain:finance")}
