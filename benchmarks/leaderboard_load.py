"""Load test of the leaderboard pages: wrk on loopback against gunicorn on PostgreSQL.

    .venv/bin/python benchmarks/leaderboard_load.py [--submissions 2000] [--datasets 40] [--connections 20]

Builds a separate database (rb_load) of synthetic results with bulk_create: N submissions x D datasets
(about 5% of cells missing, 25 per-query scores each), starts gunicorn with the Redis cache, warms each
page once (timing the cold build and counting its SQL queries), then runs wrk per page and prints
p50/p95/p99 latency and requests/s. Needs `wrk` (Debian: apt-get install wrk) and Redis on 6379.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
BENCHMARKS = 4
QUERIES = 25
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT p50=%.2f p95=%.2f p99=%.2f requests=%d errors=%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def environment(database: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "CACHE_URL": "redis://127.0.0.1:6379/7", "DEBUG": "0", "SECRET_KEY": "load-test-only",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings"}


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def populate(submissions: int, datasets: int, seed: int = 0) -> None:
    """Runs inside this process with Django set up on the load database."""
    import django

    django.setup()
    from datasets_registry.models import Benchmark, Dataset
    from leaderboard.models import Evaluation, Family, QueryScore, Result, Source, Submission, metric_field
    from runners.metrics import METRICS

    rng = random.Random(seed)
    benchmarks = Benchmark.objects.bulk_create(
        Benchmark(slug=f"synthetic-{i}", name=f"Synthetic {i}") for i in range(BENCHMARKS))
    rows = Dataset.objects.bulk_create(
        Dataset(benchmark=benchmarks[i % BENCHMARKS], slug=f"d{i:02d}", name=f"Dataset {i:02d}", format="beir")
        for i in range(datasets))
    families = [f for f in Family.values if f != Family.RUN_FILE]
    people = Submission.objects.bulk_create(
        Submission(name=f"Model {n}", slug=f"model-{n}", family=rng.choice(families), source=Source.MODEL_ID,
                   licence=rng.choice(["MIT", "Apache-2.0", "CC-BY-4.0", "proprietary"]),
                   n_parameters=rng.choice([None, 4 * 10**6, 22 * 10**6, 335 * 10**6, 7 * 10**9]),
                   open_weights=rng.random() < 0.8, is_reference=n < 10)
        for n in range(submissions))
    for start in range(0, len(people), 100):
        evaluations = Evaluation.objects.bulk_create(
            Evaluation(submission=s, dataset=d, status=Evaluation.Status.SUCCEEDED)
            for s in people[start:start + 100] for d in rows if rng.random() > 0.05)
        skill = {s.pk: rng.uniform(0.2, 0.6) for s in people[start:start + 100]}
        per_query, results = [], []
        for e in evaluations:
            scores = [min(1.0, max(0.0, rng.gauss(skill[e.submission_id], 0.2))) for _ in range(QUERIES)]
            per_query.append(scores)
            mean = sum(scores) / QUERIES
            results.append(Result(
                evaluation=e, attempt=1, is_current=True, main_score=mean,
                metrics={m.name: mean for m in METRICS}, judged_queries=QUERIES,
                timings={"latency_p50_ms": rng.lognormvariate(2, 1), "latency_p95_ms": 50.0, "batch_qps": 100.0,
                         "index_bytes": 1e7, "index_seconds": 3.0, "peak_rss_bytes": 1e9},
                provenance={"code_commit": "synthetic", "dataset_checksum": "synthetic"}))
        Result.objects.bulk_create(results)
        QueryScore.objects.bulk_create(
            (QueryScore(result=r, query_id=f"q{q}", **{metric_field(m.name): value for m in METRICS})
             for r, scores in zip(results, per_query) for q, value in enumerate(scores)), batch_size=5000)
        print(f"  {min(start + 100, len(people))}/{len(people)} submissions", file=sys.stderr, flush=True)


def prepare(pages: list[str]) -> tuple[dict[str, int], str]:
    """SQL queries of a cold (uncached) render of each page, and a logged-in session cookie."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, counts = Client(), {}
    for page in pages:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(page)
        counts[page] = len(captured.captured_queries)
    cache.clear()
    user, _ = User.objects.get_or_create(username="load-test")
    client.force_login(user)
    return counts, client.cookies["sessionid"].value


def fetch(url: str, cookie: str = "") -> float:
    start = time.perf_counter()
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=300) as response:
        response.read()
        assert response.status == 200, (url, response.status)
    return time.perf_counter() - start


def wrk(url: str, connections: int, seconds: int, cookie: str = "") -> dict[str, float]:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, *headers, url],
                             capture_output=True, text=True, check=True).stdout
    found = re.search(r"RESULT p50=(\S+) p95=(\S+) p99=(\S+) requests=(\d+) errors=(\d+)", out)
    p50, p95, p99, requests, errors = found.groups()
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "rps": int(requests) / seconds,
            "errors": int(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="rb_load")
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--datasets", type=int, default=40)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="keep an already populated database")
    args = parser.parse_args()
    env = environment(args.database)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    if not args.reuse:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", args.database], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", args.database], check=True)
        manage(env, "migrate")
        start = time.perf_counter()
        populate(args.submissions, args.datasets)
        print(f"populated in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    manage(env, "collectstatic", "--noinput")
    pages = ["/leaderboards/", "/leaderboards/synthetic-1/", "/leaderboards/?sort=5&page=7",
             "/leaderboards/?family=dense&metric=recall@100", "/models/model-7/"]
    queries, session = prepare(pages)
    subprocess.run(["redis-cli", "-n", "7", "flushdb"], check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-w", str(args.workers),
                               "-b", f"127.0.0.1:{PORT}", "--timeout", "300"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                fetch(f"http://127.0.0.1:{PORT}/")
                break
            except OSError:
                time.sleep(0.2)
        print(f"{args.submissions} submissions x {args.datasets} datasets, {args.connections} connections, "
              f"{args.workers} gunicorn workers, {args.seconds} s per page")
        print("| page | viewer | SQL queries (cold) | cold s | p50 ms | p95 ms | p99 ms | req/s | errors |")
        print("|---|---|---|---|---|---|---|---|---|")
        # Anonymous visitors get cached HTML; a logged-in viewer gets the cached table rendered afresh.
        runs = [(page, "") for page in pages] + [(page, f"sessionid={session}") for page in pages[:3]]
        for page, cookie in runs:
            url = f"http://127.0.0.1:{PORT}{page}"
            cold = fetch(url, cookie)
            for _ in range(args.workers * 2):  # every worker's local copy
                fetch(url, cookie)
            r = wrk(url, args.connections, args.seconds, cookie)
            print(f"| `{page}` | {'logged in' if cookie else 'anonymous'} | {queries[page]} | {cold:.2f} | "
                  f"{r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} | {r['errors']} |", flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
