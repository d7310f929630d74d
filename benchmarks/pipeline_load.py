"""Load test of the evaluation pipeline: queue N evaluations of BM25 on small collections, run W workers,
report throughput and check that no evaluation was lost or duplicated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rb_pipeline CELERY_BROKER_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python benchmarks/pipeline_load.py --evaluations 200 --workers 2

It writes to the database named by DATABASE_URL (use a scratch one): it migrates it, adds a staff user
"pipeline-load" and its submissions, and deletes that user's earlier submissions first.
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")  # a local measurement run: the development settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evaluations", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--datasets", default="classic-ir/adi,classic-ir/medline")
    parser.add_argument("--retriever", default="bm25-flat")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count

    from datasets_registry.services import sync_catalog
    from leaderboard.models import Evaluation, Result, Submission
    from leaderboard.submissions import services

    call_command("migrate", verbosity=0)
    sync_catalog()
    user, _ = get_user_model().objects.get_or_create(username="pipeline-load", defaults={"is_staff": True})
    Submission.objects.filter(owner=user).delete()
    datasets = [d for d in args.datasets.split(",") if d]
    n_submissions = -(-args.evaluations // len(datasets))

    env = {**os.environ, "DB_CONN_MAX_AGE": "0", "TOKENIZERS_PARALLELISM": "false"}
    workers = []
    for i in range(args.workers):
        log = open(BASE_DIR / "var" / f"pipeline_load_w{i + 1}.log", "wb")
        workers.append(subprocess.Popen(
            [str(BASE_DIR / ".venv/bin/celery"), "-A", "config", "worker", "-Q", "cpu,gpu", "--pool=prefork", "-c",
             "1", "-n", f"load{i + 1}@%h", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        start = time.monotonic()
        ids = []
        for i in range(n_submissions):
            submission = services.submit(user, name=f"load {i}", family="bm25", source="reference",
                                         retriever=args.retriever, datasets=datasets)
            ids += list(submission.evaluations.values_list("pk", flat=True))
        ids = ids[:args.evaluations]
        Evaluation.objects.filter(submission__owner=user).exclude(pk__in=ids).update(status="cancelled")
        queued_s = time.monotonic() - start
        while time.monotonic() - start < args.timeout:
            if not Evaluation.objects.filter(pk__in=ids, status__in=Evaluation.ACTIVE).exists():
                break
            time.sleep(1)
        elapsed = time.monotonic() - start
    finally:
        for proc in workers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    statuses = dict(Evaluation.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("pk")))
    per_eval = Result.objects.filter(evaluation_id__in=ids).values("evaluation_id").annotate(n=Count("pk"))
    duplicated = sum(1 for row in per_eval if row["n"] > 1)
    with_result = sum(1 for row in per_eval if row["n"] >= 1)
    lost = len(ids) - with_result - statuses.get("failed", 0)
    hosts = dict(Evaluation.objects.filter(pk__in=ids).values_list("worker_host").annotate(n=Count("pk")))
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    print(f"| {len(ids)} | {args.workers} | {args.retriever} on {', '.join(datasets)} | {engine} + {broker} | "
          f"{queued_s:.1f} | {elapsed:.1f} | {len(ids) / elapsed:.2f} | {statuses.get('succeeded', 0)} | "
          f"{statuses.get('failed', 0)} | {lost} | {duplicated} |")
    print(f"per worker: {hosts}; machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
