from celery import shared_task

from . import recurring


@shared_task
def create_weekly_meetings() -> int:
    """Creates the coming occurrences of every weekly meeting schedule (协作例会)."""
    return len(recurring.weekly_meetings_create())
