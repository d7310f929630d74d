"""Efficiency repeatability (issue 14): the same model submitted N times while another evaluation runs on the
machine; how far each copy's p50 latency and batch QPS stray from the copies' median.

    .venv/bin/python benchmarks/efficiency_repeatability.py --label after --out /tmp/repeat-after.json

It runs the code of the tree it lives in (copy it into an older checkout to measure that one) against services of
its own: a PostgreSQL database created and dropped on 127.0.0.1:5432 (trust auth, user postgres; --database,
default rb_bench_repeat), a Redis broker DB (--broker, default redis://127.0.0.1:6379/9, flushed at start), and a
temporary folder holding RB_DATA_DIR (var/datasets copied as in soak.py, then the datasets it needs fetched from
the local mirror: ../shared/datasets beside the checkout, or RB_MIRROR_DIR), RB_CACHE_DIR (an empty embedding
cache: the runs of two trees pay the same encoding) and RB_HOST_LOCK_DIR (the timing locks and the yardstick).

Two Celery workers are started (prefork, -c 1, -Q cpu,gpu). One "other" evaluation is submitted (--other, default
minilm-l6 on classic-ir/npl, 11,429 documents to encode) and, once a worker runs it, --copies submissions of the same
model (--model on --dataset, default minilm-l6 on classic-ir/cranfield), each with its own name, through
leaderboard.submissions.services.submit: the second worker evaluates the copies while the first one is busy with the
other evaluation. The dense family caches corpus embeddings per (model, corpus): copy 1 encodes cranfield, copies
2..N load its vectors and only search (what is compared is the search: latency and QPS).

A monitor samples every --sample seconds each evaluation's progress phase and the CPU time of each worker's process
tree, so that the script can say, in any version of the code, what the other evaluation was doing while a copy was
timed and how many cores its worker used then. A copy's timed window is [timing_started_at, + timing_seconds] where
the result has them (the isolated timing pass), else the span of its "search" and "latency" phases.

Printed: a markdown table per copy (p50 latency, batch QPS, under_load, other_load_cores, timing_wait_seconds, the
other worker's cores and phase during the timed window) and the largest relative deviation from the median of p50
and of QPS. Written to --out: the same as JSON, with the machine's load. Keys that older code does not store are
null. The workers' logs are kept in --log-dir.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from soak import Proc, wait_until  # the soak run's process handling (benchmarks/ is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
YARDSTICK_DATASET = "classic-ir/adi"  # the current code measures the host's yardstick on it
TIMED_PHASES = ("search", "latency")
AFTER_TIMED_PHASES = ("score", "storing", "done")


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Worker(Proc):
    """soak.py's process in its own group, with the CPU its pool used."""

    def cpu_seconds(self) -> float:
        """User + system CPU of the worker and its pool children (the evaluation runs in a child)."""
        import psutil

        total = 0.0
        try:
            root = psutil.Process(self.proc.pid)
            for proc in [root, *root.children(recursive=True)]:
                try:
                    times = proc.cpu_times()
                    total += times.user + times.system
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        return total


