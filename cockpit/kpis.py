"""Department KPIs over a period: each figure per department and overall, with the
definition the page shows next to it (`DEFINITIONS`). Everything is read over the
requirements the cockpit shows the user (scope.py), in a fixed number of grouped
queries whatever the period or the number of rows. Days are calendar days.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from collab.signoffs.models import SignOff
from meetings.models import CauseCategory, Meeting, MeetingKind
from requests_app.lifecycle import REVIEW_STAGE
from requests_app.models import Requirement
from reviews_app.lifecycle import ACCEPTANCE_STAGE
from reviews_app.models import (
    Acceptance,
    AcceptanceStatus,
    ActionStatus,
    ImprovementAction,
    Metric,
    achievement_rate,
)
from risks_app.models import ACTIVE_STATUSES, IMPACT_ORDER, Risk
from tasks_app.lifecycle import PLAN_STAGE
from tasks_app.models import Plan, PlanVersion, Task, TaskStatus
from tasks_app.selectors import DaysBetween

from .scope import cockpit_requirements, sees_everything

UNANALYSED = "unanalysed"
COORDINATOR_SLOT = 0  # the coordinator's own sign-off slot has no department
ONE_DECIMAL = Decimal("0.1")

DEFINITIONS = {
    "on_time_rate": _(
        "按期完成率 = 期间内按计划结束日期或之前完成的任务数 ÷ 期间内完成的任务数"
        "（按任务负责部门；完成日期取实际完成时间）"
    ),
    "delay_days": _(
        "延迟天数：期间内完成的任务中，实际完成日期晚于计划结束日期的天数（自然日）；"
        "合计为全部延迟天数之和，平均为合计 ÷ 延迟完成的任务数"
    ),
    "delay_by_cause": _(
        "按原因的延迟：期间内延迟完成的任务，按以该任务为议题的最近一次专题会的原因类别"
        "归类其延迟天数；没有专题会分析的计为「未分析」"
    ),
    "signoff_turnaround": _(
        "签字周转：期间内签字的中位小时数，自发起签字（需求进入本轮评审、方案提交本版本、"
        "验收提交本轮签字）到签字；按签字部门和环节"
    ),
    "open_risks": _(
        "未关闭风险：期间结束日当天仍未解决的风险与问题（发生日期不晚于期间结束日），"
        "按责任部门和影响等级"
    ),
    "improvements": _(
        "改进措施按期完成：完成期限在期间内的改进措施中，在期限当天或之前完成的比例"
        "（按责任部门）"
    ),
    "goal_achievement": _(
        "复盘目标达成：复盘会在期间内召开的需求的目标达成指标，达成率 = 实际值 ÷ 目标值；"
        "统计平均达成率和达成（实际值不低于目标值）的指标数（按需求发起部门）"
    ),
}

STAGE_LABELS = {
    REVIEW_STAGE: _("需求评审"),
    PLAN_STAGE: _("方案审批"),
    ACCEPTANCE_STAGE: _("成果验收"),
}


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage rounded half-up to 0.1 (None when whole is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def one_decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


@dataclass
class Period:
    start: datetime.date
    end: datetime.date

    def weeks(self) -> list[datetime.date]:
        """The Monday of every week the period touches."""
        monday = self.start - datetime.timedelta(days=self.start.weekday())
        weeks = []
        while monday <= self.end:
            weeks.append(monday)
            monday += datetime.timedelta(days=7)
        return weeks


@dataclass
class DepartmentKpis:
    department: Department | None  # None: the overall row or the coordinator's slot
    label: str = ""
    finished: int = 0
    on_time: int = 0
    late: int = 0
    delay_total: int = 0
    signoffs: list[float] = field(default_factory=list)
    risks: dict[str, int] = field(default_factory=dict)
    actions_due: int = 0
    actions_on_time: int = 0
    metrics: list[Decimal] = field(default_factory=list)
    metrics_achieved: int = 0

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.finished)

    @property
    def delay_average(self) -> Decimal | None:
        return one_decimal(self.delay_total / self.late) if self.late else None

    @property
    def turnaround_median(self) -> Decimal | None:
        return one_decimal(statistics.median(self.signoffs)) if self.signoffs else None

    @property
    def risk_counts(self) -> list[int]:
        """Open risks per impact, high to low."""
        return [self.risks.get(impact.value, 0) for impact in IMPACT_ORDER]

    @property
    def risks_total(self) -> int:
        return sum(self.risks.values())

    @property
    def actions_rate(self) -> Decimal | None:
        return percent(self.actions_on_time, self.actions_due)

    @property
    def achievement_average(self) -> Decimal | None:
        if not self.metrics:
            return None
        average = sum(self.metrics) / len(self.metrics)
        return average.quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Kpis:
    period: Period
    departments: list[DepartmentKpis]
    overall: DepartmentKpis
    weekly: list[dict]
    by_cause: list[dict]
    turnaround: list[dict]  # per department and stage


def _departments(rows: dict, department: Department | None) -> list[DepartmentKpis]:
    ids = [key for key in rows if key]
    known = Department.objects.in_bulk(ids)
    listed = sorted((known[key] for key in ids if key in known), key=lambda d: d.code)
    if department is not None:
        listed = [d for d in listed if d.pk == department.pk]
    for dept in listed:
        rows[dept.pk].department = dept
        rows[dept.pk].label = dept.name
    return [rows[dept.pk] for dept in listed]


def scoped(qs: QuerySet, user: User, lookup: str = "requirement") -> QuerySet:
    """`qs` limited to rows of the requirements in the user's cockpit (no condition for
    those who see every requirement)."""
    if sees_everything(user):
        return qs
    return qs.filter(**{f"{lookup}__in": cockpit_requirements(user).values("pk")})


def department_kpis(user: User, period: Period, department: Department | None = None) -> Kpis:
    rows: dict[int, DepartmentKpis] = defaultdict(lambda: DepartmentKpis(None))
    overall = DepartmentKpis(None)

    finished = scoped(Task.objects, user).filter(
        status=TaskStatus.DONE,
        actual_end__gte=period.start,
        actual_end__lte=period.end,
    )
    if department is not None:
        finished = finished.filter(owner_department=department)
    late = Q(actual_end__gt=F("planned_end"))
    for row in (
        finished.order_by()
        .values("owner_department")
        .annotate(
            finished=Count("pk"),
            on_time=Count("pk", filter=~late),
            late=Count("pk", filter=late),
            delay=Sum(DaysBetween(F("actual_end"), F("planned_end")), filter=late),
        )
    ):
        for target in (rows[row["owner_department"]], overall):
            target.finished += row["finished"]
            target.on_time += row["on_time"]
            target.late += row["late"]
            target.delay_total += row["delay"] or 0

    weekly = _weekly(finished, period)
    by_cause = _delay_by_cause(finished.filter(late))

    turnaround: dict[tuple[int, str], list[float]] = defaultdict(list)
    for dept_id, stage, hours in _signoff_hours(user, period, department):
        key = dept_id or COORDINATOR_SLOT
        rows[key].signoffs.append(hours)
        overall.signoffs.append(hours)
        turnaround[(key, stage)].append(hours)

    risks = (
        scoped(Risk.objects, user)
        .filter(occurred_on__lte=period.end)
        .filter(Q(status__in=ACTIVE_STATUSES) | Q(actual_resolution__gt=period.end))
    )
    if department is not None:
        risks = risks.filter(owner_department=department)
    for row in risks.order_by().values("owner_department", "impact").annotate(n=Count("pk")):
        for target in (rows[row["owner_department"]], overall):
            target.risks[row["impact"]] = target.risks.get(row["impact"], 0) + row["n"]

    actions = scoped(ImprovementAction.objects, user, "retrospective__requirement").filter(
        due_date__gte=period.start,
        due_date__lte=period.end,
    )
    if department is not None:
        actions = actions.filter(owner_department=department)
    on_time = Q(status=ActionStatus.DONE, done_on__lte=F("due_date"))
    for row in (
        actions.order_by()
        .values("owner_department")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=on_time))
    ):
        for target in (rows[row["owner_department"]], overall):
            target.actions_due += row["due"]
            target.actions_on_time += row["on_time"]

    metrics = scoped(Metric.objects, user, "retrospective__requirement").filter(
        retrospective__held_on__gte=period.start,
        retrospective__held_on__lte=period.end,
    )
    if department is not None:
        metrics = metrics.filter(retrospective__requirement__initiating_department=department)
    for dept_id, target_value, actual in metrics.order_by().values_list(
        "retrospective__requirement__initiating_department", "target", "actual"
    ):
        rate = achievement_rate(target_value, actual)
        for target in (rows[dept_id], overall):
            target.metrics.append(rate)
            target.metrics_achieved += actual >= target_value

    coordinator_row = rows.pop(COORDINATOR_SLOT, None)
    departments = _departments(rows, department)
    turnaround_rows = _turnaround_rows(turnaround, departments)
    overall.label = str(_("全部"))
    if coordinator_row is not None and department is None:
        coordinator_row.label = str(_("协作协调人"))
        departments.append(coordinator_row)
    return Kpis(
        period=period,
        departments=departments,
        overall=overall,
        weekly=weekly,
        by_cause=by_cause,
        turnaround=turnaround_rows,
    )


def _weekly(finished: QuerySet, period: Period) -> list[dict]:
    counts: dict[datetime.date, list[int]] = {week: [0, 0] for week in period.weeks()}
    on_time = Q(actual_end__lte=F("planned_end"))
    for row in (
        finished.order_by()
        .values("actual_end")
        .annotate(finished=Count("pk"), on_time=Count("pk", filter=on_time))
    ):
        day = row["actual_end"]
        week = counts[day - datetime.timedelta(days=day.weekday())]
        week[0] += row["finished"]
        week[1] += row["on_time"]
    return [
        {"week": week, "finished": n, "on_time": ok, "rate": percent(ok, n)}
        for week, (n, ok) in counts.items()
    ]


def _delay_by_cause(late_tasks: QuerySet) -> list[dict]:
    """Delay days of late tasks by the cause of their latest special meeting."""
    latest_cause = (
        Meeting.objects.filter(
            kind=MeetingKind.SPECIAL,
            subject_type=ContentType.objects.get_for_model(Task),
            subject_id=OuterRef("pk"),
        )
        .exclude(cause_category="")
        .order_by("-held_at", "-id")
        .values("cause_category")[:1]
    )
    totals: dict[str, list[int]] = {}
    for row in (
        late_tasks.annotate(cause=Subquery(latest_cause))
        .order_by()
        .values("cause")
        .annotate(tasks=Count("pk"), delay=Sum(DaysBetween(F("actual_end"), F("planned_end"))))
    ):
        cause = row["cause"] or UNANALYSED
        entry = totals.setdefault(cause, [0, 0])
        entry[0] += row["tasks"]
        entry[1] += row["delay"] or 0
    labels = {**dict(CauseCategory.choices), UNANALYSED: _("未分析")}
    order = [*CauseCategory.values, UNANALYSED]
    return [
        {
            "cause": cause,
            "label": str(labels[cause]),
            "tasks": totals[cause][0],
            "days": totals[cause][1],
        }
        for cause in order
        if cause in totals
    ]


def _signoff_hours(user: User, period: Period, department: Department | None):
    """(department id, stage, hours from request to signature) of every signature given
    in the period on an object of a requirement in scope."""
    start = datetime.datetime.combine(period.start, datetime.time.min)
    end = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min)
    signoffs = SignOff.objects.filter(
        signed_at__gte=timezone.make_aware(start), signed_at__lt=timezone.make_aware(end)
    )
    if department is not None:
        signoffs = signoffs.filter(department=department)
    review_started = (
        Requirement.history.model.objects.filter(
            id=OuterRef("object_id"), review_round=OuterRef("round")
        )
        .order_by()
        .values("id")
        .annotate(first=Min("history_date"))
        .values("first")[:1]
    )
    plan_submitted = PlanVersion.objects.filter(
        plan=OuterRef("object_id"), version=OuterRef("round")
    ).values("submitted_at")[:1]
    signing_started = (
        Acceptance.history.model.objects.filter(
            id=OuterRef("object_id"), round=OuterRef("round"), status=AcceptanceStatus.SIGNING
        )
        .order_by()
        .values("id")
        .annotate(first=Min("history_date"))
        .values("first")[:1]
    )
    points = [
        (REVIEW_STAGE, Requirement, scoped(Requirement.objects, user, "pk"), review_started),
        (PLAN_STAGE, Plan, scoped(Plan.objects, user), plan_submitted),
        (ACCEPTANCE_STAGE, Acceptance, scoped(Acceptance.objects, user), signing_started),
    ]
    for stage, model, targets, requested in points:
        of_stage = signoffs.filter(
            stage=stage, content_type=ContentType.objects.get_for_model(model)
        )
        if not sees_everything(user):
            of_stage = of_stage.filter(object_id__in=targets.values("pk"))
        rows = of_stage.annotate(requested_at=Subquery(requested)).values_list(
            "department_id", "requested_at", "signed_at"
        )
        for dept_id, requested_at, signed_at in rows:
            if requested_at is None:
                continue
            hours = max((signed_at - requested_at).total_seconds(), 0) / 3600
            yield dept_id, stage, hours


def _turnaround_rows(turnaround: dict, departments: list[DepartmentKpis]) -> list[dict]:
    order = {row.department.pk: index for index, row in enumerate(departments)}
    names = {row.department.pk: row.department.name for row in departments}
    stages = list(STAGE_LABELS)
    rows = []
    for (dept_id, stage), hours in turnaround.items():
        if dept_id != COORDINATOR_SLOT and dept_id not in names:
            continue
        rows.append(
            {
                "department": dept_id or None,
                "department_name": names.get(dept_id) or str(_("协作协调人")),
                "stage": stage,
                "stage_label": str(STAGE_LABELS.get(stage, stage)),
                "count": len(hours),
                "median_hours": one_decimal(statistics.median(hours)),
            }
        )
    rows.sort(key=lambda r: (order.get(r["department"] or 0, len(order)), stages.index(r["stage"])))
    return rows


def risk_impacts() -> list[tuple[str, str]]:
    return [(impact.value, str(impact.label)) for impact in IMPACT_ORDER]
