"""runners.artifacts: one build per key however many processes ask, atomic publication, remote stores."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import fsspec
import pytest

from runners import artifacts

BUILDERS = 6


def _slow_build(folder: Path, log: str) -> None:
    """Write several files slowly so a reader of a half-built folder would notice; log each build."""
    with open(log, "a") as out:
        out.write(f"{os.getpid()}\n")
    for i in range(5):
        (folder / f"part-{i}").write_text(str(i) * 1000)
        time.sleep(0.05)


def _worker(url: str, key: str, log: str, barrier, results) -> None:
    barrier.wait()
    artifact = artifacts.get_or_build(key, lambda folder: _slow_build(folder, log), url=url)
    parts = sorted(p.name for p in artifact.path.iterdir() if p.name.startswith("part-"))
    results.put((os.getpid(), artifact.reused, str(artifact.path), parts))


def _run_builders(url: str, key: str, log: Path, n: int = BUILDERS) -> list[tuple]:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(n), context.Queue()
    processes = [context.Process(target=_worker, args=(url, key, str(log), barrier, results)) for _ in range(n)]
    for process in processes:
        process.start()
    found = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return found


def test_concurrent_builders_in_several_processes_build_once(tmp_path):
    log = tmp_path / "builds.log"
    found = _run_builders(f"file://{tmp_path / 'store'}", "bm25/test/corpus-1", log)
    assert len(log.read_text().split()) == 1, "exactly one process builds"
    assert sorted(reused for _, reused, _, _ in found) == [False] + [True] * (BUILDERS - 1)
    assert len({path for _, _, path, _ in found}) == 1
    assert all(parts == [f"part-{i}" for i in range(5)] for _, _, _, parts in found), "nobody saw a partial folder"
    store = tmp_path / "store"
    assert not list(store.glob(".tmp-*")), "no staging folder left behind"


def test_a_builder_killed_midway_leaves_nothing_visible_and_the_next_one_builds(tmp_path):
    store, log = tmp_path / "store", tmp_path / "builds.log"
    key = "index/killed"
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    victim = context.Process(target=_build_forever, args=(f"file://{store}", key, started))
    victim.start()
    assert started.wait(30)
    assert artifacts.LocalStore(store).find(key) is None
    assert list(store.glob(".tmp-*")), "the victim was building in a staging folder"
    os.kill(victim.pid, signal.SIGKILL)  # the kernel drops its lock
    victim.join()
    artifact = artifacts.get_or_build(key, lambda folder: _slow_build(folder, str(log)), url=f"file://{store}")
    assert not artifact.reused
    assert len(list(artifact.path.glob("part-*"))) == 5
    assert not list(store.glob(".tmp-*")), "the next builder cleared the dead one's staging folder"


def _build_forever(url: str, key: str, started) -> None:
    def build(folder: Path) -> None:
        (folder / "half").write_text("x")
        started.set()
        time.sleep(600)

    artifacts.get_or_build(key, build, url=url)


def test_failed_build_publishes_nothing_and_releases_the_lock(tmp_path):
    store = artifacts.LocalStore(tmp_path)

    def broken(folder: Path) -> None:
        (folder / "partial").write_text("x")
        raise RuntimeError("indexer crashed")

    with pytest.raises(RuntimeError):
        store.get_or_build("k", broken)
    assert store.find("k") is None and not list(tmp_path.glob(".tmp-*"))
    artifact = store.get_or_build("k", lambda folder: (folder / "ok").write_text("y") and None)
    assert (artifact.path / "ok").read_text() == "y" and not artifact.reused
    assert json.loads((artifact.path / artifacts.MARKER).read_text())["key"] == "k"


def test_keys_map_to_distinct_readable_folders():
    a, b = artifacts.folder_name("bm25/Beir Flat/x"), artifacts.folder_name("bm25/Beir-Flat/x")
    assert a != b and a.startswith("bm25-Beir-Flat-x-")
    assert "/" not in artifacts.folder_name("../../etc/passwd")


def test_remote_store_uploads_tar_and_marker_and_another_machine_downloads(tmp_path):
    url = f"memory://rb-test-{os.getpid()}/artifacts"
    builds = []

    def build(folder: Path) -> None:
        builds.append(1)
        (folder / "index").mkdir()
        (folder / "index" / "segments").write_text("lucene")

    machine_a = artifacts.RemoteStore(url, artifacts.LocalStore(tmp_path / "a"))
    first = machine_a.get_or_build("bm25/k", build)
    assert not first.reused and (first.path / "index" / "segments").read_text() == "lucene"
    fs = fsspec.filesystem("memory")
    names = sorted(p.rsplit("/", 1)[1] for p in fs.ls(f"/rb-test-{os.getpid()}/artifacts", detail=False))
    assert sorted(name.rsplit(".", 1)[1] for name in names) == ["complete", "tar"]

    machine_b = artifacts.RemoteStore(url, artifacts.LocalStore(tmp_path / "b"))
    second = machine_b.get_or_build("bm25/k", build)
    assert second.reused and builds == [1], "machine b downloaded instead of rebuilding"
    assert (second.path / "index" / "segments").read_text() == "lucene"
    assert second.info["host"] == first.info["host"] and second.info["seconds"] == first.info["seconds"]
    assert machine_b.get_or_build("bm25/k", build).reused


def test_remote_store_concurrent_threads_never_see_a_partial_artifact(tmp_path):
    url = f"memory://rb-test-threads-{os.getpid()}/artifacts"
    seen, builds = [], []

    def build(folder: Path) -> None:
        builds.append(1)
        for i in range(3):
            (folder / f"part-{i}").write_text(str(i))
            time.sleep(0.02)

    def machine(n: int) -> None:
        store = artifacts.RemoteStore(url, artifacts.LocalStore(tmp_path / f"m{n}"))
        artifact = store.get_or_build("key", build)
        seen.append(sorted(p.name for p in artifact.path.glob("part-*")))

    threads = [threading.Thread(target=machine, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [["part-0", "part-1", "part-2"]] * 4
    assert 1 <= len(builds) <= 4  # object stores have no lock: duplicate work is possible, corruption is not


def test_open_store_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RB_ARTIFACT_URL", f"file://{tmp_path}/x")
    assert isinstance(artifacts.open_store(), artifacts.LocalStore)
    assert artifacts.open_store().root == tmp_path / "x"
    monkeypatch.setenv("RB_ARTIFACT_URL", "off")
    one = artifacts.get_or_build("k", lambda folder: None)
    two = artifacts.get_or_build("k", lambda folder: None)
    assert not one.reused and not two.reused and one.path != two.path
    monkeypatch.delenv("RB_ARTIFACT_URL")
    monkeypatch.setenv("RB_DATA_DIR", str(tmp_path / "data"))
    assert artifacts.open_store().root == tmp_path / "data" / "artifacts"
