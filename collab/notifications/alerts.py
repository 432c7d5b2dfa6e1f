"""Alert scans run by Celery beat and `manage.py run_alerts`."""

SCANS: list = []


def run_all(*, dry_run: bool = False) -> int:
    return sum(len(scan(dry_run=dry_run)) for scan in SCANS)
