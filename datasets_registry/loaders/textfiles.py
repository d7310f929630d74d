"""Reading the line-based files collections ship in: gzip-aware, errors named by file and line."""
from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from runners.errors import RunnerError


class DatasetFileError(RunnerError):
    """A dataset file is malformed; the message names the file and line."""


def find_file(folder: Path, stem: str) -> Path:
    """`corpus.jsonl` or `corpus.jsonl.gz`, whichever exists."""
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise DatasetFileError(f"{folder / stem}: file is missing (also looked for {stem}.gz)")


def numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Non-empty lines with their 1-based numbers; bad bytes and truncated gzip are reported."""
    opener = gzip.open if path.suffix == ".gz" else open
    line_number = 0
    try:
        with opener(path, "rb") as handle:
            for line_number, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise DatasetFileError(f"{path.name}:{line_number}: not UTF-8 ({exc.reason})") from None
                if line.strip():
                    yield line_number, line
    except (EOFError, gzip.BadGzipFile, OSError) as exc:
        raise DatasetFileError(f"{path.name}:{line_number + 1}: corrupt or truncated file ({exc})") from None


def json_records(path: Path) -> Iterator[tuple[int, dict]]:
    for line_number, line in numbered_lines(path):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetFileError(f"{path.name}:{line_number}: invalid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise DatasetFileError(f"{path.name}:{line_number}: expected a JSON object")
        yield line_number, record


def checked_id(value, path: Path, line_number: int, field: str) -> str:
    """Ids become strings; whitespace would break TREC run files, so it is refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DatasetFileError(f"{path.name}:{line_number}: missing {field}")
    text = str(value)
    if any(ch.isspace() for ch in text):
        raise DatasetFileError(f"{path.name}:{line_number}: {field} {text!r} contains whitespace")
    return text
