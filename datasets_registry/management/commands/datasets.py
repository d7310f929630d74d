"""python manage.py datasets list|show|sync|fetch|verify [names...]
python manage.py datasets import <benchmark/slug> <folder>     (collections whose licence forbids download)"""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.utils import OperationalError, ProgrammingError

from datasets_registry import storage
from datasets_registry.catalog import CatalogError, load_catalog
from datasets_registry.loaders.textfiles import DatasetFileError
from datasets_registry.reference import check_dataset
from datasets_registry.services import import_dataset, load, sync_catalog


class Command(BaseCommand):
    help = ("List, show, sync (catalog -> database), fetch, verify (checksums, official counts, reference "
            "queries/qrels) or import (user-provided copy of a restricted collection) datasets of the catalog.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "show", "sync", "fetch", "verify", "import"])
        parser.add_argument("names", nargs="*",
                            help="dataset keys (benchmark/slug), benchmarks, suites or domain:<group>; "
                                 "for import: the dataset key and the folder")
        parser.add_argument("--force", action="store_true", help="fetch again even if a verified copy exists")
        parser.add_argument("--offline-ok", action="store_true",
                            help="fetch: datasets that neither the local mirror nor the network can give are "
                                 "named in one line, not failed (scripts/run starts with what is here)")

    def handle(self, action, names, force, offline_ok, **options):
        catalog = load_catalog()
        if action == "import":
            return self._import(catalog, names)
        try:
            records = catalog.resolve(names) if names else list(catalog.datasets.values())
        except CatalogError as exc:
            raise CommandError(str(exc)) from None
        if action == "sync":
            benchmarks, datasets = sync_catalog_or_explain()
            self.stdout.write(f"synced {benchmarks} benchmarks and {datasets} datasets")
        elif action == "list":
            width = max(len(r.key) for r in records)
            for record in records:
                state = storage.availability(record)
                docs = record.counts.get("docs")
                size = f"{docs:>10,} docs" if docs else " " * 15
                self.stdout.write(f"{record.key:<{width}}  {size}  {state.status:<15} {state.detail}")
            if not names:
                self.stdout.write("suites: " + ", ".join(name for name, _ in catalog.suite_choices()))
        elif action == "show":
            for record in records:
                self._show(record)
        else:
            failed, unreachable = 0, []
            for record in records:
                try:
                    if action == "fetch":
                        folder = storage.fetch(record, force=force)
                        self.stdout.write(f"{record.key}: available at {folder}")
                    else:
                        failed += not self._verify(record)
                except storage.FetchUnreachable as exc:
                    if not offline_ok:
                        failed += 1
                        self.stderr.write(f"{record.key}: {exc}")
                    unreachable.append(record.key)
                except (storage.FetchError, DatasetFileError) as exc:
                    failed += 1
                    self.stderr.write(f"{record.key}: {exc}")
            if offline_ok and unreachable:
                self.stderr.write(self._unreachable_line(unreachable))
            if failed:
                raise CommandError(f"{failed} of {len(records)} dataset(s) failed")

    @staticmethod
    def _unreachable_line(keys: list[str]) -> str:
        return (f"not here: {', '.join(keys)} (not in the local mirror {settings.MIRROR_DIR}, and no internet to "
                f"download them); get them with `python manage.py datasets fetch {','.join(keys)}` once online, "
                "or point RB_MIRROR_DIR at a mirror, or copy RB_DATA_DIR/datasets from a machine that has them; "
                "going on without them")

    def _verify(self, record) -> bool:
        checksum = storage.verify(record)
        checks = check_dataset(record, load(record, fetch=False))
        ok = all(check.ok for check in checks)
        self.stdout.write(f"{record.key}: {'verified' if ok else 'FAILED'}, checksum {checksum}")
        for check in checks:
            status = "ok" if check.ok else "FAILED"
            note = f" ({check.skipped})" if check.skipped else ""
            self.stdout.write(f"  {check.name}: {status}{note}")
            for problem in check.problems:
                self.stdout.write(f"    - {problem}")
        return ok

    def _show(self, record) -> None:
        state = storage.availability(record)
        lines = [f"{record.key}: {record.name}", f"  format {record.format}, split {record.split}, "
                 f"domain {record.domain} [{record.domain_group or '-'}]", f"  licence: {record.licence}",
                 f"  source: {record.source_url}", f"  status: {state.status}: {state.detail}"]
        if record.original:
            lines.append(f"  original ({record.original['format']}, converted when the mirror lacks it): "
                         + ", ".join(entry["url"] for entry in record.original["files"]))
        if record.restricted:
            lines.append(f"  how to obtain: {record.restricted}")
        if record.counts:
            lines.append("  counts: " + ", ".join(f"{k} {v:,}" for k, v in record.counts.items()))
        if record.mteb:
            lines.append("  mteb: " + ", ".join(f"{k}={v}" for k, v in record.mteb.items()))
        self.stdout.write("\n".join(lines))

    def _import(self, catalog, names) -> None:
        if len(names) != 2:
            raise CommandError("usage: python manage.py datasets import <benchmark/slug> <folder>")
        try:
            record = catalog.get(names[0])
            folder = import_dataset(record, Path(names[1]))
        except (CatalogError, storage.FetchError, DatasetFileError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{record.key}: imported into {folder}")
        if not self._verify(record):
            raise CommandError(f"{record.key}: imported, but it does not match the official figures (see above)")


def sync_catalog_or_explain(alternative: str = "") -> tuple[int, int]:
    """sync_catalog(), or one line saying the database needs `migrate` (a fresh checkout that skipped it)."""
    try:
        return sync_catalog()
    except (OperationalError, ProgrammingError) as exc:
        raise CommandError(f"the database has no tables yet ({str(exc).strip()}); run `python manage.py migrate` "
                           f"first{alternative}") from None
