"""A host's yardstick: a fixed reference workload timed on the host that evaluates, so that efficiency figures
measured on different machines can be read side by side (a row's latency as a multiple of its host's BM25
latency, its encoding speed as a share of its host's MiniLM speed).

The workload never changes: bm25-flat single-query latency over every query of the given collection, and
all-MiniLM-L6-v2 encoding its first DENSE_PASSAGES passages, each TIMING_REPEATS times (the median), in the
host's timing slot. The figures are kept in a file beside the host's timing locks, so that the worker processes
of one host share one measurement until it is stale.
"""
from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from runners.data import Dataset
from runners.measure import Stopwatch, device_description, hardware_class
from runners.model_dir import resolve_model_path, validate_model_dir
from runners.specs import build_retriever, get_spec
from runners.timing import TIMING_REPEATS, host_timing, lock_dir, median_and_spread

BM25 = "bm25-flat"
DENSE = "minilm-l6"
DENSE_PASSAGES = 32


def _bm25_latency_ms(dataset: Dataset, workdir: Path) -> float:
    retriever = build_retriever(get_spec(BM25))
    retriever.index(dataset.corpus, workdir)
    queries = sorted(dataset.queries.items())

    def p50() -> float:
        seconds = []
        for qid, text in queries:
            start = time.perf_counter()
            retriever.search({qid: text}, 10)
            seconds.append(time.perf_counter() - start)
        return median_and_spread(seconds)[0] * 1000.0

    p50()  # warm-up: the first searches pay for class loading
    return median_and_spread([p50() for _ in range(TIMING_REPEATS)])[0]


def _dense_passages_per_s(dataset: Dataset, device: str) -> float:
    from runners.retrievers.dense.encoder import DenseEncoder  # torch: only here

    spec = get_spec(DENSE)
    model = validate_model_dir(resolve_model_path(spec.params["model"]), "dense")
    encoder = DenseEncoder(model, spec.params, device)
    texts = [doc.contents for doc in dataset.corpus][:DENSE_PASSAGES]
    encoder.encode_passages(texts[:8])  # warm-up
    seconds = []
    for _ in range(TIMING_REPEATS):
        with Stopwatch() as clock:
            encoder.encode_passages(texts)
        seconds.append(clock.seconds)
    return len(texts) / median_and_spread(seconds)[0]


def _figures_file() -> Path:
    return lock_dir() / "retrievalboard-yardstick.json"


def _fresh(max_age_seconds: float) -> dict | None:
    try:
        figures = json.loads(_figures_file().read_text())
    except (OSError, ValueError):
        return None
    return figures if time.time() - figures.get("measured_at", 0) < max_age_seconds else None


def measure(dataset: Dataset) -> dict:
    """The yardstick's figures on this host now (the dense encode on its GPU where it has one), and the hardware
    they were measured on."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    with tempfile.TemporaryDirectory(prefix="rb-yardstick-") as tmp, host_timing() as timing:
        figures = {
            "bm25_latency_p50_ms": _bm25_latency_ms(dataset, Path(tmp)),
            "dense_encode_per_s": _dense_passages_per_s(dataset, device),
        }
    device = device_description(device)
    return {**figures, "dataset": dataset.name, "device": device, "hardware": hardware_class(device),
            "under_load": timing.under_load, "measured_at": time.time()}


def host_figures(load_dataset: Callable[[], Dataset], max_age_seconds: float) -> dict:
    """This host's figures: the shared file's while younger than max_age_seconds, else measured now and kept.
    One process of the host measures; the others wait for its figures."""
    figures = _fresh(max_age_seconds)
    if figures is not None:
        return figures
    fd = os.open(lock_dir() / "retrievalboard-yardstick.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        figures = _fresh(max_age_seconds)  # measured by another process while this one waited
        if figures is None:
            figures = measure(load_dataset())
            target = _figures_file()
            partial = target.with_name(f".{target.name}.{os.getpid()}")
            partial.write_text(json.dumps(figures))
            partial.replace(target)  # atomic: readers see the old figures or the new ones
    finally:
        os.close(fd)
    return figures


def relative_to(timings: dict, figures: dict) -> dict:
    """A result's efficiency against its host's yardstick: latency as a multiple of the host's BM25 latency,
    encoding speed as a share of the host's MiniLM speed (empty where either side is missing)."""
    relative = {}
    if timings.get("latency_p50_ms") and figures.get("bm25_latency_p50_ms"):
        relative["latency_p50_vs_yardstick"] = timings["latency_p50_ms"] / figures["bm25_latency_p50_ms"]
    if timings.get("encode_docs_per_s") and figures.get("dense_encode_per_s"):
        relative["encode_vs_yardstick"] = timings["encode_docs_per_s"] / figures["dense_encode_per_s"]
    return relative
