"""The on-disk cache shared by workers (RB_CACHE_DIR, default var/cache): atomic writes only."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from runners.measure import PROJECT_ROOT


def cache_dir() -> Path:
    return Path(os.environ.get("RB_CACHE_DIR") or PROJECT_ROOT / "var" / "cache")


@contextmanager
def atomic_directory(final: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `final`, renamed to `final` once the block succeeds.

    Readers never see a half-written entry; if another worker finished the same entry first, ours is dropped.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-", suffix=".tmp"))
    try:
        yield temporary
        os.replace(temporary, final)
    except OSError:
        if not final.is_dir():
            raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
