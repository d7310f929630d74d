"""Reading the row tables newer collections ship as (parquet, or JSON lines): columns checked by name and type."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from datasets_registry.loaders.textfiles import DatasetFileError, json_records

# column -> expected Python type of each value ("list" columns hold lists of strings).
Schema = dict[str, type]


def find_table(folder: Path, stem: str) -> Path:
    """<stem>.parquet, <stem>.jsonl or <stem>.jsonl.gz, whichever exists."""
    for candidate in (f"{stem}.parquet", f"{stem}.jsonl", f"{stem}.jsonl.gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    raise DatasetFileError(f"{folder / stem}: file is missing (looked for {stem}.parquet, .jsonl, .jsonl.gz)")


def _parquet_rows(path: Path, schema: Schema) -> Iterator[tuple[int, dict]]:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError for damaged files
        raise DatasetFileError(f"{path.name}: not a readable parquet file ({exc})") from None
    missing = [c for c in schema if c not in table.schema_arrow.names]
    if missing:
        raise DatasetFileError(
            f"{path.name}: missing column(s) {', '.join(missing)}; found {', '.join(table.schema_arrow.names)}"
        )
    row_number = 0
    try:
        for batch in table.iter_batches(columns=list(schema), batch_size=4096):
            for row in batch.to_pylist():
                row_number += 1
                yield row_number, row
    except Exception as exc:
        raise DatasetFileError(f"{path.name}: row {row_number + 1}: corrupt parquet data ({exc})") from None


def rows(path: Path, schema: Schema) -> Iterator[tuple[int, dict]]:
    """(row number, row) with every schema column present and of the expected type."""
    source = _parquet_rows(path, schema) if path.suffix == ".parquet" else json_records(path)
    for number, row in source:
        for column, kind in schema.items():
            if column not in row:
                raise DatasetFileError(f"{path.name}: row {number}: missing column {column!r}")
            value = row[column]
            if kind is list:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise DatasetFileError(f"{path.name}: row {number}: {column!r} must be a list of strings")
            elif kind is str and isinstance(value, int) and not isinstance(value, bool):
                row[column] = str(value)  # integer ids in some exports
            elif not isinstance(value, kind):
                raise DatasetFileError(
                    f"{path.name}: row {number}: {column!r} must be {kind.__name__}, got {type(value).__name__}"
                )
        yield number, row
