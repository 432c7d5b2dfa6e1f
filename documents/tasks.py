from celery import shared_task

from . import services


@shared_task
def purge_expired_documents() -> int:
    """Clears recycle-bin entries older than DOCUMENTS_RECYCLE_DAYS."""
    return services.documents_purge_expired()
