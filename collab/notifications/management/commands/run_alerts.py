from django.core.management.base import BaseCommand, CommandError

from collab.notifications.alerts import SCANS, run_all


class Command(BaseCommand):
    help = (
        "Run every alert scan now, exactly what Celery beat runs (alerts-scan). "
        "--dry-run lists what would be sent without sending or recording anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list only; write nothing")
        parser.add_argument(
            "--scan", action="append", choices=sorted(SCANS), help="run only these scans"
        )

    def handle(self, *args, dry_run=False, scan=None, **options):
        if scan and any(name not in SCANS for name in scan):
            raise CommandError(f"unknown scan; choose from {', '.join(sorted(SCANS))}")
        results = run_all(dry_run=dry_run, only=scan)
        total = 0
        for result in results:
            count = len(result.specs) if dry_run else result.raised
            total += count
            status = f"ERROR {result.error}" if result.error else str(count)
            self.stdout.write(f"{result.scan} ({result.label}): {status}")
            if dry_run:
                for spec in result.specs:
                    people = ", ".join(
                        sorted({u.get_username() for u in spec.recipients if u is not None})
                    )
                    self.stdout.write(f"  - {spec.due_on} → {people or '-'}: {spec.text}")
        verb = "would raise" if dry_run else "raised"
        self.stdout.write(self.style.SUCCESS(f"{total} alert(s) {verb}"))
