"""The yardstick of the host a worker runs on (runners/yardstick.py): the host's measurement while younger than
YARDSTICK_MAX_AGE_SECONDS, else measured now, in the host's timing slot; each measurement is one row. So a host
is measured at its first evaluation and again whenever its figures are stale."""
from __future__ import annotations

import logging
import platform
from datetime import UTC, datetime

from django.conf import settings

from datasets_registry.catalog import load_catalog
from datasets_registry.services import load
from leaderboard.models import HostYardstick
from runners import yardstick
from runners.errors import RunnerError

log = logging.getLogger(__name__)
# Bundled with every installation (the quick suite), small enough to measure in seconds.
YARDSTICK_DATASET = "classic-ir/adi"


def host_name() -> str:
    return platform.node()


def current_yardstick(host: str | None = None) -> HostYardstick | None:
    """This host's yardstick, measured now when none is fresh; None when its dataset cannot be loaded."""
    host = host or host_name()
    try:
        figures = yardstick.host_figures(lambda: load(load_catalog().get(YARDSTICK_DATASET)),
                                         settings.YARDSTICK_MAX_AGE_SECONDS)
    except RunnerError as exc:
        log.warning("no yardstick for %s: %s", host, exc)
        return None
    measured_at = datetime.fromtimestamp(figures["measured_at"], tz=UTC)
    stick, _ = HostYardstick.objects.get_or_create(host=host[:200], measured_at=measured_at, defaults={
        "hardware": figures["hardware"][:300], "bm25_latency_p50_ms": figures["bm25_latency_p50_ms"],
        "dense_encode_per_s": figures["dense_encode_per_s"], "under_load": figures["under_load"],
        "details": {"dataset": figures["dataset"], "device": figures["device"]},
    })
    return stick
