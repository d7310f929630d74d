"""Soak test: concurrent clients browse and submit while a worker is killed and the database and broker restart.

    .venv/bin/python benchmarks/soak.py [--minutes 10] [--clients 20] [--submit-every 90] [--margin 30]

Everything runs on 127.0.0.1 in processes this script starts and stops, never the machine's shared services: a
throwaway PostgreSQL cluster (initdb + pg_ctl, as the postgres user when run as root) and a private redis-server on
free ports (broker db 0, page cache db 1), a temporary RB_DATA_DIR holding a copy of var/datasets, gunicorn (gthread
workers), 2 Celery workers (`-Q cpu,gpu -c 1`) and beat, with short heartbeats and a fast reconciler.

Two seed submissions are run first (their slugs feed the model and compare pages). Then N client threads loop until
the deadline: each browses (leaderboards, model pages, comparisons, the read API, exports), every --submit-every
seconds or so (randomised) submits bm25-flat on classic-ir/adi through POST /api/submissions/ with its API token,
and polls the status of its submissions. Faults at fixed shares of the run: the whole process group of a worker
running an evaluation is SIGKILLed (a replacement is started), PostgreSQL is stopped for --db-outage seconds while
an evaluation runs, and, right after a burst of --burst concurrent submissions (so that the broker holds messages),
redis-server is SIGKILLed and a new, empty one started on the same port (every queued message is lost: the
reconciler must resend). An outage window is a fault's start to its recovery plus --margin seconds; a request
belongs to a window when it overlaps it.

At the end the script waits (at most --drain-timeout s) for the evaluations to finish and counts, from the database:
submitted (acknowledged with 201), succeeded, failed, still active, lost (acknowledged but without a row, or
finished without a result and not failed), duplicated (more than one Result for an evaluation attempt, or more
than one Result at all: nothing is rerun here). It prints a JSON summary and markdown tables, keeps the process
logs in --log-dir and removes its cluster and data folder (also on Ctrl-C, SIGTERM or an error).
"""
from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=None, key=lambda p: int(p.parent.name))
DATASET = "classic-ir/adi"
REQUEST_TIMEOUT = 30.0
MAX_ERROR_SAMPLES = 40
USERS = """
import json
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
tokens = []
for n in range({n}):
    user = User.objects.create_user(f"soak{{n}}", password="soak-password-{n}-x")
    tokens.append(Token.objects.create(user=user).key)
print("TOKENS " + json.dumps(tokens))
"""


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


class Proc:
    """A child in a process group of its own, its output in a log file; stopped by group."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name, self.log = name, log_dir / f"{name}.log"
        self.handle = open(self.log, "ab")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 15.0) -> None:
        if self.alive():
            self.kill_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill_group(signal.SIGKILL)  # leftover children of this group only
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self.handle.close()


class Postgres:
    """A throwaway cluster in /tmp (short socket path), trust authentication, owned by postgres when run as root."""

    def __init__(self, port: int):
        self.port = port
        self.folder = Path(f"/tmp/rb-soak-pg-{os.getpid()}-{port}")
        self.data, self.log = self.folder / "data", self.folder / "postgres.log"
        self.created = False

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def create(self) -> None:
        self.folder.mkdir(parents=True)
        self.created = True
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as conn:
            conn.execute("CREATE DATABASE rb")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "rb") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url(), connect_timeout=3) as conn:
            return conn.execute(sql, params).fetchall()

    def destroy(self, log_dir: Path) -> None:
        if not self.created:
            return
        if (self.data / "postmaster.pid").exists():
            result = self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop",
                               check=False)
            if result.returncode != 0 and (self.data / "postmaster.pid").exists():
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                try:
                    os.kill(pid, signal.SIGKILL)  # the cluster's own postmaster, named by its pid file
                except ProcessLookupError:
                    pass
        if self.log.exists():
            shutil.copy(self.log, log_dir / "postgres.log")
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """A private, non-persistent redis-server: killing it loses every message and cached page."""

    def __init__(self, port: int, log_dir: Path):
        self.port, self.log_dir, self.proc, self.handle = port, log_dir, None, None

    def start(self) -> None:
        self.handle = open(self.log_dir / "redis.log", "ab")
        self.proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.log_dir)],
                                     stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: port_open(self.port), 20, "redis-server", interval=0.1)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if self.handle:
            self.handle.close()


class Recorder:
    """Every request: (start, end, label, status or None, error text or '')."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[tuple[float, float, str, int | None, str]] = []

    def add(self, *row) -> None:
        with self.lock:
            self.requests.append(row)


