"""python manage.py mteb export --submission SLUG --out DIR
python manage.py mteb import PATH [--name LABEL]     (a results folder <model>/<revision>/ or one task file)"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from leaderboard.evaluations.mteb_io import MtebFormatError, export_submission, import_results
from leaderboard.models import Submission


class Command(BaseCommand):
    help = "Export results in mteb's results-JSON layout, or import mteb results as self-reported rows."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("path", nargs="?", help="import: results folder or task JSON file")
        parser.add_argument("--submission", help="export: submission slug (reference retrievers: their name)")
        parser.add_argument("--out", default="mteb-results", help="export: output folder")
        parser.add_argument("--name", help="import: leaderboard name of the external submission")

    def handle(self, action, path, submission, out, name, **options):
        if action == "export":
            if not submission:
                raise CommandError("export needs --submission SLUG")
            row = Submission.objects.filter(slug=submission).first()
            if row is None:
                raise CommandError(f"no submission {submission!r}")
            paths = export_submission(row, Path(out))
            if not paths:
                raise CommandError(f"{submission} has no current result on a dataset with an mteb task")
            for p in paths:
                self.stdout.write(str(p))
            return
        if not path:
            raise CommandError("import needs a results folder or file")
        try:
            sub, results = import_results(Path(path), name=name)
        except (MtebFormatError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"imported {len(results)} result(s) as external submission {sub.slug!r} (self-reported)")
