"""Print the events × roles matrix of docs/notifications.md from the declarations."""

from django.core.management.base import BaseCommand
from django.utils import translation

from collab.notifications.events import matrix_markdown


class Command(BaseCommand):
    help = "Print who is told of which event (the table of docs/notifications.md)."

    def add_arguments(self, parser):
        parser.add_argument("--language", default="zh-hans")

    def handle(self, *args, language, **options):
        with translation.override(language):
            self.stdout.write(matrix_markdown())
