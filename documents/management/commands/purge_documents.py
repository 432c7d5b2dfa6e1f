from django.core.management.base import BaseCommand

from documents.services import documents_purge_expired


class Command(BaseCommand):
    help = "Deletes documents kept in the recycle bin longer than DOCUMENTS_RECYCLE_DAYS."

    def handle(self, *args, **options):
        count = documents_purge_expired()
        self.stdout.write(f"purged {count} document(s)")
