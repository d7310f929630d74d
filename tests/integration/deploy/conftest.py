"""Real Celery worker processes from the pipeline tests' fixtures, reused for the scale-out tests, and a real
threaded web server process on the test database."""
from __future__ import annotations

import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest

from tests.integration.pipeline.conftest import (  # noqa: F401  (fixtures)
    Process,
    free_port,
    pipeline_env,
    start_worker,
    wait_until,
)


@dataclass
class WebServer:
    """`manage.py runserver --noreload` as scripts/run starts it: one process, a thread per request."""

    process: Process
    base: str

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def reachable(self) -> bool:
        try:
            return self.get("/")[0] == 200
        except OSError:
            return False

    def alive(self) -> bool:
        return self.process.proc.poll() is None


@pytest.fixture
def start_web(pipeline_env, tmp_path):  # noqa: F811  (the fixture imported above)
    started: list[Process] = []

    def start(env: dict | None = None) -> WebServer:
        address = f"127.0.0.1:{free_port()}"
        process = Process([sys.executable, "manage.py", "runserver", address, "--noreload"], env or pipeline_env,
                          tmp_path / f"web{len(started)}.log")
        started.append(process)
        server = WebServer(process, f"http://{address}")
        wait_until(lambda: not server.alive() or server.reachable(), 90, interval=0.5, what="runserver")
        assert server.alive(), process.text()
        return server

    yield start
    for process in started:
        process.stop()
