from django.core.management.base import BaseCommand, CommandError

from collab.identity import orgsync
from collab.identity.models import SyncRun
from collab.identity.orgsync_sources import SOURCES


class Command(BaseCommand):
    help = (
        "Sync departments and people from DingTalk, Feishu or WeCom contacts or LDAP: "
        "prints the diff (added, changed, moved, deactivated) and applies it in one "
        "transaction (not with --dry-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, choices=sorted(SOURCES))
        parser.add_argument("--dry-run", action="store_true", help="print the diff only")

    def handle(self, *args, source, dry_run, **options):
        run = orgsync.org_sync(source=source, dry_run=dry_run, triggered_by="manage.py org_sync")
        self.stdout.write(orgsync.format_run(run))
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(run.error)
