"""`datasets verify` checks a fetched BEIR/BRIGHT collection against the official test queries + qrels kept
under settings.REFERENCE_DIR (never in the repository) and against the catalog's official counts."""
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from datasets_registry import storage
from datasets_registry.catalog import load_catalog
from datasets_registry.reference import check_counts, check_reference, read_reference, reference_folder
from datasets_registry.services import load
from tests.integration.datasets_registry.upstream import md5


def scifact_like_zip(settings, tamper=False) -> bytes:
    """A zip in BEIR layout whose test queries and qrels are the official scifact ones, corpus synthetic."""
    queries, qrels = read_reference(reference_folder(load_catalog().get("beir/scifact")))
    doc_ids = sorted({d for judged in qrels.values() for d in judged})
    doc_ids += [f"filler{i}" for i in range(5183 - len(doc_ids))]
    rows = [(q, d, s) for q, judged in qrels.items() for d, s in judged.items()]
    if tamper:
        rows[0] = (rows[0][0], doc_ids[-1], 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scifact/corpus.jsonl", "".join(
            json.dumps({"_id": d, "title": "", "text": f"document {d}"}) + "\n" for d in doc_ids))
        archive.writestr("scifact/queries.jsonl", "".join(
            json.dumps({"_id": q, "text": r["text"]}) + "\n" for q, r in queries.items())
            + json.dumps({"_id": "train-1", "text": "a training query"}) + "\n")
        archive.writestr("scifact/qrels/test.tsv", "query-id\tcorpus-id\tscore\n" + "".join(
            f"{q}\t{d}\t{s}\n" for q, d, s in rows))
    return buffer.getvalue()


def served_scifact(upstream, settings, tamper=False):
    data = scifact_like_zip(settings, tamper)
    upstream.files["scifact.zip"] = data
    real = load_catalog().get("beir/scifact")
    return type(real)(**{**real.__dict__, "archive": {"url": upstream.url("scifact.zip"), "md5": md5(data),
                                                      "root": "scifact"}})


def test_official_queries_and_qrels_match(upstream, data_dir, settings):
    record = served_scifact(upstream, settings)
    storage.fetch(record)
    dataset = load(record)
    assert check_counts(record, dataset).ok  # 5,183 docs, 300 judged queries, 339 qrels
    assert check_reference(record, dataset).ok


def test_a_changed_judgment_is_reported(upstream, data_dir, settings):
    record = served_scifact(upstream, settings, tamper=True)
    storage.fetch(record)
    dataset = load(record)
    check = check_reference(record, dataset)
    assert not check.ok and "judgments differ for 1 query" in check.problems[0]


def test_datasets_verify_command_runs_the_checks(data_dir, settings, capsys, tmp_path):
    # the bundled ADI collection has no reference folder: counts are checked, reference is skipped
    call_command("datasets", "fetch", "classic-ir/adi")
    call_command("datasets", "verify", "classic-ir/adi")
    out = capsys.readouterr().out
    assert "classic-ir/adi: verified" in out and "counts: ok" in out and "reference: ok (no reference" in out
    # a reference folder that disagrees makes verify fail
    settings.REFERENCE_DIR = tmp_path / "reference"
    folder = tmp_path / "reference" / "queries_qrels_only" / "beir" / "scifact" / "qrels"
    folder.mkdir(parents=True)
    (folder / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\t2\t1\n")
    (folder.parent / "queries.jsonl").write_text(json.dumps({"_id": "999", "text": "x"}) + "\n")
    record = load_catalog().get("classic-ir/adi")
    adi_with_reference = type(record)(**{**record.__dict__, "reference": "beir/scifact"})
    check = check_reference(adi_with_reference, load(adi_with_reference))
    assert not check.ok and "1 official test query id(s) missing: 999" in check.problems[0]


def test_verify_of_a_missing_dataset_fails_cleanly(data_dir):
    with pytest.raises(CommandError, match="1 of 1 dataset"):
        call_command("datasets", "verify", "beir/scifact")
