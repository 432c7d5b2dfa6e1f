"""Use cases of the document store. Pages, API and admin write only through these."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from uuid import uuid4

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rules as perms
from .models import Access, Category, Document, DocumentGrant, DocumentVersion, DownloadLog
from .selectors import expired_documents, recycle_cutoff
from .validation import CheckedFile, check_upload


def _link_not_found() -> str:
    # One message for "no such object" and "not of this requirement": ids of other
    # requirements' objects must not be discoverable.
    return _("关联对象不存在或不属于该需求")


def document_storage():
    return storages["documents"]


@dataclass(frozen=True)
class GrantSpec:
    level: str
    department: object | None = None
    user: object | None = None

    @property
    def key(self) -> tuple[str, int]:
        if self.department is not None:
            return ("department", self.department.pk)
        return ("user", self.user.pk)


@contextmanager
def _stored_files() -> Iterator[list[str]]:
    """Removes files written during the block when it fails, so a rejected or rolled
    back upload leaves nothing behind in storage."""
    keys: list[str] = []
    try:
        yield keys
    except BaseException:
        storage = document_storage()
        for key in keys:
            storage.delete(key)
        raise


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("请填写文档标题")]})
    if len(title) > 200:
        raise ValidationError({"title": [_("标题不能超过 200 个字符")]})
    return title


def _clean_category(category: str) -> str:
    if category not in Category.values:
        raise ValidationError({"category": [_("请选择有效的文档类别")]})
    return category


def resolve_link(value: str | None, *, requirement=None):
    """An object from "app_label.model:pk", which must belong to the requirement."""
    if not value:
        return None
    try:
        model_key, pk = value.rsplit(":", 1)
        app_label, model = model_key.split(".", 1)
        content_type = ContentType.objects.get_by_natural_key(app_label, model.lower())
        model_class = content_type.model_class()
        obj = model_class._default_manager.filter(pk=int(pk)).first() if model_class else None
    except (ValueError, ContentType.DoesNotExist):
        obj = None
    if obj is None:
        raise ValidationError({"link": [_link_not_found()]})
    if requirement is not None:
        _check_link(obj, requirement.pk)
    return obj


def requirement_id_of(obj) -> int | None:
    """The requirement a linkable object belongs to: its own `requirement`, or its
    task's (a plan written for a task)."""
    requirement_id = getattr(obj, "requirement_id", None)
    if requirement_id is not None:
        return requirement_id
    task = getattr(obj, "task", None)
    return getattr(task, "requirement_id", None) if task is not None else None


def link_key(obj) -> str:
    meta = obj._meta
    return f"{meta.app_label}.{meta.model_name}:{obj.pk}"


def _check_link(obj, requirement_id: int) -> None:
    if requirement_id_of(obj) != requirement_id:
        raise ValidationError({"link": [_link_not_found()]})


def _apply_link(document: Document, obj) -> None:
    if obj is None:
        document.content_type, document.object_id, document.linked_label = None, None, ""
        return
    _check_link(obj, document.requirement_id)
    document.content_type = ContentType.objects.get_for_model(obj)
    document.object_id = obj.pk
    document.linked_label = str(obj)[:255]


def _store_version(
    *, document: Document, actor, checked: CheckedFile, upload, note: str, stored: list[str]
) -> DocumentVersion:
    last = document.versions.aggregate(last=Max("number"))["last"] or 0
    key = f"{document.requirement_id}/{document.pk}/{uuid4().hex}.{checked.extension}"
    upload.seek(0)
    key = document_storage().save(key, upload)
    stored.append(key)
    version = DocumentVersion(
        document=document,
        number=last + 1,
        storage_key=key,
        original_name=checked.name,
        mime_type=checked.mime_type,
        size=checked.size,
        sha256=checked.sha256,
        note=(note or "").strip()[:500],
        author=actor,
    )
    version._history_user = actor
    version._change_reason = _("上传 V%(n)s") % {"n": version.number}
    version.save()
    document.current_version = version
    document._history_user = actor
    document._change_reason = version._change_reason
    document.save(update_fields=["current_version", "updated_at"])
    return version


