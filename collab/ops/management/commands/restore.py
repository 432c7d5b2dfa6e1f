from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from collab.ops.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `manage.py backup` into the configured database and "
        "file storages. Replaces what is there: stop web, workers and beat first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, archive, interactive, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            manifest = read_manifest(path)
        except (BackupError, OSError, ValueError) as error:
            raise CommandError(f"{path} is not a Collab backup: {error}") from error
        if interactive:
            answer = input(
                f"Restore the backup of {manifest['created_at']} over the configured database "
                "and storages? Type 'yes' to continue: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        try:
            result = restore(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {path}: database and {result['files']} files")
