"""Pages show query texts from the topics a load keeps beside the cache, never by reading the corpus."""
from datasets_registry import storage
from datasets_registry.catalog import load_catalog
from datasets_registry.services import load, topics
from leaderboard.board.comparisons import query_texts

ADI = "classic-ir/adi"


def test_topics_are_kept_by_a_load_and_read_without_the_corpus(data_dir):
    record = load_catalog().get(ADI)
    storage.fetch(record)  # from the local mirror into this test's data folder
    assert topics(ADI) is None  # never loaded on this host: pages show query ids only
    dataset = load(record)
    for corpus in storage.cache_dir(record).glob("corpus.jsonl*"):
        corpus.unlink()  # a page reading the corpus would fail from here on
    queries, qrels = topics(ADI)
    assert queries == dataset.queries and qrels == dataset.qrels
    assert query_texts(ADI)["1"] == dataset.queries["1"]


def test_topics_of_an_older_copy_are_not_served(data_dir):
    record = load_catalog().get(ADI)
    storage.fetch(record)
    load(record)
    marker = storage.cache_dir(record) / storage.MARKER
    marker.write_text(marker.read_text().replace('"checksum": "', '"checksum": "refetched-'))
    assert topics(ADI) is None
    assert query_texts(ADI) == {}

