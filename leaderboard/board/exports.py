"""CSV and JSON renderings of every table the site shows (the read API serves the same JSON)."""
from __future__ import annotations

import csv
import io
import re

from django.http import Http404, HttpResponse, JsonResponse

from leaderboard.board.comparisons import Comparison
from leaderboard.board.filters import has_open_weights
from leaderboard.board.model_page import ModelDetail
from leaderboard.board.tables import Row, Table


def leaderboard_data(table: Table, rows: list[Row]) -> dict:
    return {
        "benchmark": table.benchmark.slug if table.benchmark else None,
        "metric": table.metric.name,
        "significance": {"test": table.test, "correction": table.correction},
        "datasets": [c.key for c in table.columns],
        "rows": [
            {
                "rank": row.rank, "borda_rank": row.borda_rank, "mean_rank": row.mean_rank,
                "submission": row.slug, "name": row.name, "family": row.family,
                "n_parameters": row.n_parameters, "embedding_dim": row.embedding_dim, "max_tokens": row.max_tokens,
                "licence": row.licence, "open_weights": row.open_weights,
                "reference": row.is_reference, "mean": row.mean, "datasets_scored": row.count,
                "datasets_total": len(table.columns), "latency_p50_ms": row.latency,
                "scores": {
                    column.key: {
                        "value": cell.value, "result": None if cell.members else cell.result_id,
                        **({"member_results": list(cell.members)} if cell.members else {}),
                        "ci95": list(cell.ci) if cell.ci else None, "best": cell.best,
                        "tied_for_first": cell.verdict.tied if cell.verdict else None,
                        "p_adjusted": cell.verdict.p_adjusted if cell.verdict else None,
                    }
                    for column in table.columns if (cell := row.cells.get(column.dataset_id))
                },
            }
            for row in rows
        ],
    }


def leaderboard_csv(table: Table, rows: list[Row]) -> tuple[list[str], list[list]]:
    data = leaderboard_data(table, rows)
    header = ["rank", "borda_rank", "mean_rank", "submission", "name", "family", "n_parameters", "embedding_dim",
              "max_tokens", "licence", "open_weights", "reference", *data["datasets"], "mean", "datasets_scored",
              "datasets_total"]
    records = [[r["rank"], r["borda_rank"], r["mean_rank"], r["submission"], r["name"], r["family"],
                r["n_parameters"], r["embedding_dim"], r["max_tokens"], r["licence"],
                r["open_weights"], r["reference"], *(r["scores"].get(k, {}).get("value") for k in data["datasets"]),
                r["mean"], r["datasets_scored"], r["datasets_total"]] for r in data["rows"]]
    return header, records


def model_data(detail: ModelDetail) -> dict:
    s = detail.submission
    return {
        "submission": s.slug, "name": s.name, "family": s.family, "n_parameters": s.n_parameters,
        "embedding_dim": s.embedding_dim, "vocabulary_size": s.vocabulary_size, "licence": s.licence,
        "open_weights": has_open_weights(s), "reference": s.is_reference, "paper_url": s.paper_url,
        "code_url": s.code_url,
        "results": [
            {
                "dataset": m.dataset.key, "result": m.result.pk, "attempt": m.result.attempt,
                "metrics": m.result.metrics, "timings": m.result.timings, "provenance": m.result.provenance,
                "ci95": list(m.ci) if m.ci else None,
                "published": [dict(zip(("metric", "published", "ours", "delta", "reproduced"), c))
                              for c in m.baseline.check(m.result.metrics)] if m.baseline else None,
            }
            for m in detail.results
        ],
        "history": [{"dataset": r.evaluation.dataset.key, "result": r.pk, "attempt": r.attempt,
                     "main_score": r.main_score, "created_at": r.created_at.isoformat()} for r in detail.history],
    }


def model_csv(detail: ModelDetail) -> tuple[list[str], list[list]]:
    metrics = sorted({k for m in detail.results for k in m.result.metrics})
    timings = sorted({k for m in detail.results for k in m.result.timings})
    header = ["dataset", "result", "attempt", *metrics, "ci95_low", "ci95_high", *timings]
    records = [[m.dataset.key, m.result.pk, m.result.attempt, *(m.result.metrics.get(k) for k in metrics),
                *(m.ci or (None, None)), *(m.result.timings.get(k) for k in timings)] for m in detail.results]
    return header, records


def comparison_data(comparison: Comparison) -> dict:
    names = [s.slug for s in comparison.submissions]
    return {
        "submissions": names, "metric": comparison.metric.name, "baseline": names[0] if names else None,
        "datasets": [
            {"dataset": d.key, "values": dict(zip(names, d.values)),
             "against_baseline": {name: vars(pair) if pair else None for name, pair in zip(names[1:], d.pairs)}}
            for d in comparison.datasets
        ],
        "focus": comparison.focus,
        "gains": [vars(q) for q in comparison.gains],
        "losses": [vars(q) for q in comparison.losses],
    }


def comparison_csv(comparison: Comparison) -> tuple[list[str], list[list]]:
    names = [s.slug for s in comparison.submissions]
    header = ["dataset", *names]
    for name in names[1:]:
        header += [f"{name}_delta", f"{name}_p_t", f"{name}_p_randomisation", f"{name}_wins", f"{name}_losses"]
    records = []
    for d in comparison.datasets:
        record = [d.key, *d.values]
        for pair in d.pairs:
            record += [pair.delta, pair.p_t, pair.p_randomisation, pair.wins, pair.losses] if pair else [None] * 5
        records.append(record)
    return header, records


FORMATS = ("csv", "json")
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """Text that a spreadsheet would run as a formula is quoted with a leading apostrophe; numbers stay numbers."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def download(fmt: str, name: str, data: dict, table: tuple[list[str], list[list]]) -> HttpResponse:
    """fmt "json" -> the data, "csv" -> the table; both as attachments named `name` (Http404 for other formats)."""
    if fmt not in FORMATS:
        raise Http404(f"no export format {fmt!r}; one of {', '.join(FORMATS)}")
    if fmt == "json":
        response = JsonResponse(data, json_dumps_params={"indent": 2})
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([csv_cell(v) for v in table[0]])
        writer.writerows([csv_cell(v) for v in row] for row in table[1])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    # The name comes from the URL (slugs of compared rows): only safe characters reach the header.
    safe_name = re.sub(r"[^A-Za-z0-9._@-]+", "_", name)[:150]
    response["Content-Disposition"] = f'attachment; filename="{safe_name}.{fmt}"'
    return response
