"""evaluate(spec, dataset): index, search, score and measure one retriever on one dataset."""
from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from runners import long_documents
from runners.data import Dataset
from runners.energy import EnergyMeter
from runners.errors import UserInputError
from runners.families import FAMILIES
from runners.measure import (
    PeakMemory,
    Stopwatch,
    code_commit,
    device_description,
    hardware_class,
    latency_percentiles,
    library_versions,
)
from runners.metrics import score_run
from runners.retrievers.base import cold_seconds
from runners.rules import apply_rules
from runners.specs import RetrieverSpec, build_retriever
from runners.timing import TIMING_REPEATS, host_timing, host_work, median_and_spread
from runners.trec_run import Run, truncate

Progress = Callable[[str, float], None]
DEPTH = 1000
# Single-query latency is measured on at most this many queries (deterministic: the first by id).
LATENCY_SAMPLE = 200


@dataclass
class Outcome:
    metrics: dict[str, float]
    per_query: dict[str, dict[str, float]]
    run: Run
    timings: dict[str, float]
    provenance: dict = field(default_factory=dict)

    def as_dict(self, with_run: bool = False) -> dict:
        data = asdict(self)
        if not with_run:
            data.pop("run")
        return data


def _no_progress(phase: str, percent: float) -> None:
    return None


def score_outcome(run: Run, dataset: Dataset, timings: dict, provenance: dict) -> Outcome:
    """Apply the benchmark's rules, cut at the evaluation depth and compute metrics."""
    run = truncate(apply_rules(run, dataset), DEPTH)
    scores = score_run(dataset.qrels, run)
    provenance = {**provenance, "dataset": dataset.name, "dataset_checksum": dataset.checksum,
                  "judged_queries": scores.queries, "depth": DEPTH}
    return Outcome(metrics=scores.mean, per_query=scores.per_query, run=run, timings=timings, provenance=provenance)


def check_run_ids(run: Run, dataset: Dataset) -> None:
    """Every query id and document id of the run must exist in the dataset (UserInputError naming some)."""
    unknown = sorted(set(run) - set(dataset.queries))
    if unknown:
        raise UserInputError(
            f"run names {len(unknown)} query id(s) not in {dataset.name}, e.g. {', '.join(unknown[:5])}"
        )
    doc_ids = {doc.doc_id for doc in dataset.corpus}
    for qid in sorted(run):
        missing = [d for d in run[qid] if d not in doc_ids]
        if missing:
            raise UserInputError(
                f"run names document id(s) not in {dataset.name} for query {qid}, e.g. {', '.join(missing[:5])}"
            )


def evaluate_run(run: Run, dataset: Dataset) -> Outcome:
    """Score an existing run (a researcher's TREC file) without any model."""
    check_run_ids(run, dataset)
    provenance = {"retriever": "run-file", "code_commit": code_commit(), "libraries": library_versions()}
    with host_work():  # scoring is CPU work: never beside another evaluation's timing pass
        return score_outcome(run, dataset, timings={}, provenance=provenance)


def _timed_search(retriever, queries: dict[str, str], k: int) -> tuple[Run, dict]:
    """The batch search once (its run is scored; cold: first use of the index and model), then
    TIMING_REPEATS warm times: the median and the spread of those."""
    with Stopwatch() as first:
        run = retriever.search(queries, k)
    seconds = []
    with EnergyMeter() as energy:
        for _ in range(TIMING_REPEATS):
            with Stopwatch() as clock:
                retriever.search(queries, k)
            seconds.append(clock.seconds)
    median, spread = median_and_spread(seconds)
    return run, {
        "first_search_seconds": first.seconds,
        "search_seconds": median,
        "batch_qps": len(queries) / median if median else 0.0,
        "batch_qps_spread": spread,  # (max - min) / median of the repeats' search seconds
        "timing_repeats": TIMING_REPEATS,
        "search_energy_joules": energy.joules / TIMING_REPEATS if energy.joules is not None else None,
    }


def _timed_latency(retriever, sample: dict[str, str], k: int) -> dict:
    """Single-query latency over the sample, TIMING_REPEATS times: the median of each percentile, and the
    spread of p50 over the repeats."""
    repeats = []
    for _ in range(TIMING_REPEATS if sample else 0):
        latencies = []
        for qid, text in sample.items():
            start = time.perf_counter()
            retriever.search({qid: text}, k)
            latencies.append(time.perf_counter() - start)
        repeats.append(latency_percentiles(latencies))
    if not repeats:
        return {**latency_percentiles([]), "latency_p50_spread": 0.0}
    figures = {name: median_and_spread([r[name] for r in repeats])[0] for name in repeats[0]}
    return {**figures, "latency_p50_spread": median_and_spread([r["latency_p50_ms"] for r in repeats])[1]}


