"""Timing passes that mean the same on every row: one at a time per host, repeated, the host's load noted.

Every evaluation on a host holds the host's work lock *shared* while it indexes and scores, and *exclusively*
while it times (the batch search and the single-query latency sample), so a timing pass never overlaps another
evaluation's work on the same machine, whichever worker process runs it. A turnstile lock in front gives a
waiting timer priority over work that has not started yet. The locks are flock()ed files in one host-local
folder (RB_HOST_LOCK_DIR, default the system's temporary folder: give containers of one host the same one).

Processes outside the platform can still load the machine: a pass measures the CPU time the rest of the
machine used while it ran and is flagged `under_load` above UNDER_LOAD_FRACTION of the cores, as is a pass
that gave up waiting for the lock after TIMING_WAIT_SECONDS.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

# Each timing measurement is taken this many times; the median is reported, the spread beside it.
TIMING_REPEATS = 3
# Other processes using more than this share of the machine's cores during a pass flag the result.
UNDER_LOAD_FRACTION = 0.25
POLL_SECONDS = 0.05


def lock_dir() -> Path:
    folder = Path(os.environ.get("RB_HOST_LOCK_DIR") or tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def timing_wait_seconds() -> float:
    """How long a timing pass waits for the host's other work to finish before it times under load anyway."""
    return float(os.environ.get("TIMING_WAIT_SECONDS", "1800"))


def _open_lock(name: str) -> int:
    path = lock_dir() / f"retrievalboard-{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    with contextlib.suppress(OSError):  # another account's worker on this host must be able to open it too
        os.chmod(path, 0o666)
    return fd


def _flock(fd: int, operation: int, deadline: float | None) -> bool:
    """Take the lock; False when the deadline passed first (None: wait as long as it takes)."""
    if deadline is None:
        fcntl.flock(fd, operation)
        return True
    while True:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def host_work() -> Iterator[None]:
    """Held (shared with other work) while an evaluation indexes or scores: a timing pass waits for it."""
    gate, work = _open_lock("timing-gate"), _open_lock("timing-work")
    try:
        _flock(gate, fcntl.LOCK_EX, None)  # wait behind a timer that is waiting for the work lock
        _flock(work, fcntl.LOCK_SH, None)
        fcntl.flock(gate, fcntl.LOCK_UN)
        yield
    finally:
        os.close(work)
        os.close(gate)


@dataclass
class TimingPass:
    waited_seconds: float = 0.0
    waited_out: bool = False  # gave up waiting: other work of the platform ran during the pass
    started_at: float = 0.0  # Unix time the timed part began
    seconds: float = 0.0
    other_load_cores: float = 0.0
    load_average_1m: float = 0.0

    @property
    def under_load(self) -> bool:
        return self.waited_out or self.other_load_cores > UNDER_LOAD_FRACTION * (os.cpu_count() or 1)

    def as_timings(self) -> dict:
        return {
            "timing_started_at": self.started_at,
            "timing_seconds": self.seconds,
            "timing_wait_seconds": round(self.waited_seconds, 3),
            "other_load_cores": round(self.other_load_cores, 3),
            "load_average_1m": round(self.load_average_1m, 2),
            "under_load": self.under_load,
        }


def _busy_cpu_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _own_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system + times.children_user + times.children_system


@contextlib.contextmanager
def host_timing(wait_seconds: float | None = None) -> Iterator[TimingPass]:
    """The host's exclusive timing slot, with the load the rest of the machine put on it while it was held."""
    timing = TimingPass()
    gate, work = _open_lock("timing-gate"), _open_lock("timing-work")
    started = time.monotonic()
    deadline = started + (timing_wait_seconds() if wait_seconds is None else wait_seconds)
    try:
        timing.waited_out = not (_flock(gate, fcntl.LOCK_EX, deadline) and _flock(work, fcntl.LOCK_EX, deadline))
        timing.waited_seconds = time.monotonic() - started
        timing.started_at = time.time()
        wall, busy, own = time.monotonic(), _busy_cpu_seconds(), _own_cpu_seconds()
        yield timing
        elapsed = timing.seconds = time.monotonic() - wall
        others = (_busy_cpu_seconds() - busy) - (_own_cpu_seconds() - own)
        timing.other_load_cores = max(0.0, others / elapsed) if elapsed > 0 else 0.0
        timing.load_average_1m = os.getloadavg()[0]
    finally:
        os.close(work)  # closing releases the locks
        os.close(gate)


def median_and_spread(values: list[float]) -> tuple[float, float]:
    """(median, relative spread (max - min) / median) of repeated measurements."""
    middle = statistics.median(values)
    return middle, (max(values) - min(values)) / middle if middle else 0.0