def document_create(
    *,
    requirement,
    actor,
    title: str,
    category: str,
    upload,
    note: str = "",
    link=None,
    group_access: str = Access.VIEW,
) -> Document:
    """A new document with its first version. A rejected upload writes nothing."""
    if not perms.can_create_in(actor, requirement):
        raise PermissionDenied(_("您不能向该需求上传文档"))
    errors = {}
    for check, value in ((_clean_title, title), (_clean_category, category)):
        try:
            check(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    try:
        checked = check_upload(upload)
    except ValidationError as error:
        errors.update(error.message_dict)
    if link is not None and requirement_id_of(link) != requirement.pk:
        errors["link"] = [_link_not_found()]
    if group_access not in Access.values:
        errors["group_access"] = [_("无效的权限设置")]
    if errors:
        raise ValidationError(errors)
    with _stored_files() as stored, transaction.atomic():
        document = Document(
            requirement=requirement,
            title=_clean_title(title),
            category=category,
            owner=actor,
            group_access=group_access,
        )
        _apply_link(document, link)
        document._history_user = actor
        document._change_reason = _("创建文档")
        document.save()
        _store_version(
            document=document,
            actor=actor,
            checked=checked,
            upload=upload,
            note=note,
            stored=stored,
        )
    return document


def document_add_version(*, document: Document, actor, upload, note: str = "") -> DocumentVersion:
    """Uploads a new version; earlier versions stay as they are."""
    if not perms.can_edit(actor, document):
        raise PermissionDenied(_("您没有编辑该文档的权限"))
    checked = check_upload(upload)
    with _stored_files() as stored, transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.is_deleted:
            raise ValidationError(_("文档已删除，不能上传新版本"))
        version = _store_version(
            document=locked, actor=actor, checked=checked, upload=upload, note=note, stored=stored
        )
    document.current_version = version
    return version


_UNCHANGED = object()


@transaction.atomic
def document_update(
    *, document: Document, actor, title=None, category=None, link=_UNCHANGED
) -> Document:
    """Changes title, category or linked object."""
    if not perms.can_edit(actor, document):
        raise PermissionDenied(_("您没有编辑该文档的权限"))
    fields = []
    if title is not None:
        document.title = _clean_title(title)
        fields.append("title")
    if category is not None:
        document.category = _clean_category(category)
        fields.append("category")
    if link is not _UNCHANGED:
        _apply_link(document, link)
        fields += ["content_type", "object_id", "linked_label"]
    if fields:
        document._history_user = actor
        document._change_reason = _("修改文档信息")
        document.save(update_fields=[*fields, "updated_at"])
    return document


@transaction.atomic
def document_set_permissions(
    *, document: Document, actor, group_access: str, grants: Iterable[GrantSpec]
) -> Document:
    """Replaces the document's grants; only the differences are written, each with
    its own history entry."""
    if not perms.can_manage(actor, document):
        raise PermissionDenied(_("只有文档负责人、组长或管理员可以修改权限"))
    if group_access not in Access.values:
        raise ValidationError({"group_access": [_("无效的权限设置")]})
    wanted: dict[tuple[str, int], GrantSpec] = {}
    for spec in grants:
        if spec.level not in (Access.VIEW, Access.EDIT):
            raise ValidationError({"grants": [_("权限只能是“查看”或“编辑”")]})
        if (spec.department is None) == (spec.user is None):
            raise ValidationError({"grants": [_("每条授权须指定一个部门或一个人")]})
        if spec.key in wanted:
            raise ValidationError({"grants": [_("同一部门或人员只能授权一次")]})
        wanted[spec.key] = spec
    reason = _("修改文档权限")
    current = {}
    for grant in DocumentGrant.objects.select_for_update().filter(document=document):
        key = (
            ("department", grant.department_id) if grant.department_id else ("user", grant.user_id)
        )
        current[key] = grant
    for key, grant in current.items():
        grant._history_user = actor
        grant._change_reason = reason
        if key not in wanted:
            grant.delete()
        elif grant.level != wanted[key].level:
            grant.level = wanted[key].level
            grant.save(update_fields=["level"])
    for key, spec in wanted.items():
        if key in current:
            continue
        grant = DocumentGrant(
            document=document, department=spec.department, user=spec.user, level=spec.level
        )
        grant._history_user = actor
        grant._change_reason = reason
        grant.save()
    if document.group_access != group_access:
        document.group_access = group_access
        document._history_user = actor
        document._change_reason = reason
        document.save(update_fields=["group_access", "updated_at"])
    else:
        Document.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    # Drop stale prefetched grants so callers see the new ones.
    getattr(document, "_prefetched_objects_cache", {}).pop("grants", None)
    return document


@transaction.atomic
def document_delete(*, document: Document, actor) -> Document:
    """Moves the document to the recycle bin."""
    if not perms.can_manage(actor, document):
        raise PermissionDenied(_("只有文档负责人、组长或管理员可以删除文档"))
    if document.is_deleted:
        return document
    document.deleted_at = timezone.now()
    document.deleted_by = actor
    document._history_user = actor
    document._change_reason = _("移入回收站")
    document.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return document


@transaction.atomic
def document_restore(*, document: Document, actor) -> Document:
    if not perms.can_restore(actor, document):
        raise PermissionDenied(_("只有组长或管理员可以从回收站恢复文档"))
    if not document.is_deleted:
        return document
    if document.deleted_at < recycle_cutoff():
        raise ValidationError(_("已超过回收站保留期，无法恢复"))
    document.deleted_at = None
    document.deleted_by = None
    document._history_user = actor
    document._change_reason = _("从回收站恢复")
    document.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return document


def document_download(
    *, document: Document, actor, number: int | None = None, channel: str = "web"
):
    """The version to send and an open file; the download is logged first."""
    if not perms.can_view(actor, document):
        raise PermissionDenied(_("您没有查看该文档的权限"))
    if number is None:
        version = document.current_version
    else:
        version = document.versions.filter(number=number).first()
    if version is None:
        raise Http404(_("没有该版本"))
    try:
        handle = document_storage().open(version.storage_key, "rb")
    except FileNotFoundError as error:
        raise Http404(_("文件不存在")) from error
    DownloadLog.objects.create(document=document, version=version, user=actor, channel=channel)
    return version, handle


def _delete_files(keys: list[str]) -> None:
    storage = document_storage()
    for key in keys:
        storage.delete(key)


@transaction.atomic
def documents_purge_expired(*, now=None) -> int:
    """Deletes for good the documents in the recycle bin longer than the retention
    period, and their files once the deletion is committed. History rows remain."""
    documents = list(expired_documents(now).select_for_update())
    keys = list(
        DocumentVersion.objects.filter(document__in=documents).values_list("storage_key", flat=True)
    )
    for document in documents:
        document._change_reason = _("回收站到期清除")
        Document.objects.filter(pk=document.pk).update(current_version=None)
        document.delete()
    transaction.on_commit(partial(_delete_files, keys))
    return len(documents)
