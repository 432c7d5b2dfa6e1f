from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from collab.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and every file storage (documents, media) into one archive."

    def add_arguments(self, parser):
        parser.add_argument("output", help="archive to write, e.g. collab-2026-01-31.tar")

    def handle(self, *args, output, **options):
        path = Path(output)
        if path.exists():
            raise CommandError(f"{path} exists; choose a new file name")
        try:
            manifest = backup(path)
        except BackupError as error:
            path.unlink(missing_ok=True)
            raise CommandError(str(error)) from error
        files = ", ".join(f"{alias}: {count}" for alias, count in manifest["files"].items())
        self.stdout.write(f"Wrote {path} ({manifest['database']}; files {files})")