class Monitor(threading.Thread):
    """Samples (unix time, phases of the watched evaluations, CPU seconds of each worker tree, host busy CPU) every
    `interval` s, and every TOP_EVERY s the CPU each process outside the workers (and this script) used since the
    last time: who else loaded the machine."""

    TOP_EVERY = 2.0

    def __init__(self, workers: dict[str, Worker], interval: float):
        super().__init__(name="monitor", daemon=True)
        self.workers, self.interval = workers, interval
        self.ids: list[int] = []
        self.samples: list[dict] = []
        self.tops: list[dict] = []  # {"t0", "t1", "procs": {command: cpu seconds}}
        self.stop_event = threading.Event()
        self.lock = threading.Lock()

    def watch(self, ids: list[int]) -> None:
        with self.lock:
            self.ids = sorted(set(self.ids) | set(ids))

    def _outside(self, psutil, previous: dict) -> dict:
        """{pid: (command, cpu seconds)} of every process but the workers' trees and this one."""
        mine = {os.getpid()}
        for worker in self.workers.values():
            try:
                root = psutil.Process(worker.proc.pid)
                mine |= {root.pid, *(c.pid for c in root.children(recursive=True))}
            except psutil.Error:
                pass
        found = {}
        for proc in psutil.process_iter(["pid", "name", "cmdline", "cpu_times"]):
            info = proc.info
            if info["pid"] in mine or info["cpu_times"] is None:
                continue
            command = previous.get(info["pid"], (None,))[0]
            if command is None:
                words = [w for w in (info["cmdline"] or []) if w]
                command = (" ".join(Path(words[0]).name.split()[:1] + words[1:4]) if words else info["name"])[:90]
            found[info["pid"]] = (command, info["cpu_times"].user + info["cpu_times"].system)
        return found

    def run(self) -> None:
        import psutil
        from django.db import connection

        from leaderboard.models import Evaluation

        previous, previous_t, next_top = {}, time.time(), 0.0
        try:
            while not self.stop_event.is_set():
                with self.lock:
                    ids = list(self.ids)
                phases = {}
                if ids:
                    try:
                        phases = {pk: (status, phase) for pk, status, phase in Evaluation.objects.filter(
                            pk__in=ids).values_list("pk", "status", "progress_phase")}
                    except Exception:  # a missed sample is harmless
                        connection.close()
                times = psutil.cpu_times()
                busy = sum(times) - times.idle - getattr(times, "iowait", 0.0)
                self.samples.append({"t": time.time(), "phases": phases, "busy": busy,
                                     "steal": getattr(times, "steal", 0.0),
                                     "workers": {name: w.cpu_seconds() for name, w in self.workers.items()},
                                     "load1": os.getloadavg()[0]})
                if time.monotonic() >= next_top:
                    next_top = time.monotonic() + self.TOP_EVERY
                    now, current = time.time(), self._outside(psutil, previous)
                    used: dict[str, float] = {}
                    for pid, (command, seconds) in current.items():
                        delta = seconds - previous.get(pid, (command, seconds if previous else 0.0))[1]
                        if delta > 0.02:
                            used[command] = round(used.get(command, 0.0) + delta, 2)
                    if previous:
                        self.tops.append({"t0": previous_t, "t1": now, "procs": used})
                    previous, previous_t = current, now
                self.stop_event.wait(self.interval)
        finally:
            connection.close()


