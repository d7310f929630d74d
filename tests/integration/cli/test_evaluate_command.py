"""The researcher's CLI: evaluate reference retrievers, store results, score run files."""
import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from leaderboard.models import Evaluation, QueryScore, Result
from runners.trec_run import read_run

pytestmark = pytest.mark.django_db


def run_cli(*args) -> str:
    out = StringIO()
    call_command("evaluate", *args, stdout=out)
    return out.getvalue()


def test_bm25_results_are_stored_printed_and_saved(tmp_path):
    run_path = tmp_path / "adi.trec"
    rows = json.loads(run_cli("--retriever", "bm25-flat", "--dataset", "classic-ir/adi", "--json",
                              "--save-run", str(run_path)))
    assert len(rows) == 1
    row = rows[0]
    assert 0.3 < row["metrics"]["ndcg@10"] < 0.7
    assert row["timings"]["index_bytes"] > 0 and row["timings"]["latency_p95_ms"] > 0
    assert row["provenance"]["dataset_checksum"] and row["provenance"]["code_commit"]
    result = Result.objects.get(pk=row["result_id"])
    assert result.evaluation.submission.is_reference and result.evaluation.status == Evaluation.Status.SUCCEEDED
    assert result.main_score == pytest.approx(row["metrics"]["ndcg@10"], abs=1e-12)
    assert QueryScore.objects.filter(result=result).count() == 35

    # The saved run scores exactly the same through --run, without any model.
    assert set(read_run(run_path)) == set(row["per_query"])
    scored = json.loads(run_cli("--run", str(run_path), "--dataset", "classic-ir/adi", "--json"))[0]
    assert scored["metrics"] == pytest.approx(row["metrics"], abs=1e-12)

    # A second evaluation becomes the current result and keeps the first as history.
    run_cli("--retriever", "bm25-flat", "--dataset", "classic-ir/adi", "--json")
    evaluation = result.evaluation
    assert evaluation.results.count() == 2 and evaluation.results.filter(is_current=True).count() == 1
    current = evaluation.results.get(is_current=True)
    assert current.metrics == pytest.approx(result.metrics, abs=1e-12)  # deterministic


def test_table_lists_each_pair():
    table = run_cli("--retriever", "bm25-flat,bm25-multifield", "--dataset", "classic-ir/adi", "--no-store")
    lines = table.strip().splitlines()
    assert lines[0].split()[:3] == ["retriever", "dataset", "nDCG@10"]
    assert [line.split()[0] for line in lines[1:]] == ["bm25-flat", "bm25-multifield"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--retriever", "bm25-flt", "--dataset", "classic-ir/adi"], "unknown retriever 'bm25-flt'. Did you mean"),
        (["--retriever", "bm25-flat", "--dataset", "classic-ir/nope"], "unknown dataset 'classic-ir/nope'"),
        (["--run", "/nonexistent.trec", "--dataset", "classic-ir/adi"], "no such run file"),
        (["--retriever", "bm25-flat", "--dataset", "classic-ir/adi", "--variants", '{"dims": [64]}'],
         "only dense retrievers"),
        (["--retriever", "minilm-l6", "--dataset", "classic-ir/adi", "--variants", '{"quantization": ["int4"]}'],
         "variants.quantization: 'int4'"),
    ],
)
def test_bad_arguments_fail_clearly_and_store_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run_cli(*args)
    assert Result.objects.count() == 0


def test_run_file_with_unknown_ids_is_refused(tmp_path):
    bad = tmp_path / "bad.trec"
    bad.write_text("1 Q0 9999 1 3.0 mine\n")
    with pytest.raises(CommandError, match="document id"):
        run_cli("--run", str(bad), "--dataset", "classic-ir/adi")
    bad.write_text("1 Q0 5 1 3.0\n")
    with pytest.raises(CommandError, match="bad.trec:1: expected 6 columns"):
        run_cli("--run", str(bad), "--dataset", "classic-ir/adi")


@pytest.mark.parametrize("command, advice", [
    (["evaluate", "--retriever", "bm25-flat", "--dataset", "classic-ir/adi"],
     "run `python manage.py migrate` first, or pass --no-store"),
    (["datasets", "sync"], "run `python manage.py migrate` first"),
])
def test_an_unmigrated_database_is_a_clear_error(tmp_path, command, advice):
    """A fresh checkout that skipped `migrate`: one line saying what to do, not a traceback."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    done = subprocess.run([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "the database has no tables yet" in done.stderr and advice in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_variants_print_one_row_each_and_store_nothing():
    rows = json.loads(run_cli("--retriever", "minilm-l6", "--dataset", "classic-ir/adi", "--json", "--variants",
                              '{"dims": [64], "quantization": ["binary", "float32"]}'))
    assert [row["retriever"] for row in rows] == ["minilm-l6[parent]", "minilm-l6[d64-binary-flat]",
                                                  "minilm-l6[d64-float32-flat]"]
    binary = rows[1]
    assert binary["compression"] == {"dims": 64, "quantization": "binary", "search": "flat", "rescore": 0,
                                     "bytes_per_doc": 8}
    assert 0 < binary["metrics"]["recall_vs_exact@10"] < 1 and 0 < binary["metrics"]["ndcg@10"] < 1
    assert rows[2]["metrics"]["ndcg@10"] != rows[0]["metrics"]["ndcg@10"]  # 64 of 384 dimensions rank otherwise
    assert Result.objects.count() == 0