def _standard_search(spec: RetrieverSpec, dataset: Dataset, queries: dict[str, str], sample: dict[str, str], k: int,
                     device: str, workdir: Path) -> dict:
    """The family's standard search configuration timed too when the spec chose another one (an HNSW index, a
    Lucene impact index): the model's cost apart from the engine's. Its index comes from the cached encodings."""
    record = FAMILIES.get(spec.family)
    standard = dict(record.standard_search) if record else {}
    if not standard:
        return {}
    named = {"standard_search": ", ".join(f"{key}={value}" for key, value in standard.items() if value is not None)}
    if all(spec.params.get(key, value) == value for key, value in standard.items()):
        return {**named, "standard_search_is_submitted": True}
    twin = build_retriever(replace(spec, params={**spec.params, **standard}), device=device)
    with host_work():
        twin.index(dataset.corpus, workdir / "standard")
    with host_timing() as timing:
        search = _timed_search(twin, queries, k)[1]
        latency = _timed_latency(twin, sample, k)
    return {**named, "standard_search_is_submitted": False, "standard_batch_qps": search["batch_qps"],
            "standard_latency_p50_ms": latency["latency_p50_ms"], "standard_index_bytes": float(twin.index_bytes()),
            "standard_under_load": timing.under_load}


def evaluate(
    spec: RetrieverSpec,
    dataset: Dataset,
    *,
    device: str = "cpu",
    workdir: Path | None = None,
    progress: Progress = _no_progress,
    measure_latency: bool = True,
) -> Outcome:
    """Index, batch-search and score; measure_latency=False skips the single-query latency sample."""
    if len(dataset.corpus) == 0:
        raise UserInputError(f"{dataset.name}: the corpus is empty")
    queries = dataset.judged_queries
    if not queries:
        raise UserInputError(f"{dataset.name}: no query has relevance judgments")
    retriever = build_retriever(spec, device=device)
    with tempfile.TemporaryDirectory(prefix="rb-eval-", dir=workdir) as tmp, PeakMemory() as memory:
        progress("index", 0.0)
        with host_work(), Stopwatch() as index_clock, EnergyMeter() as index_energy:
            retriever.index(dataset.corpus, Path(tmp))
        progress("search", 40.0)
        # BEIR-style self-match removal can drop one hit per query: ask for one more.
        k = DEPTH + 1 if dataset.remove_self_matches else DEPTH
        k += max((len(v) for v in dataset.excluded_ids.values()), default=0)
        sample = sorted(queries)[:LATENCY_SAMPLE] if measure_latency else []
        sample_queries = {qid: queries[qid] for qid in sample}
        with host_timing() as timing:
            run, search_timings = _timed_search(retriever, queries, k)
            progress("latency", 70.0)
            latency_timings = _timed_latency(retriever, sample_queries, k)
        index_bytes = retriever.index_bytes()
        standard_timings = _standard_search(spec, dataset, queries, sample_queries, k, device, Path(tmp))
        provenance = {
            "retriever": spec.name,
            "family": spec.family,
            "params": spec.params,
            "device": device_description(device),
            "hardware": hardware_class(device_description(device)),
            "libraries": library_versions(),
            "code_commit": code_commit(),
            "long_documents": long_documents.describe(spec),
            **retriever.provenance(),
        }
    progress("score", 90.0)
    # Comparable whatever was cached: index_seconds is the cold cost; this run's wall time is kept beside it.
    index_seconds = cold_seconds(retriever, index_clock.seconds)
    timings = {
        "index_seconds": index_seconds,
        "index_seconds_measured": index_clock.seconds,
        "encode_docs_per_s": len(dataset.corpus) / index_seconds if index_seconds else 0.0,
        "index_bytes": float(index_bytes),
        # Energy of this run's indexing: a cached index or cached embeddings cost (almost) none.
        "index_energy_joules": index_energy.joules,
        "peak_rss_bytes": float(memory.peak),
        **search_timings,
        **latency_timings,
        **timing.as_timings(),
        **standard_timings,
    }
    with host_work():
        outcome = score_outcome(run, dataset, timings, provenance)
    progress("done", 100.0)
    return outcome
