"""The nightly org sync (beat entry `org-sync`, set when COLLAB_ORG_SYNC_SOURCE is)."""

from celery import shared_task


@shared_task(name="collab.identity.tasks.org_sync")
def org_sync(source: str) -> dict:
    from .orgsync import org_sync as run_sync

    run = run_sync(source=source, triggered_by="beat")
    return {"run": run.pk, "status": run.status, "added": run.added, "deactivated": run.deactivated}
