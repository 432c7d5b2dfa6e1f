"""Reads shared by pages, API and the `documents_for` helper other apps call."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField as BooleanValue
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app.models import GroupMember, GroupRole
from requests_app.selectors import requirements_visible_to

from .models import Access, Document, DocumentGrant, DocumentVersion, DownloadLog


def led_requirements(user) -> QuerySet:
    """Ids of requirements whose collaboration group `user` leads (a subquery)."""
    return GroupMember.objects.filter(user=user, role=GroupRole.LEADER).values("requirement_id")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _grant_filter(user) -> Q:
    condition = Q(user=user)
    if user.department_id is not None:
        condition |= Q(department_id=user.department_id)
    return condition


def _with_access_facts(qs: QuerySet[Document], user) -> QuerySet[Document]:
    """Annotates the facts rules.py needs per row, for this user."""
    if user.is_staff:
        true = Value(True, output_field=BooleanValue())
        return qs.annotate(acl_user_id=Value(user.pk), acl_leader=true, acl_sees_requirement=true)
    leader = led_requirements(user).filter(requirement_id=OuterRef("requirement_id"))
    sees = requirements_visible_to(user).filter(pk=OuterRef("requirement_id"))
    return qs.annotate(
        acl_user_id=Value(user.pk), acl_leader=Exists(leader), acl_sees_requirement=Exists(sees)
    )


def _visibility(user) -> Q:
    granted = Exists(DocumentGrant.objects.filter(_grant_filter(user), document=OuterRef("pk")))
    visible = Q(owner=user) | Q(granted) | Q(requirement__in=led_requirements(user))
    if not user.is_partner:
        seen = requirements_visible_to(user).values("pk")
        visible |= ~Q(group_access=Access.NONE) & Q(requirement__in=seen)
    return visible


def documents_visible_to(user, *, deleted: bool = False) -> QuerySet[Document]:
    """Documents the user may view (mirror of rules.can_view); others answer 404.
    With deleted=True: the recycle bin entries the user may restore."""
    qs = Document.objects.filter(deleted_at__isnull=not deleted)
    if not _active(user):
        return qs.none()
    if deleted:
        if not user.is_staff:
            qs = qs.filter(requirement__in=led_requirements(user))
    elif not user.is_staff:
        qs = qs.filter(_visibility(user))
    return _with_access_facts(qs, user)


def document_list(user, *, deleted: bool = False) -> QuerySet[Document]:
    """Visible documents with everything a list row shows, in a fixed number of queries."""
    return (
        documents_visible_to(user, deleted=deleted)
        .select_related(
            "requirement",
            "owner",
            "current_version",
            "current_version__author",
            "content_type",
            "deleted_by",
        )
        .prefetch_related(
            Prefetch(
                "grants",
                queryset=DocumentGrant.objects.select_related("department", "user").order_by(
                    "level", "department__code", "user__username"
                ),
            )
        )
    )


def document_detail(user) -> QuerySet[Document]:
    return document_list(user).prefetch_related(
        Prefetch("versions", queryset=DocumentVersion.objects.select_related("author"))
    )


def documents_for(obj, user) -> list[Document]:
    """Visible documents linked to `obj` (a task, plan, meeting, risk, acceptance…),
    newest first. For pages of other apps: `{% linked_documents obj %}` renders them."""
    content_type = ContentType.objects.get_for_model(obj)
    return list(
        document_list(user)
        .filter(content_type=content_type, object_id=obj.pk)
        .order_by("-updated_at", "-id")
    )


def versions_of(document: Document) -> list[DocumentVersion]:
    cache = getattr(document, "_prefetched_objects_cache", {})
    if "versions" in cache:
        return sorted(cache["versions"], key=lambda v: -v.number)
    return list(document.versions.select_related("author").order_by("-number"))


def version_rows(document: Document) -> list[dict]:
    """Versions newest first, each with the metadata that changed from the one before."""
    versions = versions_of(document)
    rows = []
    for index, version in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        changes = []
        if previous is not None:
            for field, label in (
                ("original_name", _("文件名")),
                ("mime_type", _("文件类型")),
                ("size", _("大小")),
                ("sha256", _("校验值")),
                ("author_id", _("上传人")),
            ):
                old, new = getattr(previous, field), getattr(version, field)
                if old != new:
                    if field == "author_id":
                        old, new = previous.author.label, version.author.label
                    changes.append({"field": field, "label": label, "old": old, "new": new})
        rows.append({"version": version, "previous": previous, "changes": changes})
    return rows


def download_log(document: Document) -> QuerySet[DownloadLog]:
    return document.downloads.select_related("user", "version").order_by("-downloaded_at", "-id")


def recycle_cutoff(now=None):
    return (now or timezone.now()) - timedelta(days=settings.DOCUMENTS_RECYCLE_DAYS)


def expired_documents(now=None) -> QuerySet[Document]:
    return Document.objects.filter(deleted_at__lt=recycle_cutoff(now))


def access_summary(document: Document) -> list[str]:
    """Who can see the document, in words, from prefetched grants (no queries)."""
    parts = []
    if document.group_access == Access.EDIT:
        parts.append(_("协作小组可编辑"))
    elif document.group_access == Access.VIEW:
        parts.append(_("协作小组可查看"))
    else:
        parts.append(_("仅负责人与组长"))
    for grant in document.grants.all():
        parts.append(f"{grant.grantee_label}（{grant.get_level_display()}）")
    return parts