class Shared:
    """What the clients learn and acknowledge: model slugs to browse, submissions accepted with 201."""

    def __init__(self, slugs: list[str]):
        self.lock = threading.Lock()
        self.slugs = list(slugs)
        self.acknowledged: dict[int, dict] = {}  # evaluation id -> {submission, client, t}
        self.refused: list[tuple[float, int | None, str]] = []

    def slug_pair(self, rng: random.Random) -> tuple[str, str]:
        with self.lock:
            return tuple(rng.sample(self.slugs, 2))

    def add_slug(self, slug: str) -> None:
        with self.lock:
            if slug not in self.slugs and len(self.slugs) < 200:
                self.slugs.append(slug)


class Client(threading.Thread):
    def __init__(self, n: int | str, token: str, base: str, shared: Shared, recorder: Recorder, stop: threading.Event,
                 t0: float, deadline: float, submit_every: float):
        super().__init__(name=f"client-{n}", daemon=True)
        self.n, self.token, self.base, self.shared, self.recorder = n, token, base, shared, recorder
        self.stop_event, self.t0, self.deadline, self.submit_every = stop, t0, deadline, submit_every
        self.rng = random.Random(n)
        self.pending: dict[int, str] = {}  # submission id -> slug
        self.submitted = 0

    def request(self, label: str, path: str, body: dict | None = None, auth: bool = False):
        headers = {"Accept": "*/*"}
        if auth:
            headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method="POST" if body is not None else "GET")
        start, status, payload, error = time.monotonic(), None, b"", ""
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            try:
                payload = exc.read()[:4000]
            except (OSError, http.client.HTTPException):
                payload = b""
            error = f"HTTP {exc.code}: {explain(payload)}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        end = time.monotonic()
        ok = status is not None and 200 <= status < 400
        self.recorder.add(start - self.t0, end - self.t0, label, status, "" if ok else (error or f"HTTP {status}"))
        return status, payload

    def browse(self) -> None:
        a, b = self.shared.slug_pair(self.rng)
        label, path = self.rng.choice([
            ("leaderboards", "/leaderboards/"),
            ("leaderboards", "/leaderboards/"),
            ("benchmark", "/leaderboards/classic-ir/"),
            ("benchmark", "/leaderboards/classic-ir/?sort=1"),
            ("model", f"/models/{a}/"),
            ("model", f"/models/{b}/"),
            ("compare", f"/compare/?rows={a}&rows={b}"),
            ("api-results", "/api/results/"),
            ("api-leaderboard", "/api/leaderboards/classic-ir/"),
            ("export", "/leaderboards/export.csv"),
            ("export", "/leaderboards/classic-ir/export.json"),
            ("export", f"/models/{a}/export.csv"),
            ("export", f"/compare/export.json?rows={a}&rows={b}"),
        ])
        self.request(label, path)

    def submit(self) -> None:
        self.submitted += 1
        body = {"name": f"soak client {self.n} #{self.submitted}", "family": "bm25", "source": "reference",
                "retriever": "bm25-flat", "datasets": [DATASET]}
        status, payload = self.request("submit", "/api/submissions/", body=body, auth=True)
        if status == 201:
            data = json.loads(payload)
            t = time.monotonic() - self.t0
            with self.shared.lock:
                for evaluation in data["evaluations"]:
                    self.shared.acknowledged[evaluation["id"]] = {"submission": data["id"], "client": self.n, "t": t}
            self.pending[data["id"]] = data["slug"]
        else:
            with self.shared.lock:
                self.shared.refused.append((time.monotonic() - self.t0, status, explain(payload)))

    def poll(self) -> None:
        pk = self.rng.choice(list(self.pending))
        status, payload = self.request("status", f"/api/submissions/{pk}/status/", auth=True)
        if status == 200:
            state = json.loads(payload)
            if state.get("finished"):
                slug = self.pending.pop(pk)
                if state.get("counts", {}).get("succeeded"):
                    self.shared.add_slug(slug)

    def run(self) -> None:
        next_submit = time.monotonic() + self.rng.uniform(0.1, 1.0) * self.submit_every
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            if time.monotonic() >= next_submit:
                self.submit()
                next_submit = time.monotonic() + self.rng.uniform(0.5, 1.5) * self.submit_every
            elif self.pending and self.rng.random() < 0.25:
                self.poll()
            else:
                self.browse()
            self.stop_event.wait(self.rng.uniform(0.3, 1.2))


