"""Reads of the retrospective shared by pages, API, admin and alerts: visibility (a
confirmed report is shared with every internal user), the report, read receipts, the
lessons library and the improvement tracker."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from collab.accounts.models import Department, User
from requests_app.models import Requirement
from requests_app.selectors import requirements_visible_to

from ..models import (
    ActionStatus,
    Deliverable,
    Finding,
    FindingKind,
    ImprovementAction,
    Retrospective,
    RetrospectiveRead,
    RetrospectiveStatus,
)
from ..rules import is_internal

RECENT_PROBLEMS = 10


# Visibility
def retrospectives_visible_to(user: User) -> QuerySet[Retrospective]:
    """Retrospectives of requirements the user may see, plus every confirmed one for
    internal users: a confirmed report is shared with every department."""
    visible = Q(requirement__in=requirements_visible_to(user).values("pk"))
    if is_internal(user):
        visible |= Q(status=RetrospectiveStatus.CONFIRMED)
    return Retrospective.objects.filter(visible)


def improvements_visible_to(user: User) -> QuerySet[ImprovementAction]:
    """Actions of visible retrospectives, plus those the user owns or whose department
    the user heads (they must track them even without seeing the requirement)."""
    if not (user and user.is_authenticated and user.is_active):
        return ImprovementAction.objects.none()
    return ImprovementAction.objects.filter(
        Q(retrospective__in=retrospectives_visible_to(user).values("pk"))
        | Q(owner=user)
        | Q(owner_department__head=user)
    )


# Retrospective
def retrospective_detail_qs() -> QuerySet[Retrospective]:
    return Retrospective.objects.select_related(
        "requirement__initiating_department",
        "requirement__coordinator",
        "requirement__contact",
        "acceptance",
        "reviewer",
        "confirmed_by",
    ).prefetch_related(
        "metrics",
        "findings",
        Prefetch(
            "improvements",
            queryset=ImprovementAction.objects.select_related("owner", "owner_department"),
        ),
        Prefetch("acceptance__departments", queryset=Department.objects.order_by("code")),
        Prefetch("acceptance__deliverables", queryset=Deliverable.objects.select_related("task")),
        "requirement__members",
    )


def findings_of(retrospective: Retrospective, kind: str) -> list[Finding]:
    return [f for f in retrospective.findings.all() if f.kind == kind]


def share_recipients(retrospective: Retrospective | None = None) -> list[User]:
    """Heads of every internal department: the confirmed report is shared with them."""
    heads = (
        Department.objects.filter(kind=Department.Kind.INTERNAL, head__isnull=False)
        .select_related("head__department")
        .order_by("code")
    )
    seen, users = set(), []
    for department in heads:
        if department.head_id not in seen and department.head.is_active:
            seen.add(department.head_id)
            users.append(department.head)
    return users


def read_receipts(retrospective: Retrospective) -> list[dict]:
    """Each recipient (department head) with the time they first read it, or None;
    other readers are listed after them."""
    reads = {r.user_id: r for r in RetrospectiveRead.objects.filter(retrospective=retrospective)}
    rows = []
    for user in share_recipients(retrospective):
        read = reads.pop(user.pk, None)
        rows.append({"user": user, "read_at": read.read_at if read else None, "recipient": True})
    others = User.objects.filter(pk__in=reads.keys()).select_related("department")
    for user in others:
        rows.append({"user": user, "read_at": reads[user.pk].read_at, "recipient": False})
    return rows


def department_filter(department: Department) -> Q:
    """Retrospectives whose requirement the department initiated or took part in, or
    that gave it an improvement action."""
    involved = Requirement.departments.through.objects.filter(
        requirement=OuterRef("requirement"), department=department
    )
    owns_action = ImprovementAction.objects.filter(
        retrospective=OuterRef("pk"), owner_department=department
    )
    return Q(requirement__initiating_department=department) | Exists(involved) | Exists(owns_action)


def keyword_filter(q: str) -> Q:
    """Keyword in the topic, number, goal, summary, findings or improvement actions."""
    return (
        Q(requirement__topic__icontains=q)
        | Q(requirement__number__icontains=q)
        | Q(requirement__goal__icontains=q)
        | Q(summary__icontains=q)
        | Exists(Finding.objects.filter(retrospective=OuterRef("pk"), text__icontains=q))
        | Exists(
            ImprovementAction.objects.filter(retrospective=OuterRef("pk"), action__icontains=q)
        )
    )


def lessons_list(user: User, *, department: Department | None = None, q: str = ""):
    """Confirmed retrospectives (the lessons library), newest first, with their findings
    and improvement actions; filter by department (initiating or involved) and keyword."""
    qs = retrospectives_visible_to(user).filter(status=RetrospectiveStatus.CONFIRMED)
    if department is not None:
        qs = qs.filter(department_filter(department))
    q = (q or "").strip()
    if q:
        qs = qs.filter(keyword_filter(q))
    return (
        qs.select_related("requirement__initiating_department", "reviewer")
        .prefetch_related(
            Prefetch("requirement__departments", queryset=Department.objects.order_by("code")),
            "findings",
            Prefetch(
                "improvements",
                queryset=ImprovementAction.objects.select_related("owner", "owner_department"),
            ),
            "metrics",
        )
        .order_by("-confirmed_at", "-id")
    )


def improvement_list(user: User) -> QuerySet[ImprovementAction]:
    return (
        improvements_visible_to(user)
        .select_related(
            "owner",
            "owner_department",
            "retrospective__requirement__initiating_department",
        )
        .prefetch_related("retrospective__requirement__members")
    )


def lessons_for_departments(departments) -> dict:
    """What a new requirement involving `departments` should know: their open
    improvement actions and the recent problems of confirmed retrospectives that
    involved them."""
    departments = list(departments)
    if not departments:
        return {"actions": [], "problems": []}
    confirmed = Retrospective.objects.filter(status=RetrospectiveStatus.CONFIRMED)
    actions = (
        ImprovementAction.objects.filter(
            owner_department__in=departments,
            retrospective__in=confirmed,
        )
        .exclude(status=ActionStatus.DONE)
        .select_related("owner", "owner_department", "retrospective__requirement")
        .order_by("due_date", "id")
    )
    involved = Requirement.departments.through.objects.filter(
        requirement=OuterRef("retrospective__requirement"), department__in=departments
    )
    problems = (
        Finding.objects.filter(kind=FindingKind.PROBLEM, retrospective__in=confirmed)
        .filter(
            Q(retrospective__requirement__initiating_department__in=departments) | Exists(involved)
        )
        .select_related("retrospective__requirement")
        .order_by("-retrospective__confirmed_at", "position", "id")[:RECENT_PROBLEMS]
    )
    return {"actions": list(actions), "problems": list(problems)}
