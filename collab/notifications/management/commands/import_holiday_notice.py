from django.core.management.base import BaseCommand, CommandError

from collab.notifications.services import work_calendar_import
from collab.notifications.workdays import NoticeError, parse_notice


class Command(BaseCommand):
    help = (
        "Import the State Council holiday notice of one year from a UTF-8 file with one "
        "day per line: DATE 休|班 [note] (comma, tab or spaces). Replaces that year's "
        "working calendar; nothing changes if any line is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--year", type=int, help="the year the notice is for (checked)")

    def handle(self, *args, file, year=None, **options):
        try:
            with open(file, encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            rows = parse_notice(text, year=year)
        except NoticeError as error:
            raise CommandError("\n".join(error.errors)) from error
        count = work_calendar_import(rows=rows, actor="manage.py import_holiday_notice")
        self.stdout.write(f"{rows[0][0].year}: {count} day(s) imported from the notice")
