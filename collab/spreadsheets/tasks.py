"""Background steps of large imports and exports; thin wrappers around services."""

import logging

from celery import shared_task
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@shared_task(name="collab.spreadsheets.tasks.import_check_task")
def import_check_task(batch_id: int) -> str:
    from .models import ImportBatch, ImportStatus
    from .services import import_check, import_fail

    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.CHECKING).first()
    if batch is None:
        return "skipped"
    try:
        return import_check(batch=batch).status
    except Exception:
        logger.exception("import check %s failed", batch_id)
        import_fail(batch_id=batch_id, message=_("检查文件时出错，请稍后重试"))
        return "failed"


@shared_task(name="collab.spreadsheets.tasks.import_apply_task")
def import_apply_task(batch_id: int, actor_id: int) -> str:
    from collab.accounts.models import User

    from .models import ImportBatch, ImportStatus
    from .services import import_apply, import_fail

    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.APPLYING).first()
    if batch is None:
        return "skipped"
    try:
        return import_apply(batch=batch, actor=User.objects.get(pk=actor_id)).status
    except Exception:
        logger.exception("import apply %s failed", batch_id)
        import_fail(batch_id=batch_id, message=_("导入时出错，未写入任何数据，请稍后重试"))
        return "failed"


@shared_task(name="collab.spreadsheets.tasks.export_task")
def export_task(job_id: int) -> str:
    from .exports import export_fail, export_run
    from .models import ExportJob, ExportStatus

    job = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).first()
    if job is None:
        return "skipped"
    try:
        return export_run(job=job).status
    except Exception:
        logger.exception("export %s failed", job_id)
        export_fail(job_id=job_id, message=_("导出失败，请稍后重试"))
        return "failed"
