from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from collab.accounts.models import User
from meetings.models import Meeting, MeetingKind
from meetings.selectors import meetings_about
from requests_app.models import Requirement
from requests_app.selectors import requirements_visible_to

from .models import ACTIVE_STATUSES, IMPACT_ORDER, STATUS_ORDER, Impact, Risk, RiskKind, RiskStatus


def today() -> datetime.date:
    return timezone.localdate()


def risks_visible_to(user: User) -> QuerySet[Risk]:
    """Records of requirements the user may see; partners only their own. Others: 404."""
    qs = Risk.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_staff:
        return qs
    own = Q(owner=user) | Q(created_by=user)
    if user.is_partner:
        if user.department_id is not None:
            own |= Q(owner_department=user.department_id)
        return qs.filter(own, requirement__in=requirements_visible_to(user))
    return qs.filter(Q(requirement__in=requirements_visible_to(user)) | Q(owner=user))


def risk_list(user: User) -> QuerySet[Risk]:
    """Rows with what a row, its permissions and its transitions read (the group of the
    requirement): a constant number of queries per page."""
    return (
        risks_visible_to(user)
        .select_related(
            "requirement", "owner_department", "owner", "task", "created_by", "escalated_by"
        )
        .prefetch_related("requirement__members")
    )


def risk_detail(user: User) -> QuerySet[Risk]:
    return risk_list(user).select_related(
        "requirement__coordinator", "requirement__initiating_department"
    )


def filter_risks(qs: QuerySet[Risk], params, *, on: datetime.date | None = None):
    """The register's filters, shared by the page and the API."""
    on = on or today()
    if params.get("impact") in Impact.values:
        qs = qs.filter(impact=params["impact"])
    if params.get("status") in RiskStatus.values:
        qs = qs.filter(status=params["status"])
    if params.get("kind") in RiskKind.values:
        qs = qs.filter(kind=params["kind"])
    department = str(params.get("owner_department") or "")
    if department.isdigit():
        qs = qs.filter(owner_department=int(department))
    overdue = str(params.get("overdue") or "").lower()
    if overdue in ("1", "true", "yes"):
        qs = qs.filter(status__in=ACTIVE_STATUSES, planned_resolution__lt=on)
    elif overdue in ("0", "false", "no"):
        qs = qs.exclude(status__in=ACTIVE_STATUSES, planned_resolution__lt=on)
    escalated = str(params.get("escalated") or "").lower()
    if escalated in ("1", "true", "yes"):
        qs = qs.filter(escalated_at__isnull=False)
    return qs


def risk_matrix(qs: QuerySet[Risk]) -> dict:
    """Counts by impact (rows) × status (columns), with totals."""
    counts = {
        (row["impact"], row["status"]): row["n"]
        for row in qs.order_by().values("impact", "status").annotate(n=Count("id"))
    }
    rows = []
    for impact in IMPACT_ORDER:
        cells = [
            {"status": status, "count": counts.get((impact, status), 0)} for status in STATUS_ORDER
        ]
        rows.append(
            {
                "impact": impact,
                "label": Impact(impact).label,
                "cells": cells,
                "total": sum(c["count"] for c in cells),
            }
        )
    columns = [
        {
            "status": status,
            "label": RiskStatus(status).label,
            "total": sum(counts.get((i, status), 0) for i in IMPACT_ORDER),
        }
        for status in STATUS_ORDER
    ]
    return {"rows": rows, "columns": columns, "total": sum(counts.values())}


def open_high_impact(requirement: Requirement) -> QuerySet[Risk]:
    return (
        Risk.objects.filter(requirement=requirement, impact=Impact.HIGH, status__in=ACTIVE_STATUSES)
        .select_related("owner_department", "owner")
        .order_by("code")
    )


def special_meetings(risk: Risk) -> QuerySet[Meeting]:
    return (
        meetings_about(risk)
        .filter(kind=MeetingKind.SPECIAL)
        .select_related("organizer")
        .prefetch_related("departments", "action_items")
        .order_by("-held_at")
    )
