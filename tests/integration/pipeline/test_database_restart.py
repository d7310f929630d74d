"""PostgreSQL restarts while evaluations run: every evaluation still succeeds exactly once.

The test makes its own throwaway PostgreSQL cluster and redis-server on free ports (the machine's shared ones are
never touched), migrates it, submits through `manage.py shell`, runs a real worker, stops the database for a few
seconds in the middle of an evaluation and starts it again.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests.integration.pipeline.conftest import BASE_DIR, RedisServer, free_port, wait_until

pytestmark = pytest.mark.slow
EVALUATIONS = 4
PG_BIN = next(Path("/usr/lib/postgresql").glob("*/bin"), None)


class PostgresServer:
    """A throwaway cluster owned by the postgres user, in a folder of its own, trust authentication."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data, self.log = folder / "data", folder / "postgres.log"

    def _as_postgres(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def create(self) -> None:
        self.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()

    def start(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                          f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def query(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.url("rb"), connect_timeout=3) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
def own_postgres(tmp_path):
    folder = Path(f"/tmp/rb-pg-{os.getpid()}-{free_port()}")  # short: the socket path has a length limit
    server = PostgresServer(folder, free_port())
    server.create()
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE rb")
    yield server
    try:
        server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SUBMIT = f"""
from django.contrib.auth.models import User
from leaderboard.submissions import services
user = User.objects.create_user("restart", password="x", is_staff=True)
for n in range({EVALUATIONS}):
    services.submit(user, name=f"bm25 {{n}}", family="bm25", source="reference", retriever="bm25-flat",
                    datasets=["classic-ir/adi"])
"""


def statuses(server: PostgresServer) -> dict[str, int] | None:
    try:
        return dict(server.query("SELECT status, count(*) FROM leaderboard_evaluation GROUP BY status"))
    except psycopg.OperationalError:
        return None  # the database is down right now


def test_a_database_restart_loses_no_evaluation(own_postgres, pipeline_env, start_worker, tmp_path):
    redis = RedisServer(free_port(), tmp_path)
    redis.start()
    env = {**pipeline_env, "DATABASE_URL": own_postgres.url("rb"), "CELERY_BROKER_URL": redis.url}
    try:
        manage = [str(BASE_DIR / ".venv" / "bin" / "python"), "manage.py"]
        for command in (["migrate", "--verbosity", "0"], ["shell", "-c", SUBMIT]):
            subprocess.run(manage + command, env=env, cwd=BASE_DIR, check=True)
        worker = start_worker("restart", env=env)
        wait_until(lambda: (statuses(own_postgres) or {}).get("running"), 60, interval=0.05,
                   what="an evaluation to run")
        own_postgres.stop()  # every connection of the worker breaks mid-evaluation
        time.sleep(5)
        own_postgres.start()
        wait_until(lambda: statuses(own_postgres) == {"succeeded": EVALUATIONS}, 300, interval=1,
                   what=f"all {EVALUATIONS} evaluations to succeed")
        per_evaluation = own_postgres.query("SELECT evaluation_id, count(*) FROM leaderboard_result "
                                            "GROUP BY evaluation_id")
        assert sorted(count for _, count in per_evaluation) == [1] * EVALUATIONS, worker.text()[-3000:]
        assert "Retry in" in worker.text()  # the outage was met by a retry, not a lost message
    finally:
        redis.stop()
