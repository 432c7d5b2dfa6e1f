"""The portfolio (驾驶舱): every running collaboration with its step of the loop, its
health and the reason, progress, next milestone and leader, computed for all rows in a
few queries with subquery annotations (no per-row query, no task loaded).

Running means 已确认 (group, division of work and plans) or 执行中. The step is the one
requests_app.stage computes, read from the same conditions as existence checks: while confirmed,
分工 until a leader, every liaison and a task exist, then 方案; while in progress,
风险与问题 while an issue is open, then 执行 while a task is open, then 验收复盘.

Health, worst first:
- late (滞后): an open task more than COLLAB_ALERT_LATE_DAYS days past its planned end
  (the threshold that calls a special meeting), or the requirement past its end date;
- at risk (有风险): a task past its planned end, a blocked task, an open high-impact
  issue, or a sign-off (plan approval, acceptance) waiting more than
  COLLAB_ALERT_REVIEW_DAYS days;
- on track (正常): none of these.
Days are calendar days, counted from today in the local time zone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collab.accounts.models import Department, User
from requests_app.lifecycle import RequirementStatus, Step
from requests_app.models import GroupMember, GroupRole, Requirement
from requests_app.stage import STATUS_STEPS
from reviews_app.models import Acceptance, AcceptanceStatus
from risks_app.models import ACTIVE_STATUSES, Impact, Risk, RiskKind
from tasks_app.models import OPEN_STATUSES, Plan, PlanStatus, PlanVersion, Task, TaskStatus

from .scope import cockpit_requirements
from .turnaround import acceptance_signing_since

RUNNING = (RequirementStatus.CONFIRMED, RequirementStatus.IN_PROGRESS)
# The steps a running requirement can be at.
RUNNING_STEPS = [step for status in RUNNING for step in STATUS_STEPS[status]]


class Health(models.TextChoices):
    LATE = "late", gettext_lazy("滞后")
    AT_RISK = "at_risk", gettext_lazy("有风险")
    ON_TRACK = "on_track", gettext_lazy("正常")


# Worst first: the order the portfolio is sorted in.
HEALTH_RANK = {Health.LATE: 0, Health.AT_RISK: 1, Health.ON_TRACK: 2}
HEALTH_BY_RANK = {rank: health for health, rank in HEALTH_RANK.items()}


def late_days() -> int:
    return getattr(settings, "COLLAB_ALERT_LATE_DAYS", 2)


def signoff_wait_days() -> int:
    return getattr(settings, "COLLAB_ALERT_REVIEW_DAYS", 3)


def _count(qs: QuerySet, link: str = "requirement"):
    """Rows of `qs` belonging to the outer requirement, as an integer (0 when none)."""
    counted = (
        qs.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _first(qs: QuerySet, field: str, *order):
    return Subquery(qs.filter(requirement=OuterRef("pk")).order_by(*order).values(field)[:1])


def with_portfolio_data(qs: QuerySet[Requirement], today: datetime.date) -> QuerySet:
    """Annotate the figures of a portfolio row (see the module text)."""
    late_cutoff = today - datetime.timedelta(days=late_days())
    wait_cutoff = timezone.now() - datetime.timedelta(days=signoff_wait_days())
    tasks = Task.objects.all()
    live = tasks.exclude(status=TaskStatus.CANCELLED)
    open_tasks = tasks.filter(status__in=OPEN_STATUSES)
    issues = Risk.objects.filter(kind=RiskKind.ISSUE, status__in=ACTIVE_STATUSES)
    leaders = GroupMember.objects.filter(role=GroupRole.LEADER)
    liaison = GroupMember.objects.filter(
        requirement=OuterRef("requirement"),
        role=GroupRole.LIAISON,
        department=OuterRef("department"),
    )
    without_liaison = Requirement.departments.through.objects.filter(
        requirement=OuterRef("pk")
    ).filter(~Exists(liaison))
    submitted = PlanVersion.objects.filter(plan=OuterRef("pk"), version=OuterRef("version"))
    waiting_plans = (
        Plan.objects.filter(status=PlanStatus.IN_REVIEW)
        .annotate(since=Subquery(submitted.values("submitted_at")[:1]))
        .filter(since__lt=wait_cutoff)
    )
    waiting_acceptances = (
        Acceptance.objects.filter(status=AcceptanceStatus.SIGNING)
        .annotate(since=Subquery(acceptance_signing_since("pk", "round")))
        .filter(since__lt=wait_cutoff)
    )
    progress = (
        live.filter(requirement=OuterRef("pk"))
        .order_by()
        .values("requirement")
        .annotate(p=Avg("progress"))
        .values("p")[:1]
    )
    upcoming = open_tasks.filter(planned_end__gte=today)
    # Health as a rank (0 late, 1 at risk, 2 on track): the least of one rank per
    # source. The task source reads a requirement's earliest open planned end (one entry
    # of the open-task index) and whether a task is blocked (one probe), so sorting and
    # filtering by health read no task rows. The counts behind the reasons are read for
    # the rows shown.
    earliest_open_end = Subquery(
        open_tasks.filter(requirement=OuterRef("pk"))
        .order_by("planned_end")
        .values("planned_end")[:1]
    )
    task_rank = Case(
        When(LessThan(earliest_open_end, late_cutoff), then=Value(0)),
        When(
            Q(LessThan(earliest_open_end, today))
            | Q(Exists(tasks.filter(requirement=OuterRef("pk"), status=TaskStatus.BLOCKED))),
            then=Value(1),
        ),
        default=Value(2),
    )
    at_risk = (
        Exists(issues.filter(requirement=OuterRef("pk"), impact=Impact.HIGH))
        | Exists(waiting_plans.filter(requirement=OuterRef("pk")))
        | Exists(waiting_acceptances.filter(requirement=OuterRef("pk")))
    )
    qs = qs.annotate(
        health_rank=Least(
            Case(When(end_date__lt=today, then=Value(0)), default=Value(2)),
            task_rank,
            Case(When(at_risk, then=Value(1)), default=Value(2)),
            output_field=IntegerField(),
        ),
        stage_code=Case(
            When(
                Q(status=RequirementStatus.CONFIRMED)
                & (
                    ~Exists(leaders.filter(requirement=OuterRef("pk")))
                    | Exists(without_liaison)
                    | ~Exists(live.filter(requirement=OuterRef("pk")))
                ),
                then=Value(Step.DIVISION.value),
            ),
            When(status=RequirementStatus.CONFIRMED, then=Value(Step.PLANS.value)),
            When(Exists(issues.filter(requirement=OuterRef("pk"))), then=Value(Step.RISKS.value)),
            When(
                Exists(open_tasks.filter(requirement=OuterRef("pk"))),
                then=Value(Step.EXECUTION.value),
            ),
            default=Value(Step.DELIVERY.value),
        ),
    )
    return qs.annotate(
        late_tasks=_count(open_tasks.filter(planned_end__lt=today)),
        oldest_late_end=_first(
            open_tasks.filter(planned_end__lt=today), "planned_end", "planned_end"
        ),
        blocked_tasks=_count(tasks.filter(status=TaskStatus.BLOCKED)),
        high_issues=_count(issues.filter(impact=Impact.HIGH)),
        waiting_signoffs=_count(waiting_plans) + _count(waiting_acceptances),
        progress_avg=Subquery(progress),
        milestone_code=_first(upcoming, "code", "planned_end", "code_sort"),
        milestone_name=_first(upcoming, "name", "planned_end", "code_sort"),
        milestone_date=_first(upcoming, "planned_end", "planned_end", "code_sort"),
        leader_user_id=_first(leaders, "user_id", "pk"),
        leader_department_id=_first(leaders, "department_id", "pk"),
    )


@dataclass
class PortfolioFilters:
    department: Department | None = None
    priority: str = ""
    stage: str = ""
    health: str = ""


def portfolio(user: User, filters: PortfolioFilters | None = None, *, today=None) -> QuerySet:
    """Running requirements the cockpit shows `user`, annotated, filtered and sorted by
    health (late first), then by end date and number."""
    today = today or timezone.localdate()
    filters = filters or PortfolioFilters()
    qs = cockpit_requirements(user).filter(status__in=RUNNING)
    if filters.department is not None:
        involved = Requirement.departments.through.objects.filter(department=filters.department)
        qs = qs.filter(
            Q(initiating_department=filters.department) | Q(pk__in=involved.values("requirement"))
        )
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    qs = with_portfolio_data(qs.select_related("initiating_department"), today)
    if filters.stage:
        qs = qs.filter(stage_code=filters.stage)
    if filters.health:  # one health: no need to sort by it
        return qs.filter(health_rank=HEALTH_RANK[filters.health]).order_by("end_date", "number")
    return qs.order_by("health_rank", "end_date", "number")


@dataclass
class PortfolioRow:
    requirement: Requirement
    stage: str
    health: str
    reasons: list[str]
    progress: int
    milestone: dict | None
    leader: User | None
    leader_department: Department | None

    @property
    def stage_label(self) -> str:
        return str(Step(self.stage).label)

    @property
    def health_label(self) -> str:
        return str(Health(self.health).label)

    @property
    def reason_text(self) -> str:
        return "；".join(self.reasons)


def health_reasons(requirement, today: datetime.date) -> list[str]:
    """The sentences behind a row's health, from its annotations."""
    reasons = []
    if requirement.end_date < today:
        reasons.append(
            _("已超过计划结束日期 %(date)s") % {"date": requirement.end_date.isoformat()}
        )
    if requirement.late_tasks:
        reasons.append(
            _("%(count)s 个任务逾期，最长 %(days)s 天")
            % {
                "count": requirement.late_tasks,
                "days": (today - requirement.oldest_late_end).days,
            }
        )
    if requirement.blocked_tasks:
        reasons.append(_("%(count)s 个任务阻塞") % {"count": requirement.blocked_tasks})
    if requirement.high_issues:
        reasons.append(_("%(count)s 个高影响问题未解决") % {"count": requirement.high_issues})
    if requirement.waiting_signoffs:
        reasons.append(
            _("%(count)s 项签字等待超过 %(days)s 天")
            % {"count": requirement.waiting_signoffs, "days": signoff_wait_days()}
        )
    return reasons


def portfolio_rows(requirements, *, today=None) -> list[PortfolioRow]:
    """Rows for a page of annotated requirements; leaders and their departments are read
    in two queries for the whole page."""
    today = today or timezone.localdate()
    requirements = list(requirements)
    users = User.objects.in_bulk({r.leader_user_id for r in requirements if r.leader_user_id})
    departments = Department.objects.in_bulk(
        {r.leader_department_id for r in requirements if r.leader_department_id}
    )
    rows = []
    for requirement in requirements:
        milestone = None
        if requirement.milestone_date is not None:
            milestone = {
                "code": requirement.milestone_code,
                "name": requirement.milestone_name,
                "date": requirement.milestone_date,
            }
        rows.append(
            PortfolioRow(
                requirement=requirement,
                stage=requirement.stage_code,
                health=HEALTH_BY_RANK[requirement.health_rank],
                reasons=health_reasons(requirement, today),
                progress=round(requirement.progress_avg or 0),
                milestone=milestone,
                leader=users.get(requirement.leader_user_id),
                leader_department=departments.get(requirement.leader_department_id),
            )
        )
    return rows
