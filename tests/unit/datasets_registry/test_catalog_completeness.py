"""Every benchmark of the issue is in the catalog, each entry with a source and a checksum (or a stated reason)."""
import re

import pytest

from datasets_registry.catalog import load_catalog
from datasets_registry.loaders import LOADERS
from datasets_registry.loaders.originals import CONVERTERS

BEIR = {"msmarco", "trec-covid", "nfcorpus", "bioasq", "nq", "hotpotqa", "fiqa", "signal1m", "trec-news",
        "robust04", "arguana", "webis-touche2020", "cqadupstack", "quora", "dbpedia-entity", "scidocs", "fever",
        "climate-fever", "scifact"}
FORUMS = {"android", "english", "gaming", "gis", "mathematica", "physics", "programmers", "stats", "tex", "unix",
          "webmasters", "wordpress"}
BRIGHT = {"biology", "earth-science", "economics", "psychology", "robotics", "stackoverflow", "sustainable-living",
          "leetcode", "pony", "aops", "theoremqa-questions", "theoremqa-theorems"}
BRIGHT_LONG = {"biology", "earth-science", "economics", "psychology", "robotics", "stackoverflow",
               "sustainable-living", "pony"}
LOCO = {"summ_screen_fd", "gov_report", "qmsum", "qasper_title", "qasper_abstract", "multifieldqa", "2wikimqa",
        "passage_retrieval", "courtlistener_HTML", "courtlistener_Plain_Text", "legal_case_reports", "stackoverflow"}
RESTRICTED = {"bioasq", "signal1m", "trec-news", "robust04"}


def slugs(benchmark):
    return {r.slug for r in load_catalog().datasets.values() if r.benchmark == benchmark}


def test_beir_18_zero_shot_datasets_plus_ms_marco_with_12_cqadupstack_forums():
    beir = slugs("beir")
    names = {s.split("-")[0] if s.startswith("cqadupstack-") else s for s in beir}
    assert names == BEIR and len(BEIR - {"msmarco"}) == 18
    assert {s.removeprefix("cqadupstack-") for s in beir if s.startswith("cqadupstack-")} == FORUMS
    assert load_catalog().get("beir/msmarco").split == "dev"


def test_bright_loco_domains():
    assert slugs("bright") == BRIGHT
    assert slugs("bright-long") == BRIGHT_LONG
    assert slugs("loco") == LOCO


@pytest.mark.parametrize("key", sorted(load_catalog().datasets))
def test_every_entry_has_a_source_and_a_checksum_or_a_reason(key):
    record = load_catalog().get(key)
    assert record.format in LOADERS
    assert record.source_url.startswith("http")
    assert record.licence and record.citation
    if record.restricted:
        assert f"datasets import {key}" in record.restricted
        return
    if record.mirror:
        assert record.files and all(len(v) == 64 for v in record.files.values())
    elif record.archive:
        assert record.archive["url"].startswith("https://") and len(record.archive["md5"]) == 32
    else:
        assert record.downloads
        for entry in record.downloads:
            assert entry["url"].startswith("https://") and entry["path"]
            assert len(entry.get("md5", "")) == 32 or "unpinned" in record.options.get("checksum_note", "")


def test_mirrored_collections_name_their_pinned_public_original():
    """What the local mirror holds can be rebuilt on a machine without it: raw files at a commit, each with its
    sha256, a known converter, and every input it needs a downloaded file or a member of the one archive."""
    mirrored = [r for r in load_catalog().datasets.values() if r.mirror]
    assert {r.key for r in mirrored} == {r.key for r in load_catalog().resolve("bundled")}
    for record in mirrored:
        original = record.original
        assert set(original["inputs"]) == set(CONVERTERS[original["format"]].inputs), record.key
        names = []
        for entry in original["files"]:
            assert re.fullmatch(r"https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/\S+", entry["url"])
            assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
            names.append(entry["url"].rsplit("/", 1)[1])
        archives = [name for name in names if name.endswith(".tar.gz")]
        assert len(archives) == 1 and len(names) == 1 or set(original["inputs"].values()) == set(names), record.key


def test_restricted_beir_sets_say_how_to_obtain_them():
    for slug in RESTRICTED:
        record = load_catalog().get(f"beir/{slug}")
        assert record.restricted and not record.archive and record.counts["docs"] > 0


def test_self_match_removal_only_for_arguana_and_quora():
    flagged = {r.key for r in load_catalog().datasets.values() if r.options.get("remove_self_matches")}
    assert flagged == {"beir/arguana", "beir/quora"}


def test_mteb_metadata_for_beir_and_bright():
    catalog = load_catalog()
    assert catalog.get("beir/scifact").mteb == {"task": "SciFact", "dataset_path": "mteb/scifact",
                                                "revision": "d56462d0e63a25450459c4f213e49ffdb866f7f9"}
    for record in catalog.datasets.values():
        if record.benchmark == "beir" and not record.restricted:
            assert record.mteb["task"] and len(record.mteb["revision"]) == 40
        if record.benchmark.startswith("bright"):
            expected = "BrightLongRetrieval" if record.benchmark == "bright-long" else "BrightRetrieval"
            assert record.mteb["task"] == expected and record.mteb["dataset_path"] == "xlangai/BRIGHT"
            assert record.mteb["subset"] == record.options["domain"]
    assert catalog.get("beir/cqadupstack-tex").mteb["task"] == "CQADupstackTexRetrieval"


def test_mteb_task_names_exist_in_the_installed_mteb():
    import mteb

    catalog = load_catalog()
    for record in catalog.datasets.values():
        for name in filter(None, (record.mteb.get("task"), record.mteb.get("successor"))):
            metadata = mteb.get_task(name).metadata
            if name == record.mteb.get("task"):
                assert metadata.dataset["revision"] == record.mteb["revision"]


def test_named_suites():
    catalog = load_catalog()
    assert {"beir-full", "beir-small", "bright", "bright-long", "loco", "domain", "quick"} <= set(catalog.suites)
    assert len(catalog.resolve("beir-full")) == 13 + 12
    assert not any(r.restricted for r in catalog.resolve("beir-full"))
    assert len(catalog.resolve("bright")) == 12 and len(catalog.resolve("loco")) == 12
    assert [r.key for r in catalog.resolve("beir-small,quick")][:2] == ["beir/scifact", "beir/nfcorpus"]
    assert ("loco", "loco (12 datasets)") in catalog.suite_choices()


def test_reference_folders_named_for_beir_and_bright(settings):
    catalog = load_catalog()
    with_reference = {r.key for r in catalog.datasets.values() if r.reference}
    assert {f"beir/{s}" for s in ("scifact", "nfcorpus", "arguana", "fiqa", "scidocs", "trec-covid")} <= with_reference
    assert {f"bright/{s}" for s in BRIGHT} <= with_reference
