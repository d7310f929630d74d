"""python manage.py evaluate --retriever bm25-flat --dataset classic-ir/cranfield [--json] [--save-run PATH]
python manage.py evaluate --run my.trec --dataset classic-ir/cranfield --json"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from datasets_registry.aggregates import aggregate_scores, aggregates
from datasets_registry.catalog import CatalogError, load_catalog
from datasets_registry.loaders.textfiles import DatasetFileError
from datasets_registry.management.commands.datasets import sync_catalog_or_explain
from datasets_registry.services import load
from datasets_registry.storage import FetchError
from leaderboard.board.results import has_reference_result
from leaderboard.evaluations.store import record_reference_result
from runners import RunnerError, evaluate, get_spec
from runners.evaluate import evaluate_run
from runners.metrics import METRICS
from runners.trec_run import read_run, write_run
from runners.variants import evaluate_variants, expand

TABLE_TIMINGS = (("index_seconds", "index s", "{:.1f}"), ("batch_qps", "QPS", "{:.0f}"),
                 ("latency_p95_ms", "p95 ms", "{:.1f}"), ("index_bytes", "index MB", "{:.2f}"))


class ProgressBar:
    """One tqdm bar per (retriever, dataset), advanced by the evaluation's phases."""

    def __init__(self, label: str, enabled: bool):
        self.bar = tqdm(total=100, desc=label, file=sys.stderr, disable=not enabled, leave=False,
                        bar_format="{desc} {bar} {percentage:3.0f}% {postfix}")

    def __call__(self, phase: str, percent: float) -> None:
        self.bar.set_postfix_str(phase)
        self.bar.update(percent - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def variants_json(text: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON ({exc})") from None


class Command(BaseCommand):
    help = "Evaluate reference retrievers (or score a TREC run file) on datasets of the catalog."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--retriever", help="comma-separated reference retriever names")
        source.add_argument("--run", help="a TREC run file to score without any model")
        parser.add_argument("--dataset", required=True, help="comma-separated dataset keys, benchmarks or suites")
        parser.add_argument("--device", default="cpu", help="cpu or cuda")
        parser.add_argument("--json", action="store_true", help="print metrics and timings as JSON")
        parser.add_argument("--save-run", help="write the TREC run here (a folder when several pairs run)")
        parser.add_argument("--no-store", action="store_true", help="do not store results in the database")
        parser.add_argument("--skip-existing", action="store_true",
                            help="skip pairs that already have a stored reference result")
        parser.add_argument("--variants", type=variants_json,
                            help='dense compression variants as JSON, e.g. \'{"dims": [384, 128], "quantization": '
                                 '["float32", "binary"], "rescore": 4}\': one row per variant (not stored)')

    def handle(self, *args, **opts):
        try:
            records = load_catalog().resolve(opts["dataset"])
            if opts["run"]:
                rows = self._score_run_file(Path(opts["run"]), records)
            else:
                rows = self._evaluate(opts, records)
        except (CatalogError, FetchError, DatasetFileError, RunnerError) as exc:
            raise CommandError(str(exc)) from None
        rows += aggregate_rows(rows)
        if opts["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
        else:
            self._print_table(rows)

    def _score_run_file(self, path: Path, records) -> list[dict]:
        if not path.is_file():
            raise CommandError(f"{path}: no such run file")
        run = read_run(path)
        rows = []
        for record in records:
            outcome = evaluate_run(run, load(record))
            rows.append({"retriever": f"run:{path.name}", "dataset": record.key, **outcome.as_dict()})
        return rows

    def _evaluate(self, opts, records) -> list[dict]:
        specs = [get_spec(name.strip()) for name in opts["retriever"].split(",") if name.strip()]
        if opts["variants"] is not None:
            return self._evaluate_variants(specs, records, opts)
        store = not opts["no_store"]
        if store:
            sync_catalog_or_explain(", or pass --no-store")
        pairs = [(spec, record) for spec in specs for record in records]
        if opts["skip_existing"]:
            pairs = [(spec, record) for spec, record in pairs if not has_reference_result(spec.name, record.key)]
        save_run = Path(opts["save_run"]) if opts["save_run"] else None
        if save_run and len(pairs) > 1:
            save_run.mkdir(parents=True, exist_ok=True)
        rows = []
        for spec, record in pairs:
            dataset = load(record)
            bar = ProgressBar(f"{spec.name} on {record.key}", enabled=sys.stderr.isatty())
            try:
                outcome = evaluate(spec, dataset, device=opts["device"], progress=bar)
            finally:
                bar.close()
            row = {"retriever": spec.name, "dataset": record.key, **outcome.as_dict()}
            if store:
                row["result_id"] = record_reference_result(spec, record.key, outcome).pk
            if save_run:
                target = save_run / f"{spec.name}__{record.key.replace('/', '__')}.trec" if len(pairs) > 1 \
                    else save_run
                write_run(outcome.run, target, tag=spec.name)
            rows.append(row)
        return rows

    def _evaluate_variants(self, specs, records, opts) -> list[dict]:
        """One row per (retriever, dataset, variant), the parent first; variants are compared, not stored."""
        if any(spec.family != "dense" for spec in specs):
            raise CommandError("--variants: only dense retrievers have compression variants")
        expand(opts["variants"])  # refuse a bad object before any encoding
        rows = []
        for spec, record in ((spec, record) for spec in specs for record in records):
            for variant in evaluate_variants(spec, load(record), opts["variants"], device=opts["device"]):
                row = {"retriever": f"{spec.name}[{variant.name}]", "dataset": record.key, "variant": variant.name,
                       "params": variant.params}
                if variant.outcome is None:
                    row.update(error=variant.error, metrics={}, timings={})
                else:
                    row.update(variant.outcome.as_dict(), compression=variant.outcome.provenance.get("compression"))
                rows.append(row)
        return rows

    def _print_table(self, rows: list[dict]) -> None:
        header = ["retriever", "dataset", *[m.label for m in METRICS], *[t[1] for t in TABLE_TIMINGS]]
        lines = []
        for row in rows:
            timings = row.get("timings", {})
            metrics = row["metrics"]
            cells = [row["retriever"], row["dataset"],
                     *[f"{metrics[m.name]:.4f}" if m.name in metrics else row.get("error", "-")[:40] for m in METRICS]]
            for key, _, fmt in TABLE_TIMINGS:
                value = timings.get(key)
                if key == "index_bytes" and value is not None:
                    value /= 1e6
                cells.append(fmt.format(value) if value is not None else "-")
            lines.append(cells)
        widths = [max(len(str(c)) for c in column) for column in zip(header, *lines)]
        for cells in [header, *lines]:
            self.stdout.write("  ".join(str(c).ljust(w) for c, w in zip(cells, widths)))


def aggregate_rows(rows: list[dict]) -> list[dict]:
    """One more row per retriever and complete aggregate (CQADupStack's 12 forums): each metric's mean."""
    extra, groups = [], aggregates()
    for retriever in dict.fromkeys(row["retriever"] for row in rows):
        mine = {row["dataset"]: row["metrics"] for row in rows if row["retriever"] == retriever and row["metrics"]}
        by_metric = {m.name: aggregate_scores({key: metrics[m.name] for key, metrics in mine.items()})
                     for m in METRICS}
        for name in by_metric[METRICS[0].name]:
            extra.append({"retriever": retriever, "dataset": name, "aggregate_of": groups[name],
                          "metrics": {metric: scores[name] for metric, scores in by_metric.items()}})
    return extra
