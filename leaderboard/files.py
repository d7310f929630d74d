"""Files written beside database rows (uploaded archives and runs, stored results): all of them, or none.

A write that fails (a full disk, a database error) rolls its rows back; `StoredFiles` removes the files it wrote
too, a partial one included, so nothing is left that no row points to.
"""
from __future__ import annotations

import errno

from runners.errors import TransientProblem

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class StorageFull(TransientProblem):
    """The upload or result storage has no space left; another try once space is freed can succeed."""


def storage_full(exc: OSError) -> StorageFull | None:
    """A StorageFull for a full-disk OSError (None for any other)."""
    if exc.errno in DISK_FULL:
        return StorageFull(f"storage full: the server could not write its files ({exc.strerror}); "
                           "nothing was kept, try again later")
    return None


class StoredFiles:
    """Context manager: FieldFile saves that are undone when the block fails."""

    def __init__(self):
        self.written: list[tuple] = []  # (storage, name)

    def save(self, field_file, name: str, content) -> None:
        storage = field_file.storage
        # The name FieldFile.save will write to, known before the write so that a partial file can go too.
        target = storage.get_available_name(field_file.field.generate_filename(field_file.instance, name))
        self.written.append((storage, target))
        field_file.save(name, content, save=False)

    def __enter__(self) -> StoredFiles:
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        if exc is None:
            return
        for storage, name in self.written:
            if storage.exists(name):
                storage.delete(name)
        if isinstance(exc, OSError) and (full := storage_full(exc)):
            raise full from exc