class Soak:
    def __init__(self, args, log_dir: Path):
        self.args, self.log_dir = args, log_dir
        self.pg = Postgres(free_port())
        self.redis = Redis(free_port(), log_dir)
        self.web_port = free_port()
        self.data_dir = Path(tempfile.mkdtemp(prefix="rb-soak-data-"))
        self.procs: list[Proc] = []
        self.workers: dict[str, Proc] = {}
        self.stop = threading.Event()
        self.windows: list[dict] = []
        self.fault_notes: list[str] = []
        self.load: list[tuple[float, float]] = []
        self.killed_evaluations: list[int] = []
        self.worker_count = args.workers
        self.env = {**os.environ,
                    "DATABASE_URL": self.pg.url(), "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis.port}/0",
                    "CACHE_URL": f"redis://127.0.0.1:{self.redis.port}/1", "RB_DATA_DIR": str(self.data_dir),
                    "DEBUG": "1", "HEARTBEAT_SECONDS": "2", "HEARTBEAT_STALE_SECONDS": "10",
                    "RECONCILE_INTERVAL_SECONDS": "5", "RECONCILE_GRACE_SECONDS": "5",
                    "SUBMISSIONS_PER_HOUR": "100000", "MAX_ACTIVE_EVALUATIONS_PER_USER": "100000",
                    "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "LOG_LEVEL": "INFO",
                    "PYTHONUNBUFFERED": "1"}
        for name in ("RB_UPLOAD_DIR", "RB_ARTIFACT_URL", "DB_CONN_MAX_AGE", "CELERY_VISIBILITY_TIMEOUT"):
            self.env.pop(name, None)  # defaults, under the temporary data dir

    # --- processes -----------------------------------------------------------------------------------------------
    def manage(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                                capture_output=True, text=True, timeout=600)
        return result.stdout

    def start(self, name: str, args: list[str]) -> Proc:
        proc = Proc(name, args, self.env, self.log_dir)
        self.procs.append(proc)
        return proc

    def start_worker(self, name: str) -> Proc:
        worker = self.start(name, [str(BIN / "celery"), "-A", "config", "worker", "-Q", "cpu,gpu", "--pool=prefork",
                                   "-c", "1", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
                                   "--loglevel", "INFO"])
        wait_until(lambda: "ready." in worker.text() or not worker.alive(), 180, f"{name} ready")
        if not worker.alive():
            raise RuntimeError(f"{name} exited: {worker.text()[-2000:]}")
        self.workers[name] = worker
        return worker

    def setup(self) -> list[str]:
        self.pg.create()
        self.redis.start()
        shutil.copytree(ROOT / "var" / "datasets", self.data_dir / "datasets", symlinks=True)
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("datasets", "sync")
        out = self.manage("shell", "-c", USERS.format(n=self.args.clients + 1))  # the last one: the burst
        tokens = json.loads(next(line for line in out.splitlines() if line.startswith("TOKENS "))[7:])
        self.start("web", [str(BIN / "gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{self.web_port}",
                           "-w", str(self.args.web_workers), "-k", "gthread", "--threads", str(self.args.web_threads),
                           "--timeout", "120", "--graceful-timeout", "5"])
        for n in range(1, self.args.workers + 1):
            self.start_worker(f"soak{n}")
        self.start("beat", [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
                            "-s", str(self.data_dir / "beat-schedule")])
        wait_until(lambda: self.http_ok("/"), 90, "the web server")
        return tokens

    def http_ok(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}{path}", timeout=10) as response:
                return response.status == 200
        except (OSError, http.client.HTTPException):
            return False

    def seed(self, token: str) -> list[str]:
        """Two submissions run to the end before the clients start (model and compare pages need slugs)."""
        slugs = []
        for n in range(2):
            body = json.dumps({"name": f"soak seed {n}", "family": "bm25", "source": "reference",
                               "retriever": "bm25-flat", "datasets": [DATASET]}).encode()
            request = urllib.request.Request(f"http://127.0.0.1:{self.web_port}/api/submissions/", data=body,
                                             headers={"Authorization": f"Token {token}",
                                                      "Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(request, timeout=60) as response:
                slugs.append(json.loads(response.read())["slug"])
        wait_until(lambda: self.pg.query("SELECT count(*) FROM leaderboard_evaluation WHERE status = 'succeeded'")
                   [0][0] >= 2, 300, "the seed evaluations", interval=1)
        return slugs

    def close(self) -> None:
        self.stop.set()
        for proc in reversed(self.procs):
            proc.stop()
        self.redis.kill()
        self.pg.destroy(self.log_dir)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        for name in ("dump.rdb",):
            (self.log_dir / name).unlink(missing_ok=True)

    # --- faults --------------------------------------------------------------------------------------------------
    def db_rows(self, sql: str) -> list[tuple] | str:
        try:
            return self.pg.query(sql)
        except psycopg.Error as exc:
            return f"unreachable: {exc}".strip()

    def kill_worker(self) -> str:
        """SIGKILL the whole process group of a worker that is running an evaluation (else the first one)."""
        def busy():
            rows = self.db_rows("SELECT id, worker_host FROM leaderboard_evaluation WHERE status = 'running'")
            return [r for r in rows if r[1].split("@")[0] in self.workers] if isinstance(rows, list) else []
        try:
            running = wait_until(busy, 60, "a running evaluation", interval=0.2)
            name = running[0][1].split("@")[0]
        except RuntimeError:
            running, name = [], next(iter(self.workers))
        victim = self.workers.pop(name)
        victim.kill_group(signal.SIGKILL)
        victim.proc.wait(10)
        ids = [r[0] for r in running if r[1].split("@")[0] == name]
        self.killed_evaluations = ids
        self.worker_count += 1
        replacement = f"soak{self.worker_count}"
        self.start_worker(replacement)
        return f"SIGKILLed worker {name} (group {victim.proc.pid}) while it ran evaluation(s) {ids}; " \
               f"{replacement} started"

    def restart_database(self) -> str:
        """Stop PostgreSQL while an evaluation runs (waits up to 60 s for one), start it again."""
        def running():
            rows = self.db_rows("SELECT count(*) FROM leaderboard_evaluation WHERE status = 'running'")
            return rows[0][0] if isinstance(rows, list) else 0
        try:
            busy = wait_until(running, 60, "a running evaluation", interval=0.2)
        except RuntimeError:
            busy = 0
        self.pg.stop("fast")
        time.sleep(self.args.db_outage)
        self.pg.start()
        return f"PostgreSQL stopped (fast) for {self.args.db_outage:.0f} s with {busy} evaluation(s) running"

    def restart_broker(self) -> str:
        """A burst of --burst submissions (so that the broker holds messages), then redis-server killed and a new,
        empty one started: the messages are lost and the reconciler must resend them."""
        senders = [threading.Thread(target=client.submit, daemon=True) for client in self.burst_clients]
        for sender in senders:  # at once, so that the workers cannot keep up
            sender.start()
        for sender in senders:
            sender.join(REQUEST_TIMEOUT + 5)
        queued = self.db_rows("SELECT status, count(*) FROM leaderboard_evaluation WHERE status IN "
                              "('queued', 'running') GROUP BY status")
        self.redis.kill()
        time.sleep(2)
        self.redis.start()
        return f"redis-server SIGKILLed, a new empty one started on port {self.redis.port} 2 s later " \
               f"(active rows then: {dict(queued) if isinstance(queued, list) else queued})"

    def faults(self, t0: float) -> None:
        minutes = self.args.minutes * 60
        plan = [(0.2, "worker killed", self.kill_worker), (0.45, "database restarted", self.restart_database),
                (0.7, "broker restarted", self.restart_broker)]
        for share, name, action in plan:
            if self.stop.wait(max(0.0, t0 + share * minutes - time.monotonic())):
                return
            start = time.monotonic() - t0
            try:
                note = action()
            except Exception as exc:  # recorded; the soak goes on
                note = f"fault failed: {type(exc).__name__}: {exc}"
            recovered = time.monotonic() - t0
            self.windows.append({"fault": name, "start_s": round(start, 1), "recovered_s": round(recovered, 1),
                                 "end_s": round(recovered + self.args.margin, 1), "note": note})
            print(f"[{recovered:6.1f} s] {name}: {note}", flush=True)

    def monitor(self, t0: float) -> None:
        while not self.stop.wait(5):
            self.load.append((round(time.monotonic() - t0, 1), os.getloadavg()[0]))

    # --- the run -------------------------------------------------------------------------------------------------
    def run(self) -> dict:
        machine_before = machine_snapshot()
        tokens = self.setup()
        print(f"services up: postgres :{self.pg.port}, redis :{self.redis.port}, web :{self.web_port}, "
              f"logs {self.log_dir}", flush=True)
        seed_slugs = self.seed(tokens[0])
        shared, recorder = Shared(seed_slugs), Recorder()
        t0 = time.monotonic()
        deadline = t0 + self.args.minutes * 60
        self.burst_clients = [Client(f"burst-{n}", tokens[-1], f"http://127.0.0.1:{self.web_port}", shared, recorder,
                                     self.stop, t0, deadline, self.args.submit_every) for n in range(self.args.burst)]
        clients = [Client(n, tokens[n], f"http://127.0.0.1:{self.web_port}", shared, recorder, self.stop, t0,
                          deadline, self.args.submit_every) for n in range(self.args.clients)]
        helpers = [threading.Thread(target=self.faults, args=(t0,), daemon=True, name="faults"),
                   threading.Thread(target=self.monitor, args=(t0,), daemon=True, name="monitor")]
        for thread in clients + helpers:
            thread.start()
        print(f"{len(clients)} clients for {self.args.minutes} min from {now_utc()}", flush=True)
        while time.monotonic() < deadline + REQUEST_TIMEOUT and any(c.is_alive() for c in clients):
            time.sleep(1)
        load_run = list(self.load)
        helpers[0].join(timeout=300)  # a fault still under way finishes (bounded)
        traffic_s = time.monotonic() - t0
        acknowledged = dict(shared.acknowledged)
        drain_start = time.monotonic()
        ids = list(acknowledged)
        while ids and time.monotonic() - drain_start < self.args.drain_timeout:
            rows = self.db_rows("SELECT count(*) FROM leaderboard_evaluation WHERE status IN ('queued', 'running')")
            if isinstance(rows, list) and rows[0][0] == 0:
                break
            time.sleep(2)
        drain_s = time.monotonic() - drain_start
        with open(self.log_dir / "requests.jsonl", "w") as out:  # evidence: every request, seconds from start
            for start, end, label, status, error in recorder.requests:
                out.write(json.dumps({"t": round(start, 2), "ms": round((end - start) * 1000, 1), "kind": label,
                                      "status": status, "error": error[:500]}) + "\n")
        self.dump_evaluations()
        summary = {
            "date": now_utc(), "clients": self.args.clients, "minutes": self.args.minutes,
            "submit_every_s": self.args.submit_every, "margin_s": self.args.margin, "traffic_s": round(traffic_s, 1),
            "drain_s": round(drain_s, 1), "web": f"gunicorn gthread {self.args.web_workers}x{self.args.web_threads}",
            "workers": self.args.workers, "faults": self.windows,
            "phases": phases(recorder.requests, self.windows),
            "errors_outside_windows": outside_errors(recorder.requests, self.windows),
            "submit_refusals": [{"t_s": round(t, 1), "status": s, "body": b} for t, s, b in shared.refused][:20],
            "submit_refused_total": len(shared.refused),
            "evaluations": self.count(acknowledged, seed_slugs),
            "killed_evaluations": self.evaluation_rows(self.killed_evaluations),
            "logs": self.log_counts(),
            "machine": {"cores": os.cpu_count(), "load_before": machine_before,
                        "load_1min_during": summarise([v for _, v in load_run]),
                        "load_1min_after": os.getloadavg()[0]},
        }
        return summary

    def dump_evaluations(self) -> None:
        """Every evaluation row with its results, kept in the log folder (the cluster is deleted)."""
        columns = ("id", "status", "attempts", "deliveries", "worker_host", "task_id", "progress_phase", "error",
                   "queued_at", "enqueued_at", "started_at", "finished_at", "heartbeat_at")
        rows = self.pg.query(f"SELECT {', '.join('e.' + c for c in columns)}, s.slug, "
                             "coalesce(json_agg(json_build_object('attempt', r.attempt, 'created_at', r.created_at, "
                             "'is_current', r.is_current)) FILTER (WHERE r.id IS NOT NULL), '[]') "
                             "FROM leaderboard_evaluation e JOIN leaderboard_submission s ON s.id = e.submission_id "
                             "LEFT JOIN leaderboard_result r ON r.evaluation_id = e.id GROUP BY e.id, s.slug "
                             "ORDER BY e.id")
        records = [dict(zip((*columns, "slug", "results"), row)) for row in rows]
        (self.log_dir / "evaluations.json").write_text(json.dumps(records, indent=1, default=str))

    def evaluation_rows(self, ids: list[int]) -> list[dict]:
        if not ids:
            return []
        rows = self.pg.query("SELECT id, status, attempts, deliveries, worker_host FROM leaderboard_evaluation "
                             "WHERE id = ANY(%s)", (ids,))
        return [dict(zip(("id", "status", "attempts", "deliveries", "worker_host"), row)) for row in rows]

    def count(self, acknowledged: dict[int, dict], seed_slugs: list[str]) -> dict:
        rows = self.pg.query(
            "SELECT e.id, e.status, e.attempts, e.deliveries, e.error, s.slug, count(r.id), "
            "count(r.id) FILTER (WHERE r.attempt = e.attempts), count(DISTINCT r.attempt) "
            "FROM leaderboard_evaluation e JOIN leaderboard_submission s ON s.id = e.submission_id "
            "LEFT JOIN leaderboard_result r ON r.evaluation_id = e.id GROUP BY e.id, s.slug")
        by_id = {row[0]: row for row in rows}
        seeds = [row for row in rows if row[5] in seed_slugs]
        mine = [by_id[pk] for pk in acknowledged if pk in by_id]
        statuses: dict[str, int] = {}
        for row in mine:
            statuses[row[1]] = statuses.get(row[1], 0) + 1
        deliveries: dict[int, int] = {}
        for row in mine:
            deliveries[row[3]] = deliveries.get(row[3], 0) + 1
        errors: dict[str, int] = {}
        for row in mine:
            if row[1] == "failed":
                errors[row[4][:200]] = errors.get(row[4][:200], 0) + 1
        lost = [pk for pk in acknowledged if pk not in by_id]
        lost += [row[0] for row in mine if row[1] not in ("queued", "running", "failed") and row[6] == 0]
        per_attempt = self.pg.query("SELECT evaluation_id, attempt, count(*) FROM leaderboard_result "
                                    "GROUP BY evaluation_id, attempt HAVING count(*) > 1")
        duplicated = sorted({row[0] for row in mine if row[6] > 1} | {row[0] for row in per_attempt})
        unacknowledged = [row[0] for row in rows if row[0] not in acknowledged and row[5] not in seed_slugs]
        return {
            "submitted": len(acknowledged), "succeeded": sum(1 for row in mine if row[1] == "succeeded" and row[7]),
            "failed": statuses.get("failed", 0),
            "still_active": statuses.get("queued", 0) + statuses.get("running", 0),
            "lost": len(lost), "lost_ids": lost[:50], "duplicated": len(duplicated), "duplicated_ids": duplicated[:50],
            "statuses": statuses, "deliveries": {str(k): v for k, v in sorted(deliveries.items())},
            "failure_messages": errors, "stuck_ids": [row[0] for row in mine if row[1] in ("queued", "running")][:50],
            "rows_without_201": len(unacknowledged), "rows_without_201_ids": unacknowledged[:50],
            "seed": {row[1]: sum(1 for s in seeds if s[1] == row[1]) for row in seeds},
        }

    def log_counts(self) -> dict:
        needles = {"retry": "Retry in", "reconciler_requeued": "reconciler requeued",
                   "reconciler_resent": "reconciler resent", "reconciler_broker_unreachable": "reconciler cannot reach",
                   "dispatch_failed": "could not send evaluation", "worker_lost": "WorkerLostError",
                   "heartbeat_failed": "heartbeat failed", "crashed": "crashed",
                   "tracebacks": "Traceback (most recent call last)", "expired": "expired"}
        counts = {}
        for proc in self.procs:
            text = proc.log.read_text(errors="replace") if proc.log.exists() else ""
            found = {key: text.count(needle) for key, needle in needles.items() if text.count(needle)}
            if found:
                counts[proc.name] = found
        return counts


def explain(payload: bytes) -> str:
    """The exception of Django's debug page (title and value), else the start of the body."""
    text = payload.decode(errors="replace")
    patterns = (r"<title>(.*?)</title>", r'class="exception_value">(.*?)</pre>')
    found = [re.search(pattern, text, re.S) for pattern in patterns]
    if found[0]:
        parts = [" ".join(m.group(1).split()) for m in found if m]
        return html.unescape(": ".join(parts))[:400]
    return " ".join(text.split())[:300]


def machine_snapshot() -> dict:
    top = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout
    return {"load_avg": [round(v, 2) for v in os.getloadavg()],
            "top_processes": [" ".join(line.split()) for line in top.splitlines()[1:6]]}


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def summarise(values: list[float]) -> dict:
    if not values:
        return {}
    return {"min": round(min(values), 2), "mean": round(sum(values) / len(values), 2), "max": round(max(values), 2)}


def window_of(start: float, end: float, windows: list[dict]) -> str:
    for window in reversed(windows):  # the latest fault the request overlaps
        if start <= window["end_s"] and end >= window["start_s"]:
            return window["fault"]
    return "normal"


def phases(requests: list[tuple], windows: list[dict]) -> dict:
    groups: dict[str, list[tuple]] = {}
    for row in requests:
        groups.setdefault(window_of(row[0], row[1], windows), []).append(row)
    out = {}
    for name in ["normal"] + [w["fault"] for w in windows]:
        rows = groups.get(name, [])
        latencies = [(end - start) * 1000 for start, end, *_ in rows]
        per_label: dict[str, list[int]] = {}
        for _, _, label, _, error in rows:
            counts = per_label.setdefault(label, [0, 0])
            counts[0] += 1
            counts[1] += bool(error)
        out[name] = {"requests": len(rows), "errors": sum(1 for row in rows if row[4]),
                     "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
                     "seconds": round(sum(w["end_s"] - w["start_s"] for w in windows if w["fault"] == name), 1)
                     if name != "normal" else None,
                     "per_kind": {k: {"requests": v[0], "errors": v[1]} for k, v in sorted(per_label.items())}}
    return out


def outside_errors(requests: list[tuple], windows: list[dict]) -> list[dict]:
    rows = [row for row in requests if row[4] and window_of(row[0], row[1], windows) == "normal"]
    return [{"t_s": round(start, 1), "ms": round((end - start) * 1000), "kind": label, "status": status,
             "error": error[:300]} for start, end, label, status, error in rows[:MAX_ERROR_SAMPLES]]


def markdown(summary: dict) -> str:
    lines = ["| phase | window (s from start) | requests | errors | p50 ms | p95 ms |", "|---|---|---|---|---|---|"]
    windows = {w["fault"]: w for w in summary["faults"]}
    for name, phase in summary["phases"].items():
        span = f"{windows[name]['start_s']:.0f}-{windows[name]['end_s']:.0f}" if name in windows else "rest"
        lines.append(f"| {name} | {span} | {phase['requests']} | {phase['errors']} | {phase['p50_ms']} | "
                     f"{phase['p95_ms']} |")
    e = summary["evaluations"]
    lines += ["", "| submitted | succeeded | failed | still active | lost | duplicated | rows without a 201 |",
              "|---|---|---|---|---|---|---|",
              f"| {e['submitted']} | {e['succeeded']} | {e['failed']} | {e['still_active']} | {e['lost']} | "
              f"{e['duplicated']} | {e['rows_without_201']} |"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--submit-every", type=float, default=90, help="mean seconds between a client's submissions")
    parser.add_argument("--margin", type=float, default=30, help="recovery margin after each fault, seconds")
    parser.add_argument("--db-outage", type=float, default=10)
    parser.add_argument("--burst", type=int, default=20, help="concurrent submissions just before the broker is killed")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--log-dir", type=Path, default=None, help="kept; default /tmp/rb-soak-logs-<time>")
    args = parser.parse_args()
    if PG_BIN is None or not shutil.which("redis-server"):
        sys.exit("needs PostgreSQL server binaries under /usr/lib/postgresql and redis-server")
    log_dir = args.log_dir or Path(f"/tmp/rb-soak-logs-{datetime.now():%Y%m%d-%H%M%S}")
    log_dir.mkdir(parents=True, exist_ok=True)

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    soak = Soak(args, log_dir)
    try:
        summary = soak.run()
    finally:
        soak.close()
    (log_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    print(markdown(summary))


if __name__ == "__main__":
    main()
