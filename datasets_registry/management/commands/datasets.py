"""python manage.py datasets list|sync|fetch|verify [keys...]"""
from django.core.management.base import BaseCommand, CommandError

from datasets_registry import storage
from datasets_registry.catalog import CatalogError, load_catalog
from datasets_registry.services import sync_catalog


class Command(BaseCommand):
    help = "List, sync (catalog -> database), fetch or verify datasets of the catalog."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "sync", "fetch", "verify"])
        parser.add_argument("names", nargs="*", help="dataset keys (benchmark/slug), benchmarks or suites")
        parser.add_argument("--force", action="store_true", help="fetch again even if a verified copy exists")

    def handle(self, action, names, force, **options):
        catalog = load_catalog()
        try:
            records = catalog.resolve(names) if names else list(catalog.datasets.values())
        except CatalogError as exc:
            raise CommandError(str(exc)) from None
        if action == "sync":
            benchmarks, datasets = sync_catalog()
            self.stdout.write(f"synced {benchmarks} benchmarks and {datasets} datasets")
        elif action == "list":
            width = max(len(r.key) for r in records)
            for record in records:
                state = storage.availability(record)
                docs = record.counts.get("docs")
                size = f"{docs:>10,} docs" if docs else " " * 15
                self.stdout.write(f"{record.key:<{width}}  {size}  {state.status:<15} {state.detail}")
        else:
            failed = 0
            for record in records:
                try:
                    if action == "fetch":
                        folder = storage.fetch(record, force=force)
                        self.stdout.write(f"{record.key}: available at {folder}")
                    else:
                        self.stdout.write(f"{record.key}: verified, checksum {storage.verify(record)}")
                except storage.FetchError as exc:
                    failed += 1
                    self.stderr.write(f"{record.key}: {exc}")
            if failed:
                raise CommandError(f"{failed} of {len(records)} dataset(s) failed")
