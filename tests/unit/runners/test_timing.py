"""The host's timing slot, with real processes: one timing pass at a time, none while other work runs, a waiting
timer ahead of new work, and the load of other processes measured and flagged."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runners import timing

ROOT = Path(__file__).resolve().parents[3]
# A process that takes the host's timing slot (or a work slot) and writes when it held it.
HOLDER = """
import json, sys, time
from runners import timing
kind, hold, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
slot = timing.host_timing() if kind == "timing" else timing.host_work()
with slot:
    start = time.time()
    time.sleep(hold)
    end = time.time()
open(out, "w").write(json.dumps([start, end]))
"""


def holder(kind: str, hold: float, out: Path, lock_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "RB_HOST_LOCK_DIR": str(lock_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", HOLDER, kind, str(hold), str(out)], env=env, cwd=ROOT)


def held(out: Path) -> tuple[float, float]:
    return tuple(json.loads(out.read_text()))


def finish(*processes: subprocess.Popen) -> None:
    for process in processes:
        assert process.wait(timeout=60) == 0


def test_timing_passes_of_several_processes_never_overlap(tmp_path):
    outs = [tmp_path / f"timer{i}.json" for i in range(3)]
    finish(*[holder("timing", 0.5, out, tmp_path) for out in outs])
    spans = sorted(held(out) for out in outs)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end, spans


def test_work_proceeds_side_by_side_but_never_beside_a_timing_pass(tmp_path):
    workers = [holder("work", 1.5, tmp_path / f"work{i}.json", tmp_path) for i in range(2)]
    time.sleep(0.7)  # both work slots are held
    timer = holder("timing", 0.5, tmp_path / "timer.json", tmp_path)
    time.sleep(0.3)  # the timer is waiting: work that starts now queues behind it
    late = holder("work", 0.2, tmp_path / "late.json", tmp_path)
    finish(*workers, timer, late)
    first, second = held(tmp_path / "work0.json"), held(tmp_path / "work1.json")
    timed, late_work = held(tmp_path / "timer.json"), held(tmp_path / "late.json")
    assert first[0] < second[1] and second[0] < first[1], "shared work runs at the same time"
    assert timed[0] >= max(first[1], second[1]), "the timer waited for the work in progress"
    assert late_work[0] >= timed[1], "new work waited behind the waiting timer"


def test_a_pass_beside_cpu_heavy_processes_is_flagged_under_load(tmp_path, monkeypatch):
    monkeypatch.setenv("RB_HOST_LOCK_DIR", str(tmp_path))
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(0.5)
        with timing.host_timing() as measured:
            time.sleep(1.5)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    assert measured.other_load_cores > timing.UNDER_LOAD_FRACTION * (os.cpu_count() or 1)
    assert measured.under_load and measured.as_timings()["under_load"] is True
    assert measured.seconds == pytest.approx(1.5, abs=0.5)


def test_a_pass_that_gives_up_waiting_is_flagged(tmp_path, monkeypatch):
    monkeypatch.setenv("RB_HOST_LOCK_DIR", str(tmp_path))
    work = holder("work", 3.0, tmp_path / "work.json", tmp_path)
    try:
        time.sleep(0.7)
        with timing.host_timing(wait_seconds=0.3) as measured:
            pass
    finally:
        finish(work)
    assert measured.waited_out and measured.under_load
    assert measured.waited_seconds == pytest.approx(0.3, abs=0.25)


def test_median_and_relative_spread():
    assert timing.median_and_spread([2.0, 1.0, 4.0]) == (2.0, 1.5)
    assert timing.median_and_spread([0.0, 0.0, 0.0]) == (0.0, 0.0)
