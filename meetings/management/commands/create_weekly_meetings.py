"""Create the coming weekly meetings (协作例会) now: exactly what beat runs daily."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from meetings.recurring import weekly_meetings_create


class Command(BaseCommand):
    help = "Create the occurrences of every weekly meeting schedule for the coming days."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="first day, YYYY-MM-DD (default: today)")
        parser.add_argument("--days", type=int, help="how many days ahead (default: setting)")

    def handle(self, *args, date=None, days=None, **options):
        try:
            on = datetime.date.fromisoformat(date) if date else None
        except ValueError as error:
            raise CommandError(f"--date: {error}") from error
        for occurrence in weekly_meetings_create(on=on, days=days):
            state = occurrence.skipped_reason or f"meeting {occurrence.meeting_id}"
            self.stdout.write(f"{occurrence.schedule.requirement.number} {occurrence.date} {state}")
