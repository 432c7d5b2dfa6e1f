"""What acceptance and retrospective share: the links they point to and cleaning of
required short texts. Their notices are events (events.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _


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
