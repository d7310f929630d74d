"""MTEB results JSON: our results export in mteb's layout (mteb reads them back); mteb files import as
external, self-reported leaderboard rows."""
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from leaderboard.evaluations.mteb_io import MtebFormatError, export_outcomes, import_results, read_task_file
from leaderboard.models import Result, Source
from runners.evaluate import Outcome

pytestmark = pytest.mark.django_db

METRICS = {"ndcg@10": 0.61, "ndcg@100": 0.65, "recall@100": 0.9, "recall@1000": 0.97, "map@1000": 0.55,
           "mrr@10": 0.58, "p@10": 0.08}


def outcome(score=0.61):
    return Outcome(metrics={**METRICS, "ndcg@10": score}, per_query={}, run={},
                   timings={"index_seconds": 2.0, "search_seconds": 1.0})


def test_export_is_readable_by_mteb(tmp_path):
    from mteb.results import TaskResult

    paths = export_outcomes({"beir/scifact": outcome(), "bright/biology": outcome(0.2),
                             "bright/pony": outcome(0.1), "classic-ir/adi": outcome()},
                            tmp_path, "org/my-model", "abc123")
    assert sorted(p.name for p in paths) == ["BrightRetrieval.json", "SciFact.json"]  # ADI has no mteb task
    assert (tmp_path / "org__my-model" / "abc123" / "model_meta.json").is_file()
    scifact = TaskResult.from_dict(json.loads(paths[1].read_text()))
    assert scifact.task_name == "SciFact" and scifact.dataset_revision == "d56462d0e63a25450459c4f213e49ffdb866f7f9"
    assert scifact.scores["test"][0]["ndcg_at_10"] == 0.61 and scifact.scores["test"][0]["main_score"] == 0.61
    assert scifact.scores["test"][0]["precision_at_10"] == 0.08
    bright = TaskResult.from_dict(json.loads(paths[0].read_text()))
    assert {e["hf_subset"]: e["main_score"] for e in bright.scores["standard"]} == {"biology": 0.2, "pony": 0.1}


def test_import_creates_external_self_reported_rows(tmp_path):
    folder = tmp_path / "results" / "org__their-model" / "r1"
    folder.mkdir(parents=True)
    export_outcomes({"beir/scifact": outcome(0.7), "beir/cqadupstack-tex": outcome(0.3)}, tmp_path / "results",
                    "org/their-model", "r1")
    submission, results = import_results(folder)
    assert submission.source == Source.EXTERNAL and not submission.is_reference
    assert submission.model_id == "org/their-model" and "self-reported" in submission.name
    by_key = {r.evaluation.dataset.key: r for r in results}
    assert by_key["beir/scifact"].main_score == 0.7 and by_key["beir/cqadupstack-tex"].main_score == 0.3
    assert by_key["beir/scifact"].provenance["self_reported"] is True
    assert by_key["beir/scifact"].metrics == {**METRICS, "ndcg@10": 0.7}
    import_results(folder)  # importing again adds a new current attempt, not a second submission
    assert Result.objects.filter(evaluation__submission=submission, is_current=True).count() == 2


def test_per_domain_bright_successor_tasks_map_to_the_same_datasets(tmp_path):
    path = tmp_path / "BrightPonyRetrieval.json"
    path.write_text(json.dumps({"task_name": "BrightPonyRetrieval", "dataset_revision": "x", "mteb_version": "2",
                                "evaluation_time": 1, "scores": {"standard": [
                                    {"hf_subset": "default", "languages": ["eng-Latn"], "main_score": 0.3,
                                     "ndcg_at_10": 0.3}]}}))
    assert [(s.dataset_key, s.metrics) for s in read_task_file(path)] == [("bright/pony", {"ndcg@10": 0.3})]


def test_bad_files_are_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(MtebFormatError, match="not an mteb results file"):
        read_task_file(path)
    entry = {"hf_subset": "default", "recall_at_1": 1}
    path.write_text(json.dumps({"task_name": "SciFact", "scores": {"test": [entry]}}))
    with pytest.raises(MtebFormatError, match="SciFact/test/default has no ndcg_at_10"):
        read_task_file(path)
    path.write_text(json.dumps({"task_name": "Banking77Classification", "scores": {"test": [{"accuracy": 1}]}}))
    assert read_task_file(path) == []  # tasks the catalog does not hold are skipped
    with pytest.raises(CommandError, match="no result matches a dataset of the catalog"):
        call_command("mteb", "import", str(path))


def test_command_round_trip(tmp_path, capsys):
    folder = tmp_path / "in" / "m" / "r"
    export_outcomes({"beir/nfcorpus": outcome(0.33)}, tmp_path / "in", "m", "r")
    call_command("mteb", "import", str(folder), "--name", "Their model")
    assert "imported 1 result(s)" in capsys.readouterr().out
    call_command("mteb", "export", "--submission", "their-model", "--out", str(tmp_path / "out"))
    exported = json.loads((tmp_path / "out" / "m" / "r" / "NFCorpus.json").read_text())
    assert exported["scores"]["test"][0]["ndcg_at_10"] == 0.33
