"""What acceptance and retrospective share: in-app notices (kinds and sending), the
links they point to, and cleaning of required short texts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from collab.notifications.models import Notification

NOTICE_RETROSPECTIVE_DUE = "retrospective_due"
NOTICE_RETROSPECTIVE_SHARED = "retrospective_shared"
NOTICE_ACCEPTANCE_FAILED = "acceptance_failed"
NOTICE_GROUP_DISSOLVED = "group_dissolved"
NOTICE_SIGNOFF_REQUESTED = "acceptance_signoff"


def notify(recipients, *, kind: str, message: str, target: str = "") -> list[Notification]:
    """In-app notices, one per distinct active recipient, written in the same transaction
    as the change they report (they roll back with it)."""
    users, seen = [], set()
    for user in recipients:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            users.append(user)
    rows = [Notification(recipient=u, kind=kind, message=message, target=target) for u in users]
    return Notification.objects.bulk_create(rows)


def clean_text(value, field: str, *, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: _("请填写%(label)s") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError(
            {field: _("%(label)s不能超过%(n)s个字") % {"label": label, "n": max_length}}
        )
    return text


def acceptance_url(requirement_id: int) -> str:
    return reverse("reviews:acceptance", args=[requirement_id])


def retrospective_url(requirement_id: int) -> str:
    return reverse("reviews:retrospective", args=[requirement_id])


def report_url(requirement_id: int) -> str:
    return reverse("reviews:report", args=[requirement_id])