def relative_deviation(values: list[float]) -> tuple[float | None, float | None]:
    """(median, largest |v - median| / median) of the values, None when there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    middle = statistics.median(values)
    return middle, (max(abs(v - middle) for v in values) / middle if middle else None)


def timed_window(result_timings: dict, samples: list[dict], pk: int) -> tuple[float, float, str] | None:
    """The copy's timed window: the isolated timing pass where the result records it, else its search+latency
    phases as the monitor saw them."""
    if result_timings.get("timing_started_at") is not None and result_timings.get("timing_seconds") is not None:
        start = float(result_timings["timing_started_at"])
        return start, start + float(result_timings["timing_seconds"]), "timing pass"
    start = end = None
    for sample in samples:
        status, phase = sample["phases"].get(pk, (None, None))
        if start is None and phase in TIMED_PHASES:
            start = sample["t"]
        elif start is not None and (phase in AFTER_TIMED_PHASES or status not in ("running", None)):
            end = sample["t"]
            break
    if start is None or end is None:
        return None
    return start, end, "search+latency phases (sampled)"


def during(monitor: Monitor, start: float, end: float, own: str, other_pk: int) -> dict:
    """What went on in [start, end] beside the copy: the other evaluation's phases, the cores of the other Celery
    worker (the one not running this copy) and of everything outside both workers (hypervisor steal included), the
    busiest outside commands."""
    samples = monitor.samples
    inside = [s for s in samples if start <= s["t"] <= end]
    before = [s for s in samples if s["t"] <= start]
    after = [s for s in samples if s["t"] >= end]
    first = before[-1] if before else (inside[0] if inside else None)
    last = after[0] if after else (inside[-1] if inside else None)
    seen = inside + ([first] if first else [])
    out = {"other_phases": sorted({s["phases"].get(other_pk, (None, None))[1] or "" for s in seen
                                   if s["phases"].get(other_pk, (None, None))[0] == "running"}),
           "other_running": any(s["phases"].get(other_pk, (None, None))[0] == "running" for s in seen),
           "sibling_worker_cores": None, "outside_cores": None, "host_busy_cores": None}
    if first and last and last["t"] > first["t"]:
        span = last["t"] - first["t"]
        used = {name: last["workers"].get(name, 0.0) - first["workers"].get(name, 0.0) for name in last["workers"]}
        siblings = [name for name in used if name != own]
        out["sibling_worker_cores"] = round(sum(used[n] for n in siblings) / span, 2)
        out["host_busy_cores"] = round((last["busy"] - first["busy"]) / span, 2)
        out["outside_cores"] = round(max(0.0, last["busy"] - first["busy"] - sum(used.values())) / span, 2)
        # CPU the hypervisor gave to other guests (counted in busy and outside_cores too)
        out["steal_cores"] = round((last.get("steal", 0.0) - first.get("steal", 0.0)) / span, 3)
        out["sampled_span_s"] = round(span, 2)
    commands: dict[str, float] = {}
    span = 0.0
    for top in monitor.tops:
        overlap = min(end, top["t1"]) - max(start, top["t0"])
        if overlap <= 0:
            continue
        share = overlap / (top["t1"] - top["t0"])
        span += overlap
        for command, seconds in top["procs"].items():
            commands[command] = commands.get(command, 0.0) + seconds * share
    if span > 0:
        out["outside_top"] = [[c, round(s / span, 2)] for c, s in sorted(commands.items(), key=lambda kv: -kv[1])
                              if s / span >= 0.02][:6]
    return out


def fmt(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(summary: dict) -> str:
    lines = [f"{summary['label']} ({summary['code_commit']}): {summary['copies']} x {summary['model']} on "
             f"{summary['dataset']} while {summary['other']['retriever']} on {summary['other']['dataset']} runs",
             "",
             "| copy | worker | emb. cache hit | p50 ms | p50 spread | batch QPS | QPS spread | under_load | "
             "other_load_cores | timing_wait_s | timed s | other eval's phase in window | other worker's cores | "
             "cores outside the workers | busiest outside |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for n, copy in enumerate(summary["per_copy"], 1):
        window = copy.get("window") or {}
        lines.append(
            f"| {n} | {copy['worker']} | {fmt(copy['embedding_cache_hit'])} | {fmt(copy['latency_p50_ms'])} | "
            f"{fmt(copy['latency_p50_spread'], 3)} | {fmt(copy['batch_qps'], 1)} | "
            f"{fmt(copy['batch_qps_spread'], 3)} | "
            f"{fmt(copy['under_load'])} | {fmt(copy['other_load_cores'])} | {fmt(copy['timing_wait_seconds'], 1)} | "
            f"{fmt(window.get('seconds'), 1)} | {', '.join(window.get('other_phases') or []) or '–'} | "
            f"{fmt(window.get('sibling_worker_cores'))} | {fmt(window.get('outside_cores'))} | "
            f"{'; '.join(f'{c} {v}' for c, v in (window.get('outside_top') or [])[:2]) or '–'} |")
    d = summary["deviation"]

    def percent(rel):
        return fmt(100 * rel if rel is not None else None, 1)

    lines += ["",
              f"p50: median {fmt(d['latency_p50_ms']['median'])} ms, max deviation from the median "
              f"{percent(d['latency_p50_ms']['max_rel'])} %"
              f"; QPS: median {fmt(d['batch_qps']['median'], 1)}, max deviation "
              f"{percent(d['batch_qps']['max_rel'])} %; "
              f"within ±{summary['tolerance'] * 100:.0f} %: {fmt(summary['within_tolerance'])}",
              f"other evaluation: {summary['other']['status']} (worker {summary['other']['worker']}, started "
              f"{summary['other']['started_at']}, finished {summary['other']['finished_at']}); copies' wall "
              f"{summary['copies_wall_s']} s"]
    return "\n".join(lines)


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="rb-repeat-"))
        self.data_dir, self.cache_dir, self.lock_dir = (self.work / n for n in ("data", "cache", "locks"))
        for folder in (self.data_dir, self.cache_dir, self.lock_dir):
            folder.mkdir()
        self.log_dir = args.log_dir or Path(f"/tmp/rb-repeat-logs-{args.label}-{datetime.now():%Y%m%d-%H%M%S}")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.workers: dict[str, Worker] = {}
        self.db_created = False
        self.env = {**os.environ,
                    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
                    "CELERY_BROKER_URL": args.broker, "RB_DATA_DIR": str(self.data_dir),
                    "RB_CACHE_DIR": str(self.cache_dir), "RB_HOST_LOCK_DIR": str(self.lock_dir),
                    "DEBUG": "1", "SUBMISSIONS_PER_HOUR": "100000", "MAX_ACTIVE_EVALUATIONS_PER_USER": "100000",
                    "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "LOG_LEVEL": "INFO",
                    "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
        for name in ("RB_UPLOAD_DIR", "RB_ARTIFACT_URL", "RB_SITE_CACHE_DIR", "CACHE_URL", "DB_CONN_MAX_AGE",
                     "CELERY_VISIBILITY_TIMEOUT", "TIMING_WAIT_SECONDS"):
            self.env.pop(name, None)  # defaults, under the temporary data dir

    # --- services ------------------------------------------------------------------------------------------------
    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True,
                             connect_timeout=5) as conn:
            conn.execute(sql)

    def manage(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=900)
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
        return result.stdout

    def setup(self) -> None:
        import redis

        name = self.args.database
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin(f'CREATE DATABASE "{name}"')
        self.db_created = True
        redis.Redis.from_url(self.args.broker).flushdb()
        bundled = ROOT / "var" / "datasets"  # as soak.py: the checkout's verified copies, when it has them
        if bundled.is_dir():
            shutil.copytree(bundled, self.data_dir / "datasets", symlinks=True)
        self.manage("migrate", "--noinput", "--verbosity", "0")
        needed = sorted({YARDSTICK_DATASET, self.args.dataset, self.args.other_dataset})
        print(self.manage("datasets", "fetch", *needed).strip(), flush=True)
        self.manage("datasets", "sync")
        for n in (1, 2):
            self.start_worker(f"repeat{n}")

    def start_worker(self, name: str) -> None:
        worker = Worker(name, [str(BIN / "celery"), "-A", "config", "worker", "-Q", "cpu,gpu", "--pool=prefork",
                             "-c", "1", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
                             "--loglevel", "INFO"], self.env, self.log_dir)
        self.workers[name] = worker
        wait_until(lambda: "ready." in worker.text() or not worker.alive(), 180, f"{name} ready")
        if not worker.alive():
            raise RuntimeError(f"{name} exited: {worker.text()[-2000:]}")

    def close(self) -> None:
        for worker in self.workers.values():  # all at once: a message one of them drops is not run by the other
            if worker.alive():
                worker.kill_group(signal.SIGTERM)
        for worker in self.workers.values():
            worker.stop(timeout=10.0)
        if self.db_created:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:
                pass
            try:
                self.admin(f'DROP DATABASE IF EXISTS "{self.args.database}" WITH (FORCE)')
            except Exception as exc:
                print(f"could not drop {self.args.database}: {exc}", file=sys.stderr)
        try:
            import redis

            redis.Redis.from_url(self.args.broker).flushdb()
        except Exception:
            pass
        shutil.rmtree(self.work, ignore_errors=True)

    # --- the run -------------------------------------------------------------------------------------------------
    def run(self) -> dict:
        load_before = [round(v, 2) for v in os.getloadavg()]
        self.setup()
        os.environ.update(self.env)  # this process reads the same database and broker as the workers
        for name in ("RB_UPLOAD_DIR", "RB_ARTIFACT_URL", "RB_SITE_CACHE_DIR", "CACHE_URL", "DB_CONN_MAX_AGE",
                     "CELERY_VISIBILITY_TIMEOUT", "TIMING_WAIT_SECONDS"):
            os.environ.pop(name, None)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.contrib.auth import get_user_model

        from leaderboard.models import Evaluation, Result
        from leaderboard.submissions import services

        monitor = Monitor(self.workers, self.args.sample)
        monitor.start()
        user = get_user_model().objects.create_user("repeat", password="repeat-bench-password", is_staff=True)
        a = self.args

        def submit(name: str, retriever: str, dataset: str):
            from runners.specs import get_spec

            family = get_spec(retriever).family
            submission = services.submit(user, name=name, family=family, source="reference", retriever=retriever,
                                         datasets=[dataset])
            return list(submission.evaluations.values_list("pk", flat=True))

        t0 = time.monotonic()
        [other_pk] = submit(f"repeat other {a.other_retriever}", a.other_retriever, a.other_dataset)
        monitor.watch([other_pk])
        wait_until(lambda: Evaluation.objects.filter(pk=other_pk, status="running").exists(), 300,
                   "the other evaluation to start")
        other_started_s = time.monotonic() - t0
        print(f"[{other_started_s:6.1f} s] other evaluation {other_pk} running on "
              f"{Evaluation.objects.get(pk=other_pk).worker_host}", flush=True)
        time.sleep(a.lead)  # the other evaluation gets into its work before the copies arrive
        copies_start = time.monotonic()
        copy_pks = []
        for n in range(1, a.copies + 1):
            copy_pks += submit(f"repeat copy {n} {a.model}", a.model, a.dataset)
        monitor.watch(copy_pks)
        print(f"[{time.monotonic() - t0:6.1f} s] {a.copies} copies submitted: evaluations {copy_pks}", flush=True)
        last = None
        deadline = time.monotonic() + a.timeout
        while time.monotonic() < deadline:
            states = dict(Evaluation.objects.filter(pk__in=copy_pks).values_list("pk", "status"))
            done = sum(1 for s in states.values() if s not in Evaluation.ACTIVE)
            other = Evaluation.objects.get(pk=other_pk)
            line = f"copies finished {done}/{len(copy_pks)}; other {other.status} ({other.progress_phase})"
            if line != last:
                print(f"[{time.monotonic() - t0:6.1f} s] {line}", flush=True)
                last = line
            if done == len(copy_pks):
                break
            time.sleep(1)
        copies_wall = time.monotonic() - copies_start
        if a.wait_other:
            wait_until(lambda: not Evaluation.objects.filter(pk=other_pk, status__in=Evaluation.ACTIVE).exists(),
                       a.timeout, "the other evaluation to finish", interval=1)
        time.sleep(2 * a.sample)
        monitor.stop_event.set()
        monitor.join(10)
        samples = list(monitor.samples)

        other = Evaluation.objects.get(pk=other_pk)
        other_worker = (other.worker_host or "").split("@")[0] or None
        tops = list(monitor.tops)
        per_copy = []
        for pk in copy_pks:
            evaluation = Evaluation.objects.get(pk=pk)
            result = Result.objects.filter(evaluation_id=pk).order_by("-pk").first()
            timings = result.timings if result else {}
            provenance = result.provenance if result else {}
            row = {"evaluation": pk, "status": evaluation.status, "error": evaluation.error[:300],
                   "worker": (evaluation.worker_host or "").split("@")[0],
                   "started_at": evaluation.started_at.isoformat() if evaluation.started_at else None,
                   "finished_at": evaluation.finished_at.isoformat() if evaluation.finished_at else None,
                   "embedding_cache_hit": provenance.get("embedding_cache_hit"),
                   "code_commit": provenance.get("code_commit")}
            for key in ("latency_p50_ms", "latency_p95_ms", "latency_p50_spread", "batch_qps", "batch_qps_spread",
                        "search_seconds", "first_search_seconds", "timing_repeats", "under_load", "other_load_cores",
                        "load_average_1m", "timing_wait_seconds", "timing_started_at", "timing_seconds",
                        "index_seconds_measured", "latency_p50_vs_yardstick"):
                row[key] = timings.get(key)
            window = timed_window(timings, samples, pk)
            if window:
                start, end, kind = window
                row["window"] = {"kind": kind, "start": start, "seconds": round(end - start, 2),
                                 **during(monitor, start, end, row["worker"], other_pk)}
            else:
                row["window"] = None
            per_copy.append(row)
        p50_median, p50_dev = relative_deviation([c["latency_p50_ms"] for c in per_copy])
        qps_median, qps_dev = relative_deviation([c["batch_qps"] for c in per_copy])
        warm = per_copy[1:]  # copies 2..N: all read copy 1's cached embeddings
        warm_p50 = relative_deviation([c["latency_p50_ms"] for c in warm])
        warm_qps = relative_deviation([c["batch_qps"] for c in warm])
        within = (p50_dev is not None and qps_dev is not None and p50_dev <= a.tolerance and qps_dev <= a.tolerance)
        load1 = [s["load1"] for s in samples]
        try:
            commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip()
            dirty = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                                        capture_output=True, text=True).stdout.strip())
        except OSError:
            commit, dirty = "?", False
        return {
            "label": a.label, "date": now_utc(), "code_commit": commit + (" + uncommitted changes" if dirty else ""),
            "root": str(ROOT), "copies": a.copies, "model": a.model, "dataset": a.dataset, "tolerance": a.tolerance,
            "other": {"evaluation": other_pk, "retriever": a.other_retriever, "dataset": a.other_dataset,
                      "status": other.status, "worker": other_worker, "lead_s": a.lead,
                      "started_at": other.started_at.isoformat() if other.started_at else None,
                      "finished_at": other.finished_at.isoformat() if other.finished_at else None,
                      "running_when_copies_done": other.status == "running" if not a.wait_other else None},
            "copies_wall_s": round(copies_wall, 1),
            "per_copy": per_copy,
            "outside_load": tops,
            "deviation": {"latency_p50_ms": {"median": p50_median, "max_rel": p50_dev},
                          "batch_qps": {"median": qps_median, "max_rel": qps_dev},
                          "copies_2_to_n": {"latency_p50_ms": {"median": warm_p50[0], "max_rel": warm_p50[1]},
                                            "batch_qps": {"median": warm_qps[0], "max_rel": warm_qps[1]}}},
            "within_tolerance": within,
            "machine": {"cores": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                        "load_avg_before": load_before,
                        "load_1min_during": {"min": round(min(load1), 2), "max": round(max(load1), 2),
                                             "mean": round(sum(load1) / len(load1), 2)} if load1 else None},
            "logs": str(self.log_dir),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", default="run", help="a name for this run in the output (before, after)")
    parser.add_argument("--out", type=Path, required=True, help="JSON summary written here")
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--model", default="minilm-l6", help="reference retriever submitted --copies times")
    parser.add_argument("--dataset", default="classic-ir/cranfield")
    parser.add_argument("--other-retriever", default="minilm-l6")
    parser.add_argument("--other-dataset", default="classic-ir/npl")
    parser.add_argument("--lead", type=float, default=5.0,
                        help="seconds between the other evaluation starting and the copies being submitted")
    parser.add_argument("--wait-other", action="store_true",
                        help="wait for the other evaluation to finish too (default: stop once the copies are done)")
    parser.add_argument("--tolerance", type=float, default=0.15)
    parser.add_argument("--timeout", type=float, default=1200, help="seconds the copies may take")
    parser.add_argument("--sample", type=float, default=0.25, help="monitor interval, seconds")
    parser.add_argument("--database", default="rb_bench_repeat")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--log-dir", type=Path, default=None, help="kept; default /tmp/rb-repeat-logs-<label>-<time>")
    args = parser.parse_args()

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    bench = Bench(args)
    try:
        summary = bench.run()
    finally:
        bench.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2))
    (bench.log_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(markdown(summary))


if __name__ == "__main__":
    main()
