"""`bash scripts/run` on a machine as fresh as a container: a copy of the project's files (tracked, and untracked
but not ignored) with no ../shared beside it, so no local mirror, and no database, data or logs. The venv is this
checkout's, linked in: scripts/setup skips the install when its requirements stamp matches, as it would on a
machine where setup already ran. The public sources are a local web server, reached through RB_SOURCE_URL_REWRITE.

The real originals are third-party files and are not committed, so the server holds originals rebuilt from the
mirror's BEIR files (tests/integration/datasets_registry/originals.py). Their bytes are not the real ones (tar and
gzip headers differ), so the copy's catalog, and only the copy's, pins the rebuilt originals' sha256 in place of
the real ones. The converted files' checksums (`[datasets.files]`) stay the real catalog's: the rebuilt originals
convert to the mirror's files byte for byte, so the copy verifies what it converted against the real checksums
(it refuses anything else), and this test checks the converted files against them once more.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from datasets_registry import storage
from datasets_registry.catalog import load_catalog
from tests.integration.datasets_registry.originals import original_files
from tests.integration.datasets_registry.upstream import Upstream
from tests.integration.pipeline.conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[3]
RAW = "https://raw.githubusercontent.com/"
REQUIREMENTS = ("requirements.txt", "requirements-models.txt")
BUNDLED = [record.key for record in load_catalog().resolve("bundled")]


def copy_project(folder: Path) -> Path:
    """The files a clone would have (plus untracked, not ignored ones), at folder/project; the venv linked."""
    project = folder / "project"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for relative in filter(None, listed):
        if (ROOT / relative).is_file():  # not a tracked file deleted in the work tree
            (project / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / relative, project / relative)
    (project / ".venv").symlink_to((ROOT / ".venv").resolve(), target_is_directory=True)
    # scripts/setup's own check: with the stamp current it installs nothing into this checkout's venv.
    wanted = hashlib.sha256(b"".join((project / name).read_bytes() for name in REQUIREMENTS)).hexdigest()
    assert (project / ".venv" / ".requirements.sha256").read_text().strip() == wanted, \
        "the venv is older than the requirements: run bash scripts/setup first"
    return project


def serve_originals(upstream: Upstream, project: Path) -> None:
    """Rebuilt originals of the bundled collections at their raw URLs' paths; their sha256 pinned in the copy's
    catalog."""
    catalog_files = sorted((project / "datasets_registry" / "catalog").glob("*.toml"))
    texts = {path: path.read_text() for path in catalog_files}
    for key in BUNDLED:
        record = load_catalog().get(key)
        rebuilt = original_files(record, Path(settings.MIRROR_DIR) / key)
        for entry in record.original["files"]:
            assert entry["url"].startswith(RAW), entry["url"]
            data = rebuilt[entry["url"].rsplit("/", 1)[1]]
            upstream.files[entry["url"].removeprefix(RAW)] = data
            pinned = [path for path, text in texts.items() if entry["sha256"] in text]
            assert len(pinned) == 1 and texts[pinned[0]].count(entry["sha256"]) == 1, entry
            texts[pinned[0]] = texts[pinned[0]].replace(entry["sha256"], hashlib.sha256(data).hexdigest())
    for path, text in texts.items():
        path.write_text(text)


def running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Machine:
    """A fresh copy of the project; start() runs `bash scripts/run` in it, a process group of its own, with an
    environment of its own: none of this test run's RB_* settings, no database or broker URL (so SQLite and the
    filesystem broker), DEBUG as scripts/run sets it. stop() ends the group and checks that nothing is left."""

    def __init__(self, folder: Path):
        self.folder, self.project, self.proc = folder, copy_project(folder / "machine"), None
        self.log = folder / "run.log"

    def start(self, rewrite: str, **extra: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RB_") and k not in (
            "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE")}
        self.port = free_port()
        # The host's timing locks and yardsticks in a folder of this test: the system's temporary folder is shared.
        (self.folder / "host").mkdir()
        env.update({"RB_PORT": str(self.port), "RB_DATA_DIR": str(self.folder / "data"),
                    "RB_SOURCE_URL_REWRITE": rewrite, "RB_HOST_LOCK_DIR": str(self.folder / "host"), **extra})
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(["bash", "scripts/run"], cwd=self.project, env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            return 0, b""

    def serving(self) -> bool:
        assert self.proc.poll() is None, f"scripts/run exited with {self.proc.returncode}:\n{self.text()}"
        return self.get("/")[0] == 200

    def references_ok(self) -> bool:
        log = self.project / "var" / "log" / "reference.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        assert "Traceback" not in text, f"a reference evaluation failed:\n{text[-3000:]}"
        return True

    def stop(self, grace: float = 30.0) -> None:
        """TERM to the whole group, KILL to what is left after the grace period; then nothing of it may run."""
        if self.proc is None:
            return
        try:
            members = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            members = []
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            psutil.wait_procs(members, timeout=grace)
            if not any(running(p) for p in members):
                break
        left = [p for p in members if running(p)]
        left += [p for p in psutil.process_iter() if group_of(p) == self.proc.pid and running(p) and p not in left]
        assert left == [], f"left running: {left}"
        self.proc = None


def group_of(process: psutil.Process) -> int | None:
    try:
        return os.getpgid(process.pid)
    except (ProcessLookupError, PermissionError):
        return None


@pytest.fixture
def machine(tmp_path):
    machine = Machine(tmp_path)
    yield machine
    machine.stop()


def scores(machine: Machine) -> dict[str, float]:
    """bm25-flat's score per dataset on the benchmarks' leaderboards (the pages' data, from the read API)."""
    found = {}
    for benchmark in sorted({key.split("/")[0] for key in BUNDLED}):
        status, body = machine.get(f"/api/leaderboards/{benchmark}/")
        rows = [row for row in json.loads(body)["rows"] if row["submission"] == "bm25-flat"] if status == 200 else []
        found.update({key: cell["value"] for row in rows for key, cell in row["scores"].items()
                      if cell["value"] is not None})
    return found


@pytest.mark.slow
def test_fetches_converts_verifies_and_serves_the_bundled_collections(machine):
    assert not (machine.project.parent / "shared").exists()
    with Upstream() as upstream:
        serve_originals(upstream, machine.project)
        machine.start(f"{RAW}=http://127.0.0.1:{upstream.server.server_address[1]}/ok/",
                      RB_REFERENCE_RETRIEVERS="bm25-flat", RB_REFERENCE_SLOW_RETRIEVERS="")
        wait_until(lambda: machine.serving() and machine.references_ok() and set(scores(machine)) >= set(BUNDLED),
                   900, interval=2, what=f"bm25-flat scores on {BUNDLED}")
        assert sorted(upstream.requests) == sorted(f"/ok/{path}" for path in upstream.files)
    for key in BUNDLED:
        record = load_catalog().get(key)  # this checkout's catalog: the real checksums of the converted files
        folder = machine.folder / "data" / "datasets" / record.benchmark / record.slug
        assert {relative: storage.sha256_of(folder / relative) for relative in record.files} == record.files, key
    status, page = machine.get("/leaderboards/classic-ir/")
    row = re.search(r'<tr data-slug="bm25-flat".*?</tr>', page.decode(), re.DOTALL)
    classic_ir = [key for key in BUNDLED if key.startswith("classic-ir/")]
    assert status == 200 and row and row.group().count('<td class="score') == len(classic_ir)
    assert "not here" not in machine.text()
    machine.stop()


@pytest.mark.slow
def test_without_mirror_or_sources_one_line_names_the_missing_datasets_and_the_site_starts(machine):
    closed = free_port()  # nothing listens there: every download is refused, as on a machine offline
    machine.start(f"{RAW}=http://127.0.0.1:{closed}/")
    wait_until(machine.serving, 180, interval=1, what="the site")
    missing = [line for line in machine.text().splitlines() if line.startswith("not here:")]
    assert len(missing) == 1 and missing[0].startswith(f"not here: {', '.join(BUNDLED)} (not in the local mirror"), \
        machine.text()
    assert "cannot reach" not in machine.text() and "Traceback" not in machine.text()
    assert list((machine.folder / "data").glob("datasets/*/*")) == []
    machine.stop()
