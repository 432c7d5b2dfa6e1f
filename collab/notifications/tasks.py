from celery import shared_task


@shared_task(name="collab.notifications.tasks.run_alert_scans")
def run_alert_scans() -> int:
    """Run every alert scan once (the beat entry); returns the number of alerts raised."""
    from .alerts import run_all

    return run_all()
